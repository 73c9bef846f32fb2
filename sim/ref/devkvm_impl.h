/* devkvm_impl.h - private to the /dev/kvm runner (sim/ref/devkvm*.c): the
 * state of one reference VM, shared by VM set-up (devkvm.c) and the run loop
 * (devkvm_run.c).  Like devkvm.h, libc and Linux UAPI only: these files are
 * also linked into the static reference-2 runner (sim/ref/kvm-amd-tcg/). */
#ifndef HVSIM_REF_DEVKVM_IMPL_H
#define HVSIM_REF_DEVKVM_IMPL_H
#include "sim/ref/devkvm.h"
#include <linux/kvm.h>

#define PAGE 0x1000ull
#define DEFAULT_TIMEOUT_MS 10000u
#define DEFAULT_MAX_USER_EXITS 10000000ull
#define MAX_TOUCH_PAGES 16

struct host_bp {
	int fd;                            /* perf event, -1 = none */
	uint64_t hits;                     /* counts of removed events */
};

struct kvm_ref {
	int kvm, vm, vcpu, stats_fd;
	uint64_t dbg_last_pc;              /* KVM_EXIT_DEBUG: pc of the last one ... */
	unsigned dbg_repeat;               /* ... and how often in a row (debug_exit) */
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

/* Statistics (devkvm_run.c): read the descriptors once, at creation; 0 or -1. */
int devkvm_stats_init(struct kvm_ref *k);

#endif
