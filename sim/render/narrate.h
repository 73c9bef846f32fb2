/* narrate.h - `hvsim explain`: a walkthrough of one run in plain words,
 * one paragraph per VM exit (with what the hypervisor did about it up to
 * the next entry, DR loads and restores included), per #DB (delivered,
 * missed, spurious) and per stretch of native guest DR accesses, built from
 * the trace events of the run.
 *
 * The trace says what happened; a few facts it does not carry are sampled
 * from the machine when the event is emitted (struct narr_note): the value
 * a trapped MOV to DR was writing (from the guest's GPR), the instruction
 * text, and the guest's architectural DRs next to the hardware ones, so
 * that a missed #DB can be explained by what each side held. */
#ifndef HVSIM_SIM_NARRATE_H
#define HVSIM_SIM_NARRATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sim/run.h"
#include "sim/render/trace.h"

/* Sampled with an event (parallel to the trace records). */
struct narr_note {
	bool has_movdr;                /* the instruction at rip is a MOV DR */
	int dr;                        /* its DR number as encoded */
	bool write;                    /* MOV to DR */
	int gpr;                       /* its GPR (SDM number) */
	uint64_t val;                  /* the GPR value (what a MOV to DR writes) */
	char insn[64];                 /* Capstone text of the instruction at rip ("" if none) */
	bool has_dr;                   /* hw_dr/guest_dr valid */
	uint64_t hw_dr[8];             /* hardware DRs at the event */
	uint64_t guest_dr[8];          /* the guest's architectural DRs at the event */
	uint64_t host_dr[8];           /* the host's (hw_breakpoint layer) DR0-3 and DR7 */
};

/* Collecting sink + attach callback for sim_run (cfg.trace_ctx = this). */
struct narr_collect {
	struct trace_log log;          /* one run */
	struct narr_note *notes;       /* parallel to log.runs[0].r */
	size_t cap;
	struct run_machine m;          /* from the attach callback */
	bool attached;
	int mode;                      /* guest mode 64/32 */
	size_t max_events;             /* cap (0 = 1,000,000) */
};

void narr_collect_init(struct narr_collect *nc, const char *scenario, const char *policy,
		       const char *vendor, int mode);
void narr_collect_free(struct narr_collect *nc);
void narr_sink(void *ctx, const struct sim_event *ev);
void narr_attach(void *ctx, const struct run_machine *m);

/* One paragraph. */
enum narr_kind { NK_START, NK_ENTRY, NK_EXIT, NK_GUEST, NK_DB, NK_DB_MISSED, NK_DB_SPURIOUS, NK_HOST,
		 NK_VIOLATION, NK_REPEAT, NK_END };

struct narr_para {
	enum narr_kind kind;
	uint64_t cycle;
	char *title;                   /* "Exit 3: DR_ACCESS" */
	char *text;                    /* the paragraph */
};

struct narration {
	struct narr_para *p;
	size_t n;
	uint64_t exits, missed, delivered, spurious;   /* counts over the whole run */
};

/* Build the walkthrough (res may be NULL: no closing summary).  Identical
 * consecutive blocks of up to 8 paragraphs (a guest loop) are told once,
 * followed by a "repeats N more times" paragraph.  0, or -1 out of memory. */
int narrate(const struct trace_run *run, const struct narr_note *notes, const struct run_result *res,
	    struct narration *out);
void narration_free(struct narration *n);

/* The Arm vendor's wording (sim/render/narrate_arm.c, issue 20): the
 * opening of an exit paragraph (the ESR_EL2 syndrome in words), one event
 * of the hypervisor's work (true if worded), a debug exception. */
void narr_arm_exit_opening(FILE *f, const struct trace_rec *r, const struct narr_note *n);
bool narr_arm_event(FILE *f, const struct trace_rec *r);
void narr_arm_db_words(FILE *f, const struct trace_rec *r, const struct narr_note *n, bool host);
/* Plain text, paragraphs wrapped at `width` columns. */
void narration_text(FILE *f, const struct narration *n, int width);
const char *narr_kind_name(enum narr_kind k);

#endif
