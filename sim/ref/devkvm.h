/* devkvm.h - the /dev/kvm runner: run a guest program on a real KVM, the
 * reference backend of hvsim (docs/kvm-reference.md).
 *
 * "kvm" names three things in hvsim; this header declares the first two:
 *   - the /dev/kvm runner (kvm_ref_*, kvm_image_run): devkvm.c (VM set-up:
 *     memory, page tables, GDT/TSS, CPUID, registers) and devkvm_run.c (the
 *     run loop, statistics, host breakpoints and touches, image runs);
 *   - the reference formats: the guest image ("hvsim-kvm-image 1") and the
 *     outcome ("hvsim-kvm-outcome 1") as text, devkvm_format.c;
 *   - not here: the verbs `hvsim kvm` and `hvsim diff` (sim/cli/cmd_kvm.c,
 *     cmd_diff.c, over sim/ref/image.c, outcome.c, diff.c).
 *
 * The same bytes at the same addresses as the simulator, in 64-bit long mode
 * (identity-mapped 4-KiB page tables, a GDT and a TSS built here) or 32-bit
 * protected mode (flat segments, no paging), CPL 0, never real mode.  The
 * guest builds its own IDT, as scenario code does.  Exits to user space
 * (port I/O) are where the caller runs the host's events; host breakpoints
 * are real perf hardware breakpoints (perf_event_open PERF_TYPE_BREAKPOINT)
 * on the thread that calls KVM_RUN.  HLT ends the run.
 *
 * Nothing here depends on the rest of hvsim (only libc and the Linux UAPI
 * headers): devkvm*.c are also linked statically into the reference-2
 * runner (sim/ref/runner.c) that runs inside a kernel booted
 * under QEMU. */
#ifndef HVSIM_REF_DEVKVM_H
#define HVSIM_REF_DEVKVM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Which module implements /dev/kvm (from /sys/module). */
enum kvm_module { KVM_MODULE_NONE = 0, KVM_MODULE_INTEL, KVM_MODULE_AMD, KVM_MODULE_PVM,
		  KVM_MODULE_OTHER };
enum kvm_module kvm_module_detect(void);
const char *kvm_module_name(enum kvm_module m);     /* "kvm_intel", "kvm_amd", "kvm_pvm", ... */

/* Why kvm_ref_new() failed. */
enum kvm_err {
	KVM_ERR_UNAVAILABLE = 1,   /* /dev/kvm absent or unusable: a skip (exit code 3) */
	KVM_ERR_UNSUPPORTED,       /* the guest cannot be placed on the reference (exit code 3) */
	KVM_ERR_INTERNAL,          /* an ioctl failed unexpectedly */
};

/* One piece of guest memory, identity-mapped (linear = physical). */
struct kvm_mem {
	uint64_t addr, size;
	const void *bytes;         /* initial contents (NULL = zero) */
	size_t nbytes;
};

struct kvm_ref;

struct kvm_guest_spec {
	int mode;                          /* 64 or 32 */
	const struct kvm_mem *mem;
	size_t nmem;
	uint64_t rip;
	uint64_t gpr[16];                  /* SDM order: RAX RCX RDX RBX RSP RBP RSI RDI R8-R15 */
	uint64_t rflags;                   /* bit 1 is forced on */
	uint64_t cr4_extra;                /* CR4 bits the scenario sets (e.g. DE) */
	bool cpu_rtm, cpu_bus_lock;        /* expose RTM / bus-lock detect in CPUID (DR6 active-low bits) */
	unsigned guest_debug;              /* KVM_SET_GUEST_DEBUG control (KVM_GUESTDBG_*; 0 = not called) */
	uint64_t guest_debug_dr[8];        /* its debugreg[] (DR0-3, DR7) with KVM_GUESTDBG_USE_HW_BP */
	unsigned timeout_ms;               /* wall-clock bound of kvm_ref_run (0 = 10 s) */
	uint64_t max_user_exits;           /* bound on exits to user space (0 = 10M) */
	/* Called after every exit to user space that is not HLT (port I/O):
	 * n is its 1-based number.  The host's events run here. */
	void (*on_user_exit)(void *ctx, struct kvm_ref *k, uint64_t n);
	void *ctx;
};

enum kvm_stop {
	KVM_STOP_HALT = 0,        /* guest executed HLT */
	KVM_STOP_TIMEOUT,         /* wall-clock bound or exit bound reached */
	KVM_STOP_SHUTDOWN,        /* triple fault */
	KVM_STOP_MMIO,            /* access outside guest memory */
	KVM_STOP_EMULATION,       /* KVM's emulator gave up (internal error exit) */
	KVM_STOP_ENTRY_FAIL,      /* VM entry failed */
	KVM_STOP_OTHER,           /* another exit reason (see message) */
};
const char *kvm_stop_name(enum kvm_stop s);

/* One per-vCPU statistic from KVM_GET_STATS_FD (cumulative ones are
 * deltas over the run, others the final value). */
struct kvm_stat_val {
	char name[48];
	uint64_t value;
	bool cumulative;
};

#define KVM_MAX_STATS 96

struct kvm_ref_result {
	enum kvm_module module;
	enum kvm_stop stop;
	char stop_msg[200];
	uint64_t rip, rflags, gpr[16];
	uint64_t db[4], dr6, dr7;          /* KVM_GET_DEBUGREGS after the run */
	uint64_t user_exits;               /* exits seen by user space, HLT included */
	uint64_t io_exits;                 /* of which port I/O */
	uint64_t debug_exits;              /* of which KVM_EXIT_DEBUG (host.guest_debug) */
	uint64_t elapsed_ns;               /* wall-clock time inside the run loop */
	struct kvm_stat_val stats[KVM_MAX_STATS];
	unsigned nstats;
	uint64_t host_bp_hits[4];          /* perf counts per scenario slot */
	uint64_t host_bp_hits_total;
	bool cpuid_rtm, cpuid_bus_lock;    /* what the guest's CPUID really shows (KVM_GET_CPUID2) */
};

/* Create the VM and the vCPU and load the guest.  NULL on failure with a
 * one-line message in err and the reason in *why. */
struct kvm_ref *kvm_ref_new(const struct kvm_guest_spec *g, enum kvm_err *why, char *err,
			    size_t errsize);
/* Run until HLT or a stop condition.  0, or -1 with a message in err if an
 * ioctl failed. */
int kvm_ref_run(struct kvm_ref *k, struct kvm_ref_result *res, char *err, size_t errsize);
void kvm_ref_free(struct kvm_ref *k);

/* Guest memory (identity-mapped): 0, or -1 outside guest memory. */
int kvm_ref_mem_read(struct kvm_ref *k, uint64_t addr, void *buf, size_t n);

/* Look up a stat of a result by name; false if KVM does not have it. */
bool kvm_ref_stat(const struct kvm_ref_result *r, const char *name, uint64_t *val);

/* Host activity between runs of the vCPU (from on_user_exit, or before
 * kvm_ref_run).  Breakpoints: type 0 execute, 1 write, 3 read/write; the
 * slot is the scenario's (perf chooses the hardware slot itself). */
int kvm_ref_host_bp_install(struct kvm_ref *k, int slot, uint64_t addr, int type, unsigned len,
			    char *err, size_t errsize);
int kvm_ref_host_bp_remove(struct kvm_ref *k, int slot);
/* A host data access at a host linear address (the page is mapped into
 * this process on first use); -1 with a message if it cannot be mapped. */
int kvm_ref_host_touch(struct kvm_ref *k, uint64_t addr, unsigned size, bool write, char *err,
		       size_t errsize);

/* ---- the reference formats (devkvm_format.c) ---------------------------
 *
 * The guest image: a scenario's guest, host activity and log symbols as a
 * self-contained text file, so that the same run can be repeated by the
 * static reference-2 runner inside another kernel (sim/ref/kvm-amd-tcg/).
 *
 *   hvsim-kvm-image 1
 *   name NAME
 *   mode 64|32
 *   rip ADDR
 *   gpr N VALUE                       (SDM numbering, only non-zero ones)
 *   rflags VALUE / cr4 VALUE / rtm 0|1 / bus_lock 0|1 / guest_debug CONTROL (KVM_GUESTDBG_*, 1 = ENABLE)
 *   guest_debug_dr N VALUE            (debugreg[N] of KVM_SET_GUEST_DEBUG, only non-zero ones)
 *   mem ADDR SIZE HEXBYTES|-          (- = zero-filled)
 *   bp SLOT ADDR TYPE LEN             (host breakpoint installed before the run)
 *   event start|exit|every N install SLOT ADDR TYPE LEN
 *   event start|exit|every N remove SLOT
 *   event start|exit|every N touch ADDR SIZE WRITE
 *   sym count|log|log_end|riplog|res|res_end ADDR
 *   end
 *
 * Numbers are hexadecimal with 0x or decimal.  `exit N` = after the Nth
 * exit to user space, `every N` = after every Nth one. */

#define KVM_IMG_MAX_MEM 24
#define KVM_IMG_MAX_EVENTS 64
#define KVM_LOG_MAX 4096
#define KVM_RES_MAX 512
#define KVM_MAX_EXIT_REASONS 64

struct kvm_img_event {
	int when;                          /* 0 start, 1 exit N, 2 every N */
	uint64_t n;
	int action;                        /* 0 install, 1 remove, 2 touch */
	int slot, type;
	uint64_t addr;
	unsigned len;                      /* install: length; touch: size */
	bool write;
};

struct kvm_image {
	char name[128];
	struct kvm_guest_spec spec;        /* mem points into mem[] below */
	struct kvm_mem mem[KVM_IMG_MAX_MEM];
	uint8_t *owned[KVM_IMG_MAX_MEM];   /* bytes owned by the image (reader) */
	struct { int slot, type; uint64_t addr; unsigned len; } bp[4];
	unsigned nbp;
	struct kvm_img_event ev[KVM_IMG_MAX_EVENTS];
	unsigned nev;
	/* guest symbols of the #DB-log convention (docs/kvm-reference.md) */
	bool has_count, has_log, has_log_end, has_riplog, has_res;
	uint64_t sym_count, sym_log, sym_log_end, sym_riplog, sym_res, sym_res_end;
};

/* Write / read an image.  kvm_image_read: 0, or -1 with "LINE: message". */
int kvm_image_write(FILE *f, const struct kvm_image *img);
int kvm_image_read(const char *buf, size_t len, struct kvm_image *img, char *err, size_t errsize);
void kvm_image_free(struct kvm_image *img);
/* 64-bit FNV-1a of the written image: the cache key of reference results. */
uint64_t kvm_image_hash(const struct kvm_image *img);

/* What a reference run measured. */
#define KVM_MAX_PATHS 32
struct kvm_outcome {
	struct kvm_ref_result r;
	uint64_t count;                    /* guest `count` */
	uint64_t log[KVM_LOG_MAX];         /* guest `log` (DR6 per #DB) */
	uint64_t riplog[KVM_LOG_MAX];      /* guest `riplog` (frame RIP per #DB) */
	size_t nlog;
	uint64_t res[KVM_RES_MAX];         /* guest words between `res` and `res_end` */
	size_t nres;
	/* exit reasons counted by the kvm:kvm_exit tracepoint (reference 2) */
	/* `induced`: of these, MOV-DR exits that only happened because a noise
	 * exit (timer interrupt, NPF) closed a WONT_EXIT window early (runner.c) */
	struct { uint32_t code; uint64_t count, induced; } exits[KVM_MAX_EXIT_REASONS];
	unsigned nexits;
	char kernel[96];                   /* uname -r of the kernel that ran it */
	char error[200];                   /* non-empty: the run could not be made */
	int error_kind;                    /* enum kvm_err of a failed run */
	/* The trailer after "end" (the runner's tracepoint measurements; an
	 * outcome without it is complete):
	 *   measure exit_to_entry clock CLOCK tsc_per_insn R loop_insns N guest_ns_per_insn R
	 *   exit_path NAME N SUM MIN MEDIAN MAX  per kvm_exit reason name: TSC ticks
	 *                  from kvm_exit to the next kvm_entry (under Bochs one tick per
	 *                  instruction: KVM's software path length)
	 *   exit_qual NAME INFO N  exits of that reason by exit qualification
	 *                  (MOV-DR) or interruption info (EXCEPTION_NMI) */
	bool has_measure;
	char clock[16];
	double tsc_per_insn, guest_ns_per_insn;
	uint64_t loop_insns;
	struct kvm_exit_path { char name[32]; uint64_t n, sum, min, median, max; } paths[KVM_MAX_PATHS];
	unsigned npaths;
	struct kvm_exit_qual { char name[32]; uint64_t info, n; } quals[KVM_MAX_PATHS];
	unsigned nquals;
};

/* Run an image on /dev/kvm: install the host breakpoints, run the start
 * events, run the guest with the other events at exits to user space, read
 * the log symbols.  `done` (optional) sees the VM before it is destroyed.
 * 0, or -1 with out->error / out->error_kind set. */
int kvm_image_run(const struct kvm_image *img, struct kvm_outcome *out,
		  void (*done)(void *ctx, struct kvm_ref *k), void *ctx);

/* Outcome as text ("hvsim-kvm-outcome 1" ... "end"), and back. */
int kvm_outcome_write(FILE *f, const struct kvm_outcome *o);
int kvm_outcome_read(const char *buf, size_t len, struct kvm_outcome *o, char *err, size_t errsize);

#endif
