/* devkvm_format.c - the reference formats (devkvm.h): the guest image
 * ("hvsim-kvm-image 1", what `hvsim kvm --export` writes and the
 * reference-2 runner reads) and the outcome ("hvsim-kvm-outcome 1", what a
 * reference run measured: `hvsim kvm --format outcome`, the reference-2
 * cache).  Text in, text out: no /dev/kvm here. */
#define _GNU_SOURCE
#include "sim/ref/devkvm.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- guest images ---------------------------------------------------------- */

static const char *const when_names[] = { "start", "exit", "every" };

int kvm_image_write(FILE *f, const struct kvm_image *img)
{
	const struct kvm_guest_spec *g = &img->spec;
	fprintf(f, "hvsim-kvm-image 1\nname %s\nmode %d\nrip 0x%llx\n", img->name[0] ? img->name : "-",
		g->mode, (unsigned long long)g->rip);
	for (int i = 0; i < 16; i++)
		if (g->gpr[i])
			fprintf(f, "gpr %d 0x%llx\n", i, (unsigned long long)g->gpr[i]);
	/* guest_debug: the KVM_GUESTDBG_* control (1 = ENABLE, as version 1
	 * files wrote `true`); guest_debug_dr only when a debugreg is set. */
	fprintf(f, "rflags 0x%llx\ncr4 0x%llx\nrtm %d\nbus_lock %d\nguest_debug %u\n",
		(unsigned long long)g->rflags, (unsigned long long)g->cr4_extra, g->cpu_rtm,
		g->cpu_bus_lock, g->guest_debug);
	for (int i = 0; i < 8; i++)
		if (g->guest_debug_dr[i])
			fprintf(f, "guest_debug_dr %d 0x%llx\n", i, (unsigned long long)g->guest_debug_dr[i]);
	for (size_t i = 0; i < g->nmem; i++) {
		const struct kvm_mem *m = &g->mem[i];
		fprintf(f, "mem 0x%llx 0x%llx ", (unsigned long long)m->addr, (unsigned long long)m->size);
		size_t n = m->bytes ? (m->nbytes < m->size ? m->nbytes : (size_t)m->size) : 0;
		if (!n)
			fputc('-', f);
		for (size_t j = 0; j < n; j++)
			fprintf(f, "%02x", ((const uint8_t *)m->bytes)[j]);
		fputc('\n', f);
	}
	for (unsigned i = 0; i < img->nbp; i++)
		fprintf(f, "bp %d 0x%llx %d %u\n", img->bp[i].slot, (unsigned long long)img->bp[i].addr,
			img->bp[i].type, img->bp[i].len);
	for (unsigned i = 0; i < img->nev; i++) {
		const struct kvm_img_event *e = &img->ev[i];
		fprintf(f, "event %s %llu ", when_names[e->when], (unsigned long long)e->n);
		if (e->action == 0)
			fprintf(f, "install %d 0x%llx %d %u\n", e->slot, (unsigned long long)e->addr, e->type, e->len);
		else if (e->action == 1)
			fprintf(f, "remove %d\n", e->slot);
		else
			fprintf(f, "touch 0x%llx %u %d\n", (unsigned long long)e->addr, e->len, e->write);
	}
	static const char *const sn[] = { "count", "log", "log_end", "riplog", "res", "res_end" };
	const bool has[] = { img->has_count, img->has_log, img->has_log_end, img->has_riplog,
			     img->has_res, img->has_res };
	const uint64_t v[] = { img->sym_count, img->sym_log, img->sym_log_end, img->sym_riplog,
			       img->sym_res, img->sym_res_end };
	for (int i = 0; i < 6; i++)
		if (has[i])
			fprintf(f, "sym %s 0x%llx\n", sn[i], (unsigned long long)v[i]);
	fputs("end\n", f);
	return ferror(f) ? -1 : 0;
}

uint64_t kvm_image_hash(const struct kvm_image *img)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return 0;
	kvm_image_write(f, img);
	fclose(f);
	uint64_t h = 0xcbf29ce484222325ull;          /* FNV-1a, 64-bit */
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)buf[i];
		h *= 0x100000001b3ull;
	}
	free(buf);
	return h;
}

void kvm_image_free(struct kvm_image *img)
{
	for (int i = 0; i < KVM_IMG_MAX_MEM; i++) {
		free(img->owned[i]);
		img->owned[i] = NULL;
	}
}

/* A small tokenizer over one line. */
struct toks { char *v[12]; int n; };

static void split(char *line, struct toks *t)
{
	t->n = 0;
	char *save = NULL;
	for (char *p = strtok_r(line, " \t\r", &save); p && t->n < 12; p = strtok_r(NULL, " \t\r", &save))
		t->v[t->n++] = p;
}

static bool num(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (end == s || *end || errno || *s == '-')
		return false;
	*v = x;
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int kvm_image_read(const char *buf, size_t len, struct kvm_image *img, char *err, size_t errsize)
{
	memset(img, 0, sizeof(*img));
	img->spec.mem = img->mem;
	char *copy = malloc(len + 1);
	if (!copy) {
		snprintf(err, errsize, "0: out of memory");
		return -1;
	}
	memcpy(copy, buf, len);
	copy[len] = 0;
	int ln = 0;
	bool header = false, end = false;
	char *save = NULL;
	struct kvm_guest_spec *g = &img->spec;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		ln++;
		struct toks t;
		split(line, &t);
		if (!t.n)
			continue;
		uint64_t a[6] = { 0 };
		const char *k = t.v[0];
#define NEED(cnt) do { if (t.n != (cnt)) goto bad; } while (0)
#define NUM(i) do { if (!num(t.v[i], &a[i])) goto bad; } while (0)
		if (!header) {
			if (strcmp(k, "hvsim-kvm-image") || t.n != 2 || strcmp(t.v[1], "1")) {
				snprintf(err, errsize, "%d: not an hvsim-kvm-image version 1 file", ln);
				free(copy);
				return -1;
			}
			header = true;
		} else if (!strcmp(k, "name")) {
			NEED(2);
			snprintf(img->name, sizeof(img->name), "%s", t.v[1]);
		} else if (!strcmp(k, "mode")) {
			NEED(2); NUM(1);
			g->mode = (int)a[1];
		} else if (!strcmp(k, "rip")) {
			NEED(2); NUM(1);
			g->rip = a[1];
		} else if (!strcmp(k, "gpr")) {
			NEED(3); NUM(1); NUM(2);
			if (a[1] > 15)
				goto bad;
			g->gpr[a[1]] = a[2];
		} else if (!strcmp(k, "rflags") || !strcmp(k, "cr4") || !strcmp(k, "rtm") ||
			   !strcmp(k, "bus_lock") || !strcmp(k, "guest_debug")) {
			NEED(2); NUM(1);
			if (!strcmp(k, "rflags")) g->rflags = a[1];
			else if (!strcmp(k, "cr4")) g->cr4_extra = a[1];
			else if (!strcmp(k, "rtm")) g->cpu_rtm = a[1] != 0;
			else if (!strcmp(k, "bus_lock")) g->cpu_bus_lock = a[1] != 0;
			else g->guest_debug = (unsigned)a[1];
		} else if (!strcmp(k, "guest_debug_dr")) {
			NEED(3); NUM(1); NUM(2);
			if (a[1] > 7)
				goto bad;
			g->guest_debug_dr[a[1]] = a[2];
		} else if (!strcmp(k, "mem")) {
			NEED(4); NUM(1); NUM(2);
			if (g->nmem >= KVM_IMG_MAX_MEM)
				goto bad;
			struct kvm_mem *m = &img->mem[g->nmem];
			m->addr = a[1];
			m->size = a[2];
			if (strcmp(t.v[3], "-")) {
				size_t hl = strlen(t.v[3]);
				if (hl % 2 || hl / 2 > m->size)
					goto bad;
				uint8_t *b = malloc(hl / 2 + 1);
				if (!b)
					goto bad;
				for (size_t i = 0; i < hl / 2; i++) {
					int hi = hexval(t.v[3][2 * i]), lo = hexval(t.v[3][2 * i + 1]);
					if (hi < 0 || lo < 0) {
						free(b);
						goto bad;
					}
					b[i] = (uint8_t)(hi << 4 | lo);
				}
				img->owned[g->nmem] = b;
				m->bytes = b;
				m->nbytes = hl / 2;
			}
			g->nmem++;
		} else if (!strcmp(k, "bp")) {
			NEED(5); NUM(1); NUM(2); NUM(3); NUM(4);
			if (img->nbp >= 4)
				goto bad;
			img->bp[img->nbp].slot = (int)a[1];
			img->bp[img->nbp].addr = a[2];
			img->bp[img->nbp].type = (int)a[3];
			img->bp[img->nbp].len = (unsigned)a[4];
			img->nbp++;
		} else if (!strcmp(k, "event")) {
			if (t.n < 4 || img->nev >= KVM_IMG_MAX_EVENTS)
				goto bad;
			struct kvm_img_event *e = &img->ev[img->nev];
			memset(e, 0, sizeof(*e));
			e->when = !strcmp(t.v[1], "start") ? 0 : !strcmp(t.v[1], "exit") ? 1
				: !strcmp(t.v[1], "every") ? 2 : -1;
			if (e->when < 0 || !num(t.v[2], &e->n))
				goto bad;
			uint64_t x[4] = { 0 };
			if (t.n > 8)           /* at most 4 numbers (found by fuzz_outcome: x[] overflowed) */
				goto bad;
			for (int i = 4; i < t.n; i++)
				if (!num(t.v[i], &x[i - 4]))
					goto bad;
			if (!strcmp(t.v[3], "install") && t.n == 8) {
				e->action = 0;
				e->slot = (int)x[0]; e->addr = x[1]; e->type = (int)x[2]; e->len = (unsigned)x[3];
			} else if (!strcmp(t.v[3], "remove") && t.n == 5) {
				e->action = 1;
				e->slot = (int)x[0];
			} else if (!strcmp(t.v[3], "touch") && t.n == 7) {
				e->action = 2;
				e->addr = x[0]; e->len = (unsigned)x[1]; e->write = x[2] != 0;
			} else {
				goto bad;
			}
			img->nev++;
		} else if (!strcmp(k, "sym")) {
			NEED(3); NUM(2);
			const char *s = t.v[1];
			if (!strcmp(s, "count")) { img->has_count = true; img->sym_count = a[2]; }
			else if (!strcmp(s, "log")) { img->has_log = true; img->sym_log = a[2]; }
			else if (!strcmp(s, "log_end")) { img->has_log_end = true; img->sym_log_end = a[2]; }
			else if (!strcmp(s, "riplog")) { img->has_riplog = true; img->sym_riplog = a[2]; }
			else if (!strcmp(s, "res")) { img->has_res = true; img->sym_res = a[2]; }
			else if (!strcmp(s, "res_end")) img->sym_res_end = a[2];
			else goto bad;
		} else if (!strcmp(k, "end")) {
			end = true;
		} else {
			goto bad;
		}
		continue;
bad:
		snprintf(err, errsize, "%d: malformed '%s' line", ln, k);
		free(copy);
		kvm_image_free(img);
		return -1;
#undef NEED
#undef NUM
	}
	free(copy);
	if (!header || !end) {
		snprintf(err, errsize, "%d: %s", ln, header ? "missing 'end' (truncated file)" : "empty file");
		kvm_image_free(img);
		return -1;
	}
	return 0;
}

/* ---- outcomes as text ---------------------------------------------------------- */

int kvm_outcome_write(FILE *f, const struct kvm_outcome *o)
{
	const struct kvm_ref_result *r = &o->r;
	fprintf(f, "hvsim-kvm-outcome 1\nmodule %s\nkernel %s\n", kvm_module_name(r->module),
		o->kernel[0] ? o->kernel : "-");
	if (o->error[0]) {
		fprintf(f, "error %d %s\nend\n", o->error_kind, o->error);
		return ferror(f) ? -1 : 0;
	}
	fprintf(f, "stop %s %s\nrip 0x%llx\nrflags 0x%llx\n", kvm_stop_name(r->stop), r->stop_msg,
		(unsigned long long)r->rip, (unsigned long long)r->rflags);
	for (int i = 0; i < 16; i++)
		fprintf(f, "gpr %d 0x%llx\n", i, (unsigned long long)r->gpr[i]);
	fprintf(f, "dr 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx\n", (unsigned long long)r->db[0],
		(unsigned long long)r->db[1], (unsigned long long)r->db[2], (unsigned long long)r->db[3],
		(unsigned long long)r->dr6, (unsigned long long)r->dr7);
	fprintf(f, "user_exits %llu\nio_exits %llu\nelapsed_ns %llu\ncpuid_rtm %d\ncpuid_bus_lock %d\n",
		(unsigned long long)r->user_exits, (unsigned long long)r->io_exits,
		(unsigned long long)r->elapsed_ns, r->cpuid_rtm, r->cpuid_bus_lock);
	if (r->debug_exits)                /* KVM_EXIT_DEBUG, only with host.guest_debug */
		fprintf(f, "debug_exits %llu\n", (unsigned long long)r->debug_exits);
	for (int i = 0; i < 4; i++)
		fprintf(f, "host_bp %d %llu\n", i, (unsigned long long)r->host_bp_hits[i]);
	for (unsigned i = 0; i < r->nstats; i++)
		fprintf(f, "stat %s %llu %d\n", r->stats[i].name, (unsigned long long)r->stats[i].value,
			r->stats[i].cumulative);
	for (unsigned i = 0; i < o->nexits; i++)
		fprintf(f, "exit_reason 0x%x %llu %llu\n", o->exits[i].code, (unsigned long long)o->exits[i].count,
			(unsigned long long)o->exits[i].induced);
	fprintf(f, "count %llu\n", (unsigned long long)o->count);
	for (size_t i = 0; i < o->nlog; i++)
		fprintf(f, "log %zu 0x%llx 0x%llx\n", i, (unsigned long long)o->log[i],
			(unsigned long long)o->riplog[i]);
	for (size_t i = 0; i < o->nres; i++)
		fprintf(f, "res %zu 0x%llx\n", i, (unsigned long long)o->res[i]);
	fputs("end\n", f);
	if (o->has_measure)
		fprintf(f, "measure exit_to_entry clock %s tsc_per_insn %.4f loop_insns %llu guest_ns_per_insn %.4f\n",
			o->clock, o->tsc_per_insn, (unsigned long long)o->loop_insns, o->guest_ns_per_insn);
	for (unsigned i = 0; i < o->npaths; i++) {
		const struct kvm_exit_path *p = &o->paths[i];
		fprintf(f, "exit_path %s %llu %llu %llu %llu %llu\n", p->name, (unsigned long long)p->n,
			(unsigned long long)p->sum, (unsigned long long)p->min, (unsigned long long)p->median,
			(unsigned long long)p->max);
	}
	for (unsigned i = 0; i < o->nquals; i++)
		fprintf(f, "exit_qual %s 0x%llx %llu\n", o->quals[i].name, (unsigned long long)o->quals[i].info,
			(unsigned long long)o->quals[i].n);
	return ferror(f) ? -1 : 0;
}

static enum kvm_module module_by_name(const char *s)
{
	for (int m = KVM_MODULE_NONE; m <= KVM_MODULE_OTHER; m++)
		if (!strcmp(kvm_module_name((enum kvm_module)m), s))
			return (enum kvm_module)m;
	return KVM_MODULE_OTHER;
}

/* One line after "end": 0 (parsed or not a trailer key), -1 malformed. */
static int trailer_line(struct kvm_outcome *o, const struct toks *t)
{
	const char *k = t->v[0];
	uint64_t a[8] = { 0 };
	if (!strcmp(k, "measure")) {
		if (t->n != 10 || strcmp(t->v[2], "clock"))
			return -1;
		o->has_measure = true;
		snprintf(o->clock, sizeof(o->clock), "%s", t->v[3]);
		o->tsc_per_insn = strtod(t->v[5], NULL);
		o->loop_insns = strtoull(t->v[7], NULL, 10);
		o->guest_ns_per_insn = strtod(t->v[9], NULL);
	} else if (!strcmp(k, "exit_path")) {
		if (t->n != 7)
			return -1;
		for (int i = 2; i < 7; i++)
			if (!num(t->v[i], &a[i]))
				return -1;
		if (o->npaths < KVM_MAX_PATHS) {
			struct kvm_exit_path *p = &o->paths[o->npaths++];
			snprintf(p->name, sizeof(p->name), "%s", t->v[1]);
			p->n = a[2], p->sum = a[3], p->min = a[4], p->median = a[5], p->max = a[6];
		}
	} else if (!strcmp(k, "exit_qual")) {
		if (t->n != 4 || !num(t->v[2], &a[2]) || !num(t->v[3], &a[3]))
			return -1;
		if (o->nquals < KVM_MAX_PATHS) {
			struct kvm_exit_qual *q = &o->quals[o->nquals++];
			snprintf(q->name, sizeof(q->name), "%s", t->v[1]);
			q->info = a[2], q->n = a[3];
		}
	}
	return 0;
}

int kvm_outcome_read(const char *buf, size_t len, struct kvm_outcome *o, char *err, size_t errsize)
{
	memset(o, 0, sizeof(*o));
	char *copy = malloc(len + 1);
	if (!copy) {
		snprintf(err, errsize, "0: out of memory");
		return -1;
	}
	memcpy(copy, buf, len);
	copy[len] = 0;
	struct kvm_ref_result *r = &o->r;
	int ln = 0;
	bool header = false, end = false;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		ln++;
		char *rest = strchr(line, ' ');
		rest = rest ? rest + 1 : line + strlen(line);
		char keep[256];
		snprintf(keep, sizeof(keep), "%s", rest);
		struct toks t;
		split(line, &t);
		if (!t.n)
			continue;
		const char *k = t.v[0];
		uint64_t a[8] = { 0 };
		for (int i = 1; i < t.n && i < 8; i++)
			num(t.v[i], &a[i]);
		if (end) {
			/* the trailer (devkvm.h); anything else after "end" is ignored */
			if (trailer_line(o, &t))
				goto bad;
		} else if (!header) {
			if (strcmp(k, "hvsim-kvm-outcome") || t.n != 2 || strcmp(t.v[1], "1"))
				goto bad;
			header = true;
		} else if (!strcmp(k, "module") && t.n == 2) {
			r->module = module_by_name(t.v[1]);
		} else if (!strcmp(k, "kernel") && t.n == 2) {
			snprintf(o->kernel, sizeof(o->kernel), "%s", t.v[1]);
		} else if (!strcmp(k, "error") && t.n >= 2) {
			if (a[1] > KVM_ERR_INTERNAL)   /* an enum kvm_err (found by fuzz_outcome: */
				goto bad;              /* 0xffff0ff1 came back as a negative kind) */
			o->error_kind = (int)a[1];
			const char *m = strchr(keep, ' ');
			snprintf(o->error, sizeof(o->error), "%s", m ? m + 1 : "?");
		} else if (!strcmp(k, "stop") && t.n >= 2) {
			for (int s = KVM_STOP_HALT; s <= KVM_STOP_OTHER; s++)
				if (!strcmp(kvm_stop_name((enum kvm_stop)s), t.v[1]))
					r->stop = (enum kvm_stop)s;
			const char *m = strchr(keep, ' ');
			snprintf(r->stop_msg, sizeof(r->stop_msg), "%s", m ? m + 1 : "");
		} else if (!strcmp(k, "rip") && t.n == 2) {
			r->rip = a[1];
		} else if (!strcmp(k, "rflags") && t.n == 2) {
			r->rflags = a[1];
		} else if (!strcmp(k, "gpr") && t.n == 3 && a[1] < 16) {
			r->gpr[a[1]] = a[2];
		} else if (!strcmp(k, "dr") && t.n == 7) {
			for (int i = 0; i < 4; i++)
				r->db[i] = a[1 + i];
			r->dr6 = a[5];
			r->dr7 = a[6];
		} else if (!strcmp(k, "user_exits") && t.n == 2) {
			r->user_exits = a[1];
		} else if (!strcmp(k, "io_exits") && t.n == 2) {
			r->io_exits = a[1];
		} else if (!strcmp(k, "debug_exits") && t.n == 2) {
			r->debug_exits = a[1];
		} else if (!strcmp(k, "elapsed_ns") && t.n == 2) {
			r->elapsed_ns = a[1];
		} else if (!strcmp(k, "cpuid_rtm") && t.n == 2) {
			r->cpuid_rtm = a[1] != 0;
		} else if (!strcmp(k, "cpuid_bus_lock") && t.n == 2) {
			r->cpuid_bus_lock = a[1] != 0;
		} else if (!strcmp(k, "host_bp") && t.n == 3 && a[1] < 4) {
			r->host_bp_hits[a[1]] = a[2];
			r->host_bp_hits_total += a[2];
		} else if (!strcmp(k, "stat") && t.n == 4) {
			if (r->nstats < KVM_MAX_STATS) {
				struct kvm_stat_val *s = &r->stats[r->nstats++];
				snprintf(s->name, sizeof(s->name), "%s", t.v[1]);
				s->value = a[2];
				s->cumulative = a[3] != 0;
			}
		} else if (!strcmp(k, "exit_reason") && (t.n == 3 || t.n == 4)) {
			if (o->nexits < KVM_MAX_EXIT_REASONS) {
				o->exits[o->nexits].code = (uint32_t)a[1];
				o->exits[o->nexits].induced = a[3];
				o->exits[o->nexits++].count = a[2];
			}
		} else if (!strcmp(k, "count") && t.n == 2) {
			o->count = a[1];
		} else if (!strcmp(k, "log") && t.n == 4) {
			if (a[1] == o->nlog && o->nlog < KVM_LOG_MAX) {
				o->log[o->nlog] = a[2];
				o->riplog[o->nlog++] = a[3];
			}
		} else if (!strcmp(k, "res") && t.n == 3) {
			if (a[1] == o->nres && o->nres < KVM_RES_MAX)
				o->res[o->nres++] = a[2];
		} else if (!strcmp(k, "end")) {
			end = true;
		} else {
			goto bad;
		}
		continue;
bad:
		snprintf(err, errsize, "%d: malformed '%s' line", ln, k);
		free(copy);
		return -1;
	}
	free(copy);
	if (!header || !end) {
		snprintf(err, errsize, "%d: %s", ln, header ? "missing 'end' (truncated output)" : "not an hvsim-kvm-outcome file");
		return -1;
	}
	return 0;
}

