/* fuzz_outcome.c - libFuzzer target: arbitrary bytes given to the two text
 * parsers of the real-KVM reference (sim/ref/devkvm_format.c): the outcome
 * reader (kvm_outcome_read: the `hvsim diff` cache, "hvsim-kvm-outcome 1"
 * ... "end") and the image reader (kvm_image_read: the static runner's
 * input).  Each returns 0, or -1 with a one-line message; an outcome that
 * parses must survive a round trip (written by kvm_outcome_write, read
 * back, written again: the same text).  The same bytes also go to reference
 * 4's outcome reader (arm_outcome_read, sim/ref/arm_ref.c, issue 20): 0 or
 * one line. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/ref/arm_ref.h"
#include "sim/ref/devkvm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(const char *what, const char *err)
{
	if (!*err || strchr(err, '\n')) {
		fprintf(stderr, "fuzz_outcome: %s: bad message \"%s\"\n", what, err);
		abort();
	}
}

static char *write_outcome(const struct kvm_outcome *o, size_t *n)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, n);
	if (!f)
		abort();
	kvm_outcome_write(f, o);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (4u << 20))
		return 0;
	char err[512] = "";
	struct kvm_outcome *o = calloc(2, sizeof(*o));
	if (!o)
		return 0;
	if (kvm_outcome_read((const char *)data, size, &o[0], err, sizeof err)) {
		one_line("outcome", err);
	} else {
		size_t n1, n2;
		char *t1 = write_outcome(&o[0], &n1);
		if (kvm_outcome_read(t1, n1, &o[1], err, sizeof err)) {
			fprintf(stderr, "fuzz_outcome: the written outcome does not read back: %s\n", err);
			abort();
		}
		char *t2 = write_outcome(&o[1], &n2);
		if (n1 != n2 || memcmp(t1, t2, n1)) {
			fprintf(stderr, "fuzz_outcome: round trip changed the outcome:\n%s---\n%s", t1, t2);
			abort();
		}
		free(t1);
		free(t2);
	}
	free(o);
	struct kvm_image *img = calloc(1, sizeof(*img));
	if (!img)
		return 0;
	err[0] = 0;
	if (kvm_image_read((const char *)data, size, img, err, sizeof err))
		one_line("image", err);
	kvm_image_free(img);
	free(img);
	struct arm_outcome *ao = calloc(1, sizeof(*ao));
	if (!ao)
		return 0;
	err[0] = 0;
	if (arm_outcome_read((const char *)data, size, ao, err, sizeof err))
		one_line("arm outcome", err);
	free(ao);
	return 0;
}
