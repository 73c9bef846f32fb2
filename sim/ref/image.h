/* image.h - a scenario as a guest image of the KVM references: the same
 * bytes at the same addresses as the simulator, the guest registers, the
 * host's breakpoints and events, and the symbols of the #DB-log convention
 * (docs/kvm-reference.md).  The image is what the /dev/kvm runner runs
 * (sim/ref/devkvm.h, struct kvm_image) and, written as text, what the
 * reference-2 runner reads (`hvsim kvm --export`). */
#ifndef HVSIM_REF_IMAGE_H
#define HVSIM_REF_IMAGE_H
#include <stddef.h>
#include <stdint.h>
#include "sim/ref/devkvm.h"
#include "sim/loader/scenario.h"

/* The simulator's default guest stack (sim/run.c DEFAULT_STACK_TOP/SIZE):
 * the reference maps the same one. */
#define REF_SIM_STACK_TOP 0x00F00000ull
#define REF_SIM_STACK_SIZE 0x10000ull

enum { REF_IMAGE_OK = 0, REF_IMAGE_UNSUPPORTED = 1 };

/* Build the image of a scenario.  Returns REF_IMAGE_OK, or
 * REF_IMAGE_UNSUPPORTED with a "file:line:col: message" in err when the
 * guest cannot run on a reference. */
int ref_image_build(const struct scenario *sc, struct kvm_image *img, char *err, size_t errsize);

/* The byte of the image at a guest address (-1 if none). */
int ref_image_byte(const struct kvm_image *img, uint64_t addr);

#endif
