/* run_arm.c - one scenario on the Arm vendor (issue 20): build the Arm
 * machine (the AArch64 engine, the Arm CPU's debug bank, KVM/arm on top),
 * run the vCPU loop, replay the host's activity between exits, collect
 * the result in the same struct run_result as an x86 run.
 *
 * The loop is sim/run.c's six steps with arm/kvm.c as the vendor: step 1
 * arm_enter (vcpu_load after a return to user space, kvm_arm_setup_debug,
 * the hyp's switch to the guest, ERET); step 2 a64_run; steps 3-6 inside
 * the engine's hook (arm_vcpu_exit).  The host here has no code of its
 * own (host snippets are x86 code): its breakpoint installs, removals and
 * data touches run from the host hook between exits. */
#include "arm/arm.h"
#include "debugreg/policy.h"
#include "sim/run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARM_DEFAULT_BUDGET 10000000ull
#define ARM_STACK_TOP 0x00F00000ull
#define ARM_STACK_SIZE 0x10000ull

struct arm_run {
	const struct scenario *sc;
	struct cpu cpu;
	struct cost_model cost;
	struct a64 *guest;
	struct armv *v;                    /* NULL on bare metal */
};

static void host_event(struct arm_run *r, const struct host_event *ev)
{
	r->cpu.st.host_events++;
	switch (ev->action) {
	case HOST_INSTALL_BP:
		arm_host_bp_install(r->v, ev->bp.slot, ev->bp.addr, (unsigned)ev->bp.type, ev->bp.len);
		cpu_event(&r->cpu, EV_HOST, 1, ev->bp.addr, 0, "install");
		break;
	case HOST_REMOVE_BP:
		arm_host_bp_remove(r->v, ev->slot);
		cpu_event(&r->cpu, EV_HOST, 2, (uint64_t)ev->slot, 0, "remove");
		break;
	case HOST_TOUCH:
		cpu_event(&r->cpu, EV_HOST, 3, ev->addr, 0, "touch");
		arm_host_touch(r->v, ev->addr, ev->size, ev->write);
		break;
	case HOST_RUN:
	case HOST_SET_CR3:
		break;                         /* refused by the loader for aarch64 */
	}
}

static void after_exit(void *ctx, uint64_t exit_no)
{
	struct arm_run *r = ctx;
	for (size_t i = 0; i < r->sc->host.nevents; i++)
		if (host_event_after_exit(&r->sc->host.events[i], exit_no))
			host_event(r, &r->sc->host.events[i]);
}

static int build_guest(struct arm_run *r, char *err, size_t errsize)
{
	const struct scenario *sc = r->sc;
	r->guest = a64_new(&r->cpu, err, errsize);
	if (!r->guest)
		return -1;
	const struct code_block *cb = &sc->guest.code;
	if (a64_map(r->guest, cb->base, cb->size, cb->bytes, cb->size)) {
		snprintf(err, errsize, "%s:%d:%d: cannot map guest code at 0x%llx", sc->path, cb->pos.line,
			 cb->pos.col, (unsigned long long)cb->base);
		return -1;
	}
	for (size_t i = 0; i < sc->guest.ndata; i++) {
		const struct data_region *d = &sc->guest.data[i];
		if (a64_map(r->guest, d->addr, d->size, d->bytes, d->nbytes)) {
			snprintf(err, errsize, "%s:%d:%d: cannot map guest data at 0x%llx (at most 30 regions)",
				 sc->path, d->pos.line, d->pos.col, (unsigned long long)d->addr);
			return -1;
		}
	}
	bool has_sp = false;
	for (size_t i = 0; i < sc->guest.nregs; i++)
		has_sp |= !strcmp(sc->guest.regs[i].name, "sp");
	if (!has_sp && !a64_mapped(r->guest, ARM_STACK_TOP - ARM_STACK_SIZE, (unsigned)ARM_STACK_SIZE)) {
		/* a default stack below 16 MiB, as for x86 guests */
		if (a64_map(r->guest, ARM_STACK_TOP - ARM_STACK_SIZE, ARM_STACK_SIZE, NULL, 0) == 0)
			a64_reg_by_name(r->guest, "sp", ARM_STACK_TOP);
	}
	for (size_t i = 0; i < sc->guest.nregs; i++)
		if (a64_reg_by_name(r->guest, sc->guest.regs[i].name, sc->guest.regs[i].value)) {
			snprintf(err, errsize, "%s:%d:%d: register '%s' does not exist on an aarch64 guest", sc->path,
				 sc->guest.regs[i].pos.line, sc->guest.regs[i].pos.col, sc->guest.regs[i].name);
			return -1;
		}
	a64_set_pc(r->guest, sc->guest.entry ? sc->guest.entry : cb->base);
	a64_set_budget(r->guest, sc->guest.max_instructions ? sc->guest.max_instructions : ARM_DEFAULT_BUDGET,
		       sc->guest.max_cycles);
	return 0;
}

/* The vCPU loop (sim/run.c's steps; 3-6 run inside a64_run's hook). */
static enum engine_stop vcpu_run(struct arm_run *r)
{
	if (r->v) {
		for (size_t i = 0; i < r->sc->host.nevents; i++)
			if (r->sc->host.events[i].when == WHEN_START)
				host_event(r, &r->sc->host.events[i]);
		arm_enter(r->v);
	}
	for (;;) {
		enum engine_stop s = a64_run(r->guest, a64_pc(r->guest));
		if (s != STOP_NONE)
			return s;
	}
}

static int a64_read(void *ctx, uint64_t addr, void *buf, size_t n)
{
	return a64_mem_read(ctx, addr, buf, n);
}

static void collect(struct arm_run *r, const struct policy *pol, enum engine_stop s, struct run_result *res)
{
	const struct scenario *sc = r->sc;
	res->stop = s;
	snprintf(res->stop_msg, sizeof(res->stop_msg), "%s", a64_stop_message(r->guest));
	r->cpu.st.guest_instructions = a64_instructions(r->guest);
	res->st = r->cpu.st;
	stats_finish(&res->st);
	snprintf(res->scenario, sizeof(res->scenario), "%s", sc->name ? sc->name : "?");
	snprintf(res->policy, sizeof(res->policy), "%s", r->v ? pol->name : "none");
	snprintf(res->vendor, sizeof(res->vendor), "%s", r->v ? "arm" : "none");
	snprintf(res->cost_model, sizeof(res->cost_model), "%s", r->cost.name);
	res->cost = r->cost;
	memcpy(res->cost_n, r->cpu.cost_n, sizeof(res->cost_n));
	memcpy(res->arm_hw, r->cpu.arm.reg, sizeof(res->arm_hw));
	memcpy(res->arm_guest, a64_ideal(r->guest)->reg, sizeof(res->arm_guest));
	if (r->v)
		memcpy(res->arm_hv, r->v->dbg.sys, sizeof(res->arm_hv));
	res->arm_brps = r->cpu.arm.brps;
	res->arm_wrps = r->cpu.arm.wrps;
	res->guest_rip = a64_pc(r->guest);
	for (int i = 0; i < 31; i++)
		res->arm_x[i] = a64_x(r->guest, i);
	size_t n = 0, nv = 0;
	uint64_t d = 0, dv = 0;
	const struct db_record *g = a64_db_log(r->guest, &n, &d);
	res->db = calloc(n + 1, sizeof(*res->db));
	if (res->db && n)
		memcpy(res->db, g, n * sizeof(*g));
	res->ndb = res->db ? n : 0;
	res->db_dropped = d;
	const struct violation *v = a64_violations(r->guest, &nv, &dv);
	res->viol = calloc(nv + 1, sizeof(*res->viol));
	if (res->viol && nv)
		memcpy(res->viol, v, nv * sizeof(*v));
	res->nviol = res->viol ? nv : 0;
	res->viol_dropped = dv;
	sim_copy_memory(r->sc, res, a64_read, r->guest);
}

int sim_run_arm(const struct scenario *sc, const struct run_config *cfg, const struct policy *pol,
		const struct cost_model *cost, struct run_result *res, char *err, size_t errsize, bool dry)
{
	struct arm_run *r = calloc(1, sizeof(*r));
	int rc = -1;
	if (!r) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	r->sc = sc;
	r->cost = *cost;
	bool bare = cfg->vendor == VENDOR_NONE;
	if (!bare && pol->arm_switch == ARM_SW_NONE) {
		int line = sc->vendor_pos.line, col = sc->vendor_pos.col;
		for (size_t i = 0; i < sc->npolicies; i++)
			if (!strcmp(sc->policies[i], pol->name) && sc->policy_pos) {
				line = sc->policy_pos[i].line;
				col = sc->policy_pos[i].col;
			}
		snprintf(err, errsize, "%s:%d:%d: policy %s is an x86 policy; the Arm vendor runs arm32_dirty, "
			 "arm64_dirty, arm64_owner-6.14 or a variant of them (see 'hvsim list policies')",
			 sc->path ? sc->path : "-", line, col, pol->name);
		goto out;
	}
	cpu_init(&r->cpu, &r->cost);
	r->cpu.arm.brps = sc->arm_brps ? sc->arm_brps : 6;
	r->cpu.arm.wrps = sc->arm_wrps ? sc->arm_wrps : 4;
	/* the physical CPU after the host kernel's boot: OS Lock clear
	 * (Linux clear_os_lock), OSLSR_EL1.OSLM = implemented */
	cpu_arm_write(&r->cpu, ARM_OSLSR_EL1, OSLSR_OSLM_IMPL, DRW_PROCESSOR, "reset");
	if (build_guest(r, err, errsize))
		goto out;
	if (!bare) {
		struct hv_config hc = { .policy = pol, .timer_period = sc->host.timer_period,
					.host = { .after_exit = after_exit, .ctx = r } };
		r->v = arm_create(&r->cpu, r->guest, &hc);
		if (!r->v) {
			snprintf(err, errsize, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < sc->host.nbps; i++) {
			const struct host_bp *b = &sc->host.bps[i];
			arm_host_bp_install(r->v, b->slot, b->addr, (unsigned)b->type, b->len);
		}
		arm_replay_irqs(r->v, cfg->arm_irq_replay, cfg->arm_nirq_replay);
		res->exit_names = arm_exit_names;
		res->nexit_names = EXIT_SLOTS;
	}
	if (dry) {
		rc = 0;
		goto out;
	}
	stats_reset(&r->cpu.st);
	memset(r->cpu.cost_n, 0, sizeof(r->cpu.cost_n));
	r->cpu.trace = cfg->trace;
	r->cpu.trace_ctx = cfg->trace_ctx;
	if (cfg->attach)
		cfg->attach(cfg->trace_ctx, &(struct run_machine){ .cpu = &r->cpu, .arm_guest = r->guest });
	collect(r, pol, vcpu_run(r), res);
	rc = 0;
out:
	if (r->v)
		arm_destroy(r->v);
	a64_free(r->guest);
	free(r);
	return rc;
}
