/* test_host.c - the host world's building blocks without a guest: the
 * hw_breakpoint layer (host/hw_breakpoint.c), the context switch per era
 * (host/task.c), the scheduler's queues (host/sched.c) and what vcpu_load /
 * vcpu_put do per policy (debugreg/vcpu_load.c), against a minimal VMX-like
 * vendor as in test_policies.c.
 *
 * Expected values come from the sources each test cites: Linux
 * arch/x86/kernel/hw_breakpoint.c (arch_install_hw_breakpoint: "for (i =
 * 0; i < HBP_NUM; i++) { ... if (!*slot) { *slot = bp; break; } }", the
 * address before DR7), process_64.c __switch_to_xtra (<= 2.6.32), traps.c
 * do_debug "lazy DR7", kvm_arch_vcpu_put's set_debugreg(0, 6)
 * (efdab992813f), Xen vmx.c vmx_save_dr / vmx_restore_dr / vmx_dr_access
 * and domain.c paravirt_ctxt_switch_from/to, KVM/arm64 debug.c
 * kvm_vcpu_load_debug; the DR7 encoding of SDM Vol.3 17.2.4.  None is
 * copied from hvsim's output. */
#include <criterion/criterion.h>
#include <string.h>
#include "cpu/cpu.h"
#include "debugreg/core.h"
#include "debugreg/policy.h"
#include "host/host.h"

#define H0 0x7ff00100ull
#define H1 0x7ff00200ull
#define T1 0x7ff00300ull

static struct cost_model zero_cost;

/* ---- the hw_breakpoint layer ------------------------------------------------------ */

static void make_pcpu(struct pcpu *p, struct cpu *c, int id)
{
	memset(p, 0, sizeof(*p));
	cpu_init(c, &zero_cost);
	c->id = id;
	p->id = id;
	p->cpu = c;
	hw_bp_percpu_init(&p->hw);
}

Test(host, install_encodes_dr7_and_writes_the_hardware)
{
	struct cpu c;
	struct pcpu p;
	make_pcpu(&p, &c, 0);
	struct hbp bp = { .slot = 1, .addr = H0, .type = 1, .len = 4 };
	hw_bp_install_at(&p, 1, &bp, HOST_OWNER_CPU);
	/* SDM 17.2.4: G1 = bit 3, R/W1 = bits 21:20 = 01 (write), LEN1 = bits
	 * 23:22 = 11 (4 bytes); plus the fixed bit 10 */
	cr_assert_eq(p.hw.cpu_dr7, 0x400ull | (1ull << 3) | (1ull << 20) | (3ull << 22));
	cr_assert_eq(c.dr[1], H0);
	cr_assert_eq(c.dr[7], p.hw.cpu_dr7);
	cr_assert(hw_breakpoint_active(&p.hw), "G bit set: cpu_dr7 & DR_GLOBAL_ENABLE_MASK");
	/* not a hypervisor access: nothing counted */
	cr_assert_eq(c.st.dr_hw_writes[1] + c.st.dr_hw_writes[7], 0);
	hw_bp_uninstall(&p, 1);
	cr_assert_not(hw_breakpoint_active(&p.hw));
	cr_assert_eq(c.dr[7] & 0xFF, 0);
	cr_assert_eq(p.hw.bp_per_reg[1], HOST_SLOT_FREE);
}

Test(host, install_takes_the_first_free_slot)
{
	struct cpu c;
	struct pcpu p;
	make_pcpu(&p, &c, 0);
	struct hbp a = { .slot = 0, .addr = H0, .type = 1, .len = 4 };
	hw_bp_install_at(&p, 0, &a, HOST_OWNER_CPU);
	/* a task's breakpoint that asked for slot 0: arch_install_hw_breakpoint
	 * walks bp_per_reg and takes slot 1 */
	struct hbp b = { .slot = 0, .addr = T1, .type = 3, .len = 8 };
	cr_assert_eq(hw_bp_install(&p, &b, 5), 1);
	cr_assert_eq(c.dr[1], T1);
	cr_assert_eq(p.hw.bp_per_reg[1], 5);
	struct hbp x = { .slot = 3, .addr = 0x1000, .type = 0, .len = 1 };
	cr_assert_eq(hw_bp_install(&p, &x, 6), 2, "the first free one, whatever slot was asked for");
	cr_assert_eq(hw_bp_install(&p, &x, 7), 3);
	cr_assert_eq(hw_bp_install(&p, &x, 8), -1, "four taken: \"Can't find any breakpoint slot\"");
}

Test(host, restore_is_the_hypervisors_write)
{
	struct cpu c;
	struct pcpu p;
	make_pcpu(&p, &c, 0);
	struct hbp a = { .slot = 0, .addr = H0, .type = 1, .len = 4 };
	hw_bp_install_at(&p, 0, &a, HOST_OWNER_CPU);
	cpu_dr_write(&c, 0, 0x1234, DRW_GUEST, "guest");
	cpu_dr_write(&c, 7, DR7_FIXED_1, DRW_PROCESSOR, "vm exit");
	hw_breakpoint_restore(&c, &p.hw, "test");
	cr_assert_eq(c.dr[0], H0);
	cr_assert_eq(c.dr[6], DR6_ACTIVE_LOW);
	cr_assert_eq(c.dr[7], p.hw.cpu_dr7);
	cr_assert_eq(c.st.dr_hw_writes[0], 1);
	cr_assert_eq(c.st.dr_hw_writes[7], 1);
	cr_assert_eq(c.st.dr_host_restores, 1);
}

/* ---- the context switch per era ----------------------------------------------------- */

Test(host, perf_era_moves_a_tasks_breakpoints_with_it)
{
	struct cpu c0, c1;
	struct pcpu p0, p1;
	make_pcpu(&p0, &c0, 0);
	make_pcpu(&p1, &c1, 1);
	struct host_task idle0, idle1, gdb;
	host_task_init(&idle0, 0, "idle0", TASK_IDLE, -1);
	host_task_init(&idle1, 1, "idle1", TASK_IDLE, -1);
	host_task_init(&gdb, 2, "gdb", TASK_OTHER, -1);
	struct hbp w = { .slot = 0, .addr = T1, .type = 1, .len = 4, .ptrace = true };
	cr_assert_eq(host_task_add_bp(&gdb, &w), 0);
	cr_assert(gdb.tif_debug);
	p0.curr = &idle0;
	p1.curr = &idle1;
	/* perf_event_task_sched_in on CPU 0: installed there */
	host_switch_to(&p0, &idle0, &gdb, HOST_ERA_PERF);
	cr_assert_eq(c0.dr[0], T1);
	cr_assert(c0.dr[7] & DR7_G(0));
	/* sched_out on CPU 0 (DR7 rewritten without it), sched_in on CPU 1 */
	host_switch_to(&p0, &gdb, &idle0, HOST_ERA_PERF);
	cr_assert_eq(c0.dr[7] & 0xFF, 0);
	host_switch_to(&p1, &idle1, &gdb, HOST_ERA_PERF);
	cr_assert_eq(c1.dr[0], T1);
	cr_assert(c1.dr[7] & DR7_G(0));
	cr_assert_eq(gdb.cpu, 1);
}

Test(host, thread_era_loads_only_tif_debug_and_leaves_dr7_lazy)
{
	struct cpu c;
	struct pcpu p;
	make_pcpu(&p, &c, 0);
	struct host_task a, b;
	host_task_init(&a, 0, "gdb", TASK_OTHER, -1);
	host_task_init(&b, 1, "editor", TASK_OTHER, -1);
	struct hbp w = { .slot = 2, .addr = T1, .type = 1, .len = 4, .ptrace = true };
	host_task_add_bp(&a, &w);
	p.curr = &b;
	host_switch_to(&p, &b, &a, HOST_ERA_THREAD_DEBUGREG);
	/* loaddebug(next, 0..3, 6, 7): thread.debugreg2 = T1, debugreg7 with
	 * gdb's local enable L2 (bit 4) and LE (bit 8) */
	cr_assert_eq(c.dr[2], T1);
	cr_assert(c.dr[7] & DR7_L(2));
	cr_assert(c.dr[7] & 0x100);
	/* to a task without TIF_DEBUG: __switch_to_xtra writes nothing */
	uint64_t dr7 = c.dr[7];
	host_switch_to(&p, &a, &b, HOST_ERA_THREAD_DEBUGREG);
	cr_assert_eq(c.dr[7], dr7, "task switching can be a bit lazy about restoring all the debug state");
	/* do_debug on the spurious trap: "if (!tsk->thread.debugreg7) goto clear_dr7" */
	cr_assert(host_lazy_dr7_clear(&p, HOST_ERA_THREAD_DEBUGREG));
	cr_assert_eq(c.dr[7] & 0xFF, 0);
	cr_assert_not(host_lazy_dr7_clear(&p, HOST_ERA_PERF), "the perf era has no lazy DR7");
}

Test(host, xen_pv_switch_disables_then_activates)
{
	struct cpu c;
	struct pcpu p;
	make_pcpu(&p, &c, 0);
	struct host_task a, b;
	host_task_init(&a, 0, "dom0-gdb", TASK_OTHER, -1);
	host_task_init(&b, 1, "dom0-other", TASK_OTHER, -1);
	struct hbp w = { .slot = 0, .addr = T1, .type = 1, .len = 4, .ptrace = true };
	host_task_add_bp(&a, &w);
	p.curr = &b;
	host_switch_to(&p, &b, &a, HOST_ERA_XEN_PV);    /* activate_debugregs */
	cr_assert_eq(c.dr[0], T1);
	cr_assert(c.dr[7] & DR7_L(0));
	host_switch_to(&p, &a, &b, HOST_ERA_XEN_PV);    /* "write_debugreg(7, 0)" */
	cr_assert_eq(c.dr[7] & 0xFF, 0);
	cr_assert_eq(c.dr[0], T1, "DR0-3 are left alone");
}

Test(host, task_slots_follow_the_era)
{
	struct host_task t;
	host_task_init(&t, 0, "t", TASK_OTHER, -1);
	struct hbp w0 = { .slot = 0, .addr = T1, .type = 1, .len = 4, .ptrace = true };
	struct hbp w1 = { .slot = 1, .addr = T1 + 8, .type = 1, .len = 4, .ptrace = true };
	host_task_add_bp(&t, &w0);
	host_task_add_bp(&t, &w1);
	int s[HBP_NUM];
	host_task_slots(&t, HOST_ERA_PERF, 1u << 0, s);     /* slot 0 taken by a CPU-wide event */
	cr_assert_eq(s[0], 1, "first free");
	cr_assert_eq(s[1], 2, "the next free");
	host_task_slots(&t, HOST_ERA_THREAD_DEBUGREG, 1u << 0, s);
	cr_assert_eq(s[0], 0, "thread.debugreg0 whatever the CPU holds");
	cr_assert_eq(s[1], 1);
}

Test(host, sched_queues_are_fifo_and_visits_round_robin)
{
	struct sched s;
	sched_init(&s, 3);
	sched_enqueue(&s, 1, 7);
	sched_enqueue(&s, 1, 4);
	cr_assert_eq(sched_dequeue(&s, 1), 7);
	cr_assert_eq(sched_dequeue(&s, 1), 4);
	cr_assert_eq(sched_dequeue(&s, 1), -1);
	cr_assert(sched_queue_empty(&s, 0));
	cr_assert_eq(sched_visit(&s), 0);
	cr_assert_eq(sched_visit(&s), 1);
	cr_assert_eq(sched_visit(&s), 2);
	cr_assert_eq(sched_visit(&s), 0);
}

/* ---- vcpu_load / vcpu_put per policy ---------------------------------------------------- */

struct fake {
	struct cpu cpu, cpu1;
	struct pcpu p0, p1;
	struct dbg d;
	uint64_t vmcs_dr7;
	bool exiting;
	bool svm;
	uint64_t vmcb_dr6;
};

static void f_set_dr7(void *v, uint64_t val) { ((struct fake *)v)->vmcs_dr7 = val; }
static void f_set_dr_intercept(void *v, bool on) { ((struct fake *)v)->exiting = on; }
static void f_sync(void *v, bool rearm)
{
	struct fake *f = v;
	for (int i = 0; i < 4; i++)
		f->d.db[i] = cpu_hv_read_dr(f->d.cpu, i, "test sync");
	f->d.dr6 = f->svm ? f->vmcb_dr6 : cpu_hv_read_dr(f->d.cpu, 6, "test sync");
	f->d.dr7 = f->vmcs_dr7;
	if (rearm)
		f->exiting = true;
}
static void f_load_dr6(void *v, uint64_t dr6)
{
	struct fake *f = v;
	if (f->svm)
		f->vmcb_dr6 = dr6;
	else
		cpu_hv_write_dr(f->d.cpu, 6, dr6, "test dr6");
}
static void f_queue(void *v, int vector, bool has_payload, uint64_t payload) { (void)v; (void)vector; (void)has_payload; (void)payload; }
static uint64_t f_guest_debugctl(void *v) { (void)v; return 0; }

static struct dbg_vendor_ops fake_ops = {
	.name = "fake",
	.set_dr7 = f_set_dr7,
	.set_dr_intercept = f_set_dr_intercept,
	.sync_dirty_debug_regs = f_sync,
	.load_guest_dr6 = f_load_dr6,
	.queue_exception = f_queue,
	.guest_debugctl = f_guest_debugctl,
};

static struct fake *make(const char *policy, bool svm)
{
	static struct fake f;
	memset(&f, 0, sizeof(f));
	const struct policy *p = policy_find(policy);
	cr_assert_not_null(p, "%s", policy);
	make_pcpu(&f.p0, &f.cpu, 0);
	make_pcpu(&f.p1, &f.cpu1, 1);
	f.vmcs_dr7 = DR7_FIXED_1;
	f.svm = svm;
	fake_ops.vmcb_dr6 = svm;
	dbg_init(&f.d, &f.cpu, p, &fake_ops, &f);
	kvm_arch_vcpu_load(&f.d, &f.p0);
	return &f;
}

Test(host, vcpu_put_writes_dr6_between_4_15_and_5_14)
{
	struct fake *f = make("need_reload", false);
	kvm_arch_vcpu_put(&f->d);
	/* set_debugreg(0, 6): a hypervisor write; DR6 reads back its fixed
	 * bits, 0xFFFF0FF0 on a CPU without RTM/bus-lock (SDM 17.2.3) */
	cr_assert_eq(f->cpu.st.dr_hw_writes[6], 1);
	cr_assert_eq(f->cpu.dr[6], DR6_ACTIVE_LOW);
	f = make("bp_enabled", false);
	kvm_arch_vcpu_put(&f->d);
	cr_assert_eq(f->cpu.st.dr_hw_writes[6], 0, "1ccb6f983a06 removed it (5.15)");
}

Test(host, vcpu_load_follows_the_cpu_and_the_fallback_sets_need_reload)
{
	struct fake *f = make("need_reload_vcpu_load", false);
	/* the reset's RELOAD (renamed NEED_RELOAD) consumed by a first entry */
	dbg_pre_entry(&f->d);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_NEED_RELOAD);
	kvm_arch_vcpu_put(&f->d);
	kvm_arch_vcpu_load(&f->d, &f->p1);
	cr_assert_eq(f->d.cpu, &f->cpu1, "the vCPU now works on CPU 1's registers");
	cr_assert_eq(f->d.pcpu, &f->p1);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_NEED_RELOAD, "\"set KVM_DEBUGREG_NEED_RELOAD in vcpu_load\"");
	uint64_t loads = f->cpu1.st.dr_guest_loads;
	dbg_pre_entry(&f->d);
	cr_assert_eq(f->cpu1.st.dr_guest_loads, loads + 1, "the next entry reloads DR0-3 on CPU 1");
	/* plain need_reload does not */
	f = make("need_reload", false);
	dbg_pre_entry(&f->d);
	kvm_arch_vcpu_put(&f->d);
	kvm_arch_vcpu_load(&f->d, &f->p1);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_NEED_RELOAD);
}

/* Xen: vmx_dr_access loads the guest's registers and stops exiting;
 * vmx_save_dr at deschedule saves them (DR0-3, DR6 from hardware, DR7 from
 * the VMCS) and re-enables MOV-DR exiting; vmx_restore_dr reloads them at
 * reschedule iff DR7 is active, leaving exiting on (VMX) or turning the
 * intercepts off (SVM's __restore_debug_registers). */
static void xen_cycle(bool svm)
{
	struct fake *f = make("xen", svm);
	uint64_t v = 0x401000;
	cr_assert_eq(dbg_handle_mov_dr(&f->d, 0, true, &v, false, 0, false), DR_EXIT_REENTER);
	cr_assert_not(f->exiting);
	/* the guest writes DR0 and DR7 natively */
	cpu_dr_write(&f->cpu, 0, 0x401000, DRW_GUEST, "guest");
	f->vmcs_dr7 = 0x401;
	kvm_arch_vcpu_put(&f->d);
	cr_assert(f->exiting, "vmx_save_dr: exec_control |= CPU_BASED_MOV_DR_EXITING");
	cr_assert_eq(f->d.db[0], 0x401000, "read_debugreg(0)");
	cr_assert_eq(f->d.dr7, 0x401, "__vmread(GUEST_DR7)");
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_WONT_EXIT, "flag_dr_dirty cleared");
	/* another task clobbers CPU 1's DR0; the vCPU comes back there */
	cpu_dr_write(&f->cpu1, 0, H1, DRW_HOST_KERNEL, "other task");
	uint64_t loads = f->cpu1.st.dr_guest_loads;
	kvm_arch_vcpu_load(&f->d, &f->p1);
	cr_assert_eq(f->cpu1.dr[0], 0x401000, "__restore_debug_registers: write_debugreg(0, ...)");
	cr_assert_eq(f->cpu1.st.dr_guest_loads, loads + 1);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_WONT_EXIT, "flag_dr_dirty = 1");
	if (svm)
		cr_assert_not(f->exiting, "svm: vmcb_set_dr_intercepts(vmcb, 0)");
	else
		cr_assert(f->exiting, "vmx: exiting stays on until vmx_dr_access");
	/* VMX: the next access exits once and only turns exiting off */
	uint64_t w = f->cpu1.st.dr_hw_writes[0];
	if (!svm) {
		cr_assert_eq(dbg_handle_mov_dr(&f->d, 7, false, &v, false, 0, false), DR_EXIT_REENTER);
		cr_assert_not(f->exiting);
		cr_assert_eq(f->cpu1.st.dr_hw_writes[0], w, "no second restore while flag_dr_dirty");
	}
}

Test(host, xen_saves_at_deschedule_and_restores_at_reschedule_vmx) { xen_cycle(false); }
Test(host, xen_saves_at_deschedule_and_restores_at_reschedule_svm) { xen_cycle(true); }

Test(host, xen_does_not_restore_an_inactive_dr7)
{
	struct fake *f = make("xen", false);
	uint64_t loads = f->cpu1.st.dr_guest_loads;
	kvm_arch_vcpu_put(&f->d);
	kvm_arch_vcpu_load(&f->d, &f->p1);
	cr_assert_eq(f->cpu1.st.dr_guest_loads, loads, "\"if ( unlikely(v->arch.debugreg[7] & DR7_ACTIVE_MASK) )\"");
}

/* KVM/arm64 6.14 on x86: ownership decided at vcpu_load, taken by a trapped
 * access, kept until the next vcpu_load. */
Test(host, arm64_owner_decides_at_vcpu_load)
{
	struct fake *f = make("arm64_owner", false);
	cr_assert(f->exiting, "free: accesses trap");
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_OWNED);
	uint64_t v = 0x401;
	cr_assert_eq(dbg_handle_mov_dr(&f->d, 7, true, &v, false, 0, false), DR_EXIT_SKIP,
		     "the trapped access is emulated");
	cr_assert_eq(f->d.dr7, 0x401);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_OWNED, "kvm_debug_set_guest_ownership");
	cr_assert_not(f->exiting);
	/* still owned after an exit: nothing re-arms the trap */
	cpu_dr_write(&f->cpu, 7, DR7_FIXED_1, DRW_PROCESSOR, "vm exit");
	dbg_post_exit(&f->d);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_OWNED);
	cr_assert_not(f->exiting);
	/* rescheduled with DR7 armed: owned again ("loaded eagerly") */
	kvm_arch_vcpu_put(&f->d);
	kvm_arch_vcpu_load(&f->d, &f->p1);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_OWNED);
	/* with DR7 disarmed: free, traps on */
	f->d.dr7 = DR7_FIXED_1;
	kvm_arch_vcpu_put(&f->d);
	kvm_arch_vcpu_load(&f->d, &f->p0);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_OWNED);
	cr_assert(f->exiting);
}
