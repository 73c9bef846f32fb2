/* a64.c - the Arm engine's set-up, registers, memory, run loop and logs
 * (cpu/engine/a64.h; the per-instruction work is in a64_exec.c).
 *
 * Unicorn 2.0.1's Arm64 CPU, measured on this machine (issue 20):
 *   - it starts at EL1h with DAIF masked (PSTATE 0x3C5), so the guest runs
 *     at EL1 as a KVM guest kernel does, and must clear PSTATE.D itself
 *     (MSR DAIFClr, #8) before it can take debug exceptions from EL1;
 *   - a code hook that writes PC redirects before the hooked instruction
 *     executes (the instruction is skipped), which is how every emulated
 *     site and every exception entry continues;
 *   - a memory write hook runs before the store (memory still old), a read
 *     hook before the load;
 *   - HVC at EL1 raises an UNDEFINED exception (no EL2 in its CPU), and no
 *     exception is ever taken through VBAR_EL1: hvsim takes them itself.
 *   - PSTATE reads as 32 bits (UC_ARM64_REG_PSTATE). */
#include "cpu/engine/a64_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void intr_hook(uc_engine *uc, uint32_t intno, void *user)
{
	struct a64 *e = user;
	/* Unicorn reports an exception it raised itself (an UNDEFINED
	 * instruction, an SVC, a WFI...): hvsim's guests have no use for
	 * them, so the run stops with the reason (QEMU's EXCP_* number). */
	char msg[160];
	snprintf(msg, sizeof(msg), "exception %u raised by the CPU at 0x%llx (undefined or unsupported "
		 "instruction)", intno, (unsigned long long)e->cur_pc);
	a64_request_stop(e, intno == 1 ? STOP_UD : STOP_FAULT, msg);
	uc_emu_stop(uc);
}

static bool unmapped_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
	struct a64 *e = user;
	char msg[200];
	snprintf(msg, sizeof(msg), "%s of unmapped address 0x%llx at 0x%llx (MMIO is modelled for LDR/STR "
		 "with an immediate offset only)", type == UC_MEM_FETCH_UNMAPPED ? "fetch" :
		 type == UC_MEM_WRITE_UNMAPPED ? "write" : "read", (unsigned long long)addr,
		 (unsigned long long)e->cur_pc);
	a64_request_stop(e, STOP_UNMAPPED, msg);
	return false;
}

struct a64 *a64_new(struct cpu *cpu, char *err, size_t errsize)
{
	struct a64 *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	e->cpu = cpu;
	e->ideal = &e->own_ideal;
	uc_err ue = uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &e->uc);
	if (ue != UC_ERR_OK) {
		snprintf(err, errsize, "cannot create the Arm64 engine: %s", uc_strerror(ue));
		free(e);
		return NULL;
	}
	e->cs_ok = cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &e->cs) == CS_ERR_OK;
	/* One code hook on everything and one memory hook on everything,
	 * installed before the first translation (hooks added later would miss
	 * already-translated blocks, unicorn-facts §2 pitfall 2). */
	if (uc_hook_add(e->uc, &e->h_code, UC_HOOK_CODE, (void *)a64_code_hook, e, 1, 0) ||
	    uc_hook_add(e->uc, &e->h_mem, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)a64_mem_hook, e, 1, 0) ||
	    uc_hook_add(e->uc, &e->h_intr, UC_HOOK_INTR, (void *)intr_hook, e, 1, 0) ||
	    uc_hook_add(e->uc, &e->h_unmapped, UC_HOOK_MEM_UNMAPPED, (void *)unmapped_hook, e, 1, 0) ||
	    uc_context_alloc(e->uc, &e->wp_ctx)) {
		snprintf(err, errsize, "cannot install the Arm64 engine's hooks");
		a64_free(e);
		return NULL;
	}
	return e;
}

void a64_free(struct a64 *e)
{
	if (!e)
		return;
	if (e->wp_ctx)
		uc_context_free(e->wp_ctx);
	if (e->uc) {
		/* Unicorn 2.0.1's uc_close leaves the SMC code bitmaps of pages
		 * the guest wrote while they held translated code (a variable
		 * beside the code; tb_invalidate_phys_page_fast).  Removing the
		 * TBs of every mapped region first frees them: a page left
		 * without TBs drops its bitmap (invalidate_page_bitmap).  Not
		 * UC_CTL_TB_FLUSH: it resets the whole 1 GiB code buffer (RSS
		 * 1 GiB and seconds of system time per run). */
		uc_mem_region *rg = NULL;
		uint32_t n = 0;
		if (uc_mem_regions(e->uc, &rg, &n) == UC_ERR_OK) {
			for (uint32_t i = 0; i < n; i++)
				uc_ctl_remove_cache(e->uc, rg[i].begin, rg[i].end + 1);
			uc_free(rg);
		}
		uc_close(e->uc);
	}
	if (e->cs_ok)
		cs_close(&e->cs);
	oracle_log_free(&e->log);
	free(e);
}

void a64_set_ops(struct a64 *e, const struct a64_ops *ops) { e->ops = *ops; }
struct arm_dbg_file *a64_ideal(struct a64 *e) { return e->ideal; }

int a64_map(struct a64 *e, uint64_t addr, uint64_t size, const void *bytes, size_t nbytes)
{
	uint64_t lo = addr & ~0xFFFull, hi = (addr + size + 0xFFF) & ~0xFFFull;
	if (size == 0 || hi <= lo || hi > (1ull << 48) || e->nmaps >= sizeof(e->maps) / sizeof(e->maps[0]))
		return -1;
	/* map the pages not mapped yet, one at a time (mappings may touch) */
	for (uint64_t p = lo; p < hi; p += 0x1000)
		if (!a64_mapped(e, p, 1) && uc_mem_map(e->uc, p, 0x1000, UC_PROT_ALL) != UC_ERR_OK)
			return -1;
	e->maps[e->nmaps].addr = lo;
	e->maps[e->nmaps].size = hi - lo;
	e->nmaps++;
	if (bytes && nbytes && uc_mem_write(e->uc, addr, bytes, nbytes) != UC_ERR_OK)
		return -1;
	return 0;
}

bool a64_mapped(const struct a64 *e, uint64_t addr, unsigned size)
{
	uint64_t last = addr + (size ? size - 1 : 0);
	if (last < addr)
		return false;
	for (unsigned i = 0; i < e->nmaps; i++)
		if (addr >= e->maps[i].addr && last - e->maps[i].addr < e->maps[i].size)
			return true;
	return false;
}

int a64_mem_read(struct a64 *e, uint64_t addr, void *buf, size_t n)
{
	return uc_mem_read(e->uc, addr, buf, n) == UC_ERR_OK ? 0 : -1;
}

/* ---- registers ------------------------------------------------------------------ */

uint64_t a64_x(struct a64 *e, int n)
{
	uint64_t v = 0;
	if (n >= 0 && n <= 28)
		uc_reg_read(e->uc, UC_ARM64_REG_X0 + n, &v);
	else if (n == 29)
		uc_reg_read(e->uc, UC_ARM64_REG_X29, &v);
	else if (n == 30)
		uc_reg_read(e->uc, UC_ARM64_REG_X30, &v);
	return v;                          /* 31: XZR */
}

void a64_set_x(struct a64 *e, int n, uint64_t v)
{
	if (n >= 0 && n <= 28)
		uc_reg_write(e->uc, UC_ARM64_REG_X0 + n, &v);
	else if (n == 29)
		uc_reg_write(e->uc, UC_ARM64_REG_X29, &v);
	else if (n == 30)
		uc_reg_write(e->uc, UC_ARM64_REG_X30, &v);
}

uint64_t a64_pc(struct a64 *e) { return e->cur_pc; }

void a64_set_pc(struct a64 *e, uint64_t pc)
{
	e->cur_pc = pc;
	uc_reg_write(e->uc, UC_ARM64_REG_PC, &pc);
}

uint32_t a64_pstate_raw(struct a64 *e)
{
	uint32_t v = 0;
	uc_reg_read(e->uc, UC_ARM64_REG_PSTATE, &v);
	return v;
}

void a64_set_pstate(struct a64 *e, uint32_t v)
{
	uc_reg_write(e->uc, UC_ARM64_REG_PSTATE, &v);
}

uint64_t a64_pstate(struct a64 *e) { return a64_pstate_raw(e); }

/* The EL1 registers through the coprocessor interface (op0, op1, CRn, CRm,
 * op2 of each register description). */
static const uc_arm64_cp_reg el1_enc[] = {
	[A64_ELR_EL1] = { .op0 = 3, .op1 = 0, .crn = 4, .crm = 0, .op2 = 1 },
	[A64_SPSR_EL1] = { .op0 = 3, .op1 = 0, .crn = 4, .crm = 0, .op2 = 0 },
	[A64_ESR_EL1] = { .op0 = 3, .op1 = 0, .crn = 5, .crm = 2, .op2 = 0 },
	[A64_FAR_EL1] = { .op0 = 3, .op1 = 0, .crn = 6, .crm = 0, .op2 = 0 },
	[A64_VBAR_EL1] = { .op0 = 3, .op1 = 0, .crn = 12, .crm = 0, .op2 = 0 },
	[A64_CONTEXTIDR_EL1] = { .op0 = 3, .op1 = 0, .crn = 13, .crm = 0, .op2 = 1 },
};

uint64_t a64_el1(struct a64 *e, enum a64_el1reg r)
{
	uc_arm64_cp_reg cp = el1_enc[r];
	cp.val = 0;
	uc_reg_read(e->uc, UC_ARM64_REG_CP_REG, &cp);
	return cp.val;
}

void a64_set_el1(struct a64 *e, enum a64_el1reg r, uint64_t v)
{
	uc_arm64_cp_reg cp = el1_enc[r];
	cp.val = v;
	uc_reg_write(e->uc, UC_ARM64_REG_CP_REG, &cp);
}

int a64_reg_by_name(struct a64 *e, const char *name, uint64_t val)
{
	if ((name[0] == 'x' || name[0] == 'X') && name[1]) {
		char *end;
		long n = strtol(name + 1, &end, 10);
		if (!*end && n >= 0 && n <= 30 && (name[1] != '0' || !name[2])) {
			a64_set_x(e, (int)n, val);
			return 0;
		}
		return -1;
	}
	if (!strcmp(name, "sp")) {
		uc_reg_write(e->uc, UC_ARM64_REG_SP, &val);
		return 0;
	}
	if (!strcmp(name, "vbar_el1")) {
		a64_set_el1(e, A64_VBAR_EL1, val);
		return 0;
	}
	if (!strcmp(name, "contextidr_el1")) {
		a64_set_el1(e, A64_CONTEXTIDR_EL1, val);
		return 0;
	}
	return -1;
}

void a64_set_budget(struct a64 *e, uint64_t max_insns, uint64_t max_cycles)
{
	e->max_insns = max_insns;
	e->max_cycles = max_cycles;
}

uint64_t a64_instructions(struct a64 *e) { return e->insns; }

/* ---- run loop ------------------------------------------------------------------- */

void a64_request_stop(struct a64 *e, enum engine_stop why, const char *msg)
{
	if (e->stop_req)
		return;
	e->stop_req = true;
	e->stop = why;
	snprintf(e->stop_msg, sizeof(e->stop_msg), "%s", msg ? msg : "");
}

/* Stop in front of pc: uc_emu_stop() from a code hook keeps the hooked
 * instruction from executing (as the x86 engine relies on); writing PC as
 * well would restart the block and run the hook again, forever (measured). */
void a64_halt_here(struct a64 *e, uint64_t pc)
{
	e->cur_pc = pc;
	uc_emu_stop(e->uc);
}

void a64_request_pause(struct a64 *e) { e->pause_req = true; }
bool a64_pause_requested(struct a64 *e) { return e->pause_req; }
const char *a64_stop_message(struct a64 *e) { return e->stop_msg; }

enum engine_stop a64_run(struct a64 *e, uint64_t pc)
{
	e->cur_pc = pc;
	e->stop_req = false;
	e->stop = STOP_NONE;
	e->pause_req = false;
	e->in_emu = true;
	uc_err err = uc_emu_start(e->uc, pc, A64_SENTINEL, 0, 0);
	e->in_emu = false;
	if (e->stop_req)
		return e->stop;
	if (e->pause_req)
		return STOP_NONE;
	uint64_t r = 0;
	uc_reg_read(e->uc, UC_ARM64_REG_PC, &r);
	e->stop = err == UC_ERR_OK ? STOP_UNMAPPED : err == UC_ERR_INSN_INVALID ? STOP_UD
		: (err >= UC_ERR_READ_UNMAPPED && err <= UC_ERR_FETCH_UNMAPPED) ? STOP_UNMAPPED : STOP_FAULT;
	snprintf(e->stop_msg, sizeof(e->stop_msg), err == UC_ERR_OK
		 ? "the guest left its address space (PC 0x%llx)" : "emulation error at 0x%llx: %s",
		 (unsigned long long)r, uc_strerror(err));
	return e->stop;
}

/* ---- logs ----------------------------------------------------------------------- */

void a64_log(struct a64 *e, bool host, uint64_t pc, unsigned hw, unsigned ideal, enum db_outcome out,
	     const char *cause, uint64_t esr, uint64_t far)
{
	/* dr6 holds ESR_EL1, hw_dr6 FAR_EL1 (a64.h); stamped with the CPU's
	 * own cycle count (an Arm run has one CPU, no machine clock) */
	struct db_record rec = { .rip = pc, .dr6 = esr, .hw_dr6 = far, .outcome = (uint8_t)out, .host = host,
				 .cause = cause };
	oracle_log_db(&e->log, e->cpu, 0, &rec, hw, ideal);
}

void a64_violation(struct a64 *e, uint64_t pc, int slot, const char *kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	oracle_log_violation(&e->log, e->cpu, 0, pc, slot, kind, fmt, ap);
	va_end(ap);
}

const struct db_record *a64_db_log(struct a64 *e, size_t *n, uint64_t *dropped)
{
	return oracle_log_records(&e->log, n, dropped);
}

const struct violation *a64_violations(struct a64 *e, size_t *n, uint64_t *dropped)
{
	return oracle_log_violations(&e->log, n, dropped);
}

int a64_disasm(struct a64 *e, uint64_t pc, char *buf, size_t size)
{
	uint8_t b[4];
	cs_insn *insn = NULL;
	if (!e->cs_ok || uc_mem_read(e->uc, pc, b, 4) != UC_ERR_OK ||
	    cs_disasm(e->cs, b, 4, pc, 1, &insn) != 1) {
		snprintf(buf, size, "(bad)");
		return -1;
	}
	snprintf(buf, size, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
	cs_free(insn, 1);
	return 0;
}
