/* scenario_parse.h - internal to sim/loader: the pieces of the scenario
 * schema walk shared by scenario.c, scenario_code.c, scenario_guest.c,
 * scenario_host.c and scenario_expect.c.  Every function takes the YAML
 * document being walked (y->user is the struct scenario being built) and
 * ends the walk through y_fail() on the first problem (yaml.h). */
#ifndef HVSIM_LOADER_SCENARIO_PARSE_H
#define HVSIM_LOADER_SCENARIO_PARSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/loader/scenario.h"
#include "sim/loader/yaml.h"

#define MAX_CODE_SIZE   (16u << 20)    /* per code block (guest code, each snippet) */
#define MAX_REGION_SIZE (16u << 20)    /* per guest data region */
#define MAX_DATA_TOTAL  (64u << 20)    /* all guest data regions together */
#define ADDR32_LIMIT    0x100000000ULL
#define CANON_LOW_END   0x0000800000000000ULL
#define CANON_HIGH      0xffff800000000000ULL
#define A64_ADDR_LIMIT  0x0001000000000000ULL

/* ---- addresses and code blocks (scenario_code.c) ----------------------------- */

/* `addr` fits the guest mode: below 4 GiB in 32-bit mode, canonical in 64. */
void scn_check_addr(struct ydoc *c, yaml_node_t *n, const char *what, uint64_t addr, int mode);
/* Same for [addr, addr+size), which must not wrap either. */
void scn_check_span(struct ydoc *c, yaml_node_t *n, const char *what, uint64_t addr, uint64_t size,
		    int mode);

struct range {
	uint64_t lo, hi;               /* inclusive */
	struct srcpos pos;
	char what[96];
};
/* No two ranges overlap; the error is reported at the later one in the file.
 * Sorts r; r may be parked in c->tmp. */
void scn_check_overlaps(struct ydoc *c, struct range *r, size_t n);

/* `asm` or `code` of the mapping `map` (guest, a snippet) at `base`. */
void scn_parse_code(struct ydoc *c, yaml_node_t *map, const char *path, int mode, uint64_t base,
		    yaml_node_t *base_node, struct code_block *cb);

static inline bool scn_block_has(const struct code_block *cb, uint64_t a)
{
	return cb->size && a >= cb->base && a - cb->base < cb->size;
}

/* ---- sections ----------------------------------------------------------------- */

void scn_parse_guest(struct ydoc *c, yaml_node_t *n);    /* scenario_guest.c */
void scn_parse_host(struct ydoc *c, yaml_node_t *n);     /* scenario_host.c */
/* The host world across sections (scenario_host.c): vCPU CPUs against
 * host.cpus, a hypervisor for any of it, the timer the ticks need. */
void scn_check_world(struct ydoc *c, yaml_node_t *root);
void scn_parse_expect(struct ydoc *c, yaml_node_t *n);   /* scenario_expect.c */

#endif
