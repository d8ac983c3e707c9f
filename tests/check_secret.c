/*
 * check_secret.c -- src/cli/secret.c: reading a secret's first line with
 * read(2), its limits and messages, wiping what followed it, and the
 * process becoming non-dumpable.
 */
#include <config.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

static char g_path[] = "/tmp/check_secret.XXXXXX";
static char g_buf[SECRET_MAX + 1];

/* A file holding exactly those bytes, with that mode. */
static void
put_file(const void *data, size_t len, mode_t mode)
{
	int fd;

	unlink(g_path);
	fd = open(g_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

static long
read_it(unsigned *mode, char *err, size_t errlen)
{
	memset(g_buf, 0x55, sizeof g_buf);
	return secret_read_file("--password-file", g_path, g_buf,
	    sizeof g_buf, mode, err, errlen);
}

START_TEST(test_first_line_only)
{
	static const char text[] = "s3cret\nSECOND-LINE\n";
	char err[256];
	unsigned mode;

	put_file(text, sizeof text - 1, 0600);
	ck_assert_int_eq(read_it(&mode, err, sizeof err), 6);
	ck_assert_str_eq(g_buf, "s3cret");
	ck_assert_uint_eq(mode, 0);
	/* what followed the first line is wiped, not left in the buffer */
	ck_assert_ptr_null(memmem(g_buf, sizeof g_buf, "SECOND", 6));
}
END_TEST

START_TEST(test_crlf_and_no_newline)
{
	char err[256];
	unsigned mode;

	put_file("pw\r\n", 4, 0600);
	ck_assert_int_eq(read_it(&mode, err, sizeof err), 2);
	ck_assert_str_eq(g_buf, "pw");
	put_file("no-newline", 10, 0600);
	ck_assert_int_eq(read_it(&mode, err, sizeof err), 10);
	ck_assert_str_eq(g_buf, "no-newline");
}
END_TEST

/* Group or others may read it: the caller is told, to warn. */
START_TEST(test_exposed_mode_reported)
{
	char err[256];
	unsigned mode;

	put_file("pw\n", 3, 0644);
	ck_assert_int_eq(read_it(&mode, err, sizeof err), 2);
	ck_assert_uint_eq(mode, 0644);
	put_file("pw\n", 3, 0640);
	ck_assert_int_eq(read_it(&mode, err, sizeof err), 2);
	ck_assert_uint_eq(mode, 0640);
}
END_TEST

/* SECRET_MAX bytes fit, with or without a newline; one more does not. */
START_TEST(test_limit)
{
	static char big[SECRET_MAX + 2];
	char err[256];
	unsigned mode;

	memset(big, 'x', sizeof big);
	big[SECRET_MAX] = '\n';
	put_file(big, SECRET_MAX + 1, 0600);
	ck_assert_int_eq(read_it(&mode, err, sizeof err), SECRET_MAX);
	put_file(big, SECRET_MAX, 0600);
	ck_assert_int_eq(read_it(&mode, err, sizeof err), SECRET_MAX);
	big[SECRET_MAX] = '\r';
	big[SECRET_MAX + 1] = '\n';
	put_file(big, SECRET_MAX + 2, 0600);
	ck_assert_int_eq(read_it(&mode, err, sizeof err), SECRET_MAX);

	memset(big, 'x', sizeof big);
	put_file(big, SECRET_MAX + 1, 0600);
	ck_assert_int_eq(read_it(&mode, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "--password-file") != NULL &&
	    strstr(err, g_path) != NULL &&
	    strstr(err, "longer than 65535 bytes") != NULL, "%s", err);
	/* nothing of the refused secret is left behind */
	ck_assert_ptr_null(memchr(g_buf, 'x', sizeof g_buf));
}
END_TEST

START_TEST(test_empty_and_missing)
{
	char err[256];
	unsigned mode;

	put_file("\nsecond\n", 8, 0600);
	ck_assert_int_eq(read_it(&mode, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "holds no secret") != NULL, "%s", err);
	unlink(g_path);
	ck_assert_int_eq(read_it(&mode, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "--password-file") != NULL &&
	    strstr(err, "No such file") != NULL, "%s", err);
}
END_TEST

/* Reading a secret makes the process non-dumpable by itself. */
START_TEST(test_read_protects_process)
{
	char err[256];
	unsigned mode;

	ck_assert_int_eq(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	put_file("pw\n", 3, 0600);
	ck_assert_int_eq(read_it(&mode, err, sizeof err), 2);
	ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}
END_TEST

/* Check forks each test: this process may be made non-dumpable. */
START_TEST(test_protect_process)
{
	ck_assert_int_eq(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	ck_assert(secret_protect_process());
	ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}
END_TEST

int
main(void)
{
	int fd = mkstemp(g_path), failed;
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("read");

	if (fd == -1) {
		perror("mkstemp");
		return 99;
	}
	close(fd);
	tcase_add_test(tc, test_first_line_only);
	tcase_add_test(tc, test_crlf_and_no_newline);
	tcase_add_test(tc, test_exposed_mode_reported);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_empty_and_missing);
	tcase_add_test(tc, test_protect_process);
	tcase_add_test(tc, test_read_protects_process);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	unlink(g_path);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
