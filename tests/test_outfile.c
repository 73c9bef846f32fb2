/* test_outfile.c - atomic output files (sim/util/outfile.h): written whole
 * or not at all, never a directory, nothing left behind. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/util/outfile.h"
#include "tests/harness.h"

/* ---- atomic output files ----------------------------------------------------- */

Test(outfile, unwritable_directory_fails_and_leaves_nothing)
{
	char *dir = h_tmpdir("hvsim-test");
	char path[512], err[512] = "";
	struct outfile o;
	snprintf(path, sizeof(path), "%s/missing/out.json", dir);
	cr_assert_eq(outfile_open(&o, path, err, sizeof(err)), -1);
	cr_assert(strncmp(err, path, strlen(path)) == 0 && strstr(err, ":0:0: cannot write"), "%s", err);
	/* a regular file used as a directory */
	snprintf(path, sizeof(path), "%s/plain", dir);
	FILE *f = fopen(path, "w");
	fclose(f);
	snprintf(path, sizeof(path), "%s/plain/out.json", dir);
	cr_assert_eq(outfile_open(&o, path, err, sizeof(err)), -1);
	cr_assert_eq(h_count_entries(dir), 1, "only 'plain' may exist");
	snprintf(path, sizeof(path), "%s/plain", dir);
	unlink(path);
	rmdir(dir);
	free(dir);
}

Test(outfile, commit_replaces_and_abort_keeps_the_old_file)
{
	char *dir = h_tmpdir("hvsim-test");
	char path[512], err[512] = "";
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	FILE *f = fopen(path, "w");
	fputs("old\n", f);
	fclose(f);

	struct outfile o;
	cr_assert_eq(outfile_open(&o, path, err, sizeof(err)), 0, "%s", err);
	fputs("partial", o.f);
	cr_assert_eq(h_count_entries(dir), 2, "the temporary sits next to the file");
	char *s = h_slurp(path, NULL);
	cr_assert_str_eq(s, "old\n", "nothing visible before commit");
	free(s);
	outfile_abort(&o);
	s = h_slurp(path, NULL);
	cr_assert_str_eq(s, "old\n");
	free(s);
	cr_assert_eq(h_count_entries(dir), 1, "abort removes the temporary");

	cr_assert_eq(outfile_open(&o, path, err, sizeof(err)), 0, "%s", err);
	fputs("new\n", o.f);
	cr_assert_eq(outfile_commit(&o, err, sizeof(err)), 0, "%s", err);
	s = h_slurp(path, NULL);
	cr_assert_str_eq(s, "new\n");
	free(s);
	cr_assert_eq(h_count_entries(dir), 1);

	unlink(path);
	rmdir(dir);
	free(dir);
}

Test(outfile, directory_as_output_is_an_error)
{
	char *dir = h_tmpdir("hvsim-test");
	char err[512] = "";
	struct outfile o;
	cr_assert_eq(outfile_open(&o, dir, err, sizeof(err)), -1);
	cr_assert(strstr(err, "is a directory"), "%s", err);
	cr_assert_eq(h_count_entries(dir), 0);
	rmdir(dir);
	free(dir);
}
