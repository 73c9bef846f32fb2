/* chrome.c - Chrome/Perfetto trace-event JSON of a trace (trace.h): one
 * process per run; one thread per vCPU, or in a run of the host world one
 * per physical CPU ("CPU N") with the tasks it switched to as spans and
 * the guest and exit spans of whichever vCPU ran there nested in them. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "sim/render/json.h"
#include "sim/render/trace.h"

#define CHROME_MAX_CPUS 64             /* lanes drawn (hvsim runs at most 8 CPUs) */

/* Cycles as microseconds at hz, to the nanosecond: "12.345". */
static void put_us(FILE *f, uint64_t cycles, uint64_t hz)
{
	uint64_t ns = (uint64_t)((unsigned __int128)cycles * 1000000000u / hz);
	fprintf(f, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

static void put_args(FILE *f, const struct trace_rec *r)
{
	fputs("{", f);
	trace_write_json_fields(f, &r->ev, true);
	fputs("}", f);
}

static const char *chrome_cat(enum sim_event_id id)
{
	switch (id) {
	case EV_DR_LOAD: case EV_DR_SAVE: case EV_DR_RESTORE: case EV_FLAGS: case EV_INTERCEPT:
	case EV_GUEST_MOVDR: return "dr";
	case EV_DB: case EV_DB_MISSED: case EV_DB_SPURIOUS: case EV_INJECT: return "db";
	case EV_HOST: return "host";
	case EV_SCHED: case EV_VCPU_LOAD: case EV_VCPU_PUT: case EV_IPI: return "sched";
	case EV_INSN: return "insn";
	case EV_VIOLATION: return "violation";
	default: return "vm";
	}
}

static void span(FILE *f, bool *first, unsigned pid, unsigned tid, const char *name, const char *cat,
		 uint64_t t0, uint64_t t1, const struct trace_rec *args, uint64_t hz)
{
	fputs(*first ? "\n" : ",\n", f);
	*first = false;
	fputs("{\"name\":", f);
	json_write_escaped(f, name);
	fprintf(f, ",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":%u,\"tid\":%u,\"ts\":", cat, pid, tid);
	put_us(f, t0, hz);
	fputs(",\"dur\":", f);
	put_us(f, t1 - t0, hz);
	fputs(",\"args\":", f);
	if (args)
		put_args(f, args);
	else
		fputs("{}", f);
	fputs("}", f);
}

static void instant(FILE *f, unsigned pid, unsigned tid, const struct trace_rec *r, uint64_t t, uint64_t hz)
{
	const struct ev_desc *d = trace_event(r->ev.id);
	fputs(",\n{\"name\":", f);
	json_write_escaped(f, d->name);
	fprintf(f, ",\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"t\",\"pid\":%u,\"tid\":%u,\"ts\":", chrome_cat(r->ev.id), pid,
		tid);
	put_us(f, t, hz);
	fputs(",\"args\":", f);
	put_args(f, r);
	fputs("}", f);
}

/* One thread per physical CPU.  On each: the task spans (from a
 * sched_switch to the next one on that CPU: "vcpu1", "perf", "idle0"), and
 * inside a vCPU thread's span its guest spans (entry to exit) and exit
 * spans (exit to the next entry, or to the kvm_vcpu_put that ends the
 * slice); every other event an instant on its CPU. */
static void chrome_world(FILE *f, bool *first, const struct trace_run *run, unsigned pid, const uint64_t *mc,
			 uint64_t hz)
{
	struct lane {
		bool in_guest, in_task;
		uint64_t t_guest, t_exit, t_task;
		const struct trace_rec *exit_rec, *task_rec;
		unsigned vcpu;
	} ln[CHROME_MAX_CPUS];
	memset(ln, 0, sizeof(ln));
	int ncpu = 1;
	for (size_t k = 0; k < run->n; k++)
		if (run->r[k].ev.cpu >= ncpu && run->r[k].ev.cpu < CHROME_MAX_CPUS)
			ncpu = run->r[k].ev.cpu + 1;
	for (int c = 0; c < ncpu; c++)
		fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":%d,\"args\":{\"name\":\"CPU %d\"}},"
			   "\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%u,\"tid\":%d,\"args\":{\"sort_index\":%d}}",
			pid, c, c, pid, c, c);
	char name[96];
	for (size_t k = 0; k <= run->n; k++) {
		bool end = k == run->n;
		const struct trace_rec *r = end ? NULL : &run->r[k];
		uint64_t t = end ? (run->n ? mc[run->n - 1] : 0) : mc[k];
		for (int c = 0; c < ncpu; c++) {
			struct lane *l = &ln[c];
			bool here = r && r->ev.cpu == c;
			enum sim_event_id id = here ? r->ev.id : EV_COUNT;
			/* what ends here: a guest span at an exit; an exit span at
			 * the entry, the vcpu_put or a switch; a task span at a switch */
			if (l->in_guest && (end || id == EV_EXIT || id == EV_ENTRY_FAIL)) {
				snprintf(name, sizeof(name), "guest (vcpu %u)", l->vcpu);
				span(f, first, pid, (unsigned)c, name, "guest", l->t_guest, t, NULL, hz);
				l->in_guest = false;
			}
			if (l->exit_rec && (end || id == EV_ENTRY || id == EV_VCPU_PUT || id == EV_SCHED)) {
				span(f, first, pid, (unsigned)c, l->exit_rec->ev.s ? l->exit_rec->ev.s : "exit", "exit",
				     l->t_exit, t, l->exit_rec, hz);
				l->exit_rec = NULL;
			}
			if (l->in_task && (end || id == EV_SCHED)) {
				span(f, first, pid, (unsigned)c, l->task_rec->ev.s ? l->task_rec->ev.s : "task", "sched",
				     l->t_task, t, l->task_rec, hz);
				l->in_task = false;
			}
		}
		if (end)
			break;
		struct lane *l = r->ev.cpu >= 0 && r->ev.cpu < CHROME_MAX_CPUS ? &ln[r->ev.cpu] : NULL;
		unsigned tid = (unsigned)(r->ev.cpu >= 0 ? r->ev.cpu : 0);
		switch (r->ev.id) {
		case EV_ENTRY:
			if (l) {
				l->in_guest = true;
				l->t_guest = t;
				l->vcpu = r->vcpu;
			}
			break;
		case EV_EXIT:
		case EV_ENTRY_FAIL:
			if (l) {
				l->exit_rec = r;
				l->t_exit = t;
			}
			break;
		case EV_SCHED:
			if (l) {
				l->in_task = true;
				l->task_rec = r;
				l->t_task = t;
			}
			instant(f, pid, tid, r, t, hz);
			break;
		case EV_DR_READ:
		case EV_DR_WRITE:
			break;
		default:
			instant(f, pid, tid, r, t, hz);
			break;
		}
	}
}

int trace_render_chrome(FILE *f, const struct trace_log *log)
{
	return trace_render_chrome_hz(f, log, TRACE_NOMINAL_HZ);
}

int trace_render_chrome_hz(FILE *f, const struct trace_log *log, uint64_t dflt_hz)
{
	bool first = true;
	if (!dflt_hz)
		dflt_hz = TRACE_NOMINAL_HZ;
	uint64_t hz0 = log->nruns && log->runs[0].hz ? log->runs[0].hz : dflt_hz;
	fprintf(f, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"hvsim\",\"clock\":"
		   "\"cpu.hz %" PRIu64 ": ts in microseconds = cycles * 1000000 / cpu.hz\"},\n\"traceEvents\":[", hz0);
	for (size_t i = 0; i < log->nruns; i++) {
		const struct trace_run *run = &log->runs[i];
		uint64_t hz = run->hz ? run->hz : dflt_hz;
		unsigned pid = (unsigned)i + 1;
		char pname[256];
		snprintf(pname, sizeof(pname), "%s@%s (%s)", run->policy, run->vendor, run->scenario);
		fputs(first ? "\n" : ",\n", f);
		first = false;
		fprintf(f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":0,\"args\":{\"name\":", pid);
		json_write_escaped(f, pname);
		fprintf(f, "}},\n{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":%u,\"tid\":0,"
			   "\"args\":{\"sort_index\":%u}}", pid, pid);
		uint64_t *mc = trace_mono_cycles(run);
		if (!mc)
			return -1;
		if (trace_run_world(run)) {
			chrome_world(f, &first, run, pid, mc, hz);
			free(mc);
			continue;
		}
		/* vcpus named in order of appearance (one vCPU today) */
		unsigned named = 0;
		for (size_t k = 0; k < run->n; k++)
			if (run->r[k].vcpu >= named && run->r[k].vcpu < 64) {
				for (unsigned t = named; t <= run->r[k].vcpu; t++)
					fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":%u,"
						   "\"args\":{\"name\":\"vcpu %u\"}}", pid, t, t);
				named = run->r[k].vcpu + 1;
			}
		if (!named)
			fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":0,"
				   "\"args\":{\"name\":\"vcpu 0\"}}", pid);
		/* Guest spans: from the start (bare metal) or an entry to the next
		 * exit; handler spans from an exit to the next entry. */
		bool bare = !strcmp(run->vendor, "none") || !run->vendor[0];
		bool in_guest = bare;
		uint64_t t_guest = 0, t_exit = 0;
		const struct trace_rec *exit_rec = NULL;
		for (size_t k = 0; k < run->n; k++) {
			const struct trace_rec *r = &run->r[k];
			uint64_t t = mc[k];
			switch (r->ev.id) {
			case EV_ENTRY:
				if (exit_rec)
					span(f, &first, pid, r->vcpu, exit_rec->ev.s ? exit_rec->ev.s : "exit", "exit",
					     t_exit, t, exit_rec, hz);
				exit_rec = NULL;
				in_guest = true;
				t_guest = t;
				break;
			case EV_EXIT:
			case EV_ENTRY_FAIL:
				if (in_guest)
					span(f, &first, pid, r->vcpu, "guest", "guest", t_guest, t, NULL, hz);
				in_guest = false;
				exit_rec = r;
				t_exit = t;
				break;
			case EV_DR_READ:
			case EV_DR_WRITE:
				break;
			default: {
				const struct ev_desc *d = trace_event(r->ev.id);
				fputs(",\n{\"name\":", f);
				json_write_escaped(f, d->name);
				fprintf(f, ",\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"t\",\"pid\":%u,\"tid\":%u,\"ts\":",
					chrome_cat(r->ev.id), pid, r->vcpu);
				put_us(f, t, hz);
				fputs(",\"args\":", f);
				put_args(f, r);
				fputs("}", f);
				break;
			}
			}
		}
		uint64_t tend = run->n ? mc[run->n - 1] : 0;
		if (in_guest)
			span(f, &first, pid, 0, "guest", "guest", t_guest, tend, NULL, hz);
		else if (exit_rec)
			span(f, &first, pid, exit_rec->vcpu, exit_rec->ev.s ? exit_rec->ev.s : "exit", "exit",
			     t_exit, tend, exit_rec, hz);
		free(mc);
	}
	fputs("\n]}\n", f);
	return ferror(f) ? -1 : 0;
}

