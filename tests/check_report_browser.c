/*
 * check_report_browser.c: --report against real brokers, and the pages
 * rendered in a real browser.
 *
 * Each case runs the probe with --report beside a different --format
 * (the page must not depend on it): a healthy walk, a chain the probe
 * does not trust (step 4), a refused password (step 7), a series over
 * two targets, and a report that cannot be written.  The page is checked
 * for structure and for what must never be in it; then headless
 * Chromium takes a 1280-pixel-wide screenshot, which must be a PNG of
 * that size and not one colour.  Without Chromium the screenshots are
 * skipped (said in the log); the rest still runs.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"
#include "png_check.h"

#define SHOT_WIDTH 1280
#define SHOT_HEIGHT 2000
#define PAGE_MAX (16 * 1024 * 1024)

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	ck_assert_msg(f != NULL, "no report at %s", path);
	buf = malloc(PAGE_MAX + 1);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, PAGE_MAX, f);
	fclose(f);
	buf[n] = '\0';
	ck_assert_msg(n > 0 && n < PAGE_MAX, "%s: %zu bytes", path, n);
	return buf;
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

#define PAGE_HAS(page, text) \
	ck_assert_msg(strstr((page), (text)) != NULL, "page lacks \"%s\"", \
	    (text))
#define PAGE_LACKS(page, text) \
	ck_assert_msg(strstr((page), (text)) == NULL, "page has \"%s\"", \
	    (text))

/* Every step, the pictures, the tracker; nothing that leaves the page;
 * no password. */
static void
check_page(const char *page, size_t sections)
{
	ck_assert(strncmp(page, "<!DOCTYPE html>", 15) == 0);
	PAGE_HAS(page, "</html>\n");
	for (int s = 1; s <= 8; s++) {
		char id[32];

		snprintf(id, sizeof(id), "id=\"step-%d\"", s);
		ck_assert_uint_eq(count_of(page, id), sections);
	}
	ck_assert_uint_eq(count_of(page, "<table class=\"tracker\">"),
	    sections);
	ck_assert_uint_eq(count_of(page, "<svg class=\"wf\""), sections);
	ck_assert_uint_eq(count_of(page, "<svg class=\"ld\""), sections);
	ck_assert_uint_eq(count_of(page, "<svg"), count_of(page, "</svg>"));
	PAGE_HAS(page, "default-src 'none'");
	PAGE_LACKS(page, "http://");
	PAGE_LACKS(page, "https://");
	PAGE_LACKS(page, "@import");
	PAGE_LACKS(page, "url(");
	PAGE_LACKS(page, "<script");
	PAGE_LACKS(page, " src=");
	for (const char *p = page; (p = strstr(p, "href=\"")) != NULL; p++)
		ck_assert_msg(p[6] == '#', "a link leaves the page: %.60s", p);
	PAGE_LACKS(page, GOOD_PASSWORD);
	PAGE_LACKS(page, WRONG_PASSWORD);
}

/* The chain arrived: a card with the test CA's names. */
static void
check_chain(const char *page)
{
	PAGE_HAS(page, "<div class=\"card");
	PAGE_HAS(page, "mqtts-probe");
	PAGE_HAS(page, "fingerprint (SHA-256)");
}

static const char *
chromium(void)
{
	static const char *const names[] = { "chromium", "chromium-browser" };
	static char found[4096];
	const char *env = getenv("CHROMIUM"), *path = getenv("PATH");

	if (env != NULL && *env != '\0')
		return executable(env) ? env : NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char copy[4096], *save = NULL;

		snprintf(copy, sizeof(copy), "%s:/usr/bin:/usr/local/bin",
		    path != NULL ? path : "");
		for (char *d = strtok_r(copy, ":", &save); d != NULL;
		    d = strtok_r(NULL, ":", &save)) {
			snprintf(found, sizeof(found), "%s/%s", d, names[i]);
			if (executable(found))
				return found;
		}
	}
	return NULL;
}

/* Render page in headless Chromium at 1280 pixels; the screenshot must
 * be that wide and hold a page, not one colour. */
static void
screenshot(const char *page, const char *png)
{
	const char *browser = chromium();
	char profile[4096], size[64], url[4200], profarg[4200], shotarg[4200];
	char err[512];
	struct png_facts f;
	struct run r;

	if (browser == NULL) {
		printf("screenshot of %s skipped: no chromium (set CHROMIUM, "
		    "or install Debian's chromium)\n", page);
		return;
	}
	snprintf(profile, sizeof(profile), "%s", pki("chromium-XXXXXX"));
	ck_assert_ptr_nonnull(mkdtemp(profile));
	snprintf(size, sizeof(size), "--window-size=%d,%d", SHOT_WIDTH,
	    SHOT_HEIGHT);
	snprintf(url, sizeof(url), "file://%s", page);
	snprintf(profarg, sizeof(profarg), "--user-data-dir=%s", profile);
	snprintf(shotarg, sizeof(shotarg), "--screenshot=%s", png);
	{
		const char *argv[] = { "timeout", "-k", "5", "90", browser,
		    "--headless", "--no-sandbox", "--disable-gpu",
		    "--disable-quic", "--no-first-run",
		    "--disable-background-networking",
		    "--disable-component-update", "--disable-sync",
		    "--hide-scrollbars", profarg, shotarg, size, url, NULL };

		run_argv(&r, argv, NULL, 120);
	}
	ck_assert_msg(r.status == 0, "%s\nexit %d\n%s", r.cmd, r.status, r.out);
	free(r.out);
	{
		const char *argv[] = { "rm", "-rf", profile, NULL };

		run_argv(&r, argv, NULL, 30);
		free(r.out);
	}
	ck_assert_msg(png_check(png, &f, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(f.width, SHOT_WIDTH);
	ck_assert_uint_eq(f.height, SHOT_HEIGHT);
	ck_assert_msg(f.colors >= 16 && f.top_share < 0.97,
	    "%s looks blank: %lu colours, the commonest covers %.1f%%", png,
	    f.colors, f.top_share * 100);
}

START_TEST(test_report_success_text)
{
	const char *path = pki("ok.html");
	struct run r;
	char *page;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "10",
	    "--report", path, target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	/* the text walk is printed as without --report */
	EXPECT_HAS(&r, "[8/8] Publish/subscribe round trip");
	free(r.out);
	page = slurp(path);
	check_page(page, 1);
	check_chain(page);
	PAGE_HAS(page, "class=\"verdict ok\"");
	PAGE_HAS(page, "CONNACK &#183; 4 B");
	PAGE_HAS(page, "ClientHello &#183; ");
	PAGE_HAS(page, "Connected (secure)");
	PAGE_LACKS(page, "<td class=\"fail");
	free(page);
	screenshot(path, pki("ok.png"));
}
END_TEST

START_TEST(test_report_step4_json)
{
	const char *path = pki("step4.html");
	struct run r;
	char *page;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "10",
	    "--format", "json", "--report", path, target(L_UNTRUSTED), NULL);
	EXPECT_EXIT(&r, 4);
	ck_assert_msg(r.out[0] == '{', "not JSON:\n%s", r.out);
	free(r.out);
	page = slurp(path);
	check_page(page, 1);
	check_chain(page);
	PAGE_HAS(page, "class=\"verdict fail\"");
	PAGE_HAS(page, "step 4 (Certificate verification)");
	/* drawn where it happened, and marked in the tracker */
	PAGE_HAS(page, "step 4 failed (verify)");
	ck_assert_uint_eq(count_of(page, "<td class=\"fail"), 1);
	PAGE_HAS(page, "class=\"step nr\" id=\"step-5\"");
	PAGE_HAS(page, "untrusted CA");
	/* the chain's card is marked by the finding against it */
	PAGE_HAS(page, "<div class=\"card card-bad\">");
	free(page);
	screenshot(path, pki("step4.png"));
}
END_TEST

/* A wrong password: refused at step 7; the page shows the packets'
 * bytes (--hexdump) without the password field, and never the password. */
START_TEST(test_report_step7_jsonl)
{
	const char *path = pki("step7.html");
	struct run r;
	char *page;

	run_probe(&r, WRONG_PASSWORD, "--cafile", pki("ca.pem"), "-t", "10",
	    "-u", "probeuser", "--format", "jsonl", "--hexdump", "--report",
	    path, target(L_PASSWORD), NULL);
	EXPECT_EXIT(&r, 7);
	EXPECT_LACKS(&r, WRONG_PASSWORD);
	free(r.out);
	page = slurp(path);
	check_page(page, 1);
	PAGE_HAS(page, "class=\"verdict fail\"");
	PAGE_HAS(page, "step 7 (CONNACK received)");
	PAGE_HAS(page, "step 7 failed (refused)");
	PAGE_HAS(page, "<pre class=\"hex\">");
	/* CONNECT's bytes stop before the password field, and say so
	 * without a count: neither the password nor its length */
	PAGE_HAS(page, "Then the password field, its length included: not "
	    "shown.");
	ck_assert_msg(strstr(page, "2a 2a 2a 2a") == NULL,
	    "masked password bytes on the page");
	ck_assert_uint_eq(count_of(page, "<td class=\"fail"), 1);
	free(page);
	screenshot(path, pki("step7.png"));
}
END_TEST

/* Two targets, three probes each: the summary and the chart come
 * first, then a section per target. */
START_TEST(test_report_series_prometheus)
{
	const char *path = pki("series.html");
	struct run r;
	char *page;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "10", "-c", "3",
	    "--interval", "0", "--format", "prometheus", "--report", path,
	    target(L_GOOD), target(L_EXPIRED), NULL);
	EXPECT_EXIT(&r, 4);
	EXPECT_HAS(&r, "mqtts_probe_success");
	free(r.out);
	page = slurp(path);
	check_page(page, 2);
	PAGE_HAS(page, "id=\"summary\"");
	PAGE_HAS(page, "<svg class=\"chart\"");
	ck_assert_uint_eq(count_of(page, "<section class=\"target\""), 2);
	ck_assert_uint_eq(count_of(page, "<g class=\"box\">"), 1);
	PAGE_HAS(page, "<td class=\"fail\">FAIL step 4");
	PAGE_HAS(page, "<td class=\"ok\">OK</td><td>3</td><td>3</td>");
	PAGE_HAS(page, "The walk of probe 3 of 3, the last one that failed.");
	free(page);
	screenshot(path, pki("series.png"));
}
END_TEST

START_TEST(test_report_with_nagios)
{
	const char *path = pki("nagios.html");
	struct run r;
	char *page;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "10",
	    "--format", "nagios", "--report", path, target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_LAST_LINE_STARTS(&r, "MQTTS OK");
	free(r.out);
	page = slurp(path);
	check_page(page, 1);
	free(page);
}
END_TEST

/* A report that cannot be written is named before any probe runs. */
START_TEST(test_report_unwritable)
{
	char path[4200];
	struct run r;

	snprintf(path, sizeof(path), "%s/no/such/dir/r.html", g_dir);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "10",
	    "--report", path, target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 73);
	EXPECT_HAS(&r, "--report");
	EXPECT_HAS(&r, "no such file or directory");
	EXPECT_LACKS(&r, "[1/8]");
	free(r.out);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_report_success_text);
	tcase_add_test(tc, test_report_step4_json);
	tcase_add_test(tc, test_report_step7_jsonl);
	tcase_add_test(tc, test_report_series_prometheus);
	tcase_add_test(tc, test_report_with_nagios);
	tcase_add_test(tc, test_report_unwritable);
}

int
main(void)
{
	return itest_main("report_browser", add_tests);
}
