/* arm_ref.c - reference 4 (sim/ref/arm_ref.h): the AArch64 guest image,
 * the outcome the runner prints, and the comparison with the simulator. */
#include "sim/ref/arm_ref.h"
#include "sim/ref/outcome.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "arm/exit_qual.h"
#include "arm/fields.h"
#include "debugreg/policy.h"
#include "sim/result.h"
#include "sim/render/json.h"
#include "sim/util/util.h"

#define PAGE 0x1000ull
#define ARM_STACK_TOP UINT64_C(0x00F00000)   /* sim/run_arm.c's default stack */
#define ARM_STACK_SIZE UINT64_C(0x10000)
#define MAX_RUNS 40

struct run { uint64_t lo, hi; uint8_t *bytes; };   /* [lo, hi), page aligned */

static int add_run(struct run *r, unsigned *n, uint64_t addr, uint64_t size)
{
	uint64_t lo = addr & ~(PAGE - 1), hi = (addr + size + PAGE - 1) & ~(PAGE - 1);
	for (unsigned i = 0; i < *n; i++)
		if (lo <= r[i].hi && hi >= r[i].lo) {          /* touching or overlapping: merge */
			if (lo < r[i].lo) r[i].lo = lo;
			if (hi > r[i].hi) r[i].hi = hi;
			return 0;
		}
	if (*n >= MAX_RUNS)
		return -1;
	r[(*n)++] = (struct run){ lo, hi, NULL };
	return 0;
}

static void put(struct run *r, unsigned n, uint64_t addr, const uint8_t *b, size_t len)
{
	for (size_t k = 0; k < len; k++)
		for (unsigned i = 0; i < n; i++)
			if (addr + k >= r[i].lo && addr + k < r[i].hi) {
				r[i].bytes[addr + k - r[i].lo] = b[k];
				break;
			}
}

static int run_cmp(const void *a, const void *b)
{
	const struct run *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

int arm_image_write(FILE *f, const struct scenario *sc, uint64_t *key, char *err, size_t errsize)
{
	struct run r[MAX_RUNS];
	unsigned n = 0;
	bool has_sp = false;
	int rc = add_run(r, &n, sc->guest.code.base, sc->guest.code.size);
	for (size_t i = 0; i < sc->guest.ndata && !rc; i++)
		rc = add_run(r, &n, sc->guest.data[i].addr, sc->guest.data[i].size);
	for (size_t i = 0; i < sc->guest.nregs; i++)
		has_sp |= !strcmp(sc->guest.regs[i].name, "sp");
	if (!has_sp && !rc)
		rc = add_run(r, &n, ARM_STACK_TOP - ARM_STACK_SIZE, ARM_STACK_SIZE);
	if (rc) {
		snprintf(err, errsize, "%s:%d:%d: too many guest memory regions for the reference", sc->path,
			 sc->guest.code.pos.line, sc->guest.code.pos.col);
		return -1;
	}
	/* merging may have made runs touch: merge again until stable */
	for (bool again = true; again;) {
		again = false;
		qsort(r, n, sizeof(*r), run_cmp);
		for (unsigned i = 0; i + 1 < n; i++)
			if (r[i + 1].lo <= r[i].hi) {
				if (r[i + 1].hi > r[i].hi)
					r[i].hi = r[i + 1].hi;
				memmove(&r[i + 1], &r[i + 2], (n - i - 2) * sizeof(*r));
				n--;
				again = true;
				break;
			}
	}
	for (unsigned i = 0; i < n; i++)
		if (!(r[i].bytes = calloc(1, r[i].hi - r[i].lo))) {
			for (unsigned j = 0; j < i; j++)
				free(r[j].bytes);
			snprintf(err, errsize, "out of memory");
			return -1;
		}
	put(r, n, sc->guest.code.base, sc->guest.code.bytes, sc->guest.code.size);
	for (size_t i = 0; i < sc->guest.ndata; i++)
		if (sc->guest.data[i].bytes)
			put(r, n, sc->guest.data[i].addr, sc->guest.data[i].bytes, sc->guest.data[i].nbytes);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m) {
		for (unsigned i = 0; i < n; i++)
			free(r[i].bytes);
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	fprintf(m, "hvsim-arm64-image 1\nname %s\npc 0x%" PRIx64 "\n", sc->name ? sc->name : "?",
		sc->guest.entry ? sc->guest.entry : sc->guest.code.base);
	if (!has_sp)
		fprintf(m, "reg sp 0x%" PRIx64 "\n", ARM_STACK_TOP);
	for (size_t i = 0; i < sc->guest.nregs; i++)
		fprintf(m, "reg %s 0x%" PRIx64 "\n", sc->guest.regs[i].name, sc->guest.regs[i].value);
	for (unsigned i = 0; i < n; i++) {
		fprintf(m, "mem 0x%" PRIx64 " 0x%" PRIx64 "\n", r[i].lo, r[i].hi - r[i].lo);
		for (uint64_t off = 0; off < r[i].hi - r[i].lo; off += 64) {
			bool zero = true;
			for (unsigned k = 0; k < 64 && zero; k++)
				zero = !r[i].bytes[off + k];
			if (zero)
				continue;
			fprintf(m, "d 0x%" PRIx64 " ", off);
			for (unsigned k = 0; k < 64; k++)
				fprintf(m, "%02x", r[i].bytes[off + k]);
			fputc('\n', m);
		}
		free(r[i].bytes);
	}
	for (size_t i = 0; i < sc->guest.code.nsyms; i++)
		if (sc->guest.code.syms[i].name && !strchr(sc->guest.code.syms[i].name, ' '))
			fprintf(m, "sym %s 0x%" PRIx64 "\n", sc->guest.code.syms[i].name, sc->guest.code.syms[i].addr);
	fputs("end\n", m);
	if (fclose(m)) {
		free(text);
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	*key = util_fnv1a64(UTIL_FNV_OFFSET, text, len);
	fwrite(text, 1, len, f);
	free(text);
	return 0;
}

/* ---- the outcome ------------------------------------------------------------ */

int arm_outcome_read(const char *buf, size_t len, struct arm_outcome *o, char *err, size_t errsize)
{
	memset(o, 0, sizeof(*o));
	o->mmio = UINT64_MAX;
	const char *p = buf, *end = buf + len;
	unsigned line = 0;
	bool head = false, done = false;
	while (p < end && !done) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char l[512];
		snprintf(l, sizeof(l), "%.*s", (int)(n < sizeof(l) - 1 ? n : sizeof(l) - 1), p);
		const char *ls = p;                  /* the whole line: n bytes, not NUL-terminated */
		p += n + (nl != NULL);
		line++;
		char name[96];
		unsigned long long a = 0, b = 0;
		int k = 0;
		if (!head) {
			if (strcmp(l, "hvsim-arm64-outcome 1"))
				goto bad;
			head = true;
		} else if (!strcmp(l, "end")) {
			done = true;
		} else if (!strncmp(l, "kernel ", 7)) {
			snprintf(o->kernel, sizeof(o->kernel), "%.95s", l + 7);
		} else if (!strncmp(l, "stop ", 5)) {
			snprintf(o->stop, sizeof(o->stop), "%.31s", l + 5);
		} else if (!strncmp(l, "error ", 6)) {
			snprintf(o->error, sizeof(o->error), "%.199s", l + 6);
		} else if (sscanf(l, "exit %llu %llu%n", &a, &b, &k) == 2 && !l[k] && a < 64) {
			o->exits[a] = b;
		} else if (sscanf(l, "irq %llu%n", &a, &k) == 1 && !l[k]) {
			o->irq = a;
		} else if (sscanf(l, "mmio %llu%n", &a, &k) == 1 && !l[k]) {
			o->mmio = a;
		} else if (sscanf(l, "sys %llx %llu%n", &a, &b, &k) == 2 && !l[k] && o->nsys < ARM_OUT_MAX) {
			o->sys[o->nsys].esr = (uint32_t)a;
			o->sys[o->nsys++].n = b;
		} else if (sscanf(l, "x %llu %llx%n", &a, &b, &k) == 2 && !l[k] && a < 31) {
			o->x[a] = b;
		} else if (n >= 6 && !memcmp(ls, "order ", 6)) {
			/* read from the buffer: the line is longer than l[] */
			const char *q = ls + 6;
			size_t m = n - 6;
			bool ok = !o->has_order && m && m <= ARM_ORDER_MAX && (q[0] != '-' || m == 1);
			for (size_t i = 0; ok && i < m; i++)
				ok = q[i] && strchr(m == 1 ? "IWRHMDASX-" : "IWRHMDASX", q[i]);
			if (!ok)
				goto bad;
			if (q[0] != '-')
				memcpy(o->order, q, m);
			o->order[q[0] == '-' ? 0 : m] = 0;
			o->has_order = true;
		} else if (sscanf(l, "sym %95s %llx%n", name, &b, &k) == 2 && !l[k] && o->nsym < ARM_OUT_MAX) {
			snprintf(o->sym[o->nsym].name, sizeof(o->sym[0].name), "%.63s", name);
			o->sym[o->nsym++].val = b;
		} else {
			goto bad;
		}
	}
	if (!done) {
		snprintf(err, errsize, "%u: the outcome has no \"end\" line", line);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errsize, "%u: not an hvsim-arm64-outcome line", line);
	return -1;
}

/* ---- the comparison ----------------------------------------------------------- */

struct cmp {
	FILE *out;
	bool json;
	struct json_writer w;
	unsigned n, diffs;
};

static void row(struct cmp *c, const char *field, uint64_t sim, uint64_t ref)
{
	bool same = sim == ref;
	c->n++;
	c->diffs += !same;
	if (c->json) {
		jw_object_begin(&c->w);
		jw_kv_string(&c->w, "field", field);
		jw_kv_u64(&c->w, "sim", sim);
		jw_kv_u64(&c->w, "ref", ref);
		jw_key(&c->w, "same");
		jw_bool(&c->w, same);
		jw_object_end(&c->w);
	} else {
		fprintf(c->out, "  %-36s %20" PRIu64 " %20" PRIu64 "  %s\n", field, sim, ref, same ? "same" : "DIFFERENT");
	}
}

/* The simulator's exits in order, in the letters of the outcome's order
 * line (arm_ref.h), from the run's kvm_exit events. */
struct sim_order {
	char s[ARM_ORDER_MAX + 1];
	size_t n;
	bool full;
};

static void order_event(void *ctx, const struct sim_event *ev)
{
	struct sim_order *so = ctx;
	if (ev->id != EV_EXIT || !ev->s)
		return;
	char c = !strcmp(ev->s, "IRQ") ? 'I' : !strcmp(ev->s, "SYS64") ? (ev->c & 1 ? 'R' : 'W')
	       : !strcmp(ev->s, "HVC64") ? 'H' : !strcmp(ev->s, "DABT_LOW") ? 'M' : 'X';
	if (so->n < ARM_ORDER_MAX)
		so->s[so->n++] = c;
	else
		so->full = true;
}

/* The reference's exits that hvsim models (the stage-2 page-ins, A and D,
 * dropped: divergence arm-stage2-pagein) into m, and where its IRQ exits
 * fall in them: at[i] = the number of modelled exits before the i-th IRQ
 * (arm_replay_irqs).  Returns the number of IRQ exits. */
static size_t ref_order(const char *order, char *m, uint64_t *at)
{
	size_t n = 0, k = 0;
	for (const char *p = order; *p; p++) {
		if (*p == 'A' || *p == 'D')
			continue;
		if (*p == 'I')
			at[k++] = n;
		m[n++] = *p;
	}
	m[n] = 0;
	return k;
}

/* The preset of the reference's kernel: Debian's 6.1 and 6.12 predate the
 * 6.14 debug rework (docs/kvm-arm.md), so arm64_dirty models both. */
static const char *kernel_preset(const char *kernel)
{
	unsigned maj = 0, min = 0;
	if (sscanf(kernel, "%u.%u", &maj, &min) == 2 && (maj > 6 || (maj == 6 && min >= 14)))
		return "arm64_owner-6.14";
	return "arm64_dirty";
}

int arm_ref_diff(const char *file, const char *policy, const char *cache, const char *kernel, bool json, FILE *out)
{
	char err[1024], dir[4096], path[4300];
	struct scenario *sc = scenario_load(file, err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	int rc = HVSIM_EXIT_ERROR;
	struct run_result res;
	memset(&res, 0, sizeof(res));
	struct arm_outcome *o = calloc(1, sizeof(*o));
	FILE *nul = fopen("/dev/null", "w");
	uint64_t key = 0;
	if (!o || !nul || sc->arch != ARCH_AARCH64 || arm_image_write(nul, sc, &key, err, sizeof(err))) {
		if (sc->arch != ARCH_AARCH64)
			fprintf(stderr, "%s:%d:%d: --ref kvm-arm64-tcg compares aarch64 scenarios (vendor: arm)\n", file,
				sc->vendor_pos.line, sc->vendor_pos.col);
		else if (o && nul)
			fprintf(stderr, "%s\n", err);
		goto out;
	}
	/* --cache wins; another kernel than the default cache's has its own
	 * directory (the environment variable does not apply to it) */
	const char *env = getenv("HVSIM_KVM_ARM64_CACHE");
	bool other_kernel = kernel && strcmp(kernel, REF_CACHE_KERNEL);
	if (cache)
		snprintf(dir, sizeof(dir), "%s", cache);
	else if (env && *env && !other_kernel)
		snprintf(dir, sizeof(dir), "%s", env);
	else
		snprintf(dir, sizeof(dir), "%s/%s%s%s", util_source_dir(), REF_ARM64_CACHE, other_kernel ? "-" : "",
			 other_kernel ? kernel : "");
	snprintf(path, sizeof(path), "%s/%016" PRIx64 ".out", dir, key);
	size_t len = 0;
	char *text = util_read_file(path, UTIL_MAX_DOCUMENT, &len);
	if (!text) {
		if (other_kernel)
			fprintf(stderr, "%s:%d:%d: skipped: no cached kvm-arm64-tcg outcome on Linux %s: %s (measure it "
				"with HVSIM_KVM_ARM64_CACHE=%s bash sim/ref/kvm-arm64-tcg/run.sh %s on that kernel: "
				"docs/kvm-reference.md, \"Reference 4\")\n", file, sc->guest.code.pos.line,
				sc->guest.code.pos.col, kernel, path, dir, file);
		else
			fprintf(stderr, "%s:%d:%d: skipped: no cached kvm-arm64-tcg outcome %s (measure it with "
				"'bash sim/ref/kvm-arm64-tcg/run.sh %s')\n", file, sc->guest.code.pos.line,
				sc->guest.code.pos.col, path, file);
		rc = HVSIM_EXIT_SKIP;
		goto out;
	}
	int prc = arm_outcome_read(text, len, o, err, sizeof(err));
	free(text);
	if (prc) {
		fprintf(stderr, "%s:%s\n", path, err);
		goto out;
	}
	if (kernel && !ref_release_is(o->kernel, kernel)) {
		fprintf(stderr, "hvsim: skipped: %s is an outcome of kernel %s, not Linux %s (--ref kvm-arm64-tcg@%s)\n",
			path, o->kernel[0] ? o->kernel : "(unrecorded)", kernel, kernel);
		rc = HVSIM_EXIT_SKIP;
		goto out;
	}
	const char *pol = policy ? policy : kernel_preset(o->kernel);
	/* The reference's host interrupts are replayed at their places in its
	 * exit order (divergence arm-host-irq): an IRQ exit is an exit like any
	 * other for KVM's debug state (the hyp switches back; <= 6.13 clears
	 * DEBUG_DIRTY, so the next run traps again), and where it lands is the
	 * booted host's timer, not the guest. */
	static char mord[ARM_ORDER_MAX + 1];
	static uint64_t at[ARM_ORDER_MAX];
	static struct sim_order so;
	memset(&so, 0, sizeof(so));
	size_t nirq = o->has_order ? ref_order(o->order, mord, at) : 0;
	struct run_config cfg = { .policy = pol, .vendor = VENDOR_ARM, .arm_irq_replay = nirq ? at : NULL,
				  .arm_nirq_replay = nirq, .trace = o->has_order ? order_event : NULL,
				  .trace_ctx = &so };
	if (sim_run(sc, &cfg, &res, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	struct cmp c = { .out = out, .json = json };
	if (json) {
		jw_init(&c.w, out, 2);
		jw_object_begin(&c.w);
		jw_kv_string(&c.w, "schema", "hvsim-diff-arm64");
		jw_kv_string(&c.w, "scenario", sc->name ? sc->name : "?");
		jw_kv_string(&c.w, "policy", pol);
		jw_kv_string(&c.w, "kernel", o->kernel);
		jw_key(&c.w, "fields");
		jw_array_begin(&c.w);
	} else {
		fprintf(out, "%s: hvsim (%s@arm) against real KVM/arm64 (%s under QEMU TCG, reference 4)\n",
			sc->name ? sc->name : file, pol, o->kernel);
		fprintf(out, "  %-36s %20s %20s\n", "field", "hvsim", "kvm-arm64-tcg");
	}
	row(&c, "guest.stop halt", res.stop == STOP_HALT, !strcmp(o->stop, "system_off"));
	/* exits by class.  Not compared: IRQ exits, the host's interrupts
	 * (divergence arm-host-irq), and the stage-2 faults of KVM's lazy
	 * memory mapping - the first touch of each guest page is an
	 * IABT_LOW/DABT_LOW that KVM handles in the kernel (user_mem_abort)
	 * (divergence arm-stage2-pagein): DABT_LOW is compared with the MMIO
	 * exits user space counted. */
	uint64_t pagein = o->exits[EC_IABT_LOW];
	if (o->mmio != UINT64_MAX) {
		pagein += o->exits[EC_DABT_LOW] - (o->mmio < o->exits[EC_DABT_LOW] ? o->mmio : o->exits[EC_DABT_LOW]);
		o->exits[EC_DABT_LOW] = o->mmio;
	}
	o->exits[EC_IABT_LOW] = 0;
	if (o->has_order) {
		/* the exits in order (hvsim's against the reference's modelled
		 * ones): 1 when the same, 0 and the first difference otherwise */
		size_t i = 0;
		while (i < so.n && mord[i] && so.s[i] == mord[i])
			i++;
		bool same = !so.full && i == so.n && !mord[i];
		row(&c, "exits.order (1 = same sequence)", 1, same);
		if (!same && !json)
			fprintf(out, "    first difference at exit %zu: hvsim %c, kvm-arm64-tcg %c (I IRQ, W/R trapped "
				"write/read, H HVC, M MMIO)\n", i + 1, i < so.n ? so.s[i] : '-', mord[i] ? mord[i] : '-');
		row(&c, "exits.by_reason.IRQ", res.st.exits[ARM_EXIT_IRQ].count, o->irq);
	}
	for (unsigned ec = 0; ec < 64; ec++) {
		uint64_t s = res.st.exits[ec].count;
		if (!s && !o->exits[ec])
			continue;
		char f[96];
		snprintf(f, sizeof(f), "exits.by_reason.%s", res.exit_names && res.exit_names[ec] ? res.exit_names[ec] : "?");
		if (!res.exit_names || !res.exit_names[ec])
			snprintf(f, sizeof(f), "exits.by_reason.EC_0x%02x", ec);
		row(&c, f, s, o->exits[ec]);
	}
	/* trapped accesses per register and direction (kvm_handle_sys_reg's ESR) */
	uint64_t rr[ARM_DBGREG_N] = { 0 }, rw[ARM_DBGREG_N] = { 0 }, other = 0;
	for (unsigned i = 0; i < o->nsys; i++) {
		struct arm_sys64_iss q = arm_sys64_esr_decode(o->sys[i].esr);
		int reg = arm_dbgreg_lookup(q.op0, q.op1, q.crn, q.crm, q.op2);
		if (reg < 0)
			other += o->sys[i].n;
		else if (q.read)
			rr[reg] += o->sys[i].n;
		else
			rw[reg] += o->sys[i].n;
	}
	for (int i = 0; i < ARM_DBGREG_N; i++) {
		char f[96];
		if (res.st.arm_traps_r[i] || rr[i]) {
			snprintf(f, sizeof(f), "arm.traps.read.%s", arm_dbgreg_name(i));
			row(&c, f, res.st.arm_traps_r[i], rr[i]);
		}
		if (res.st.arm_traps_w[i] || rw[i]) {
			snprintf(f, sizeof(f), "arm.traps.write.%s", arm_dbgreg_name(i));
			row(&c, f, res.st.arm_traps_w[i], rw[i]);
		}
	}
	row(&c, "traps of other system registers", 0, other);
	for (int i = 0; i < 31; i++) {
		char f[32];
		snprintf(f, sizeof(f), "guest.regs.x%d", i);
		row(&c, f, res.arm_x[i], o->x[i]);
	}
	for (unsigned i = 0; i < o->nsym; i++) {
		uint64_t a, v = 0;
		char f[96];
		if (!scenario_symbol(sc, o->sym[i].name, &a))
			continue;
		char path[64];
		snprintf(path, sizeof(path), "mem.0x%" PRIx64 ".8", a);
		if (result_field(&res, path, &v, NULL))
			continue;
		snprintf(f, sizeof(f), "mem.%s.8", o->sym[i].name);
		row(&c, f, v, o->sym[i].val);
	}
	if (json) {
		jw_array_end(&c.w);
		jw_kv_u64(&c.w, "compared", c.n);
		jw_kv_u64(&c.w, "different", c.diffs);
		jw_kv_u64(&c.w, "irq_exits_not_compared", o->has_order ? 0 : o->irq);
		jw_kv_u64(&c.w, "irq_exits_replayed", nirq);
		jw_kv_u64(&c.w, "stage2_pagein_exits_not_compared", pagein);
		jw_object_end(&c.w);
		jw_finish(&c.w);
	} else {
		if (o->has_order)
			fprintf(out, "%u fields compared, %u different; %zu IRQ exit%s of the reference replayed at %s "
				"place%s (host interrupts, divergence arm-host-irq); not compared: %" PRIu64 " stage-2 "
				"page-in abort%s (divergence arm-stage2-pagein)\n", c.n, c.diffs, nirq, nirq == 1 ? "" : "s",
				nirq == 1 ? "its" : "their", nirq == 1 ? "" : "s", pagein, pagein == 1 ? "" : "s");
		else
			fprintf(out, "%u fields compared, %u different; not compared: %" PRIu64 " IRQ exit%s of the "
				"reference (host interrupts, divergence arm-host-irq), %" PRIu64 " stage-2 page-in abort%s "
				"(divergence arm-stage2-pagein)\n", c.n, c.diffs, o->irq, o->irq == 1 ? "" : "s", pagein,
				pagein == 1 ? "" : "s");
	}
	rc = c.diffs ? HVSIM_EXIT_FAIL : HVSIM_EXIT_OK;
out:
	if (nul)
		fclose(nul);
	run_result_free(&res);
	free(o);
	scenario_free(sc);
	return rc;
}
