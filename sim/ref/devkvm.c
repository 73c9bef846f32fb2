/* devkvm.c - the /dev/kvm runner (devkvm.h): VM set-up.  Module detection,
 * guest memory, page tables, GDT/TSS, CPUID and register state; the run loop,
 * statistics and host activity are in devkvm_run.c, the image and outcome
 * text formats in devkvm_format.c.
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

#define MAX_GUEST_ADDR (1ull << 32)      /* identity mapping: the guest must live below 4 GiB */

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
		/* The scenario's control, UAPI values (sim/util/guestdbg.h), and
		 * the debugger's DR0-3/DR7 for KVM_GUESTDBG_USE_HW_BP. */
		dbg.control = g->guest_debug;
		for (int i = 0; i < 8; i++)
			dbg.arch.debugreg[i] = g->guest_debug_dr[i];
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
	if (devkvm_stats_init(k))
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

