/* devkvm_run.c - the /dev/kvm runner (devkvm.h): running a VM.  Per-vCPU
 * statistics (KVM_GET_STATS_FD), host breakpoints (perf) and host touches,
 * the run loop, and running a guest image (the reference-2 runner's unit). */
#define _GNU_SOURCE
#include "sim/ref/devkvm_impl.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/hw_breakpoint.h>
#include <linux/kvm.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- statistics (KVM_GET_STATS_FD, Documentation/virt/kvm/api.rst 4.133) -- */

int devkvm_stats_init(struct kvm_ref *k)
{
	k->stats_fd = ioctl(k->vcpu, KVM_GET_STATS_FD, NULL);
	if (k->stats_fd < 0)
		return -1;
	struct kvm_stats_header h;
	if (pread(k->stats_fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return -1;
	size_t dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	char *buf = malloc(dsz * h.num_desc + 1);
	if (!buf)
		return -1;
	if (pread(k->stats_fd, buf, dsz * h.num_desc, h.desc_offset) != (ssize_t)(dsz * h.num_desc)) {
		free(buf);
		return -1;
	}
	k->stat_data_off = h.data_offset;
	for (uint32_t i = 0; i < h.num_desc && k->nstat < KVM_MAX_STATS; i++) {
		const struct kvm_stats_desc *sd = (const void *)(buf + i * dsz);
		uint32_t type = sd->flags & KVM_STATS_TYPE_MASK;
		if (sd->size != 1 || type > KVM_STATS_TYPE_PEAK)
			continue;                  /* histograms are not reported */
		snprintf(k->statd[k->nstat].name, sizeof(k->statd[0].name), "%.*s",
			 (int)h.name_size, sd->name);
		k->statd[k->nstat].flags = sd->flags;
		k->statd[k->nstat].offset = sd->offset;
		k->nstat++;
	}
	free(buf);
	return 0;
}

static void stats_read(struct kvm_ref *k, uint64_t *vals)
{
	for (unsigned i = 0; i < k->nstat; i++)
		if (pread(k->stats_fd, &vals[i], 8, (off_t)(k->stat_data_off + k->statd[i].offset)) != 8)
			vals[i] = 0;
}

bool kvm_ref_stat(const struct kvm_ref_result *r, const char *name, uint64_t *val)
{
	for (unsigned i = 0; i < r->nstats; i++)
		if (!strcmp(r->stats[i].name, name)) {
			*val = r->stats[i].value;
			return true;
		}
	return false;
}

/* ---- host breakpoints (perf_event_open(2), PERF_TYPE_BREAKPOINT) ---------- */

int kvm_ref_host_bp_install(struct kvm_ref *k, int slot, uint64_t addr, int type, unsigned len,
			    char *err, size_t errsize)
{
	if (slot < 0 || slot > 3) {
		snprintf(err, errsize, "host breakpoint slot %d out of range", slot);
		return -1;
	}
	kvm_ref_host_bp_remove(k, slot);
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_BREAKPOINT;
	a.size = sizeof(a);
	a.pinned = 1;                      /* always on the hardware, never multiplexed */
	a.exclude_hv = 1;
	if (type == 0) {
		a.bp_type = HW_BREAKPOINT_X;
		a.bp_len = sizeof(long);   /* perf's rule for execute breakpoints on x86 */
	} else {
		a.bp_type = type == 1 ? HW_BREAKPOINT_W : HW_BREAKPOINT_RW;
		a.bp_len = len;
	}
	a.bp_addr = addr;
	/* pid 0, cpu -1: this thread (the one calling KVM_RUN), on any CPU. */
	int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsize, "perf_event_open(PERF_TYPE_BREAKPOINT, addr 0x%llx): %s",
			 (unsigned long long)addr, strerror(errno));
		return -1;
	}
	k->bp[slot].fd = fd;
	return 0;
}

static uint64_t bp_count(int fd)
{
	uint64_t v = 0;
	if (fd < 0 || read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return 0;
	return v;
}

int kvm_ref_host_bp_remove(struct kvm_ref *k, int slot)
{
	if (slot < 0 || slot > 3)
		return -1;
	if (k->bp[slot].fd >= 0) {
		k->bp[slot].hits += bp_count(k->bp[slot].fd);
		close(k->bp[slot].fd);
		k->bp[slot].fd = -1;
	}
	return 0;
}

int kvm_ref_host_touch(struct kvm_ref *k, uint64_t addr, unsigned size, bool write, char *err,
		       size_t errsize)
{
	uint64_t page = addr & ~(PAGE - 1);
	uint64_t last = (addr + (size ? size : 1) - 1) & ~(PAGE - 1);
	for (uint64_t p = page; p <= last; p += PAGE) {
		bool have = false;
		for (unsigned i = 0; i < k->ntouch; i++)
			have |= k->touch_pages[i] == p;
		if (have)
			continue;
		void *m = k->ntouch < MAX_TOUCH_PAGES
			? mmap((void *)(uintptr_t)p, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0)
			: MAP_FAILED;
		if (m == MAP_FAILED || (uint64_t)(uintptr_t)m != p) {
			if (m != MAP_FAILED)
				munmap(m, PAGE);
			snprintf(err, errsize, "host touch at 0x%llx: cannot map that page in the "
				 "reference process (%s)", (unsigned long long)addr,
				 m == MAP_FAILED ? strerror(errno) : "placed elsewhere");
			return -1;
		}
		k->touch_pages[k->ntouch++] = p;
	}
	volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)addr;
	switch (size) {
	case 1: if (write) *b = 1; else (void)*b; break;
	case 2: if (write) *(volatile uint16_t *)b = 1; else (void)*(volatile uint16_t *)b; break;
	case 4: if (write) *(volatile uint32_t *)b = 1; else (void)*(volatile uint32_t *)b; break;
	default: if (write) *(volatile uint64_t *)b = 1; else (void)*(volatile uint64_t *)b; break;
	}
	return 0;
}

/* KVM_EXIT_DEBUG: what the simulator's debugger does (debugreg/guest_debug.c):
 * its own single-step, breakpoint, GD or INT3 event is resumed (an
 * instruction breakpoint with RFLAGS.RF through KVM_SET_REGS, GD by
 * KVM_SET_GUEST_DEBUG without GD, INT3 after the INT3); anything else is
 * not resumed here (re-injection through KVM_SET_VCPU_EVENTS is not
 * implemented): 1 with a message. */
static int debug_exit(struct kvm_ref *k, const struct kvm_run *r, char *err, size_t errsize)
{
	const struct kvm_guest_spec *g = &k->spec;
	uint64_t dr6 = r->debug.arch.dr6, dr7 = r->debug.arch.dr7;
	unsigned mine = 0;
	for (int i = 0; i < 4 && (g->guest_debug & KVM_GUESTDBG_USE_HW_BP); i++)
		if (g->guest_debug_dr[7] & (3ull << (2 * i)))
			mine |= 1u << i;
	struct kvm_regs regs;
	/* A breakpoint that keeps firing at one address (RF not honoured):
	 * stop instead of spinning until the exit bound. */
	k->dbg_repeat = r->debug.arch.pc == k->dbg_last_pc ? k->dbg_repeat + 1 : 0;
	k->dbg_last_pc = r->debug.arch.pc;
	if (k->dbg_repeat >= 3) {
		snprintf(err, errsize, "KVM_EXIT_DEBUG at 0x%llx %u times in a row (RFLAGS.RF not honoured?)",
			 (unsigned long long)r->debug.arch.pc, k->dbg_repeat + 1);
		return 1;
	}
	if (r->debug.arch.exception == 3 && (g->guest_debug & KVM_GUESTDBG_USE_SW_BP)) {
		if (ioctl(k->vcpu, KVM_GET_REGS, &regs) < 0)
			goto fail;
		regs.rip = r->debug.arch.pc + 1;     /* flat segments: linear = RIP */
		return ioctl(k->vcpu, KVM_SET_REGS, &regs) < 0 ? (snprintf(err, errsize, "KVM_SET_REGS: %s",
			     strerror(errno)), 1) : 0;
	}
	if (r->debug.arch.exception != 1)
		goto foreign;
	if ((dr6 & (1u << 13)) && (g->guest_debug & KVM_GUESTDBG_USE_HW_BP)) {
		struct kvm_guest_debug dbg;
		memset(&dbg, 0, sizeof(dbg));
		dbg.control = g->guest_debug & ~(unsigned)(KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP);
		for (int i = 0; i < 8; i++)
			dbg.arch.debugreg[i] = g->guest_debug_dr[i];
		dbg.arch.debugreg[7] &= ~(1ull << 13);
		k->spec.guest_debug_dr[7] = dbg.arch.debugreg[7];
		return ioctl(k->vcpu, KVM_SET_GUEST_DEBUG, &dbg) < 0 ? (snprintf(err, errsize,
			     "KVM_SET_GUEST_DEBUG: %s", strerror(errno)), 1) : 0;
	}
	if (dr6 & mine & 0xF) {
		for (int i = 0; i < 4; i++)
			if ((dr6 & mine & (1u << i)) && !((dr7 >> (16 + 4 * i)) & 3)) {
				if (ioctl(k->vcpu, KVM_GET_REGS, &regs) < 0)
					goto fail;
				regs.rflags |= 1u << 16;          /* RF */
				if (ioctl(k->vcpu, KVM_SET_REGS, &regs) < 0)
					goto fail;
				break;
			}
		return 0;
	}
	if ((dr6 & (1u << 14)) && (g->guest_debug & KVM_GUESTDBG_SINGLESTEP))
		return 0;
foreign:
	snprintf(err, errsize, "KVM_EXIT_DEBUG not the debugger's (exception %u, dr6 0x%llx): re-injection "
		 "is not implemented on the reference", r->debug.arch.exception, (unsigned long long)dr6);
	return 1;
fail:
	snprintf(err, errsize, "KVM_GET/SET_REGS: %s", strerror(errno));
	return 1;
}

/* ---- the run loop (kvmtool's shape: run, dispatch on exit_reason) --------- */

static void on_alarm(int sig) { (void)sig; }

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

int kvm_ref_run(struct kvm_ref *k, struct kvm_ref_result *res, char *err, size_t errsize)
{
	const struct kvm_guest_spec *g = &k->spec;
	memset(res, 0, sizeof(*res));
	res->module = k->module;
	res->cpuid_rtm = k->cpuid_rtm;
	res->cpuid_bus_lock = k->cpuid_bus_lock;
	uint64_t limit = g->max_user_exits ? g->max_user_exits : DEFAULT_MAX_USER_EXITS;
	unsigned tmo = g->timeout_ms ? g->timeout_ms : DEFAULT_TIMEOUT_MS;

	/* A per-thread timer: SIGALRM interrupts KVM_RUN with EINTR. */
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, &old);
	timer_t tid;
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGALRM;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	bool have_timer = timer_create(CLOCK_MONOTONIC, &sev, &tid) == 0;
	if (have_timer) {
		struct itimerspec its = { .it_value = { tmo / 1000, (long)(tmo % 1000) * 1000000L } };
		timer_settime(tid, 0, &its, NULL);
	}
	uint64_t deadline = now_ns() + (uint64_t)tmo * 1000000ull;

	stats_read(k, k->stat_before);
	uint64_t t0 = now_ns();
	int rc = 0;
	bool done = false;
	while (!done) {
		if (ioctl(k->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				if (now_ns() >= deadline) {
					res->stop = KVM_STOP_TIMEOUT;
					snprintf(res->stop_msg, sizeof(res->stop_msg),
						 "guest still running after %u ms", tmo);
					break;
				}
				continue;
			}
			snprintf(err, errsize, "KVM_RUN: %s", strerror(errno));
			rc = -1;
			break;
		}
		res->user_exits++;
		struct kvm_run *r = k->run;
		switch (r->exit_reason) {
		case KVM_EXIT_HLT:
			res->stop = KVM_STOP_HALT;
			snprintf(res->stop_msg, sizeof(res->stop_msg), "guest executed HLT");
			done = true;
			break;
		case KVM_EXIT_IO:
			res->io_exits++;
			if (r->io.direction == KVM_EXIT_IO_IN)   /* floating bus, as the simulator */
				memset((char *)r + r->io.data_offset, 0xFF, (size_t)r->io.size * r->io.count);
			if (g->on_user_exit)
				g->on_user_exit(g->ctx, k, res->user_exits);
			break;
		case KVM_EXIT_DEBUG:
			/* host.guest_debug: the debugger of the simulator
			 * (debugreg/guest_debug.c) resumes its own events. */
			res->debug_exits++;
			if (debug_exit(k, r, err, errsize)) {
				res->stop = KVM_STOP_OTHER;
				snprintf(res->stop_msg, sizeof(res->stop_msg), "%s", err);
				done = true;
			}
			break;
		case KVM_EXIT_MMIO:
			res->stop = KVM_STOP_MMIO;
			snprintf(res->stop_msg, sizeof(res->stop_msg),
				 "guest accessed unmapped physical address 0x%llx",
				 (unsigned long long)r->mmio.phys_addr);
			done = true;
			break;
		case KVM_EXIT_SHUTDOWN:
			res->stop = KVM_STOP_SHUTDOWN;
			snprintf(res->stop_msg, sizeof(res->stop_msg), "triple fault (shutdown)");
			done = true;
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			res->stop = KVM_STOP_EMULATION;
			snprintf(res->stop_msg, sizeof(res->stop_msg), "KVM internal error, suberror %u",
				 r->internal.suberror);
			done = true;
			break;
		case KVM_EXIT_FAIL_ENTRY:
			res->stop = KVM_STOP_ENTRY_FAIL;
			snprintf(res->stop_msg, sizeof(res->stop_msg), "VM entry failed, reason 0x%llx",
				 (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
			done = true;
			break;
		case KVM_EXIT_INTR:
			res->user_exits--;         /* our own timer signal */
			if (now_ns() >= deadline) {
				res->stop = KVM_STOP_TIMEOUT;
				snprintf(res->stop_msg, sizeof(res->stop_msg),
					 "guest still running after %u ms", tmo);
				done = true;
			}
			break;
		default:
			res->stop = KVM_STOP_OTHER;
			snprintf(res->stop_msg, sizeof(res->stop_msg), "unexpected KVM exit reason %u",
				 r->exit_reason);
			done = true;
			break;
		}
		if (!done && res->user_exits >= limit) {
			res->stop = KVM_STOP_TIMEOUT;
			snprintf(res->stop_msg, sizeof(res->stop_msg), "%llu exits to user space",
				 (unsigned long long)limit);
			done = true;
		}
	}
	res->elapsed_ns = now_ns() - t0;
	if (have_timer)
		timer_delete(tid);
	sigaction(SIGALRM, &old, NULL);

	uint64_t after[KVM_MAX_STATS];
	stats_read(k, after);
	for (unsigned i = 0; i < k->nstat; i++) {
		struct kvm_stat_val *s = &res->stats[res->nstats++];
		snprintf(s->name, sizeof(s->name), "%s", k->statd[i].name);
		s->cumulative = (k->statd[i].flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_CUMULATIVE;
		s->value = s->cumulative ? after[i] - k->stat_before[i] : after[i];
	}
	struct kvm_regs regs;
	if (ioctl(k->vcpu, KVM_GET_REGS, &regs) == 0) {
		uint64_t gp[16] = { regs.rax, regs.rcx, regs.rdx, regs.rbx, regs.rsp, regs.rbp,
				    regs.rsi, regs.rdi, regs.r8, regs.r9, regs.r10, regs.r11,
				    regs.r12, regs.r13, regs.r14, regs.r15 };
		memcpy(res->gpr, gp, sizeof(gp));
		res->rip = regs.rip;
		res->rflags = regs.rflags;
	}
	struct kvm_debugregs dr;
	if (ioctl(k->vcpu, KVM_GET_DEBUGREGS, &dr) == 0) {
		memcpy(res->db, dr.db, sizeof(res->db));
		res->dr6 = dr.dr6;
		res->dr7 = dr.dr7;
	}
	for (int i = 0; i < 4; i++) {
		res->host_bp_hits[i] = k->bp[i].hits + bp_count(k->bp[i].fd);
		res->host_bp_hits_total += res->host_bp_hits[i];
	}
	return rc;
}

/* ---- running an image -------------------------------------------------------- */

struct img_ctx {
	const struct kvm_image *img;
	char err[200];
};

static void img_event(struct img_ctx *c, struct kvm_ref *k, const struct kvm_img_event *e)
{
	char err[200];
	int rc = 0;
	if (e->action == 0)
		rc = kvm_ref_host_bp_install(k, e->slot, e->addr, e->type, e->len, err, sizeof(err));
	else if (e->action == 1)
		rc = kvm_ref_host_bp_remove(k, e->slot);
	else
		rc = kvm_ref_host_touch(k, e->addr, e->len, e->write, err, sizeof(err));
	if (rc && !c->err[0])
		snprintf(c->err, sizeof(c->err), "%s", err);
}

static void img_on_exit(void *ctx, struct kvm_ref *k, uint64_t n)
{
	struct img_ctx *c = ctx;
	for (unsigned i = 0; i < c->img->nev; i++) {
		const struct kvm_img_event *e = &c->img->ev[i];
		if ((e->when == 1 && e->n == n) || (e->when == 2 && e->n && n % e->n == 0))
			img_event(c, k, e);
	}
}

static void read_words(struct kvm_ref *k, uint64_t addr, uint64_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (kvm_ref_mem_read(k, addr + 8 * i, &out[i], 8))
			out[i] = 0;
}

int kvm_image_run(const struct kvm_image *img, struct kvm_outcome *out,
		  void (*done)(void *ctx, struct kvm_ref *k), void *ctx)
{
	memset(out, 0, sizeof(*out));
	struct img_ctx c = { .img = img };
	struct kvm_guest_spec g = img->spec;
	g.on_user_exit = img_on_exit;
	g.ctx = &c;
	enum kvm_err why = KVM_ERR_INTERNAL;
	char err[200];
	struct kvm_ref *k = kvm_ref_new(&g, &why, err, sizeof(err));
	if (!k) {
		out->error_kind = (int)why;
		snprintf(out->error, sizeof(out->error), "%s", err);
		return -1;
	}
	for (unsigned i = 0; i < img->nbp && !c.err[0]; i++)
		if (kvm_ref_host_bp_install(k, img->bp[i].slot, img->bp[i].addr, img->bp[i].type,
					    img->bp[i].len, err, sizeof(err)))
			snprintf(c.err, sizeof(c.err), "%s", err);
	for (unsigned i = 0; i < img->nev && !c.err[0]; i++)
		if (img->ev[i].when == 0)
			img_event(&c, k, &img->ev[i]);
	int rc = 0;
	if (c.err[0]) {
		out->error_kind = KVM_ERR_UNSUPPORTED;
		snprintf(out->error, sizeof(out->error), "%s", c.err);
		rc = -1;
	} else if (kvm_ref_run(k, &out->r, err, sizeof(err))) {
		out->error_kind = KVM_ERR_INTERNAL;
		snprintf(out->error, sizeof(out->error), "%s", err);
		rc = -1;
	} else if (c.err[0]) {
		/* a host event failed during the run: the run is not the scenario's */
		out->error_kind = KVM_ERR_UNSUPPORTED;
		snprintf(out->error, sizeof(out->error), "%s", c.err);
		rc = -1;
	}
	if (rc == 0) {
		if (img->has_count)
			read_words(k, img->sym_count, &out->count, 1);
		size_t n = img->has_count ? (size_t)out->count : 0;
		if (img->has_log_end && img->sym_log_end > img->sym_log &&
		    (img->sym_log_end - img->sym_log) / 8 < n)
			n = (size_t)((img->sym_log_end - img->sym_log) / 8);
		if (n > KVM_LOG_MAX)
			n = KVM_LOG_MAX;
		if (img->has_log) {
			out->nlog = n;
			read_words(k, img->sym_log, out->log, n);
			if (img->has_riplog)
				read_words(k, img->sym_riplog, out->riplog, n);
		}
		if (img->has_res && img->sym_res_end > img->sym_res) {
			out->nres = (size_t)((img->sym_res_end - img->sym_res) / 8);
			if (out->nres > KVM_RES_MAX)
				out->nres = KVM_RES_MAX;
			read_words(k, img->sym_res, out->res, out->nres);
		}
		if (done)
			done(ctx, k);
	}
	kvm_ref_free(k);
	return rc;
}

