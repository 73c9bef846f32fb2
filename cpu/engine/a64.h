/* a64.h - executes an AArch64 guest at EL1 on Unicorn's Arm64 engine with
 * hvsim's own self-hosted debug architecture (issue 20), the Arm twin of
 * engine.h.
 *
 * Unicorn 2.0.1 implements none of the AArch64 debug architecture that
 * matters here (measured, cpu/engine/a64.c: an MSR to DBGBVR0_EL1 is
 * accepted and changes nothing observable, HVC at EL1 is UNDEFINED since
 * its CPU has no EL2, exceptions are reported to hooks instead of being
 * taken).  So the engine runs one code hook on every guest instruction and
 * decides there, before the instruction executes:
 *   - a pending Software Step or Watchpoint exception is taken;
 *   - a Breakpoint exception is taken if the hardware bank matches;
 *   - "sites" are emulated: MSR/MRS of a debug register (or an exit, if the
 *     EL2 trap controls say so), HVC, ERET, BRK, and loads/stores to
 *     addresses outside guest memory (MMIO).
 * Watchpoints are checked by one memory hook on every access; a match
 * undoes the access at the next instruction boundary (AArch64 watchpoints
 * are precise faults: the instruction does not complete) and takes the
 * exception.  Everything else runs natively on Unicorn.
 *
 * Matching uses the hardware bank of struct cpu (what the silicon holds,
 * shared with the host) and, for the oracle, the guest's own architectural
 * view (what it wrote, struct arm_dbg_file): a debug exception the guest
 * asked for but the hardware did not raise is missed, one it did not ask
 * for is spurious - the same three outcomes as the x86 engine's #DBs.
 *
 * One code hook per instruction makes this engine slower than the x86 one
 * (no block-level fast path): a simple, exact model first. */
#ifndef HVSIM_CPU_ENGINE_A64_H
#define HVSIM_CPU_ENGINE_A64_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cpu/cpu.h"
#include "cpu/engine/engine.h"

/* Instruction classes the Arm engine handles itself. */
enum a64_class {
	A64_NONE = 0,
	A64_SYSREG,     /* MSR/MRS of a modelled debug register (cpu/arm_dbg.h) */
	A64_HVC,        /* HVC #imm16 */
	A64_ERET,       /* ERET */
	A64_BRK,        /* BRK #imm16 */
	A64_LDST,       /* LDR/STR (unsigned offset) / LDUR/STUR, integer: maybe MMIO */
	A64_WFI,        /* WFI: the end of a run (x86's HLT): nothing wakes hvsim's CPU */
};

struct a64_insn {
	uint64_t pc;           /* address */
	uint32_t raw;          /* the instruction word */
	uint8_t cls;           /* enum a64_class */
	bool write;            /* SYSREG: MSR; LDST: store */
	int16_t reg;           /* SYSREG: enum arm_dbgreg */
	uint8_t rt;            /* SYSREG/LDST: transfer register (31 = XZR) */
	uint8_t rn;            /* LDST: base register (31 = SP) */
	uint8_t size;          /* LDST: access bytes 1, 2, 4, 8 */
	int64_t off;           /* LDST: byte offset added to the base */
	uint16_t imm;          /* HVC/BRK: the immediate */
	uint8_t op0, op1, crn, crm, op2;  /* SYSREG: the encoding */
};

/* Decode one A64 instruction word into a site (A64_NONE if not one). */
void a64_classify(uint32_t raw, uint64_t pc, struct a64_insn *ii);

/* The guest's (or the host's) architectural debug state, kept by the
 * oracle: what the owner wrote, with the OS Lock it set. */
struct arm_dbg_file {
	uint64_t reg[ARM_DBGREG_N];    /* enum arm_dbgreg; OSLSR_EL1 holds its OSLK */
};

/* Callbacks of the virtualization layer (arm/kvm.c); all optional. */
struct a64_ops {
	/* A site in guest mode: return true if it caused a VM exit (the
	 * hypervisor has run, set the PC and re-entered). */
	bool (*insn)(void *ctx, const struct a64_insn *ii);
	/* A debug exception whose target is EL2 (MDCR_EL2.TDE or HCR_EL2.TGE,
	 * asked through route_el2): the VM exit of class `ec` (0x30, 0x32,
	 * 0x34 "from a lower EL", 0x3C BRK).  Return true if it exited. */
	bool (*debug_exit)(void *ctx, unsigned ec, uint32_t iss, uint64_t far, uint64_t pc);
	bool (*route_el2)(void *ctx);
	/* Before every guest instruction: timers. */
	void (*boundary)(void *ctx);
	/* The budget ran out in guest mode (the timer exit that ends the run). */
	void (*budget)(void *ctx);
	void *ctx;
};

struct a64;

struct a64 *a64_new(struct cpu *cpu, char *err, size_t errsize);
void a64_free(struct a64 *e);
void a64_set_ops(struct a64 *e, const struct a64_ops *ops);
struct arm_dbg_file *a64_ideal(struct a64 *e);

int a64_map(struct a64 *e, uint64_t addr, uint64_t size, const void *bytes, size_t nbytes);
bool a64_mapped(const struct a64 *e, uint64_t addr, unsigned size);
int a64_mem_read(struct a64 *e, uint64_t addr, void *buf, size_t n);

/* Registers: X0-X30 (31 = XZR reads 0, writes dropped), SP, PC, PSTATE and
 * the EL1 exception registers; by name for scenarios ("x0", "sp", "vbar_el1"). */
uint64_t a64_x(struct a64 *e, int n);
void a64_set_x(struct a64 *e, int n, uint64_t v);
uint64_t a64_pc(struct a64 *e);
void a64_set_pc(struct a64 *e, uint64_t pc);   /* continue there after the current hook */
uint64_t a64_pstate(struct a64 *e);
enum a64_el1reg { A64_ELR_EL1, A64_SPSR_EL1, A64_ESR_EL1, A64_FAR_EL1, A64_VBAR_EL1, A64_CONTEXTIDR_EL1 };
uint64_t a64_el1(struct a64 *e, enum a64_el1reg r);
void a64_set_el1(struct a64 *e, enum a64_el1reg r, uint64_t v);
int a64_reg_by_name(struct a64 *e, const char *name, uint64_t val);

void a64_set_budget(struct a64 *e, uint64_t max_insns, uint64_t max_cycles);
uint64_t a64_instructions(struct a64 *e);

/* Run from pc until a stop; STOP_NONE after a pause (then a64_run(e, a64_pc(e))). */
enum engine_stop a64_run(struct a64 *e, uint64_t pc);
void a64_request_stop(struct a64 *e, enum engine_stop why, const char *msg);
void a64_request_pause(struct a64 *e);
bool a64_pause_requested(struct a64 *e);
const char *a64_stop_message(struct a64 *e);

/* Native execution of a debug-register site against the hardware bank
 * (what the CPU does without a trap); the vendor calls it when it decides
 * not to trap. Returns the value an MRS read. */
uint64_t a64_native_sysreg(struct a64 *e, const struct a64_insn *ii);
/* Advance past the current instruction (an exit handled by emulation:
 * KVM's kvm_incr_pc; completes a software step, D2 "Software Step
 * exceptions"). */
void a64_skip(struct a64 *e, const struct a64_insn *ii);
/* Take a synchronous exception to EL1 (ESR_EL1 = esr, FAR_EL1 = far if
 * far_valid, ELR_EL1 = pc): an injected one (kvm_inject_undefined) or a
 * debug exception.  Stops the run if VBAR_EL1 is 0 (no vectors). */
void a64_take_el1(struct a64 *e, uint32_t esr, uint64_t far, bool far_valid, uint64_t pc);

/* The oracle: a host-context data access (host `touch` events) against the
 * hardware bank at EL2 with the host's own view (`host` = the host's
 * hw_breakpoint state, its MDSCR_EL1 in reg[ARM_MDSCR_EL1]). */
void a64_host_touch(struct a64 *e, const struct arm_dbg_file *host, uint64_t addr, unsigned size,
		    bool write);

/* Logs, shared shape with the x86 engine (engine.h): in a db_record of an
 * Arm run, `dr6` is the ESR_EL1 the guest saw, `hw_dr6` FAR_EL1 (0 if none)
 * and the slots are breakpoint or watchpoint numbers. */
const struct db_record *a64_db_log(struct a64 *e, size_t *n, uint64_t *dropped);
const struct violation *a64_violations(struct a64 *e, size_t *n, uint64_t *dropped);
void a64_violation(struct a64 *e, uint64_t pc, int slot, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Capstone disassembly of the instruction at pc. */
int a64_disasm(struct a64 *e, uint64_t pc, char *buf, size_t size);

#endif
