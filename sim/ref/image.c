/* image.c - a scenario as a guest image of the KVM references (image.h). */
#include "sim/ref/image.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int reg_gpr(const char *n)
{
	static const char *const r64[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					     "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	static const char *const r32[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
	for (int i = 0; i < 16; i++)
		if (!strcmp(n, r64[i]))
			return i;
	for (int i = 0; i < 8; i++)
		if (!strcmp(n, r32[i]))
			return i;
	return -1;
}

int ref_image_build(const struct scenario *sc, struct kvm_image *img, char *err, size_t errsize)
{
	memset(img, 0, sizeof(*img));
	struct kvm_guest_spec *g = &img->spec;
	snprintf(img->name, sizeof(img->name), "%s", sc->name ? sc->name : "-");
	g->mem = img->mem;
	g->mode = sc->guest.mode ? sc->guest.mode : 64;
	const struct code_block *cb = &sc->guest.code;
	img->mem[g->nmem++] = (struct kvm_mem){ cb->base, cb->size, cb->bytes, cb->size };
	for (size_t i = 0; i < sc->guest.ndata; i++) {
		const struct data_region *d = &sc->guest.data[i];
		if (g->nmem >= KVM_IMG_MAX_MEM - 1) {
			snprintf(err, errsize, "%s:%d:%d: more than %d data regions: not supported by the "
				 "KVM reference", sc->path, d->pos.line, d->pos.col, KVM_IMG_MAX_MEM - 2);
			return REF_IMAGE_UNSUPPORTED;
		}
		img->mem[g->nmem++] = (struct kvm_mem){ d->addr, d->size, d->bytes, d->nbytes };
	}
	if (sc->guest.has_user) {
		/* The references' runner builds its own GDT, TSS and page tables
		 * (sim/ref/devkvm.c) with no user segments or U/S pages: the
		 * CPL-3 half of the guest would not run there as it does here. */
		snprintf(err, errsize, "%s:%d:%d: guest.user (CPL 3 with hvsim's GDT and TSS) is not set up by the "
			 "KVM reference", sc->path, sc->guest.user_pos.line, sc->guest.user_pos.col);
		return REF_IMAGE_UNSUPPORTED;
	}
	bool has_rsp = false;
	g->rip = sc->guest.entry ? sc->guest.entry : cb->base;
	for (size_t i = 0; i < sc->guest.nregs; i++) {
		const struct reg_init *r = &sc->guest.regs[i];
		int n = reg_gpr(r->name);
		if (n >= 0) {
			g->gpr[n] = g->mode == 32 ? (r->value & 0xFFFFFFFFull) : r->value;
			has_rsp |= n == 4;
		} else if (!strcmp(r->name, "rflags")) {
			g->rflags = r->value;
		} else if (!strcmp(r->name, "cr4") && !(r->value & ~0x60Full)) {
			g->cr4_extra = r->value;   /* VME PVI TSD DE, OSFXSR OSXMMEXCPT */
		} else {
			snprintf(err, errsize, "%s:%d:%d: register '%s' = 0x%" PRIx64 " cannot be set on the "
				 "KVM reference (it builds CR0/CR3/CR4/EFER itself)", sc->path, r->pos.line,
				 r->pos.col, r->name, r->value);
			return REF_IMAGE_UNSUPPORTED;
		}
	}
	if (!has_rsp) {
		img->mem[g->nmem++] = (struct kvm_mem){ REF_SIM_STACK_TOP - REF_SIM_STACK_SIZE, REF_SIM_STACK_SIZE, NULL, 0 };
		g->gpr[4] = REF_SIM_STACK_TOP;
	}
	g->cpu_rtm = sc->cpu_rtm;
	g->cpu_bus_lock = sc->cpu_bus_lock;
	g->guest_debug = sc->host.guest_debug;
	memcpy(g->guest_debug_dr, sc->host.guest_debug_dr, sizeof(g->guest_debug_dr));
	for (size_t i = 0; i < sc->host.nbps && i < 4; i++) {
		const struct host_bp *b = &sc->host.bps[i];
		img->bp[img->nbp].slot = b->slot;
		img->bp[img->nbp].addr = b->addr;
		img->bp[img->nbp].type = (int)b->type;
		img->bp[img->nbp].len = b->len;
		img->nbp++;
	}
	/* The runner is one vCPU thread on whichever CPU the reference's kernel
	 * picks, with no other task: a scenario of the host world (several
	 * CPUs, tasks, a scheduler, an SMP guest) would be measured as something
	 * it does not describe. */
	const struct srcpos *world = sc->host.ncpus > 1 ? &sc->host.ncpus_pos
				   : sc->host.ntasks ? &sc->host.tasks[0].pos
				   : sc->host.sched.set ? &sc->host.sched.pos
				   : sc->guest.nvcpus > 1 ? &sc->guest.vcpus_pos : NULL;
	if (world) {
		snprintf(err, errsize, "%s:%d:%d: the host world (host.cpus, host.tasks, host.sched, guest.vcpus) "
			 "cannot run on the KVM reference (one vCPU thread, no other task)", sc->path, world->line,
			 world->col);
		return REF_IMAGE_UNSUPPORTED;
	}
	for (size_t i = 0; i < sc->host.nevents; i++) {
		const struct host_event *e = &sc->host.events[i];
		if (e->action == HOST_RUN) {
			snprintf(err, errsize, "%s:%d:%d: host code snippets cannot run on the KVM reference "
				 "(they are ring-0 code of the simulated host)", sc->path, e->pos.line, e->pos.col);
			return REF_IMAGE_UNSUPPORTED;
		}
		if (img->nev >= KVM_IMG_MAX_EVENTS) {
			snprintf(err, errsize, "%s:%d:%d: more than %d host events: not supported by the KVM "
				 "reference", sc->path, e->pos.line, e->pos.col, KVM_IMG_MAX_EVENTS);
			return REF_IMAGE_UNSUPPORTED;
		}
		struct kvm_img_event *v = &img->ev[img->nev++];
		v->when = e->when == WHEN_START ? 0 : e->when == WHEN_EXIT ? 1 : 2;
		v->n = e->n;
		switch (e->action) {
		case HOST_INSTALL_BP:
			v->action = 0;
			v->slot = e->bp.slot;
			v->addr = e->bp.addr;
			v->type = (int)e->bp.type;
			v->len = e->bp.len;
			break;
		case HOST_REMOVE_BP:
			v->action = 1;
			v->slot = e->slot;
			break;
		default:
			v->action = 2;
			v->addr = e->addr;
			v->len = e->size;
			v->write = e->write;
			break;
		}
	}
	img->has_count = scenario_symbol(sc, "count", &img->sym_count);
	img->has_log = scenario_symbol(sc, "log", &img->sym_log);
	img->has_log_end = scenario_symbol(sc, "log_end", &img->sym_log_end);
	img->has_riplog = scenario_symbol(sc, "riplog", &img->sym_riplog);
	uint64_t re = 0;
	img->has_res = scenario_symbol(sc, "res", &img->sym_res) && scenario_symbol(sc, "res_end", &re) &&
		       re > img->sym_res;
	img->sym_res_end = img->has_res ? re : 0;
	return REF_IMAGE_OK;
}

int ref_image_byte(const struct kvm_image *img, uint64_t addr)
{
	for (size_t i = img->spec.nmem; i-- > 0;) {
		const struct kvm_mem *m = &img->spec.mem[i];
		if (addr >= m->addr && addr - m->addr < m->size)
			return m->bytes && addr - m->addr < m->nbytes ? ((const uint8_t *)m->bytes)[addr - m->addr] : 0;
	}
	return -1;
}
