/* test_html_browser.c - the HTML walkthrough rendered by a real browser.
 *
 * `hvsim explain seed000_need_reload_host_bp -p need_reload --format html`
 * is opened in headless Chromium twice: --screenshot (the page paints: a
 * 1200x2000 PNG, much larger than the ~11 KB of a blank page of that size)
 * and --dump-dom (what the browser parsed shows the policy, the 19 missed
 * #DBs of seed 000 and the three SVG charts).  The page is self-contained,
 * so the browser runs with networking features off.
 *
 * Skipped (not failed) when no chromium / chromium-browser / google-chrome
 * is on PATH or $HVSIM is not set.  CI runs it with .ci/run --with-browser. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *find_browser(void)
{
	static char found[1024];
	static const char *const names[] = { "chromium", "chromium-browser", "google-chrome" };
	const char *path = getenv("PATH");
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		const char *p = path ? path : "/usr/bin";
		while (*p) {
			size_t len = strcspn(p, ":");
			snprintf(found, sizeof(found), "%.*s/%s", (int)len, p, names[n]);
			if (len && access(found, X_OK) == 0)
				return found;
			p += len + (p[len] == ':');
		}
	}
	return NULL;
}

static int sh(const char *cmd, char **out)
{
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char b[8192];
	size_t n;
	while ((n = fread(b, 1, sizeof(b), p)) > 0)
		fwrite(b, 1, n, m);
	int st = pclose(p);
	fclose(m);
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

Test(browser, explain_page_renders_and_shows_the_missed_breakpoints, .timeout = 300)
{
	const char *browser = find_browser();
	if (!browser)
		cr_skip_test("no chromium on PATH");
	const char *h = getenv("HVSIM");
	if (!h || access(h, X_OK))
		cr_skip_test("HVSIM is not set");
	const char *src = getenv("HVSIM_SOURCE_DIR");
	char sc[1024];
	snprintf(sc, sizeof(sc), "%s/scenarios/seed000_need_reload_host_bp.yaml", src ? src : HVSIM_SOURCE_DIR);
	if (access(sc, R_OK))
		cr_skip_test("%s is missing", sc);
	char d[] = "/tmp/hvsim-browser-XXXXXX";
	cr_assert_not_null(mkdtemp(d));
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "%s explain %s -p need_reload --format html -o %s/page.html", h, sc, d);
	cr_assert_eq(sh(cmd, NULL), 0, "%s", cmd);
	static const char *const flags =
		"--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
		"--disable-component-update --disable-sync";

	/* screenshot */
	snprintf(cmd, sizeof(cmd), "timeout 120 %s %s --user-data-dir=%s/profile1 --screenshot=%s/shot.png "
		 "--window-size=1200,2000 file://%s/page.html >/dev/null 2>&1", browser, flags, d, d, d);
	sh(cmd, NULL);
	char png[1100];
	snprintf(png, sizeof(png), "%s/shot.png", d);
	struct stat st;
	cr_assert_eq(stat(png, &st), 0, "no screenshot was written");
	cr_assert_gt(st.st_size, 60000, "the screenshot is nearly empty (%lld bytes)", (long long)st.st_size);
	FILE *f = fopen(png, "rb");
	cr_assert_not_null(f);
	unsigned char hdr[24];
	cr_assert_eq(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	fclose(f);
	cr_assert_eq(memcmp(hdr, "\x89PNG\r\n\x1a\n", 8), 0, "not a PNG");
	uint32_t w = (uint32_t)hdr[16] << 24 | hdr[17] << 16 | hdr[18] << 8 | hdr[19];
	uint32_t ht = (uint32_t)hdr[20] << 24 | hdr[21] << 16 | hdr[22] << 8 | hdr[23];
	cr_assert_eq(w, 1200);
	cr_assert_eq(ht, 2000);

	/* what the browser parsed */
	char *dom = NULL;
	snprintf(cmd, sizeof(cmd), "timeout 120 %s %s --user-data-dir=%s/profile2 --dump-dom file://%s/page.html 2>/dev/null",
		 browser, flags, d, d);
	sh(cmd, &dom);
	cr_assert_not_null(dom);
	cr_assert(strstr(dom, "<h1>hvsim explain: seed000_need_reload_host_bp</h1>"), "DOM: %.2000s", dom);
	cr_assert(strstr(dom, "data-policy=\"need_reload\" data-missed-db=\"19\""), "missed count not in the summary");
	cr_assert(strstr(dom, "data-policy=\"bp_enabled\" data-missed-db=\"0\""), "bp_enabled row missing");
	cr_assert(strstr(dom, "<span id=\"missed-count\">19</span>"));
	cr_assert_eq(count(dom, "<li class=\"db-missed\">"), 1, "one missed paragraph, then the repeat note");
	cr_assert(strstr(dom, "id=\"hvsim-timeline\""));
	cr_assert(strstr(dom, "id=\"hvsim-exits\""));
	cr_assert(strstr(dom, "id=\"hvsim-cycles\""));
	cr_assert_geq(count(dom, "<svg"), 3);
	cr_assert(strstr(dom, "MISSED: at 0x"));
	free(dom);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	sh(cmd, NULL);
}
