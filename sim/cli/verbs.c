/* verbs.c - the one verb table of `hvsim`: every verb's name, usage line,
 * summary, help text and handler (struct cmd, sim/cli/cmds.h), in the order
 * 'hvsim help' lists them.  The handlers live one per file,
 * sim/cli/cmd_<verb>.c; kvm and diff keep their strings in cmd_kvm.c. */
#include <string.h>
#include "sim/cli/cmds.h"
#include "sim/util/util.h"

const struct cmd verb_table[] = {
	{ { "run",
	    "hvsim run SCENARIO [-p POLICY]... [--vendor vmx|svm|both|none] [--format text|json] [-o FILE] [--cost MODEL]\n"
	    "                 [--trace FILE [--trace-insns]]",
	    "Run a scenario under each policy on each vendor and report the result.",
	    "options:\n"
	    "  -p, --policy POLICY  policy or scenario variant to run; repeatable; \"all\" = every\n"
	    "                       policy and variant (default: the scenario's `policies`)\n"
	    "      --vendor V       vmx, svm, both (vmx then svm) or none (bare metal)\n"
	    "                       (default: the scenario's `vendor`)\n"
	    "      --format F       text: a perf-kvm-stat style table per run (default);\n"
	    "                       json: one document {\"schema\":\"hvsim-result\",\"version\":1,\"runs\":[...]}\n"
	    "  -o, --output FILE    write to FILE, atomically (\"-\" = standard output, the default)\n"
	    "      --cost MODEL     cost model name or .cost file, instead of the scenario's; it must\n"
	    "                       describe the run's vendor (its @vendor line, 'hvsim list costs'):\n"
	    "                       an AMD model cannot price a vmx run and is refused (exit 4)\n"
	    "      --trace FILE     write the event trace (JSONL, docs/trace-schema.md) to FILE,\n"
	    "                       atomically; one header line opens each run ('hvsim trace FILE')\n"
	    "      --trace-insns    also trace every guest instruction (Capstone text; slow)\n"
	    "\nRuns go policy by policy, each on every vendor.  The result fields are listed by\n"
	    "'hvsim list fields' and documented in docs/result-schema.md.  While it runs, a progress\n"
	    "line (runs done, the one under way, seconds) goes to standard error if it is a terminal.\n" },
	  cmd_run },
	{ { "check",
	    "hvsim check SCENARIO... [-p POLICY]... [--vendor vmx|svm|both|none] [--cost MODEL]",
	    "Run scenarios and evaluate their `expect` entries.",
	    "Prints one line per evaluated expectation and run, then a summary:\n"
	    "  PASS: scenario/policy@vmx exits.by_reason.DR_ACCESS == 1\n"
	    "  FAIL: scenario/policy@vmx db.guest.missed == 0: want 0, got 1\n"
	    "  SUMMARY: 12 checks, 1 failed\n"
	    "A run whose guest stops abnormally fails unless an expectation of that run\n"
	    "tests guest.stop.  Options as for 'hvsim run'.\n" },
	  cmd_check },
	{ { "compare",
	    "hvsim compare SCENARIO [-p POLICY]... [--baseline POLICY] [--vendor V] "
	    "[--format text,json,md,csv,html] [-o FILE] [--jobs N] [--cost MODEL|A,B,...|all]",
	    "Run a scenario under several policies and compare them side by side.",
	    "options:\n"
	    "  -p, --policy POLICY  policy or scenario variant to compare; repeatable; \"all\" = every\n"
	    "                       preset and variant (default: the scenario's `policies`)\n"
	    "      --baseline P     the policy the others are measured against (default: the first)\n"
	    "      --vendor V       vmx, svm, both or none (default: the scenario's `vendor`)\n"
	    "      --format F[,F]   text (default), json, md, csv, html (a self-contained page with the\n"
	    "                       robustness section); several at once, comma-separated\n"
	    "  -o, --output FILE    write to FILE, atomically (\"-\" = standard output, the default);\n"
	    "                       with several formats FILE is a stem: FILE.txt, FILE.json, FILE.md,\n"
	    "                       FILE.csv, FILE.html (a trailing extension on FILE is dropped first)\n"
	    "      --jobs N         runs in parallel, 1-256 (default 2); the output does not depend on N\n"
	    "      --cost MODEL     cost model name or .cost file, instead of the scenario's;\n"
	    "                       NAME+nomitig = NAME with its mitig.* entries at 0.  A list A,B,...\n"
	    "                       or \"all\" (every bundled model) runs the comparison under each and\n"
	    "                       adds the robustness summary: per policy pair, whether the ordering\n"
	    "                       and the \"x times\" figure hold under every model and at both ends of\n"
	    "                       every [LOW..HIGH] range, or which entries flip it (break-even price);\n"
	    "                       a column runs only under the models whose @vendor is its vendor,\n"
	    "                       and the table shows it under the first of them\n"
	    "                       (docs/cost-models.md).  One model of the other vendor: exit 4\n"
	    "\n"
	    "Columns are POLICY@VENDOR: the vmx columns first, then the svm columns, each in policy\n"
	    "order.  Rows: guest.stop; exits.by_reason.NAME for every reason some run saw;\n"
	    "exits.total; dr.guest_loads, dr.host_restores, dr.syncs; dr.hw_reads.total and\n"
	    "dr.hw_writes.total (sums over DR0-DR7) and the registers some run touched; vmcs.reads,\n"
	    "vmcs.writes; cycles.total and per category; db.guest.* and db.host.* (delivered, missed,\n"
	    "spurious); violations.count.  A cell is \"-\" when the field does not exist on that\n"
	    "vendor and \"error\" when the run could not be made (the reason follows the table).\n"
	    "The summary compares every column with the baseline policy on the same vendor (cycles,\n"
	    "exits, DR loads, DR accesses) and names its #DB misses, spurious #DBs and violations.\n"
	    "JSON: {\"schema\":\"hvsim-compare\",\"version\":1,...,\"columns\":[...],\"runs\":[...],\n"
	    "\"errors\":[...],\"table\":[...],\"summary\":[...]}: runs as 'hvsim run --format json'\n"
	    "writes them (the columns that ran), errors for the others, table values per column;\n"
	    "CSV holds the table.\n"
	    "\n"
	    "A progress line (runs done, seconds) goes to standard error if it is a terminal.\n"
	    "\n"
	    "compare exits 0 once the table is produced, even if a guest stopped abnormally (that\n"
	    "is what it compares) or a column's vendor is not implemented; bad input in the\n"
	    "scenario (e.g. an unknown variant knob) fails with 4 and writes nothing.\n" },
	  cmd_compare },
	{ { "sweep",
	    "hvsim sweep [SCENARIO|DIR]... [-p POLICY]... [--vendor V] [--cost A,B,...|all] "
	    "[--format csv|json] [-o FILE] [--summary FILE] [--baseline P] [--jobs N] [--shard I/N]",
	    "Run every scenario x policy x vendor x cost model on all cores into one CSV/JSON file.",
	    "arguments:\n"
	    "  SCENARIO|DIR         scenario files, or directories whose *.yaml are taken in name\n"
	    "                       order (default: the bundled scenarios, see 'hvsim help list')\n"
	    "options:\n"
	    "  -p, --policy POLICY  policy or variant; repeatable (default \"all\": every preset and\n"
	    "                       the scenario's variants, as 'hvsim run -p all')\n"
	    "      --vendor V       vmx, svm, both or none (default: each scenario's `vendor`)\n"
	    "      --cost A,B,...   cost models (names or .cost files, NAME+nomitig; \"all\" = every\n"
	    "                       bundled model), each run once per model whose @vendor is the\n"
	    "                       run's vendor (default: each scenario's own)\n"
	    "      --format F       csv (default, or json if FILE ends in .json) or json\n"
	    "  -o, --output FILE    write to FILE, atomically (\"-\" = standard output, the default)\n"
	    "      --summary FILE   with several models: the robustness summary, per scenario the\n"
	    "                       report of 'hvsim compare --cost' (per policy pair, whether the\n"
	    "                       ordering and the \"x times\" figure hold under every model and\n"
	    "                       range end); text, or Markdown/JSON/HTML by FILE's .md/.json/.html\n"
	    "                       (default: standard output when -o names a file)\n"
	    "      --baseline P     the policy the summary measures the others against (default:\n"
	    "                       each scenario's first)\n"
	    "  -j, --jobs N         runs in parallel, 1-256 (default: the number of CPUs)\n"
	    "      --shard I/N      run only the I-th of N contiguous slices of the job list\n"
	    "                       (0 <= I < N), for job arrays; see docs/sweep.md\n"
	    "\n"
	    "Jobs are ordered scenario, then policy, then vendor, then cost model (bare metal,\n"
	    "vendor none, runs once per scenario: it has no policy); the output is in that order\n"
	    "whatever --jobs is.  CSV: one row per run, first column `index` (the\n"
	    "run's position in the whole job list, so shards can be merged), then every field of\n"
	    "'hvsim list fields' (exits.* columns for the reasons of both vendors; a cell is empty\n"
	    "when the field does not exist for the run's vendor).  JSON: the document of\n"
	    "'hvsim run --format json' with every run.  A progress line (done/total, runs/s, time\n"
	    "left) goes to standard error when it is a terminal.  Runs of a vendor that this\n"
	    "build does not implement are left out, with a note on standard error.  With --shard\n"
	    "the summary covers the scenarios whose runs are all in the shard and names the others.\n"
	    "\n"
	    "sweep exits 0 once the file is written, even if guests stopped abnormally (guest.stop\n"
	    "records it); 2 for a usage error (--summary with one model, an unknown --baseline);\n"
	    "4 if a scenario, policy or cost model is bad (also: a listed model describes none of\n"
	    "the vendors swept, or the one model is not of a run's vendor) or a run cannot be made\n"
	    "(nothing is written); 6 if a run ended with an internal error (the files are written).\n" },
	  cmd_sweep },
	{ { "validate",
	    "hvsim validate SCENARIO...",
	    "Load and assemble scenarios and check policy names and expectation fields.",
	    "Prints \"ok: FILE\" for each valid file; problems go to stderr as file:line:col: message.\n" },
	  cmd_validate },
	{ { "disasm",
	    "hvsim disasm SCENARIO",
	    "Disassemble a scenario's guest code and host snippets, marking the sites.",
	    "Instructions the simulator treats specially (MOV DR, CPUID, HLT, IN/OUT, VMCALL,\n"
	    "VMMCALL, ICEBP, IRET, RDMSR, WRMSR) end with \"; site: NAME\".\n" },
	  cmd_disasm },
	{ { "trace",
	    "hvsim trace FILE [--format text|chrome|svg] [-F EVENT[,EVENT...]] [--no-timestamps] [--run N] "
	    "[-o OUT]",
	    "Render a JSONL event trace (hvsim run --trace FILE) as text, Chrome JSON or SVG.",
	    "options:\n"
	    "      --format F       text: the lines of trace-cmd report (default), e.g.\n"
	    "                                    hvsim-0     [000] d..1.     0.000368: kvm_exit: vcpu 0\n"
	    "                           reason DR_ACCESS rip 0x103b info1 ... intr_info 0x00000000 ...\n"
	    "                         seconds = cycles / cpu.hz of the run's cost model (shown in a\n"
	    "                         '# clock' line)\n"
	    "                       chrome: Chrome/Perfetto trace-event JSON (ui.perfetto.dev,\n"
	    "                         chrome://tracing); pid = run (policy), tid = vcpu; the same clock\n"
	    "                       svg: the timeline strip of one run (--run), with OUT.csv and\n"
	    "                         OUT.json (the data behind it) next to OUT.svg\n"
	    "  -F, --event E,...    text: only these events (trace-cmd report -F; 'kvm:kvm_exit' is\n"
	    "                       accepted; 'hvsim list events' has the names)\n"
	    "      --no-timestamps  text: leave out the time column (diffable traces)\n"
	    "      --run N          svg: which run of the file (1 = first, the default)\n"
	    "  -o, --output OUT     write to OUT atomically (default: standard output)\n"
	    "\nThe trace format is docs/trace-schema.md ('hvsim list events --format md').\n" },
	  cmd_trace },
	{ { "report",
	    "hvsim report RESULT.json [--event vmexit|dr|db] [-k sample|time] [--vcpu N] "
	    "[--format text|md|csv|json|svg|html] [-o OUT]",
	    "Render a saved result (hvsim run/compare --format json) without re-simulating.",
	    "options:\n"
	    "      --event E        vmexit: exits by reason (default), as perf kvm stat report;\n"
	    "                       dr: DR accesses keyed DRn:W / DRn:R, guest MOV-DR exits and\n"
	    "                         the hypervisor's hardware accesses;\n"
	    "                       db: #DB delivered / missed / spurious per slot, guest and host\n"
	    "      --format F       text (default), md, csv, json: the table(s) of --event;\n"
	    "                       svg: charts exits.svg (exits per policy) and cycles.svg (cycles by\n"
	    "                         category), each with its .csv and .json, into directory OUT\n"
	    "                         (default: the current directory);\n"
	    "                       html: one self-contained page with all tables and charts\n"
	    "  -k, --key K          sort the rows as perf kvm stat report -k: sample (by samples,\n"
	    "                       the default) or time (by average cycles)\n"
	    "      --vcpu N         only events of vCPU N (hvsim simulates vCPU 0 only: 0 is the one\n"
	    "                       value accepted; the header then says \"VCPU 0\")\n"
	    "  -o, --output OUT     output file, or directory for svg (default: standard output)\n"
	    "\nUnits are modeled cycles.  Time columns that the result does not record per row\n"
	    "print '-'.  Text and Markdown tables name exit reasons as the kernel prints them (SVM:\n"
	    "\"DB excp\", \"io\", \"interrupt\", ...); CSV and JSON keep the result's field names\n"
	    "(exits.by_reason.excp_db, ...): docs/result-schema.md has the mapping.\n" },
	  cmd_report },
	{ { "explain",
	    "hvsim explain SCENARIO [-p POLICY] [--vendor vmx|svm|none] [--format text|html] [-o FILE]",
	    "Narrate one run: what each exit, DR load/restore and #DB means, in plain words.",
	    "options:\n"
	    "  -p, --policy POLICY  the policy to narrate (default: the scenario's first)\n"
	    "      --vendor V       vmx, svm or none (default: the scenario's; both = vmx)\n"
	    "      --format F       text (default): numbered paragraphs;\n"
	    "                       html: one self-contained page with the timeline, the charts\n"
	    "                         (every policy the scenario lists, plus POLICY) and the steps\n"
	    "  -o, --output FILE    write to FILE atomically (default: standard output)\n"
	    "      --width N        text: wrap at N columns (default 78)\n"
	    "\nRepeated identical stretches (a guest loop) are told once.\n" },
	  cmd_explain },
	{ { "step",
	    "hvsim step SCENARIO [-p POLICY] [--vendor vmx|svm|none]",
	    "Step through a run interactively (commands from standard input).",
	    "commands (at the prompt hvsim:N>), in the words of gdb and the Bochs debugger:\n"
	    "  s [N]                 execute N guest instructions (default 1; empty line: s)\n"
	    "  c                     continue (to a breakpoint, Ctrl-C or the end of the run)\n"
	    "  until exit [REASON]   run to the next VM exit (of that reason: info exits);\n"
	    "                        stops before the hypervisor handles it\n"
	    "  until rip ADDR        run until the guest is about to execute ADDR\n"
	    "  b ADDR                breakpoint of the debugger (not a guest DR): stop before\n"
	    "                        the guest executes ADDR\n"
	    "  d [N]...              delete breakpoints N (all without N)\n"
	    "  info b                breakpoints, with their hit counts\n"
	    "  x/NFU ADDR            N units of guest memory in hex, U = b|h|w|g (1, 2, 4, 8\n"
	    "                        bytes; default w): x/4x 0x80000, x/8xb LABEL, x/2xg $rsp\n"
	    "  disas [ADDR] [N]      N instructions (default 8) from ADDR (default: here)\n"
	    "  info dr, dreg         guest, hardware, KVM and host DRs, DR7 decoded, VMCS or\n"
	    "                        VMCB DR fields, switch_db_regs\n"
	    "  info dr cpu N, dreg N the same as physical CPU N sees it (the host world)\n"
	    "  info cpus             every physical CPU: its task, vCPU and hardware DRs\n"
	    "  info vmcs             every VMCS (VMX) or VMCB (SVM) field hvsim models\n"
	    "  info policy           the policy in force and its knobs\n"
	    "  info regs, regs       guest registers\n"
	    "  info exits            the vendor's exit reasons\n"
	    "  trace on|off          print every event (trace-cmd style) as it happens\n"
	    "  r                     restart the run from the beginning (keeps breakpoints)\n"
	    "  help                  this list\n"
	    "  q                     quit (end of input also quits)\n"
	    "\nADDR: a number, a label of the scenario's asm (LABEL, LABEL+N), $rip, $rax ...\n"
	    "A bad command or argument prints one error line and changes nothing.  Exits and\n"
	    "#DBs are always reported in one line.  On a terminal: line editing and history\n"
	    "(libedit), Ctrl-C stops `c` and returns to the prompt.  Reading a script:\n"
	    "  printf 'until exit DR_ACCESS\\ndreg\\nc\\n' | hvsim step s.yaml -p bp_enabled\n" },
	  cmd_step },
	{ { "kvm", cmd_kvm_usage, cmd_kvm_summary, cmd_kvm_help }, cmd_kvm },
	{ { "diff", cmd_diff_usage, cmd_diff_summary, cmd_diff_help }, cmd_diff },
	{ { "list",
	    "hvsim list policies [--knobs]|knobs|scenarios|fields|costs|events",
	    "List policies (with --knobs: every preset's knob values), knobs, bundled scenarios, result fields or cost models.",
	    "Bundled scenarios and cost models are read from the installed data directory\n"
	    "(PREFIX/share/hvsim next to PREFIX/bin/hvsim), else from $HVSIM_SOURCE_DIR, else from\n"
	    "the source tree hvsim was built from.\n" },
	  cmd_list },
	{ { "version",
	    "hvsim version", "Print the version.", "" },
	  cmd_version },
	{ { "help",
	    "hvsim help [COMMAND] | --man", "Show help for hvsim or one command.",
	    "options:\n"
	    "      --man            the manual page hvsim(1) (roff), made of this same help text:\n"
	    "                       'hvsim help --man | man -l -'\n" },
	  cmd_help },
	{ { NULL, NULL, NULL, NULL }, NULL },
};

const struct cmd *verb_find(const char *name)
{
	for (const struct cmd *c = verb_table; c->spec.name; c++)
		if (strcmp(c->spec.name, name) == 0)
			return c;
	return NULL;
}

int verb_unknown(const char *name)
{
	struct util_near near;
	char hint[96];
	util_near_init(&near, name, strlen(name));
	for (const struct cmd *c = verb_table; c->spec.name; c++)
		util_near_offer(&near, c->spec.name);
	return verb_usage(NULL, "unknown command '%s'%s", name, util_near_hint(&near, hint, sizeof(hint)));
}

void verb_general_help(FILE *f)
{
	fprintf(f, "usage: hvsim COMMAND [ARGS]\n\n"
		   "hvsim simulates x86 VMX/SVM debug-register switching policies.\n\ncommands:\n");
	for (const struct cmd *c = verb_table; c->spec.name; c++)
		fprintf(f, "  %-9s %s\n", c->spec.name, c->spec.summary);
	fprintf(f, "\n%s\nSee 'hvsim help COMMAND' or 'hvsim COMMAND --help' for the options of a command.\n",
		verb_exit_codes);
}

int verb_parse_pos(const struct cmd *c, int argc, char **argv, const char ***pos, size_t *npos)
{
	*pos = util_xcalloc((size_t)argc + 1, sizeof(**pos));
	return verb_parse_with(&c->spec, verb_help_full, argc, argv, NULL, *pos, (size_t)argc, npos);
}
