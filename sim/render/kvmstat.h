/* kvmstat.h - the one perf-kvm-stat style table ("VM-EXIT Samples Samples%
 * Time% Min Cyc Max Cyc Avg cyc ( +- )"), used by `hvsim run` (the text
 * report, result_out.c) and `hvsim report` (report.c), and its dr and db
 * variants. */
#ifndef HVSIM_RENDER_KVMSTAT_H
#define HVSIM_RENDER_KVMSTAT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sim/result.h"

#define KVMSTAT_DB_ROWS 64             /* #DB keys kept per table */

struct kvmstat_row {
	char key[64];                  /* the JSON name (exits.by_reason.KEY, CSV, JSON) */
	char label[64];                /* the name the text and Markdown tables show (the kernel's) */
	unsigned slot;                 /* exit slot (vmexit table): the last sort key */
	uint64_t n;                    /* samples */
	bool timed;                    /* cycles/min/max/sumsq known */
	uint64_t cycles, min, max;
	double sumsq;
	uint64_t del, mis, spu;        /* #DB view */
};

enum kvmstat_kind { KVMSTAT_TIMED, KVMSTAT_DB };

struct kvmstat_table {
	const char *source;            /* "exits", "dr_exits", "dr_hw", "db" */
	const char *title;             /* section line ("" for none) */
	const char *keyhdr;            /* first column header */
	enum kvmstat_kind kind;
	struct kvmstat_row rows[EXIT_SLOTS];
	size_t n;
	uint64_t total_n, total_cycles, total_del, total_mis, total_spu;
	bool cycles_known;
	const char *note;              /* footer remark or NULL */
};

/* How a table is viewed, as perf kvm stat report's options: -k/--key
 * sorts by samples (default) or by average time ("time"; perf's
 * DEF_SORT_NAME_KEY(time, mean)); --vcpu N restricts to one vCPU (hvsim
 * simulates vCPU 0 only, so the filter keeps every event and names the
 * vCPU in the header). */
enum kvmstat_key { KVMSTAT_KEY_SAMPLE, KVMSTAT_KEY_TIME };
struct kvmstat_view {
	enum kvmstat_key key;
	int vcpu;                      /* -1 = all VCPUs */
};
extern const struct kvmstat_view kvmstat_view_default;
/* "sample" / "time" -> key; -1 if neither. */
int kvmstat_key_parse(const char *s, enum kvmstat_key *key);
/* Re-sort the rows by a key (samples or average cycles, then name). */
void kvmstat_sort(struct kvmstat_table *t, enum kvmstat_key key);

/* The name the kernel prints for an exit reason of a vendor (perf kvm stat
 * and the kvm_exit tracepoint use the same tables): VMX keys are already
 * the VMX_EXIT_REASONS strings; SVM keys map to the SVM_EXIT_REASONS
 * strings of arch/x86/include/uapi/asm/svm.h (excp_db -> "DB excp", ioio
 * -> "io", intr -> "interrupt", vmmcall -> "hypercall", ...; the last
 * column of svm/exit_reasons.def).  Unknown keys are returned as they are. */
const char *kvmstat_exit_label(const char *vendor, const char *key);

/* Exits by reason, at most max_rows of them (EXIT_SLOTS: all), most
 * samples first. */
void kvmstat_build_vmexit(const struct run_result *r, struct kvmstat_table *t, size_t max_rows);
/* MOV-DR exits (hw false) or the hypervisor's hardware DR accesses (hw true)
 * by register and direction. */
void kvmstat_build_dr(const struct run_result *r, bool hw, struct kvmstat_table *t);
/* #DBs by owner and cause (db.log). */
void kvmstat_build_db(const struct run_result *r, struct kvmstat_table *t);

/* "Analyze events for scenario S, policy P (V), all VCPUs:" (or "VCPU N:"
 * with a --vcpu view; NULL = default) and a blank line. */
void kvmstat_header(FILE *f, const struct run_result *r, const struct kvmstat_view *v);
/* The table as perf prints it (the column header, a blank line, the rows,
 * a blank line, the totals: perf's print_result()); ends with the "Total Samples:" line (and the
 * note, if any). */
void kvmstat_text(FILE *f, const struct kvmstat_table *t);
void kvmstat_md(FILE *f, const struct kvmstat_table *t);
/* One CSV row per table row: scenario,policy,vendor,source,key,... */
void kvmstat_csv_rows(FILE *f, const struct run_result *r, const struct kvmstat_table *t);
/* One table object of the "hvsim-report" document; `last` drops the comma. */
void kvmstat_json(FILE *f, const struct kvmstat_table *t, bool last);

#endif
