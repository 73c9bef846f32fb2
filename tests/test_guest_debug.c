/* test_guest_debug.c - KVM_SET_GUEST_DEBUG (host.guest_debug) in the
 * simulated KVM.  Expected values come from KVM's source as restated in
 * shared/spec/kvm-debugreg-logic.md §5.4-§5.7 and kvm-eras-2026.md
 * (vmx.c handle_dr / handle_exception_nmi, svm.c dr_interception /
 * db_interception / bp_interception, x86.c kvm_arch_vcpu_ioctl_set_guest_debug,
 * kvm_update_dr7, __kvm_set_dr, kvm_vcpu_do_singlestep) and the Intel SDM;
 * none is copied from hvsim's output. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "sim/ref/image.h"
#include "sim/result.h"
#include "sim/run.h"
#include "sim/util/guestdbg.h"
#include "tests/harness.h"

static uint64_t field(const struct run_result *r, const char *path)
{
	uint64_t v = 0;
	cr_assert_eq(result_field(r, path, &v, NULL), 0, "no field %s", path);
	return v;
}

static void run(struct scenario *sc, const char *policy, enum vendor v, struct run_result *r)
{
	struct run_config cfg = { .policy = policy, .vendor = v };
	h_run(sc, &cfg, r);
}

/* The guest of §9 S3: one MOV to DR0, then 20 OUTs. */
#define ONE_DR_WRITE_LOOP                               \
	"    mov rax, 0x200000\n    mov dr0, rax\n    mov rax, dr0\n" \
	"    mov ecx, 20\n    l1:\n    out 0x80, al\n    dec ecx\n    jnz l1\n    hlt\n"

/* Scenario format: `true` keeps meaning KVM_GUESTDBG_ENABLE; the mapping
 * sets the control bits and builds the debugger's DR7 like QEMU's
 * kvm_arch_update_guest_debug (0x600 | G | R/W | LEN, SDM 17.2.4). */
Test(guest_debug_load, true_is_enable_and_mapping_builds_control_and_dr7)
{
	struct scenario *sc = h_load_guest("host:\n  guest_debug: true\n", "    hlt\n");
	cr_expect_eq(sc->host.guest_debug, GUESTDBG_ENABLE);
	scenario_free(sc);
	sc = h_load_guest("host:\n  guest_debug:\n    singlestep: true\n    sw_bp: true\n"
			  "    hw_bp: [{slot: 1, addr: 0x2000, type: write, len: 4}]\n", "    hlt\n");
	cr_expect_eq(sc->host.guest_debug,
		     GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP | GUESTDBG_USE_SW_BP | GUESTDBG_USE_HW_BP);
	cr_expect_eq(sc->host.guest_debug_dr[1], 0x2000);
	/* G1 (bit 3), R/W1 = 01 (bits 21:20), LEN1 = 11 (bits 23:22) */
	cr_expect_eq(sc->host.guest_debug_dr[7], 0x600ull | (1u << 3) | (1u << 20) | (3u << 22),
		     "dr7 0x%llx", (unsigned long long)sc->host.guest_debug_dr[7]);
	scenario_free(sc);
	sc = h_load_guest("host:\n  guest_debug: {enable: false, inject_db: true}\n", "    hlt\n");
	cr_expect_eq(sc->host.guest_debug, GUESTDBG_INJECT_DB);
	scenario_free(sc);
}

Test(guest_debug_load, errors_name_file_line_col)
{
	static const struct { const char *host, *want; } bad[] = {
		{ "host:\n  guest_debug: {gd: true}\n", "test.yaml:5:" },
		{ "host:\n  guest_debug: {inject_db: true, inject_bp: true}\n", "cannot both be set" },
		{ "host:\n  guest_debug: {single_step: true}\n", "single_step" },
		{ "host:\n  guest_debug:\n    hw_bp: [{slot: 0, addr: 0x10, type: exec, kind: perf}]\n", "no kind" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char yaml[1024], err[512];
		snprintf(yaml, sizeof(yaml), "version: 1\nname: t\nsummary: test\n%sguest:\n  mode: 64\n"
			 "  base: 0x1000\n  asm: |\n    hlt\n", bad[i].host);
		struct scenario *sc = scenario_load_buf("test.yaml", yaml, strlen(yaml), err, sizeof(err));
		cr_expect_null(sc, "case %zu loaded", i);
		cr_expect(strstr(err, bad[i].want) && !strncmp(err, "test.yaml:", 10), "case %zu: %s", i, err);
		scenario_free(sc);
	}
}

/* handle_dr / dr_interception: WONT_EXIT only `if (vcpu->guest_debug == 0)`.
 * Without guest debug: one MOV-DR exit, the read runs natively, one sync.
 * With KVM_GUESTDBG_ENABLE: both MOVs exit and are emulated, no sync. */
Test(guest_debug_lazy, enable_turns_every_mov_dr_into_an_exit)
{
	for (int v = 0; v < 2; v++) {
		enum vendor vd = v ? VENDOR_SVM : VENDOR_VMX;
		struct scenario *plain = h_load_guest("", ONE_DR_WRITE_LOOP);
		struct scenario *dbg = h_load_guest("host:\n  guest_debug: true\n", ONE_DR_WRITE_LOOP);
		struct run_result a, b;
		run(plain, "bp_enabled", vd, &a);
		run(dbg, "bp_enabled", vd, &b);
		cr_expect_eq(field(&a, "exits.total"), 1 + 20 + 1);
		cr_expect_eq(field(&a, "dr.syncs"), 1);
		cr_expect_eq(result_field(&a, "exits.to_user.debug", NULL, NULL), -1,
			     "exits.to_user.* only in guest-debug runs");
		cr_expect_eq(field(&b, "exits.total"), 2 + 20 + 1);
		cr_expect_eq(field(&b, "dr.emulated"), 2);
		cr_expect_eq(field(&b, "dr.syncs"), 0);
		cr_expect_eq(field(&b, "dr.guest_native.reads"), 0);
		cr_expect_eq(field(&b, "exits.to_user.debug"), 0);
		/* DR7 never arms a breakpoint: sdr stays 0, nothing is loaded */
		cr_expect_eq(field(&b, "dr.guest_loads"), 0);
		cr_expect_eq(field(&b, "guest.regs.rax"), 0x200000);
		run_result_free(&a);
		run_result_free(&b);
		scenario_free(plain);
		scenario_free(dbg);
	}
	cr_expect(result_field_known("exits.to_user.debug", NULL));
}

/* USE_HW_BP: eff_db/guest_debug_dr7 are the debugger's (kvm_update_dr7
 * takes guest_debug_dr7; __kvm_set_dr leaves eff_db alone), the guest
 * reads back its own DR7 and DR0 (42dbaa5a0574: "faked debug registers"),
 * its breakpoint never fires, the debugger's is a KVM_EXIT_DEBUG per hit
 * attributed to the host, not to the guest. */
Test(guest_debug_hw_bp, debugger_owns_hardware_guest_sees_its_own_values)
{
	struct scenario *sc = h_load_bundled("guest_debug_hw_bp");
	for (int v = 0; v < 2; v++) {
		struct run_result r;
		run(sc, "bp_enabled", v ? VENDOR_SVM : VENDOR_VMX, &r);
		uint64_t m;
		cr_assert(h_mem_u64(&r, 0x3000, &m));
		cr_expect_eq(m, 0x401, "guest read DR7 0x%llx", (unsigned long long)m);
		cr_assert(h_mem_u64(&r, 0x3008, &m));
		cr_expect_eq(m, 0x1101);
		cr_expect_eq(field(&r, "dr.final.hw.dr0"), 0x1100);
		cr_expect_eq(field(&r, "exits.to_user.debug"), 10);
		cr_expect_eq(field(&r, "db.host.delivered"), 10);
		cr_expect_eq(field(&r, "db.guest.missed"), 10);
		cr_expect_eq(field(&r, "db.guest.spurious"), 0);
		run_result_free(&r);
	}
	scenario_free(sc);
}

/* SINGLESTEP: one KVM_EXIT_DEBUG per instruction, whether the CPU ran it
 * (#DB exit, SDM 17.3.1.4) or KVM completed it (kvm_vcpu_do_singlestep
 * after CPUID), except HLT: kvm_emulate_halt() runs __kvm_emulate_halt()
 * after the skip, which with the local APIC in user space sets exit_reason
 * = KVM_EXIT_HLT over the KVM_EXIT_DEBUG ("TODO: we might be squashing a
 * GUESTDBG_SINGLESTEP-triggered KVM_EXIT_DEBUG here", x86.c, 4.10 on;
 * real kvm_amd 6.1 under TCG: guest_debug_singlestep 6 for 7 steps).  Five
 * instructions, four exits to user space; five exits (4 + HLT). */
Test(guest_debug_singlestep, one_exit_to_user_per_instruction)
{
	struct scenario *sc = h_load_guest("host:\n  guest_debug: {singlestep: true}\n",
					   "    nop\n    nop\n    cpuid\n    nop\n    hlt\n");
	for (int v = 0; v < 2; v++) {
		struct run_result r;
		run(sc, "bp_enabled", v ? VENDOR_SVM : VENDOR_VMX, &r);
		cr_expect_eq(field(&r, "exits.to_user.debug"), 4, "nop nop cpuid nop; not hlt");
		cr_expect_eq(field(&r, "db.host.delivered"), 4);
		cr_expect_eq(field(&r, "exits.total"), 5, "3 #DB + CPUID + HLT");
		cr_expect_eq(field(&r, "db.guest.delivered") + field(&r, "db.guest.missed") +
			     field(&r, "db.guest.spurious"), 0);
		cr_expect_eq(field(&r, "inject.db"), 0);
		run_result_free(&r);
	}
	scenario_free(sc);
}

/* USE_SW_BP: #BP intercepted (update_exception_bitmap wants ENABLE |
 * USE_SW_BP), KVM_EXIT_DEBUG per INT3; without it INT3 never exits. */
Test(guest_debug_sw_bp, int3_exits_to_user_only_with_sw_bp)
{
	/* with an IDT: without one the delivered #BP would triple-fault the
	 * guest (SDM Vol.3 6.15, issue 15 item 10) */
	static const char *body = "    lea rax, [rip + handler]\n    mov word ptr [rip + idt + 48], ax\n"
				  "    mov dword ptr [rip + idt + 50], 0x8e000008\n    shr eax, 16\n"
				  "    mov word ptr [rip + idt + 54], ax\n    lidt [rip + idtr]\n"
				  "    int3\n    nop\n    int3\n    hlt\n    handler: iretq\n"
				  "    idtr: .word 63\n    .quad idt\n    .balign 16\n    idt: .zero 64\n";
	struct scenario *with = h_load_guest("host:\n  guest_debug: {sw_bp: true}\n", body);
	struct scenario *without = h_load_guest("host:\n  guest_debug: true\n", body);
	for (int v = 0; v < 2; v++) {
		enum vendor vd = v ? VENDOR_SVM : VENDOR_VMX;
		struct run_result a, b;
		run(with, "bp_enabled", vd, &a);
		run(without, "bp_enabled", vd, &b);
		cr_expect_eq(field(&a, "exits.to_user.debug"), 2);
		cr_expect_eq(field(&a, "exits.total"), 3, "2 #BP + HLT");
		cr_expect_eq(field(&b, "exits.to_user.debug"), 0);
		cr_expect_eq(field(&b, "exits.total"), 1, "HLT only");
		run_result_free(&a);
		run_result_free(&b);
	}
	scenario_free(with);
	scenario_free(without);
}

/* KVM_SET_GUEST_DEBUG keeps every exception intercept the era's KVM keeps.
 * VMX update_exception_bitmap() recomputes the bitmap from a base that has
 * always held UD_VECTOR ("eb = (1u << PF_VECTOR) | (1u << UD_VECTOR)", 2.6.29
 * to today); SVM's update_db_bp_intercept() / svm_update_exception_bitmap()
 * clear and set only #DB/#BP and leave init_vmcb's #UD intercept alone.  So
 * a MOV from DR8 (REX.R: #UD, which has priority over the MOV-DR exit, SDM
 * 25.1.1 / APM 15.8) exits as a #UD exception (VMX EXCEPTION_NMI with
 * vector 6, SVM excp_ud 0x46) with and without a host debugger, in an era
 * with the debug intercept per guest_debug (linux-2.6.29) and today. */
Test(guest_debug_intercepts, ud_intercept_survives_set_guest_debug)
{
	static const char *body = "    lea rax, [rip+ud]\n    mov word ptr [rip+idt+96], ax\n"
				  "    mov dword ptr [rip+idt+98], 0x8e000008\n    shr eax, 16\n"
				  "    mov word ptr [rip+idt+102], ax\n    lidt [rip+idtr]\n"
				  "    mov rax, dr8\n    hlt\n"
				  "    ud:\n    add qword ptr [rsp], 4\n    iretq\n"
				  "    idtr: .word 127\n    .quad idt\n    .balign 16\n    idt: .zero 128\n";
	static const char *const heads[] = { "", "host:\n  guest_debug: true\n",
					     "host:\n  guest_debug:\n    hw_bp: [{slot: 0, addr: 0x5000, type: exec}]\n",
					     "host:\n  guest_debug: {sw_bp: true, singlestep: false}\n" };
	static const char *const policies[] = { "bp_enabled", "linux-2.6.29" };
	for (size_t h = 0; h < sizeof(heads) / sizeof(heads[0]); h++) {
		struct scenario *sc = h_load_guest(heads[h], body);
		for (size_t p = 0; p < 2; p++)
			for (int v = 0; v < 2; v++) {
				struct run_result r;
				run(sc, policies[p], v ? VENDOR_SVM : VENDOR_VMX, &r);
				cr_expect_eq(r.stop, STOP_HALT, "%s %s", heads[h], r.stop_msg);
				cr_expect_eq(field(&r, v ? "exits.by_reason.excp_ud" : "exits.by_reason.EXCEPTION_NMI"), 1,
					     "guest_debug '%s', %s@%s: the #UD exits", heads[h], policies[p], v ? "svm" : "vmx");
				cr_expect_eq(field(&r, "inject.ud"), 1, "handle_ud queues it back");
				run_result_free(&r);
			}
		scenario_free(sc);
	}
}

/* INJECT_DB: kvm_queue_exception(DB_VECTOR) at the ioctl, no payload. */
Test(guest_debug_inject, inject_db_queues_one_db)
{
	struct scenario *sc = h_load_guest("host:\n  guest_debug: {inject_db: true}\n", "    nop\n    hlt\n");
	struct run_result r;
	run(sc, "bp_enabled", VENDOR_VMX, &r);
	cr_expect_eq(field(&r, "inject.db"), 1);
	cr_expect_eq(field(&r, "exits.to_user.debug"), 0);
	run_result_free(&r);
	scenario_free(sc);
}

/* VMX handle_dr: GUEST_DR7.GD under USE_HW_BP is the debugger's
 * ("dr6 = DR6_BD | DR6_ACTIVE_LOW ... KVM_EXIT_DEBUG"), nothing is
 * injected; the debugger drops GD and the MOV exits again, emulated. */
Test(guest_debug_gd, vmx_gd_of_the_debugger_is_a_user_exit)
{
	struct scenario *sc = h_load_guest("vendor: vmx\nhost:\n  guest_debug:\n    gd: true\n"
					   "    hw_bp: [{slot: 0, addr: 0x5000, type: exec}]\n",
					   "    mov rax, dr6\n    hlt\n");
	struct run_result r;
	run(sc, "bp_enabled", VENDOR_VMX, &r);
	cr_expect_eq(field(&r, "exits.to_user.debug"), 1);
	cr_expect_eq(field(&r, "exits.by_reason.DR_ACCESS"), 2);
	cr_expect_eq(field(&r, "inject.db"), 0);
	cr_expect_eq(field(&r, "dr.emulated"), 1);
	run_result_free(&r);
	scenario_free(sc);
}

/* The /dev/kvm reference gets the control and the debugreg array. */
Test(guest_debug_ref, image_carries_control_and_debugregs)
{
	struct scenario *sc = h_load_bundled("guest_debug_hw_bp");
	struct kvm_image img;
	char err[512];
	cr_assert_eq(ref_image_build(sc, &img, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(img.spec.guest_debug, GUESTDBG_ENABLE | GUESTDBG_USE_HW_BP);
	cr_expect_eq(img.spec.guest_debug_dr[0], 0x1100);
	cr_expect_eq(img.spec.guest_debug_dr[7], 0x602);
	char *t = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&t, &n);
	cr_assert_eq(kvm_image_write(f, &img), 0);
	fclose(f);
	struct kvm_image back;
	cr_assert_eq(kvm_image_read(t, n, &back, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(back.spec.guest_debug, img.spec.guest_debug);
	cr_expect_eq(back.spec.guest_debug_dr[7], 0x602);
	kvm_image_free(&back);
	kvm_image_free(&img);
	free(t);
	scenario_free(sc);
}

/* On a machine with /dev/kvm, single-stepping on the real KVM ends at HLT
 * with KVM_EXIT_DEBUG exits; elsewhere the test skips. */
Test(guest_debug_ref, real_kvm_singlestep_or_skip)
{
	if (access("/dev/kvm", R_OK | W_OK))
		cr_skip_test("/dev/kvm is not available");
	char path[1024];
	snprintf(path, sizeof(path), "%s/scenarios/guest_debug_singlestep.yaml", h_srcdir());
	char *out = h_tmpdir("gdbg");
	char o[1200], e[1200];
	snprintf(o, sizeof(o), "%s/out", out);
	snprintf(e, sizeof(e), "%s/err", out);
	char *argv[] = { (char *)h_hvsim(), "kvm", path, NULL };
	int rc = h_spawn(argv, o, e);
	cr_expect(rc == 0 || rc == 3, "hvsim kvm: status %d", rc);
	if (rc == 0) {
		size_t len;
		char *text = h_slurp(o, &len);
		cr_expect(strstr(text, "KVM_EXIT_DEBUG:"), "%s", text);
		free(text);
	}
	h_rmtree(out);
	free(out);
}
