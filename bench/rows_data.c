/* rows_data.c - bench rows of the guest data path (issue 16): ALU, loads,
 * stores, stores of FF /3 look-alike bytes, code running under an armed data
 * watchpoint, a host timer, and the adversarial store case at four sizes.
 * Every row runs the same guest bytes under raw Unicorn and under hvsim
 * (VMX, bp_enabled); see bench/bench.h. */
#include <stdio.h>
#include "bench.h"

#define DATA 0x80000ull               /* data region of the load/store loops */
#define WATCHED 0x81000ull            /* the armed, never touched, watchpoint */

/* ---- guest code ------------------------------------------------------------ */

/* 8 ALU instructions + dec + jnz per iteration (bench (a) of old) */
#define ALU_LOOP                                                                   \
	"1: add rax, rbx\n xor rcx, rdx\n sub rsi, rdi\n and r9, r10\n or r11, r12\n"  \
	" add r13, r14\n xor rax, rcx\n add rbx, rsi\n dec r8\n jnz 1b\n hlt\n"
/* 8 loads + dec + jnz */
#define LOAD_LOOP                                                                  \
	"1: mov rax, [rsi]\n mov rbx, [rsi+8]\n mov rcx, [rsi+16]\n mov rdx, [rsi+24]\n" \
	" mov r9, [rsi+32]\n mov r10, [rsi+40]\n mov r11, [rsi+48]\n mov r12, [rsi+56]\n" \
	" dec r8\n jnz 1b\n hlt\n"
/* arm DR0 on WATCHED: DR7 = L0, R/W0 = 11 (read/write), LEN0 = 10 (8 bytes) */
#define ARM_RW "mov rax, 0x81000\n mov dr0, rax\n mov rax, 0xB0001\n mov dr7, rax\n"
/* the same as a write watchpoint: R/W0 = 01 */
#define ARM_W "mov rax, 0x81000\n mov dr0, rax\n mov rax, 0x90001\n mov dr7, rax\n"
#define ARM_INSNS 4

BENCH_BLOB(alu, ALU_LOOP);
BENCH_BLOB(load, LOAD_LOOP);
/* 1 store + 7 ALU + dec + jnz (the store loop of unicorn-facts §3 (e0)) */
BENCH_BLOB(store,
	   "1: mov [rsi], rax\n add rbx, rcx\n xor rdx, r9\n sub r10, r11\n and r12, r13\n"
	   " or r14, r15\n add rbx, rdx\n xor rcx, r10\n dec r8\n jnz 1b\n hlt\n");
BENCH_BLOB(watch_alu, ARM_RW ALU_LOOP);
BENCH_BLOB(watch_load, ARM_RW LOAD_LOOP);
BENCH_BLOB(wwatch_load, ARM_W LOAD_LOOP);
/* the adversarial case: every store writes FF D8 (call far eax, FF /3 with a
 * register operand) to a new address */
BENCH_BLOB(adv, "1: mov word ptr [rdi], 0xD8FF\n add rdi, 2\n dec rcx\n jnz 1b\n hlt\n");

/* the same after the data region has run code (a RET at its start): stores
 * into memory Unicorn executes */
BENCH_BLOB(smc, "mov rax, 0x100000\n mov byte ptr [rax], 0xC3\n call rax\n lea rdi, [rax+16]\n"
		"1: mov word ptr [rdi], 0xD8FF\n add rdi, 2\n dec rcx\n jnz 1b\n hlt\n");

/* and into the run of the code doing the stores (its own pages) */
BENCH_BLOB(smc_self, "jmp 2f\n pad: .skip 0x2000\n 2: lea rdi, [rip+pad]\n"
		     "1: mov word ptr [rdi], 0xD8FF\n add rdi, 2\n dec rcx\n jnz 1b\n hlt\n");

#define ITERS_PER_LOOP 10

/* ---- setups ------------------------------------------------------------------- */

static void guest(struct bench_pair *p, const uint8_t *start, const uint8_t *end)
{
	p->g.code = start;
	p->g.ncode = (size_t)(end - start);
	p->g.base = 0x1000;
	p->g.hlt = p->g.base + p->g.ncode - 1;    /* every blob ends with its HLT */
}

static void reg(struct bench_pair *p, const char *name, uint64_t v)
{
	p->g.regs[p->g.nregs].name = name;
	p->g.regs[p->g.nregs++].val = v;
}

/* A 10-instruction loop run `iters` times after `pre` set-up instructions. */
static void loop(struct bench_pair *p, uint64_t iters, unsigned pre)
{
	reg(p, "r8", iters);
	p->units = (double)iters;
	p->insns = pre + iters * ITERS_PER_LOOP + 1;
}

static int s_alu(const struct bench_opts *o, struct bench_pair *p, char *why, size_t n)
{
	(void)why; (void)n;
	guest(p, bench_alu_start, bench_alu_end);
	loop(p, o->quick ? 1000000 : 10000000, 0);
	p->units *= ITERS_PER_LOOP;           /* shown per instruction */
	return 0;
}

static int s_load(const struct bench_opts *o, struct bench_pair *p, char *why, size_t n)
{
	(void)why; (void)n;
	guest(p, bench_load_start, bench_load_end);
	p->g.data_addr = DATA;
	p->g.data_size = 0x1000;
	reg(p, "rsi", DATA);
	loop(p, o->quick ? 500000 : 5000000, 0);
	return 0;
}

static int store_common(const struct bench_opts *o, struct bench_pair *p, uint64_t value)
{
	guest(p, bench_store_start, bench_store_end);
	p->g.data_addr = DATA;
	p->g.data_size = 0x1000;
	reg(p, "rsi", DATA);
	reg(p, "rax", value);
	loop(p, o->quick ? 50000 : 500000, 0);
	return 0;
}

static int s_store(const struct bench_opts *o, struct bench_pair *p, char *why, size_t n)
{
	(void)why; (void)n;
	return store_common(o, p, 0x1122334455667788ull);
}

static int s_store_ff(const struct bench_opts *o, struct bench_pair *p, char *why, size_t n)
{
	(void)why; (void)n;
	/* bytes FF D8 FF E8 ...: FF /3 and FF /5 with register operands */
	return store_common(o, p, 0xE8FFD8FFE8FFD8FFull);
}

static int s_watch_alu(const struct bench_opts *o, struct bench_pair *p, char *why, size_t n)
{
	(void)why; (void)n;
	guest(p, bench_watch_alu_start, bench_watch_alu_end);
	p->g.data_addr = DATA;
	p->g.data_size = 0x2000;
	loop(p, o->quick ? 1000000 : 10000000, ARM_INSNS);
	p->units *= ITERS_PER_LOOP;
	return 0;
}

static int watch_load_common(const struct bench_opts *o, struct bench_pair *p, const uint8_t *s,
			     const uint8_t *e)
{
	guest(p, s, e);
	p->g.data_addr = DATA;
	p->g.data_size = 0x2000;
	reg(p, "rsi", DATA);
	loop(p, o->quick ? 100000 : 1000000, ARM_INSNS);
	return 0;
}

static int s_watch_load(const struct bench_opts *o, struct bench_pair *p, char *why, size_t n)
{
	(void)why; (void)n;
	return watch_load_common(o, p, bench_watch_load_start, bench_watch_load_end);
}

static int s_wwatch_load(const struct bench_opts *o, struct bench_pair *p, char *why, size_t n)
{
	(void)why; (void)n;
	return watch_load_common(o, p, bench_wwatch_load_start, bench_wwatch_load_end);
}

static int timer_common(const struct bench_opts *o, struct bench_pair *p, const char *yaml)
{
	guest(p, bench_alu_start, bench_alu_end);
	loop(p, o->quick ? 1000000 : 10000000, 0);
	p->units *= ITERS_PER_LOOP;
	p->hv_yaml = yaml;
	p->base_yaml = "";
	return 0;
}

#define TIMER_SETUP(n, period)                                                                  \
	static int s_timer_##n(const struct bench_opts *o, struct bench_pair *p, char *why, size_t w) \
	{                                                                                     \
		(void)why; (void)w;                                                           \
		return timer_common(o, p, "host:\n  timer: {period: " #period "}\n");         \
	}
TIMER_SETUP(10k, 10000)
TIMER_SETUP(100k, 100000)
TIMER_SETUP(1m, 1000000)
TIMER_SETUP(10m, 10000000)

static int adv_common(struct bench_pair *p, uint64_t stores)
{
	guest(p, bench_adv_start, bench_adv_end);
	p->g.data_addr = 0x100000;
	p->g.data_size = (2 * stores + 0xFFF) & ~0xFFFull;
	reg(p, "rdi", 0x100000);
	reg(p, "rcx", stores);
	p->units = (double)stores;
	p->insns = 4 * stores + 1;
	return 0;
}

#define ADV_SETUP(n, stores)                                                                    \
	static int s_adv_##n(const struct bench_opts *o, struct bench_pair *p, char *why, size_t w)   \
	{                                                                                     \
		(void)o; (void)why; (void)w;                                                  \
		return adv_common(p, stores);                                                 \
	}
ADV_SETUP(1k, 1024)
ADV_SETUP(16k, 16384)
ADV_SETUP(64k, 65536)
ADV_SETUP(256k, 262144)

static int smc_common(struct bench_pair *p, uint64_t stores)
{
	guest(p, bench_smc_start, bench_smc_end);
	p->g.data_addr = 0x100000;
	p->g.data_size = (2 * stores + 16 + 0x1000 + 0xFFF) & ~0xFFFull;   /* a stack page on top */
	reg(p, "rsp", p->g.data_addr + p->g.data_size);
	reg(p, "rcx", stores);
	p->units = (double)stores;
	p->insns = 5 + 4 * stores + 1;
	return 0;
}

#define SMC_SETUP(n, stores)                                                                    \
	static int s_smc_##n(const struct bench_opts *o, struct bench_pair *p, char *why, size_t w)   \
	{                                                                                     \
		(void)o; (void)why; (void)w;                                                  \
		return smc_common(p, stores);                                                 \
	}
SMC_SETUP(1k, 1024)
SMC_SETUP(4k, 4096)

static int smc_self_common(struct bench_pair *p, uint64_t stores)
{
	guest(p, bench_smc_self_start, bench_smc_self_end);
	reg(p, "rcx", stores);
	p->units = (double)stores;
	p->insns = 2 + 4 * stores + 1;
	return 0;
}

#define SMC_SELF_SETUP(n, stores)                                                               \
	static int s_smc_self_##n(const struct bench_opts *o, struct bench_pair *p, char *why, size_t w) \
	{                                                                                     \
		(void)o; (void)why; (void)w;                                                  \
		return smc_self_common(p, stores);                                            \
	}
SMC_SELF_SETUP(1k, 1024)
SMC_SELF_SETUP(4k, 4096)

/* ---- the tables ---------------------------------------------------------------- */

static const struct bench_target targets[] = {
	{ "classes", "ALU, loads, stores and code under an armed watchpoint each >= 0.5 of raw Unicorn" },
	{ "timer", "a host timer costs < 5 % on ALU code (every period >= 100k instructions)" },
	{ "linear", "adversarial FF /3 look-alike stores are linear (per store at 64k, 256k <= 2x at 16k)" },
};

static const struct bench_row rows[] = {
	{ "alu", "ALU loop (8 ALU + dec + jnz)", "classes", BENCH_RATIO, 0.5, NULL, "insn", s_alu, NULL, NULL },
	{ "load", "load loop (8 loads + dec + jnz)", "classes", BENCH_RATIO, 0.5, NULL, "iter", s_load, NULL, NULL },
	{ "store", "store loop (1 store + 7 ALU + dec + jnz)", "classes", BENCH_RATIO, 0.5, NULL, "iter", s_store,
	  NULL, NULL },
	{ "store_ff", "store loop, stored bytes FF D8 FF E8 (FF /3, FF /5)", "classes", BENCH_RATIO, 0.5, NULL,
	  "iter", s_store_ff, NULL, NULL },
	{ "watch_alu", "ALU loop, read/write watchpoint armed, never hit", "classes", BENCH_RATIO, 0.5, NULL,
	  "insn", s_watch_alu, NULL, NULL },
	{ "watch_load", "load loop, read/write watchpoint armed, never hit", NULL, BENCH_INFO, 0, NULL, "iter",
	  s_watch_load, NULL,
	  "Unicorn 2.0.1 calls a read hook only from loads compiled on its slow path, which it picks for "
	  "every load while any memory hook exists (tcg/i386/tcg-target.inc.c tcg_out_tlb_load), and a "
	  "data trap needs a code hook after each memory instruction" },
	{ "wwatch_load", "load loop, write watchpoint armed, never hit", NULL, BENCH_INFO, 0, NULL, "iter",
	  s_wwatch_load, NULL, NULL },
	{ "timer_10k", "ALU loop, host timer every 10k instructions", NULL, BENCH_OVERHEAD, 0.05, NULL, "insn",
	  s_timer_10k, NULL, "each tick is a full VM exit (external interrupt): at this period the exits themselves "
	  "cost a few per cent" },
	{ "timer_100k", "ALU loop, host timer every 100k instructions", "timer", BENCH_OVERHEAD, 0.05, NULL, "insn",
	  s_timer_100k, NULL, NULL },
	{ "timer_1m", "ALU loop, host timer every 1M instructions", "timer", BENCH_OVERHEAD, 0.05, NULL, "insn",
	  s_timer_1m, NULL, NULL },
	{ "timer_10m", "ALU loop, host timer every 10M instructions", "timer", BENCH_OVERHEAD, 0.05, NULL, "insn",
	  s_timer_10m, NULL, NULL },
	{ "adv_1k", "1k stores of FF /3 look-alike bytes", NULL, BENCH_INFO, 0, NULL, "store", s_adv_1k, NULL, NULL },
	{ "adv_16k", "16k stores of FF /3 look-alike bytes", NULL, BENCH_INFO, 0, NULL, "store", s_adv_16k, NULL,
	  NULL },
	{ "adv_64k", "64k stores of FF /3 look-alike bytes", "linear", BENCH_LINEAR, 2.0, "adv_16k", "store",
	  s_adv_64k, NULL, NULL },
	{ "adv_256k", "256k stores of FF /3 look-alike bytes", "linear", BENCH_LINEAR, 2.0, "adv_16k", "store",
	  s_adv_256k, NULL, NULL },
	{ "smc_1k", "1k such stores into other memory that ran code", NULL, BENCH_INFO, 0, NULL, "store",
	  s_smc_1k, NULL, NULL },
	{ "smc_4k", "4k such stores into other memory that ran code", NULL, BENCH_INFO, 0, NULL, "store",
	  s_smc_4k, NULL, NULL },
	{ "smc_self_1k", "1k such stores into the code's own pages", NULL, BENCH_INFO, 0, NULL, "store",
	  s_smc_self_1k, NULL, NULL },
	{ "smc_self_4k", "4k such stores into the code's own pages", NULL, BENCH_INFO, 0, NULL, "store",
	  s_smc_self_4k, NULL,
	  "each new possible far CALL/JMP start in memory Unicorn may execute is an exit, Unicorn 2.0.1 can only "
	  "replace its whole exit list (uc.c UC_CTL_UC_EXITS), and the memory holding the running block cannot be "
	  "made non-executable in a store hook (the block would end in the middle of the instruction): "
	  "quadratic in that memory only" },
};

const struct bench_rows bench_rows_data = {
	rows, sizeof(rows) / sizeof(rows[0]), targets, sizeof(targets) / sizeof(targets[0]),
};
