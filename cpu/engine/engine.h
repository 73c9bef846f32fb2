/* engine.h - executes guest (or host) code on Unicorn with hvsim's own
 * debug-register semantics.
 *
 * Unicorn 2.0.1 knows nothing useful about debug registers (unicorn-facts
 * §1: a native DR7 write can crash it, data breakpoints and general detect
 * are missing, exceptions never go through the IDT).  So the engine never
 * lets Unicorn execute MOV DR, ICEBP or IRET: those and every instruction
 * that can cause a VM exit are "sites", found by decoding each new
 * translated block once (Capstone + a byte-level decoder, cached per
 * address), hooked with one single-address code hook each, and emulated
 * here.  Breakpoints are matched against the *hardware* DRs of struct cpu;
 * execute breakpoints are code hooks on the armed addresses, data
 * breakpoints are memory hooks on the armed ranges, both only while armed
 * (in hardware or in the owner's architectural view, so that a breakpoint
 * the hardware misses is seen as missed).
 *
 * Instructions and guest cycles are counted per translated block (a block
 * hook), with a correction when control leaves a block early.  While a data
 * breakpoint is armed, the boundaries that follow a memory instruction get
 * code hooks (the trap is due at the next instruction boundary; memhooks.c).
 *
 * The virtualization layer (vmx/, svm/) plugs in through struct engine_ops:
 * it decides whether a site or an exception causes a VM exit and runs the
 * hypervisor synchronously inside the hook. */
#ifndef HVSIM_CPU_ENGINE_H
#define HVSIM_CPU_ENGINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cpu/cpu.h"

/* Instruction classes the engine treats specially ("sites"). */
enum insn_class {
	IC_NONE = 0,
	IC_MOV_DR,      /* 0F 21 (from DR) / 0F 23 (to DR) */
	IC_CPUID,       /* 0F A2 */
	IC_HLT,         /* F4 */
	IC_IO,          /* IN/OUT, imm8 or DX port */
	IC_VMCALL,      /* 0F 01 C1 (VMX) */
	IC_VMMCALL,     /* 0F 01 D9 (SVM) */
	IC_ICEBP,       /* F1: #DB trap, no DR6 status bit */
	IC_IRET,        /* CF: emulated (exception return, RF) */
	IC_RDMSR,       /* 0F 32: IA32_DEBUGCTL modelled, others native value 0 */
	IC_WRMSR,       /* 0F 30 */
	IC_POPF,        /* 9D: emulated only while TF = 1 (the trap after a POPF that clears TF) */
	IC_MOV_SS,      /* 8E /2 (MOV SS, r/m16) and 17 (POP SS, 32-bit): native, opens the
			 * MOV-SS blocking window of the next instruction (SDM 6.8.3) */
	IC_MOV_CR,      /* 0F 20 (from CR) / 0F 22 (to CR), CR0/2/3/4 only: emulated (CPL
			 * check, VMX CR0/CR4 guest/host masks, SVM CR4 intercepts) */
	IC_PRIV,        /* CPL-0-only instructions Unicorn runs natively (it has no CPL of
			 * its own, engine.h "CPL"): CLI/STI (IOPL), LGDT/LIDT/INVLPG,
			 * LLDT/LTR, CLTS, INVD, WBINVD: #GP(0) at CPL > 0, native at CPL 0 */
	IC_SYSCALL,     /* 0F 05: emulated (64-bit mode; cpu/engine/deliver.c) */
	IC_SYSRET,      /* 0F 07: emulated (REX.W, to 64-bit mode) */
	IC_BAD,         /* LOCK MOV DR, string I/O, 16-bit IRET: unsupported */
};

struct insn_info {
	uint64_t rip;          /* address */
	uint8_t len;           /* length in bytes */
	uint8_t cls;           /* enum insn_class */
	int8_t dr;             /* MOV DR: DR number as encoded (0-15); MOV CR: the CR number */
	bool dr_write;         /* MOV DR/CR: true = MOV to DR/CR */
	int8_t gpr;            /* MOV DR/CR: GPR number (0 RAX ... 15 R15, SDM order) */
	bool iopl;             /* IC_PRIV: IOPL-sensitive (CLI/STI: #GP only if CPL > IOPL) */
	bool sti;              /* IC_PRIV: STI (blocks events for one instruction when IF was 0) */
	bool io_in;            /* IO: IN (true) or OUT */
	bool io_dx;            /* IO: port in DX (else immediate) */
	uint8_t io_size;       /* IO: 1, 2 or 4 bytes */
	uint16_t io_port;      /* IO: immediate port (io_dx = false) */
	bool rex_w;            /* IRET: IRETQ */
	bool opsize;           /* 66 prefix (POPF: 16-bit operand) */
	bool lock;             /* LOCK prefix present */
};

/* Why a run stopped. */
enum engine_stop {
	STOP_NONE = 0,
	STOP_HALT,        /* guest executed HLT (end of the program) */
	STOP_BUDGET,      /* instruction or cycle budget exhausted */
	STOP_FAULT,       /* an exception the guest cannot take (no IDT, bad gate) */
	STOP_TRIPLE,      /* exception while delivering an exception */
	STOP_UD,          /* invalid or unsupported opcode */
	STOP_UNMAPPED,    /* fetch or access outside mapped memory */
	STOP_ENTRY_FAIL,  /* VM entry failed its checks */
	STOP_INTERNAL,    /* hvsim bug (reported, never a crash) */
};
const char *engine_stop_name(enum engine_stop s);

/* Architectural DR file of one owner (guest or host), kept by the oracle. */
struct dr_file {
	uint64_t dr[8];        /* DR0-3, DR6, DR7 as the owner wrote them */
};

/* One recorded #DB. */
enum db_outcome { DB_DELIVERED, DB_MISSED, DB_SPURIOUS };
struct db_record {
	uint64_t cycle;        /* when */
	uint64_t rip;          /* instruction that caused it (fault: the instruction; trap: the one before) */
	uint64_t dr6;          /* DR6 the owner sees after it (architectural, per the SDM) */
	uint64_t hw_dr6;       /* hardware DR6 when it was detected */
	uint16_t hw_slots;     /* slots matched in hardware (x86: DR0-3 bits 0-3; Arm: breakpoint or watchpoint n, up to 16) */
	uint16_t ideal_slots;  /* slots matched in the owner's own DRs (or Arm debug registers) */
	uint8_t outcome;       /* enum db_outcome */
	bool host;             /* host-context #DB */
	const char *cause;     /* "exec", "data", "single-step", "gd", "icebp" */
	int cpu;               /* physical CPU it happened on */
	int owner;             /* whose: the engine's owner (engine_set_owner: a host task or a vCPU) */
};

struct violation {
	uint64_t cycle;
	uint64_t rip;
	int slot;              /* DR slot or register, -1 if none */
	char kind[32];         /* "dr_read_mismatch", "regcache_invalid", ... */
	char detail[160];
};

#define DB_LOG_MAX 4096
#define VIOL_MAX 1024

/* Registers the engine caches for the duration of one hook callback
 * (engine_int.h, struct engine): the 16 GPRs by SDM number, then these.
 * engine_prefetch(e, mask) reads every slot of `mask` (bit i = slot i)
 * that is not cached yet with one uc_reg_read_batch: the processor's save
 * of guest state at a VM exit (vmx/hw.c, svm/hw.c) asks for its registers
 * at once instead of one call each. */
enum rc_slot { RC_FLAGS = 16, RC_CR0, RC_CR2, RC_CR3, RC_CR4, RC_CS, RC_NSLOTS };
#define RC_BIT(slot) (1u << (slot))
struct engine;
void engine_prefetch(struct engine *e, uint32_t mask);

/* Callbacks of the virtualization layer; all optional (bare metal = none). */
struct engine_ops {
	/* A site is about to execute in guest mode.  Return true if it caused a
	 * VM exit (the hypervisor has run and re-entered); the engine then
	 * continues wherever the guest RIP now is (possibly the same
	 * instruction, which is then evaluated again). */
	bool (*insn)(void *ctx, const struct insn_info *ii);
	/* An exception is about to be delivered to the guest.  `payload` for
	 * #DB is the DR6-format event bits.  Return true if it caused a VM
	 * exit (it must not be delivered natively). */
	bool (*exception)(void *ctx, int vector, uint64_t payload, bool fault,
			  const struct insn_info *ii);
	/* Start of a translated block in guest mode once engine_instructions()
	 * has reached the instruction count given to engine_boundary_at() (0 at
	 * first: every block): timers.  No call is made per block otherwise. */
	void (*boundary)(void *ctx);
	/* The instruction/cycle budget ran out in guest mode: the hypervisor
	 * takes its timer exit (VMX preemption timer / SVM INTR) and the run
	 * ends there. */
	void (*budget)(void *ctx);
	/* The registers a VM exit saves (RC_BIT(slot) mask, engine_prefetch):
	 * read in one batch when a site starts, before the layer is asked. */
	uint32_t exit_regs;
	/* CPUID executed natively (bare metal): fill eax..edx; NULL = zeros. */
	void *ctx;
};

struct engine;

/* Create an engine (mode 64 or 32).  `host` selects host context: #DBs are
 * accounted to the host and delivered to the host breakpoint handler. */
struct engine *engine_new(struct cpu *cpu, int mode, bool host, char *err, size_t errsize);
void engine_free(struct engine *e);
/* Reuse (cpu/engine/reuse.c): engine_snapshot once the guest's memory image
 * is complete (after engine_map / engine_mem_write, before the first run;
 * 0, or -1 out of memory); after a run, engine_reset(e, cpu) makes the
 * engine what engine_new + the same mapping and writes would have made --
 * registers, memory, every setting -- but keeps its translated code, and
 * returns false (the caller frees it) if the run changed what is kept
 * (engine_reusable). */
int engine_snapshot(struct engine *e);
bool engine_reusable(const struct engine *e);
bool engine_reset(struct engine *e, struct cpu *cpu);
/* The same for the engines of an SMP guest, vCPU 0 (which owns the memory,
 * the others map it: engine_map_like) first: all reset, or none (false). */
bool engine_reset_group(struct engine *const *v, unsigned n, struct cpu *cpu);
void engine_set_ops(struct engine *e, const struct engine_ops *ops);
/* The owner's architectural DRs used by the oracle (not owned). */
void engine_set_ideal(struct engine *e, struct dr_file *ideal);
/* Move the engine to another physical CPU (its vCPU thread migrated, or a
 * host task runs there): its breakpoint hooks are rebuilt from that CPU's
 * hardware DRs, and its counts and charges go to that CPU from now on. */
void engine_set_cpu(struct engine *e, struct cpu *cpu);
/* Who the engine's #DBs belong to (db_record.owner): a vCPU or a host task,
 * as the host world numbers them (0 by default). */
void engine_set_owner(struct engine *e, int owner);
/* Which vendor's rules the simulated CPU follows where Intel and AMD
 * differ (default Intel): an instruction breakpoint on the instruction
 * right after MOV SS/POP SS is suppressed on Intel (SDM Vol.3 6.8.3) and
 * delivered on AMD (kvm-unit-tests x86/emulator.c test_mov_pop_ss_code_db). */
void engine_set_amd(struct engine *e, bool amd);

/* Memory: map [addr, addr+size) (page-granular, merges with existing
 * mappings) and copy bytes in. */
int engine_map(struct engine *e, uint64_t addr, uint64_t size, const void *bytes, size_t nbytes);
/* Memory shared between engines (an SMP guest's vCPUs): every engine maps
 * its pages into host buffers of its own (uc_mem_map_ptr; issue 16: reads
 * copy from them), so engine_share_memory() has nothing left to do;
 * engine_map_like() maps every page of `src` into `dst` on the same
 * buffers, so a store by one vCPU is what the others load.  (Code a vCPU
 * modifies is not retranslated by the others: SMP guests must not modify
 * code another vCPU runs.)  0, or -1. */
void engine_share_memory(struct engine *e);
int engine_map_like(struct engine *dst, const struct engine *src);
int engine_mem_read(struct engine *e, uint64_t addr, void *buf, size_t n);
int engine_mem_write(struct engine *e, uint64_t addr, const void *buf, size_t n);

/* Registers by name ("rax", "rflags", "cr4", ...): 0 ok, -1 unknown. */
int engine_reg_by_name(struct engine *e, const char *name, uint64_t val);
uint64_t engine_gpr(struct engine *e, int gpr);            /* SDM GPR number 0-15 */
void engine_set_gpr(struct engine *e, int gpr, uint64_t v);
uint64_t engine_rip(struct engine *e);
void engine_set_rip(struct engine *e, uint64_t rip);       /* continue there after the current hook */
uint64_t engine_rflags(struct engine *e);
void engine_set_rflags(struct engine *e, uint64_t fl);
uint64_t engine_rsp(struct engine *e);
uint64_t engine_cr4(struct engine *e);
/* CR0/CR2/CR3/CR4 as the guest sees them, and a write that bypasses the
 * guest's MOV CR (VM entry loading the VMCS/VMCB value): raw, as
 * unicorn-facts §2.3 item 12 says uc_reg_write stores it. */
uint64_t engine_cr(struct engine *e, int n);
void engine_set_cr(struct engine *e, int n, uint64_t v);
/* CPL.  Unicorn 2.0.1 has no usable privilege model of its own: in 64-bit
 * mode a write of CS/SS stores the selector only (measured: CPL stays 0,
 * MOV DR after CS = 0x23, SS = 0x1B runs without #GP), and it delivers no
 * exception through the IDT, so no CPL change ever happens natively.  hvsim
 * keeps the CPL as the RPL of the CS selector (CPL = CS.RPL, SDM Vol.3
 * 5.5), changes it itself on exception delivery and IRET (deliver.c), and
 * raises the #GP of every CPL-0-only instruction (IC_PRIV, HLT, MOV CR,
 * RDMSR/WRMSR, IN/OUT above IOPL, MOV DR), and SYSCALL/SYSRET (deliver.c).
 * 64-bit and 32-bit guests run at CPL 3 (scenario key guest.user). */
int engine_cpl(struct engine *e);
/* Descriptor tables and selectors at start-up (guest.user, sim/run.c):
 * GDTR, TR (a 64-bit available TSS), CS and SS. */
void engine_set_segments(struct engine *e, uint64_t gdt, uint16_t gdt_limit, uint16_t tr_sel,
			 uint64_t tss, uint32_t tss_limit, uint16_t cs, uint16_t ss);

/* Event blocking and pending debug exceptions at the current instruction
 * boundary (cpu/engine/blocking.c), what a VM exit saves and a VM entry
 * loads: VMX's interruptibility-state and pending-debug-exceptions fields
 * (SDM Vol.3 Table 24-3, Table 24-4, 27.3.4, 26.6.1, 26.6.3).
 *   engine_blocking: ENGINE_BLOCK_STI if the instruction at the current RIP
 *     is the one right after an STI that set IF, ENGINE_BLOCK_MOVSS if it is
 *     the one right after a MOV SS/POP SS;
 *   engine_take_held_db: the data-breakpoint matches (hardware slots) MOV-SS
 *     blocking holds for the next boundary, taken out of the engine (a VMX
 *     exit saves them into the pending-debug-exceptions field);
 *   engine_entry_debug: what VM entry leaves behind: `blocking` for the
 *     first instruction (none after a vectoring entry), and a #DB with DR6
 *     bits `dr6` (B0-B3, BS) pending for the next boundary; the engine
 *     delivers it there (through ops.exception, so an intercepted #DB is a
 *     VM exit). */
#define ENGINE_BLOCK_STI   1u
#define ENGINE_BLOCK_MOVSS 2u
unsigned engine_blocking(const struct engine *e);
unsigned engine_take_held_db(struct engine *e);
void engine_entry_debug(struct engine *e, unsigned blocking, uint64_t dr6);

/* The guest's SYSCALL MSRs, kept by the engine (the guest's own values:
 * what KVM loads before entry and what the native instructions use):
 * IA32_EFER (SCE and NXE are stored; LME and LMA read 1 in 64-bit mode),
 * IA32_STAR, IA32_LSTAR, IA32_CSTAR, IA32_FMASK.  engine_msr_read: 0 with
 * *val set, -1 if `msr` is not one of them; engine_msr_write: 0, -1 not
 * one of them, 13 if the value faults (#GP(0): a non-canonical LSTAR or
 * CSTAR, SDM Vol.2 WRMSR). */
#define MSR_IA32_EFER   0xC0000080u
#define MSR_IA32_STAR   0xC0000081u
#define MSR_IA32_LSTAR  0xC0000082u
#define MSR_IA32_CSTAR  0xC0000083u
#define MSR_IA32_FMASK  0xC0000084u
#define EFER_SCE        (1ull << 0)
int engine_msr_read(struct engine *e, uint32_t msr, uint64_t *val);
int engine_msr_write(struct engine *e, uint32_t msr, uint64_t val);

/* In-block continuation of completed OUT/IN/CPUID/MOV DR sites (exec.c,
 * continue_in_block; on by default).  Off, every completed exit leaves the
 * translated block by a RIP write, as before issue 16: the results must be
 * the same either way (tests/test_exit_path.c). */
void engine_set_inblock(struct engine *e, bool on);

/* Limits. */
void engine_set_budget(struct engine *e, uint64_t max_insns, uint64_t max_cycles);
/* Call ops.boundary at the first block start where engine_instructions() >=
 * insns (the next timer interrupt); UINT64_MAX = not before another call. */
void engine_boundary_at(struct engine *e, uint64_t insns);

/* Run from `rip` until a stop condition; returns the stop reason. */
enum engine_stop engine_run(struct engine *e, uint64_t rip);
/* Ask the engine to stop at the end of the current hook (outer loop work). */
void engine_request_stop(struct engine *e, enum engine_stop why, const char *msg);
/* Pause (not a stop): the run loop returns STOP_NONE to let the caller do
 * outer-loop work (host snippets), then engine_run(e, engine_rip(e)). */
void engine_request_pause(struct engine *e);
const char *engine_stop_message(struct engine *e);
bool engine_pause_requested(struct engine *e);
/* After a paused run: resolve a #DB expectation left open across the pause
 * (call after the deferred VM entry, before engine_run). */
void engine_settle(struct engine *e);
/* A data access outside emulated code (host `touch` events): matched and
 * accounted like a memory hook hit, the trap delivered at once. */
void engine_touch(struct engine *e, uint64_t addr, unsigned size, bool write);

/* Exceptions and #DB. */
/* Deliver an exception through the guest IDT (or record it when IDTR is
 * empty).  Used for native delivery and by VM entry for injected events.
 * `fault` says whether RIP points at the faulting instruction.  For #DB
 * the caller has already updated DR6 as it wants. */
void engine_deliver(struct engine *e, int vector, bool fault, bool has_error, uint32_t error);
/* Guest-visible breakpoint/#DB bookkeeping for injected #DBs (oracle). */
void engine_note_db_delivery(struct engine *e, uint64_t dr6_seen);
/* A #DB the host's debugger took from the guest (KVM_EXIT_DEBUG, consumed
 * by user space): counted and logged as the host's (db.host.delivered,
 * who = host), never as a guest miss or spurious #DB; the record's rip and
 * dr6 are what KVM reports to user space (debug.arch.pc, debug.arch.dr6). */
void engine_note_db_debugger(struct engine *e, uint64_t pc, uint64_t dr6, const char *cause);
/* TF in the guest's RFLAGS is forced by the host debugger
 * (KVM_GUESTDBG_SINGLESTEP): single-step traps are not the guest's. */
void engine_set_host_singlestep(struct engine *e, bool on);

/* The oracle's view. */
struct dr_file *engine_ideal(struct engine *e);
void engine_violation(struct engine *e, uint64_t rip, int slot, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Re-evaluate which addresses/ranges need breakpoint hooks (call after any
 * change of hardware DR7/DR0-3 or of the owner's architectural DRs).  Cheap
 * when nothing changed. */
void engine_dr_changed(struct engine *e);

/* Emulate a site natively (what the CPU does with no VM exit): used by the
 * engine itself and by the virtualization layer when re-executing. */

/* Logs. */
const struct db_record *engine_db_log(struct engine *e, size_t *n, uint64_t *dropped);
const struct violation *engine_violations(struct engine *e, size_t *n, uint64_t *dropped);
/* Unicorn keeps RIP exact on a faulting load only while a read hook exists
 * (slow): a run that stopped on an unmapped read without it reports
 * engine_fault_imprecise() and is repeated with engine_set_precise_reads()
 * set before the first instruction (sim/run.c). */
void engine_set_precise_reads(struct engine *e);
bool engine_fault_imprecise(struct engine *e);
uint64_t engine_instructions(struct engine *e);

/* Decode one instruction at addr into a site description (IC_NONE if not a
 * site); exposed for tests and `hvsim disasm`. */
int engine_classify(const uint8_t *bytes, size_t n, int mode, struct insn_info *ii);

/* Per-instruction observation (cpu/engine/insn_hook.c; separate from the hooks
 * above).  Installing either of these adds one code hook on every guest
 * instruction, which makes the run several times slower; neither changes
 * what the guest does, counts or costs.  They run before the instruction at
 * `rip` executes, once per execution (before its site hook, so an
 * instruction that causes a VM exit appears before the kvm_exit event; its
 * re-execution after the exit happens inside the site hook and is not
 * observed a second time).
 *   - trace: emit EV_INSN (a = rip, s = Capstone disassembly) through the
 *     CPU's trace sink (hvsim run --trace-insns);
 *   - observer: call `cb` (hvsim step); it may call engine_request_stop(),
 *     in which case the instruction does not execute and engine_run()
 *     returns that stop. */
typedef void (*engine_insn_cb)(void *ctx, struct engine *e, uint64_t rip);
void engine_trace_insns(struct engine *e, bool on);
void engine_set_insn_observer(struct engine *e, engine_insn_cb cb, void *ctx);
/* Capstone disassembly of the instruction at rip ("mov dr7, rax");
 * 0, or -1 if it cannot be read or decoded ("(bad)" in buf). */
int engine_disasm(struct engine *e, uint64_t rip, char *buf, size_t size);

#endif
