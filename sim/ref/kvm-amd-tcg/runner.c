/* runner.c - hvsim's reference-2 runner: /init of a tiny initramfs booted
 * under QEMU TCG with an SVM-capable CPU (sim/ref/kvm-amd-tcg/run.sh).
 *
 * As PID 1 it mounts /proc, /sys, /dev and tracefs, loads irqbypass, kvm
 * and kvm-amd (finit_module(2), no busybox needed), then runs every guest
 * image in /images on the real kvm_amd through hvsim's KVM backend
 * (sim/ref/devkvm*.c, linked statically).  Around each run a histogram trigger on
 * the kvm:kvm_exit tracepoint counts exits by reason (the SVM exit code,
 * AMD APM Vol.2 Appendix C).  Each outcome is printed on the console
 * between "=== hvsim-outcome NAME ===" and "=== end ===", then the machine
 * powers off.
 *
 * Not PID 1 (a test on the build host): runs the images named on the
 * command line on this machine's /dev/kvm and prints the outcomes; the
 * tracepoint is used if tracefs is mounted and writable. */
#define _GNU_SOURCE
#include "sim/ref/devkvm.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define TRACE "/sys/kernel/tracing"
#define TRIGGER TRACE "/events/kvm/kvm_exit/trigger"
#define HIST TRACE "/events/kvm/kvm_exit/hist"
#define ENABLE TRACE "/events/kvm/kvm_exit/enable"
#define RUN_TIMEOUT_MS 120000u       /* TCG is slow: two minutes per image */

static void say(const char *fmt, const char *a, const char *b)
{
	fprintf(stdout, fmt, a, b);
	fflush(stdout);
}

static int load_module(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say("hvsim-runner: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = (int)syscall(SYS_finit_module, fd, params, 0);
	int e = errno;
	close(fd);
	if (rc && e != EEXIST) {
		say("hvsim-runner: finit_module %s: %s\n", path, strerror(e));
		return -1;
	}
	return 0;
}

static bool write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s);
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);
	for (ssize_t k; b && (k = read(fd, b + n, cap - n)) > 0;) {
		n += (size_t)k;
		if (n == cap) {
			char *nb = realloc(b, 2 * cap + 1);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (b)
		b[n] = 0;
	*len = n;
	return b;
}

/* "{ exit_reason:        123 } hitcount:          5" lines of the hist file. */
static void read_hist(struct kvm_outcome *o)
{
	size_t len;
	char *h = slurp(HIST, &len);
	if (!h)
		return;
	for (char *save = NULL, *l = strtok_r(h, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *a = strstr(l, "exit_reason:"), *b = strstr(l, "hitcount:");
		if (!a || !b || o->nexits >= KVM_MAX_EXIT_REASONS || !strtoull(b + 9, NULL, 0))
			continue;
		o->exits[o->nexits].code = (uint32_t)strtoul(a + 12, NULL, 0);
		o->exits[o->nexits].count = strtoull(b + 9, NULL, 0);
		o->nexits++;
	}
	free(h);
	/* deterministic order: by exit code */
	for (unsigned i = 1; i < o->nexits; i++)
		for (unsigned j = i; j > 0 && o->exits[j - 1].code > o->exits[j].code; j--) {
			__typeof__(o->exits[0]) t = o->exits[j];
			o->exits[j] = o->exits[j - 1];
			o->exits[j - 1] = t;
		}
}

/* Exits that lazy DR switching would not have had without the kernel's
 * own activity.  In the ordered kvm_exit trace, an exit of one of the
 * "noise" reasons (interrupt: the timer; vintr; npf: first touch of guest
 * memory; none of them is modelled by hvsim) closes a WONT_EXIT window
 * early: KVM syncs and re-arms the DR intercepts on every exit.  A MOV-DR
 * exit whose previous non-noise exit was a MOV-DR exit, with noise exits in
 * between, is such a re-arm artefact ("induced"); without the noise the
 * access would have run natively in the still-open window.  Counted per
 * exit code, reported as "induced CODE N". */
static int dr_code(const char *reason, size_t n)
{
	if (n == 8 && !strncmp(reason, "read_dr", 7) && reason[7] >= '0' && reason[7] <= '7')
		return 0x20 + reason[7] - '0';
	if (n == 9 && !strncmp(reason, "write_dr", 8) && reason[8] >= '0' && reason[8] <= '7')
		return 0x30 + reason[8] - '0';
	return -1;
}

static bool is_noise(const char *reason, size_t n)
{
	return (n == 9 && !strncmp(reason, "interrupt", 9)) || (n == 5 && !strncmp(reason, "vintr", 5)) ||
	       (n == 3 && !strncmp(reason, "npf", 3));
}

static void read_trace(struct kvm_outcome *o, uint64_t induced[0x40])
{
	size_t len;
	char *t = slurp(TRACE "/trace", &len);
	if (!t)
		return;
	bool last_dr = false, noise_since = false;
	for (char *save = NULL, *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (l[0] == '#' || !strstr(l, "kvm_exit:"))
			continue;
		char *r = strstr(l, " reason ");
		char *e = r ? strstr(r, " rip ") : NULL;
		if (!r || !e)
			continue;
		r += 8;
		size_t n = (size_t)(e - r);
		int dr = dr_code(r, n);
		if (is_noise(r, n)) {
			noise_since = true;
			continue;
		}
		if (dr >= 0 && last_dr && noise_since)
			induced[dr]++;
		last_dr = dr >= 0;
		noise_since = false;
	}
	free(t);
	(void)o;
}

static void run_one(const char *path, const char *name)
{
	size_t len;
	char err[256];
	char *buf = slurp(path, &len);
	struct kvm_image img;
	struct kvm_outcome *o = calloc(1, sizeof(*o));
	struct utsname u;
	if (!o)
		return;
	if (uname(&u) == 0)
		snprintf(o->kernel, sizeof(o->kernel), "%s", u.release);
	say("=== hvsim-outcome %s%s ===\n", name, "");
	if (!buf || kvm_image_read(buf, len, &img, err, sizeof(err))) {
		snprintf(o->error, sizeof(o->error), "%.60s: %.130s", path, buf ? err : strerror(errno));
		o->error_kind = KVM_ERR_UNSUPPORTED;
		o->r.module = kvm_module_detect();
		kvm_outcome_write(stdout, o);
	} else {
		img.spec.timeout_ms = RUN_TIMEOUT_MS;
		bool hist = write_str(TRIGGER, "hist:keys=exit_reason:size=256");
		write_str(TRACE "/buffer_size_kb", "32768");
		write_str(TRACE "/trace", "");
		bool trace = write_str(ENABLE, "1");
		char kernel[96];
		snprintf(kernel, sizeof(kernel), "%s", o->kernel);
		if (kvm_image_run(&img, o, NULL, NULL))
			o->r.module = kvm_module_detect();
		snprintf(o->kernel, sizeof(o->kernel), "%s", kernel);
		uint64_t induced[0x40] = { 0 };
		if (trace) {
			write_str(ENABLE, "0");
			read_trace(o, induced);
		}
		if (hist) {
			read_hist(o);
			write_str(TRIGGER, "!hist:keys=exit_reason:size=256");
		}
		for (unsigned i = 0; i < o->nexits; i++)
			if (o->exits[i].code < 0x40)
				o->exits[i].induced = induced[o->exits[i].code];
		kvm_outcome_write(stdout, o);
		kvm_image_free(&img);
	}
	say("=== end ===\n%s%s", "", "");
	free(buf);
	free(o);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	if (getpid() != 1) {
		for (int i = 1; i < argc; i++) {
			const char *base = strrchr(argv[i], '/');
			run_one(argv[i], base ? base + 1 : argv[i]);
		}
		return 0;
	}
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("tracefs", TRACE, "tracefs", 0, NULL);
	int cfd = open("/dev/console", O_RDWR);
	if (cfd >= 0) {
		dup2(cfd, 1);
		dup2(cfd, 2);
	}
	say("hvsim-runner: loading modules%s%s\n", "", "");
	if (!load_module("/modules/irqbypass.ko", "") && !load_module("/modules/kvm.ko", "") &&
	    !load_module("/modules/kvm-amd.ko", "")) {
		char *names[256];
		int n = 0;
		DIR *d = opendir("/images");
		for (struct dirent *e; d && (e = readdir(d)) && n < 256;)
			if (e->d_name[0] != '.')
				names[n++] = strdup(e->d_name);
		if (d)
			closedir(d);
		qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
		for (int i = 0; i < n; i++) {
			char p[512];
			snprintf(p, sizeof(p), "/images/%s", names[i]);
			run_one(p, names[i]);
			free(names[i]);
		}
	}
	say("hvsim-runner: done%s%s\n", "", "");
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
