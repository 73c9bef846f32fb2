/* result.c - the fields of a run result: lookup by path, the JSON document
 * and the perf-kvm-stat style text report (result_io.h, docs/result-schema.md).
 *
 * One walk, result_visit(), enumerates every scalar field in a fixed order
 * (no hashing, no pointers in the output); result_field() and the JSON
 * writer are both built on it, so a path that result_field() accepts is
 * exactly a path in the JSON document. */
#include "sim/result.h"
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const gpr_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/* Descriptions of the composite fields (shared with `hvsim list fields`). */
#define D_BY_REASON  "VM exits with this exit reason (every reason of the vendor, zeros included)"
#define D_EX_CYCLES  "cycles from exits with this reason to the next entry, summed"
#define D_EX_MIN     "smallest per-exit cycles of this reason (0 without samples)"
#define D_EX_MAX     "largest per-exit cycles of this reason"
#define D_EX_SUMSQ   "sum of squared per-exit cycles of this reason (stddev column), rounded"
#define D_HW_READS   "hypervisor reads of hardware DRn (dr4/dr5 always 0)"
#define D_HW_WRITES  "hypervisor writes of hardware DRn (dr4/dr5 always 0)"
#define D_EXIT_READ  "MOV-from-DRn exits, by the encoded DR number"
#define D_EXIT_WRITE "MOV-to-DRn exits, by the encoded DR number"
#define D_TO_USER_DBG "KVM_EXIT_DEBUG exits to user space (present only with host.guest_debug)"
#define D_FINAL_HW   "hardware DRn at the end of the run"
#define D_FINAL_GST  "the guest's architectural DRn at the end (oracle)"
#define D_FINAL_HV   "the hypervisor's view of the guest's DRn at the end"
/* Arm runs (issue 20) */
#define D_ARM_TRAP_R "Arm: trapped MRS of this debug register (ESR_EL2 EC 0x18), emulated by KVM"
#define D_ARM_TRAP_W "Arm: trapped MSR of this debug register"
#define D_ARM_HW_R   "Arm: hypervisor reads of this hardware debug register (world switch)"
#define D_ARM_HW_W   "Arm: hypervisor writes of this hardware debug register (world switch)"
#define D_ARM_FIN_HW "Arm: hardware debug register at the end of the run"
#define D_ARM_FIN_G  "Arm: the guest's architectural value of the register at the end (oracle)"
#define D_ARM_FIN_HV "Arm: KVM's copy of the guest's register at the end"

void result_slot_name(const struct run_result *r, unsigned i, char *buf, size_t n)
{
	if (r->exit_names && i < r->nexit_names && r->exit_names[i])
		snprintf(buf, n, "%s", r->exit_names[i]);
	else
		snprintf(buf, n, "UNKNOWN_%u", i);
}

/* Exit slots that appear in the result: every named one, plus unnamed ones
 * that have samples (so nothing counted is ever dropped). */
static bool slot_shown(const struct run_result *r, unsigned i)
{
	if (r->exit_names && i < r->nexit_names && r->exit_names[i])
		return true;
	return r->st.exits[i].count != 0;
}

typedef int (*visit_cb)(void *ctx, const struct result_item *it);
static int vu(visit_cb cb, void *ctx, const char *path, const char *desc, uint64_t v);
static int vs(visit_cb cb, void *ctx, const char *path, const char *desc, const char *s);

/* The host world's fields (runs whose scenario uses it; sim/machine.def):
 * totals, then one object per CPU and per vCPU. */
#define D_HOST_CPUS   "physical CPUs (host.cpus)"
#define D_HOST_TASKS  "host tasks other than the vCPU threads (host.tasks)"
#define D_GUEST_VCPUS "vCPUs of the guest (guest.vcpus)"
#define D_VCPU_CPU    "the CPU its thread was on at the end"
#define D_VCPU_INSNS  "its guest instructions"
#define D_VCPU_STOP   "why it stopped (as guest.stop)"
static int world_visit(const struct run_result *r, visit_cb cb, void *ctx)
{
	const struct run_world *w = &r->world;
	char p[192], d[200];
	int rc;
	if ((rc = vu(cb, ctx, "host.cpus", D_HOST_CPUS, (uint64_t)w->ncpus)) ||
	    (rc = vu(cb, ctx, "host.tasks", D_HOST_TASKS, (uint64_t)w->ntasks)) ||
	    (rc = vu(cb, ctx, "guest.vcpus", D_GUEST_VCPUS, (uint64_t)w->nvcpus)))
		return rc;
	/* totals of the machine's own counters (the stats shares are the
	 * existing top-level fields, summed over the CPUs) */
	for (unsigned i = 0; i < MC_N; i++) {
		if (strncmp(mcount_descs[i].path, "sched.", 6) && strncmp(mcount_descs[i].path, "host.", 5))
			continue;
		uint64_t t = 0;
		for (int c = 0; c < w->ncpus; c++)
			t += w->cpu[c].v[i];
		snprintf(d, sizeof(d), "%s (all CPUs)", mcount_descs[i].desc);
		if ((rc = vu(cb, ctx, mcount_descs[i].path, d, t)))
			return rc;
	}
	for (int c = 0; c < w->ncpus; c++)
		for (unsigned i = 0; i < MC_N; i++) {
			if (mcount_descs[i].where == 'V')
				continue;
			snprintf(p, sizeof(p), "cpus.%d.%s", c, mcount_descs[i].path);
			if ((rc = vu(cb, ctx, p, mcount_descs[i].desc, w->cpu[c].v[i])))
				return rc;
		}
	for (int v = 0; v < w->nvcpus; v++) {
		snprintf(p, sizeof(p), "vcpus.%d.cpu", v);
		if ((rc = vu(cb, ctx, p, D_VCPU_CPU, (uint64_t)(w->vcpu_cpu[v] < 0 ? 0 : w->vcpu_cpu[v]))))
			return rc;
		snprintf(p, sizeof(p), "vcpus.%d.guest.instructions", v);
		if ((rc = vu(cb, ctx, p, D_VCPU_INSNS, w->vcpu_insns[v])))
			return rc;
		snprintf(p, sizeof(p), "vcpus.%d.guest.stop", v);
		if ((rc = vs(cb, ctx, p, D_VCPU_STOP, engine_stop_name(w->vcpu_stop[v]))))
			return rc;
		for (unsigned i = 0; i < MC_N; i++) {
			if (mcount_descs[i].where == 'C')
				continue;
			snprintf(p, sizeof(p), "vcpus.%d.%s", v, mcount_descs[i].path);
			if ((rc = vu(cb, ctx, p, mcount_descs[i].desc, w->vcpu[v].v[i])))
				return rc;
		}
	}
	return 0;
}

static int vu(visit_cb cb, void *ctx, const char *path, const char *desc, uint64_t v)
{
	struct result_item it = { .path = path, .desc = desc, .u = v };
	return cb(ctx, &it);
}

static int vs(visit_cb cb, void *ctx, const char *path, const char *desc, const char *s)
{
	struct result_item it = { .path = path, .desc = desc, .is_str = true, .s = s ? s : "" };
	return cb(ctx, &it);
}

#define VISIT(expr) do { int rc_ = (expr); if (rc_) return rc_; } while (0)

/* An Arm run (vendor arm, or an aarch64 guest on bare metal). */
static bool arm_run(const struct run_result *r) { return r->arm_brps != 0; }

/* The Arm debug registers a result shows: the implemented banks and the
 * single registers (cpu/arm_dbg_regs.def). */
static bool arm_reg_shown(const struct run_result *r, int reg)
{
	int slot = arm_dbgreg_slot(reg);
	if (slot < 0)
		return true;
	return (unsigned)slot < ((reg < ARM_DBGWVR0) ? r->arm_brps : r->arm_wrps);
}

static int visit_arm(const struct run_result *r, visit_cb cb, void *ctx)
{
	char p[192];
	static const struct {
		const char *prefix, *desc;
		size_t off;
		bool stats;
	} tab[] = {
		{ "arm.traps.read", D_ARM_TRAP_R, offsetof(struct stats, arm_traps_r), true },
		{ "arm.traps.write", D_ARM_TRAP_W, offsetof(struct stats, arm_traps_w), true },
		{ "arm.hw_reads", D_ARM_HW_R, offsetof(struct stats, arm_hw_r), true },
		{ "arm.hw_writes", D_ARM_HW_W, offsetof(struct stats, arm_hw_w), true },
		{ "arm.final.hw", D_ARM_FIN_HW, offsetof(struct run_result, arm_hw), false },
		{ "arm.final.guest", D_ARM_FIN_G, offsetof(struct run_result, arm_guest), false },
		{ "arm.final.hv", D_ARM_FIN_HV, offsetof(struct run_result, arm_hv), false },
	};
	uint64_t tr = 0, tw = 0;
	for (int i = 0; i < ARM_DBGREG_N; i++) {
		tr += r->st.arm_traps_r[i];
		tw += r->st.arm_traps_w[i];
	}
	VISIT(vu(cb, ctx, "arm.traps.reads", "Arm: trapped MRS of any debug register", tr));
	VISIT(vu(cb, ctx, "arm.traps.writes", "Arm: trapped MSR of any debug register", tw));
	for (size_t k = 0; k < sizeof(tab) / sizeof(tab[0]); k++) {
		const char *base = tab[k].stats ? (const char *)&r->st : (const char *)r;
		const uint64_t *a = (const uint64_t *)(const void *)(base + tab[k].off);
		for (int i = 0; i < ARM_DBGREG_N; i++) {
			if (!arm_reg_shown(r, i) || (i == ARM_ID_AA64DFR0_EL1 && !tab[k].stats))
				continue;
			snprintf(p, sizeof(p), "%s.%s", tab[k].prefix, arm_dbgreg_name(i));
			VISIT(vu(cb, ctx, p, tab[k].desc, a[i]));
		}
	}
	return 0;
}

/* The walk of result_visit; with `want` (result_field), the families of
 * paths that cannot be `want` are skipped (their prefix differs) and no
 * path string is built for an exit slot of another name: the same item is
 * found, ~100 times faster (issue 16: `hvsim compare` looked up every table
 * cell with a walk of every field). */
static bool may(const char *want, const char *prefix)
{
	return !want || !strncmp(want, prefix, strlen(prefix));
}

/* Is `name` (the rest of a wanted path) the name of exit slot i? */
static bool slot_named(const struct run_result *r, unsigned i, const char *name)
{
	if (r->exit_names && i < r->nexit_names && r->exit_names[i])
		return !strcmp(r->exit_names[i], name);
	char buf[64];
	result_slot_name(r, i, buf, sizeof(buf));
	return !strcmp(buf, name);
}

static int visit(const struct run_result *r, visit_cb cb, void *ctx, const char *want)
{
	char p[192];

	VISIT(vs(cb, ctx, "scenario", "scenario name", r->scenario));
	VISIT(vs(cb, ctx, "policy", "policy or variant name", r->policy));
	VISIT(vs(cb, ctx, "vendor", "\"vmx\", \"svm\" or \"none\" (bare metal)", r->vendor));
	VISIT(vs(cb, ctx, "cost_model", "cost model name", r->cost_model));

	for (unsigned i = 0; i < stat_ndescs; i++) {
		uint64_t v;
		memcpy(&v, (const char *)&r->st + stat_descs[i].offset, sizeof(v));
		VISIT(vu(cb, ctx, stat_descs[i].path, stat_descs[i].desc, v));
	}

	VISIT(vs(cb, ctx, "guest.stop", "why the guest stopped (halt, budget, fault, triple_fault, ...)",
		 engine_stop_name(r->stop)));
	VISIT(vs(cb, ctx, "guest.stop_message", "detail of the stop reason", r->stop_msg));
	VISIT(vu(cb, ctx, "guest.rip", "final guest RIP (Arm: PC)", r->guest_rip));
	if (arm_run(r)) {
		for (int i = 0; i < 31 && may(want, "guest.regs."); i++) {
			snprintf(p, sizeof(p), "guest.regs.x%d", i);
			VISIT(vu(cb, ctx, p, "final guest general-purpose register", r->arm_x[i]));
		}
	} else {
		for (int i = 0; i < 16 && may(want, "guest.regs."); i++) {
			snprintf(p, sizeof(p), "guest.regs.%s", gpr_names[i]);
			VISIT(vu(cb, ctx, p, "final guest general-purpose register", r->gprs[i]));
		}
	}

	static const struct {
		const char *prefix, *desc;
		int what;
	} ex[] = {
		{ "exits.by_reason", D_BY_REASON, 0 }, { "exits.cycles", D_EX_CYCLES, 1 },
		{ "exits.min", D_EX_MIN, 2 }, { "exits.max", D_EX_MAX, 3 }, { "exits.sumsq", D_EX_SUMSQ, 4 },
	};
	for (size_t k = 0; k < sizeof(ex) / sizeof(ex[0]); k++) {
		if (!may(want, ex[k].prefix))
			continue;
		const char *rest = want ? want + strlen(ex[k].prefix) : NULL;
		for (unsigned i = 0; i < EXIT_SLOTS; i++) {
			if (!slot_shown(r, i))
				continue;
			if (rest && (rest[0] != '.' || !slot_named(r, i, rest + 1)))
				continue;
			char name[64];
			result_slot_name(r, i, name, sizeof(name));
			snprintf(p, sizeof(p), "%s.%s", ex[k].prefix, name);
			const struct exit_stat *es = &r->st.exits[i];
			uint64_t v = 0;
			switch (ex[k].what) {
			case 0: v = es->count; break;
			case 1: v = es->cycles; break;
			case 2: v = es->count ? es->min : 0; break;
			case 3: v = es->max; break;
			case 4: v = es->sumsq > 0 ? (uint64_t)llround(fmin(es->sumsq, 1.8e19)) : 0; break;
			}
			VISIT(vu(cb, ctx, p, ex[k].desc, v));
		}
	}

	/* Exits to user space, only where the host debugs the guest (results
	 * of other runs are unchanged). */
	if (r->st.guest_debug)
		VISIT(vu(cb, ctx, "exits.to_user.debug", D_TO_USER_DBG, r->st.exits_to_user_debug));

	if (arm_run(r)) {
		/* the Arm debug registers instead of DR0-DR7 */
		VISIT(visit_arm(r, cb, ctx));
		VISIT(vu(cb, ctx, "db.log_dropped", "#DB records not kept in db.log (log full)", r->db_dropped));
		VISIT(vu(cb, ctx, "violations_dropped", "violations not kept in the violations list (list full)",
			 r->viol_dropped));
		return 0;
	}
	static const struct {
		const char *prefix, *desc;
		size_t off;
		bool stats;
	} drs[] = {
		{ "dr.hw_reads", D_HW_READS, offsetof(struct stats, dr_hw_reads), true },
		{ "dr.hw_writes", D_HW_WRITES, offsetof(struct stats, dr_hw_writes), true },
		{ "dr.exits.read", D_EXIT_READ, offsetof(struct stats, dr_exit_reads), true },
		{ "dr.exits.write", D_EXIT_WRITE, offsetof(struct stats, dr_exit_writes), true },
		{ "dr.final.hw", D_FINAL_HW, offsetof(struct run_result, hw_dr), false },
		{ "dr.final.guest", D_FINAL_GST, offsetof(struct run_result, guest_dr), false },
		{ "dr.final.hv", D_FINAL_HV, offsetof(struct run_result, hv_dr), false },
	};
	for (size_t k = 0; k < sizeof(drs) / sizeof(drs[0]); k++) {
		if (!may(want, drs[k].prefix))
			continue;
		const char *base = drs[k].stats ? (const char *)&r->st : (const char *)r;
		const uint64_t *a = (const uint64_t *)(const void *)(base + drs[k].off);
		for (int n = 0; n < 8; n++) {
			snprintf(p, sizeof(p), "%s.dr%d", drs[k].prefix, n);
			uint64_t v = a[n];
			if (drs[k].stats && (n == 4 || n == 5) && k < 2)
				v = 0;                 /* DR4/DR5 are never hardware registers */
			VISIT(vu(cb, ctx, p, drs[k].desc, v));
		}
	}

	VISIT(vu(cb, ctx, "db.log_dropped", "#DB records not kept in db.log (log full)", r->db_dropped));
	VISIT(vu(cb, ctx, "violations_dropped", "violations not kept in the violations list (list full)",
		 r->viol_dropped));
	if (r->world.on)
		VISIT(world_visit(r, cb, ctx));
	return 0;
}

int result_visit(const struct run_result *r, visit_cb cb, void *ctx)
{
	return visit(r, cb, ctx, NULL);
}

/* ---- result_field ------------------------------------------------------ */

struct find_ctx {
	const char *path;
	const struct result_item *found;
	struct result_item copy;
};

static int find_cb(void *ctx, const struct result_item *it)
{
	struct find_ctx *fc = ctx;
	if (strcmp(fc->path, it->path) != 0)
		return 0;
	fc->copy = *it;
	fc->found = &fc->copy;
	return 1;
}

/* mem.ADDR.SIZE: ADDR hex (0x optional), SIZE 1, 2, 4 or 8. */
static bool parse_mem_path(const char *path, uint64_t *addr, unsigned *size)
{
	if (strncmp(path, "mem.", 4) != 0)
		return false;
	const char *a = path + 4;
	const char *dot = strrchr(a, '.');
	if (!dot || dot == a)
		return false;
	const char *h = a;
	if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
		h += 2;
	if (h == dot || dot - h > 16)
		return false;
	uint64_t v = 0;
	for (const char *q = h; q < dot; q++) {
		if (!isxdigit((unsigned char)*q))
			return false;
		v = (v << 4) | (uint64_t)(isdigit((unsigned char)*q) ? *q - '0' : (tolower((unsigned char)*q) - 'a' + 10));
	}
	const char *s = dot + 1;
	if (!(s[0] == '1' || s[0] == '2' || s[0] == '4' || s[0] == '8') || s[1])
		return false;
	*addr = v;
	*size = (unsigned)(s[0] - '0');
	return true;
}

static int mem_field(const struct run_result *r, uint64_t addr, unsigned size, uint64_t *val)
{
	for (unsigned i = 0; i < r->nmem_regions; i++) {
		uint64_t ra = r->mem_regions[i].addr, rs = r->mem_regions[i].size, off = r->mem_regions[i].off;
		if (addr < ra || addr - ra > rs || rs - (addr - ra) < size)
			continue;
		uint64_t o = off + (addr - ra);
		if (!r->mem_copy || o > r->mem_size || r->mem_size - o < size)
			return -1;
		uint64_t v = 0;
		for (unsigned b = 0; b < size; b++)
			v |= (uint64_t)r->mem_copy[o + b] << (8 * b);
		*val = v;
		return 0;
	}
	return -1;
}

/* db.log.N.FIELD (expectations only): record N of the #DB log, FIELD one of
 * rip, dr6, hw_dr6, hw_slots, ideal_slots (numbers) or outcome, who, cause
 * (strings, the JSON's spellings).  -1 if the path has another shape; -2 if
 * it has this shape (record `*n`, field `*f`) whatever the log holds. */
static int parse_dblog_path(const char *path, unsigned long *n, const char **f)
{
	if (strncmp(path, "db.log.", 7) != 0 || !isdigit((unsigned char)path[7]))
		return -1;
	char *end;
	errno = 0;
	*n = strtoul(path + 7, &end, 10);
	if (errno || *end != '.')
		return -1;
	*f = end + 1;
	static const char *const fields[] = { "rip", "dr6", "hw_dr6", "hw_slots", "ideal_slots",
					      "outcome", "who", "cause" };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(*f, fields[i]) == 0)
			return -2;
	return -1;
}

static int dblog_field(const struct run_result *r, unsigned long n, const char *f, uint64_t *val,
		       const char **str)
{
	if (n >= r->ndb)
		return -1;
	const struct db_record *d = &r->db[n];
	static const char *const outcome[] = { [DB_DELIVERED] = "delivered", [DB_MISSED] = "missed",
					       [DB_SPURIOUS] = "spurious" };
	if (!strcmp(f, "rip")) *val = d->rip;
	else if (!strcmp(f, "dr6")) *val = d->dr6;
	else if (!strcmp(f, "hw_dr6")) *val = d->hw_dr6;
	else if (!strcmp(f, "hw_slots")) *val = d->hw_slots;
	else if (!strcmp(f, "ideal_slots")) *val = d->ideal_slots;
	else if (!strcmp(f, "outcome")) *str = d->outcome <= DB_SPURIOUS ? outcome[d->outcome] : "unknown";
	else if (!strcmp(f, "who")) *str = d->host ? "host" : "guest";
	else *str = d->cause ? d->cause : "";
	return 0;
}

int result_field(const struct run_result *r, const char *path, uint64_t *val, const char **str)
{
	uint64_t dummy;
	const char *sdummy;
	if (!val)
		val = &dummy;
	if (!str)
		str = &sdummy;
	*str = NULL;
	*val = 0;
	if (!path)
		return -1;
	if (strcmp(path, "schema") == 0) {
		*str = RESULT_SCHEMA;
		return 0;
	}
	if (strcmp(path, "version") == 0) {
		*val = RESULT_SCHEMA_VERSION;
		return 0;
	}
	if (strcmp(path, "violations.count") == 0) {
		*val = r->nviol;
		return 0;
	}
	if (strcmp(path, "db.log.count") == 0) {
		*val = r->ndb;
		return 0;
	}
	unsigned long dbn;
	const char *dbf;
	if (parse_dblog_path(path, &dbn, &dbf) == -2)
		return dblog_field(r, dbn, dbf, val, str);
	uint64_t addr;
	unsigned size;
	if (parse_mem_path(path, &addr, &size))
		return mem_field(r, addr, size, val);

	struct find_ctx fc = { .path = path };
	visit(r, find_cb, &fc, path);
	if (!fc.found)
		return -1;
	if (fc.found->is_str)
		*str = fc.found->s;
	else
		*val = fc.found->u;
	return 0;
}

static bool is_ident(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* cpus.N.PATH, vcpus.N.PATH and the totals (world_visit). */
static bool world_field_known(const char *path, bool *is_str)
{
	static const char *const tot[] = { "host.cpus", "host.tasks", "guest.vcpus" };
	for (size_t i = 0; i < sizeof(tot) / sizeof(tot[0]); i++)
		if (!strcmp(path, tot[i]))
			return true;
	for (unsigned i = 0; i < MC_N; i++)
		if ((!strncmp(mcount_descs[i].path, "sched.", 6) || !strncmp(mcount_descs[i].path, "host.", 5)) &&
		    !strcmp(path, mcount_descs[i].path))
			return true;
	bool cpu = !strncmp(path, "cpus.", 5), vcpu = !strncmp(path, "vcpus.", 6);
	if (!cpu && !vcpu)
		return false;
	const char *n = path + (cpu ? 5 : 6), *q = n;
	while (isdigit((unsigned char)*q))
		q++;
	if (q == n || q - n > 3 || *q != '.')
		return false;
	q++;
	if (vcpu && (!strcmp(q, "cpu") || !strcmp(q, "guest.instructions")))
		return true;
	if (vcpu && !strcmp(q, "guest.stop")) {
		*is_str = true;
		return true;
	}
	for (unsigned i = 0; i < MC_N; i++)
		if (!strcmp(q, mcount_descs[i].path) && mcount_descs[i].where != (cpu ? 'V' : 'C'))
			return true;
	return false;
}

bool result_field_known(const char *path, bool *is_str)
{
	static const struct run_result zero;
	uint64_t v;
	const char *s;
	bool dummy;
	if (!is_str)
		is_str = &dummy;
	*is_str = false;
	if (!path)
		return false;
	if (result_field(&zero, path, &v, &s) == 0) {
		*is_str = s != NULL;
		return true;
	}
	if (strcmp(path, "exits.to_user.debug") == 0)     /* only in guest-debug runs */
		return true;
	unsigned long dbn;
	const char *dbf;
	if (parse_dblog_path(path, &dbn, &dbf) == -2) {   /* any record number: the log is the run's */
		*is_str = !strcmp(dbf, "outcome") || !strcmp(dbf, "who") || !strcmp(dbf, "cause");
		return true;
	}
	if (world_field_known(path, is_str))              /* only in host-world runs */
		return true;
	/* Arm runs' fields (issue 20), which a zero (x86) result does not show */
	static struct run_result arm_zero;
	if (!arm_zero.arm_brps) {
		arm_zero.arm_brps = ARM_MAX_BRPS;
		arm_zero.arm_wrps = ARM_MAX_WRPS;
	}
	if (result_field(&arm_zero, path, &v, &s) == 0) {
		*is_str = s != NULL;
		return true;
	}
	static const char *const dyn[] = {
		"exits.by_reason.", "exits.cycles.", "exits.min.", "exits.max.", "exits.sumsq.",
	};
	for (size_t i = 0; i < sizeof(dyn) / sizeof(dyn[0]); i++) {
		size_t n = strlen(dyn[i]);
		if (strncmp(path, dyn[i], n) == 0)
			return is_ident(path + n);
	}
	uint64_t addr;
	unsigned size;
	if (parse_mem_path(path, &addr, &size))
		return true;
	if (strncmp(path, "mem.", 4) == 0) {   /* mem.LABEL.SIZE */
		const char *a = path + 4, *dot = strrchr(a, '.');
		if (!dot || dot == a)
			return false;
		char label[128];
		size_t n = (size_t)(dot - a);
		if (n >= sizeof(label))
			return false;
		memcpy(label, a, n);
		label[n] = '\0';
		char fake[160];
		snprintf(fake, sizeof(fake), "mem.0.%s", dot + 1);
		return (isalpha((unsigned char)label[0]) || label[0] == '_' || label[0] == '.') &&
		       parse_mem_path(fake, &addr, &size);
	}
	return false;
}

bool result_stop_abnormal(enum engine_stop s, bool budget_ok)
{
	if (s == STOP_HALT)
		return false;
	if (s == STOP_BUDGET)
		return !budget_ok;
	return true;
}

void result_field_patterns(void (*cb)(const char *path, const char *type, const char *desc, void *ctx),
			   void *ctx)
{
	cb("schema", "string", "\"" RESULT_SCHEMA "\" (document level)", ctx);
	cb("version", "u64", "result schema version (document level)", ctx);
	cb("scenario", "string", "scenario name", ctx);
	cb("policy", "string", "policy or variant name", ctx);
	cb("vendor", "string", "\"vmx\", \"svm\" or \"none\" (bare metal)", ctx);
	cb("cost_model", "string", "cost model name", ctx);
	for (unsigned i = 0; i < stat_ndescs; i++)
		cb(stat_descs[i].path, "u64", stat_descs[i].desc, ctx);
	cb("guest.stop", "string", "why the guest stopped: halt, budget, fault, triple_fault, "
	   "invalid_opcode, unmapped, entry_failed, internal", ctx);
	cb("guest.stop_message", "string", "detail of the stop reason", ctx);
	cb("guest.rip", "u64", "final guest RIP", ctx);
	cb("guest.regs.REG", "u64", "final guest GPR; REG = rax rcx rdx rbx rsp rbp rsi rdi r8 ... r15", ctx);
	cb("exits.by_reason.NAME", "u64", D_BY_REASON, ctx);
	cb("exits.cycles.NAME", "u64", D_EX_CYCLES, ctx);
	cb("exits.min.NAME", "u64", D_EX_MIN, ctx);
	cb("exits.max.NAME", "u64", D_EX_MAX, ctx);
	cb("exits.sumsq.NAME", "u64", D_EX_SUMSQ, ctx);
	cb("exits.to_user.debug", "u64", D_TO_USER_DBG, ctx);
	cb("dr.hw_reads.drN", "u64", D_HW_READS, ctx);
	cb("dr.hw_writes.drN", "u64", D_HW_WRITES, ctx);
	cb("dr.exits.read.drN", "u64", D_EXIT_READ, ctx);
	cb("dr.exits.write.drN", "u64", D_EXIT_WRITE, ctx);
	cb("dr.final.hw.drN", "u64", D_FINAL_HW, ctx);
	cb("dr.final.guest.drN", "u64", D_FINAL_GST, ctx);
	cb("dr.final.hv.drN", "u64", D_FINAL_HV, ctx);
	cb("host.cpus", "u64", D_HOST_CPUS " (present only when the scenario uses the host world)", ctx);
	cb("host.tasks", "u64", D_HOST_TASKS " (host world)", ctx);
	cb("guest.vcpus", "u64", D_GUEST_VCPUS " (host world)", ctx);
	for (unsigned i = 0; i < MC_N; i++) {
		char d[200];
		if (!strncmp(mcount_descs[i].path, "sched.", 6) || !strncmp(mcount_descs[i].path, "host.", 5)) {
			snprintf(d, sizeof(d), "%s, all CPUs (host world)", mcount_descs[i].desc);
			cb(mcount_descs[i].path, "u64", d, ctx);
		}
	}
	for (unsigned i = 0; i < MC_N; i++) {
		char pth[96], d[220];
		if (mcount_descs[i].where != 'V') {
			snprintf(pth, sizeof(pth), "cpus.N.%s", mcount_descs[i].path);
			snprintf(d, sizeof(d), "%s, on CPU N (host world)", mcount_descs[i].desc);
			cb(pth, "u64", d, ctx);
		}
	}
	cb("vcpus.N.cpu", "u64", D_VCPU_CPU " (host world)", ctx);
	cb("vcpus.N.guest.instructions", "u64", D_VCPU_INSNS " (host world)", ctx);
	cb("vcpus.N.guest.stop", "string", D_VCPU_STOP " (host world)", ctx);
	for (unsigned i = 0; i < MC_N; i++) {
		char pth[96], d[220];
		if (mcount_descs[i].where != 'C') {
			snprintf(pth, sizeof(pth), "vcpus.N.%s", mcount_descs[i].path);
			snprintf(d, sizeof(d), "%s, by vCPU N while loaded (host world)", mcount_descs[i].desc);
			cb(pth, "u64", d, ctx);
		}
	}
	cb("guest.regs.xN", "u64", "Arm runs: final X0-X30 (instead of the x86 registers)", ctx);
	cb("arm.traps.reads", "u64", "Arm: trapped MRS of any debug register", ctx);
	cb("arm.traps.writes", "u64", "Arm: trapped MSR of any debug register", ctx);
	cb("arm.traps.read.REG", "u64", D_ARM_TRAP_R " (REG: dbgbvrN_el1, dbgbcrN_el1, dbgwvrN_el1, dbgwcrN_el1, "
	   "mdscr_el1, oslar_el1, oslsr_el1, ..., id_aa64dfr0_el1; Arm runs show these instead of dr.*)", ctx);
	cb("arm.traps.write.REG", "u64", D_ARM_TRAP_W, ctx);
	cb("arm.hw_reads.REG", "u64", D_ARM_HW_R, ctx);
	cb("arm.hw_writes.REG", "u64", D_ARM_HW_W, ctx);
	cb("arm.final.hw.REG", "u64", D_ARM_FIN_HW, ctx);
	cb("arm.final.guest.REG", "u64", D_ARM_FIN_G, ctx);
	cb("arm.final.hv.REG", "u64", D_ARM_FIN_HV, ctx);
	cb("mem.ADDR.SIZE", "u64", "guest memory at ADDR (hex or a label), SIZE 1/2/4/8 bytes little-endian "
	   "(expectations only, not in JSON)", ctx);
	cb("db.log", "list", "#DB records {cycle, rip, dr6, hw_dr6, hw_slots, ideal_slots, outcome, who, cause}; "
	   "in host-world runs also cpu and owner (vcpuN or a host task)", ctx);
	cb("db.log.count", "u64", "records in db.log (expectations only)", ctx);
	cb("db.log.N.FIELD", "u64/string", "record N (from 0) of db.log: rip, dr6, hw_dr6, hw_slots, ideal_slots; "
	   "outcome, who, cause (expectations only)", ctx);
	cb("db.log_dropped", "u64", "#DB records not kept in db.log (log full)", ctx);
	cb("violations", "list", "correctness violations {cycle, rip, slot, kind, detail}", ctx);
	cb("violations.count", "u64", "entries in violations (expectations only)", ctx);
	cb("violations_dropped", "u64", "violations not kept in the violations list (list full)", ctx);
}

int result_mem_init(struct run_result *res, unsigned nregions, size_t total)
{
	free(res->mem_copy);
	free(res->mem_regions);
	res->mem_copy = malloc(total + 1);
	res->mem_regions = calloc(nregions ? nregions : 1, sizeof(*res->mem_regions));
	res->mem_size = 0;
	res->nmem_regions = 0;
	res->mem_regions_cap = res->mem_copy && res->mem_regions ? nregions : 0;
	res->mem_copy_cap = res->mem_regions_cap == nregions ? total : 0;
	return res->mem_regions_cap == nregions ? 0 : -1;
}

uint8_t *result_mem_add(struct run_result *res, uint64_t addr, uint64_t size)
{
	if (res->nmem_regions >= res->mem_regions_cap || size > res->mem_copy_cap - res->mem_size)
		return NULL;
	struct mem_region *m = &res->mem_regions[res->nmem_regions++];
	m->addr = addr;
	m->size = size;
	m->off = res->mem_size;
	res->mem_size += size;
	return res->mem_copy + m->off;
}

void run_result_free(struct run_result *res)
{
	if (!res)
		return;
	free(res->db);
	free(res->viol);
	free(res->mem_copy);
	free(res->mem_regions);
	res->mem_regions = NULL;
	res->mem_regions_cap = 0;
	res->mem_copy_cap = 0;
	res->db = NULL;
	res->ndb = 0;
	res->viol = NULL;
	res->nviol = 0;
	res->mem_copy = NULL;
	res->mem_size = 0;
	res->nmem_regions = 0;
}

