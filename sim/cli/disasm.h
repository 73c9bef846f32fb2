/* disasm.h - the one Capstone listing of sim/cli (cmd_disasm.c), shared by
 * `hvsim disasm` and the `disas` command of `hvsim step`. */
#ifndef HVSIM_SIM_CLI_DISASM_H
#define HVSIM_SIM_CLI_DISASM_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sim/loader/scenario.h"

#define DISASM_NO_MARK UINT64_MAX

/* List the instructions of cb (labels, bytes, sites marked) from address
 * `from` (inside the block), at most `max` of them (0: to the end of the
 * block; a collapsed run of zero bytes counts as one).  mark: the address
 * flagged "=> " (every line then starts with a 3-column marker), or
 * DISASM_NO_MARK.  Returns 0, or an exit code after printing an error. */
int disasm_listing(FILE *f, const struct code_block *cb, int mode, uint64_t from, size_t max, uint64_t mark);

#endif
