/* engine_int.h - the engine's private state, shared by the files of
 * cpu/engine/ only (engine.c, exec.c, decode.c, deliver.c, memhooks.c,
 * insn_hook.c). */
#ifndef HVSIM_CPU_ENGINE_INT_H
#define HVSIM_CPU_ENGINE_INT_H
#include <capstone/capstone.h>
#include <unicorn/unicorn.h>
#include "cpu/engine/engine.h"
#include "cpu/engine/oracle_log.h"

/* What an instruction may do to memory (decode.c insn_mem). */
#define MEM_R 1u
#define MEM_W 2u

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
	uint8_t mem;                /* MEM_R | MEM_W: what its instructions may do to memory */
	/* The instruction boundaries inside the block that follow an
	 * instruction that may write memory (w_) or access it at all (m_):
	 * where a data-breakpoint trap can fall due (memhooks.c, "watch").
	 * lo > hi: none. */
	uint64_t w_lo, w_hi, m_lo, m_hi;
	bool watched;               /* `watch` is installed */
	uc_hook watch;              /* code hook on those boundaries */
	bool fast;                  /* translated while Unicorn had no memory hook: its loads skip the
				     * hooks (memhooks.c, "fast loads") */
	uint64_t execs;             /* times entered so far (with the pending lazy_n) */
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

	/* mapped memory, page runs, each one Unicorn region backed by memory
	 * of hvsim's own (uc_mem_map_ptr): engine_mem_read copies from it
	 * instead of a uc_mem_read (~300 host instructions each in Unicorn
	 * 2.0.1, issue 16: an IDT gate and an IRET frame per #DB), and writes
	 * copy to it (mem_put), which is all uc_mem_write does in 2.0.1; the
	 * vCPUs of an SMP guest map vCPU 0's (engine_map_like) */
	struct {
		uint64_t addr, size;        /* the top page's run ends at 2^64 */
		uint8_t *ptr;               /* the host buffer */
		bool owned;                 /* this engine allocated ptr (frees it) */
		bool exec;                  /* executable in Unicorn: code has been fetched from it (decode.c, "poison") */
	} *maps;                            /* grows */
	unsigned nmaps, cap_maps;
	unsigned last_map;                  /* map_find's hint */
	bool nx_fault;                      /* the run stopped fetching from a run that was not executable yet ... */
	uint64_t nx_addr;                   /* ... at this address */

	/* hooks */
	uc_hook h_block, h_intr, h_invalid, h_unmapped;
	uc_hook h_exec[8];          /* execute-breakpoint hooks */
	uint64_t exec_addr[8];
	unsigned nexec;
	uc_hook h_mem[8];           /* data-breakpoint hooks (memhooks.c) */
	uint64_t mem_lo[8], mem_hi[8];
	struct mem_hook_ctx {       /* user data of h_mem[i] */
		struct engine *e;
		unsigned idx;
		uint64_t lo;        /* the hook's lowest address (mem_lo widened) */
		unsigned type;      /* MEM_R | MEM_W: the accesses it is registered for */
	} mem_ctx[8];
	unsigned nmem;
	/* Memory hooks as Unicorn 2.0.1 sees them (memhooks.c): while any is in
	 * its lists at translation, every load of the block goes through the
	 * slow path (and only there are read hooks called). */
	unsigned mh_live;           /* memory hooks added and not deleted */
	unsigned mh_dead;           /* deleted since the last uc_emu_start returned (still listed) */
	bool read_hooks;            /* a live hook watches loads (a read/write watchpoint, h_precise) */
	bool wr_off;                /* h_smc and h_mem deleted to retranslate dance_blk fast ... */
	struct block *dance_blk;    /* ... this block */
	unsigned nfast;             /* blocks marked fast */
	uint64_t dance_at;          /* insns at which last_blk may be retranslated fast (UINT64_MAX: no) */
	/* watch: code hooks on the boundaries after memory instructions while a
	 * data breakpoint is armed, where its trap is delivered */
	unsigned watch_kind;        /* 0 none, MEM_W (after writes), MEM_R | MEM_W (after any access) */
	bool watch_global;          /* h_global on every instruction instead of per block */
	uc_hook h_global;
	unsigned nwatched;          /* blocks with their watch hook */
	uint64_t unwatch_at;        /* nothing armed: remove the watch hooks at this count */
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
	struct block *blk;          /* block being executed */
	struct block *last_blk;     /* last block seen by the block hook (lookup cache) */
	struct block *alt_blk;      /* the one before it (lookup cache) */
	struct block *alt2_blk;     /* and the one before that (lookup cache: a single-stepped
	                             * two-instruction loop and its handler cycle through three) */

	/* Unicorn 2.0.1 aborts the process when it translates FF /3 or FF /5
	 * with a register operand (decode.c, "poison"): every address where
	 * such an instruction can start is a Unicorn exit, so translation
	 * stops in front of it and engine_run() reports an invalid opcode. */
	uint64_t *poison;           /* sorted; only in executable runs (maps[].exec) */
	size_t npoison, cap_poison;
	bool exits_on;              /* uc exits enabled (first poison found) */
	uc_hook h_smc;              /* guest stores: new poison (self-modifying code) */
	uint64_t blk_seq;           /* blocks entered */

	/* limits and counts */
	uint64_t insns, max_insns, max_cycles;
	uint64_t boundary_at;       /* ops.boundary is due once insns reaches this (engine_boundary_at) */
	uint64_t next_event;        /* min(max_insns, boundary_at); 0 = every block takes the full path */
	/* Executions of last_blk whose cycles and cost entries are not charged
	 * yet: the block hook's common case only counts them (bench row "alu");
	 * engine_flush_charges() charges them before anything reads the
	 * counters, i.e. on entry to every other hook and when a run returns. */
	uint64_t lazy_n;

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

	/* Register cache (engine.c, "registers").  One uc_reg_read costs ~100
	 * host instructions in Unicorn 2.0.1 and one uc_reg_write ~110 (an
	 * RFLAGS read also recomputes the lazy flags), and a VM exit reads the
	 * same few registers several times (the site's CPL and TF, the
	 * processor's save of RSP/RFLAGS/CR0/CR4 at exit, its compare at
	 * entry).  A slot holds Unicorn's current value of one register while
	 * no guest instruction can run: inside one hook callback, or between
	 * runs.  Every callback that may read registers drops the cache when
	 * it starts and when it ends (rc_drop), and engine_run() drops it
	 * around uc_emu_start, so no value outlives the instructions that
	 * could change it.  A write of the value the register already has (VM
	 * entry reloading an unchanged RSP/RFLAGS) is dropped; the others are
	 * kept and go to Unicorn together, with the RIP write that leaves the
	 * block if there is one, in one uc_reg_write_batch when the callback
	 * ends (rc_drop, rc_flush). */
	uint64_t rc_val[RC_NSLOTS]; /* value of slot i (as engine_gpr / engine_cr4 / ... return it) */
	uint32_t rc_valid;          /* bit i: rc_val[i] is the register's current value */
	uint32_t rc_dirty;          /* bit i: rc_val[i] is not in Unicorn yet */
	bool rc_unsafe;             /* this callback changed RFLAGS, a CR or CS in Unicorn: the
				     * translated block must not go on past it (continue_in_block) */
	bool no_inblock;            /* engine_set_inblock(e, false): always the RIP write */
	/* IDTR, kept between deliveries: only LIDT changes it, an IC_PRIV site
	 * that clears idtr_valid before it runs (native_site) */
	uc_x86_mmr idtr;
	bool idtr_valid;
	struct rc_batchdesc {       /* one batch read (engine.c rc_batch): [0] slots, [1] slots + RIP */
		uint32_t mask;      /* the slots it reads */
		unsigned n;         /* registers in it (RIP last) */
		int ids[RC_NSLOTS + 1];       /* their Unicorn ids */
		void *ptrs[RC_NSLOTS + 1];    /* where each goes (&rc_val[slot], &rc_rip) */
		uint8_t slots[RC_NSLOTS];     /* their slots */
	} rc_b[2];
	uint64_t rc_rip;            /* RIP/EIP read by the last rc_fill_rip */
	/* The slots a callback's final RIP write left equal to Unicorn's
	 * registers (hook_exit), for the code hook at that RIP if no guest
	 * instruction runs before it: the first instruction of the next block
	 * entered, e.g. a single-step handler's IRET (code_boundary_cb).  Any
	 * other rc_drop forgets them. */
	uint32_t rc_kept;           /* slots (0: none) */
	uint64_t rc_kept_seq;       /* blk_seq at that write */
	uint64_t rc_kept_rip;       /* the RIP written */
	uint32_t in_value;          /* what the next native IN puts into AL/AX/EAX (in_hook) */
	uc_hook h_in, h_cpuid;      /* UC_HOOK_INSN for IN and CPUID (continue_in_block) */

	/* reuse (reuse.c) */
	uc_context *ctx0;           /* Unicorn's CPU right after engine_new */
	uint8_t **snap;             /* the memory of each run when the image was complete (engine_snapshot) */
	unsigned snap_nmaps;        /* runs then */
	uint64_t *snap_poison;      /* the poison list then */
	size_t snap_npoison;
	bool snap_exits;            /* exits_on then */

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

/* Register cache (engine.c): the value of slot `slot`, read from Unicorn
 * once per callback; a write that goes through unless the register holds
 * the value already.  Inline: on every VM exit's path. */
uint64_t rc_fill(struct engine *e, unsigned slot);
void rc_store(struct engine *e, unsigned slot, uint64_t v);
static inline uint64_t rc_get(struct engine *e, unsigned slot)
{
	if (__builtin_expect((e->rc_valid >> slot) & 1, 1))
		return e->rc_val[slot];
	return rc_fill(e, slot);
}
static inline void rc_put(struct engine *e, unsigned slot, uint64_t v)
{
	if (((e->rc_valid >> slot) & 1) && e->rc_val[slot] == v)
		return;
	if (slot == RC_FLAGS || slot < 8 || (slot < 16 && e->mode == 64)) {
		/* rc_store's case of a GPR or RFLAGS (a delivery's and an IRET's
		 * RSP and RFLAGS), inline: the value as rc_norm leaves it */
		if (slot == RC_FLAGS || e->mode == 32)
			v &= 0xFFFFFFFFull;
		e->rc_val[slot] = v;
		e->rc_valid |= 1u << slot;
		e->rc_dirty |= 1u << slot;
		if (slot == RC_FLAGS)
			e->rc_unsafe = true;
		return;
	}
	rc_store(e, slot, v);
}
/* GPR n (0-15) and the CPL through the cache, as engine_gpr, engine_set_gpr
 * and engine_cpl (engine.c) give them; inline for the exception frame and
 * IRET (deliver.c). */
static inline uint64_t rc_gpr(struct engine *e, unsigned n)
{
	return rc_get(e, n);
}
static inline void rc_set_gpr(struct engine *e, unsigned n, uint64_t v)
{
	rc_put(e, n, e->mode == 32 ? (v & 0xFFFFFFFFull) : v);
}
static inline int rc_cpl(struct engine *e)
{
	return (int)(rc_get(e, RC_CS) & 3);
}
/* engine_prefetch of `mask` with RIP/EIP read in the same batch (into *rip). */
void rc_fill_rip(struct engine *e, uint32_t mask, uint64_t *rip);
/* Where the n bytes at guest address addr lie in one run's host buffer
 * (struct engine maps), or NULL: engine_mem_read and mem_put copy there and
 * go to Unicorn otherwise.  Inline for the exception frame, the gate and
 * IRET's frame (deliver.c), which copy fixed sizes. */
static inline uint8_t *mem_at(const struct engine *e, uint64_t addr, size_t n)
{
	for (unsigned i = 0; i < e->nmaps; i++) {
		uint64_t off = addr - e->maps[i].addr;
		if (addr >= e->maps[i].addr && off < e->maps[i].size && n <= e->maps[i].size - off)
			return e->maps[i].ptr + off;
	}
	return NULL;
}
/* Write guest memory as uc_mem_write does (no poison scan: engine_mem_write
 * adds that): 0, or -1 if part of it is not mapped. */
int mem_put(struct engine *e, uint64_t addr, const void *buf, size_t n);
/* A selector write (CS, SS): through to Unicorn, CS's slot dropped. */
void engine_set_sel(struct engine *e, int reg, uint16_t sel);
/* Write the pending registers to Unicorn, and RIP/EIP = *rip if rip is
 * not NULL (which makes Unicorn leave the translated block), in one batch. */
void rc_flush(struct engine *e, const uint64_t *rip);
/* End of a callback (or of a stretch outside emulation): pending writes to
 * Unicorn, then forget every cached value (see struct engine). */
static inline void rc_drop(struct engine *e)
{
	if (e->rc_dirty)
		rc_flush(e, NULL);
	e->rc_valid = 0;
	e->rc_kept = 0;
}

/* RFLAGS as Unicorn holds it.  Unicorn 2.0.1 in UC_MODE_32 ignores
 * UC_X86_REG_RFLAGS (a write is dropped, a read returns nothing): a 32-bit
 * guest must go through UC_X86_REG_EFLAGS, or the flags the engine clears
 * on exception delivery (TF) stay set and a single-step handler traps on
 * itself forever (issue 12 item 7).  Every flags access of the engine goes
 * through these two (rc_fill / rc_store pick the register). */
static inline uint64_t uc_flags_read(struct engine *e)
{
	return rc_get(e, RC_FLAGS);
}

static inline void uc_flags_write(struct engine *e, uint64_t v)
{
	rc_put(e, RC_FLAGS, e->mode == 64 ? v : (v & 0xFFFFFFFFull));
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

/* The run holding addr, or -1. */
static inline int map_find(struct engine *e, uint64_t addr)
{
	unsigned h = e->last_map;
	if (h < e->nmaps && addr >= e->maps[h].addr && addr - e->maps[h].addr < e->maps[h].size)
		return (int)h;
	for (unsigned i = 0; i < e->nmaps; i++)
		if (addr >= e->maps[i].addr && addr - e->maps[i].addr < e->maps[i].size) {
			e->last_map = i;
			return (int)i;
		}
	return -1;
}

/* engine.c: the fields engine_new sets before Unicorn is opened (engine_reset too) */
void engine_init_fields(struct engine *e, struct cpu *cpu);
/* reuse.c */
void engine_snapshot_free(struct engine *e);

/* decode.c */
struct block *block_get(struct engine *e, uint64_t addr, uint32_t size, bool *new_sites);
struct block *block_find(struct engine *e, uint64_t addr, uint32_t size);   /* NULL if not decoded */
/* every decoded block, in no particular order */
#define FOR_EACH_BLOCK(e, b) \
	for (unsigned h_ = 0; h_ < HASH_SIZE; h_++) for (struct block *b = (e)->blocks[h_]; b; b = b->next)
struct site *site_find(struct engine *e, uint64_t addr);
bool engine_branch_taken(struct engine *e, const struct block *b, uint64_t rip);  /* BTF: a branch, taken */
void decode_free(struct engine *e);
/* poison: instructions Unicorn 2.0.1 cannot translate */
void poison_scan(struct engine *e, uint64_t addr, uint64_t n);   /* after [addr, addr+n) changed */
int poison_enable_exec(struct engine *e, unsigned map);            /* first fetch from run `map` */
bool poison_at(const struct engine *e, uint64_t addr);
void poison_smc_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user);
/* Build poison_smc_hook's byte-class table (once per process; engine_new). */
void poison_class_init(void);

/* memhooks.c */
void bp_hooks_update(struct engine *e);           /* install the hooks the DRs need */
bool memhooks_block_new(struct engine *e, struct block *b);   /* true: b needs retranslating */
bool memhooks_dance(struct engine *e, struct block *b);       /* true: the run restarts at b */
#define DANCE_AFTER 256      /* executions of a block before its loads are made fast */
/* the cheap part of memhooks_dance's test, inline in the block hook */
static inline bool memhooks_dance_later(const struct block *b)
{
	return !b->fast && (b->mem & MEM_R);
}
static inline bool memhooks_dance_due(const struct block *b)
{
	return b->execs >= DANCE_AFTER && memhooks_dance_later(b);
}
void memhooks_dance_done(struct engine *e, uint64_t addr, uint32_t size);
void memhooks_dance_cancel(struct engine *e);
void memhooks_unwatch(struct engine *e);
uint64_t memhooks_dance_at(const struct engine *e, const struct block *b);
void memhooks_precise_reads(struct engine *e, void *cb);
void memhooks_add(struct engine *e, uc_hook *h, int type, void *cb, void *user, uint64_t lo, uint64_t hi);
void memhooks_del(struct engine *e, uc_hook h);

/* deliver.c */
bool deliver_exception(struct engine *e, int vector, bool fault, bool has_error, uint32_t error,
		       bool soft);
/* 0 done, -1 the stack is unmapped, 13: #GP(CS selector) (RPL < CPL, bad return segment) */
int emulate_iret(struct engine *e, const struct insn_info *ii);
/* 0 done, 6 #UD, 13 #GP(0), -1 not modelled (SYSRET to compatibility
 * mode, SYSCALL in 32-bit mode on AMD) */
int emulate_syscall(struct engine *e, const struct insn_info *ii);
int emulate_sysret(struct engine *e, const struct insn_info *ii);

/* Charge the pending executions of last_blk (see lazy_n). */
void engine_flush_charges_slow(struct engine *e);
static inline void engine_flush_charges(struct engine *e)
{
	if (__builtin_expect(e->lazy_n != 0, 0))
		engine_flush_charges_slow(e);
}
/* Recompute next_event after max_insns, boundary_at, ops or max_cycles changed. */
void engine_update_next_event(struct engine *e);

/* exec.c: hooks */
void engine_code_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user);
void engine_add_insn_hooks(struct engine *e);   /* UC_HOOK_INSN for IN and CPUID */
void engine_block_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user);
void engine_intr_hook(uc_engine *uc, uint32_t intno, void *user);
bool engine_invalid_hook(uc_engine *uc, void *user);
bool engine_unmapped_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user);

/* exec.c: a data-breakpoint check of an access (pending traps).  The test
 * that no DR7 of either view can match (none enabled, bits 7:0, or no R/Wn
 * with bit 0 set, bits 16, 20, 24, 28: a superset test of dr_armed_data()
 * == 0) is inline: every exception frame and IRET checks its stack
 * accesses (deliver.c push_frame, pop_frame). */
void engine_check_data_slow(struct engine *e, uint64_t addr, unsigned size, bool write);
static inline bool dr7_no_data_slot(uint64_t dr7)
{
	return !(dr7 & 0xFF) || !(dr7 & 0x11110000ull);
}
static inline void engine_check_data(struct engine *e, uint64_t addr, unsigned size, bool write)
{
	if (dr7_no_data_slot(e->cpu->dr[7]) && dr7_no_data_slot(e->ideal->dr[7]))
		return;
	engine_check_data_slow(e, addr, size, write);
}

/* exec.c: the #DB oracle's expectation (opened when the owner's own DRs
 * call for a #DB, closed as delivered or missed) and SDM 17.4.3's BTF
 * rule: whether DEBUGCTL.BTF holds back the single-step trap of an
 * instruction that did (`taken`) or did not branch. */
void engine_expect_begin(struct engine *e, unsigned ideal_slots, uint64_t event, const char *cause);
void engine_expect_end(struct engine *e);
bool engine_btf_suppresses(const struct engine *e, bool taken);

/* exec.c: an exception the instruction `ii` (or NULL) raises, offered to
 * the layer first (an intercepted exception is a VM exit), else delivered
 * through the guest IDT; a #DB with DR6-format event bits `payload` and the
 * hardware slots that matched. */
void engine_raise_exception_err(struct engine *e, int vector, bool fault, bool has_error, uint32_t error,
				const struct insn_info *ii);
static inline void engine_raise_exception(struct engine *e, int vector, bool fault, bool has_error,
					  const struct insn_info *ii)
{
	engine_raise_exception_err(e, vector, fault, has_error, 0, ii);
}
void engine_raise_db(struct engine *e, uint64_t payload, bool fault, unsigned hw_slots,
		     const struct insn_info *ii);

/* sites.c: a site reached at a code hook (the instruction at ii->rip has
 * not run): its native semantics, traps and oracle expectations. */
void engine_process_site(struct engine *e, const struct insn_info *ii);

/* engine.c */
void engine_leave_block(struct engine *e, uint64_t first_not_executed);
void engine_stop_no_idt(struct engine *e, int vector, uint64_t rip);
void db_log_public(struct engine *e, uint64_t rip, unsigned hw, unsigned ideal, enum db_outcome out, const char *cause);
/* The same with the owner given (host = true: the host or its debugger). */
void db_log_as(struct engine *e, bool host, uint64_t rip, unsigned hw, unsigned ideal, enum db_outcome out, const char *cause);
int uc_gpr_id(int mode, int gpr);

#endif
