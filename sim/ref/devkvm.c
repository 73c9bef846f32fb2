/* kvm.c - the real-KVM reference backend (see kvm.h).
 *
 * Guest set-up follows the architecture, not any VMM's code:
 *   - 64-bit: IA-32e paging (SDM Vol.3 ch.4.5: CR0.PG=1, CR4.PAE=1,
 *     EFER.LME=1; 4-level tables, 4-KiB pages), a 64-bit code segment
 *     (L=1, D=0, SDM 3.4.5) with selector 0x08, data 0x10, a 64-bit TSS
 *     (SDM 8.7) at 0x18 loaded in TR (VM entry requires a usable TR, SDM
 *     26.3.1.2).  Only the pages the guest uses are mapped, so a wild access
 *     faults as in the simulator (STOP_UNMAPPED there, #PF here).
 *   - 32-bit: protected mode without paging (CR0.PE=1), flat 4-GiB code
 *     (selector 0x08, D=1) and data (0x10) segments.
 * CPL 0 in both.  IDTR is left empty: the guest installs its own IDT.
 *
 * Guest CPUID is KVM's supported CPUID with RTM and bus-lock detect removed
 * unless asked for, because both make DR6 bits writable (active-low bits 16
 * and 11, arch-facts A.1) and the simulator's CPU has neither by default. */
#define _GNU_SOURCE
#include "sim/ref/devkvm.h"
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

#define PAGE 0x1000ull
#define MAX_GUEST_ADDR (1ull << 32)      /* identity mapping: the guest must live below 4 GiB */
#define DEFAULT_TIMEOUT_MS 10000u
#define DEFAULT_MAX_USER_EXITS 10000000ull
#define MAX_TOUCH_PAGES 16

/* Page-table entry bits (SDM Vol.3 4.5, Table 4-19 ff.). */
#define PTE_P  1ull
#define PTE_RW 2ull

/* Control-register and EFER bits (SDM Vol.3 2.5, 2.2.1). */
#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS  0x18

struct host_bp {
	int fd;                            /* perf event, -1 = none */
	uint64_t hits;                     /* counts of removed events */
};

struct kvm_ref {
	int kvm, vm, vcpu, stats_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;                      /* guest physical memory */
	uint64_t mem_size;
	uint64_t sys_base;                 /* GDT, TSS, page tables */
	enum kvm_module module;
	struct kvm_guest_spec spec;
	struct host_bp bp[4];
	uint64_t touch_pages[MAX_TOUCH_PAGES];
	unsigned ntouch;
	/* stats: descriptors read once */
	unsigned nstat;
	struct { char name[48]; uint32_t flags; uint32_t offset; } statd[KVM_MAX_STATS];
	uint64_t stat_data_off;
	uint64_t stat_before[KVM_MAX_STATS];
	bool cpuid_rtm, cpuid_bus_lock;
};

/* ---- module detection ---------------------------------------------------- */

static bool module_loaded(const char *name)
{
	char p[128];
	struct stat st;
	snprintf(p, sizeof(p), "/sys/module/%s", name);
	return stat(p, &st) == 0;
}

enum kvm_module kvm_module_detect(void)
{
	if (module_loaded("kvm_intel"))
		return KVM_MODULE_INTEL;
	if (module_loaded("kvm_amd"))
		return KVM_MODULE_AMD;
	if (module_loaded("kvm_pvm"))
		return KVM_MODULE_PVM;
	if (module_loaded("kvm") || access("/dev/kvm", F_OK) == 0)
		return KVM_MODULE_OTHER;
	return KVM_MODULE_NONE;
}

const char *kvm_module_name(enum kvm_module m)
{
	switch (m) {
	case KVM_MODULE_INTEL: return "kvm_intel";
	case KVM_MODULE_AMD: return "kvm_amd";
	case KVM_MODULE_PVM: return "kvm_pvm";
	case KVM_MODULE_OTHER: return "kvm";
	case KVM_MODULE_NONE: break;
	}
	return "none";
}

const char *kvm_stop_name(enum kvm_stop s)
{
	static const char *const n[] = { "halt", "timeout", "shutdown", "mmio", "emulation",
					 "entry_fail", "other" };
	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

/* ---- memory layout ------------------------------------------------------- */

static uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* Allocate one zeroed page of the system area. */
static uint64_t sys_page(struct kvm_ref *k, uint64_t *next)
{
	uint64_t p = *next;
	*next += PAGE;
	return p;
}

static uint64_t *pt_entry(struct kvm_ref *k, uint64_t table, unsigned idx)
{
	return (uint64_t *)(k->mem + table) + idx;
}

/* Map one 4-KiB linear page to the same physical page. */
static int map_page(struct kvm_ref *k, uint64_t pml4, uint64_t va, uint64_t *next, uint64_t limit)
{
	uint64_t table = pml4;
	for (int level = 3; level >= 1; level--) {
		unsigned idx = (unsigned)((va >> (12 + 9 * level)) & 511);
		uint64_t *e = pt_entry(k, table, idx);
		if (!(*e & PTE_P)) {
			if (*next + PAGE > limit)
				return -1;
			*e = sys_page(k, next) | PTE_P | PTE_RW;
		}
		table = *e & ~0xFFFull;
	}
	*pt_entry(k, table, (unsigned)((va >> 12) & 511)) = (va & ~0xFFFull) | PTE_P | PTE_RW;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Lay out guest memory: the guest's regions where they are, the system area
 * (GDT, TSS, page tables) above the highest one. */
static int layout(struct kvm_ref *k, enum kvm_err *why, char *err, size_t errsize)
{
	const struct kvm_guest_spec *g = &k->spec;
	uint64_t top = 0, npages = 0;
	for (size_t i = 0; i < g->nmem; i++) {
		const struct kvm_mem *m = &g->mem[i];
		if (!m->size)
			continue;
		if (m->addr >= MAX_GUEST_ADDR || m->size > MAX_GUEST_ADDR - m->addr) {
			*why = KVM_ERR_UNSUPPORTED;
			snprintf(err, errsize, "guest memory at 0x%llx-0x%llx is above 4 GiB: the KVM "
				 "reference maps the guest identity below 4 GiB",
				 (unsigned long long)m->addr, (unsigned long long)(m->addr + m->size - 1));
			return -1;
		}
		if (m->addr + m->size > top)
			top = m->addr + m->size;
		npages += round_up(m->addr + m->size, PAGE) / PAGE - m->addr / PAGE;
	}
	/* System area: GDT page, TSS page, PML4, PDPT, 4 PDs, one PT per 2 MiB
	 * chunk in use (at most one per page, plus the system area's own). */
	uint64_t sys_pages = 8 + npages + 8;
	k->sys_base = round_up(top, 2ull << 20);
	if (k->sys_base < (2ull << 20))
		k->sys_base = 2ull << 20;
	k->mem_size = k->sys_base + sys_pages * PAGE;
	if (k->mem_size > MAX_GUEST_ADDR) {
		*why = KVM_ERR_UNSUPPORTED;
		snprintf(err, errsize, "guest memory plus page tables do not fit below 4 GiB");
		return -1;
	}
	k->mem = mmap(NULL, k->mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (k->mem == MAP_FAILED) {
		k->mem = NULL;
		*why = KVM_ERR_INTERNAL;
		snprintf(err, errsize, "cannot allocate %llu bytes of guest memory: %s",
			 (unsigned long long)k->mem_size, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < g->nmem; i++) {
		const struct kvm_mem *m = &g->mem[i];
		if (m->bytes && m->nbytes)
			memcpy(k->mem + m->addr, m->bytes, m->nbytes < m->size ? m->nbytes : m->size);
	}

	uint64_t next = k->sys_base;
	uint64_t gdt = sys_page(k, &next), tss = sys_page(k, &next);
	/* GDT (SDM Vol.3 3.4.5 descriptor format; 8.2.3 / 8.7 TSS descriptor). */
	uint64_t *d = (uint64_t *)(k->mem + gdt);
	d[0] = 0;
	d[1] = g->mode == 64 ? 0x00AF9A000000FFFFull    /* code: P, DPL0, exec/read, L=1, G */
			     : 0x00CF9A000000FFFFull;   /* code: P, DPL0, exec/read, D=1, G */
	d[2] = 0x00CF92000000FFFFull;                   /* data: P, DPL0, read/write, B=1, G */
	uint64_t tl = 0x67;
	d[3] = (tl & 0xFFFF) | ((tss & 0xFFFFFF) << 16) | (0xBull << 40) | (1ull << 47) |
	       ((tss >> 24) & 0xFF) << 56;              /* busy TSS, P */
	d[4] = tss >> 32;
	if (g->mode == 64) {
		uint64_t pml4 = sys_page(k, &next);
		uint64_t limit = k->mem_size;
		uint64_t *pages = calloc(npages + 2, sizeof(*pages));
		if (!pages) {
			*why = KVM_ERR_INTERNAL;
			snprintf(err, errsize, "out of memory");
			return -1;
		}
		size_t n = 0;
		for (size_t i = 0; i < g->nmem; i++) {
			const struct kvm_mem *m = &g->mem[i];
			if (!m->size)
				continue;
			for (uint64_t a = m->addr & ~(PAGE - 1); a < m->addr + m->size; a += PAGE)
				pages[n++] = a;
		}
		pages[n++] = gdt;
		pages[n++] = tss;
		qsort(pages, n, sizeof(*pages), cmp_u64);
		for (size_t i = 0; i < n; i++)
			if ((i == 0 || pages[i] != pages[i - 1]) && map_page(k, pml4, pages[i], &next, limit)) {
				free(pages);
				*why = KVM_ERR_INTERNAL;
				snprintf(err, errsize, "page-table area exhausted");
				return -1;
			}
		free(pages);
	}
	return 0;
}

/* ---- statistics (KVM_GET_STATS_FD, Documentation/virt/kvm/api.rst 4.133) -- */

static int stats_init(struct kvm_ref *k)
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

/* ---- VM creation ---------------------------------------------------------- */

static int set_cpuid(struct kvm_ref *k)
{
	int n = 256;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
	if (!c)
		return -1;
	c->nent = n;
	if (ioctl(k->kvm, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		free(c);
		return -1;
	}
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function == 7 && e->index == 0) {
			if (!k->spec.cpu_rtm)
				e->ebx &= ~(1u << 11);     /* RTM (SDM Vol.2 CPUID leaf 7) */
			if (!k->spec.cpu_bus_lock)
				e->ecx &= ~(1u << 24);     /* BUS_LOCK_DETECT */
		}
	}
	int rc = ioctl(k->vcpu, KVM_SET_CPUID2, c);
	/* Read back what the guest will see: a backend may not honour the
	 * request (kvm_pvm keeps the host's leaf 7, docs/kvm-reference.md). */
	c->nent = (uint32_t)n;
	if (rc == 0 && ioctl(k->vcpu, KVM_GET_CPUID2, c) == 0)
		for (uint32_t i = 0; i < c->nent; i++)
			if (c->entries[i].function == 7 && c->entries[i].index == 0) {
				k->cpuid_rtm = (c->entries[i].ebx >> 11) & 1;
				k->cpuid_bus_lock = (c->entries[i].ecx >> 24) & 1;
			}
	free(c);
	return rc;
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code64, bool db, bool sys)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xFFFFFFFF;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->dpl = 0;
	s->db = db;
	s->s = !sys;
	s->l = code64;
	s->g = 1;
}

static int set_state(struct kvm_ref *k)
{
	const struct kvm_guest_spec *g = &k->spec;
	struct kvm_sregs sr;
	if (ioctl(k->vcpu, KVM_GET_SREGS, &sr) < 0)
		return -1;
	uint64_t gdt = k->sys_base, tss = k->sys_base + PAGE;
	bool l = g->mode == 64;
	seg(&sr.cs, SEL_CODE, 11, l, !l, false);          /* execute/read, accessed */
	seg(&sr.ds, SEL_DATA, 3, false, true, false);     /* read/write, accessed */
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	seg(&sr.tr, SEL_TSS, 11, false, false, true);     /* 32/64-bit busy TSS */
	sr.tr.base = tss;
	sr.tr.limit = 0x67;
	sr.tr.g = 0;
	memset(&sr.ldt, 0, sizeof(sr.ldt));
	sr.ldt.type = 2;
	sr.ldt.unusable = 1;
	sr.gdt.base = gdt;
	sr.gdt.limit = 5 * 8 - 1;
	sr.idt.base = 0;
	sr.idt.limit = 0;
	sr.cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT | g->cr4_extra;
	if (l) {
		sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
		sr.cr3 = k->sys_base + 2 * PAGE;
		sr.cr4 |= CR4_PAE;
		sr.efer = EFER_LME | EFER_LMA;
	} else {
		sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE;
		sr.cr3 = 0;
		sr.cr4 &= ~CR4_PAE;
		sr.efer = 0;
	}
	if (ioctl(k->vcpu, KVM_SET_SREGS, &sr) < 0)
		return -1;
	struct kvm_regs r;
	memset(&r, 0, sizeof(r));
	__u64 *gp[16] = { &r.rax, &r.rcx, &r.rdx, &r.rbx, &r.rsp, &r.rbp, &r.rsi, &r.rdi,
			     &r.r8, &r.r9, &r.r10, &r.r11, &r.r12, &r.r13, &r.r14, &r.r15 };
	for (int i = 0; i < 16; i++)
		*gp[i] = g->gpr[i];
	r.rip = g->rip;
	r.rflags = g->rflags | 2;
	if (ioctl(k->vcpu, KVM_SET_REGS, &r) < 0)
		return -1;
	if (g->guest_debug) {
		struct kvm_guest_debug dbg;
		memset(&dbg, 0, sizeof(dbg));
		dbg.control = KVM_GUESTDBG_ENABLE;
		if (ioctl(k->vcpu, KVM_SET_GUEST_DEBUG, &dbg) < 0)
			return -1;
	}
	return 0;
}

struct kvm_ref *kvm_ref_new(const struct kvm_guest_spec *g, enum kvm_err *why, char *err,
			    size_t errsize)
{
	struct kvm_ref *k = calloc(1, sizeof(*k));
	enum kvm_err dummy;
	if (!why)
		why = &dummy;
	if (!k) {
		*why = KVM_ERR_INTERNAL;
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	k->kvm = k->vm = k->vcpu = k->stats_fd = -1;
	for (int i = 0; i < 4; i++)
		k->bp[i].fd = -1;
	k->spec = *g;
	k->module = kvm_module_detect();
	if (g->mode != 64 && g->mode != 32) {
		*why = KVM_ERR_UNSUPPORTED;
		snprintf(err, errsize, "guest mode %d: the KVM reference runs 64-bit or 32-bit guests", g->mode);
		goto fail;
	}
	/* HVSIM_KVM_DEVICE: another device node (tests use it to check the
	 * "no /dev/kvm" path). */
	const char *dev = getenv("HVSIM_KVM_DEVICE");
	if (!dev || !*dev)
		dev = "/dev/kvm";
	k->kvm = open(dev, O_RDWR | O_CLOEXEC);
	if (k->kvm < 0) {
		*why = KVM_ERR_UNAVAILABLE;
		snprintf(err, errsize, "%s: %s", dev, strerror(errno));
		goto fail;
	}
	if (ioctl(k->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		*why = KVM_ERR_UNAVAILABLE;
		snprintf(err, errsize, "%s: not a KVM device (KVM_GET_API_VERSION)", dev);
		goto fail;
	}
	k->vm = ioctl(k->kvm, KVM_CREATE_VM, 0);
	if (k->vm < 0) {
		*why = KVM_ERR_UNAVAILABLE;
		snprintf(err, errsize, "%s: KVM_CREATE_VM: %s", dev, strerror(errno));
		goto fail;
	}
	if (layout(k, why, err, errsize))
		goto fail;
	struct kvm_userspace_memory_region mr = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = k->mem_size,
		.userspace_addr = (uint64_t)(uintptr_t)k->mem,
	};
	if (ioctl(k->vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0) {
		*why = KVM_ERR_INTERNAL;
		snprintf(err, errsize, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		goto fail;
	}
	k->vcpu = ioctl(k->vm, KVM_CREATE_VCPU, 0);
	if (k->vcpu < 0) {
		*why = KVM_ERR_UNAVAILABLE;
		snprintf(err, errsize, "KVM_CREATE_VCPU: %s", strerror(errno));
		goto fail;
	}
	int sz = ioctl(k->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0) {
		*why = KVM_ERR_INTERNAL;
		snprintf(err, errsize, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		goto fail;
	}
	k->run_size = (size_t)sz;
	k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, k->vcpu, 0);
	if (k->run == MAP_FAILED) {
		k->run = NULL;
		*why = KVM_ERR_INTERNAL;
		snprintf(err, errsize, "mmap of kvm_run: %s", strerror(errno));
		goto fail;
	}
	if (set_cpuid(k)) {
		*why = KVM_ERR_INTERNAL;
		snprintf(err, errsize, "KVM_SET_CPUID2: %s", strerror(errno));
		goto fail;
	}
	if (set_state(k)) {
		*why = KVM_ERR_INTERNAL;
		snprintf(err, errsize, "setting the vCPU state: %s", strerror(errno));
		goto fail;
	}
	if (stats_init(k))
		k->nstat = 0;                      /* stats are optional (older kernels) */
	return k;
fail:
	kvm_ref_free(k);
	return NULL;
}

void kvm_ref_free(struct kvm_ref *k)
{
	if (!k)
		return;
	for (int i = 0; i < 4; i++)
		if (k->bp[i].fd >= 0)
			close(k->bp[i].fd);
	for (unsigned i = 0; i < k->ntouch; i++)
		munmap((void *)(uintptr_t)k->touch_pages[i], PAGE);
	if (k->stats_fd >= 0)
		close(k->stats_fd);
	if (k->run)
		munmap(k->run, k->run_size);
	if (k->vcpu >= 0)
		close(k->vcpu);
	if (k->vm >= 0)
		close(k->vm);
	if (k->kvm >= 0)
		close(k->kvm);
	if (k->mem)
		munmap(k->mem, k->mem_size);
	free(k);
}

int kvm_ref_mem_read(struct kvm_ref *k, uint64_t addr, void *buf, size_t n)
{
	if (addr >= k->mem_size || n > k->mem_size - addr)
		return -1;
	memcpy(buf, k->mem + addr, n);
	return 0;
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
	fprintf(f, "rflags 0x%llx\ncr4 0x%llx\nrtm %d\nbus_lock %d\nguest_debug %d\n",
		(unsigned long long)g->rflags, (unsigned long long)g->cr4_extra, g->cpu_rtm,
		g->cpu_bus_lock, g->guest_debug);
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
	for (char *line = strtok_r(copy, "\n", &save); line && !end; line = strtok_r(NULL, "\n", &save)) {
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
			else g->guest_debug = a[1] != 0;
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
	return ferror(f) ? -1 : 0;
}

static enum kvm_module module_by_name(const char *s)
{
	for (int m = KVM_MODULE_NONE; m <= KVM_MODULE_OTHER; m++)
		if (!strcmp(kvm_module_name((enum kvm_module)m), s))
			return (enum kvm_module)m;
	return KVM_MODULE_OTHER;
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
	for (char *line = strtok_r(copy, "\n", &save); line && !end; line = strtok_r(NULL, "\n", &save)) {
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
		if (!header) {
			if (strcmp(k, "hvsim-kvm-outcome") || t.n != 2 || strcmp(t.v[1], "1"))
				goto bad;
			header = true;
		} else if (!strcmp(k, "module") && t.n == 2) {
			r->module = module_by_name(t.v[1]);
		} else if (!strcmp(k, "kernel") && t.n == 2) {
			snprintf(o->kernel, sizeof(o->kernel), "%s", t.v[1]);
		} else if (!strcmp(k, "error") && t.n >= 2) {
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
