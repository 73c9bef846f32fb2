/* trace.h - the event trace: the JSONL format (docs/trace-schema.md), a
 * sink that writes it during a run, a reader, and its derived renderings
 * (trace-cmd style text, Chrome/Perfetto trace-event JSON).
 *
 * Everything about an event's fields comes from cpu/events.def: the table
 * below is generated from it with an X-macro and its `fields` column is
 * parsed once into struct ev_field (name, payload slot, type).  The JSONL
 * writer, the reader, the text printer and the docs all walk that one list,
 * so a field added there appears everywhere in the same order.
 *
 * Canonical form (one JSON object per line, compact, keys in this order):
 *   {"schema":"hvsim-trace","version":1,"scenario":"s","policy":"p","vendor":"vmx"}
 *   {"c":1234,"ev":"kvm_exit","vcpu":0,"reason":"DR_ACCESS","rip":"0x1003","info1":"0x7","info2":"0x0"}
 * A file may hold several runs; each starts with its own header line. */
#ifndef HVSIM_SIM_TRACE_H
#define HVSIM_SIM_TRACE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "cpu/cpu.h"

#define TRACE_SCHEMA "hvsim-trace"
#define TRACE_SCHEMA_VERSION 1
/* Chrome/Perfetto timestamps are microseconds; hvsim has cycles.  The
 * export uses a nominal 1 GHz clock: 1 cycle = 1 ns = 0.001 us. */
#define TRACE_NOMINAL_HZ 1000000000ull

/* ---- the event table ---------------------------------------------------- */

enum ev_ftype {
	EVF_HEX,        /* x */
	EVF_HEX16,      /* X: 16 hex digits in text */
	EVF_UDEC,       /* u */
	EVF_IDEC,       /* i */
	EVF_STR,        /* s */
	EVF_ENUM,       /* name list */
};

#define EV_MAX_FIELDS 6
#define EV_MAX_ENUM 6

struct ev_field {
	char name[16];                 /* JSON key and text label */
	char slot;                     /* 'a', 'b', 'c', 'd' or 's' */
	enum ev_ftype type;
	char enums[EV_MAX_ENUM][16];   /* EVF_ENUM: names by value */
	unsigned nenums;
};

struct ev_desc {
	enum sim_event_id id;
	const char *name;              /* "kvm_exit" */
	const char *spec;              /* the fields column of events.def */
	const char *desc;              /* one line */
	struct ev_field f[EV_MAX_FIELDS];
	unsigned nf;
};

/* Descriptor of an event id / name (NULL if unknown). */
const struct ev_desc *trace_event(enum sim_event_id id);
const struct ev_desc *trace_event_by_name(const char *name);
/* Payload word of a slot ('a'..'d'); 0 for 's'. */
uint64_t trace_slot_value(const struct sim_event *ev, char slot);

/* The catalogue for `hvsim list events`: fmt "text" or "md" (the latter
 * is docs/trace-schema.md verbatim). */
void trace_list_events(FILE *f, const char *fmt);

/* ---- writing ------------------------------------------------------------ */

struct trace_writer {
	FILE *f;
	unsigned vcpu;                 /* vcpu number written on every line */
	uint64_t nevents;              /* events written */
	bool skip_hw_dr;               /* leave out dr_read/dr_write (not used by default) */
	/* trace_writer_begin_run: the header waits for the machine (attach),
	 * which knows the cost model and its cpu.hz */
	bool pending;
	char scenario[128], policy[64], vendor[16];
};

void trace_writer_init(struct trace_writer *w, FILE *f);
/* The header line that opens a run. */
void trace_write_header(struct trace_writer *w, const char *scenario, const char *policy,
			const char *vendor);
/* The header line with the run's cost model and clock:
 *   {"schema":"hvsim-trace","version":1,...,"vendor":"vmx","cost_model":"default","hz":3000000000} */
void trace_write_header_clock(struct trace_writer *w, const char *scenario, const char *policy,
			      const char *vendor, const char *cost_model, uint64_t hz);
/* A run traced through sim_run: begin_run before it (with run_config.attach
 * = trace_attach_jsonl, trace_ctx = w), end_run after it.  The header is
 * written when the machine is built (with cpu.hz), or by the first event
 * or end_run if that never happens. */
struct run_machine;
void trace_writer_begin_run(struct trace_writer *w, const char *scenario, const char *policy,
			    const char *vendor);
void trace_attach_jsonl(void *ctx, const struct run_machine *m);
void trace_writer_end_run(struct trace_writer *w);
/* run_config.trace sink (ctx = struct trace_writer *). */
void trace_sink_jsonl(void *ctx, const struct sim_event *ev);
/* One event as a compact JSON object plus newline. */
/* The event's fields as JSON members ("name":value, by events.def), each
 * after a comma, or with none before the first when `first`. */
void trace_write_json_fields(FILE *f, const struct sim_event *ev, bool first);
void trace_write_event(FILE *f, const struct sim_event *ev, unsigned vcpu);

/* ---- reading, and in-memory traces --------------------------------------- */

struct trace_rec {
	struct sim_event ev;           /* s owned by the trace (strdup); ev.cpu: the physical CPU */
	unsigned vcpu;                 /* TRACE_NO_VCPU: host context, no vCPU loaded on ev.cpu */
};
#define TRACE_NO_VCPU 0xffffffffu
/* The vCPU of a simulated event for trace_run_add (TRACE_NO_VCPU if none). */
static inline unsigned trace_ev_vcpu(const struct sim_event *ev)
{
	return ev->vcpu >= 0 ? (unsigned)ev->vcpu : TRACE_NO_VCPU;
}

struct trace_run {
	char scenario[128];
	char policy[64];
	char vendor[16];
	char cost_model[64];           /* from the header ("" in older traces) */
	uint64_t hz;                   /* the cost model's cpu.hz (0 = not in the trace) */
	struct trace_rec *r;
	size_t n, cap;
	uint64_t dropped;              /* events not kept (cap reached) */
};

/* A run of the host world: events of several CPUs, of no vCPU, or of the
 * scheduler (renderings give each physical CPU its own lane). */
bool trace_run_world(const struct trace_run *run);

struct trace_log {
	struct trace_run *runs;
	size_t nruns;
	size_t max_events;             /* per run, 0 = unlimited (collecting sink) */
};

/* Parse a JSONL trace.  Returns 0, or -1 with "path:line:col: message". */
int trace_read(const char *path, struct trace_log *log, char *err, size_t errsize);
int trace_parse(const char *path, const char *buf, size_t len, struct trace_log *log, char *err,
		size_t errsize);
void trace_log_free(struct trace_log *log);
/* Start a run in a log (collecting sink); returns it or NULL (no memory). */
struct trace_run *trace_log_begin(struct trace_log *log, const char *scenario, const char *policy,
				  const char *vendor);
/* Append an event (the string is copied); -1 on out of memory. */
int trace_run_add(struct trace_run *run, const struct sim_event *ev, unsigned vcpu, size_t max);
/* run_config.trace sink that collects into the last run of a log
 * (ctx = struct trace_log *). */
void trace_sink_collect(void *ctx, const struct sim_event *ev);

/* ---- renderings ------------------------------------------------------------- */

/* How `hvsim trace` prints lines. */
struct trace_text_opts {
	bool timestamps;               /* the sec.usec column (false: none, for diffs) */
	uint64_t hz;                   /* clock for runs whose header has none (0: print cycles) */
	const char *vendor;            /* "vmx" / "svm": kernel reason names, intr_info (NULL: as stored) */
	const bool *only;              /* [EV_COUNT]: print only these events (NULL: all) */
};
/* trace-cmd report style line without newline, the kernel's TP_printk for
 * kvm_entry/kvm_exit:
 *   "           hvsim-0     [000] d..1.     0.000000: kvm_exit: vcpu 0 reason DR_ACCESS rip 0x1003
 *    info1 0x0000000000000007 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000"
 * COMM-PID, [CPU], the latency flags (d: IRQs off, preempt depth 1, as in
 * KVM's vcpu_enter_guest where all these events happen), seconds.usecs at
 * o->hz (or the raw cycle count when it is 0). */
void trace_format_line_opts(FILE *f, const struct trace_rec *r, const struct trace_text_opts *o);
/* The same with raw cycles as the timestamp and stored names (hvsim step). */
void trace_format_line(FILE *f, const struct trace_rec *r, bool timestamps);
/* The same without the prefix: "kvm_exit: vcpu 0 ...". */
void trace_format_event(FILE *f, const struct trace_rec *r);
void trace_format_event_vendor(FILE *f, const struct trace_rec *r, const char *vendor);
/* What KVM's get_exit_info() reports as intr_info and error_code for a
 * kvm_exit of hvsim (not stored in the JSONL, derived): VMX
 * EXCEPTION_NMI is always #DB (the exception bitmap holds #DB only):
 * VM_EXIT_INTR_INFO = valid | type | 1, type 5 (privileged software
 * exception) for ICEBP, whose exit qualification is 0, else 3 (hardware
 * exception); EXTERNAL_INTERRUPT: valid | vector 0x20 (the timer); SVM:
 * EXITINTINFO, 0 (no event delivery is ever interrupted).  #DB has no
 * error code: error_code is 0. */
void trace_exit_intr_info(const struct trace_rec *r, const char *vendor, uint32_t *intr_info,
			  uint32_t *error_code);
/* Whole log as text: "cpus=1", then per run a "# scenario ..." and a
 * "# clock ..." comment line, then its lines. */
void trace_render_text(FILE *f, const struct trace_log *log, bool timestamps);
void trace_render_text_opts(FILE *f, const struct trace_log *log, const struct trace_text_opts *o);
/* Parse an event filter "kvm_exit,kvm:kvm_entry,db_missed" (trace-cmd -F;
 * a "SYSTEM:" prefix is ignored) into only[EV_COUNT].  0, or -1 with the
 * unknown name in bad. */
int trace_event_filter(const char *list, bool *only, char *bad, size_t badsize);
/* Chrome/Perfetto trace-event JSON: pid = run (named by policy), tid =
 * vcpu, X spans for guest and exit-handling intervals, i events for the
 * DR and #DB events.  Returns 0, -1 on a stream error. */
int trace_render_chrome(FILE *f, const struct trace_log *log);
/* The same at a clock (ts = cycles / hz; runs with their own hz in the
 * header use it; 0 = TRACE_NOMINAL_HZ). */
int trace_render_chrome_hz(FILE *f, const struct trace_log *log, uint64_t hz);
/* Event cycles made monotonic (running maximum): cycles are charged per
 * translated block, so an event inside a block left early can carry a
 * larger count than the next one (docs/trace-schema.md).  Returns a
 * malloc'ed array of run->n values, NULL on out of memory. */
uint64_t *trace_mono_cycles(const struct trace_run *run);

/* Names of switch_db_regs bits, "BP_ENABLED|WONT_EXIT" ("0" if none). */
void trace_sdr_names(unsigned flags, char *buf, size_t size);

#endif
