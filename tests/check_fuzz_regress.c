/*
 * check_fuzz_regress.c -- replay what the fuzzers know through the same
 * entry points (fuzz/fuzz_entries.c): every file in fuzz/regress/HARNESS/
 * (inputs that once crashed, kept for ever) and in fuzz/corpus/HARNESS/
 * (the seeds).  Built with the normal compiler, so under
 * --enable-sanitizers this is the fuzzers' crash check without clang.
 *
 * FUZZ_DIR (compile time) is the source tree's fuzz/ directory.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_entries.h"

#ifndef FUZZ_DIR
#error "FUZZ_DIR must name the fuzz/ directory"
#endif

/* Inputs are small (libFuzzer's -max_len is 4096 in scripts/fuzz). */
#define REGRESS_MAX_INPUT (1024 * 1024)

static const struct {
	const char *name;
	void (*entry)(const uint8_t *, size_t);
} regress_harnesses[] = {
	{ "mqtt", fuzz_mqtt_one },
	{ "target", fuzz_target_one },
	{ "options", fuzz_options_one },
	{ "serve_config", fuzz_serve_config_one },
	{ "http", fuzz_http_one },
	{ "ws", fuzz_ws_one },
	{ "crl_reason", fuzz_crl_reason_one },
	{ "proxy_url", fuzz_proxy_url_one },
	{ "psk_key", fuzz_psk_key_one },
};

/* The whole file, in a buffer of exactly its size. */
static uint8_t *
regress_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_msg(n >= 0 && n <= REGRESS_MAX_INPUT, "%s: size %ld", path,
		      n);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_msg(fread(buf, 1, (size_t)n, f) == (size_t)n, "%s: short "
		      "read", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/*
 * Feed every regular file of FUZZ_DIR/kind/harness to the entry; the
 * count of files fed.  A missing directory holds nothing (no crash was
 * ever found for that harness).
 */
static size_t
regress_dir(const char *kind, size_t h)
{
	char dir[4096], path[8192];
	size_t fed = 0;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/%s/%s", FUZZ_DIR, kind,
		 regress_harnesses[h].name);
	d = opendir(dir);
	if (d == NULL) {
		ck_assert_msg(errno == ENOENT, "%s: %s", dir, strerror(errno));
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		uint8_t *buf;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		/* the log names the input if the entry crashes */
		fprintf(stderr, "fuzz_%s_one(%s)\n", regress_harnesses[h].name,
			path);
		buf = regress_read(path, &len);
		regress_harnesses[h].entry(buf, len);
		free(buf);
		fed++;
	}
	closedir(d);
	return fed;
}

START_TEST(test_regress)
{
	regress_dir("regress", (size_t)_i);
}
END_TEST

START_TEST(test_corpus)
{
	/* the seeds are in the tree: an empty corpus means a lost one */
	ck_assert_msg(regress_dir("corpus", (size_t)_i) > 0,
		      "no seed in %s/corpus/%s", FUZZ_DIR,
		      regress_harnesses[_i].name);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fuzz_regress");
	TCase *tc = tcase_create("replay");
	int n = (int)(sizeof regress_harnesses / sizeof regress_harnesses[0]);
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_regress, 0, n);
	tcase_add_loop_test(tc, test_corpus, 0, n);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
