/* cmd_kvm.c - `hvsim kvm` (run a scenario's guest on real KVM) and `hvsim
 * diff` (hvsim's prediction against real KVM, field by field).
 *
 * Two references (docs/kvm-reference.md):
 *   kvm          this machine's /dev/kvm, run in-process (cpu/kvm.c); used for
 *                guest-visible outcomes; exit counts only when the module is
 *                kvm_intel or kvm_amd;
 *   kvm-amd-tcg  a real kvm_amd inside a Debian kernel booted under QEMU TCG
 *                with +svm (scripts/kvm-amd-tcg/), read from its result
 *                cache; used for exit counts as well.
 *
 * Guest-visible outcomes are compared exactly.  A difference is either
 * explained by a row of the known-divergence table below (the same table as
 * docs/kvm-reference.md, printed as "known divergence: ...") or reported as
 * an unexplained difference (exit status 5). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/ref/devkvm.h"
#include "sim/util/outfile.h"
#include "sim/render/result_out.h"
#include "sim/run.h"
#include "sim/loader/scenario.h"

#ifndef HVSIM_SOURCE_DIR
#define HVSIM_SOURCE_DIR "."
#endif

#define ERRSZ 1024
/* The simulator's default guest stack (sim/run.c DEFAULT_STACK_TOP/SIZE):
 * the reference maps the same one. */
#define SIM_STACK_TOP 0x00F00000ull
#define SIM_STACK_SIZE 0x10000ull

struct cmd;
int cmd_kvm(const struct cmd *c, int argc, char **argv);
int cmd_diff(const struct cmd *c, int argc, char **argv);

/* Help texts, used by the table in sim/cli.c. */
const char cmd_kvm_usage[] =
	"hvsim kvm SCENARIO [--format text|json|outcome] [-o FILE] [--timeout SEC] [--export FILE]";
const char cmd_kvm_summary[] = "Run a scenario's guest on this machine's /dev/kvm (the reference).";
const char cmd_kvm_help[] =
	"options:\n"
	"  --format F      text (default), json (the `hvsim run` document plus a \"reference\"\n"
	"                  member) or outcome (the raw hvsim-kvm-outcome text)\n"
	"  -o, --output F  write to F, atomically (\"-\" = standard output)\n"
	"  --timeout SEC   wall-clock bound of the guest run (default 10)\n"
	"  --export FILE   do not run: write the guest image (hvsim-kvm-image) for the\n"
	"                  reference-2 runner and print its cache key\n"
	"\nThe guest runs at CPL 0 in 64-bit long mode (or 32-bit protected mode), the same bytes\n"
	"at the same addresses as in the simulator.  Host breakpoints are perf hardware\n"
	"breakpoints on the thread calling KVM_RUN; host events run at exits to user space\n"
	"(`exit: N` = the Nth one).  The #DBs come from the guest's own log: its handler stores\n"
	"DR6 into `log[count++]` (and the frame RIP into `riplog`, optional).  The module behind\n"
	"/dev/kvm (kvm_intel, kvm_amd, kvm_pvm) is printed.  Exit status 3 when /dev/kvm is absent\n"
	"or unusable, or the scenario cannot run on the reference (host code snippets).\n"
	"See docs/kvm-reference.md.\n";
const char cmd_diff_usage[] =
	"hvsim diff SCENARIO [-p POLICY] [--vendor vmx|svm] [--ref kvm|kvm-amd-tcg] [--timeout SEC] [--cache DIR]";
const char cmd_diff_summary[] = "Compare hvsim's prediction with real KVM, field by field.";
const char cmd_diff_help[] =
	"options:\n"
	"  -p, --policy P  policy of the prediction (default: the scenario's first; for\n"
	"                  kvm-amd-tcg the one matching the kernel: bp_enabled for 6.x)\n"
	"  --vendor V      vendor of the prediction (default: the scenario's; svm for kvm-amd-tcg)\n"
	"  --ref R         kvm (default): this machine's /dev/kvm, run now;\n"
	"                  kvm-amd-tcg: real kvm_amd under QEMU TCG, from the result cache\n"
	"                  (regenerate: scripts/kvm-amd-tcg/run.sh SCENARIO)\n"
	"  --cache DIR     reference-2 cache (default $HVSIM_KVM_TCG_CACHE or\n"
	"                  scripts/kvm-amd-tcg/cache in the source tree)\n"
	"\nPrints one line per field: predicted, measured, verdict (ok, DIFF, or known: ID).\n"
	"Guest-visible outcomes (stop, final RIP, the guest's #DB log, `res` words, final DRs)\n"
	"must match exactly; exits are compared only on kvm_intel/kvm_amd and kvm-amd-tcg.\n"
	"Exit status: 0 no unexplained difference, 5 unexplained differences, 3 reference\n"
	"absent or scenario not runnable there, 4 scenario error.\n";

/* ---- the known-divergence table (docs/kvm-reference.md, same ids) ------- */

enum { MOD_PVM = 1u << KVM_MODULE_PVM, MOD_AMD = 1u << KVM_MODULE_AMD,
       MOD_INTEL = 1u << KVM_MODULE_INTEL, MOD_TCG = 1u << 8 };

struct known_div {
	const char *id;
	unsigned where;                /* MOD_* where it applies */
	const char *what;              /* printed after "known divergence: " */
};

static const struct known_div known_divs[] = {
	{ "pvm-data-bp", MOD_PVM,
	  "kvm_pvm: data breakpoints at CPL 0 are not delivered (guest code runs in KVM's "
	  "instruction emulator, which does not check data breakpoints)" },
	{ "pvm-cpuid-leaf7", MOD_PVM,
	  "kvm_pvm: KVM_SET_CPUID2 does not change leaf 7 (the guest sees the host's RTM/bus-lock "
	  "bits), so DR6 bit 16/11 are writable; the prediction is made with the reference's "
	  "cpu.rtm/cpu.bus_lock" },
	{ "pvm-iret32", MOD_PVM,
	  "kvm_pvm: a 32-bit guest cannot return from an exception handler: KVM's instruction "
	  "emulator handles IRET only in real mode (KVM_EXIT_INTERNAL_ERROR, emulation failure); "
	  "the reference run ends at the first IRET and nothing after it can be compared" },
	{ "host-event-timing", MOD_PVM | MOD_AMD | MOD_INTEL | MOD_TCG,
	  "host events run at exits to user space on the reference; the simulator's `exit: N` / "
	  "`every_exit: N` count every VM exit, and the ones that do not reach user space "
	  "cannot be reproduced, so host-side counts differ" },
	{ "tcg-no-gd", MOD_TCG,
	  "kvm-amd-tcg: QEMU TCG does not implement general detect: a MOV DR with DR7.GD = 1 "
	  "runs without a #DB and GD stays set (DR7 differs by bit 13 only)" },
	{ "tcg-dr6-bit12", MOD_TCG,
	  "kvm-amd-tcg: QEMU TCG lets a MOV to DR6 set bit 12, which the SDM says reads 0 "
	  "(DR6 differs by bit 12 only)" },
	{ "tcg-no-decode-assists", MOD_TCG,
	  "kvm-amd-tcg: QEMU TCG offers SVM without decode assists or NRIP save; the prediction "
	  "is made with decode_assists: false" },
	{ "tcg-vmrun-dr7-no-bp-insert", MOD_TCG,
	  "kvm-amd-tcg: QEMU 7.2 TCG raises an execute-breakpoint #DB only where it inserted a CPU "
	  "breakpoint, which it does in MOV DR0-3/DR7 (helper_set_dr, cpu_x86_update_dr7) but not "
	  "when VMRUN loads the guest DR7 (helper_vmrun assigns env->dr[7]); once the host's DR7 "
	  "writes (hw_breakpoint_restore) have removed it, the guest's breakpoint stays unarmed until "
	  "the guest itself changes DR7's enable bits" },
	{ "tcg-noise", MOD_TCG,
	  "kvm-amd-tcg: INTR (timer), VINTR and NPF (first touch of guest memory) exits are "
	  "not modelled; they are counted and subtracted explicitly" },
};

static const struct known_div *known(const char *id)
{
	for (size_t i = 0; i < sizeof(known_divs) / sizeof(known_divs[0]); i++)
		if (!strcmp(known_divs[i].id, id))
			return &known_divs[i];
	return NULL;
}

/* ---- options ---------------------------------------------------------------- */

struct kopts {
	const char *file, *format, *output, *export_file, *policy, *vendor, *ref, *cache;
	unsigned timeout_s;
	bool help;
};

static int usage(const char *verb, const char *fmt, const char *arg)
{
	fputs("hvsim: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see 'hvsim help %s')\n", verb);
	return HVSIM_EXIT_USAGE;
}

static int parse(const char *verb, int argc, char **argv, struct kopts *o, bool diff)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = true;
			continue;
		}
		if (!diff && !strcmp(a, "--format")) dst = &o->format;
		else if (!diff && (!strcmp(a, "-o") || !strcmp(a, "--output"))) dst = &o->output;
		else if (!diff && !strcmp(a, "--export")) dst = &o->export_file;
		else if (diff && (!strcmp(a, "-p") || !strcmp(a, "--policy"))) dst = &o->policy;
		else if (diff && !strcmp(a, "--vendor")) dst = &o->vendor;
		else if (diff && !strcmp(a, "--ref")) dst = &o->ref;
		else if (diff && !strcmp(a, "--cache")) dst = &o->cache;
		else if (!strcmp(a, "--timeout")) {
			if (i + 1 >= argc)
				return usage(verb, "option '%s' needs a value", a);
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end || !v || v > 3600)
				return usage(verb, "--timeout wants whole seconds 1-3600, not '%s'", argv[i]);
			o->timeout_s = (unsigned)v;
			continue;
		} else if (a[0] == '-' && a[1]) {
			return usage(verb, "unknown option '%s'", a);
		} else {
			if (o->file)
				return usage(verb, "one scenario at a time ('%s')", a);
			o->file = a;
			continue;
		}
		if (i + 1 >= argc)
			return usage(verb, "option '%s' needs a value", a);
		*dst = argv[++i];
	}
	if (o->help)
		return 0;
	if (!o->file)
		return usage(verb, "%s", "missing SCENARIO");
	if (o->format && strcmp(o->format, "text") && strcmp(o->format, "json") && strcmp(o->format, "outcome"))
		return usage(verb, "unknown format '%s' (text, json or outcome)", o->format);
	if (o->vendor && strcmp(o->vendor, "vmx") && strcmp(o->vendor, "svm"))
		return usage(verb, "unknown vendor '%s' (vmx or svm)", o->vendor);
	if (o->ref && strcmp(o->ref, "kvm") && strcmp(o->ref, "kvm-amd-tcg"))
		return usage(verb, "unknown reference '%s' (kvm or kvm-amd-tcg)", o->ref);
	return 0;
}

static void print_help(FILE *f, const char *u, const char *h)
{
	fprintf(f, "usage: %s\n\n%s", u, h);
}

/* ---- scenario -> guest image -------------------------------------------------- */

enum { IMG_OK = 0, IMG_UNSUPPORTED = 1 };

static int reg_gpr(const char *n)
{
	static const char *const r64[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					     "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	static const char *const r32[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
	for (int i = 0; i < 16; i++)
		if (!strcmp(n, r64[i]))
			return i;
	for (int i = 0; i < 8; i++)
		if (!strcmp(n, r32[i]))
			return i;
	return -1;
}

/* Build the image of a scenario.  Returns IMG_OK, or IMG_UNSUPPORTED with a
 * "file:line:col: message" in err when the guest cannot run on a reference. */
static int build_image(const struct scenario *sc, struct kvm_image *img, char *err, size_t errsize)
{
	memset(img, 0, sizeof(*img));
	struct kvm_guest_spec *g = &img->spec;
	snprintf(img->name, sizeof(img->name), "%s", sc->name ? sc->name : "-");
	g->mem = img->mem;
	g->mode = sc->guest.mode ? sc->guest.mode : 64;
	const struct code_block *cb = &sc->guest.code;
	img->mem[g->nmem++] = (struct kvm_mem){ cb->base, cb->size, cb->bytes, cb->size };
	for (size_t i = 0; i < sc->guest.ndata; i++) {
		const struct data_region *d = &sc->guest.data[i];
		if (g->nmem >= KVM_IMG_MAX_MEM - 1) {
			snprintf(err, errsize, "%s:%d:%d: more than %d data regions: not supported by the "
				 "KVM reference", sc->path, d->pos.line, d->pos.col, KVM_IMG_MAX_MEM - 2);
			return IMG_UNSUPPORTED;
		}
		img->mem[g->nmem++] = (struct kvm_mem){ d->addr, d->size, d->bytes, d->nbytes };
	}
	bool has_rsp = false;
	g->rip = sc->guest.entry ? sc->guest.entry : cb->base;
	for (size_t i = 0; i < sc->guest.nregs; i++) {
		const struct reg_init *r = &sc->guest.regs[i];
		int n = reg_gpr(r->name);
		if (n >= 0) {
			g->gpr[n] = g->mode == 32 ? (r->value & 0xFFFFFFFFull) : r->value;
			has_rsp |= n == 4;
		} else if (!strcmp(r->name, "rflags")) {
			g->rflags = r->value;
		} else if (!strcmp(r->name, "cr4") && !(r->value & ~0x60Full)) {
			g->cr4_extra = r->value;   /* VME PVI TSD DE, OSFXSR OSXMMEXCPT */
		} else {
			snprintf(err, errsize, "%s:%d:%d: register '%s' = 0x%" PRIx64 " cannot be set on the "
				 "KVM reference (it builds CR0/CR3/CR4/EFER itself)", sc->path, r->pos.line,
				 r->pos.col, r->name, r->value);
			return IMG_UNSUPPORTED;
		}
	}
	if (!has_rsp) {
		img->mem[g->nmem++] = (struct kvm_mem){ SIM_STACK_TOP - SIM_STACK_SIZE, SIM_STACK_SIZE, NULL, 0 };
		g->gpr[4] = SIM_STACK_TOP;
	}
	g->cpu_rtm = sc->cpu_rtm;
	g->cpu_bus_lock = sc->cpu_bus_lock;
	g->guest_debug = sc->host.guest_debug;
	for (size_t i = 0; i < sc->host.nbps && i < 4; i++) {
		const struct host_bp *b = &sc->host.bps[i];
		img->bp[img->nbp].slot = b->slot;
		img->bp[img->nbp].addr = b->addr;
		img->bp[img->nbp].type = (int)b->type;
		img->bp[img->nbp].len = b->len;
		img->nbp++;
	}
	for (size_t i = 0; i < sc->host.nevents; i++) {
		const struct host_event *e = &sc->host.events[i];
		if (e->action == HOST_RUN) {
			snprintf(err, errsize, "%s:%d:%d: host code snippets cannot run on the KVM reference "
				 "(they are ring-0 code of the simulated host)", sc->path, e->pos.line, e->pos.col);
			return IMG_UNSUPPORTED;
		}
		if (img->nev >= KVM_IMG_MAX_EVENTS) {
			snprintf(err, errsize, "%s:%d:%d: more than %d host events: not supported by the KVM "
				 "reference", sc->path, e->pos.line, e->pos.col, KVM_IMG_MAX_EVENTS);
			return IMG_UNSUPPORTED;
		}
		struct kvm_img_event *v = &img->ev[img->nev++];
		v->when = e->when == WHEN_START ? 0 : e->when == WHEN_EXIT ? 1 : 2;
		v->n = e->n;
		switch (e->action) {
		case HOST_INSTALL_BP:
			v->action = 0;
			v->slot = e->bp.slot;
			v->addr = e->bp.addr;
			v->type = (int)e->bp.type;
			v->len = e->bp.len;
			break;
		case HOST_REMOVE_BP:
			v->action = 1;
			v->slot = e->slot;
			break;
		default:
			v->action = 2;
			v->addr = e->addr;
			v->len = e->size;
			v->write = e->write;
			break;
		}
	}
	img->has_count = scenario_symbol(sc, "count", &img->sym_count);
	img->has_log = scenario_symbol(sc, "log", &img->sym_log);
	img->has_log_end = scenario_symbol(sc, "log_end", &img->sym_log_end);
	img->has_riplog = scenario_symbol(sc, "riplog", &img->sym_riplog);
	uint64_t re = 0;
	img->has_res = scenario_symbol(sc, "res", &img->sym_res) && scenario_symbol(sc, "res_end", &re) &&
		       re > img->sym_res;
	img->sym_res_end = img->has_res ? re : 0;
	return IMG_OK;
}

/* ---- outcome -> run_result (the `hvsim run` JSON shape) ------------------------ */

/* Exit-reason slots filled from KVM's generic vCPU statistics, VMX names
 * (vmx/exit_reasons.def) so that the fields line up with `hvsim run`. */
static const char *const stat_exit_names[EXIT_SLOTS] = {
	[1] = "EXTERNAL_INTERRUPT", [12] = "HLT", [30] = "IO_INSTRUCTION",
};

static enum engine_stop map_stop(enum kvm_stop s)
{
	switch (s) {
	case KVM_STOP_HALT: return STOP_HALT;
	case KVM_STOP_TIMEOUT: return STOP_BUDGET;
	case KVM_STOP_SHUTDOWN: return STOP_TRIPLE;
	case KVM_STOP_MMIO: return STOP_UNMAPPED;
	case KVM_STOP_EMULATION: return STOP_UD;
	case KVM_STOP_ENTRY_FAIL: return STOP_ENTRY_FAIL;
	case KVM_STOP_OTHER: break;
	}
	return STOP_INTERNAL;
}

/* What a DR6 value says caused the #DB (SDM 17.2.3 DR6 bits). */
static const char *dr6_cause(uint64_t dr6)
{
	if (dr6 & (1u << 13)) return "gd";
	if (dr6 & 0xF) return "bp";
	if (dr6 & (1u << 14)) return "single-step";
	return "icebp";
}

struct mem_snap {
	const struct kvm_image *img;
	struct run_result *res;
	size_t ncopy;                  /* the code block and the scenario's data regions */
};

static void snap_memory(void *ctx, struct kvm_ref *k)
{
	struct mem_snap *m = ctx;
	const struct kvm_guest_spec *g = &m->img->spec;
	size_t total = 0;
	unsigned n = 0;
	/* the code block and the data regions, as sim/run.c copy_memory() */
	for (size_t i = 0; i < m->ncopy && i < g->nmem && n < 16; i++, n++)
		total += g->mem[i].size <= (1u << 20) ? g->mem[i].size : 0;
	m->res->mem_copy = malloc(total + 1);
	if (!m->res->mem_copy)
		return;
	size_t off = 0;
	for (size_t i = 0; i < m->ncopy && i < g->nmem && m->res->nmem_regions < 16; i++) {
		const struct kvm_mem *mm = &g->mem[i];
		if (mm->size > (1u << 20))
			continue;
		if (kvm_ref_mem_read(k, mm->addr, m->res->mem_copy + off, mm->size))
			memset(m->res->mem_copy + off, 0, mm->size);
		unsigned j = m->res->nmem_regions++;
		m->res->mem_regions[j].addr = mm->addr;
		m->res->mem_regions[j].size = mm->size;
		m->res->mem_regions[j].off = off;
		off += mm->size;
	}
	m->res->mem_size = off;
}

static void outcome_to_result(const struct scenario *sc, const struct kvm_outcome *o, struct run_result *res)
{
	const struct kvm_ref_result *r = &o->r;
	snprintf(res->scenario, sizeof(res->scenario), "%s", sc->name ? sc->name : "?");
	snprintf(res->policy, sizeof(res->policy), "%s", kvm_module_name(r->module));
	snprintf(res->vendor, sizeof(res->vendor), "kvm");
	snprintf(res->cost_model, sizeof(res->cost_model), "none");
	res->exit_names = stat_exit_names;
	res->nexit_names = EXIT_SLOTS;
	uint64_t v;
	if (kvm_ref_stat(r, "exits", &v)) res->st.exits_total = v;
	if (kvm_ref_stat(r, "io_exits", &v)) res->st.exits[30].count = v;
	if (kvm_ref_stat(r, "halt_exits", &v)) res->st.exits[12].count = v;
	if (kvm_ref_stat(r, "irq_exits", &v)) res->st.exits[1].count = v;
	res->st.entries_total = res->st.exits_total;
	res->st.db_guest_delivered = o->count;
	res->st.db_host_delivered = r->host_bp_hits_total;
	res->stop = map_stop(r->stop);
	snprintf(res->stop_msg, sizeof(res->stop_msg), "%s", r->stop_msg);
	for (int i = 0; i < 4; i++)
		res->guest_dr[i] = res->hv_dr[i] = r->db[i];
	res->guest_dr[6] = res->hv_dr[6] = r->dr6;
	res->guest_dr[7] = res->hv_dr[7] = r->dr7;
	res->guest_dr[4] = res->hv_dr[4] = r->dr6;     /* DR4/DR5 alias DR6/DR7 (CR4.DE = 0) */
	res->guest_dr[5] = res->hv_dr[5] = r->dr7;
	res->guest_rip = r->rip;
	memcpy(res->gprs, r->gpr, sizeof(res->gprs));
	res->db = calloc(o->nlog + 1, sizeof(*res->db));
	for (size_t i = 0; res->db && i < o->nlog; i++) {
		struct db_record *d = &res->db[res->ndb++];
		d->rip = o->riplog[i];
		d->dr6 = d->hw_dr6 = o->log[i];
		d->hw_slots = d->ideal_slots = (uint8_t)(o->log[i] & 0xF);
		d->outcome = DB_DELIVERED;
		d->cause = dr6_cause(o->log[i]);
	}
}

static void write_reference_json(struct json_writer *w, const struct kvm_outcome *o, const char *ref,
				 uint64_t hash)
{
	const struct kvm_ref_result *r = &o->r;
	char hx[24];
	jw_object_begin(w);
	jw_kv_string(w, "reference", ref);
	jw_kv_string(w, "module", kvm_module_name(r->module));
	jw_kv_string(w, "kernel", o->kernel);
	snprintf(hx, sizeof(hx), "%016" PRIx64, hash);
	jw_kv_string(w, "image", hx);
	jw_kv_string(w, "stop", kvm_stop_name(r->stop));
	jw_kv_u64(w, "user_exits", r->user_exits);
	jw_kv_u64(w, "io_exits", r->io_exits);
	jw_kv_u64(w, "elapsed_ns", r->elapsed_ns);
	jw_key(w, "cpuid");
	jw_object_begin(w);
	jw_key(w, "rtm");
	jw_bool(w, r->cpuid_rtm);
	jw_key(w, "bus_lock");
	jw_bool(w, r->cpuid_bus_lock);
	jw_object_end(w);
	jw_key(w, "stats");
	jw_object_begin(w);
	for (unsigned i = 0; i < r->nstats; i++)
		jw_kv_u64(w, r->stats[i].name, r->stats[i].value);
	jw_object_end(w);
	jw_key(w, "exit_reasons");
	jw_object_begin(w);
	for (unsigned i = 0; i < o->nexits; i++) {
		snprintf(hx, sizeof(hx), "0x%x", o->exits[i].code);
		jw_kv_u64(w, hx, o->exits[i].count);
	}
	jw_object_end(w);
	jw_key(w, "host_bp_hits");
	jw_array_begin(w);
	for (int i = 0; i < 4; i++)
		jw_u64(w, r->host_bp_hits[i]);
	jw_array_end(w);
	jw_kv_u64(w, "count", o->count);
	jw_key(w, "log");
	jw_array_begin(w);
	for (size_t i = 0; i < o->nlog; i++) {
		jw_object_begin(w);
		jw_kv_u64(w, "dr6", o->log[i]);
		jw_kv_u64(w, "rip", o->riplog[i]);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_key(w, "res");
	jw_array_begin(w);
	for (size_t i = 0; i < o->nres; i++)
		jw_u64(w, o->res[i]);
	jw_array_end(w);
	jw_object_end(w);
}

static void write_reference_text(FILE *f, const struct kvm_outcome *o, const char *ref)
{
	const struct kvm_ref_result *r = &o->r;
	fprintf(f, "reference: %s, module %s%s%s\n", ref, kvm_module_name(r->module),
		o->kernel[0] ? ", kernel " : "", o->kernel);
	fprintf(f, "  stop: %s (%s), %" PRIu64 " exits to user space (%" PRIu64 " I/O), %.3f ms\n",
		kvm_stop_name(r->stop), r->stop_msg, r->user_exits, r->io_exits, r->elapsed_ns / 1e6);
	fprintf(f, "  guest CPUID: rtm %d, bus_lock %d\n", r->cpuid_rtm, r->cpuid_bus_lock);
	fprintf(f, "  DRs (KVM_GET_DEBUGREGS): dr0 0x%" PRIx64 " dr1 0x%" PRIx64 " dr2 0x%" PRIx64
		   " dr3 0x%" PRIx64 " dr6 0x%" PRIx64 " dr7 0x%" PRIx64 "\n",
		r->db[0], r->db[1], r->db[2], r->db[3], r->dr6, r->dr7);
	fprintf(f, "  vCPU stats (KVM_GET_STATS_FD, non-zero):");
	for (unsigned i = 0; i < r->nstats; i++)
		if (r->stats[i].value)
			fprintf(f, " %s=%" PRIu64, r->stats[i].name, r->stats[i].value);
	fputc('\n', f);
	for (unsigned i = 0; i < o->nexits; i++)
		fprintf(f, "  kvm_exit reason 0x%x: %" PRIu64 "\n", o->exits[i].code, o->exits[i].count);
	if (r->host_bp_hits_total)
		fprintf(f, "  host breakpoint hits (perf): %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
			r->host_bp_hits[0], r->host_bp_hits[1], r->host_bp_hits[2], r->host_bp_hits[3]);
	fprintf(f, "  guest #DB log: count %" PRIu64 "\n", o->count);
	for (size_t i = 0; i < o->nlog; i++)
		fprintf(f, "    #%zu dr6 0x%" PRIx64 " rip 0x%" PRIx64 " (%s)\n", i, o->log[i], o->riplog[i],
			dr6_cause(o->log[i]));
	for (size_t i = 0; i < o->nres; i++)
		fprintf(f, "  res[%zu] 0x%" PRIx64 "\n", i, o->res[i]);
}

/* ---- hvsim kvm ------------------------------------------------------------------- */

static int err_status(int kind)
{
	return kind == KVM_ERR_INTERNAL ? HVSIM_EXIT_INTERNAL : HVSIM_EXIT_SKIP;
}

int cmd_kvm(const struct cmd *c, int argc, char **argv)
{
	(void)c;
	struct kopts o;
	int rc = parse("kvm", argc, argv, &o, false);
	if (rc)
		return rc;
	if (o.help) {
		print_help(stdout, cmd_kvm_usage, cmd_kvm_help);
		return HVSIM_EXIT_OK;
	}
	char err[ERRSZ];
	struct scenario *sc = scenario_load(o.file, err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	struct kvm_image img;
	if (build_image(sc, &img, err, sizeof(err)) != IMG_OK) {
		fprintf(stderr, "%s\nhvsim: skipped: the scenario cannot run on the KVM reference\n", err);
		scenario_free(sc);
		return HVSIM_EXIT_SKIP;
	}
	uint64_t hash = kvm_image_hash(&img);
	if (o.export_file) {
		struct outfile of;
		if (outfile_open(&of, o.export_file, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			scenario_free(sc);
			return HVSIM_EXIT_ERROR;
		}
		kvm_image_write(of.f, &img);
		if (outfile_commit(&of, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			scenario_free(sc);
			return HVSIM_EXIT_ERROR;
		}
		printf("%016" PRIx64 "\n", hash);
		scenario_free(sc);
		return HVSIM_EXIT_OK;
	}
	img.spec.timeout_ms = (o.timeout_s ? o.timeout_s : 10) * 1000u;
	struct kvm_outcome *out = calloc(1, sizeof(*out));
	struct run_result res;
	memset(&res, 0, sizeof(res));
	struct mem_snap ms = { &img, &res, 1 + sc->guest.ndata };
	if (!out) {
		scenario_free(sc);
		return HVSIM_EXIT_INTERNAL;
	}
	if (kvm_image_run(&img, out, snap_memory, &ms)) {
		int st = err_status(out->error_kind);
		fprintf(stderr, "hvsim: %s: %s\n", st == HVSIM_EXIT_SKIP ? "skipped: KVM reference unavailable" :
			"KVM reference failed", out->error);
		free(out);
		scenario_free(sc);
		return st;
	}
	outcome_to_result(sc, out, &res);
	struct outfile of;
	if (outfile_open(&of, o.output, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		run_result_free(&res);
		free(out);
		scenario_free(sc);
		return HVSIM_EXIT_ERROR;
	}
	const char *fmt = o.format ? o.format : "text";
	if (!strcmp(fmt, "json")) {
		struct json_writer w;
		jw_init(&w, of.f, 2);
		jw_object_begin(&w);
		jw_kv_string(&w, "schema", RESULT_SCHEMA);
		jw_kv_u64(&w, "version", RESULT_SCHEMA_VERSION);
		jw_key(&w, "runs");
		jw_array_begin(&w);
		result_write_run_json(&w, &res);
		jw_array_end(&w);
		jw_key(&w, "reference");
		write_reference_json(&w, out, "kvm", hash);
		jw_object_end(&w);
		jw_finish(&w);
	} else if (!strcmp(fmt, "outcome")) {
		kvm_outcome_write(of.f, out);
	} else {
		result_render_text(of.f, &res);
		write_reference_text(of.f, out, "/dev/kvm");
	}
	rc = HVSIM_EXIT_OK;
	if (outfile_commit(&of, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
	} else if (res.stop != STOP_HALT && !(res.stop == STOP_BUDGET && sc->guest.budget_ok)) {
		fprintf(stderr, "hvsim: %s: the guest stopped abnormally on the reference: %s\n", o.file,
			res.stop_msg);
		rc = HVSIM_EXIT_ABNORMAL;
	}
	run_result_free(&res);
	free(out);
	scenario_free(sc);
	return rc;
}

/* ---- hvsim diff -------------------------------------------------------------------- */

struct diff {
	FILE *f;
	unsigned compared, equal, known, unexplained;
	const char *active[8];         /* divergence ids printed so far */
	unsigned nactive;
};

static void note_known(struct diff *d, const char *id, const char *extra)
{
	for (unsigned i = 0; i < d->nactive; i++)
		if (!strcmp(d->active[i], id))
			return;
	if (d->nactive < 8)
		d->active[d->nactive++] = id;
	const struct known_div *k = known(id);
	fprintf(d->f, "known divergence: %s: %s%s%s\n", id, k ? k->what : "?", extra ? "; " : "",
		extra ? extra : "");
}

/* One row: verdict "ok", "DIFF" or "known: ID". */
static void row(struct diff *d, const char *field, const char *pred, const char *meas, const char *known_id)
{
	bool eq = !strcmp(pred, meas);
	const char *verdict = eq ? "ok" : "DIFF";
	char kbuf[64];
	d->compared++;
	if (eq) {
		d->equal++;
	} else if (known_id) {
		d->known++;
		snprintf(kbuf, sizeof(kbuf), "known: %s", known_id);
		verdict = kbuf;
	} else {
		d->unexplained++;
	}
	fprintf(d->f, "  %-30s %-20s %-20s %s\n", field, pred, meas, verdict);
}

static void rowu(struct diff *d, const char *field, bool have_p, uint64_t p, bool have_m, uint64_t m,
		 const char *known_id, bool hex)
{
	char a[32], b[32];
	if (have_p) snprintf(a, sizeof(a), hex ? "0x%" PRIx64 : "%" PRIu64, p); else snprintf(a, sizeof(a), "-");
	if (have_m) snprintf(b, sizeof(b), hex ? "0x%" PRIx64 : "%" PRIu64, m); else snprintf(b, sizeof(b), "-");
	row(d, field, a, b, known_id);
}

static bool sim_word(const struct run_result *r, uint64_t addr, uint64_t *v)
{
	char path[64];
	snprintf(path, sizeof(path), "mem.0x%" PRIx64 ".8", addr);
	return result_field(r, path, v, NULL) == 0;
}

/* Exit categories compared against the references. */
enum cat { CAT_MOVDR, CAT_IO, CAT_DB, CAT_HLT, CAT_CPUID, CAT_OTHER, NCAT };
static const char *const cat_names[NCAT] = { "MOV-DR exits", "I/O exits", "#DB exits", "HLT exits",
					      "CPUID exits", "other exits" };

static bool has_word(const char *name, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = name; *p; p++)
		if (!strncasecmp(p, w, n))
			return true;
	return false;
}

/* Category of a simulator exit-reason name (VMX names from vmx/exit_reasons.def;
 * SVM names as APM Appendix C / Linux print them). */
static enum cat sim_cat(const char *name)
{
	if (has_word(name, "DR_ACCESS") || has_word(name, "READ_DR") || has_word(name, "WRITE_DR"))
		return CAT_MOVDR;
	if (has_word(name, "IO_INSTRUCTION") || has_word(name, "IOIO") || !strcasecmp(name, "io"))
		return CAT_IO;
	if (has_word(name, "EXCEPTION") || has_word(name, "EXCP") || has_word(name, "DB"))
		return CAT_DB;
	if (has_word(name, "HLT"))
		return CAT_HLT;
	if (has_word(name, "CPUID"))
		return CAT_CPUID;
	return CAT_OTHER;
}

/* Category of an SVM exit code (AMD APM Vol.2 Appendix C); -1 = noise. */
static int svm_code_cat(uint32_t code, const char **noise)
{
	if (code >= 0x20 && code <= 0x3F) return CAT_MOVDR;
	if (code == 0x41) return CAT_DB;            /* #DB exception intercept */
	if (code == 0x7B) return CAT_IO;            /* IOIO */
	if (code == 0x78) return CAT_HLT;
	if (code == 0x72) return CAT_CPUID;
	if (code == 0x60) { *noise = "INTR (timer interrupt)"; return -1; }
	if (code == 0x64) { *noise = "VINTR (interrupt window)"; return -1; }
	if (code == 0x400) { *noise = "NPF (first touch of guest memory)"; return -1; }
	return CAT_OTHER;
}

struct pred_trace {
	uint64_t nexits;
	uint64_t io_before[4096];      /* io_before[n] = user exits among sim exits 1..n */
	bool is_user[4096];            /* sim exit n is an exit to user space on KVM */
	/* Known divergence tcg-vmrun-dr7-no-bp-insert: QEMU 7.2 TCG's view of
	 * the DRs along the predicted run (target/i386/tcg/sysemu/bpt_helper.c,
	 * svm_helper.c; docs/kvm-reference.md).  TCG raises an execute-
	 * breakpoint #DB only at an address where it inserted a CPU breakpoint;
	 * it inserts/removes them only in helper_set_dr (MOV DR0-3 while the
	 * slot is enabled in its DR7) and cpu_x86_update_dr7 (MOV DR7: the slots
	 * whose enable bits change, or all slots when any type/len bit changes),
	 * never in helper_vmrun / do_vmexit, which assign DR7 directly. */
	uint64_t q7, qdr[4], hsave7, g7;
	int armed[4];                  /* -1 nothing, 0 exec bp at armaddr, 1 watchpoint */
	uint64_t armaddr[4];
	bool last_db_exit_armed;       /* at the latest #DB intercept exit */
	int hslot[4];                  /* >= 0: perf's slot of an installed host breakpoint */
	unsigned nhost;
	bool uncertain;                /* a state the model does not follow (orphaned or mistyped removal) */
	unsigned ndb;                  /* guest-delivered #DBs seen */
	bool db_tcg_ok[KVM_LOG_MAX];   /* that #DB was at an inserted TCG breakpoint */
};

static bool q_en(uint64_t dr7, int i) { return (dr7 >> (2 * i)) & 3; }
static int q_type(uint64_t dr7, int i) { return (int)((dr7 >> (16 + 4 * i)) & 3); }

static void q_remove(struct pred_trace *t, int i)
{
	int ty = q_type(t->q7, i);
	if (ty == 2)
		return;
	if (t->armed[i] >= 0 && t->armed[i] != (ty ? 1 : 0))
		t->uncertain = true;   /* removal by the wrong kind (union in QEMU) */
	t->armed[i] = -1;
}

static void q_insert(struct pred_trace *t, int i)
{
	int ty = q_type(t->q7, i);
	if (!q_en(t->q7, i) || ty == 2)
		return;
	if (t->armed[i] >= 0)
		t->uncertain = true;   /* the old one would be orphaned, still armed */
	t->armed[i] = ty ? 1 : 0;
	t->armaddr[i] = t->qdr[i];
}

static void q_set_dr(struct pred_trace *t, unsigned dr, uint64_t v)
{
	if (dr < 4) {
		if (q_en(t->q7, (int)dr) && q_type(t->q7, (int)dr) != 2) {
			q_remove(t, (int)dr);
			t->qdr[dr] = v;
			q_insert(t, (int)dr);
		} else {
			t->qdr[dr] = v;
		}
	} else if (dr == 7) {
		uint64_t o = t->q7, n = v | 0x400;
		if (((o ^ n) & ~0xFFull) == 0) {
			unsigned mod = (unsigned)(((o | o << 1) ^ (n | n << 1)) & 0xAA);
			for (int i = 0; i < 4; i++)
				if ((mod & (2u << 2 * i)) && !q_en(n, i))
					q_remove(t, i);
			t->q7 = n;
			for (int i = 0; i < 4; i++)
				if ((mod & (2u << 2 * i)) && q_en(n, i))
					q_insert(t, i);
		} else {
			for (int i = 0; i < 4; i++)
				q_remove(t, i);
			t->q7 = n;
			for (int i = 0; i < 4; i++)
				q_insert(t, i);
		}
	}
}

static void pred_trace_init(struct pred_trace *t)
{
	memset(t, 0, sizeof(*t));
	t->q7 = t->hsave7 = t->g7 = 0x400;
	for (int i = 0; i < 4; i++)
		t->armed[i] = t->hslot[i] = -1;
}

static void tcg_model(struct pred_trace *t, const struct sim_event *ev)
{
	switch (ev->id) {
	case EV_DR_WRITE:
		q_set_dr(t, (unsigned)ev->a, ev->b);
		break;
	case EV_GUEST_MOVDR:
		if (ev->s && ev->s[0] == 'W') {
			q_set_dr(t, (unsigned)ev->b, ev->c);
			if (ev->b == 7)
				t->g7 = ev->c;
		}
		break;
	case EV_ENTRY:              /* helper_vmrun: env->dr[7] = VMCB DR7, no insert */
		t->hsave7 = t->q7;
		t->q7 = t->g7 | 0x400;
		break;
	case EV_EXIT:               /* do_vmexit: env->dr[7] = hsave DR7, no remove */
		t->q7 = t->hsave7;
		if (ev->s && !strcmp(ev->s, "excp_db")) {
			bool hit = false;
			for (int i = 0; i < 4; i++)
				hit |= t->armed[i] == 0 && t->armaddr[i] == ev->a;
			t->last_db_exit_armed = hit;
		}
		break;
	case EV_HOST:
		/* A perf breakpoint installed/removed in process context writes the
		 * CPU's DRs at once (arch_install_hw_breakpoint: DRn, then DR7 with
		 * the slot's enable, type and len bits; uninstall: DR7 without
		 * them); the simulator defers that to the next exit's restore.
		 * Type/len bits of a perf breakpoint are never 0 (exec: len =
		 * sizeof(long)), so the DR7 write takes cpu_x86_update_dr7's
		 * remove-all path; modelled as a write watchpoint, which only
		 * matters for that path. */
		if (ev->a == 1) {
			int s = -1;
			for (int i = 3; i >= 0; i--)
				if (!q_en(t->q7, i))
					s = i;
			if (s < 0) {
				t->uncertain = true;
				break;
			}
			t->hslot[s] = (int)t->nhost++;
			q_set_dr(t, (unsigned)s, ev->b);
			q_set_dr(t, 7, t->q7 | 0x200 | (2ull << 2 * s) | (0xDull << (16 + 4 * s)));
		} else if (ev->a == 2) {
			/* removal of scenario slot b: perf's slot is the one installed
			 * for it, found by install order only when there was one */
			int s = -1;
			for (int i = 0; i < 4; i++)
				if (t->hslot[i] >= 0 && q_en(t->q7, i))
					s = s < 0 ? i : 4;
			if (s < 0 || s > 3) {
				t->uncertain |= s > 3;
				break;
			}
			t->hslot[s] = -1;
			q_set_dr(t, 7, t->q7 & ~((3ull << 2 * s) | (0xFull << (16 + 4 * s))));
		}
		break;
	case EV_DB:
		if (ev->c == 0 && t->ndb < KVM_LOG_MAX)
			t->db_tcg_ok[t->ndb++] = !(ev->s && !strcmp(ev->s, "exec")) || t->last_db_exit_armed;
		break;
	default:
		break;
	}
}

static void trace_cb(void *ctx, const struct sim_event *ev)
{
	struct pred_trace *t = ctx;
	tcg_model(t, ev);
	if (ev->id != EV_EXIT)
		return;
	uint64_t n = ++t->nexits;
	if (n >= 4096)
		return;
	enum cat c = ev->s ? sim_cat(ev->s) : CAT_OTHER;
	t->is_user[n] = c == CAT_IO;
	t->io_before[n] = t->io_before[n - 1] + (c == CAT_IO);
}

/* Translate `exit: N` host events from simulator exits to exits to user
 * space.  Returns the number of events whose time cannot be reproduced. */
static unsigned translate_events(struct kvm_image *img, const struct pred_trace *t, FILE *f)
{
	unsigned bad = 0;
	for (unsigned i = 0; i < img->nev; i++) {
		struct kvm_img_event *e = &img->ev[i];
		if (e->when == 0)
			continue;
		if (e->when == 1 && e->n < 4096 && e->n <= t->nexits) {
			uint64_t k = t->io_before[e->n];
			if (!t->is_user[e->n]) {
				fprintf(f, "note: host event %u (exit %" PRIu64 ") follows a simulator exit that "
					   "does not reach user space; on the reference it runs after I/O exit %" PRIu64 "\n",
					i + 1, e->n, k);
				bad++;
			}
			e->n = k ? k : 1;
		} else if (e->when == 2) {
			for (uint64_t n = e->n; n && n <= t->nexits && n < 4096; n += e->n)
				if (!t->is_user[n] || t->io_before[n] != n) {
					fprintf(f, "note: host event %u (every_exit %" PRIu64 ") counts simulator exits "
						   "that do not all reach user space; the reference counts exits to user space\n",
						i + 1, e->n);
					bad++;
					break;
				}
		}
	}
	return bad;
}

static bool read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t cap = 1 << 16, n = 0, k;
	char *b = malloc(cap);
	while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			char *nb = realloc(b, cap * 2);
			if (!nb)
				free(b);
			b = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!b)
		return false;
	*buf = b;
	*len = n;
	return true;
}

/* A difference of single bits that a known divergence explains. */
static const char *bit_known(struct diff *d, bool tcg, bool gd_dbs, uint64_t pred, uint64_t meas)
{
	if (tcg && (pred ^ meas) == 0x1000 && (meas & 0x1000)) {
		note_known(d, "tcg-dr6-bit12", NULL);
		return "tcg-dr6-bit12";
	}
	if (tcg && gd_dbs && (pred ^ meas) == 0x2000 && (meas & 0x2000)) {
		note_known(d, "tcg-no-gd", NULL);
		return "tcg-no-gd";
	}
	return NULL;
}

static const char *gd_note(struct diff *d)
{
	note_known(d, "tcg-no-gd", NULL);
	return "tcg-no-gd (unverified)";
}

/* The byte of the image at a guest address (-1 if none). */
static int image_byte(const struct kvm_image *img, uint64_t addr)
{
	for (size_t i = img->spec.nmem; i-- > 0;) {
		const struct kvm_mem *m = &img->spec.mem[i];
		if (addr >= m->addr && addr - m->addr < m->size)
			return m->bytes && addr - m->addr < m->nbytes ? ((const uint8_t *)m->bytes)[addr - m->addr] : 0;
	}
	return -1;
}

/* A mem.ADDR.SIZE / mem.LABEL.SIZE expectation field as mem.0xADDR.SIZE. */
static bool mem_path(const struct scenario *sc, const char *field, char *out, size_t n)
{
	if (strncmp(field, "mem.", 4))
		return false;
	const char *a = field + 4, *dot = strrchr(field, '.');
	if (dot <= a)
		return false;
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)(dot - a), a);
	char *end;
	uint64_t addr = strtoull(name, &end, 16);
	if (*end && !scenario_symbol(sc, name, &addr))
		return false;
	snprintf(out, n, "mem.0x%" PRIx64 ".%s", addr, dot + 1);
	return true;
}

int cmd_diff(const struct cmd *c, int argc, char **argv)
{
	(void)c;
	struct kopts o;
	int rc = parse("diff", argc, argv, &o, true);
	if (rc)
		return rc;
	if (o.help) {
		print_help(stdout, cmd_diff_usage, cmd_diff_help);
		return HVSIM_EXIT_OK;
	}
	bool tcg = o.ref && !strcmp(o.ref, "kvm-amd-tcg");
	char err[ERRSZ];
	struct scenario *sc = scenario_load(o.file, err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	struct kvm_image img;
	struct kvm_outcome *out = calloc(1, sizeof(*out));
	struct pred_trace *tr = calloc(1, sizeof(*tr)), *tr2 = NULL;
	struct run_result pred, meas;
	memset(&pred, 0, sizeof(pred));
	memset(&meas, 0, sizeof(meas));
	struct mem_snap ms = { &img, &meas, 1 + sc->guest.ndata };
	unsigned timing_bad = 0;
	rc = HVSIM_EXIT_OK;
	if (!out || !tr) {
		rc = HVSIM_EXIT_INTERNAL;
		goto done;
	}
	if (build_image(sc, &img, err, sizeof(err)) != IMG_OK) {
		fprintf(stderr, "%s\nhvsim: skipped: the scenario cannot run on the KVM reference\n", err);
		rc = HVSIM_EXIT_SKIP;
		goto done;
	}
	uint64_t hash = kvm_image_hash(&img);

	/* The reference's CPU features decide the simulated CPU's (known
	 * divergence pvm-cpuid-leaf7); reference 2's result comes from the cache. */
	bool ref_rtm = sc->cpu_rtm, ref_bl = sc->cpu_bus_lock;
	enum kvm_module mod = KVM_MODULE_NONE;
	char cache_path[1200] = "";
	if (tcg) {
		const char *dir = o.cache ? o.cache : getenv("HVSIM_KVM_TCG_CACHE");
		char def[1024];
		if (!dir || !*dir) {
			const char *src = getenv("HVSIM_SOURCE_DIR");
			snprintf(def, sizeof(def), "%s/scripts/kvm-amd-tcg/cache", src && *src ? src : HVSIM_SOURCE_DIR);
			dir = def;
		}
		snprintf(cache_path, sizeof(cache_path), "%s/%016" PRIx64 ".out", dir, hash);
		char *buf;
		size_t len;
		if (!read_file(cache_path, &buf, &len)) {
			fprintf(stderr, "hvsim: skipped: no reference-2 result for %s (image %016" PRIx64 ") in %s; "
				"run scripts/kvm-amd-tcg/run.sh %s\n", o.file, hash, dir, o.file);
			rc = HVSIM_EXIT_SKIP;
			goto done;
		}
		int e = kvm_outcome_read(buf, len, out, err, sizeof(err));
		free(buf);
		if (e) {
			fprintf(stderr, "%s:%s\n", cache_path, err);
			rc = HVSIM_EXIT_ERROR;
			goto done;
		}
		if (out->error[0]) {
			fprintf(stderr, "hvsim: skipped: the reference-2 run failed: %s\n", out->error);
			rc = HVSIM_EXIT_SKIP;
			goto done;
		}
		mod = out->r.module;
		ref_rtm = out->r.cpuid_rtm;
		ref_bl = out->r.cpuid_bus_lock;
	} else {
		struct kvm_mem m = { 0x1000, 0x1000, "\xf4", 1 };
		struct kvm_guest_spec probe = { .mode = 64, .mem = &m, .nmem = 1, .rip = 0x1000 };
		enum kvm_err why;
		struct kvm_ref *k = kvm_ref_new(&probe, &why, err, sizeof(err));
		if (!k) {
			fprintf(stderr, "hvsim: %s: %s\n", why == KVM_ERR_INTERNAL ? "KVM reference failed" :
				"skipped: KVM reference unavailable", err);
			rc = err_status((int)why);
			goto done;
		}
		struct kvm_ref_result pr;
		if (kvm_ref_run(k, &pr, err, sizeof(err)) == 0) {
			ref_rtm = pr.cpuid_rtm;
			ref_bl = pr.cpuid_bus_lock;
			mod = pr.module;
		}
		kvm_ref_free(k);
	}

	/* The prediction. */
	struct scenario psc = *sc;
	psc.cpu_rtm = ref_rtm;
	psc.cpu_bus_lock = ref_bl;
	if (tcg)
		psc.decode_assists = false;
	enum vendor vend = o.vendor ? (!strcmp(o.vendor, "svm") ? VENDOR_SVM : VENDOR_VMX)
		: tcg ? VENDOR_SVM : (sc->vendor == VENDOR_SVM ? VENDOR_SVM : VENDOR_VMX);
	const char *policy = o.policy ? o.policy : tcg ? "bp_enabled" : NULL;
	struct run_config cfg = { .policy = policy, .vendor = vend, .trace = trace_cb, .trace_ctx = tr };
	pred_trace_init(tr);
	if (sim_run(&psc, &cfg, &pred, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		rc = vend == VENDOR_SVM && strstr(err, "svm") ? HVSIM_EXIT_SKIP : HVSIM_EXIT_ERROR;
		goto done;
	}
	/* Reference 2 ran `exit: N` host events after the Nth exit to user space
	 * (cpu/kvm.c).  The prediction that the TCG model (tcg-vmrun-dr7-no-bp-
	 * insert) follows must place them there too: predict again with each
	 * `exit: N` moved to the simulator exit that is the Nth I/O exit.  The
	 * rows still compare the first prediction. */
	if (tcg && sc->host.nevents) {
		struct host_event *ev2 = calloc(sc->host.nevents, sizeof(*ev2));
		tr2 = malloc(sizeof(*tr2));
		bool moved = false;
		for (size_t i = 0; ev2 && i < sc->host.nevents; i++) {
			ev2[i] = sc->host.events[i];
			if (ev2[i].when != WHEN_EXIT)
				continue;
			for (uint64_t n = 1; n <= tr->nexits && n < 4096; n++)
				if (tr->is_user[n] && tr->io_before[n] == ev2[i].n) {
					moved |= n != ev2[i].n;
					ev2[i].n = n;
					break;
				}
		}
		if (ev2 && tr2 && moved) {
			struct scenario psc2 = psc;
			psc2.host.events = ev2;
			struct run_result pred2;
			memset(&pred2, 0, sizeof(pred2));
			struct run_config cfg2 = cfg;
			cfg2.trace_ctx = tr2;
			pred_trace_init(tr2);
			if (sim_run(&psc2, &cfg2, &pred2, err, sizeof(err))) {
				free(tr2);
				tr2 = NULL;
			}
			run_result_free(&pred2);
		} else {
			free(tr2);
			tr2 = NULL;
		}
		free(ev2);
	}
	const struct pred_trace *tm = tr2 ? tr2 : tr;

	FILE *f = stdout;
	struct diff d = { .f = f };
	fprintf(f, "diff: %s\n  prediction: hvsim %s@%s (cpu.rtm %d, cpu.bus_lock %d%s)\n", o.file, pred.policy,
		pred.vendor, ref_rtm, ref_bl, tcg ? ", decode_assists off" : "");
	if (!tcg) {
		timing_bad = translate_events(&img, tr, f);
		img.spec.timeout_ms = (o.timeout_s ? o.timeout_s : 10) * 1000u;
		if (kvm_image_run(&img, out, snap_memory, &ms)) {
			fprintf(stderr, "hvsim: %s: %s\n", out->error_kind == KVM_ERR_INTERNAL ? "KVM reference failed"
				: "skipped: KVM reference unavailable", out->error);
			rc = err_status(out->error_kind);
			goto done;
		}
		mod = out->r.module;
		fprintf(f, "  reference: /dev/kvm, module %s\n", kvm_module_name(mod));
	} else {
		fprintf(f, "  reference: kvm-amd-tcg (real kvm_amd under QEMU TCG, kernel %s), cached %s\n",
			out->kernel, cache_path);
		timing_bad = img.nev ? 1 : 0;
	}
	unsigned where = 1u << mod;
	if (tcg)
		where |= MOD_TCG;
	if ((where & MOD_PVM) && (ref_rtm != sc->cpu_rtm || ref_bl != sc->cpu_bus_lock))
		note_known(&d, "pvm-cpuid-leaf7", NULL);
	if (tcg && sc->decode_assists)
		note_known(&d, "tcg-no-decode-assists", NULL);
	if ((where & MOD_PVM) && img.spec.mode == 32 && out->r.stop == KVM_STOP_EMULATION &&
	    image_byte(&img, out->r.rip) == 0xCF) {
		char extra[64];
		snprintf(extra, sizeof(extra), "IRET at 0x%" PRIx64, out->r.rip);
		note_known(&d, "pvm-iret32", extra);
		fprintf(f, "hvsim: skipped: the reference could not complete the run; nothing compared\n");
		rc = HVSIM_EXIT_SKIP;
		goto done;
	}

	/* Guest-delivered #DBs of the prediction, in order: log[i] is the i-th. */
	const struct db_record *gdb[KVM_LOG_MAX];
	size_t ngdb = 0;
	for (size_t i = 0; i < pred.ndb && ngdb < KVM_LOG_MAX; i++)
		if (!pred.db[i].host && pred.db[i].outcome != DB_MISSED)
			gdb[ngdb++] = &pred.db[i];
	/* pvm-data-bp / tcg-no-gd: the reference is expected to lack the #DBs of
	 * one cause (data breakpoints / general detect). */
	bool data_dbs = false, gd_dbs = false;
	for (size_t i = 0; i < ngdb; i++) {
		data_dbs |= gdb[i]->cause && !strcmp(gdb[i]->cause, "data");
		gd_dbs |= gdb[i]->cause && !strcmp(gdb[i]->cause, "gd");
	}
	const char *drop_cause = (where & MOD_PVM) && data_dbs ? "data" : tcg && gd_dbs ? "gd" : NULL;
	const char *drop_id = drop_cause && !strcmp(drop_cause, "data") ? "pvm-data-bp" : "tcg-no-gd";
	const char *log_known = NULL;
	/* Without the log convention the explanation cannot be checked entry by
	 * entry: differences are still shown, labelled as such. */
	const char *data_unverified = data_dbs && (where & MOD_PVM) ? "pvm-data-bp (unverified)" : NULL;
	if (data_unverified && !img.has_log)
		note_known(&d, "pvm-data-bp", "the scenario has no `count`/`log` symbols: the "
			   "explanation is not checked entry by entry");

	fprintf(f, "  %-30s %-20s %-20s %s\n", "field", "predicted", "measured", "verdict");
	row(&d, "guest.stop", engine_stop_name(pred.stop), engine_stop_name(map_stop(out->r.stop)), NULL);
	rowu(&d, "guest.rip", true, pred.guest_rip, true, out->r.rip, NULL, true);

	/* The guest's own #DB log. */
	uint64_t pcount = 0;
	bool have_pcount = img.has_count && sim_word(&pred, img.sym_count, &pcount);
	size_t pn = have_pcount ? (size_t)pcount : 0;
	if (img.has_log_end && img.sym_log_end > img.sym_log && (img.sym_log_end - img.sym_log) / 8 < pn)
		pn = (size_t)((img.sym_log_end - img.sym_log) / 8);
	if (pn > KVM_LOG_MAX)
		pn = KVM_LOG_MAX;
	uint64_t *plog = calloc(KVM_LOG_MAX, 8), *prip = calloc(KVM_LOG_MAX, 8);
	if (!plog || !prip) {
		free(plog);
		free(prip);
		rc = HVSIM_EXIT_INTERNAL;
		goto done;
	}
	for (size_t i = 0; i < pn; i++) {
		if (!img.has_log || !sim_word(&pred, img.sym_log + 8 * i, &plog[i]))
			plog[i] = 0;
		if (!img.has_riplog || !sim_word(&pred, img.sym_riplog + 8 * i, &prip[i]))
			prip[i] = 0;
	}
	if (img.has_log && drop_cause && pn == ngdb) {
		/* Is the measured log the predicted one without those #DBs? */
		size_t j = 0;
		bool same = true;
		for (size_t i = 0; i < pn && same; i++) {
			if (gdb[i]->cause && !strcmp(gdb[i]->cause, drop_cause))
				continue;
			same = j < out->nlog && out->log[j] == plog[i] &&
			       (!img.has_riplog || out->riplog[j] == prip[i]);
			j++;
		}
		if (same && j == out->nlog && out->count == j) {
			char extra[96];
			snprintf(extra, sizeof(extra), "%zu %s #DBs predicted, none measured", pn - j, drop_cause);
			note_known(&d, drop_id, extra);
			log_known = drop_id;
		}
	}
	/* tcg-vmrun-dr7-no-bp-insert: the execute-breakpoint #DBs that the TCG
	 * model says QEMU cannot raise (no CPU breakpoint inserted at that
	 * address when the guest got there).  Attributed only when the measured
	 * log is exactly the predicted one without them (or, without a `log`,
	 * the count is the predicted count less them). */
	size_t tcg_miss = 0;
	if (tcg && !drop_cause && !tm->uncertain && tm->ndb == ngdb && have_pcount && pcount == ngdb)
		for (size_t i = 0; i < ngdb; i++)
			tcg_miss += !tm->db_tcg_ok[i];
	if (tcg_miss && out->count == pcount - tcg_miss) {
		bool same = true;
		size_t j = 0;
		for (size_t i = 0; img.has_log && i < pn && same; i++) {
			if (!tm->db_tcg_ok[i])
				continue;
			same = j < out->nlog && out->log[j] == plog[i] &&
			       (!img.has_riplog || out->riplog[j] == prip[i]);
			j++;
		}
		if (same && (!img.has_log || j == out->nlog)) {
			char extra[200];
			snprintf(extra, sizeof(extra), "%zu of %zu execute-breakpoint #DBs predicted where TCG had no "
				 "breakpoint inserted, none of them measured, the other %zu all measured%s", tcg_miss,
				 (size_t)pcount, (size_t)pcount - tcg_miss, img.has_log ? "" : " (by count: no `log`)");
			note_known(&d, "tcg-vmrun-dr7-no-bp-insert", extra);
			log_known = "tcg-vmrun-dr7-no-bp-insert";
		}
	}
	if (img.has_count)
		rowu(&d, "log.count", have_pcount, pcount, true, out->count, log_known, false);
	if (img.has_log) {
		size_t n = pn > out->nlog ? pn : out->nlog;
		char name[48];
		for (size_t i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "log[%zu].dr6", i);
			rowu(&d, name, i < pn, plog[i], i < out->nlog, out->log[i], log_known, true);

			if (img.has_riplog) {
				snprintf(name, sizeof(name), "log[%zu].rip", i);
				rowu(&d, name, i < pn, prip[i], i < out->nlog, out->riplog[i], log_known, true);
			}
		}
	}
	for (size_t i = 0; img.has_res && i < out->nres; i++) {
		uint64_t v = 0;
		char name[48];
		snprintf(name, sizeof(name), "res[%zu]", i);
		bool hp = sim_word(&pred, img.sym_res + 8 * i, &v);
		rowu(&d, name, hp, v, true, out->res[i], hp ? bit_known(&d, tcg, gd_dbs, v, out->res[i]) : NULL, true);
	}
	static const int drn[6] = { 0, 1, 2, 3, 6, 7 };
	const uint64_t mdr[6] = { out->r.db[0], out->r.db[1], out->r.db[2], out->r.db[3], out->r.dr6, out->r.dr7 };
	for (int i = 0; i < 6; i++) {
		char name[48];
		snprintf(name, sizeof(name), "dr.final.guest.dr%d", drn[i]);
		rowu(&d, name, true, pred.guest_dr[drn[i]], true, mdr[i],
		     bit_known(&d, tcg, gd_dbs, pred.guest_dr[drn[i]], mdr[i]), true);
	}
	/* Guest memory the scenario's expectations look at (mem.ADDR.SIZE). */
	if (!tcg) {
		char (*seen)[80] = calloc(sc->nexpects + 1, 80);
		size_t nseen = 0;
		for (size_t i = 0; seen && i < sc->nexpects; i++) {
			char path[80];
			if (!mem_path(sc, sc->expects[i].field, path, sizeof(path)))
				continue;
			bool dup = false;
			for (size_t j = 0; j < nseen; j++)
				dup |= !strcmp(seen[j], path);
			if (dup)
				continue;
			snprintf(seen[nseen++], 80, "%s", path);
			uint64_t pv = 0, mv = 0;
			bool hp = result_field(&pred, path, &pv, NULL) == 0;
			bool hm = result_field(&meas, path, &mv, NULL) == 0;
			rowu(&d, path, hp, pv, hm, mv, log_known ? log_known : data_unverified, true);
		}
		free(seen);
	}
	if (img.nbp || img.nev) {
		if (timing_bad)
			note_known(&d, "host-event-timing", NULL);
		rowu(&d, "db.host.delivered", true, pred.st.db_host_delivered, true, out->r.host_bp_hits_total,
		     timing_bad ? "host-event-timing" : NULL, false);
	}

	/* Exit counts: only where the reference is real VMX/SVM. */
	uint64_t pc[NCAT] = { 0 };
	for (unsigned i = 0; i < EXIT_SLOTS; i++)
		if (pred.st.exits[i].count) {
			const char *nm = pred.exit_names && i < pred.nexit_names ? pred.exit_names[i] : NULL;
			/* Reference 2 counts INTR/VINTR/NPF as noise (tcg-noise); a
			 * predicted one (the SVM budget-end INTR) is not compared either:
			 * the reference run ends at the runner's timeout instead. */
			if (tcg && nm && (!strcmp(nm, "intr") || !strcmp(nm, "vintr") || !strcmp(nm, "npf"))) {
				fprintf(f, "  noise: %" PRIu64 " x predicted exit %s, not compared (tcg-noise)\n",
					pred.st.exits[i].count, nm);
				note_known(&d, "tcg-noise", NULL);
				continue;
			}
			pc[nm ? sim_cat(nm) : CAT_OTHER] += pred.st.exits[i].count;
		}
	if (tcg) {
		uint64_t mc[NCAT] = { 0 }, noise = 0;
		for (unsigned i = 0; i < out->nexits; i++) {
			const char *nz = NULL;
			int cat = svm_code_cat(out->exits[i].code, &nz);
			if (cat < 0) {
				fprintf(f, "  noise: %" PRIu64 " x exit 0x%x %s, subtracted\n", out->exits[i].count,
					out->exits[i].code, nz);
				noise += out->exits[i].count;
			} else {
				uint64_t ind = out->exits[i].induced <= out->exits[i].count ? out->exits[i].induced : 0;
				mc[cat] += out->exits[i].count - ind;
				if (ind) {
					fprintf(f, "  noise: %" PRIu64 " x exit 0x%x re-armed by a noise exit inside a "
						   "WONT_EXIT window (kvm:kvm_exit order), subtracted\n", ind,
						out->exits[i].code);
					noise += ind;
				}
			}
		}
		if (noise)
			note_known(&d, "tcg-noise", NULL);
		/* A general-detect #DB that TCG does not raise changes the exits that
		 * follow; that cannot be checked count by count. */
		bool tcg_bp = log_known && !strcmp(log_known, "tcg-vmrun-dr7-no-bp-insert");
		for (int k = 0; k < NCAT; k++) {
			const char *kn = gd_dbs && pc[k] != mc[k] ? gd_note(&d) : NULL;
			/* each #DB TCG did not raise is one #DB intercept exit fewer
			 * (checked); what its handler would have done is not */
			if (tcg_bp && k == CAT_DB && mc[k] + tcg_miss == pc[k])
				kn = "tcg-vmrun-dr7-no-bp-insert";
			else if (tcg_bp && pc[k] != mc[k])
				kn = "tcg-vmrun-dr7-no-bp-insert (unverified)";
			rowu(&d, cat_names[k], true, pc[k], true, mc[k], kn, false);
		}
	} else if (mod == KVM_MODULE_INTEL || mod == KVM_MODULE_AMD) {
		uint64_t io = 0, hlt = 0;
		kvm_ref_stat(&out->r, "io_exits", &io);
		kvm_ref_stat(&out->r, "halt_exits", &hlt);
		rowu(&d, cat_names[CAT_IO], true, pc[CAT_IO], true, io, NULL, false);
		rowu(&d, cat_names[CAT_HLT], true, pc[CAT_HLT], true, hlt, NULL, false);
		fprintf(f, "  (MOV-DR and #DB exits are not in KVM's statistics: use --ref kvm-amd-tcg)\n");
	} else {
		fprintf(f, "  exits: not compared: the module behind /dev/kvm is %s, not kvm_intel/kvm_amd "
			   "(its exits say nothing about VMX/SVM)\n", kvm_module_name(mod));
	}
	free(plog);
	free(prip);
	fprintf(f, "SUMMARY: %u fields compared, %u equal, %u known divergences, %u unexplained differences\n",
		d.compared, d.equal, d.known, d.unexplained);
	rc = d.unexplained ? HVSIM_EXIT_FAIL : HVSIM_EXIT_OK;
done:
	run_result_free(&pred);
	run_result_free(&meas);
	free(out);
	free(tr);
	free(tr2);
	scenario_free(sc);
	return rc;
}
