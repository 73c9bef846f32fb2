/* scenario_host.c - the scenario schema, `host:` (breakpoints, code
 * snippets, events, timer).  See scenarios/README.md. */
#define _GNU_SOURCE
#include "sim/loader/scenario_parse.h"
#include "cpu/dr.h"
#include "sim/util/guestdbg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* `cpu: N` (a CPU of host.cpus) or, with allow_all, `cpu: all` (-1). */
static int parse_cpu(struct ydoc *c, yaml_node_t *x, const char *path, bool allow_all)
{
	struct scenario *sc = c->user;
	int ncpus = sc->host.ncpus ? sc->host.ncpus : 1;
	if (allow_all && y_is(x, "all"))
		return -1;
	uint64_t v = y_get_uint(c, x, path);
	if (v >= (uint64_t)ncpus)
		y_fail(c, x, "%s: there is no CPU %" PRIu64 " (host.cpus is %d: CPUs 0-%d%s)", path, v, ncpus,
		       ncpus - 1, allow_all ? ", or all" : "");
	return (int)v;
}

static void parse_bp(struct ydoc *c, yaml_node_t *m, const char *path, struct host_bp *bp, bool allow_cpu)
{
	static const char *const keys_cpu[] = { "slot", "addr", "type", "len", "kind", "cpu", NULL };
	static const char *const keys_nocpu[] = { "slot", "addr", "type", "len", "kind", NULL };
	const char *const *keys = allow_cpu ? keys_cpu : keys_nocpu;
	static const char *const types[] = { "exec", "write", "rw", NULL };
	static const char *const kinds[] = { "perf", "ptrace", NULL };
	static const enum bp_type type_val[] = { BP_EXEC, BP_WRITE, BP_RW };
	char q[128];
	y_need_map(c, m, path);
	y_check_keys(c, m, path, keys);
	y_require(c, m, path, "slot");
	y_require(c, m, path, "addr");
	y_require(c, m, path, "type");
	bp->pos = y_pos(m);
	y_subpath(q, sizeof q, path, "slot");
	/* DR0-DR3 on x86; an Arm CPU's breakpoint or watchpoint number
	 * (cpu.debug: up to 16, issue 20) */
	bool arm = ((struct scenario *)c->user)->arch == ARCH_AARCH64;
	yaml_node_t *sn = y_find(c, m, "slot", NULL);
	bp->slot = (int)y_get_uint_range(c, sn, q, 0, arm ? 15 : 3);
	yaml_node_t *an = y_find(c, m, "addr", NULL);
	y_subpath(q, sizeof q, path, "addr");
	bp->addr = y_get_uint(c, an, q);
	scn_check_addr(c, an, q, bp->addr, 64);
	y_subpath(q, sizeof q, path, "type");
	bp->type = type_val[y_get_choice(c, y_find(c, m, "type", NULL), q, types)];
	bp->len = 1;
	yaml_node_t *x;
	if ((x = y_find(c, m, "len", NULL))) {
		y_subpath(q, sizeof q, path, "len");
		uint64_t l = y_get_uint(c, x, q);
		if (l != 1 && l != 2 && l != 4 && l != 8)
			y_fail(c, x, "%s must be 1, 2, 4 or 8, got %" PRIu64, q, l);
		if (bp->type == BP_EXEC && l != 1)
			y_fail(c, x, "%s must be 1 for an exec breakpoint, got %" PRIu64, q, l);
		bp->len = (unsigned)l;
	}
	if (arm) {
		const struct scenario *sc = c->user;
		unsigned n = bp->type == BP_EXEC ? sc->arm_brps : sc->arm_wrps;
		char sq[128];
		y_subpath(sq, sizeof sq, path, "slot");
		if ((unsigned)bp->slot >= n)
			y_fail(c, sn, "%s: the CPU has %u %s (cpu.debug), slots 0-%u", sq, n,
			       bp->type == BP_EXEC ? "breakpoints" : "watchpoints", n - 1);
	}
	if (bp->addr % bp->len)
		y_fail(c, an, "%s.addr 0x%" PRIx64 " is not aligned to its len %u", path, bp->addr, bp->len);
	bp->kind = BP_PERF;
	bp->cpu = 0;
	if ((x = y_find(c, m, "kind", NULL))) {
		y_subpath(q, sizeof q, path, "kind");
		bp->kind = y_get_choice(c, x, q, kinds) ? BP_PTRACE : BP_PERF;
		if (arm && bp->kind == BP_PTRACE)
			y_fail(c, x, "%s: ptrace breakpoints are modelled on x86 only (TIF_DEBUG)", q);
	}
	if (allow_cpu && (x = y_find(c, m, "cpu", NULL))) {
		y_subpath(q, sizeof q, path, "cpu");
		if (arm)
			y_fail(c, x, "%s: breakpoints of other CPUs are modelled on x86 hosts only", q);
		if (bp->kind == BP_PTRACE)
			y_fail(c, x, "%s: a ptrace breakpoint belongs to a task (here the vCPU thread), not to a "
			       "CPU; cpu is for CPU-wide perf breakpoints", q);
		bp->cpu = parse_cpu(c, x, q, true);
	}
}

/* A touch of host memory {addr, size, write} at `path` (a host event's
 * action or a host task's touch): a canonical address, an access of 1, 2,
 * 4 or 8 bytes, a read unless `write` says otherwise. */
static void parse_touch(struct ydoc *c, yaml_node_t *m, const char *path, uint64_t *addr, unsigned *size,
			bool *write)
{
	static const char *const touch_keys[] = { "addr", "size", "write", NULL };
	y_need_map(c, m, path);
	y_check_keys(c, m, path, touch_keys);
	y_require(c, m, path, "addr");
	y_require(c, m, path, "size");
	char f[160];
	yaml_node_t *an = y_find(c, m, "addr", NULL);
	y_subpath(f, sizeof f, path, "addr");
	*addr = y_get_uint(c, an, f);
	scn_check_addr(c, an, f, *addr, 64);
	yaml_node_t *sn = y_find(c, m, "size", NULL);
	y_subpath(f, sizeof f, path, "size");
	uint64_t sz = y_get_uint(c, sn, f);
	if (sz != 1 && sz != 2 && sz != 4 && sz != 8)
		y_fail(c, sn, "%s must be 1, 2, 4 or 8, got %" PRIu64, f, sz);
	*size = (unsigned)sz;
	yaml_node_t *wn = y_find(c, m, "write", NULL);
	y_subpath(f, sizeof f, path, "write");
	*write = wn ? y_get_bool(c, wn, f) : false;
}

static void parse_snippets(struct ydoc *c, yaml_node_t *n)
{
	static const char *const keys[] = { "name", "base", "asm", "code", NULL };
	struct scenario *sc = c->user;
	y_need_seq(c, n, "host.snippets");
	size_t cnt = y_nitems(n), i = 0;
	sc->host.snippets = y_calloc(c, cnt, sizeof *sc->host.snippets);
	Y_FOR_ITEMS(n, it) {
		yaml_node_t *m = y_node(c, *it);
		struct host_snippet *s = &sc->host.snippets[i];
		sc->host.nsnippets = i + 1;
		char p[64], q[96];
		y_idxpath(p, sizeof p, "host.snippets", i++);
		y_need_map(c, m, p);
		y_check_keys(c, m, p, keys);
		y_require(c, m, p, "name");
		y_require(c, m, p, "base");
		y_subpath(q, sizeof q, p, "name");
		yaml_node_t *nn = y_find(c, m, "name", NULL);
		s->name = y_get_ident(c, nn, q);
		for (size_t j = 0; j + 1 < i; j++) {
			if (strcmp(sc->host.snippets[j].name, s->name))
				continue;
			struct srcpos fp = y_pos(y_find(c, y_node(c, n->data.sequence.items.start[j]), "name", NULL));
			y_fail(c, nn, "duplicate snippet name '%s' (first given at %d:%d)", s->name,
			       fp.line, fp.col);
		}
		yaml_node_t *bn = y_find(c, m, "base", NULL);
		y_subpath(q, sizeof q, p, "base");
		uint64_t base = y_get_uint(c, bn, q);
		scn_check_addr(c, bn, q, base, 64);
		scn_parse_code(c, m, p, 64, base, bn, &s->code);
	}
	struct range *r = y_calloc(c, cnt, sizeof *r);
	c->tmp = r;
	for (i = 0; i < cnt; i++) {
		struct host_snippet *s = &sc->host.snippets[i];
		r[i] = (struct range){ s->code.base, s->code.base + s->code.size - 1, s->code.pos, "" };
		snprintf(r[i].what, sizeof r[i].what, "host.snippets[%zu] '%.40s'", i, s->name);
	}
	scn_check_overlaps(c, r, cnt);
	free(r);
	c->tmp = NULL;
}

static void parse_events(struct ydoc *c, yaml_node_t *n)
{
	static const char *const keys[] = { "exit", "every_exit", "start", "run", "install",
					    "remove", "touch", "set_cr3", "cpu", "from", "vcpu", NULL };
	struct scenario *sc = c->user;
	y_need_seq(c, n, "host.events");
	sc->host.events = y_calloc(c, y_nitems(n), sizeof *sc->host.events);
	size_t i = 0;
	Y_FOR_ITEMS(n, it) {
		yaml_node_t *m = y_node(c, *it);
		struct host_event *ev = &sc->host.events[i];
		sc->host.nevents = i + 1;
		char p[64], q[96], b[96];
		y_idxpath(p, sizeof p, "host.events", i++);
		y_need_map(c, m, p);
		y_check_keys(c, m, p, keys);
		ev->pos = y_pos(m);
		ev->snippet = -1;
		ev->slot = -1;
		ev->cpus = -2;
		ev->from = -1;
		ev->vcpu = 0;

		/* when: exactly one of exit / every_exit / start */
		yaml_node_t *wk = NULL, *wv = NULL, *ak = NULL, *av = NULL;
		Y_FOR_PAIRS(m, kp) {
			yaml_node_t *k = y_node(c, kp->key);
			if (y_is(k, "cpu") || y_is(k, "from") || y_is(k, "vcpu"))
				continue;                  /* modifiers, below */
			bool is_when = y_is(k, "exit") || y_is(k, "every_exit") || y_is(k, "start");
			yaml_node_t **pk = is_when ? &wk : &ak, **pv = is_when ? &wv : &av;
			if (*pk)
				y_fail(c, k, "%s has both '%s' and '%s': use exactly one %s", p, y_sval(*pk),
				       y_sval(k), is_when ? "of 'exit', 'every_exit' or 'start'"
						      : "action ('run', 'install', 'remove', 'touch' or 'set_cr3')");
			*pk = k;
			*pv = y_node(c, kp->value);
		}
		if (!wk)
			y_fail(c, m, "%s needs one of 'exit', 'every_exit' or 'start'", p);
		if (!ak)
			y_fail(c, m, "%s needs an action: one of 'run', 'install', 'remove', 'touch' or 'set_cr3'", p);
		y_subpath(q, sizeof q, p, y_sval(wk));
		if (y_is(wk, "exit")) {
			ev->when = WHEN_EXIT;
			ev->n = y_get_uint(c, wv, q);
			if (!ev->n)
				y_fail(c, wv, "%s must be at least 1 (exits are numbered from 1), got 0", q);
		} else if (y_is(wk, "every_exit")) {
			ev->when = WHEN_EVERY_EXIT;
			ev->n = y_get_uint(c, wv, q);
			if (!ev->n)
				y_fail(c, wv, "%s must be at least 1, got 0", q);
		} else {
			ev->when = WHEN_START;
			if (!y_get_bool(c, wv, q))
				y_fail(c, wv, "%s must be true (remove the event instead)", q);
		}

		y_subpath(q, sizeof q, p, y_sval(ak));
		if (y_is(ak, "run")) {
			ev->action = HOST_RUN;
			const char *name = y_get_text(c, av, q, "a snippet name");
			for (size_t j = 0; j < sc->host.nsnippets; j++)
				if (!strcmp(sc->host.snippets[j].name, name))
					ev->snippet = (int)j;
			if (ev->snippet < 0)
				y_fail(c, av, "unknown snippet '%s' for %s%s", y_shown(name, y_slen(av), b, sizeof b),
				       q, sc->host.nsnippets ? "" : " (host.snippets is empty)");
		} else if (y_is(ak, "install")) {
			ev->action = HOST_INSTALL_BP;
			parse_bp(c, av, q, &ev->bp, false);
		} else if (y_is(ak, "remove")) {
			ev->action = HOST_REMOVE_BP;
			ev->slot = (int)y_get_uint_range(c, av, q, 0, sc->arch == ARCH_AARCH64 ? 15 : 3);
		} else if (y_is(ak, "set_cr3") && sc->arch == ARCH_AARCH64) {
			y_fail(c, ak, "%s: set_cr3 is an x86 event (KVM_SET_SREGS)", q);
		} else if (y_is(ak, "set_cr3")) {
			/* KVM_SET_SREGS from userspace; CR3 bits 63:52 are reserved
			 * (SDM Vol.3 4.5, MAXPHYADDR <= 52). */
			ev->action = HOST_SET_CR3;
			ev->cr3 = y_get_uint(c, av, q);
			if (ev->cr3 >> 52)
				y_fail(c, av, "%s 0x%" PRIx64 " sets reserved CR3 bits 63:52", q, ev->cr3);
		} else {
			ev->action = HOST_TOUCH;
			parse_touch(c, av, q, &ev->addr, &ev->size, &ev->write);
		}
		/* the host world: where an install/remove happens (an IPI to
		 * another CPU, or to every CPU, from the CPU whose task asked),
		 * and whose exits `exit`/`every_exit` count */
		yaml_node_t *mk, *mv;
		bool cpu_action = ev->action == HOST_INSTALL_BP || ev->action == HOST_REMOVE_BP;
		if ((mv = y_find(c, m, "cpu", &mk))) {
			y_subpath(q, sizeof q, p, "cpu");
			if (!cpu_action)
				y_fail(c, mk, "%s: only install and remove act on a CPU (the rest is the vCPU thread's)", q);
			ev->cpus = parse_cpu(c, mv, q, true);
		}
		if ((mv = y_find(c, m, "from", &mk))) {
			y_subpath(q, sizeof q, p, "from");
			if (!cpu_action)
				y_fail(c, mk, "%s: only install and remove come from a CPU", q);
			ev->from = parse_cpu(c, mv, q, false);
		}
		if ((mv = y_find(c, m, "vcpu", &mk))) {
			y_subpath(q, sizeof q, p, "vcpu");
			size_t nv = sc->guest.nvcpus ? sc->guest.nvcpus : 1;
			uint64_t v = y_get_uint(c, mv, q);
			if (v >= nv)
				y_fail(c, mv, "%s: there is no vCPU %" PRIu64 " (guest.vcpus has %zu)", q, v, nv);
			if (ev->when == WHEN_START)
				y_fail(c, mk, "%s: `start` happens before any vCPU runs; vcpu counts exits", q);
			ev->vcpu = (int)v;
		}
	}
}

bool host_event_after_exit(const struct host_event *ev, uint64_t exit_no)
{
	switch (ev->when) {
	case WHEN_EXIT: return exit_no == ev->n;
	case WHEN_EVERY_EXIT: return ev->n && exit_no % ev->n == 0;
	case WHEN_START: return false;
	}
	return false;
}

/* host.tasks: host tasks other than the vCPU threads, each pinned to a CPU,
 * with breakpoints of its own (ptrace, or task-bound perf) and the data
 * accesses it makes on each of its slices. */
static void parse_tasks(struct ydoc *c, yaml_node_t *n)
{
	static const char *const keys[] = { "name", "cpu", "breakpoints", "touches", NULL };
	struct scenario *sc = c->user;
	y_need_seq(c, n, "host.tasks");
	size_t cnt = y_nitems(n);
	size_t nv = sc->guest.nvcpus ? sc->guest.nvcpus : 1, nc = sc->host.ncpus ? (size_t)sc->host.ncpus : 1;
	if (cnt + nv + nc > SCN_MAX_TASKS)
		y_fail(c, n, "host.tasks has %zu tasks: with %zu vCPU threads and %zu idle tasks at most %d tasks in all",
		       cnt, nv, nc, SCN_MAX_TASKS);
	sc->host.tasks = y_calloc(c, cnt, sizeof *sc->host.tasks);
	size_t i = 0;
	Y_FOR_ITEMS(n, it) {
		yaml_node_t *m = y_node(c, *it);
		struct host_task_spec *t = &sc->host.tasks[i];
		sc->host.ntasks = i + 1;
		char p[64], q[96], r[128], b[96];
		y_idxpath(p, sizeof p, "host.tasks", i++);
		y_need_map(c, m, p);
		y_check_keys(c, m, p, keys);
		y_require(c, m, p, "name");
		t->pos = y_pos(m);
		yaml_node_t *nn = y_find(c, m, "name", NULL), *x;
		y_subpath(q, sizeof q, p, "name");
		t->name = y_get_ident(c, nn, q);
		if ((!strncmp(t->name, "vcpu", 4) || !strncmp(t->name, "idle", 4)) && t->name[4] >= '0' &&
		    t->name[4] <= '9')
			y_fail(c, nn, "%s: '%s' is the name of a vCPU thread or an idle task (vcpuN, idleN)", q,
			       y_shown(t->name, strlen(t->name), b, sizeof b));
		for (size_t j = 0; j + 1 < i; j++)
			if (!strcmp(sc->host.tasks[j].name, t->name))
				y_fail(c, nn, "duplicate task name '%s' (first given at %d:%d)", t->name,
				       sc->host.tasks[j].pos.line, sc->host.tasks[j].pos.col);
		if ((x = y_find(c, m, "cpu", NULL))) {
			y_subpath(q, sizeof q, p, "cpu");
			t->cpu = parse_cpu(c, x, q, false);
		}
		if ((x = y_find(c, m, "breakpoints", NULL))) {
			y_subpath(q, sizeof q, p, "breakpoints");
			y_need_seq(c, x, q);
			if (y_nitems(x) > 4)
				y_fail(c, x, "%s has %zu breakpoints: a task has four debug registers", q, y_nitems(x));
			t->bps = y_calloc(c, y_nitems(x), sizeof *t->bps);
			Y_FOR_ITEMS(x, bt) {
				yaml_node_t *bm = y_node(c, *bt);
				y_idxpath(r, sizeof r, q, t->nbps);
				struct host_bp *bp = &t->bps[t->nbps++];
				parse_bp(c, bm, r, bp, false);
				for (size_t j = 0; j + 1 < t->nbps; j++)
					if (t->bps[j].slot == bp->slot)
						y_fail(c, y_find(c, bm, "slot", NULL), "%s.slot: slot %d is already used by "
						       "%s[%zu] (at %d:%d)", r, bp->slot, q, j, t->bps[j].pos.line,
						       t->bps[j].pos.col);
			}
		}
		if ((x = y_find(c, m, "touches", NULL))) {
			y_subpath(q, sizeof q, p, "touches");
			y_need_seq(c, x, q);
			t->touches = y_calloc(c, y_nitems(x), sizeof *t->touches);
			Y_FOR_ITEMS(x, tt) {
				yaml_node_t *tm = y_node(c, *tt);
				y_idxpath(r, sizeof r, q, t->ntouches);
				struct host_touch *h = &t->touches[t->ntouches++];
				parse_touch(c, tm, r, &h->addr, &h->size, &h->write);
				h->pos = y_pos(tm);
			}
		}
	}
}

/* host.sched: the deterministic scheduler's parameters. */
static void parse_sched(struct ydoc *c, yaml_node_t *n)
{
	static const char *const keys[] = { "slice", "migrate", NULL };
	static const char *const slice_keys[] = { "exits", "ticks", NULL };
	static const char *const migrations[] = { "none", "rotate", NULL };
	struct scenario *sc = c->user;
	y_need_map(c, n, "host.sched");
	y_check_keys(c, n, "host.sched", keys);
	y_require(c, n, "host.sched", "slice");
	sc->host.sched.set = true;
	sc->host.sched.pos = y_pos(n);
	yaml_node_t *x = y_find(c, n, "slice", NULL), *e, *t;
	y_need_map(c, x, "host.sched.slice");
	y_check_keys(c, x, "host.sched.slice", slice_keys);
	e = y_find(c, x, "exits", NULL);
	t = y_find(c, x, "ticks", NULL);
	if (!e == !t)
		y_fail(c, x, "host.sched.slice needs exactly one of 'exits' (preempt after this many exits) or "
		       "'ticks' (after this many timer interrupts)");
	if (e)
		sc->host.sched.slice_exits = y_get_uint_range(c, e, "host.sched.slice.exits", 1, UINT64_MAX);
	else
		sc->host.sched.slice_ticks = y_get_uint_range(c, t, "host.sched.slice.ticks", 1, UINT64_MAX);
	if ((x = y_find(c, n, "migrate", NULL))) {
		sc->host.sched.migrate = y_get_choice(c, x, "host.sched.migrate", migrations) == 1;
		if (sc->host.sched.migrate && sc->host.ncpus < 2)
			y_fail(c, x, "host.sched.migrate: rotate needs host.cpus of 2 or more");
	}
}

/* The host world across sections, once guest and host are both read. */
void scn_check_world(struct ydoc *c, yaml_node_t *root)
{
	struct scenario *sc = c->user;
	int ncpus = sc->host.ncpus ? sc->host.ncpus : 1;
	yaml_node_t *host = y_find(c, root, "host", NULL);
	for (size_t i = 0; i < sc->guest.nvcpus; i++) {
		const struct vcpu_spec *v = &sc->guest.vcpus[i];
		if (v->cpu >= ncpus)
			y_failp(c, v->pos, "guest.vcpus[%zu].cpu: there is no CPU %d (host.cpus is %d: CPUs 0-%d)", i,
				v->cpu, ncpus, ncpus - 1);
	}
	if (sc->vendor == VENDOR_NONE) {
		/* bare metal has no hypervisor, no vCPU thread and no scheduler */
		if (sc->guest.nvcpus)
			y_failp(c, sc->guest.vcpus_pos, "guest.vcpus: an SMP guest needs a hypervisor (vendor vmx, svm "
				"or both; vendor is none)");
		const char *const world[] = { "cpus", "tasks", "sched", NULL };
		for (int k = 0; host && world[k]; k++) {
			yaml_node_t *kn;
			if (y_find(c, host, world[k], &kn))
				y_fail(c, kn, "host.%s: the host world needs a hypervisor (vendor vmx, svm or both; "
				       "vendor is none)", world[k]);
		}
	}
	if (sc->host.sched.slice_ticks && !(sc->host.timer_period && !sc->host.timer_guest))
		y_failp(c, sc->host.sched.pos, "host.sched.slice.ticks counts the host's timer interrupts: it needs "
			"host.timer with source host");
}

/* host.guest_debug: `true` (KVM_GUESTDBG_ENABLE, as before) or a mapping
 * of the KVM_SET_GUEST_DEBUG control bits and the debugger's hardware
 * breakpoints (scenarios/README.md).  The debugger's DR7 is built the way
 * QEMU's kvm_arch_update_guest_debug() does: 0x600 (GE and the fixed bit
 * 10), G bit, R/W and LEN per breakpoint (SDM Vol.3 17.2.4). */
static void parse_guest_debug(struct ydoc *c, yaml_node_t *x)
{
	static const char *const keys[] = { "enable", "singlestep", "hw_bp", "sw_bp", "inject_db",
					    "inject_bp", "gd", NULL };
	static const struct { const char *key; unsigned bit; } bits[] = {
		{ "singlestep", GUESTDBG_SINGLESTEP }, { "sw_bp", GUESTDBG_USE_SW_BP },
		{ "inject_db", GUESTDBG_INJECT_DB }, { "inject_bp", GUESTDBG_INJECT_BP },
	};
	static const unsigned lenenc[9] = { 0, 0, 1, 0, 3, 0, 0, 0, 2 };
	struct scenario *sc = c->user;
	sc->host.guest_debug_pos = y_pos(x);
	if (x->type == YAML_SCALAR_NODE) {
		sc->host.guest_debug = y_get_bool(c, x, "host.guest_debug") ? GUESTDBG_ENABLE : 0;
		return;
	}
	y_need_map(c, x, "host.guest_debug");
	y_check_keys(c, x, "host.guest_debug", keys);
	yaml_node_t *v;
	unsigned ctl = GUESTDBG_ENABLE;
	if ((v = y_find(c, x, "enable", NULL)) && !y_get_bool(c, v, "host.guest_debug.enable"))
		ctl = 0;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		char q[64];
		y_subpath(q, sizeof q, "host.guest_debug", bits[i].key);
		if ((v = y_find(c, x, bits[i].key, NULL)) && y_get_bool(c, v, q))
			ctl |= bits[i].bit;
	}
	if (ctl & GUESTDBG_INJECT_DB && ctl & GUESTDBG_INJECT_BP)
		y_fail(c, x, "host.guest_debug: inject_db and inject_bp cannot both be set "
		       "(KVM_SET_GUEST_DEBUG queues one exception)");
	uint64_t dr7 = 0x600;
	if ((v = y_find(c, x, "hw_bp", NULL))) {
		y_need_seq(c, v, "host.guest_debug.hw_bp");
		ctl |= GUESTDBG_USE_HW_BP;
		size_t i = 0;
		unsigned used = 0;
		Y_FOR_ITEMS(v, it) {
			char p[64];
			yaml_node_t *m = y_node(c, *it);
			y_idxpath(p, sizeof p, "host.guest_debug.hw_bp", i++);
			struct host_bp bp;
			parse_bp(c, m, p, &bp, false);
			if (y_find(c, m, "kind", NULL))
				y_fail(c, y_find(c, m, "kind", NULL), "%s.kind: the debugger's breakpoints have no kind "
				       "(perf/ptrace are host.breakpoints)", p);
			if (used & (1u << bp.slot))
				y_fail(c, y_find(c, m, "slot", NULL), "%s.slot: slot %d is already used", p, bp.slot);
			used |= 1u << bp.slot;
			sc->host.guest_debug_dr[bp.slot] = bp.addr;
			dr7 |= DR7_G(bp.slot) | (uint64_t)(bp.type & 3) << (16 + bp.slot * 4) |
			       (uint64_t)lenenc[bp.len & 15] << (18 + bp.slot * 4);
		}
	}
	if ((v = y_find(c, x, "gd", NULL)) && y_get_bool(c, v, "host.guest_debug.gd")) {
		if (!(ctl & GUESTDBG_USE_HW_BP))
			y_fail(c, v, "host.guest_debug.gd: needs hw_bp (the debugger's DR7 is used only with "
			       "KVM_GUESTDBG_USE_HW_BP)");
		dr7 |= DR7_GD;
	}
	if (ctl & GUESTDBG_USE_HW_BP)
		sc->host.guest_debug_dr[7] = dr7;
	sc->host.guest_debug = ctl;
}

void scn_parse_host(struct ydoc *c, yaml_node_t *n)
{
	static const char *const keys[] = { "breakpoints", "snippets", "events", "timer",
					    "guest_debug", "cpus", "tasks", "sched", NULL };
	struct scenario *sc = c->user;
	y_need_map(c, n, "host");
	y_check_keys(c, n, "host", keys);
	yaml_node_t *x;
	/* host.cpus first: every `cpu:` below is checked against it */
	if ((x = y_find(c, n, "cpus", NULL))) {
		if (sc->arch == ARCH_AARCH64)
			y_fail(c, x, "host.cpus: the host world (CPUs, tasks, scheduling) is modelled on x86 hosts only");
		sc->host.ncpus = (int)y_get_uint_range(c, x, "host.cpus", 1, SCN_MAX_CPUS);
		sc->host.ncpus_pos = y_pos(x);
	}
	if ((x = y_find(c, n, "breakpoints", NULL))) {
		y_need_seq(c, x, "host.breakpoints");
		sc->host.bps = y_calloc(c, y_nitems(x), sizeof *sc->host.bps);
		size_t i = 0;
		Y_FOR_ITEMS(x, it) {
			char p[64];
			yaml_node_t *m = y_node(c, *it);
			y_idxpath(p, sizeof p, "host.breakpoints", i);
			struct host_bp *bp = &sc->host.bps[i];
			sc->host.nbps = ++i;
			parse_bp(c, m, p, bp, true);
			for (size_t j = 0; j + 1 < i; j++)
				/* an Arm CPU numbers its breakpoints and its watchpoints apart */
				if (sc->host.bps[j].slot == bp->slot &&
				    (sc->arch != ARCH_AARCH64 || (bp->type == BP_EXEC) == (sc->host.bps[j].type == BP_EXEC)) &&
				    (bp->cpu < 0 || sc->host.bps[j].cpu < 0 || bp->cpu == sc->host.bps[j].cpu ||
				     bp->kind == BP_PTRACE || sc->host.bps[j].kind == BP_PTRACE))
					y_fail(c, y_find(c, m, "slot", NULL),
					       "%s.slot: slot %d is already used by host.breakpoints[%zu] (at %d:%d)",
					       p, bp->slot, j, sc->host.bps[j].pos.line, sc->host.bps[j].pos.col);
		}
	}
	if ((x = y_find(c, n, "snippets", NULL))) {
		if (sc->arch == ARCH_AARCH64)
			y_fail(c, x, "host.snippets: host code runs on x86 hosts only (the Arm host is modelled by "
			       "its breakpoints, events and touches)");
		parse_snippets(c, x);
	}
	if ((x = y_find(c, n, "events", NULL)))
		parse_events(c, x);
	if ((x = y_find(c, n, "timer", NULL))) {
		static const char *const tkeys[] = { "period", "source", NULL };
		y_need_map(c, x, "host.timer");
		y_check_keys(c, x, "host.timer", tkeys);
		y_require(c, x, "host.timer", "period");
		sc->host.timer_pos = y_pos(x);
		sc->host.timer_period = y_get_uint_range(c, y_find(c, x, "period", NULL), "host.timer.period",
							 1, UINT64_MAX);
		/* host: the host's timer interrupt (an external-interrupt exit);
		 * guest: the guest's own LAPIC timer, which KVM runs on the
		 * VMX-preemption timer (a fastpath exit where the era has one). */
		static const char *const sources[] = { "host", "guest", NULL };
		yaml_node_t *src = y_find(c, x, "source", NULL);
		if (src)
			sc->host.timer_guest = y_get_choice(c, src, "host.timer.source", sources) == 1;
	}
	if ((x = y_find(c, n, "guest_debug", NULL))) {
		if (sc->arch == ARCH_AARCH64)
			y_fail(c, x, "host.guest_debug: KVM_SET_GUEST_DEBUG is modelled on x86 only");
		parse_guest_debug(c, x);
	}
	if ((x = y_find(c, n, "tasks", NULL))) {
		if (sc->arch == ARCH_AARCH64)
			y_fail(c, x, "host.tasks: the host world (tasks, scheduling) is modelled on x86 hosts only");
		parse_tasks(c, x);
	}
	if ((x = y_find(c, n, "sched", NULL))) {
		if (sc->arch == ARCH_AARCH64)
			y_fail(c, x, "host.sched: the host world (tasks, scheduling) is modelled on x86 hosts only");
		parse_sched(c, x);
	}
}
