/* run.c - run one scenario under one policy on one vendor: build the
 * machine, run the vCPU loop (below), replay the host's activity between
 * exits, collect the result. */
#include "sim/run.h"
#include "debugreg/hv.h"
#include "debugreg/policy.h"
#include "debugreg/policy_names.h"
#include "sim/expect.h"
#include "sim/machine.h"
#include "sim/reuse.h"
#include "sim/util/util.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BUDGET 10000000ull
#define DEFAULT_STACK_TOP 0x00F00000ull
#define DEFAULT_STACK_SIZE 0x10000ull

struct run_ctx {
	const struct scenario *sc;
	struct cpu cpu;
	struct cost_model cost;
	struct engine *guest;
	bool reused;                       /* guest is a kept engine (sim/reuse.h): its memory image is built */
	bool no_reuse;                     /* run_config.no_reuse: fresh engines, none kept */
	struct engine *kept_vcpu[REUSE_MAX_VCPUS];   /* kept engines of vCPUs 1.. (build_vcpu takes them) */
	struct engine *host;               /* host context (snippets, touches, host tasks) or NULL */
	const struct hv_vendor *vendor;
	void *v;                           /* vendor vCPU (of the vCPU whose slice runs) */
	int pending[64];                   /* host snippets to run at the pause */
	unsigned npending;
	struct machine m;                  /* the host world: CPUs, tasks, scheduler (sim/machine.c) */
};

/* The vCPU whose slice runs now becomes r->guest / r->v. */
static void select_vcpu(struct run_ctx *r, int i)
{
	if (i < 0)
		return;
	r->guest = r->m.vcpu[i].eng;
	r->v = r->m.vcpu[i].v;
}

/* The CPU the current vCPU thread is on. */
static struct cpu *vcpu_cpu(struct run_ctx *r)
{
	int c = r->m.cur >= 0 ? machine_vcpu_cpu(&r->m, r->m.cur) : 0;
	return r->m.pcpu[c >= 0 ? c : 0].cpu;
}

static void host_event(struct run_ctx *r, const struct host_event *ev)
{
	struct cpu *c = vcpu_cpu(r);
	c->st.host_events++;
	switch (ev->action) {
	case HOST_INSTALL_BP:
		machine_install(&r->m, &ev->bp, ev->cpus, ev->from);
		cpu_event(c, EV_HOST, 1, ev->bp.addr, 0, "install");
		break;
	case HOST_REMOVE_BP:
		machine_remove(&r->m, ev->slot, ev->cpus, ev->from);
		cpu_event(c, EV_HOST, 2, (uint64_t)ev->slot, 0, "remove");
		break;
	case HOST_TOUCH:
		machine_touch(&r->m, ev->addr, ev->size, ev->write);
		break;
	case HOST_RUN:
		if (r->npending < sizeof(r->pending) / sizeof(r->pending[0]))
			r->pending[r->npending++] = ev->snippet;
		engine_request_pause(r->guest);
		break;
	case HOST_SET_CR3:
		/* KVM_SET_SREGS between two KVM_RUNs (seed 001 regcache). */
		if (r->vendor->set_cr3)
			r->vendor->set_cr3(r->v, ev->cr3);
		cpu_event(c, EV_HOST, 4, ev->cr3, 0, "set_cr3");
		break;
	}
}

static void after_exit(void *ctx, uint64_t exit_no)
{
	struct run_ctx *r = ctx;
	const struct scenario *sc = r->sc;
	int vcpu = r->m.cur >= 0 ? r->m.cur : 0;
	for (size_t i = 0; i < sc->host.nevents; i++)
		if (sc->host.events[i].vcpu == vcpu && host_event_after_exit(&sc->host.events[i], exit_no))
			host_event(r, &sc->host.events[i]);
	machine_after_exit(&r->m, exit_no);
}

static void run_snippets(struct run_ctx *r)
{
	for (unsigned i = 0; i < r->npending; i++) {
		const struct host_snippet *sn = &r->sc->host.snippets[r->pending[i]];
		machine_host_context(&r->m);
		cpu_event(vcpu_cpu(r), EV_HOST, 0, sn->code.base, 0, sn->name);
		/* each snippet run gets the guest's instruction budget: a snippet
		 * that never reaches its end (`jmp $`) is a host_snippet_failed
		 * violation, not a hang (found by fuzz_scenario running what it
		 * loads, issue 15) */
		engine_set_budget(r->host, engine_instructions(r->host) +
				  (r->sc->guest.max_instructions ? r->sc->guest.max_instructions : DEFAULT_BUDGET), 0);
		enum engine_stop s = engine_run(r->host, sn->code.base);
		if (s != STOP_HALT)
			engine_violation(r->guest, sn->code.base, -1, "host_snippet_failed",
					 "host snippet %s: %s", sn->name, engine_stop_message(r->host));
	}
	r->npending = 0;
}

/* "unknown knob 'x' (did you mean 'y'?); knobs: a, b, ... (see 'hvsim list knobs')" */
static void knob_hint(const char *knob, char *buf, size_t n)
{
	struct util_near near;
	char hint[96];
	util_near_init(&near, knob, strlen(knob));
	for (unsigned i = 0; i < policy_knob_count(); i++)
		util_near_offer(&near, policy_knob_name(i));
	size_t len = (size_t)snprintf(buf, n, "unknown knob '%s'%s; knobs:", knob, util_near_hint(&near, hint, sizeof(hint)));
	for (unsigned i = 0; i < policy_knob_count() && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s %s", i ? "," : "", policy_knob_name(i));
	if (len < n)
		snprintf(buf + len, n - len, " (see 'hvsim list knobs')");
}

int sim_resolve_policy(const struct scenario *sc, const char *name, struct policy *out, char *err, size_t errsize)
{
	char hint[200];
	for (size_t i = 0; i < sc->nvariants; i++) {
		const struct variant *va = &sc->variants[i];
		if (strcmp(va->name, name))
			continue;
		const struct policy *base = va->base ? policy_find(va->base) : NULL;
		if (!base) {
			snprintf(err, errsize, "%s:%d:%d: variant %s: unknown base policy '%s' %s", sc->path,
				 va->pos.line, va->pos.col, va->name, va->base ? va->base : "",
				 expect_policy_hint(NULL, va->base ? va->base : "", hint, sizeof(hint)));
			return -1;
		}
		*out = *base;
		snprintf(out->name, sizeof(out->name), "%s", va->name);
		for (size_t k = 0; k < va->nknobs; k++) {
			char kerr[600];
			int krc = policy_set_knob(out, va->knobs[k].name, va->knobs[k].value, kerr, sizeof(kerr));
			if (krc == -1)
				knob_hint(va->knobs[k].name, kerr, sizeof(kerr));
			if (krc) {
				snprintf(err, errsize, "%s:%d:%d: variant %s: %s", sc->path, va->knobs[k].pos.line,
					 va->knobs[k].pos.col, va->name, kerr);
				return -1;
			}
		}
		return 0;
	}
	const struct policy *p = policy_find(name);
	if (!p) {
		int line = 0, col = 0;
		for (size_t i = 0; i < sc->npolicies; i++)
			if (!strcmp(sc->policies[i], name) && sc->policy_pos) {
				line = sc->policy_pos[i].line;
				col = sc->policy_pos[i].col;
			}
		snprintf(err, errsize, "%s:%d:%d: unknown policy '%s' %s", sc->path ? sc->path : "-", line, col, name,
			 expect_policy_hint(sc, name, hint, sizeof(hint)));
		return -1;
	}
	/* A deprecated name still runs; say once per process what it is now. */
	static atomic_bool alias_noted;
	const char *note = policy_alias_note(name);
	if (note && !atomic_exchange(&alias_noted, true)) {
		fprintf(stderr, "hvsim: note: %s\n", note);
	}
	*out = *p;
	return 0;
}

/* A model by name or file, NAME+nomitig included: the one resolution of
 * --cost and cpu.model.  `where` prefixes a bad name ("hvsim: --cost" or
 * "FILE:L:C: cpu.model"). */
static int load_model(const char *model, const char *where, const char *kernel, struct cost_model *m, char *err,
		      size_t errsize)
{
	char path[4096], nerr[1200], stem[256];
	/* "NAME+nomitig": the model with its mitig.* entries off */
	const char *plus = model ? strstr(model, "+nomitig") : NULL;
	bool nomitig = plus && !plus[8];
	if (nomitig) {
		snprintf(stem, sizeof(stem), "%.*s", (int)(plus - model), model);
		model = stem;
	}
	if (cost_check_name(model, nerr, sizeof(nerr))) {
		snprintf(err, errsize, "%s: %s", where, nerr);
		return -1;
	}
	cost_model_path(model, path, sizeof(path));
	if (cost_load(path, m, err, errsize))
		return -1;
	cost_select_kernel(m, kernel);         /* before +nomitig: mitigations stay off */
	if (nomitig) {
		cost_mitigations_off(m);
		size_t l = strlen(m->name);
		if (l + 8 < sizeof(m->name))
			memcpy(m->name + l, "+nomitig", 9);
	}
	return 0;
}

int sim_load_cost_model(const char *model, struct cost_model *m, char *err, size_t errsize)
{
	return load_model(model, "hvsim: --cost", NULL, m, err, errsize);
}

int sim_load_cost(const struct scenario *sc, const char *override, const char *kernel, struct cost_model *m,
		  char *err, size_t errsize)
{
	char where[600];
	/* a scenario's cpu.model has a position; --cost has none */
	if (override)
		snprintf(where, sizeof(where), "hvsim: --cost");
	else
		snprintf(where, sizeof(where), "%s:%d:%d: cpu.model", sc->path ? sc->path : "-", sc->cost_model_pos.line,
			 sc->cost_model_pos.col);
	if (load_model(override ? override : sc->cost_model, where, kernel, m, err, errsize))
		return -1;
	for (size_t i = 0; i < sc->ncosts; i++)
		if (cost_set(m, sc->costs[i].name, sc->costs[i].value)) {
			snprintf(err, errsize, "%s:%d:%d: unknown cost entry '%s' (see 'hvsim list costs')",
				 sc->path, sc->costs[i].pos.line, sc->costs[i].pos.col, sc->costs[i].name);
			return -1;
		}
	return 0;
}

unsigned sim_cost_vendor_bit(enum vendor v)
{
	/* an Arm run is priced with the vmx.* entries (hvsim has no Arm cost
	 * model: docs/kvm-arm.md, "Cycles"), so it needs a model for vmx */
	return v == VENDOR_VMX || v == VENDOR_ARM ? 1u : v == VENDOR_SVM ? 2u : 0u;
}

bool sim_cost_applies(const struct cost_model *m, enum vendor v)
{
	unsigned bit = sim_cost_vendor_bit(v);
	return !bit || (m->vendors & bit);
}

/* A model whose @vendor excludes the run's vendor prices none of that
 * vendor's transitions (its vmx.* or svm.* entries are 0, "not
 * applicable"): a run under it would report cycles that look measured and
 * are not.  Refused, as a bad cost model is (docs/cost-models.md, "A model
 * and its vendor"). */
int sim_cost_check_vendor(const struct scenario *sc, const char *override, const struct cost_model *m,
			  enum vendor v, char *err, size_t errsize)
{
	if (sim_cost_applies(m, v))
		return 0;
	const char *mv = m->vendors == 1 ? "vmx" : "svm", *rv = scenario_vendor_name(v);
	if (v == VENDOR_ARM) {
		if (override)
			snprintf(err, errsize, "hvsim: --cost %s: the model is for %s (@vendor %s) and cannot price an arm run "
				 "(Arm runs are priced with the vmx.* entries, docs/kvm-arm.md); use a vmx model ('hvsim "
				 "list costs')", m->name, mv, mv);
		else
			snprintf(err, errsize, "%s:%d:%d: cpu.model: '%s' is for %s (@vendor %s) and cannot price an arm run "
				 "(Arm runs are priced with the vmx.* entries, docs/kvm-arm.md); use a vmx model ('hvsim "
				 "list costs')", sc->path ? sc->path : "-", sc->cost_model_pos.line, sc->cost_model_pos.col,
				 m->name, mv, mv);
		return -1;
	}
	if (override)
		snprintf(err, errsize, "hvsim: --cost %s: the model is for %s (@vendor %s) and cannot price a %s run "
			 "(its %s.* entries are 0); use a %s model ('hvsim list costs') or --vendor %s", m->name, mv, mv,
			 rv, rv, rv, mv);
	else
		snprintf(err, errsize, "%s:%d:%d: cpu.model: '%s' is for %s (@vendor %s) and cannot price a %s run "
			 "(its %s.* entries are 0); use a %s model ('hvsim list costs') or vendor: %s",
			 sc->path ? sc->path : "-", sc->cost_model_pos.line, sc->cost_model_pos.col, m->name, mv, mv, rv,
			 rv, rv, mv);
	return -1;
}

/* guest.user (scenarios/README.md): the descriptor tables a kernel needs
 * to run code at CPL 3 and take exceptions back to CPL 0 (SDM Vol.3 3.4.5
 * segment descriptors, 5.2.1 code-segment descriptors in 64-bit mode, 8.2
 * the 32-bit TSS, 8.2.3 "TSS Descriptor in 64-bit mode", 8.7 64-bit TSS),
 * Linux's order so that SYSCALL/SYSRET's STAR layout fits (STAR[47:32] =
 * 0x08: SYSCALL loads CS 0x08, SS 0x10; STAR[63:48] = 0x10: SYSRET loads
 * CS 0x20 | 3, SS 0x18 | 3):
 *   0x08 kernel code (DPL 0)           0x10 kernel data/stack (DPL 0)
 *   0x1B user data/stack (DPL 3)       0x23 user code (DPL 3)
 *   0x28 TSS, available
 * 64-bit guests: L code segments, a 64-bit TSS (16-byte descriptor) at
 * tables + 0x40 with RSP0 = the initial kernel RSP.  32-bit guests: 32-bit
 * (D) code segments, a 32-bit TSS with ESP0 and SS0 = 0x10.  Neither TSS
 * has an I/O permission bitmap (its offset is the TSS limit + 1).  Then
 * CS = 0x08, SS = 0x10 and an IRET frame (SS 0x1B, RSP user.stack, RFLAGS
 * 0x2, CS 0x23, RIP user.entry; 8 or 4 bytes each) is pushed below RSP0:
 * the kernel's first IRETQ/IRETD goes to CPL 3. */
static int build_user(struct run_ctx *r, char *err, size_t errsize)
{
	const struct scenario *sc = r->sc;
	bool m64 = sc->guest.mode != 32;
	uint64_t t = sc->guest.user_tables, tss = t + 0x40, rsp0 = engine_rsp(r->guest);
	uint64_t gdt[7] = {
		0,
		m64 ? 0x00AF9B000000FFFFull : 0x00CF9B000000FFFFull,   /* P, DPL 0, code exec/read, L or D */
		0x00CF93000000FFFFull,                                 /* P, DPL 0, data read/write, G, B */
		0x00CFF3000000FFFFull,                                 /* P, DPL 3, data read/write */
		m64 ? 0x00AFFB000000FFFFull : 0x00CFFB000000FFFFull,   /* P, DPL 3, code exec/read, L or D */
		0x0000890000000067ull | (tss & 0xFFFFFFull) << 16 | ((tss >> 24) & 0xFF) << 56,
		tss >> 32,                                             /* 64-bit: upper half of the TSS descriptor */
	};
	uint8_t tssb[0x68];
	memset(tssb, 0, sizeof(tssb));
	if (m64) {
		memcpy(tssb + 4, &rsp0, 8);
	} else {
		uint32_t esp0 = (uint32_t)rsp0;
		uint16_t ss0 = 0x10;
		memcpy(tssb + 4, &esp0, 4);
		memcpy(tssb + 8, &ss0, 2);
	}
	uint16_t iomap = sizeof(tssb);
	memcpy(tssb + 0x66, &iomap, 2);
	uint64_t frame64[5] = { sc->guest.user_entry, 0x23, 0x2, sc->guest.user_stack, 0x1B };
	uint32_t frame32[5] = { (uint32_t)sc->guest.user_entry, 0x23, 0x2, (uint32_t)sc->guest.user_stack, 0x1B };
	size_t fsize = m64 ? sizeof(frame64) : sizeof(frame32);
	if (!r->reused &&
	    (engine_mem_write(r->guest, t, gdt, m64 ? sizeof(gdt) : sizeof(gdt) - 8) ||
	     engine_mem_write(r->guest, tss, tssb, sizeof(tssb)) ||
	     engine_mem_write(r->guest, rsp0 - fsize, m64 ? (const void *)frame64 : (const void *)frame32, fsize))) {
		snprintf(err, errsize, "%s:%d:%d: guest.user: the kernel stack below 0x%llx is not mapped",
			 sc->path, sc->guest.user_pos.line, sc->guest.user_pos.col, (unsigned long long)rsp0);
		return -1;
	}
	engine_set_gpr(r->guest, 4, rsp0 - fsize);
	engine_set_segments(r->guest, t, (uint16_t)((m64 ? sizeof(gdt) : sizeof(gdt) - 8) - 1), 0x28, tss,
			    sizeof(tssb) - 1, 0x08, 0x10);
	return 0;
}

/* Initial registers of a vCPU: guest.regs, then its own guest.vcpus[i].regs. */
static int set_regs(struct run_ctx *r, struct engine *e, const struct reg_init *regs, size_t n, char *err,
		    size_t errsize)
{
	const struct scenario *sc = r->sc;
	for (size_t i = 0; i < n; i++)
		if (engine_reg_by_name(e, regs[i].name, regs[i].value)) {
			snprintf(err, errsize, "%s:%d:%d: register '%s' does not exist in %d-bit mode", sc->path,
				 regs[i].pos.line, regs[i].pos.col, regs[i].name, sc->guest.mode);
			return -1;
		}
	return 0;
}

static bool regs_have_rsp(const struct reg_init *regs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(regs[i].name, "rsp") || !strcmp(regs[i].name, "esp"))
			return true;
	return false;
}

/* vCPU i's default stack top: the default stack region split between the
 * vCPUs (an SMP guest), all of it for a single vCPU. */
static uint64_t stack_top(const struct scenario *sc, size_t i)
{
	size_t n = sc->guest.nvcpus ? sc->guest.nvcpus : 1;
	return DEFAULT_STACK_TOP - i * (DEFAULT_STACK_SIZE / n);
}

/* vCPU i >= 1 of an SMP guest: a guest engine of its own on vCPU 0's memory. */
static struct engine *build_vcpu(struct run_ctx *r, size_t i, char *err, size_t errsize)
{
	const struct scenario *sc = r->sc;
	const struct vcpu_spec *v = &sc->guest.vcpus[i];
	struct engine *e = i < REUSE_MAX_VCPUS ? r->kept_vcpu[i] : NULL;
	bool kept = e != NULL;
	if (kept)
		r->kept_vcpu[i] = NULL;           /* vCPU 0's memory, mapped already */
	else
		e = engine_new(&r->cpu, sc->guest.mode ? sc->guest.mode : 64, false, err, errsize);
	if (!e)
		return NULL;
	if (!kept && engine_map_like(e, r->guest)) {
		snprintf(err, errsize, "%s:%d:%d: guest.vcpus[%zu]: cannot map the guest's memory", sc->path,
			 v->pos.line, v->pos.col, i);
		engine_free(e);
		return NULL;
	}
	if (!regs_have_rsp(sc->guest.regs, sc->guest.nregs) && !regs_have_rsp(v->regs, v->nregs))
		engine_reg_by_name(e, sc->guest.mode == 32 ? "esp" : "rsp", stack_top(sc, i));
	if (set_regs(r, e, sc->guest.regs, sc->guest.nregs, err, errsize) ||
	    set_regs(r, e, v->regs, v->nregs, err, errsize)) {
		engine_free(e);
		return NULL;
	}
	engine_set_rip(e, v->entry);
	engine_set_budget(e, sc->guest.max_instructions ? sc->guest.max_instructions : DEFAULT_BUDGET,
			  sc->guest.max_cycles);
	if (!kept && !r->no_reuse)
		engine_snapshot(e);
	return e;
}

/* The guest engine (vCPU 0): a kept one for the same guest (its memory
 * image already built, sim/reuse.h; an SMP guest's other vCPUs' kept ones
 * wait in kept_vcpu for build_vcpu), else a fresh one whose memory is
 * mapped and written here and then snapshotted for the runs after; the
 * registers are set either way. */
static int build_guest(struct run_ctx *r, bool precise, bool no_reuse, char *err, size_t errsize)
{
	const struct scenario *sc = r->sc;
	struct engine *v[REUSE_MAX_VCPUS];
	unsigned nv = no_reuse ? 0 : reuse_take_guest(sc, precise, &r->cpu, v);
	r->no_reuse = no_reuse;
	r->guest = nv ? v[0] : NULL;
	for (unsigned i = 1; i < nv; i++)
		r->kept_vcpu[i] = v[i];
	r->reused = r->guest != NULL;
	if (!r->guest)
		r->guest = engine_new(&r->cpu, sc->guest.mode ? sc->guest.mode : 64, false, err, errsize);
	if (!r->guest)
		return -1;
	if (sc->guest.nvcpus > 1)
		engine_share_memory(r->guest);        /* the other vCPUs map the same pages */
	const struct code_block *cb = &sc->guest.code;
	if (!r->reused && engine_map(r->guest, cb->base, cb->size, cb->bytes, cb->size)) {
		snprintf(err, errsize, "%s:%d:%d: cannot map guest code at 0x%llx", sc->path, cb->pos.line,
			 cb->pos.col, (unsigned long long)cb->base);
		return -1;
	}
	for (size_t i = 0; i < sc->guest.ndata; i++) {
		const struct data_region *d = &sc->guest.data[i];
		if (!r->reused && engine_map(r->guest, d->addr, d->size, d->bytes, d->nbytes)) {
			snprintf(err, errsize, "%s:%d:%d: cannot map guest data at 0x%llx", sc->path,
				 d->pos.line, d->pos.col, (unsigned long long)d->addr);
			return -1;
		}
	}
	bool has_rsp = regs_have_rsp(sc->guest.regs, sc->guest.nregs);
	bool stack_needed = !has_rsp;
	if (sc->guest.nvcpus) {
		stack_needed = false;
		for (size_t i = 0; i < sc->guest.nvcpus; i++)
			stack_needed |= !has_rsp && !regs_have_rsp(sc->guest.vcpus[i].regs, sc->guest.vcpus[i].nregs);
	}
	if (stack_needed && !r->reused)
		/* A default stack for exception frames, below 16 MiB. */
		engine_map(r->guest, DEFAULT_STACK_TOP - DEFAULT_STACK_SIZE, DEFAULT_STACK_SIZE, NULL, 0);
	if (!has_rsp)
		engine_reg_by_name(r->guest, sc->guest.mode == 32 ? "esp" : "rsp", stack_top(sc, 0));
	if (set_regs(r, r->guest, sc->guest.regs, sc->guest.nregs, err, errsize) ||
	    (sc->guest.nvcpus && set_regs(r, r->guest, sc->guest.vcpus[0].regs, sc->guest.vcpus[0].nregs, err, errsize)))
		return -1;
	if (sc->guest.has_user && build_user(r, err, errsize))
		return -1;
	engine_set_rip(r->guest, sc->guest.nvcpus ? sc->guest.vcpus[0].entry
						  : sc->guest.entry ? sc->guest.entry : cb->base);
	engine_set_budget(r->guest, sc->guest.max_instructions ? sc->guest.max_instructions : DEFAULT_BUDGET,
			  sc->guest.max_cycles);
	if (!r->reused && !no_reuse)
		engine_snapshot(r->guest);                 /* (out of memory: not kept) */
	return 0;
}

/* Host code runs only for host snippets and the host's data accesses
 * (`touch` events, host tasks): without them, no host engine is made
 * (issue 16: a Unicorn engine costs ~1 M host instructions to make and free,
 * as much as a short run), and nothing that needs one happens. */
static bool needs_host(const struct scenario *sc)
{
	if (sc->host.nsnippets || sc->host.ntasks)
		return true;
	for (size_t i = 0; i < sc->host.nevents; i++)
		if (sc->host.events[i].action == HOST_TOUCH)
			return true;
	return false;
}

static int build_host(struct run_ctx *r, bool no_reuse, char *err, size_t errsize)
{
	const struct scenario *sc = r->sc;
	if (!needs_host(sc))
		return 0;
	r->host = no_reuse ? NULL : reuse_take_host(sc, &r->cpu);
	if (r->host) {                        /* kept: its memory is as built below */
		engine_reg_by_name(r->host, "rsp", 0x7FF0F000ull);
		engine_set_budget(r->host, 0, 0);
		return 0;
	}
	r->host = engine_new(&r->cpu, 64, true, err, errsize);
	if (!r->host)
		return -1;
	engine_map(r->host, 0x7FF00000ull, 0x10000, NULL, 0);      /* host stack */
	engine_reg_by_name(r->host, "rsp", 0x7FF0F000ull);
	for (size_t i = 0; i < sc->host.nsnippets; i++) {
		const struct code_block *cb = &sc->host.snippets[i].code;
		static const uint8_t hlt = 0xF4;
		if (engine_map(r->host, cb->base, cb->size + 1, cb->bytes, cb->size) ||
		    engine_mem_write(r->host, cb->base + cb->size, &hlt, 1)) {
			snprintf(err, errsize, "%s:%d:%d: cannot map host snippet at 0x%llx", sc->path,
				 cb->pos.line, cb->pos.col, (unsigned long long)cb->base);
			return -1;
		}
	}
	engine_set_budget(r->host, 0, 0);
	if (!no_reuse)
		engine_snapshot(r->host);
	return 0;
}

static void copy_logs(struct run_ctx *r, struct run_result *res)
{
	/* the logs of every vCPU's engine, then the host's: merged by cycle,
	 * ties in that order (deterministic) */
	struct engine *eng[MACHINE_MAX_VCPUS + 1];
	unsigned ne = 0;
	for (int i = 0; i < r->m.nvcpus; i++)
		if (r->m.vcpu[i].eng)
			eng[ne++] = r->m.vcpu[i].eng;
	if (r->host)
		eng[ne++] = r->host;
	const struct db_record *log[MACHINE_MAX_VCPUS + 1];
	size_t n[MACHINE_MAX_VCPUS + 1], at[MACHINE_MAX_VCPUS + 1] = { 0 }, total = 0, vtotal = 0;
	for (unsigned k = 0; k < ne; k++) {
		uint64_t dropped = 0;
		log[k] = engine_db_log(eng[k], &n[k], &dropped);
		res->db_dropped += dropped;
		total += n[k];
	}
	res->db = calloc(total + 1, sizeof(*res->db));
	for (;;) {
		int best = -1;
		for (unsigned k = 0; k < ne; k++)
			if (at[k] < n[k] && (best < 0 || log[k][at[k]].cycle < log[best][at[best]].cycle))
				best = (int)k;
		if (best < 0)
			break;
		res->db[res->ndb++] = log[best][at[best]++];
	}
	const struct violation *vl[MACHINE_MAX_VCPUS + 1];
	size_t vn[MACHINE_MAX_VCPUS + 1];
	for (unsigned k = 0; k < ne; k++) {
		uint64_t dropped = 0;
		vl[k] = engine_violations(eng[k], &vn[k], &dropped);
		res->viol_dropped += dropped;
		vtotal += vn[k];
	}
	res->viol = calloc(vtotal + 1, sizeof(*res->viol));
	for (unsigned k = 0; k < ne; k++)
		for (size_t i = 0; i < vn[k]; i++)
			res->viol[res->nviol++] = vl[k][i];
}

void sim_copy_memory(const struct scenario *sc, struct run_result *res,
		     int (*read)(void *ctx, uint64_t addr, void *buf, size_t n), void *ctx)
{
	/* The guest code region and every data region of up to 1 MiB, for
	 * `mem.ADDR.SIZE` expectations and for reading what the guest wrote
	 * (`hvsim step`); of a larger region, only the bytes an expectation
	 * names are kept, so that any expectation can be evaluated whatever the
	 * number and size of the regions. */
	const uint64_t whole = 1u << 20;
	unsigned n = 1;
	size_t total = sc->guest.code.size <= whole ? sc->guest.code.size : 0;
	for (size_t i = 0; i < sc->guest.ndata; i++)
		if (sc->guest.data[i].size <= whole) {
			n++;
			total += sc->guest.data[i].size;
		}
	for (size_t i = 0; i < sc->nexpects; i++) {
		uint64_t a;
		unsigned s;
		if (expect_mem_target(&sc->expects[i], sc, &a, &s)) {
			n++;
			total += s;
		}
	}
	if (result_mem_init(res, n, total))
		return;
	uint8_t *p;
	if (sc->guest.code.size <= whole && (p = result_mem_add(res, sc->guest.code.base, sc->guest.code.size)))
		read(ctx, sc->guest.code.base, p, sc->guest.code.size);
	for (size_t i = 0; i < sc->guest.ndata; i++) {
		const uint64_t a = sc->guest.data[i].addr, s = sc->guest.data[i].size;
		if (s <= whole && (p = result_mem_add(res, a, s)))
			read(ctx, a, p, s);
	}
	/* the bytes of expectations outside every kept region (those inside one
	 * are read from it: result.c looks regions up in order) */
	for (size_t i = 0; i < sc->nexpects; i++) {
		uint64_t a;
		unsigned s;
		if (!expect_mem_target(&sc->expects[i], sc, &a, &s))
			continue;
		bool kept = false;
		for (unsigned j = 0; j < res->nmem_regions && !kept; j++)
			kept = a >= res->mem_regions[j].addr && a - res->mem_regions[j].addr <= res->mem_regions[j].size &&
			       res->mem_regions[j].size - (a - res->mem_regions[j].addr) >= s;
		if (kept)
			continue;
		if ((p = result_mem_add(res, a, s)) && read(ctx, a, p, s))
			res->nmem_regions--, res->mem_size -= s; /* unmapped: the expectation reports no field */
	}
}

static int engine_read(void *ctx, uint64_t addr, void *buf, size_t n)
{
	return engine_mem_read(ctx, addr, buf, n);
}

/* ---- the vCPU loop -----------------------------------------------------------------
 *
 * kvmtool's shape (kvm_cpu__start: KVM_RUN, one switch on the exit reason,
 * again), six steps, one function each:
 *
 *   step          function                              runs
 *   1 enter       hv_vendor.enter = vmx_enter /         here: vcpu_first_entry(),
 *                 svm_enter (KVM's pre-entry work,        vcpu_deferred_entry()
 *                 then vmx_hw_entry / svm_hw_vmrun)
 *   2 run         engine_run(guest)                     here: vcpu_run()
 *   3 exit        vmx_exit / svm_exit (the processor's  in the engine's Unicorn hook:
 *                 vmx_hw_exit / svm_hw_exit, then         the vendor's engine_ops
 *                 cpu_exit_begin: count, start the        (a site such as MOV DR or OUT,
 *                 exit's clock, kvm_exit)                 an exception, the timer)
 *   4 handle      vmx_after_run + vmx_handle_exit /     in the hook
 *                 svm_after_run + svm_handle_exit
 *                 (KVM after the run: register cache,
 *                 DR sync and host restore; then the
 *                 one exit-dispatch switch)
 *   5 host work   vmx_host_work / svm_host_work ->      in the hook; host code snippets
 *                 after_exit() here (host events due      (HOST_RUN) pause the engine and
 *                 after this exit)                        run here: run_snippets()
 *   6 re-enter    vmx_reenter / svm_reenter -> step 1   in the hook, or here after a
 *                 (cpu_exit_end: the exit's time,         pause (vcpu_deferred_entry)
 *                 kvm_entry)
 *
 * Steps 3-6 are called in that order by one function per vendor,
 * vmx_vcpu_exit() / svm_vcpu_exit(), from inside the hook that caught the
 * exit: the common exit then costs no uc_emu_stop/uc_emu_start round trip
 * (bench_hvsim (b), VM exits/s), and engine_run() returns to this loop only
 * when the engine stops or the host paused it.  The run ends when the
 * engine stops: HLT (the HLT exit's step 6 stops instead of entering, or
 * native HLT on bare metal), a failed entry (step 1), the instruction or
 * cycle budget (the vendor's timer exit, step 3 only: engine_ops.budget), a
 * fault.  Bare metal (no vendor) is step 2 alone. */

/* Step 1, the first entry: host events "at start", their snippets, enter. */
static void vcpu_first_entry(struct run_ctx *r)
{
	const struct scenario *sc = r->sc;
	for (size_t i = 0; i < sc->host.nevents; i++)
		if (sc->host.events[i].when == WHEN_START)
			host_event(r, &sc->host.events[i]);
	run_snippets(r);
	select_vcpu(r, machine_first(&r->m));      /* its thread switched in: KVM_RUN's vcpu_load */
	r->vendor->enter(r->v);
}

/* Steps 5 and 6 after a pause: the host's code snippets, the scheduler if
 * the slice ended (sim/machine.c: vcpu_put, switch_to, vcpu_load), then the
 * entry the vendor deferred; then the #DB expectations left open across
 * the pause. */
static void vcpu_deferred_entry(struct run_ctx *r)
{
	run_snippets(r);
	select_vcpu(r, machine_resched(&r->m));
	r->vendor->enter(r->v);
	engine_settle(r->guest);
}

/* Steps 1-2 in a loop (3-6 run inside engine_run) until the guest stops. */
static enum engine_stop vcpu_run(struct run_ctx *r)
{
	if (r->vendor)
		vcpu_first_entry(r);
	for (;;) {
		if (r->vendor && r->vendor->entry_pending(r->v))
			vcpu_deferred_entry(r);
		enum engine_stop s = !r->vendor || vcpu_cpu(r)->guest_mode ? engine_run(r->guest, engine_rip(r->guest))
									  : STOP_ENTRY_FAIL;
		if (s == STOP_NONE)
			continue;
		/* an SMP guest: the other vCPUs go on (sim/machine.c) */
		int next = r->vendor && r->m.nvcpus > 1 ? machine_vcpu_stopped(&r->m, s) : -1;
		if (next < 0)
			return s;
		select_vcpu(r, next);
		r->vendor->enter(r->v);
		engine_settle(r->guest);
	}
}

struct first_ctx { const char *name; bool arm; };

static void first_preset(const char *name, const char *summary, void *ctx)
{
	struct first_ctx *f = ctx;
	(void)summary;
	if (!strcmp(f->name, "all") && policy_is_arm(name) == f->arm)
		f->name = name;
}

static int sim_run_once(const struct scenario *sc, const struct run_config *cfg, struct run_result *res,
			char *err, size_t errsize, bool precise, bool *imprecise, bool dry)
{
	struct run_ctx *r = calloc(1, sizeof(*r));
	struct policy pol;
	int rc = -1;
	memset(res, 0, sizeof(*res));
	if (!r) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	r->sc = sc;
	const char *pname = cfg->policy ? cfg->policy : (sc->npolicies ? sc->policies[0] : "bp_enabled");
	if (!strcmp(pname, "all")) {       /* `policies: all`: its first, the first preset (issue 15 item 11) */
		struct first_ctx f = { pname, sc->arch == ARCH_AARCH64 };   /* of the architecture (issue 20) */
		policy_list(first_preset, &f);
		pname = f.name;
	}
	/* the model, with the entries of the policy's kernel (name@KERNEL) */
	if (sim_resolve_policy(sc, pname, &pol, err, errsize) ||
	    sim_load_cost(sc, cfg->cost_model, pol.kernel, &r->cost, err, errsize) ||
	    sim_cost_check_vendor(sc, cfg->cost_model, &r->cost, cfg->vendor, err, errsize))
		goto out;
	/* an aarch64 guest runs on the Arm machine (sim/run_arm.c, issue 20);
	 * the vendors of the other architecture are refused here */
	if ((sc->arch == ARCH_AARCH64) != (cfg->vendor == VENDOR_ARM) &&
	    !(sc->arch == ARCH_AARCH64 && cfg->vendor == VENDOR_NONE)) {
		snprintf(err, errsize, "%s:%d:%d: vendor %s cannot run a%s guest (%s)", sc->path ? sc->path : "-",
			 sc->vendor_pos.line, sc->vendor_pos.col, scenario_vendor_name(cfg->vendor),
			 sc->arch == ARCH_AARCH64 ? "n aarch64" : "n x86_64",
			 sc->arch == ARCH_AARCH64 ? "use vendor arm or none" : "use vmx, svm or none");
		goto out;
	}
	if (sc->arch == ARCH_AARCH64) {
		rc = sim_run_arm(sc, cfg, &pol, &r->cost, res, err, errsize, dry);
		goto out;
	}
	if (cfg->vendor != VENDOR_NONE && pol.arm_switch != ARM_SW_NONE) {
		int line = 0, col = 0;
		for (size_t i = 0; i < sc->npolicies; i++)
			if (!strcmp(sc->policies[i], pol.name) && sc->policy_pos) {
				line = sc->policy_pos[i].line;
				col = sc->policy_pos[i].col;
			}
		snprintf(err, errsize, "%s:%d:%d: policy %s is an Arm policy (vendor arm); VMX and SVM run the x86 "
			 "presets (see 'hvsim list policies')", sc->path ? sc->path : "-", line, col, pol.name);
		goto out;
	}
	cpu_init(&r->cpu, &r->cost);
	r->cpu.feat.rtm = sc->cpu_rtm;
	r->cpu.feat.bus_lock = sc->cpu_bus_lock;
	if (build_guest(r, precise, cfg->no_reuse, err, errsize))
		goto out;
	if (precise)
		engine_set_precise_reads(r->guest);
	if (cfg->exits_leave_block)
		engine_set_inblock(r->guest, false);
	enum vendor vend = cfg->vendor;
	/* vmx = an Intel CPU, svm = an AMD CPU, bare metal = cpu.vendor
	 * (Intel by default); the MOV DR fault order follows it (issue 12
	 * item 4, cpu/dr.h dr_mov_check_cpu) */
	bool amd = vend == VENDOR_SVM || (vend == VENDOR_NONE && sc->cpu_vendor == CPU_AMD);
	engine_set_amd(r->guest, amd);
	r->cpu.feat.amd = amd;
	if (machine_init(&r->m, sc, &r->cpu, &pol, err, errsize))
		goto out;
	machine_add_vcpu(&r->m, 0, r->guest, NULL, NULL);
	if (vend == VENDOR_SVM)
		r->vendor = &svm_vendor;
	else if (vend == VENDOR_VMX)
		r->vendor = &vmx_vendor;
	if (r->vendor) {
		if (build_host(r, cfg->no_reuse, err, errsize))
			goto out;
		struct hv_config hc = { .policy = &pol, .timer_period = sc->host.timer_period,
					.timer_guest = sc->host.timer_guest,
					.decode_assists = sc->decode_assists,
					.host = { .after_exit = after_exit, .ctx = r } };
		r->v = r->vendor->create ? r->vendor->create(&r->cpu, r->guest, &hc) : NULL;
		if (!r->v) {
			snprintf(err, errsize, "%s:0:0: vendor %s is not available in this build", sc->path,
				 r->vendor->name);
			goto out;
		}
		machine_add_vcpu(&r->m, 0, r->guest, r->vendor, r->v);
		/* an SMP guest: the other vCPUs, each on vCPU 0's memory */
		for (size_t i = 1; i < sc->guest.nvcpus; i++) {
			struct engine *e = build_vcpu(r, i, err, errsize);
			if (!e)
				goto out;
			machine_add_vcpu(&r->m, (int)i, e, NULL, NULL);   /* freed with the machine's vCPUs */
			engine_set_amd(e, amd);
			if (cfg->exits_leave_block)
				engine_set_inblock(e, false);
			if (precise)
				engine_set_precise_reads(e);
			void *v = r->vendor->create(&r->cpu, e, &hc);
			if (!v) {
				snprintf(err, errsize, "out of memory");
				goto out;
			}
			machine_add_vcpu(&r->m, (int)i, e, r->vendor, v);
		}
		machine_setup(&r->m, r->host);
		res->exit_names = r->vendor->exit_names;
		res->nexit_names = r->vendor->nexit_names;
	}
	if (dry) {
		rc = 0;
		goto out;
	}
	/* Counting starts with the first entry (set-up VMWRITEs are not the
	 * policy's cost). */
	stats_reset(&r->cpu.st);
	memset(r->cpu.cost_n, 0, sizeof(r->cpu.cost_n));
	r->cpu.trace = cfg->trace;
	r->cpu.trace_ctx = cfg->trace_ctx;
	machine_start_counting(&r->m, cfg->trace, cfg->trace_ctx);
	for (int i = 0; cfg->trace_insns && i < r->m.nvcpus; i++)
		if (r->m.vcpu[i].eng)
			engine_trace_insns(r->m.vcpu[i].eng, true);
	if (cfg->attach)
		cfg->attach(cfg->trace_ctx, &(struct run_machine){ .cpu = &r->cpu, .guest = r->guest,
				.host = r->host, .vendor = r->vendor, .v = r->v,
				.world = r->m.active ? &r->m : NULL });
	/* KVM_SET_GUEST_DEBUG before the first KVM_RUN (host.guest_debug):
	 * part of the run, so its VMCS/VMCB writes and injections count. */
	if (r->vendor && sc->host.guest_debug && r->vendor->set_guest_debug) {
		r->vendor->set_guest_debug(r->v, sc->host.guest_debug, sc->host.guest_debug_dr);
		r->cpu.st.guest_debug = r->vendor->dbg(r->v)->guest_debug;
	}
	enum engine_stop s = vcpu_run(r);
	if (r->m.nvcpus <= 1)
		r->m.vcpu[0].stop = s;
	else {
		/* an SMP guest: the first vCPU that stopped abnormally, else vCPU 0 */
		int sv = machine_stop_vcpu(&r->m, sc->guest.budget_ok);
		select_vcpu(r, sv);
		s = r->m.vcpu[sv].stop;
	}
	res->stop = s;
	snprintf(res->stop_msg, sizeof(res->stop_msg), "%s",
		 s == STOP_ENTRY_FAIL && !*engine_stop_message(r->guest)
			 ? "VM entry failed: invalid guest state (reason 33)" : engine_stop_message(r->guest));
	select_vcpu(r, 0);                       /* the result's guest.* fields are vCPU 0's */
	r->cpu.st.guest_instructions = 0;
	for (int i = 0; i < r->m.nvcpus; i++)
		r->cpu.st.guest_instructions += engine_instructions(r->m.vcpu[i].eng);
	res->st = r->cpu.st;
	memcpy(res->cost_n, r->cpu.cost_n, sizeof(res->cost_n));
	if (r->vendor) {
		machine_finish(&r->m, &res->st, res->cost_n);
		machine_world(&r->m, &res->world);
	}
	stats_finish(&res->st);
	snprintf(res->scenario, sizeof(res->scenario), "%s", sc->name ? sc->name : "?");
	snprintf(res->policy, sizeof(res->policy), "%s", r->vendor ? pol.name : "none");
	snprintf(res->vendor, sizeof(res->vendor), "%s", r->vendor ? r->vendor->name : "none");
	snprintf(res->cost_model, sizeof(res->cost_model), "%s", r->cost.name);
	res->cost = r->cost;
	memcpy(res->hw_dr, r->cpu.dr, sizeof(res->hw_dr));
	memcpy(res->guest_dr, engine_ideal(r->guest)->dr, sizeof(res->guest_dr));
	if (r->vendor) {
		struct dbg *d = r->vendor->dbg(r->v);
		for (int i = 0; i < 4; i++)
			res->hv_dr[i] = d->db[i];
		res->hv_dr[6] = d->dr6;
		res->hv_dr[7] = d->dr7;
	}
	res->guest_rip = engine_rip(r->guest);
	for (int i = 0; i < 16; i++)
		res->gprs[i] = engine_gpr(r->guest, i);
	copy_logs(r, res);
	sim_copy_memory(r->sc, res, engine_read, r->guest);
	for (int i = 0; i < r->m.nvcpus; i++)
		*imprecise = *imprecise || engine_fault_imprecise(r->m.vcpu[i].eng);
	rc = 0;
out:;
	/* the guest's engines, vCPU 0 first: kept for the next run of this
	 * guest, or freed (sim/reuse.h) */
	struct engine *g[REUSE_MAX_VCPUS];
	unsigned ng = 0;
	for (int i = 1; i < r->m.nvcpus; i++)
		if (r->m.vcpu[i].v)
			r->vendor->destroy(r->m.vcpu[i].v);
	r->v = r->m.vcpu[0].v ? r->m.vcpu[0].v : r->v;
	r->guest = r->m.vcpu[0].eng ? r->m.vcpu[0].eng : r->guest;
	g[ng++] = r->guest;
	for (int i = 1; i < r->m.nvcpus && ng < REUSE_MAX_VCPUS; i++)
		g[ng++] = r->m.vcpu[i].eng;
	if (ng != (sc->guest.nvcpus > 1 ? sc->guest.nvcpus : 1))
		g[0] = NULL;                       /* a run that did not build them all: none kept */
	machine_fini(&r->m);
	if (r->v)
		r->vendor->destroy(r->v);
	if (g[0]) {
		reuse_give_guest(sc, precise, g, ng);
	} else {
		for (unsigned i = ng; i-- > 1;)
			engine_free(g[i]);
		engine_free(r->guest);
	}
	for (unsigned i = 0; i < REUSE_MAX_VCPUS; i++)
		engine_free(r->kept_vcpu[i]);          /* kept ones a failed build did not take */
	reuse_give_host(sc, r->host);
	free(r);
	return rc;
}

/* A run that stopped on an unmapped load knows the faulting instruction only
 * if the engine kept RIP exact at every load, which is slow
 * (engine_set_precise_reads): such a run -- it ends the guest -- is repeated
 * in that mode, deterministic as every run, for the right guest.rip and
 * instruction count (issue 15 item 7).  A traced or observed run is precise
 * from the start, so that its observer sees one run. */
int sim_run(const struct scenario *sc, const struct run_config *cfg, struct run_result *res,
	    char *err, size_t errsize)
{
	bool precise = cfg->trace || cfg->attach, imprecise = false;
	int rc = sim_run_once(sc, cfg, res, err, errsize, precise, &imprecise, false);
	if (rc || !imprecise)
		return rc;
	run_result_free(res);
	return sim_run_once(sc, cfg, res, err, errsize, true, &imprecise, false);
}

int sim_check(const struct scenario *sc, const struct run_config *cfg, char *err, size_t errsize)
{
	struct run_result res;
	bool imprecise = false;
	int rc = sim_run_once(sc, cfg, &res, err, errsize, false, &imprecise, true);
	run_result_free(&res);
	return rc;
}
