/* engine_int.h - the engine's private state, shared by cpu/engine/engine.c,
 * cpu/engine/decode.c and cpu/engine/deliver.c only. */
#ifndef HVSIM_CPU_ENGINE_INT_H
#define HVSIM_CPU_ENGINE_INT_H
#include <capstone/capstone.h>
#include <unicorn/unicorn.h>
#include "cpu/engine/engine.h"
#include "cpu/engine/oracle_log.h"

/* A decoded translated block: instruction addresses and cumulative cost. */
struct block {
	uint64_t addr;              /* first instruction */
	uint32_t size;              /* bytes, as Unicorn reports the TB */
	uint32_t n;                 /* instructions */
	uint64_t cost;              /* guest cycles of the whole block */
	uint64_t *iaddr;            /* address of instruction i */
	uint64_t *icost;            /* cost of instruction i */
	uint8_t *icls;              /* its cost entry (COSTI_insn_alu .. COSTI_insn_other) */
	uint32_t ncls[5];           /* instructions per class (insn.alu .. insn.other) */
	struct block *next;         /* hash chain */
};

/* A sensitive instruction and its hook. */
struct site {
	struct insn_info ii;        /* decoded instruction */
	uc_hook hook;               /* its single-address code hook */
	struct site *next;          /* hash chain */
};

/* The widest access Unicorn 2.0.1 reports to one memory hook on x86: its
 * softmmu helpers load and store at most 8 bytes at a time (a 16-byte SSE
 * access, CMPXCHG16B, FXSAVE arrive as 8-byte pieces, each hooked). */
#define MEM_ACCESS_MAX 8

#define HASH_BITS 12
#define HASH_SIZE (1u << HASH_BITS)

struct engine {
	uc_engine *uc;              /* the Unicorn instance */
	csh cs;                     /* Capstone handle (detail on) */
	int mode;                   /* 64 or 32 */
	bool host;                  /* host context engine */
	bool host_tf;               /* TF is the host debugger's (KVM_GUESTDBG_SINGLESTEP), not the guest's */
	struct cpu *cpu;            /* the shared physical CPU */
	struct engine_ops ops;      /* virtualization layer (zeroed = bare metal) */
	struct dr_file *ideal;      /* owner's architectural DRs (oracle) */
	struct dr_file own_ideal;   /* default storage for ideal */
	int owner;                  /* whose #DBs these are (engine_set_owner) */

	struct block *blocks[HASH_SIZE];   /* decode cache of blocks */
	struct site *sites[HASH_SIZE];     /* sensitive instructions */
	unsigned nsites;

	/* mapped memory, page runs */
	struct {
		uint64_t addr, size;
		void *ptr;                  /* shared memory (engine_share_memory): the host buffer, else NULL */
		bool owned;                 /* this engine allocated ptr (frees it) */
	} *maps;                            /* grows; the top page's run ends at 2^64 */
	unsigned nmaps, cap_maps;
	bool shared_mem;                    /* map runs into host buffers other engines can map too */

	/* hooks */
	uc_hook h_block, h_intr, h_invalid, h_unmapped;
	uc_hook h_global;           /* code hook on everything (precise mode) */
	bool precise;               /* h_global installed */
	uc_hook h_exec[8];          /* execute-breakpoint hooks */
	uint64_t exec_addr[8];
	unsigned nexec;
	uc_hook h_mem[8];           /* data-breakpoint hooks */
	uint64_t mem_lo[8], mem_hi[8];
	struct mem_hook_ctx {       /* user data of h_mem[i] */
		struct engine *e;
		unsigned idx;
		uint64_t lo;        /* the hook's lowest address (mem_lo widened) */
	} mem_ctx[8];
	unsigned nmem;
	/* Unicorn 2.0.1 reports a read that crosses a page twice more, as the
	 * two size-aligned pieces its softmmu helper loads (measured: an 8-byte
	 * read at 0x84FFD arrives as 0x84FFD, then 0x84FF8 and 0x85000, all of
	 * size 8; writes arrive once).  The pieces carry bytes the instruction
	 * never reads: mem_hook skips them. */
	uint64_t split_a, split_b;  /* the two pieces still expected */
	unsigned split_size;        /* their size; 0 = none expected */
	bool dr_dirty;              /* ideal DRs changed: re-evaluate hooks at hook exit */
	uint64_t seen_gen;          /* cpu->dr_gen the hooks were built for */
	uint64_t bp_key[10];        /* hw and ideal DR0-3, DR7 the hooks were built for */
	bool bp_key_valid;
	bool need_restart;          /* hooks changed inside emulation: retranslate */
	uint64_t site_oracle_addr;  /* site whose oracle step already ran (paused mid-site) */
	bool site_oracle_done;
	uint64_t site_expect_read;  /* expected MOV-from-DR value of that site */
	int site_ideal_fault;       /* ideal outcome of that site (enum dr_fault) */
	unsigned exp_hw;            /* hardware slots of the #DB being resolved */

	/* execution control */
	bool in_emu;                /* inside uc_emu_start */
	bool precise_reads;         /* h_precise installed: RIP exact on a faulting read */
	bool fault_imprecise;       /* stopped on an unmapped read with a stale RIP */
	uc_hook h_precise;
	uint64_t cur_rip;           /* architectural RIP as the hooks see it */
	bool stop_req;              /* stop the run (e->stop says why) */
	bool pause_req;             /* return to the caller, then resume */
	bool restart;               /* stop+restart at resume_rip (retranslation) */
	uint64_t resume_rip;
	enum engine_stop stop;
	char stop_msg[200];
	bool done;                  /* this boundary already processed ... */
	uint64_t done_addr;         /* ... at this address */
	const struct block *blk;    /* block being executed */
	const struct block *last_blk;  /* last block seen by the block hook (lookup cache) */

	/* Unicorn 2.0.1 aborts the process when it translates FF /3 or FF /5
	 * with a register operand (decode.c, "poison"): every address where
	 * such an instruction can start is a Unicorn exit, so translation
	 * stops in front of it and engine_run() reports an invalid opcode. */
	uint64_t *poison;           /* sorted */
	size_t npoison, cap_poison;
	bool exits_on;              /* uc exits enabled (first poison found) */
	uc_hook h_smc;              /* guest stores: new poison (self-modifying code) */
	uint64_t blk_seq;           /* blocks entered */

	/* limits and counts */
	uint64_t insns, max_insns, max_cycles;

	/* RF: suppress instruction breakpoints for the first instruction after
	 * an IRET that popped RF = 1 (SDM 17.3.1.1) */
	bool rf;
	uint64_t rf_rip, rf_seq;

	/* data-breakpoint traps pending for the next instruction boundary:
	 * slots (bits 3:0) of the hardware and of the owner's DRs; pend_hw may
	 * also hold PEND_BS, a single-step trap a VM entry left pending
	 * (engine_entry_debug) */
	unsigned pend_hw, pend_ideal;
	uint64_t pend_rip;

	/* MOV SS / POP SS blocking (SDM Vol.3 6.8.3): the instruction at
	 * ss_next, run in the block after the one of the MOV SS (ss_seq + 1;
	 * Unicorn ends a block after MOV SS and gives the next instruction a
	 * block of its own), has its instruction breakpoint suppressed (Intel)
	 * and the MOV SS's data-breakpoint traps held until after it. */
	bool ss_block;
	uint64_t ss_next, ss_seq;
	/* STI blocking (SDM Vol.3 6.8.3, Table 24-3): the instruction at
	 * sti_next, in the block after the STI's (QEMU ends a block after STI
	 * as after MOV SS), when the STI set IF.  It blocks interrupts only:
	 * no debug exception is held or suppressed by it. */
	bool sti_block;
	uint64_t sti_next, sti_seq;
	bool amd;                   /* vendor rules: AMD (engine_set_amd) */
	/* 32-bit mode: the SS selector of the last privilege change, which
	 * Unicorn refuses to load (deliver.c set_sel); dropped when the guest
	 * loads SS itself (MOV SS / POP SS) */
	uint16_t ss_sel;
	bool ss_own;
	/* the guest's SYSCALL MSRs (engine_msr_read/write) */
	uint64_t efer;              /* IA32_EFER as written: SCE, NXE */
	uint64_t star, lstar, cstar, fmask;   /* IA32_STAR, IA32_LSTAR, IA32_CSTAR, IA32_FMASK */

	/* oracle: one expected #DB being resolved */
	bool exp_active, exp_consumed;
	unsigned exp_slots;
	const char *exp_cause;
	uint64_t exp_rip;
	uint64_t deliver_seq;       /* exceptions delivered so far */
	bool ss_open;               /* the expectation is a site's single-step trap (issue 12) ... */
	uint64_t ss_addr;           /* ... of the site at this address */

	struct oracle_log log;      /* #DB log and violations (oracle_log.h) */

	/* per-instruction observation (insn_hook.c) */
	uc_hook h_insn;             /* code hook on everything, while wanted */
	bool insn_hooked;
	bool trace_insns;           /* emit EV_INSN */
	engine_insn_cb insn_cb;     /* observer (hvsim step) */
	void *insn_ctx;
};

/* the fixed `until` of every uc_emu_start, outside guest code (unicorn-facts §2 pitfall 5),
 * and out of the guest's reach (issue 15 item 8): a non-canonical address in 64-bit mode
 * (the loader refuses non-canonical guest addresses), 4 GiB in 32-bit mode (EIP is 32 bits
 * wide, so every 32-bit address, 0xFFFFF000 included, may hold guest code). */
#define SENTINEL64 0x8000000000000000ull
#define SENTINEL32 0x100000000ull

/* End of mapped run i, exclusive; a run that ends at 2^64 (the top page) ends at UINT64_MAX. */
static inline uint64_t map_end(const struct engine *e, unsigned i)
{
	uint64_t end = e->maps[i].addr + e->maps[i].size;
	return end < e->maps[i].addr || !end ? UINT64_MAX : end;
}

/* RFLAGS as Unicorn holds it.  Unicorn 2.0.1 in UC_MODE_32 ignores
 * UC_X86_REG_RFLAGS (a write is dropped, a read returns nothing): a 32-bit
 * guest must go through UC_X86_REG_EFLAGS, or the flags the engine clears
 * on exception delivery (TF) stay set and a single-step handler traps on
 * itself forever (issue 12 item 7).  Every flags access of the engine goes
 * through these two. */
static inline uint64_t uc_flags_read(const struct engine *e)
{
	uint64_t v = 0;            /* the EFLAGS read stores only 4 bytes */
	uc_reg_read(e->uc, e->mode == 64 ? UC_X86_REG_RFLAGS : UC_X86_REG_EFLAGS, &v);
	return e->mode == 64 ? v : (v & 0xFFFFFFFFull);
}

static inline void uc_flags_write(const struct engine *e, uint64_t v)
{
	if (e->mode == 64) {
		uc_reg_write(e->uc, UC_X86_REG_RFLAGS, &v);
	} else {
		uint32_t v32 = (uint32_t)v;
		uc_reg_write(e->uc, UC_X86_REG_EFLAGS, &v32);
	}
}

/* In the MOV-SS blocking window: the instruction at `addr` is the one right
 * after a MOV SS/POP SS (see struct engine). */
static inline bool ss_blocked(const struct engine *e, uint64_t addr)
{
	return e->ss_block && addr == e->ss_next && e->blk_seq - e->ss_seq <= 1;
}

/* ... after an STI that set IF (see struct engine). */
static inline bool sti_blocked(const struct engine *e, uint64_t addr)
{
	return e->sti_block && addr == e->sti_next && e->blk_seq - e->sti_seq <= 1;
}

/* A single-step trap a VM entry left pending (engine_entry_debug), kept in
 * pend_hw beside the slots at its DR6 position. */
#define PEND_BS 0x4000u

/* decode.c */
const struct block *block_get(struct engine *e, uint64_t addr, uint32_t size, bool *new_sites);
struct site *site_find(struct engine *e, uint64_t addr);
bool engine_branch_taken(struct engine *e, const struct block *b, uint64_t rip);  /* BTF: a branch, taken */
void decode_free(struct engine *e);
/* poison: instructions Unicorn 2.0.1 cannot translate */
void poison_scan(struct engine *e, uint64_t addr, uint64_t n);   /* after [addr, addr+n) changed */
bool poison_at(const struct engine *e, uint64_t addr);
void poison_smc_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user);

/* deliver.c */
bool deliver_exception(struct engine *e, int vector, bool fault, bool has_error, uint32_t error,
		       bool soft);
/* 0 done, -1 the stack is unmapped, 13: #GP(CS selector) (RPL < CPL, bad return segment) */
int emulate_iret(struct engine *e, const struct insn_info *ii);
/* 0 done, 6 #UD, 13 #GP(0), -1 not modelled (SYSRET to compatibility
 * mode, SYSCALL in 32-bit mode on AMD) */
int emulate_syscall(struct engine *e, const struct insn_info *ii);
int emulate_sysret(struct engine *e, const struct insn_info *ii);

/* exec.c: hooks */
void engine_code_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user);
void engine_block_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user);
void engine_intr_hook(uc_engine *uc, uint32_t intno, void *user);
bool engine_invalid_hook(uc_engine *uc, void *user);
bool engine_unmapped_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user);

/* engine.c */
void engine_check_data(struct engine *e, uint64_t addr, unsigned size, bool write);
void engine_leave_block(struct engine *e, uint64_t first_not_executed);
void engine_stop_no_idt(struct engine *e, int vector, uint64_t rip);
void db_log_public(struct engine *e, uint64_t rip, unsigned hw, unsigned ideal, enum db_outcome out, const char *cause);
/* The same with the owner given (host = true: the host or its debugger). */
void db_log_as(struct engine *e, bool host, uint64_t rip, unsigned hw, unsigned ideal, enum db_outcome out, const char *cause);
int uc_gpr_id(int mode, int gpr);

#endif
