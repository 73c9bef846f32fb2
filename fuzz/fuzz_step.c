/* fuzz_step.c - libFuzzer target: arbitrary bytes as the command stream of
 * `hvsim step SCENARIO` (standard input; sim/cli/cmd_step.c reads it,
 * sim/cli/step_cmds.c interprets each line).  The scenario is a small fixed
 * guest that loops, writes DR0/DR7, takes #DBs and VM exits, under a
 * 20 000-instruction budget, on VMX or SVM (the first input byte's low bit;
 * the rest is the stream).  Any stream must end with exit 0 (or 7 when the
 * guest stops abnormally), every error one line (fuzz/fuzz_util.h); no
 * crash, leak or hang. */
#define _GNU_SOURCE
#include "fuzz/fuzz_util.h"

static const char scenario[] =
	"version: 1\n"
	"name: fuzz_step\n"
	"summary: a small guest for the step fuzzer\n"
	"vendor: both\n"
	"guest:\n"
	"  base: 0x1000\n"
	"  asm: |\n"
	"    lea rax, [rip + handler]\n"
	"    mov word ptr [rip + idt + 16], ax\n"
	"    mov dword ptr [rip + idt + 18], 0x8e000008\n"
	"    shr eax, 16\n"
	"    mov word ptr [rip + idt + 22], ax\n"
	"    lidt [rip + idtr]\n"
	"    lea rax, [rip + target]\n"
	"    mov dr0, rax\n"
	"    mov eax, 0x000d0001\n"
	"    mov dr7, rax\n"
	"    mov ecx, 50\n"
	"    loop:\n"
	"    mov dword ptr [rip + target], ecx\n"
	"    out 0x80, al\n"
	"    mov rax, dr6\n"
	"    dec ecx\n"
	"    jnz loop\n"
	"    hlt\n"
	"    handler: iretq\n"
	"    .balign 4\n"
	"    target: .long 0\n"
	"    idtr: .word 31\n"
	"    .quad idt\n"
	"    .balign 16\n"
	"    idt: .zero 32\n"
	"  limits: {instructions: 20000}\n"
	"host:\n"
	"  breakpoints:\n"
	"    - { slot: 1, addr: 0x7ff00100, type: write, len: 4, kind: perf }\n"
	"  timer: { period: 97 }\n";

static char scen_path[4200];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup();
	snprintf(scen_path, sizeof scen_path, "%s", fuzz_file("step.yaml", (const uint8_t *)scenario,
							       sizeof(scenario) - 1));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (64u << 10))
		return 0;
	const char *in = fuzz_file("stdin", data + 1, size - 1);
	int fd = open(in, O_RDONLY), saved = dup(0);
	if (fd < 0 || saved < 0)
		abort();
	dup2(fd, 0);
	close(fd);
	char *av[] = { "step", scen_path, "--vendor", (data[0] & 1) ? "svm" : "vmx", NULL };
	fuzz_hvsim("07", av);
	dup2(saved, 0);
	close(saved);
	return 0;
}
