/* a64_int.h - the Arm engine's private state, shared by cpu/engine/a64.c
 * (set-up, registers, run loop, logs) and cpu/engine/a64_exec.c (the
 * per-instruction hook: debug exceptions, sites, the oracle). */
#ifndef HVSIM_CPU_ENGINE_A64_INT_H
#define HVSIM_CPU_ENGINE_A64_INT_H
#include <capstone/capstone.h>
#include <unicorn/unicorn.h>
#include "cpu/engine/a64.h"
#include "cpu/engine/oracle_log.h"

/* The fixed `until` of every uc_emu_start: outside the 48-bit guest
 * address space (the loader refuses guest addresses at or above 2^48). */
#define A64_SENTINEL 0x8000000000000000ull

/* Software step state machine (D2 "Software Step exceptions": inactive,
 * active-not-pending, active-pending). */
enum ss_state { SS_INACTIVE = 0, SS_ACTIVE_NOT_PENDING, SS_ACTIVE_PENDING };

struct a64 {
	uc_engine *uc;              /* the Unicorn instance (UC_ARCH_ARM64) */
	csh cs;                     /* Capstone AArch64 handle (disassembly only) */
	bool cs_ok;                 /* cs opened */
	struct cpu *cpu;            /* the shared physical CPU (its Arm debug bank) */
	struct a64_ops ops;         /* virtualization layer (zeroed = bare metal) */
	struct arm_dbg_file *ideal; /* the guest's architectural debug state (oracle) */
	struct arm_dbg_file own_ideal;  /* default storage for ideal */

	struct { uint64_t addr, size; } maps[32];  /* guest memory (RAM), page runs */
	unsigned nmaps;

	uc_hook h_code, h_mem, h_intr, h_unmapped;
	uc_context *wp_ctx;         /* register state before the current instruction (watchpoints armed) */

	/* execution control */
	bool in_emu;                /* inside uc_emu_start */
	uint64_t cur_pc;            /* PC as the hooks see it */
	bool stop_req;              /* stop at the next hook */
	bool pause_req;             /* return to the caller, then resume */
	enum engine_stop stop;
	char stop_msg[200];
	uint64_t insns, max_insns, max_cycles;

	/* exceptions taken since an instruction last retired: a vector that
	 * faults again at once (BRK or an UNDEFINED instruction at VBAR_EL1 +
	 * 0x200) would otherwise loop forever without using the budget */
	uint64_t exc_insns;         /* e->insns at the last exception */
	unsigned exc_streak;

	/* software step: hardware state, and the guest's own view (oracle) */
	enum ss_state ss_hw, ss_ideal;

	/* watchpoints: armed in hardware or in the guest's view; an access
	 * that matched, undone at the next boundary */
	bool wp_any;
	uint64_t wp_gen;            /* cpu->dr_gen the armed summary was computed for */
	uint64_t wp_ideal_sig;      /* the ideal view's signature at that time */
	bool wp_pending;
	unsigned wp_hw, wp_idl;     /* slots matched */
	uint64_t wp_pc, wp_addr;    /* the instruction, the accessed address */
	bool wp_write;
	unsigned wp_size;
	uint8_t wp_old[16];         /* bytes a matched store overwrote (restored) */

	struct oracle_log log;      /* debug-exception log and violations (oracle_log.h) */
};

/* a64_exec.c */
void a64_code_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user);
void a64_mem_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user);
void a64_log(struct a64 *e, bool host, uint64_t pc, unsigned hw, unsigned ideal, enum db_outcome out,
	     const char *cause, uint64_t esr, uint64_t far);
/* a64.c: stop in front of the instruction at pc (it does not execute) */
void a64_halt_here(struct a64 *e, uint64_t pc);
uint32_t a64_pstate_raw(struct a64 *e);
void a64_set_pstate(struct a64 *e, uint32_t v);

#endif
