/* asm.h - assemble scenario `asm` text with GNU binutils.
 *
 * The text is assembled with `as`, linked at an absolute base address with
 * `ld` (so labels get their final addresses), the code is extracted with
 * `objcopy -O binary` and the labels are read back with `nm`.  Unless the
 * text switches syntax itself (a `.att_syntax` line), it is Intel syntax
 * without register prefixes: the prologue
 *
 *     .intel_syntax noprefix
 *     .code64            (or .code32)
 *
 * is prepended (ASM_PROLOGUE_LINES lines).  All sections (.text, .data,
 * .rodata, .bss) are laid out back to back from the base address and the
 * whole image is returned as one block.
 *
 * The text may not read files: `.incbin`, `.include` and the macro tricks
 * that could spell them are refused before the tools run, and so are labels
 * that Intel syntax reads as keywords or registers (`word`, `rax`; see
 * asm_check.c).  The tools run sandboxed: an empty private directory, no
 * inherited descriptors, a minimal environment, CPU/memory/output/wall-clock
 * limits, and SIGINT/SIGTERM/SIGHUP during a run kill the tools and remove
 * the directory before the signal acts (asm_sandbox.c).
 *
 * Results are cached in ${HVSIM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hvsim}/asm/
 * (0700; a directory not owned by the user or writable by others is not
 * used) keyed by the format, mode, base, text and the tools' paths and
 * identities, each entry checked against its content hash, bounded in size
 * (asm_cache.c).  Tools can be overridden with the environment variables
 * HVSIM_AS, HVSIM_LD, HVSIM_OBJCOPY and HVSIM_NM (e.g. x86_64-linux-gnu-as
 * on a non-x86 host).
 *
 * Nothing is printed: failures come back as a message plus, when the
 * assembler names one, the 1-based line within `text`. */
#ifndef HVSIM_SIM_ASM_H
#define HVSIM_SIM_ASM_H
#include <stddef.h>
#include <stdint.h>
#include "sim/loader/scenario.h"

#define ASM_PROLOGUE_LINES 2

/* Assemble `text` for `mode` (64 or 32) at address `base`.
 * On success returns 0 and sets out->base, out->bytes, out->size, out->syms
 * and out->nsyms (all owned by `out`; any previous contents of those fields
 * are overwritten, not freed).  Other fields of `out` are left alone.
 * On failure returns -1, leaves `out` untouched, writes the message (without
 * any "FILE:LINE:COL:" prefix, e.g. "invalid operand size for `mov'") into
 * err and sets *err_line to the 1-based line within `text` the message is
 * about, or 0 when it is not about one line, and *err_col to the 0-based
 * byte offset within that line (0 when only the line is known); err_line
 * and err_col may be NULL.
 * An empty result (no bytes) is an error with the message "no code". */
int asm_assemble(const char *text, int mode, uint64_t base, struct code_block *out,
		 int *err_line, int *err_col, char *err, size_t errsize);

/* Free what asm_assemble() put into `cb` (bytes, syms) and zero those fields. */
void asm_release(struct code_block *cb);

/* The cache directory in use ("" when caching is off); for diagnostics. */
const char *asm_cache_dir(char *buf, size_t bufsize);

#endif
