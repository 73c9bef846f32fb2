/* machine.c - the host world of one run (sim/machine.h): who runs where,
 * and what the host kernel and KVM do to the debug registers when that
 * changes.
 *
 * The order of things at a reschedule follows Linux's __schedule():
 * prepare_task_switch() fires the preempt notifiers of the outgoing task
 * (kvm_sched_out -> kvm_arch_vcpu_put) and perf_event_task_sched_out();
 * switch_to() runs (__switch_to_xtra on <= 2.6.32); finish_task_switch()
 * does perf_event_task_sched_in() and fires the incoming task's notifiers
 * (kvm_sched_in -> kvm_arch_vcpu_load).  The schedule itself is host/sched.c's
 * round robin: CPUs visited in turn, one slice each. */
#include "sim/machine.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct mcount_desc mcount_descs[MC_N] = {
#define MCOUNT(id, path, where, desc) [id] = { path, desc, #where[0] },
#define MCOUNT_S(id, path, where, field, desc) [id] = { path, desc, #where[0] },
#include "sim/machine.def"
#undef MCOUNT
#undef MCOUNT_S
};

/* Where in struct stats a row's counter lives, plus 1 (0: the machine's own). */
static const unsigned mc_off[MC_N] = {
#define MCOUNT(id, path, where, desc) [id] = 0,
#define MCOUNT_S(id, path, where, field, desc) [id] = offsetof(struct stats, field) + 1,
#include "sim/machine.def"
#undef MCOUNT
#undef MCOUNT_S
};

static uint64_t stat_at(const struct stats *st, unsigned off)
{
	uint64_t v;
	memcpy(&v, (const char *)st + off - 1, sizeof(v));
	return v;
}

/* ---- machine time ------------------------------------------------------------ */

/* One CPU acts at a time; machine time (trace stamps, db log) is the
 * serialized clock: a CPU that becomes active continues where the last one
 * stopped. */
static void activate(struct machine *m, int c)
{
	if (c == m->active_cpu)
		return;
	struct cpu *a = m->pcpu[m->active_cpu].cpu, *b = m->pcpu[c].cpu;
	uint64_t now = a->st.cycles_total + a->time_base;
	b->time_base = now - b->st.cycles_total;
	m->active_cpu = c;
}

/* ---- accrual of a vCPU's counters --------------------------------------------- */

static void accrue_begin(struct mvcpu *vc, struct pcpu *p)
{
	vc->acct = p;
	vc->snap = p->cpu->st;
}

static void accrue_end(struct mvcpu *vc)
{
	if (!vc->acct)
		return;
	for (unsigned i = 0; i < MC_N; i++)
		if (mc_off[i])
			vc->cnt.v[i] += stat_at(&vc->acct->cpu->st, mc_off[i]) - stat_at(&vc->snap, mc_off[i]);
	vc->acct = NULL;
}

/* ---- building ------------------------------------------------------------------ */

int machine_init(struct machine *m, const struct scenario *sc, struct cpu *cpu0, const struct policy *pol,
		 char *err, size_t errsize)
{
	memset(m, 0, sizeof(*m));
	m->sc = sc;
	m->era = (enum host_era)pol->host_switch;
	m->ncpus = sc->host.ncpus ? sc->host.ncpus : 1;
	m->nvcpus = sc->guest.nvcpus ? (int)sc->guest.nvcpus : 1;
	m->active = m->ncpus > 1 || m->nvcpus > 1 || sc->host.ntasks || sc->host.sched.set;
	m->cur = -1;
	if (m->ncpus > HOST_MAX_CPUS || m->nvcpus > MACHINE_MAX_VCPUS ||
	    m->nvcpus + (int)sc->host.ntasks + m->ncpus > HOST_MAX_TASKS) {
		snprintf(err, errsize, "%s:%d:%d: the host world is too large for this build", sc->path,
			 sc->host.ncpus_pos.line, sc->host.ncpus_pos.col);
		return -1;
	}
	for (int c = 0; c < m->ncpus; c++) {
		struct pcpu *p = &m->pcpu[c];
		p->id = c;
		if (c == 0) {
			p->cpu = cpu0;
		} else {
			p->cpu = m->extra_cpu[c] = calloc(1, sizeof(struct cpu));
			if (!p->cpu) {
				snprintf(err, errsize, "out of memory");
				return -1;
			}
			cpu_init(p->cpu, cpu0->cost);
			p->cpu->feat = cpu0->feat;
		}
		p->cpu->id = c;
		/* a one-CPU machine keeps vCPU 0 on CPU 0 from the start, as before */
		p->cpu->vcpu = m->active ? -1 : 0;
		hw_bp_percpu_init(&p->hw);
	}
	/* tasks: the vCPU threads, the other tasks, one idle task per CPU */
	int id = 0;
	for (int i = 0; i < m->nvcpus; i++, id++) {
		char name[32];
		snprintf(name, sizeof(name), "vcpu%d", i);
		host_task_init(&m->task[id], id, name, TASK_VCPU, i);
		m->vcpu[i].thread = &m->task[id];
		m->vcpu[i].last_cpu = -1;
		for (size_t k = 0; i == 0 && k < sc->host.nbps; k++) {
			const struct host_bp *b = &sc->host.bps[k];
			if (b->kind != BP_PTRACE)
				continue;
			/* a ptrace breakpoint of the VMM: the vCPU thread's own */
			struct hbp bp = { b->slot, b->addr, (unsigned)b->type, b->len, true };
			host_task_add_bp(&m->task[id], &bp);
		}
	}
	for (size_t k = 0; k < sc->host.ntasks; k++, id++) {
		const struct host_task_spec *ts = &sc->host.tasks[k];
		host_task_init(&m->task[id], id, ts->name, TASK_OTHER, -1);
		for (size_t j = 0; j < ts->nbps; j++) {
			struct hbp bp = { ts->bps[j].slot, ts->bps[j].addr, (unsigned)ts->bps[j].type, ts->bps[j].len,
					  ts->bps[j].kind == BP_PTRACE };
			host_task_add_bp(&m->task[id], &bp);
		}
	}
	for (int c = 0; c < m->ncpus; c++, id++) {
		char name[32];
		snprintf(name, sizeof(name), "idle%d", c);
		host_task_init(&m->task[id], id, name, TASK_IDLE, -1);
		m->pcpu[c].idle = m->pcpu[c].curr = &m->task[id];
		m->task[id].cpu = c;
	}
	m->ntasks = id;
	sched_init(&m->sched, m->ncpus);
	return 0;
}

void machine_fini(struct machine *m)
{
	for (int c = 1; c < HOST_MAX_CPUS; c++)
		free(m->extra_cpu[c]);
}

void machine_add_vcpu(struct machine *m, int i, struct engine *eng, const struct hv_vendor *vendor, void *v)
{
	m->vendor = vendor;
	m->vcpu[i].eng = eng;
	m->vcpu[i].v = v;
	engine_set_owner(eng, i);
	if (vendor && v)
		vendor->dbg(v)->thread = m->vcpu[i].thread;
}

/* The CPU a vCPU thread starts on. */
static int vcpu_home(const struct machine *m, int i)
{
	if (m->sc->guest.nvcpus && m->sc->guest.vcpus[i].cpu >= 0)
		return m->sc->guest.vcpus[i].cpu;
	return i % m->ncpus;
}

/* A CPU-wide perf breakpoint on CPU c: intent (oracle) and install. */
static void cpu_bp_install(struct machine *m, int c, const struct hbp *bp)
{
	m->cpu_bp[c][bp->slot].set = true;
	m->cpu_bp[c][bp->slot].bp = *bp;
	hw_bp_install_at(&m->pcpu[c], bp->slot, bp, HOST_OWNER_CPU);
}

void machine_setup(struct machine *m, struct engine *host)
{
	const struct scenario *sc = m->sc;
	m->host = host;
	for (size_t k = 0; k < sc->host.nbps; k++) {
		const struct host_bp *b = &sc->host.bps[k];
		if (b->kind == BP_PTRACE)
			continue;
		struct hbp bp = { b->slot, b->addr, (unsigned)b->type, b->len, false };
		for (int c = 0; c < m->ncpus; c++)
			if (b->cpu == c || b->cpu < 0)
				cpu_bp_install(m, c, &bp);
	}
	for (int i = 0; i < m->nvcpus; i++)
		sched_enqueue(&m->sched, vcpu_home(m, i), m->vcpu[i].thread->id);
	for (size_t k = 0; k < sc->host.ntasks; k++)
		sched_enqueue(&m->sched, sc->host.tasks[k].cpu, m->nvcpus + (int)k);
}

void machine_start_counting(struct machine *m, void (*trace)(void *, const struct sim_event *), void *ctx)
{
	for (int c = 1; c < m->ncpus; c++) {
		stats_reset(&m->pcpu[c].cpu->st);
		memset(m->pcpu[c].cpu->cost_n, 0, sizeof(m->pcpu[c].cpu->cost_n));
		m->pcpu[c].cpu->trace = trace;
		m->pcpu[c].cpu->trace_ctx = ctx;
	}
}

/* ---- the oracle's view of a host task ------------------------------------------ */

/* What task t wants in the DRs while it runs on p: the CPU-wide breakpoints
 * of p and its own, in the slots the era's kernel gives them when it works
 * (host_task_slots).  The owner's intent, not the kernel's bookkeeping: a
 * kernel that forgets a breakpoint shows as a miss. */
static struct dr_file *task_view(struct machine *m, struct host_task *t, struct pcpu *p)
{
	struct dr_file *f = &m->task_ideal[t->id];
	uint64_t dr7 = DR7_FIXED_1;
	unsigned mask = 0;
	for (int s = 0; s < HBP_NUM; s++) {
		f->dr[s] = 0;
		if (!m->cpu_bp[p->id][s].set)
			continue;
		const struct hbp *bp = &m->cpu_bp[p->id][s].bp;
		f->dr[s] = bp->addr;
		dr7 |= hw_bp_dr7_bits(s, bp->type, bp->len, true);
		mask |= 1u << s;
	}
	int slot[HBP_NUM];
	host_task_slots(t, m->era, mask, slot);
	for (unsigned i = 0; i < t->nbps; i++) {
		int s = slot[i];
		if (s < 0)
			continue;
		f->dr[s] = t->bps[i].addr;
		dr7 &= ~(3ull << (s * 2)) & ~(0xFull << (16 + s * 4));
		dr7 |= hw_bp_dr7_bits(s, t->bps[i].type, t->bps[i].len, true);
	}
	f->dr[7] = dr7_store_value(dr7);
	return f;
}

static void point_host(struct machine *m, struct host_task *t, struct pcpu *p)
{
	engine_set_cpu(m->host, p->cpu);
	engine_set_owner(m->host, t->id);
	engine_set_ideal(m->host, task_view(m, t, p));
}

/* A data access by task t on CPU p (its slice, or the VMM after an exit). */
static void touch_as(struct machine *m, struct host_task *t, struct pcpu *p, uint64_t addr, unsigned size,
		     bool write)
{
	point_host(m, t, p);
	cpu_event(p->cpu, EV_HOST, 3, addr, 0, "touch");
	uint64_t spur = p->cpu->st.db_host_spurious;
	engine_touch(m->host, addr, size, write);
	/* <= 2.6.32 do_debug: a #DB the task did not ask for came from a
	 * previous task's DR7, left armed by the lazy context switch */
	if (p->cpu->st.db_host_spurious != spur && host_lazy_dr7_clear(p, m->era))
		m->cpu_cnt[p->id].v[MC_SWDR]++;
}

void machine_touch(struct machine *m, uint64_t addr, unsigned size, bool write)
{
	int i = m->cur >= 0 ? m->cur : 0;
	struct host_task *t = m->vcpu[i].thread;
	touch_as(m, t, &m->pcpu[t->cpu >= 0 ? t->cpu : 0], addr, size, write);
}

void machine_host_context(struct machine *m)
{
	int i = m->cur >= 0 ? m->cur : 0;
	struct host_task *t = m->vcpu[i].thread;
	point_host(m, t, &m->pcpu[t->cpu >= 0 ? t->cpu : 0]);
}

/* ---- IPIs ------------------------------------------------------------------------ */

static int vcpu_cpu_now(const struct machine *m)
{
	int i = m->cur >= 0 ? m->cur : 0;
	int c = m->vcpu[i].thread->cpu;
	return c >= 0 ? c : vcpu_home(m, i);
}

/* perf_event_open of a CPU-wide event on `cpus`: on the asking CPU itself
 * the install is a local call, on the others it runs in IRQ context from
 * an IPI (cpu_function_call); hvsim's other CPUs are between an exit and
 * the next entry, or running host tasks, when it arrives. */
void machine_install(struct machine *m, const struct host_bp *b, int cpus, int from)
{
	struct hbp bp = { b->slot, b->addr, (unsigned)b->type, b->len, b->kind == BP_PTRACE };
	int self = vcpu_cpu_now(m);
	int origin = from >= 0 ? from : self;
	for (int c = 0; c < m->ncpus; c++) {
		if (!(cpus == -1 || c == (cpus == -2 ? self : cpus)))
			continue;
		cpu_bp_install(m, c, &bp);
		if (m->active && c != origin) {
			m->cpu_cnt[c].v[MC_IPIS]++;
			cpu_event(m->pcpu[c].cpu, EV_IPI, (uint64_t)origin, (uint64_t)b->slot, 0, "install");
		}
	}
}

void machine_remove(struct machine *m, int slot, int cpus, int from)
{
	int self = vcpu_cpu_now(m);
	int origin = from >= 0 ? from : self;
	for (int c = 0; c < m->ncpus; c++) {
		if (!(cpus == -1 || c == (cpus == -2 ? self : cpus)))
			continue;
		m->cpu_bp[c][slot].set = false;
		hw_bp_uninstall(&m->pcpu[c], slot);
		if (m->active && c != origin) {
			m->cpu_cnt[c].v[MC_IPIS]++;
			cpu_event(m->pcpu[c].cpu, EV_IPI, (uint64_t)origin, (uint64_t)slot, 0, "remove");
		}
	}
}

/* ---- the context switch ------------------------------------------------------------ */

static void vcpu_put(struct machine *m, struct host_task *t, struct pcpu *p)
{
	struct mvcpu *vc = &m->vcpu[t->vcpu];
	if (m->vendor && m->vendor->put)
		m->vendor->put(vc->v);
	m->cpu_cnt[p->id].v[MC_VPUTS]++;
	vc->cnt.v[MC_VPUTS]++;
	if (m->active)
		cpu_event(p->cpu, EV_VCPU_PUT, 0, 0, 0, "kvm_sched_out");
	accrue_end(vc);
	p->cpu->vcpu = -1;
}

static void vcpu_load(struct machine *m, struct host_task *t, struct pcpu *p)
{
	struct mvcpu *vc = &m->vcpu[t->vcpu];
	bool migrated = vc->last_cpu >= 0 && vc->last_cpu != p->id;
	p->cpu->vcpu = t->vcpu;
	if (m->active)
		cpu_event(p->cpu, EV_VCPU_LOAD, (uint64_t)(int64_t)vc->last_cpu, 0, 0,
			  migrated ? "kvm_sched_in: migrated" : vc->last_cpu < 0 ? "KVM_RUN: vcpu_load" : "kvm_sched_in");
	accrue_begin(vc, p);
	if (m->vendor && m->vendor->load)
		m->vendor->load(vc->v, p);
	m->cpu_cnt[p->id].v[MC_VLOADS]++;
	vc->cnt.v[MC_VLOADS]++;
	if (migrated) {
		m->cpu_cnt[p->id].v[MC_MIGR]++;
		vc->cnt.v[MC_MIGR]++;
	}
	vc->last_cpu = p->id;
}

/* p switches from its current task to `next`. */
static void context_switch(struct machine *m, struct pcpu *p, struct host_task *next)
{
	struct host_task *prev = p->curr;
	activate(m, p->id);
	if (prev->kind == TASK_VCPU)
		vcpu_put(m, prev, p);
	if (m->active)
		cpu_event(p->cpu, EV_SCHED, (uint64_t)prev->id, (uint64_t)next->id, 0, next->name);
	m->cpu_cnt[p->id].v[MC_SWITCHES]++;
	m->cpu_cnt[p->id].v[MC_SWDR] += host_switch_to(p, prev, next, m->era);
	if (next->kind == TASK_VCPU)
		vcpu_load(m, next, p);
}

/* The end of task x's slice on p: back to a queue (its own CPU's, or the
 * next CPU's when vCPU threads migrate), and p runs the head of its queue. */
static void end_slice(struct machine *m, struct pcpu *p, struct host_task *x)
{
	if (!x->done) {
		int dest = p->id;
		if (x->kind == TASK_VCPU && m->sc->host.sched.migrate)
			dest = (p->id + 1) % m->ncpus;
		sched_enqueue(&m->sched, dest, x->id);
	}
	int t = sched_dequeue(&m->sched, p->id);
	struct host_task *next = t >= 0 ? &m->task[t] : p->idle;
	if (next != x)
		context_switch(m, p, next);
}

/* A host task's slice: its data accesses, in order. */
static void task_slice(struct machine *m, struct pcpu *p, struct host_task *t)
{
	const struct host_task_spec *ts = &m->sc->host.tasks[t->id - m->nvcpus];
	m->cpu_cnt[p->id].v[MC_SLICES]++;
	for (size_t i = 0; i < ts->ntouches; i++)
		touch_as(m, t, p, ts->touches[i].addr, ts->touches[i].size, ts->touches[i].write);
}

static bool all_stopped(const struct machine *m)
{
	for (int i = 0; i < m->nvcpus; i++)
		if (!m->vcpu[i].stopped)
			return false;
	return true;
}

/* Visit CPUs until one runs a vCPU slice: that vCPU, or -1 if none is left. */
static int next_vcpu(struct machine *m)
{
	/* every visit either starts a vCPU slice, runs a task slice, or finds
	 * an idle CPU; a vCPU thread is always queued or current somewhere,
	 * so two rounds without one would be an hvsim bug */
	unsigned idle_visits = 0;
	while (!all_stopped(m)) {
		int c = sched_visit(&m->sched);
		struct pcpu *p = &m->pcpu[c];
		if (p->curr == p->idle) {
			int t = sched_dequeue(&m->sched, c);
			if (t >= 0)
				context_switch(m, p, &m->task[t]);
		}
		struct host_task *t = p->curr;
		if (t->kind == TASK_VCPU && !t->done) {
			struct mvcpu *vc = &m->vcpu[t->vcpu];
			activate(m, c);
			vc->slice_exits = vc->slice_ticks = 0;
			vc->cnt.v[MC_SLICES]++;
			m->cpu_cnt[c].v[MC_SLICES]++;
			m->cur = t->vcpu;
			return t->vcpu;
		}
		if (t->kind == TASK_OTHER) {
			activate(m, c);
			task_slice(m, p, t);
			end_slice(m, p, t);
			idle_visits = 0;
		} else if (++idle_visits > 2u * (unsigned)m->ncpus + 2) {
			break;
		}
	}
	m->cur = -1;
	return -1;
}

int machine_first(struct machine *m)
{
	return next_vcpu(m);
}

void machine_after_exit(struct machine *m, uint64_t exit_no)
{
	(void)exit_no;
	const struct scenario *sc = m->sc;
	if (m->cur < 0 || !(sc->host.sched.slice_exits || sc->host.sched.slice_ticks))
		return;
	struct mvcpu *vc = &m->vcpu[m->cur];
	struct cpu *c = m->pcpu[vc->thread->cpu].cpu;
	vc->slice_exits++;
	if (m->vendor && c->exit_clock.slot == m->vendor->tick_slot)
		vc->slice_ticks++;
	if ((sc->host.sched.slice_exits && vc->slice_exits >= sc->host.sched.slice_exits) ||
	    (sc->host.sched.slice_ticks && vc->slice_ticks >= sc->host.sched.slice_ticks)) {
		m->preempt = true;
		engine_request_pause(vc->eng);
	}
}

int machine_resched(struct machine *m)
{
	if (!m->preempt || m->cur < 0)
		return m->cur;
	m->preempt = false;
	struct mvcpu *vc = &m->vcpu[m->cur];
	struct pcpu *p = &m->pcpu[vc->thread->cpu];
	/* the slice ends at this exit: scheduler_tick / cond_resched with
	 * need_resched set, the vCPU thread still in KVM's exit path */
	end_slice(m, p, vc->thread);
	return next_vcpu(m);
}

int machine_vcpu_stopped(struct machine *m, enum engine_stop s)
{
	if (m->cur < 0)
		return -1;
	struct mvcpu *vc = &m->vcpu[m->cur];
	m->preempt = false;                    /* a slice that ended at its last exit: moot */
	vc->stopped = true;
	vc->stop = s;
	snprintf(vc->stop_msg, sizeof(vc->stop_msg), "%s", engine_stop_message(vc->eng));
	vc->thread->done = true;
	if (all_stopped(m))
		return -1;
	/* its KVM_RUN is over (HLT blocks the thread, a fault ends it): the
	 * CPU runs something else */
	end_slice(m, &m->pcpu[vc->thread->cpu], vc->thread);
	return next_vcpu(m);
}

/* ---- the end ----------------------------------------------------------------------- */

static void stats_add(struct stats *d, const struct stats *s)
{
	const uint64_t *a = (const uint64_t *)(const void *)s;
	uint64_t *b = (uint64_t *)(void *)d;
	uint64_t sat = d->cycles_saturated | s->cycles_saturated, gd = d->guest_debug | s->guest_debug;
	/* every scalar counter and the per-register arrays are uint64_t, laid
	 * out before exits[] (cpu/stats.h); the two flags among them are ORed */
	size_t n = offsetof(struct stats, exits) / sizeof(uint64_t);
	for (size_t i = 0; i < n; i++)
		b[i] += a[i];
	d->cycles_saturated = sat;
	d->guest_debug = gd;
	for (unsigned i = 0; i < EXIT_SLOTS; i++) {
		struct exit_stat *x = &d->exits[i];
		const struct exit_stat *y = &s->exits[i];
		x->count += y->count;
		x->cycles += y->cycles;
		x->sumsq += y->sumsq;
		if (y->min < x->min)
			x->min = y->min;
		if (y->max > x->max)
			x->max = y->max;
	}
}

void machine_finish(struct machine *m, struct stats *st, uint64_t *cost_n)
{
	for (int i = 0; i < m->nvcpus; i++)
		accrue_end(&m->vcpu[i]);
	for (int c = 1; c < m->ncpus; c++) {
		stats_add(st, &m->pcpu[c].cpu->st);
		for (unsigned k = 0; k < COST_N; k++)
			cost_n[k] += m->pcpu[c].cpu->cost_n[k];
	}
	for (int c = 0; c < m->ncpus; c++)
		for (unsigned i = 0; i < MC_N; i++)
			if (mc_off[i])
				m->cpu_cnt[c].v[i] = stat_at(&m->pcpu[c].cpu->st, mc_off[i]);
}

int machine_vcpu_cpu(const struct machine *m, int i)
{
	return m->vcpu[i].thread->cpu;
}

void machine_world(const struct machine *m, struct run_world *w)
{
	memset(w, 0, sizeof(*w));
	w->on = m->active;
	w->ncpus = m->ncpus;
	w->nvcpus = m->nvcpus;
	w->ntasks = (int)m->sc->host.ntasks;
	memcpy(w->cpu, m->cpu_cnt, sizeof(w->cpu));
	for (int i = 0; i < m->nvcpus; i++) {
		w->vcpu[i] = m->vcpu[i].cnt;
		w->vcpu_insns[i] = m->vcpu[i].eng ? engine_instructions(m->vcpu[i].eng) : 0;
		w->vcpu_stop[i] = m->vcpu[i].stop;
		w->vcpu_cpu[i] = m->vcpu[i].thread->cpu;
	}
	for (int t = 0; t < m->ntasks; t++)
		snprintf(w->task_name[t], sizeof(w->task_name[t]), "%s", m->task[t].name);
}

int machine_stop_vcpu(const struct machine *m, bool budget_ok)
{
	for (int i = 0; i < m->nvcpus; i++) {
		enum engine_stop s = m->vcpu[i].stop;
		if (s != STOP_HALT && !(s == STOP_BUDGET && budget_ok))
			return i;
	}
	return 0;
}
