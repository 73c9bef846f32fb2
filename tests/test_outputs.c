/* test_outputs.c - output files are safe (docs/errors.md, "Output files";
 * sim/util/outfile.h):
 *   - no verb writes an output or side file over one of its inputs or over
 *     another of its outputs: refused before anything is written, exit 4,
 *     one line "OUTPUT:0:0: ..." (one test per verb that writes files);
 *   - temporaries come from mkstemp in the target directory, a planted
 *     symlink is never followed, the mode honours the umask;
 *   - -o to a symlink writes through it (the link stays), -o to a dangling
 *     link is refused, /dev/null and a FIFO are written directly;
 *   - two processes writing one output leave one complete output, never a
 *     mix; SIGINT/SIGTERM leaves no temporary and no partial output;
 *   - a standard-output write error is reported once, exit 4, by every
 *     verb.
 * The command-line tests use the binary named by $HVSIM (set by ctest) and
 * are skipped without it. */
#define _GNU_SOURCE
#include <signal.h>
#include <time.h>

#include "sim/util/outfile.h"
#include "tests/harness.h"

H_TMPDIR_SUITE(outputs, "hvsim-out", 300);

/* ---- helpers ---------------------------------------------------------------- */

static const char *scenario(const char *name)
{
	static char p[64][1024];
	static int k;
	const char *src = getenv("HVSIM_SOURCE_DIR");
	char *b = p[k++ & 63];
	snprintf(b, 1024, "%s/scenarios/%s", src && *src ? src : ".", name);
	return b;
}

static char *path_in(const char *name)
{
	static char p[256][1024];
	static int k;
	char *b = p[k++ & 255];
	snprintf(b, 1024, "%s/%s", dir, name);
	return b;
}

#define slurp h_slurp

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	cr_assert(f, "cannot write %s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static void copy_file(const char *from, const char *to)
{
	char *s = slurp(from, NULL);
	cr_assert(s, "cannot read %s", from);
	write_file(to, s);
	free(s);
}

/* Start $HVSIM args... (NULL-terminated) with stdout to `out` (NULL =
 * DIR/.stdout) and stderr to DIR/.stderr. */
static pid_t start(const char *out, const char *const *args)
{
	char *argv[40];
	int k = 0;
	argv[k++] = (char *)h_hvsim();
	for (int i = 0; args[i] && k < 39; i++)
		argv[k++] = (char *)args[i];
	argv[k] = NULL;
	return h_start(argv, out ? out : path_in(".stdout"), path_in(".stderr"));
}

#define wait_status h_wait

/* Run to completion; returns the exit status (-SIG if killed). */
static int run_to(const char *out, const char *const *args)
{
	return wait_status(start(out, args));
}
#define RUN(...) run_to(NULL, (const char *const[]){ __VA_ARGS__, NULL })

static char *err_text(void)
{
	char *e = slurp(path_in(".stderr"), NULL);
	cr_assert(e);
	return e;
}

/* stderr is exactly one line starting with prefix and containing frag. */
static void assert_one_line(const char *prefix, const char *frag)
{
	char *e = err_text();
	size_t len = strlen(e);
	cr_assert(len > 0 && e[len - 1] == '\n' && !memchr(e, '\n', len - 1), "stderr is not one line: \"%s\"", e);
	cr_assert(!strncmp(e, prefix, strlen(prefix)), "stderr does not start with \"%s\": %s", prefix, e);
	cr_assert(strstr(e, frag), "stderr lacks \"%s\": %s", frag, e);
	free(e);
}

/* The directory holds exactly the names given (NULL-terminated), dot
 * files (temporaries) included, besides the captured .stdout/.stderr. */
static void assert_dir_holds(const char *const *names)
{
	DIR *d = opendir(dir);
	cr_assert(d);
	for (struct dirent *de; (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, ".stdout") ||
		    !strcmp(de->d_name, ".stderr"))
			continue;
		bool ok = false;
		for (int i = 0; names[i]; i++)
			ok |= !strcmp(names[i], de->d_name);
		cr_assert(ok, "unexpected file left in the output directory: %s", de->d_name);
	}
	closedir(d);
}
#define HOLDS(...) assert_dir_holds((const char *const[]){ __VA_ARGS__, NULL })

static void assert_same_bytes(const char *path, const char *want)
{
	char *got = slurp(path, NULL);
	cr_assert(got, "%s is missing", path);
	cr_assert_str_eq(got, want, "%s changed", path);
	free(got);
}

#define SCEN "vmx_bp_with_host_bp.yaml"

/* ---- 1. no output over an input or over another output ------------------------ */

Test(outputs, trace_svg_side_file_never_replaces_the_input_trace)
{
	/* the reported bug: -o x.svg derives x.csv and x.json; x.json is the input */
	const char *x = path_in("x.json");
	cr_assert_eq(RUN("run", scenario(SCEN), "--trace", x, "-o", "/dev/null"), 0);
	char *before = slurp(x, NULL);
	cr_assert_eq(RUN("trace", x, "--format", "svg", "-o", path_in("x.svg")), 4);
	char prefix[1100];
	snprintf(prefix, sizeof prefix, "%s:0:0: ", x);
	assert_one_line(prefix, "refusing to overwrite the input");
	assert_same_bytes(x, before);
	HOLDS("x.json");
	/* and the plain formats onto the input itself */
	cr_assert_eq(RUN("trace", x, "-o", x), 4);
	cr_assert_eq(RUN("trace", x, "--format", "chrome", "-o", x), 4);
	assert_same_bytes(x, before);
	/* elsewhere it works, with its two side files */
	cr_assert_eq(RUN("trace", x, "--format", "svg", "-o", path_in("t.svg")), 0);
	HOLDS("x.json", "t.svg", "t.csv", "t.json");
	free(before);
}

Test(outputs, run_never_replaces_its_scenario_cost_model_or_trace)
{
	const char *s = path_in("s.yaml"), *cost = path_in("my.cost");
	char *costsrc = slurp(scenario("../cpu/costs/default.cost"), NULL);
	cr_assert(costsrc);
	write_file(cost, costsrc);
	char *text = slurp(scenario(SCEN), NULL);
	/* a scenario whose cost model is a file next to it */
	char *p = strstr(text, "\nguest:");
	cr_assert(p);
	char yaml[65536];
	snprintf(yaml, sizeof yaml, "%.*s\ncpu: {model: my.cost}%s", (int)(p - text), text, p);
	write_file(s, yaml);
	cr_assert_eq(RUN("run", s, "-o", path_in("ok.txt")), 0, "%s", err_text());
	unlink(path_in("ok.txt"));

	cr_assert_eq(RUN("run", s, "-o", s), 4);
	assert_one_line(s, "refusing to overwrite the input");
	cr_assert_eq(RUN("run", s, "--trace", s, "-o", "/dev/null"), 4);
	cr_assert_eq(RUN("run", s, "-o", cost), 4);
	assert_one_line(cost, "refusing to overwrite the input");
	cr_assert_eq(RUN("run", s, "--cost", cost, "-o", cost), 4);
	/* through a symlink and a hard link */
	cr_assert_eq(symlink("s.yaml", path_in("link.yaml")), 0);
	cr_assert_eq(RUN("run", s, "-o", path_in("link.yaml")), 4);
	cr_assert_eq(link(s, path_in("hard.yaml")), 0);
	cr_assert_eq(RUN("run", s, "-o", path_in("hard.yaml")), 4);
	/* the result and the trace into one file (not there yet, two spellings) */
	char dotted[1100];
	snprintf(dotted, sizeof dotted, "%s/./r.json", dir);
	cr_assert_eq(RUN("run", s, "-o", path_in("r.json"), "--trace", dotted), 4);
	assert_one_line(dotted, "refusing to write the same file twice");
	assert_same_bytes(s, yaml);
	assert_same_bytes(cost, costsrc);
	HOLDS("s.yaml", "my.cost", "link.yaml", "hard.yaml");
	free(text);
	free(costsrc);
}

Test(outputs, compare_never_replaces_its_scenario_and_its_outputs_differ)
{
	const char *s = path_in("s.yaml");
	copy_file(scenario(SCEN), s);
	char *before = slurp(s, NULL);
	cr_assert_eq(RUN("compare", s, "-o", s), 4);
	assert_one_line(s, "refusing to overwrite the input");
	/* several formats: FILE is a stem, s.yaml -> s.yaml.txt, ...: fine; but
	 * a stem whose .txt is the input is refused */
	copy_file(s, path_in("c.txt"));
	cr_assert_eq(RUN("compare", path_in("c.txt"), "--format", "text,json", "-o", path_in("c")), 4);
	assert_one_line(path_in("c.txt"), "refusing to overwrite the input");
	assert_same_bytes(s, before);
	HOLDS("s.yaml", "c.txt");
	free(before);
}

Test(outputs, sweep_never_replaces_a_scenario_or_cost_model)
{
	const char *s = path_in("s.yaml"), *cost = path_in("c.cost");
	copy_file(scenario(SCEN), s);
	copy_file(scenario("../cpu/costs/default.cost"), cost);
	cr_assert_eq(RUN("sweep", s, "-p", "bp_enabled", "-o", s), 4);
	assert_one_line(s, "refusing to overwrite the input");
	char costs[1200];
	snprintf(costs, sizeof costs, "default,%s", cost);
	cr_assert_eq(RUN("sweep", s, "-p", "bp_enabled", "--cost", costs, "-o", cost), 4);
	cr_assert_eq(RUN("sweep", dir, "-p", "bp_enabled", "-o", s), 4);
	HOLDS("s.yaml", "c.cost");
}

Test(outputs, explain_never_replaces_its_scenario)
{
	const char *s = path_in("s.yaml");
	copy_file(scenario(SCEN), s);
	char *before = slurp(s, NULL);
	cr_assert_eq(RUN("explain", s, "-o", s), 4);
	assert_one_line(s, "refusing to overwrite the input");
	cr_assert_eq(RUN("explain", s, "--format", "html", "-o", s), 4);
	assert_same_bytes(s, before);
	HOLDS("s.yaml");
	free(before);
}

Test(outputs, kvm_never_replaces_its_scenario_and_its_two_outputs_differ)
{
	const char *s = path_in("s.yaml"), *o = path_in("o");
	copy_file(scenario("kvmref_gd.yaml"), s);
	char *before = slurp(s, NULL);
	cr_assert_eq(RUN("kvm", s, "-o", s), 4);
	assert_one_line(s, "refusing to overwrite the input");
	cr_assert_eq(RUN("kvm", s, "--export", s), 4);
	assert_one_line(s, "refusing to overwrite the input");
	cr_assert_eq(RUN("kvm", s, "--export", o, "-o", o), 4);
	assert_one_line(o, "refusing to write the same file twice");
	assert_same_bytes(s, before);
	HOLDS("s.yaml");
	free(before);
}

Test(outputs, report_never_replaces_its_result)
{
	const char *r = path_in("exits.json");
	cr_assert_eq(RUN("run", scenario(SCEN), "--format", "json", "-o", r), 0);
	char *before = slurp(r, NULL);
	cr_assert_eq(RUN("report", r, "-o", r), 4);
	assert_one_line(r, "refusing to overwrite the input");
	cr_assert_eq(RUN("report", r, "--format", "html", "-o", r), 4);
	/* --format svg writes exits.svg/.csv/.json into the directory */
	cr_assert_eq(RUN("report", r, "--format", "svg", "-o", dir), 4);
	assert_one_line(r, "refusing to overwrite the input");
	assert_same_bytes(r, before);
	HOLDS("exits.json");
	free(before);
}

/* ---- 2. safe outputs ----------------------------------------------------------------- */

Test(outputs, temporaries_are_fresh_unpredictable_and_never_follow_a_planted_symlink)
{
	const char *out = path_in("out.txt"), *victim = path_in("victim");
	write_file(victim, "precious\n");
	/* the old scheme's name, planted */
	char planted[1100];
	snprintf(planted, sizeof planted, "%s.tmp.%ld", out, (long)getpid());
	cr_assert_eq(symlink(victim, planted), 0);
	struct outfile a, b;
	char err[512];
	cr_assert_eq(outfile_open(&a, out, err, sizeof err), 0, "%s", err);
	cr_assert_eq(outfile_open(&b, out, err, sizeof err), 0, "%s", err);
	cr_assert(a.tmp && b.tmp && strcmp(a.tmp, b.tmp), "two temporaries, two names");
	cr_assert(strncmp(a.tmp, dir, strlen(dir)) == 0, "the temporary is in the target directory: %s", a.tmp);
	struct stat st;
	cr_assert_eq(lstat(a.tmp, &st), 0);
	cr_assert(S_ISREG(st.st_mode), "the temporary is a fresh regular file");
	fputs("new\n", a.f);
	outfile_abort(&b);
	cr_assert_eq(outfile_commit(&a, err, sizeof err), 0, "%s", err);
	assert_same_bytes(out, "new\n");
	assert_same_bytes(victim, "precious\n");
	cr_assert_eq(lstat(planted, &st), 0);
	cr_assert(S_ISLNK(st.st_mode), "the planted link is left alone");
}

Test(outputs, output_mode_honours_the_umask)
{
	mode_t old = umask(027);
	int rc = RUN("list", "events", "-o", path_in("ev.txt"));
	umask(old);
	cr_assert_eq(rc, 0);
	struct stat st;
	cr_assert_eq(stat(path_in("ev.txt"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0640, "mode %o", st.st_mode & 0777);
}

Test(outputs, output_to_a_symlink_writes_through_and_keeps_the_link)
{
	const char *target = path_in("target.txt"), *link = path_in("link.txt");
	write_file(target, "old\n");
	cr_assert_eq(symlink("target.txt", link), 0);
	cr_assert_eq(RUN("list", "events", "-o", link), 0);
	struct stat st;
	cr_assert_eq(lstat(link, &st), 0);
	cr_assert(S_ISLNK(st.st_mode), "the link is still a link");
	char *t = slurp(target, NULL);
	cr_assert(strstr(t, "kvm_entry"), "the target holds the output");
	free(t);
	HOLDS("target.txt", "link.txt");
	/* a link to nothing is refused, and nothing is created */
	cr_assert_eq(symlink("missing.txt", path_in("dangling")), 0);
	cr_assert_eq(RUN("list", "events", "-o", path_in("dangling")), 4);
	assert_one_line(path_in("dangling"), "symbolic link");
	HOLDS("target.txt", "link.txt", "dangling");
}

Test(outputs, dev_null_and_dev_stdout_are_written_directly)
{
	cr_assert_eq(RUN("run", scenario(SCEN), "-o", "/dev/null", "--trace", "/dev/null"), 0);
	/* /dev/stdout is standard output, whatever it is */
	const char *cap = path_in("cap.txt");
	cr_assert_eq(run_to(cap, (const char *const[]){ "list", "events", "-o", "/dev/stdout", NULL }), 0);
	char *t = slurp(cap, NULL);
	cr_assert(strstr(t, "kvm_entry"));
	free(t);
	struct stat st;
	cr_assert_eq(lstat("/dev/null", &st), 0);
	cr_assert(S_ISCHR(st.st_mode), "/dev/null is still a device");
}

Test(outputs, a_fifo_is_written_directly)
{
	const char *fifo = path_in("fifo");
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	pid_t pid = start(NULL, (const char *const[]){ "list", "events", "-o", fifo, NULL });
	int fd = open(fifo, O_RDONLY);
	cr_assert(fd >= 0);
	char buf[65536];
	size_t n = 0;
	ssize_t r;
	while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = 0;
	cr_assert_eq(wait_status(pid), 0);
	cr_assert(strstr(buf, "kvm_entry"), "the reader got the output");
	struct stat st;
	cr_assert_eq(lstat(fifo, &st), 0);
	cr_assert(S_ISFIFO(st.st_mode), "the FIFO is still a FIFO");
	HOLDS("fifo");
}

Test(outputs, two_processes_writing_one_output_never_mix)
{
	/* two different results into the same file, several times: the file
	 * is always exactly one of them */
	const char *a = path_in("a.json"), *b = path_in("b.json"), *out = path_in("out.json");
	const char *s = scenario("seed000_need_reload_host_bp.yaml");
	cr_assert_eq(RUN("run", s, "-p", "bp_enabled", "--format", "json", "-o", a), 0);
	cr_assert_eq(RUN("run", s, "-p", "need_reload", "--format", "json", "-o", b), 0);
	char *wa = slurp(a, NULL), *wb = slurp(b, NULL);
	cr_assert(strcmp(wa, wb));
	for (int i = 0; i < 6; i++) {
		pid_t p1 = start(path_in(".o1"), (const char *const[]){ "run", s, "-p", "bp_enabled", "--format", "json",
								    "-o", out, NULL });
		pid_t p2 = start(path_in(".o2"), (const char *const[]){ "run", s, "-p", "need_reload", "--format",
								    "json", "-o", out, NULL });
		cr_assert_eq(wait_status(p1), 0);
		cr_assert_eq(wait_status(p2), 0);
		char *got = slurp(out, NULL);
		cr_assert(!strcmp(got, wa) || !strcmp(got, wb), "round %d: a mixed output", i);
		free(got);
		HOLDS("a.json", "b.json", "out.json", ".o1", ".o2");
	}
	free(wa);
	free(wb);
}

Test(outputs, a_signal_removes_the_temporary)
{
	/* in a child: open an output, write, die by the signal */
	int sigs[2] = { SIGINT, SIGTERM };
	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();
		cr_assert(pid >= 0);
		if (pid == 0) {
			struct outfile o;
			char err[512];
			if (outfile_open(&o, path_in("out.txt"), err, sizeof err))
				_exit(10);
			fputs("partial", o.f);
			fflush(o.f);
			struct stat st;
			if (lstat(o.tmp, &st))
				_exit(11);
			raise(sigs[i]);
			_exit(12);
		}
		int st;
		cr_assert_eq(waitpid(pid, &st, 0), pid);
		cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == sigs[i], "the child ends by the signal (status %#x)", st);
		HOLDS("");
	}
}

/* SIGINT at several moments of a long run: afterwards no temporary, and
 * the output either absent or complete (the same bytes as an uninterrupted
 * run). */
static void interrupt_at_moments(const char *const *args, const char *out, const char *want)
{
	static const int ms[] = { 30, 150, 400, 900, 2000 };
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		unlink(out);
		pid_t pid = start(NULL, args);
		struct timespec ts = { ms[i] / 1000, (ms[i] % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		kill(pid, SIGINT);
		int rc = wait_status(pid);
		cr_assert(rc == 0 || rc == -SIGINT, "status %d after SIGINT", rc);
		struct stat st;
		if (stat(out, &st) == 0) {
			char *got = slurp(out, NULL);
			cr_assert_str_eq(got, want, "a partial output after SIGINT at %d ms", ms[i]);
			free(got);
			HOLDS("want", strrchr(out, '/') + 1);
		} else {
			HOLDS("want");
		}
	}
}

Test(outputs, sigint_during_sweep_leaves_no_temporary_or_partial_output)
{
	const char *want = path_in("want"), *out = path_in("sweep.csv");
	cr_assert_eq(RUN("sweep", "-j", "2", "-o", want), 0, "%s", err_text());
	char *w = slurp(want, NULL);
	interrupt_at_moments((const char *const[]){ "sweep", "-j", "2", "-o", out, NULL }, out, w);
	free(w);
}

Test(outputs, sigint_during_compare_leaves_no_temporary_or_partial_output)
{
	const char *want = path_in("want"), *out = path_in("cmp.txt");
	const char *s = scenario("seed000_need_reload_host_bp.yaml");
	cr_assert_eq(RUN("compare", s, "-p", "all", "-o", want), 0, "%s", err_text());
	char *w = slurp(want, NULL);
	interrupt_at_moments((const char *const[]){ "compare", s, "-p", "all", "-o", out, NULL }, out, w);
	free(w);
}

/* ---- 3. a standard-output write error: once, exit 4, every verb ------------------------- */

Test(outputs, stdout_write_error_is_reported_once_by_every_verb)
{
	struct stat st;
	if (stat("/dev/full", &st) != 0)
		cr_skip_test("no /dev/full");
	const char *x = path_in("x.json"), *r = path_in("r.json");
	cr_assert_eq(RUN("run", scenario(SCEN), "--format", "json", "-o", r, "--trace", x), 0);
	const char *const cmds[][6] = {
		{ "run", scenario(SCEN) },
		{ "run", scenario(SCEN), "--format", "json" },
		{ "check", scenario(SCEN) },
		{ "compare", scenario(SCEN) },
		{ "compare", scenario(SCEN), "--format", "text,json" },
		{ "sweep", scenario(SCEN), "-p", "bp_enabled" },
		{ "validate", scenario(SCEN) },
		{ "disasm", scenario(SCEN) },
		{ "trace", x },
		{ "report", r },
		{ "explain", scenario(SCEN) },
		{ "step", scenario(SCEN) },
		{ "list", "policies" },
		{ "list", "events" },
		{ "help" },
		{ "help", "run" },
		{ "version" },
		{ "--help" },
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		int rc = run_to("/dev/full", cmds[i]);
		cr_assert_eq(rc, 4, "hvsim %s %s > /dev/full: status %d", cmds[i][0], cmds[i][1] ? cmds[i][1] : "", rc);
		char *e = err_text();
		size_t len = strlen(e);
		cr_assert(len > 0 && e[len - 1] == '\n' && !memchr(e, '\n', len - 1),
			  "hvsim %s %s > /dev/full: not exactly one line: \"%s\"", cmds[i][0], cmds[i][1] ? cmds[i][1] : "", e);
		cr_assert(strstr(e, "-:0:0: cannot write standard output"), "%s", e);
		free(e);
	}
}
