/* cmds.h - the reporting and teaching verbs (one file each,
 * sim/cmd_<verb>.c) and the strings of their rows in the command table of
 * sim/cli.c:
 *   { "trace", cmd_trace, CMD_TRACE_USAGE, CMD_TRACE_SUMMARY, CMD_TRACE_HELP },
 * The verbs get argv with argv[0] = the verb, like cli.c's own. */
#ifndef HVSIM_SIM_CMDS_H
#define HVSIM_SIM_CMDS_H

struct cmd;

int cmd_trace(const struct cmd *c, int argc, char **argv);
int cmd_report(const struct cmd *c, int argc, char **argv);
int cmd_explain(const struct cmd *c, int argc, char **argv);
int cmd_step(const struct cmd *c, int argc, char **argv);
/* `hvsim list events [--format text|md]` (argv[0] = "events"). */
int cmd_list_events(int argc, char **argv);

#define CMD_TRACE_USAGE \
	"hvsim trace FILE [--format text|chrome|svg] [--no-timestamps] [--run N] [-o OUT]"
#define CMD_TRACE_SUMMARY "Render a JSONL event trace (hvsim run --trace FILE) as text, Chrome JSON or SVG."
#define CMD_TRACE_HELP \
	"options:\n" \
	"      --format F       text: trace-cmd style lines (default), e.g.\n" \
	"                         hvsim-0 [000] 1105: kvm_exit: vcpu 0 reason DR_ACCESS rip 0x103b ...\n" \
	"                       chrome: Chrome/Perfetto trace-event JSON (ui.perfetto.dev,\n" \
	"                         chrome://tracing); pid = run (policy), tid = vcpu; timestamps\n" \
	"                         assume a nominal 1 GHz clock (1 cycle = 1 ns)\n" \
	"                       svg: the timeline strip of one run (--run), with OUT.csv and\n" \
	"                         OUT.json (the data behind it) next to OUT.svg\n" \
	"      --no-timestamps  text: leave out the cycle column (diffable traces)\n" \
	"      --run N          svg: which run of the file (1 = first, the default)\n" \
	"  -o, --output OUT     write to OUT atomically (default: standard output)\n" \
	"\nThe trace format is docs/trace-schema.md ('hvsim list events --format md').\n"

#define CMD_REPORT_USAGE \
	"hvsim report RESULT.json [--event vmexit|dr|db] [--format text|md|csv|json|svg|html] [-o OUT]"
#define CMD_REPORT_SUMMARY "Render a saved result (hvsim run/compare --format json) without re-simulating."
#define CMD_REPORT_HELP \
	"options:\n" \
	"      --event E        vmexit: exits by reason (default), as perf kvm stat report;\n" \
	"                       dr: DR accesses keyed DRn:W / DRn:R, guest MOV-DR exits and\n" \
	"                         the hypervisor's hardware accesses;\n" \
	"                       db: #DB delivered / missed / spurious per slot, guest and host\n" \
	"      --format F       text (default), md, csv, json: the table(s) of --event;\n" \
	"                       svg: charts exits.svg (exits per policy) and cycles.svg (cycles by\n" \
	"                         category), each with its .csv and .json, into directory OUT\n" \
	"                         (default: the current directory);\n" \
	"                       html: one self-contained page with all tables and charts\n" \
	"  -o, --output OUT     output file, or directory for svg (default: standard output)\n" \
	"\nUnits are modeled cycles.  Time columns that the result does not record per row\n" \
	"print '-'.\n"

#define CMD_EXPLAIN_USAGE \
	"hvsim explain SCENARIO [-p POLICY] [--vendor vmx|svm|none] [--format text|html] [-o FILE]"
#define CMD_EXPLAIN_SUMMARY "Narrate one run: what each exit, DR load/restore and #DB means, in plain words."
#define CMD_EXPLAIN_HELP \
	"options:\n" \
	"  -p, --policy POLICY  the policy to narrate (default: the scenario's first)\n" \
	"      --vendor V       vmx, svm or none (default: the scenario's; both = vmx)\n" \
	"      --format F       text (default): numbered paragraphs;\n" \
	"                       html: one self-contained page with the timeline, the charts\n" \
	"                         (every policy the scenario lists, plus POLICY) and the steps\n" \
	"  -o, --output FILE    write to FILE atomically (default: standard output)\n" \
	"      --width N        text: wrap at N columns (default 78)\n" \
	"\nRepeated identical stretches (a guest loop) are told once.\n"

#define CMD_STEP_USAGE "hvsim step SCENARIO [-p POLICY] [--vendor vmx|svm|none]"
#define CMD_STEP_SUMMARY "Step through a run interactively (commands from standard input)."
#define CMD_STEP_HELP \
	"commands (at the prompt hvsim:N>):\n" \
	"  s [n]               execute n guest instructions (default 1)\n" \
	"  c                   continue to the end of the run\n" \
	"  until exit [REASON] run until the next VM exit (of that reason); stops before\n" \
	"                      the hypervisor handles it\n" \
	"  until rip ADDR      run until the guest is about to execute ADDR\n" \
	"  dreg                guest DRs, hardware DRs, VMCS/VMCB DR fields, switch_db_regs,\n" \
	"                      DR7 decoded\n" \
	"  r                   guest registers\n" \
	"  trace on|off        print every event (trace-cmd style) as it happens\n" \
	"  help                this list\n" \
	"  q                   quit (end of input also quits)\n" \
	"\nExits and #DBs are always reported in one line.  Reading a script:\n" \
	"  printf 'until exit DR_ACCESS\\ndreg\\nc\\n' | hvsim step s.yaml -p bp_enabled\n"

#endif
