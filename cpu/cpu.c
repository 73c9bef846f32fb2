/* cpu.c - the shared physical CPU: cycle accounting and the hypervisor's
 * hardware DR access choke point. */
#include "cpu/cpu.h"
#include <assert.h>
#include <string.h>

void cpu_init(struct cpu *c, const struct cost_model *cost)
{
	memset(c, 0, sizeof(*c));
	c->cost = cost;
	/* Power-up/INIT values: DR0-DR3 = 0, DR6 = 0xFFFF0FF0, DR7 = 0x400
	 * (SDM Vol.3 Table 10-1 "IA-32 and Intel 64 Processor States Following
	 * Power-up, Reset, or INIT"; arch-facts A.1: XTF checks these). */
	cpu_dr_write(c, 6, DR6_ACTIVE_LOW, DRW_PROCESSOR, "reset");
	cpu_dr_write(c, 7, DR7_FIXED_1, DRW_PROCESSOR, "reset");
	c->dr_gen = 0;
	stats_reset(&c->st);
}

/* Stamp an event with the clock, CPU and vCPU and hand it to the sink. */
static void cpu_emit(struct cpu *c, struct sim_event *ev)
{
	ev->cycle = c->st.cycles_total + c->time_base;
	ev->cpu = c->id;
	ev->vcpu = c->vcpu;
	c->trace(c->trace_ctx, ev);
}

void cpu_event(struct cpu *c, enum sim_event_id id, uint64_t a, uint64_t b,
	       uint64_t cc, const char *s)
{
	if (!c->trace)
		return;
	struct sim_event ev = { .id = id, .a = a, .b = b, .c = cc, .s = s };
	cpu_emit(c, &ev);
}

void cpu_event_exit(struct cpu *c, uint64_t rip, uint64_t code, uint64_t info, uint32_t intr, const char *name)
{
	if (!c->trace)
		return;
	struct sim_event ev = { .id = EV_EXIT, .a = rip, .b = code, .c = info, .s = name, .intr = intr };
	cpu_emit(c, &ev);
}

uint64_t cpu_hv_read_dr(struct cpu *c, int n, const char *cause)
{
	assert(n >= 0 && n <= 7 && n != 4 && n != 5);
	c->st.dr_hw_reads[n]++;
	CPU_CHARGE(c, CYC_DR, hw_dr_read);
	cpu_event(c, EV_DR_READ, (uint64_t)n, c->dr[n], 0, cause);
	return c->dr[n];
}

void cpu_dr_count(struct cpu *c, int n, uint64_t val, enum dr_writer who, const char *cause)
{
	switch (who) {
	case DRW_HV:
		c->st.dr_hw_writes[n]++;
		if (n == 7)
			CPU_CHARGE(c, CYC_DR, hw_dr7_write);
		else
			CPU_CHARGE(c, CYC_DR, hw_dr_write);
		cpu_event(c, EV_DR_WRITE, (uint64_t)n, val, 0, cause);
		break;
	case DRW_GUEST:
	case DRW_HOST:
		c->st.dr_guest_native_writes++;
		if (n == 7)
			CPU_CHARGE(c, who == DRW_HOST ? CYC_HOST : CYC_GUEST, mov_dr7_write);
		else
			CPU_CHARGE(c, who == DRW_HOST ? CYC_HOST : CYC_GUEST, mov_dr_write);
		break;
	case DRW_HOST_KERNEL:
	case DRW_PROCESSOR:
		break;
	}
}

void cpu_hv_write_dr(struct cpu *c, int n, uint64_t val, const char *cause)
{
	cpu_dr_write(c, n, val, DRW_HV, cause);
}

/* ---- Arm debug registers (issue 20) ------------------------------------------ */

void cpu_arm_write(struct cpu *c, int reg, uint64_t val, enum dr_writer who, const char *cause)
{
	assert(reg >= 0 && reg < ARM_DBGREG_N);
	if (c->arm.reg[reg] != val) {
		c->arm.reg[reg] = val;
		c->dr_gen++;
	}
	switch (who) {
	case DRW_HV:
		c->st.arm_hw_w[reg]++;
		CPU_CHARGE(c, CYC_DR, hw_dr_write);
		cpu_event(c, EV_ARM_DBG_WRITE, (uint64_t)reg, val, 0, cause);
		break;
	case DRW_GUEST:
	case DRW_HOST:
		c->st.dr_guest_native_writes++;
		CPU_CHARGE(c, who == DRW_HOST ? CYC_HOST : CYC_GUEST, mov_dr_write);
		break;
	case DRW_HOST_KERNEL:
	case DRW_PROCESSOR:
		break;
	}
}

uint64_t cpu_arm_hv_read(struct cpu *c, int reg, const char *cause)
{
	assert(reg >= 0 && reg < ARM_DBGREG_N);
	c->st.arm_hw_r[reg]++;
	CPU_CHARGE(c, CYC_DR, hw_dr_read);
	cpu_event(c, EV_ARM_DBG_READ, (uint64_t)reg, c->arm.reg[reg], 0, cause);
	return c->arm.reg[reg];
}
