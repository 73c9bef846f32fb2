/* runner_arm64.c - reference 4's /init (issue 20): runs hvsim's AArch64
 * guest images on the booted kernel's KVM/arm64 and prints each outcome
 * between "=== hvsim-outcome KEY.img ===" and "=== end ===" on the console
 * (formats: sim/ref/arm_ref.h).  Built statically for aarch64 by
 * sim/ref/kvm-arm64-tcg/build.sh with Debian's gcc-aarch64-linux-gnu; a
 * program of its own, not part of any hvsim library.
 *
 * Per image: mount the pseudo file systems (once), clear the trace buffer
 * and enable kvm:kvm_exit, kvm:kvm_handle_sys_reg and kvm:kvm_userspace_exit;
 * KVM_CREATE_VM, one
 * memslot per memory run, KVM_CREATE_VCPU, KVM_ARM_VCPU_INIT with the
 * preferred target and PSCI 0.2 (the vCPU resets to EL1h with DAIF masked,
 * arch/arm64/kvm/reset.c), the PC, SP_EL1 and the image's registers with
 * KVM_SET_ONE_REG; KVM_RUN until PSCI SYSTEM_OFF (KVM_EXIT_SYSTEM_EVENT),
 * completing MMIO loads with 0 and dropping stores; then X0-X30, the 8 bytes
 * at every symbol, the tracepoint counts of this VM's lines and the order of
 * its exits (one letter each: I IRQ, W/R a trapped system-register write or
 * read, S a trapped access without its kvm_handle_sys_reg line, H HVC, M a
 * data abort that returned KVM_EXIT_MMIO, D one handled in the kernel - a
 * stage-2 page-in -, A an instruction abort, X any other class). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#define MAXMEM 40
#define MAXSYM 256
#define TRACE "/sys/kernel/tracing"
#define ORDER_MAX 4000                 /* exits in the order line (sim/ref/arm_ref.h) */

struct image {
	uint64_t pc;
	struct { char name[32]; uint64_t v; } reg[40];
	int nreg;
	struct { uint64_t gpa, size; uint8_t *host; } mem[MAXMEM];
	int nmem;
	struct { char name[64]; uint64_t addr; } sym[MAXSYM];
	int nsym;
};

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd >= 0) {
		if (write(fd, s, strlen(s)) < 0)
			perror(path);
		close(fd);
	}
}

static int hexval(int c) { return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

static int load(const char *path, struct image *im, char *err, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];
	memset(im, 0, sizeof(*im));
	if (!f) {
		snprintf(err, n, "cannot open %.200s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;
		char name[64];
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "pc %llx", &a) == 1) {
			im->pc = a;
		} else if (sscanf(line, "reg %31s %llx", name, &a) == 2 && im->nreg < 40) {
			snprintf(im->reg[im->nreg].name, sizeof(im->reg[0].name), "%.31s", name);
			im->reg[im->nreg++].v = a;
		} else if (sscanf(line, "mem %llx %llx", &a, &b) == 2 && im->nmem < MAXMEM) {
			void *p = mmap(NULL, b, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				snprintf(err, n, "mmap of 0x%llx bytes failed", b);
				fclose(f);
				return -1;
			}
			im->mem[im->nmem].gpa = a;
			im->mem[im->nmem].size = b;
			im->mem[im->nmem++].host = p;
		} else if (sscanf(line, "d %llx", &a) == 1 && im->nmem) {
			const char *h = strchr(line + 2, ' ');
			uint8_t *dst = im->mem[im->nmem - 1].host + a;
			for (int k = 0; h && h[1 + 2 * k] && h[2 + 2 * k] && k < 64 && a + (uint64_t)k < im->mem[im->nmem - 1].size; k++)
				dst[k] = (uint8_t)(hexval(h[1 + 2 * k]) << 4 | hexval(h[2 + 2 * k]));
		} else if (sscanf(line, "sym %63s %llx", name, &a) == 2 && im->nsym < MAXSYM) {
			snprintf(im->sym[im->nsym].name, sizeof(im->sym[0].name), "%s", name);
			im->sym[im->nsym++].addr = a;
		}
	}
	fclose(f);
	return 0;
}

static uint64_t core_id(size_t off)
{
	return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (off / sizeof(uint32_t));
}

static int set_reg(int vcpu, uint64_t id, uint64_t v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&v };
	return ioctl(vcpu, KVM_SET_ONE_REG, &r);
}

static uint64_t get_reg(int vcpu, uint64_t id)
{
	uint64_t v = 0;
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&v };
	ioctl(vcpu, KVM_GET_ONE_REG, &r);
	return v;
}

static int reg_id(const char *name, uint64_t *id)
{
	int n;
	if (name[0] == 'x' && sscanf(name + 1, "%d", &n) == 1 && n >= 0 && n <= 30) {
		*id = core_id(offsetof(struct kvm_regs, regs.regs) + (size_t)n * 8);
		return 0;
	}
	if (!strcmp(name, "sp")) {
		*id = core_id(offsetof(struct kvm_regs, sp_el1));
		return 0;
	}
	if (!strcmp(name, "vbar_el1")) {
		*id = ARM64_SYS_REG(3, 0, 12, 0, 0);
		return 0;
	}
	if (!strcmp(name, "contextidr_el1")) {
		*id = ARM64_SYS_REG(3, 0, 13, 0, 1);
		return 0;
	}
	return -1;
}

static volatile sig_atomic_t timed_out;
static void on_alarm(int s) { (void)s; timed_out = 1; }

static int run(const char *path, const char *key)
{
	static struct image im;
	char err[256] = "";
	const char *stop = "error";
	uint64_t mmio = 0;
	int kvm = -1, vm = -1, vcpu = -1;
	struct kvm_run *kr = NULL;
	put(TRACE "/tracing_on", "0");
	put(TRACE "/trace", "");
	put(TRACE "/events/kvm/kvm_exit/enable", "1");
	put(TRACE "/events/kvm/kvm_handle_sys_reg/enable", "1");
	put(TRACE "/events/kvm/kvm_userspace_exit/enable", "1");
	if (load(path, &im, err, sizeof(err)))
		goto report;
	if ((kvm = open("/dev/kvm", O_RDWR)) < 0 || (vm = ioctl(kvm, KVM_CREATE_VM, 0)) < 0) {
		snprintf(err, sizeof(err), "/dev/kvm: %s", strerror(errno));
		goto report;
	}
	for (int i = 0; i < im.nmem; i++) {
		struct kvm_userspace_memory_region r = { .slot = (uint32_t)i, .guest_phys_addr = im.mem[i].gpa,
			.memory_size = im.mem[i].size, .userspace_addr = (uint64_t)(uintptr_t)im.mem[i].host };
		if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r)) {
			snprintf(err, sizeof(err), "KVM_SET_USER_MEMORY_REGION 0x%llx: %s",
				 (unsigned long long)im.mem[i].gpa, strerror(errno));
			goto report;
		}
	}
	struct kvm_vcpu_init init;
	if ((vcpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0 || ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init)) {
		snprintf(err, sizeof(err), "KVM_CREATE_VCPU: %s", strerror(errno));
		goto report;
	}
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init)) {
		snprintf(err, sizeof(err), "KVM_ARM_VCPU_INIT: %s", strerror(errno));
		goto report;
	}
	int msz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	kr = mmap(NULL, (size_t)msz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (kr == MAP_FAILED) {
		kr = NULL;
		snprintf(err, sizeof(err), "mmap kvm_run: %s", strerror(errno));
		goto report;
	}
	set_reg(vcpu, core_id(offsetof(struct kvm_regs, regs.pc)), im.pc);
	for (int i = 0; i < im.nreg; i++) {
		uint64_t id;
		if (reg_id(im.reg[i].name, &id) || set_reg(vcpu, id, im.reg[i].v)) {
			snprintf(err, sizeof(err), "register %s: cannot set", im.reg[i].name);
			goto report;
		}
	}
	put(TRACE "/tracing_on", "1");
	signal(SIGALRM, on_alarm);
	alarm(120);
	for (unsigned long n = 0; !timed_out && n < 10000000ul; n++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, sizeof(err), "KVM_RUN: %s", strerror(errno));
			break;
		}
		if (kr->exit_reason == KVM_EXIT_MMIO) {
			mmio++;
			if (!kr->mmio.is_write)
				memset(kr->mmio.data, 0, sizeof(kr->mmio.data));
			continue;
		}
		if (kr->exit_reason == KVM_EXIT_SYSTEM_EVENT && kr->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) {
			stop = "system_off";
			break;
		}
		snprintf(err, sizeof(err), "unexpected exit to user space %u", kr->exit_reason);
		break;
	}
	alarm(0);
	if (timed_out)
		snprintf(err, sizeof(err), "the guest did not stop within 120 s");
	put(TRACE "/tracing_on", "0");
report:
	printf("=== hvsim-outcome %s.img ===\nhvsim-arm64-outcome 1\n", key);
	struct utsname u;
	uname(&u);
	printf("kernel %s\nstop %s\nmmio %llu\n", u.release, stop, (unsigned long long)mmio);
	if (err[0])
		printf("error %s\n", err);
	/* the tracepoints of this run */
	FILE *t = fopen(TRACE "/trace", "r");
	static uint64_t exits[64];
	static struct { uint32_t esr; uint64_t n; } sys[256];
	int nsys = 0;
	uint64_t irq = 0;
	static char order[ORDER_MAX + 1];
	size_t norder = 0;
	bool order_full = false;
	memset(exits, 0, sizeof(exits));
	char line[512];
	while (t && fgets(line, sizeof(line), t)) {
		const char *p;
		unsigned ec;
		unsigned long esr;
		if ((p = strstr(line, "kvm_exit: ")) && sscanf(p, "kvm_exit: %*[A-Z_]: HSR_EC: 0x%x", &ec) == 1) {
			char c = 'X';
			if (strstr(p, "kvm_exit: IRQ:")) {
				irq++;
				c = 'I';
			} else if (ec < 64) {
				exits[ec]++;
				c = ec == 0x18 ? 'S' : ec == 0x16 ? 'H' : ec == 0x24 ? 'D' : ec == 0x20 ? 'A' : 'X';
			}
			if (norder < ORDER_MAX)
				order[norder++] = c;
			else
				order_full = true;
		} else if ((p = strstr(line, "kvm_userspace_exit: reason KVM_EXIT_MMIO"))) {
			if (norder && order[norder - 1] == 'D')
				order[norder - 1] = 'M';
		} else if ((p = strstr(line, "kvm_handle_sys_reg: HSR 0x")) && sscanf(p, "kvm_handle_sys_reg: HSR 0x%lx", &esr) == 1) {
			if (norder && order[norder - 1] == 'S')
				order[norder - 1] = esr & 1 ? 'R' : 'W';   /* ISS bit 0: Direction, 1 = read */
			int k;
			for (k = 0; k < nsys && sys[k].esr != (uint32_t)esr; k++)
				;
			if (k == nsys && nsys < 256)
				sys[nsys++] = (typeof(sys[0])){ (uint32_t)esr, 0 };
			if (k < 256)
				sys[k].n++;
		}
	}
	if (t)
		fclose(t);
	for (unsigned ec = 0; ec < 64; ec++)
		if (exits[ec])
			printf("exit %u %llu\n", ec, (unsigned long long)exits[ec]);
	printf("irq %llu\n", (unsigned long long)irq);
	if (!order_full)
		printf("order %s\n", norder ? order : "-");
	for (int k = 0; k < nsys; k++)
		printf("sys %08x %llu\n", sys[k].esr, (unsigned long long)sys[k].n);
	for (int i = 0; vcpu >= 0 && i < 31; i++)
		printf("x %d %llx\n", i, (unsigned long long)get_reg(vcpu, core_id(offsetof(struct kvm_regs, regs.regs) + (size_t)i * 8)));
	for (int s = 0; s < im.nsym; s++)
		for (int i = 0; i < im.nmem; i++)
			if (im.sym[s].addr >= im.mem[i].gpa && im.sym[s].addr + 8 <= im.mem[i].gpa + im.mem[i].size) {
				uint64_t v;
				memcpy(&v, im.mem[i].host + (im.sym[s].addr - im.mem[i].gpa), 8);
				printf("sym %s %llx\n", im.sym[s].name, (unsigned long long)v);
				break;
			}
	printf("end\n=== end ===\n");
	fflush(stdout);
	for (int i = 0; i < im.nmem; i++)
		munmap(im.mem[i].host, im.mem[i].size);
	if (kr)
		munmap(kr, 4096);
	if (vcpu >= 0) close(vcpu);
	if (vm >= 0) close(vm);
	if (kvm >= 0) close(kvm);
	return 0;
}

int main(void)
{
	mkdir("/dev", 0755);
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("tracefs", TRACE, "tracefs", 0, NULL);
	put(TRACE "/buffer_size_kb", "8192");
	struct utsname u;
	uname(&u);
	printf("=== hvsim-arm64-runner on %s ===\n", u.release);
	DIR *d = opendir("/images");
	struct dirent *de;
	char names[64][256];
	int n = 0;
	while (d && (de = readdir(d)) && n < 64) {
		size_t l = strlen(de->d_name);
		if (l > 4 && !strcmp(de->d_name + l - 4, ".img"))
			snprintf(names[n++], sizeof(names[0]), "%.*s", (int)(l - 4), de->d_name);
	}
	if (d)
		closedir(d);
	for (int i = 0; i < n; i++) {
		char path[300];
		snprintf(path, sizeof(path), "/images/%.250s.img", names[i]);
		run(path, names[i]);
	}
	printf("=== hvsim-arm64-runner done ===\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
