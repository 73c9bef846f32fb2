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
	char key[64];
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

/* Exits by reason, at most max_rows of them (EXIT_SLOTS: all), most
 * samples first. */
void kvmstat_build_vmexit(const struct run_result *r, struct kvmstat_table *t, size_t max_rows);
/* MOV-DR exits (hw false) or the hypervisor's hardware DR accesses (hw true)
 * by register and direction. */
void kvmstat_build_dr(const struct run_result *r, bool hw, struct kvmstat_table *t);
/* #DBs by owner and cause (db.log). */
void kvmstat_build_db(const struct run_result *r, struct kvmstat_table *t);

/* "Analyze events for scenario S, policy P (V), all VCPUs:" and a blank line. */
void kvmstat_header(FILE *f, const struct run_result *r);
/* The table as perf prints it; ends with the "Total Samples:" line (and the
 * note, if any). */
void kvmstat_text(FILE *f, const struct kvmstat_table *t);
void kvmstat_md(FILE *f, const struct kvmstat_table *t);
/* One CSV row per table row: scenario,policy,vendor,source,key,... */
void kvmstat_csv_rows(FILE *f, const struct run_result *r, const struct kvmstat_table *t);
/* One table object of the "hvsim-report" document; `last` drops the comma. */
void kvmstat_json(FILE *f, const struct kvmstat_table *t, bool last);

#endif
