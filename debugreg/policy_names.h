#ifndef HVSIM_POLICY_NAMES_H
#define HVSIM_POLICY_NAMES_H
#include <stdbool.h>
bool policy_exists(const char *name);
void policy_list(void (*cb)(const char *name, const char *summary, void *ctx), void *ctx);
#endif
