/* outcome.c - what a KVM reference measured, in hvsim's terms (outcome.h). */
#include "sim/ref/outcome.h"
#include "sim/util/guestdbg.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/util/util.h"

/* Exit-reason slots filled from KVM's generic vCPU statistics, VMX names
 * (vmx/exit_reasons.def) so that the fields line up with `hvsim run`. */
static const char *const stat_exit_names[EXIT_SLOTS] = {
	[1] = "EXTERNAL_INTERRUPT", [12] = "HLT", [30] = "IO_INSTRUCTION",
};

enum engine_stop ref_map_stop(enum kvm_stop s)
{
	switch (s) {
	case KVM_STOP_HALT: return STOP_HALT;
	case KVM_STOP_TIMEOUT: return STOP_BUDGET;
	case KVM_STOP_SHUTDOWN: return STOP_TRIPLE;
	case KVM_STOP_MMIO: return STOP_UNMAPPED;
	case KVM_STOP_EMULATION: return STOP_UD;
	case KVM_STOP_ENTRY_FAIL: return STOP_ENTRY_FAIL;
	case KVM_STOP_OTHER: break;
	}
	return STOP_INTERNAL;
}

const char *ref_dr6_cause(uint64_t dr6)
{
	if (dr6 & (1u << 13)) return "gd";
	if (dr6 & 0xF) return "bp";
	if (dr6 & (1u << 14)) return "single-step";
	return "icebp";
}

void ref_snap_memory(void *ctx, struct kvm_ref *k)
{
	struct ref_mem_snap *m = ctx;
	const struct kvm_guest_spec *g = &m->img->spec;
	size_t total = 0;
	unsigned n = 0;
	/* the code block and the data regions of up to 1 MiB, as sim/run.c copy_memory() */
	for (size_t i = 0; i < m->ncopy && i < g->nmem; i++)
		if (g->mem[i].size <= (1u << 20)) {
			total += g->mem[i].size;
			n++;
		}
	if (result_mem_init(m->res, n, total))
		return;
	for (size_t i = 0; i < m->ncopy && i < g->nmem; i++) {
		const struct kvm_mem *mm = &g->mem[i];
		uint8_t *p;
		if (mm->size > (1u << 20) || !(p = result_mem_add(m->res, mm->addr, mm->size)))
			continue;
		if (kvm_ref_mem_read(k, mm->addr, p, mm->size))
			memset(p, 0, mm->size);
	}
}

void ref_outcome_to_result(const struct scenario *sc, const struct kvm_outcome *o, struct run_result *res)
{
	const struct kvm_ref_result *r = &o->r;
	snprintf(res->scenario, sizeof(res->scenario), "%s", sc->name ? sc->name : "?");
	snprintf(res->policy, sizeof(res->policy), "%s", kvm_module_name(r->module));
	snprintf(res->vendor, sizeof(res->vendor), "kvm");
	snprintf(res->cost_model, sizeof(res->cost_model), "none");
	res->exit_names = stat_exit_names;
	res->nexit_names = EXIT_SLOTS;
	uint64_t v;
	if (kvm_ref_stat(r, "exits", &v)) res->st.exits_total = v;
	if (kvm_ref_stat(r, "io_exits", &v)) res->st.exits[30].count = v;
	if (kvm_ref_stat(r, "halt_exits", &v)) res->st.exits[12].count = v;
	if (kvm_ref_stat(r, "irq_exits", &v)) res->st.exits[1].count = v;
	res->st.entries_total = res->st.exits_total;
	/* KVM_EXIT_DEBUG, shown only with host.guest_debug (sim/result.c). */
	res->st.guest_debug = sc->host.guest_debug & GUESTDBG_ENABLE;
	res->st.exits_to_user_debug = r->debug_exits;
	res->st.db_guest_delivered = o->count;
	res->st.db_host_delivered = r->host_bp_hits_total;
	res->stop = ref_map_stop(r->stop);
	snprintf(res->stop_msg, sizeof(res->stop_msg), "%s", r->stop_msg);
	for (int i = 0; i < 4; i++)
		res->guest_dr[i] = res->hv_dr[i] = r->db[i];
	res->guest_dr[6] = res->hv_dr[6] = r->dr6;
	res->guest_dr[7] = res->hv_dr[7] = r->dr7;
	res->guest_dr[4] = res->hv_dr[4] = r->dr6;     /* DR4/DR5 alias DR6/DR7 (CR4.DE = 0) */
	res->guest_dr[5] = res->hv_dr[5] = r->dr7;
	res->guest_rip = r->rip;
	memcpy(res->gprs, r->gpr, sizeof(res->gprs));
	res->db = calloc(o->nlog + 1, sizeof(*res->db));
	for (size_t i = 0; res->db && i < o->nlog; i++) {
		struct db_record *d = &res->db[res->ndb++];
		d->rip = o->riplog[i];
		d->dr6 = d->hw_dr6 = o->log[i];
		d->hw_slots = d->ideal_slots = (uint8_t)(o->log[i] & 0xF);
		d->outcome = DB_DELIVERED;
		d->cause = ref_dr6_cause(o->log[i]);
	}
}

void ref_reference_json(struct json_writer *w, const struct kvm_outcome *o, const char *ref,
				 uint64_t hash)
{
	const struct kvm_ref_result *r = &o->r;
	char hx[24];
	jw_object_begin(w);
	jw_kv_string(w, "reference", ref);
	jw_kv_string(w, "module", kvm_module_name(r->module));
	jw_kv_string(w, "kernel", o->kernel);
	snprintf(hx, sizeof(hx), "%016" PRIx64, hash);
	jw_kv_string(w, "image", hx);
	jw_kv_string(w, "stop", kvm_stop_name(r->stop));
	jw_kv_u64(w, "user_exits", r->user_exits);
	jw_kv_u64(w, "io_exits", r->io_exits);
	jw_kv_u64(w, "elapsed_ns", r->elapsed_ns);
	jw_key(w, "cpuid");
	jw_object_begin(w);
	jw_key(w, "rtm");
	jw_bool(w, r->cpuid_rtm);
	jw_key(w, "bus_lock");
	jw_bool(w, r->cpuid_bus_lock);
	jw_object_end(w);
	jw_key(w, "stats");
	jw_object_begin(w);
	for (unsigned i = 0; i < r->nstats; i++)
		jw_kv_u64(w, r->stats[i].name, r->stats[i].value);
	jw_object_end(w);
	jw_key(w, "exit_reasons");
	jw_object_begin(w);
	for (unsigned i = 0; i < o->nexits; i++) {
		snprintf(hx, sizeof(hx), "0x%x", o->exits[i].code);
		jw_kv_u64(w, hx, o->exits[i].count);
	}
	jw_object_end(w);
	jw_key(w, "host_bp_hits");
	jw_array_begin(w);
	for (int i = 0; i < 4; i++)
		jw_u64(w, r->host_bp_hits[i]);
	jw_array_end(w);
	jw_kv_u64(w, "count", o->count);
	jw_key(w, "log");
	jw_array_begin(w);
	for (size_t i = 0; i < o->nlog; i++) {
		jw_object_begin(w);
		jw_kv_u64(w, "dr6", o->log[i]);
		jw_kv_u64(w, "rip", o->riplog[i]);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_key(w, "res");
	jw_array_begin(w);
	for (size_t i = 0; i < o->nres; i++)
		jw_u64(w, o->res[i]);
	jw_array_end(w);
	jw_object_end(w);
}

void ref_reference_text(FILE *f, const struct kvm_outcome *o, const char *ref)
{
	const struct kvm_ref_result *r = &o->r;
	fprintf(f, "reference: %s, module %s%s%s\n", ref, kvm_module_name(r->module),
		o->kernel[0] ? ", kernel " : "", o->kernel);
	fprintf(f, "  stop: %s (%s), %" PRIu64 " exits to user space (%" PRIu64 " I/O), %.3f ms\n",
		kvm_stop_name(r->stop), r->stop_msg, r->user_exits, r->io_exits, r->elapsed_ns / 1e6);
	if (r->debug_exits)
		fprintf(f, "  KVM_EXIT_DEBUG: %" PRIu64 "\n", r->debug_exits);
	fprintf(f, "  guest CPUID: rtm %d, bus_lock %d\n", r->cpuid_rtm, r->cpuid_bus_lock);
	fprintf(f, "  DRs (KVM_GET_DEBUGREGS): dr0 0x%" PRIx64 " dr1 0x%" PRIx64 " dr2 0x%" PRIx64
		   " dr3 0x%" PRIx64 " dr6 0x%" PRIx64 " dr7 0x%" PRIx64 "\n",
		r->db[0], r->db[1], r->db[2], r->db[3], r->dr6, r->dr7);
	fprintf(f, "  vCPU stats (KVM_GET_STATS_FD, non-zero):");
	for (unsigned i = 0; i < r->nstats; i++)
		if (r->stats[i].value)
			fprintf(f, " %s=%" PRIu64, r->stats[i].name, r->stats[i].value);
	fputc('\n', f);
	for (unsigned i = 0; i < o->nexits; i++)
		fprintf(f, "  kvm_exit reason 0x%x: %" PRIu64 "\n", o->exits[i].code, o->exits[i].count);
	if (r->host_bp_hits_total)
		fprintf(f, "  host breakpoint hits (perf): %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
			r->host_bp_hits[0], r->host_bp_hits[1], r->host_bp_hits[2], r->host_bp_hits[3]);
	fprintf(f, "  guest #DB log: count %" PRIu64 "\n", o->count);
	for (size_t i = 0; i < o->nlog; i++)
		fprintf(f, "    #%zu dr6 0x%" PRIx64 " rip 0x%" PRIx64 " (%s)\n", i, o->log[i], o->riplog[i],
			ref_dr6_cause(o->log[i]));
	for (size_t i = 0; i < o->nres; i++)
		fprintf(f, "  res[%zu] 0x%" PRIx64 "\n", i, o->res[i]);
}

int ref_err_status(int kind)
{
	return kind == KVM_ERR_INTERNAL ? HVSIM_EXIT_INTERNAL : HVSIM_EXIT_SKIP;
}

const char *ref_kind_name(enum ref_kind k)
{
	return k == REF_AMD_TCG ? "kvm-amd-tcg" : k == REF_INTEL_BOCHS ? "kvm-intel-bochs" : "kvm";
}

const char *ref_cache_dir(enum ref_kind k, const char *opt, const char *kernel, char *buf, size_t n)
{
	bool bochs = k == REF_INTEL_BOCHS, other = kernel && strcmp(kernel, REF_CACHE_KERNEL);
	const char *dir = opt ? opt : other ? NULL : getenv(bochs ? "HVSIM_KVM_BOCHS_CACHE" : "HVSIM_KVM_TCG_CACHE");
	if (dir && *dir)
		return dir;
	snprintf(buf, n, "%s/%s%s%s", util_source_dir(), bochs ? REF_BOCHS_CACHE : REF_TCG_CACHE, other ? "-" : "",
		 other ? kernel : "");
	return buf;
}

bool ref_release_is(const char *release, const char *kernel)
{
	size_t n = strlen(kernel);
	return release && !strncmp(release, kernel, n) && (release[n] == 0 || release[n] == '.' || release[n] == '-');
}

/* POSIX cksum: CRC-32 (polynomial 0x04C11DB7, MSB first) of the bytes and
 * then of the length (least significant byte first), complemented. */
static uint32_t cksum_byte(uint32_t c, uint8_t b)
{
	c ^= (uint32_t)b << 24;
	for (int i = 0; i < 8; i++)
		c = c & 0x80000000u ? (c << 1) ^ 0x04C11DB7u : c << 1;
	return c;
}

int ref_patch_cache_dir(enum ref_kind k, const char *patch, char *buf, size_t n, char *err, size_t errsize)
{
	size_t len;
	char *p = util_read_file(patch, UTIL_MAX_DOCUMENT, &len);
	if (!p) {
		snprintf(err, errsize, "hvsim: %s: cannot read the patch", patch);
		return -1;
	}
	uint32_t c = 0;
	for (size_t i = 0; i < len; i++)
		c = cksum_byte(c, (uint8_t)p[i]);
	for (size_t l = len; l; l >>= 8)
		c = cksum_byte(c, (uint8_t)(l & 0xFF));
	free(p);
	const char *w = getenv("HVSIM_KVM_PATCH_WORK"), *home = getenv("HOME");
	if (w && *w)
		snprintf(buf, n, "%s/results/%s/%u-%zu", w, ref_kind_name(k), (unsigned)~c, len);
	else
		snprintf(buf, n, "%s/.cache/hvsim/kvm-patch/results/%s/%u-%zu", home && *home ? home : "/root",
			 ref_kind_name(k), (unsigned)~c, len);
	return 0;
}
