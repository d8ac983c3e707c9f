/*
 * check_badinput.c -- what the user gets wrong: every option with a
 * malformed or out-of-range value, missing, unreadable, empty or garbage
 * files, a certificate and key that do not match, a wrong passphrase, a
 * target that does not parse.  Each must end before any connection with
 * exit 64 (usage) or 66 (local file) and a message naming the option or
 * file.  Also: secrets never show in any output, and files that hold
 * them draw a warning when others can read them.  (Harness: itest.c.)
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

/* The passphrase of the encrypted copy of client.key made below, and a
 * wrong one.  Distinctive, so that no output can contain them by chance. */
#define KEY_PASSPHRASE "K3y-Phrase-Qz81"
#define WRONG_PASSPHRASE "Wr0ng-Phrase-Jx42"

/* ---- files made for these tests ------------------------------------- */

static void
badinput_write(const char *name, const char *text, mode_t mode)
{
	const char *path = pki(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* cat a b > out, mode 0600 */
static void
badinput_concat(const char *out, const char *a, const char *b)
{
	char cmd[3 * 4200 + 64];
	struct run r;
	const char *argv[] = { "sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof cmd, "cat '%s' '%s' > '%s' && chmod 600 '%s'",
		 pki(a), pki(b), pki(out), pki(out));
	run_argv(&r, argv, NULL, 30);
	ck_assert_msg(r.status == 0, "%s: %s", cmd, r.out);
	free(r.out);
}

/*
 * Runs once, after itest.c made the PKI: the bad files, the secret
 * files, and client.key encrypted with KEY_PASSPHRASE (PKCS#8).
 */
static void
badinput_setup(void)
{
	const char *argv[] = { getenv("CERTTOOL"), "--to-p8",
			       "--load-privkey", NULL, "--password",
			       KEY_PASSPHRASE, "--outfile", NULL, NULL };
	struct run r;

	badinput_write("empty.pem", "", 0644);
	badinput_write("garbage.pem", "this is not PEM\n\x01\x02\xff\n", 0644);
	badinput_write("unreadable.pem", "", 0);
	badinput_write("empty-secret.txt", "\n", 0600);
	badinput_write("keypass.txt", KEY_PASSPHRASE "\n", 0600);
	badinput_write("wrong-keypass.txt", WRONG_PASSPHRASE "\n", 0600);
	badinput_write("open-password.txt", GOOD_PASSWORD "\n", 0644);
	badinput_write("open-keypass.txt", KEY_PASSPHRASE "\n", 0644);
	mkdir(pki("adir"), 0755);
	mkdir(pki("emptydir"), 0755);
	/* pki() rotates a few buffers: take these last */
	argv[3] = pki("client.key");
	argv[7] = pki("client-enc.key");
	run_argv(&r, argv, NULL, 60);
	ck_assert_msg(r.status == 0, "certtool --to-p8 failed (%d): %s",
		      r.status, r.out);
	free(r.out);
	chmod(pki("client-enc.key"), 0600);
	/* the private key in the certificate file, for --cert alone */
	badinput_concat("client-both.pem", "client.pem", "client.key");
	/* a private key only its owner may read, for the warning tests */
	badinput_concat("client-private.key", "client.key", "empty.pem");
	/* and one that others may read (pki.sh makes its keys 0600) */
	badinput_concat("client-open.key", "client.key", "empty.pem");
	chmod(pki("client-open.key"), 0644);
}

/* ---- the table ------------------------------------------------------ */

/*
 * One bad invocation.  In args, "@NAME" is the file NAME in the test
 * directory and "@good" the good listener; the good listener is also
 * the target unless the row gives its own (no_target), so that an input
 * that is wrongly accepted shows as a probe that ran.
 */
struct badinput_case {
	const char *args[10];
	int status;
	const char *says;
	bool no_target;		/* args hold the target, or none */
	bool not_root;		/* root reads any file: skip as root */
};

#define T(...) { __VA_ARGS__, NULL }
static const struct badinput_case badinput_cases[] = {
	/* numbers: malformed, out of range */
	{ T("-t", "abc"), 64, "--timeout" },
	{ T("-t", ""), 64, "--timeout" },
	{ T("-t", "0"), 64, "--timeout: '0'" },
	{ T("-t", "-1"), 64, "--timeout: '-1'" },
	{ T("-t", "3601"), 64, "--timeout: '3601'" },
	{ T("-t", "1e3"), 64, "--timeout: '1e3'" },
	{ T("--qos", "3"), 64, "--qos: '3'" },
	{ T("--qos", "x"), 64, "--qos" },
	{ T("--qos", "-1"), 64, "--qos" },
	{ T("--keepalive", "65536"), 64, "--keepalive: '65536'" },
	{ T("--keepalive", "-1"), 64, "--keepalive" },
	{ T("--keepalive", "1x"), 64, "--keepalive" },
	{ T("--steps", "0"), 64, "--steps" },
	{ T("--steps", "9"), 64, "--steps" },
	{ T("-c", "0"), 64, "--count" },
	{ T("-c", "1000001"), 64, "--count" },
	{ T("--interval", "-1"), 64, "--interval" },
	{ T("--interval", "86401"), 64, "--interval" },
	{ T("--parallel", "0"), 64, "--parallel" },
	{ T("--parallel", "257"), 64, "--parallel" },
	{ T("--warn-days", "36501"), 64, "--warn-days" },
	{ T("--crit-days", "-1"), 64, "--crit-days" },
	{ T("--warn-days", "5", "--crit-days", "10"), 64, "--crit-days" },
	{ T("--warn-ms", "0"), 64, "--warn-ms" },
	{ T("--warn-ms", "1.0001"), 64, "--warn-ms" },
	{ T("--crit-ms", "3600001"), 64, "--crit-ms" },
	{ T("--warn-ms", "100", "--crit-ms", "50"), 64, "--crit-ms" },
	/* words from a fixed set */
	{ T("-V", "3"), 64, "--mqtt-version" },
	{ T("-V", "5.1"), 64, "--mqtt-version" },
	{ T("--tls-version", "1.1"), 64, "--tls-version" },
	{ T("--tls-version", "x"), 64, "--tls-version" },
	{ T("--format", "xml"), 64, "--format" },
	{ T("--color", "sometimes"), 64, "--color" },
	/* strings */
	{ T("--topic", "a/+"), 64, "--topic" },
	{ T("--topic", "a/#"), 64, "--topic" },
	{ T("--topic", ""), 64, "--topic" },
	{ T("--connect-to", ""), 64, "--connect-to" },
	{ T("--connect-to", "127.0.0.1:0"), 64, "--connect-to" },
	{ T("--connect-to", "[::1"), 64, "--connect-to" },
	{ T("--alpn", ""), 64, "--alpn" },
	{ T("--alpn", ",,"), 64, "--alpn" },
	{ T("--sni-hostname", ""), 64, "--sni-hostname" },
	{ T("--verify-hostname", ""), 64, "--verify-hostname" },
	{ T("--priority", ""), 64, "--priority" },
	{ T("--priority", "NORMAL:+BOGUS"), 64, "--priority" },
	{ T("--priority", "NONE"), 64, "--priority" },
	/* the command line itself */
	{ T("--bogus"), 64, "--bogus" },
	{ T("-Z"), 64, "-Z" },
	{ T("--timeout"), 64, "--timeout", true },
	{ T("--key", "@client.key"), 64, "--key" },
	{ T("--pause"), 64, "--pause" },	/* stdin is not a terminal */
	{ T(NULL), 64, "target", true },
	/* targets that do not parse */
	{ T("host:"), 64, "TARGET 'host:'", true },
	{ T("[::1"), 64, "TARGET '[::1'", true },
	{ T("[::1]:"), 64, "TARGET '[::1]:'", true },
	{ T("mqtts://"), 64, "TARGET 'mqtts://'", true },
	{ T("mqtts://:8883"), 64, "TARGET", true },
	{ T("localhost:0"), 64, "TARGET 'localhost:0'", true },
	{ T("localhost:65536"), 64, "TARGET 'localhost:65536'", true },
	{ T("localhost:99999999999999999999"), 64, "TARGET", true },
	{ T("http://localhost"), 64, "TARGET", true },
	{ T(""), 64, "TARGET", true },
	{ T("a b"), 64, "TARGET", true },
	{ T("[zz]:1"), 64, "TARGET", true },
	{ T("1.2.3.4:5:6"), 64, "TARGET", true },
	/* CA files and directories */
	{ T("--cafile", "/nonexistent/ca.pem"), 66, "/nonexistent/ca.pem" },
	{ T("--cafile", "@empty.pem"), 66, "--cafile" },
	{ T("--cafile", "@garbage.pem"), 66, "no PEM certificate" },
	{ T("--cafile", "@adir"), 66, "Is a directory" },
	{ T("--cafile", "@unreadable.pem"), 66, "Permission denied", false,
	    true },
	{ T("--capath", "/nonexistent/certs"), 66, "--capath /nonexistent" },
	{ T("--capath", "@empty.pem"), 66, "Not a directory" },
	{ T("--capath", "@emptydir"), 66, "--capath" },
	/* client certificate and key */
	{ T("--cafile", "@ca.pem", "--cert", "/nonexistent/c.pem"), 66,
	    "--cert /nonexistent/c.pem" },
	{ T("--cafile", "@ca.pem", "--cert", "@empty.pem"), 66, "--cert" },
	{ T("--cafile", "@ca.pem", "--cert", "@garbage.pem", "--key",
	    "@client.key"), 66, "--cert" },
	{ T("--cafile", "@ca.pem", "--cert", "@adir", "--key",
	    "@client.key"), 66, "Is a directory" },
	{ T("--cafile", "@ca.pem", "--cert", "@unreadable.pem", "--key",
	    "@client.key"), 66, "Permission denied", false, true },
	{ T("--cafile", "@ca.pem", "--cert", "@client.pem", "--key",
	    "/nonexistent/c.key"), 66, "--key /nonexistent/c.key" },
	{ T("--cafile", "@ca.pem", "--cert", "@client.pem", "--key",
	    "@empty.pem"), 66, "--key" },
	{ T("--cafile", "@ca.pem", "--cert", "@client.pem", "--key",
	    "@garbage.pem"), 66, "--key" },
	{ T("--cafile", "@ca.pem", "--cert", "@client.pem", "--key",
	    "@server.key"), 66, "do not match" },
	{ T("--cafile", "@ca.pem", "--cert", "@client.pem", "--key",
	    "@client-enc.key"), 66, "give --key-password-file" },
	{ T("--cafile", "@ca.pem", "--cert", "@client.pem", "--key",
	    "@client-enc.key", "--key-password-file", "@wrong-keypass.txt"),
	    66, "wrong passphrase" },
	{ T("--cafile", "@ca.pem", "--cert", "@client.pem", "--key",
	    "@client-enc.key", "--key-password-file", "/nonexistent/kp"),
	    66, "--key-password-file /nonexistent/kp" },
	{ T("--cafile", "@ca.pem", "--cert", "@client.pem", "--key",
	    "@client-enc.key", "--key-password-file", "@empty-secret.txt"),
	    66, "--key-password-file" },
	{ T("--cafile", "@ca.pem", "--cert", "@client.pem", "--key",
	    "@client-enc.key", "--key-password-file", "@adir"), 66,
	    "--key-password-file" },
	{ T("--cafile", "@ca.pem", "--cert", "pkcs11:token=nope;object=nope"),
	    66, "pkcs11:token=nope" },
	{ T("--cafile", "@ca.pem", "--cert", "@client.pem", "--key",
	    "pkcs11:token=nope;object=nope"), 66, "pkcs11:token=nope" },
	/* the MQTT password and the key log */
	{ T("--cafile", "@ca.pem", "--password-file", "/nonexistent/pw"), 66,
	    "--password-file /nonexistent/pw" },
	{ T("--cafile", "@ca.pem", "--password-file", "@empty-secret.txt"),
	    66, "--password-file" },
	{ T("--cafile", "@ca.pem", "--password-file", "@empty.pem"), 66,
	    "--password-file" },
	{ T("--cafile", "@ca.pem", "--password-file", "@adir"), 66,
	    "--password-file" },
	{ T("--cafile", "@ca.pem", "--keylog", "/nonexistent/dir/keys"), 66,
	    "--keylog /nonexistent/dir/keys" },
};
#undef T

#define BADINPUT_NCASES (sizeof badinput_cases / sizeof badinput_cases[0])

/* "@NAME" -> the file in the test directory, "@good" -> the listener. */
static const char *
badinput_arg(const char *a)
{
	if (a[0] != '@')
		return a;
	if (strcmp(a, "@good") == 0)
		return target(L_GOOD);
	return pki(a + 1);
}

START_TEST(test_badinput)
{
	const struct badinput_case *c = &badinput_cases[_i];
	const char *argv[MAX_ARGS];
	size_t n = 0;
	struct run r;

	if (c->not_root && geteuid() == 0)
		return;		/* root reads a mode 000 file */
	argv[n++] = g_probe;
	for (size_t i = 0; c->args[i] != NULL; i++)
		argv[n++] = badinput_arg(c->args[i]);
	if (!c->no_target) {
		argv[n++] = "-t";
		argv[n++] = "2";
		argv[n++] = target(L_GOOD);
	}
	argv[n] = NULL;
	run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
	EXPECT_EXIT(&r, c->status);
	EXPECT_HAS(&r, c->says);
	/* rejected before any connection: nothing of the walk */
	EXPECT_LACKS(&r, "[1/8]");
	free(r.out);
}
END_TEST

/* ---- secrets -------------------------------------------------------- */

/* The secret, and its first bytes in hex as the text hexdump ("53 33
 * 63") and JSON ("53336372") show bytes. */
static void
badinput_expect_hidden(const struct run *r, const char *secret)
{
	const unsigned char *u = (const unsigned char *)secret;
	char hex[16];

	EXPECT_LACKS(r, secret);
	snprintf(hex, sizeof hex, "%02x %02x %02x", u[0], u[1], u[2]);
	EXPECT_LACKS(r, hex);
	snprintf(hex, sizeof hex, "%02x%02x%02x%02x", u[0], u[1], u[2], u[3]);
	EXPECT_LACKS(r, hex);
}

/* Every output form there is; each run also gets -t 5 and a target. */
static const char *const badinput_forms[][5] = {
	{ NULL },
	{ "-q", NULL },
	{ "-v", NULL },
	{ "-vv", NULL },
	{ "--explain", NULL },
	{ "--trace", NULL },
	{ "--hexdump", "-vv", NULL },
	{ "--format", "json", NULL },
	{ "--format", "jsonl", NULL },
	{ "--format", "jsonl", "--hexdump", NULL },
	{ "--format", "nagios", NULL },
	{ "--format", "prometheus", NULL },
};

#define BADINPUT_NFORMS (sizeof badinput_forms / sizeof badinput_forms[0])

/* Nagios maps every verdict to 0..3: its exit status is not the step. */
static bool
badinput_is_nagios(size_t f)
{
	return badinput_forms[f][0] != NULL && badinput_forms[f][1] != NULL &&
	    strcmp(badinput_forms[f][1], "nagios") == 0;
}

/*
 * The MQTT password, good (the walk goes to step 8) and wrong (refused
 * at step 7), from each source, through every output form and both
 * protocol versions: never shown.  One Check test per output form, so
 * that no single test runs a dozen probes against Check's timeout.
 */
START_TEST(test_password_never_shown)
{
	static const char *const versions[] = { "3.1.1", "5" };
	const size_t f = (size_t)_i;

	for (size_t v = 0; v < 2; v++) {
		for (int wrong = 0; wrong <= 1; wrong++) {
			const char *argv[MAX_ARGS];
			size_t n = 0;
			struct run r;

			/* the refused walk in fewer forms suffices */
			if (wrong && f % 3 != 0)
				continue;
			argv[n++] = g_probe;
			argv[n++] = "--cafile";
			argv[n++] = pki("ca.pem");
			argv[n++] = "-t";
			argv[n++] = "5";
			argv[n++] = "-V";
			argv[n++] = versions[v];
			argv[n++] = "-u";
			argv[n++] = "probeuser";
			for (size_t i = 0; badinput_forms[f][i]; i++)
				argv[n++] = badinput_forms[f][i];
			/* each source in turn */
			if ((f + v) % 3 == 1) {
				argv[n++] = "--password-file";
				argv[n++] = pki(wrong ?
				    "wrong-password.txt" :
				    "password.txt");
			} else if ((f + v) % 3 == 2) {
				argv[n++] = "-P";
				argv[n++] = wrong ? WRONG_PASSWORD :
				    GOOD_PASSWORD;
			}
			argv[n++] = target(L_PASSWORD);
			argv[n] = NULL;
			run_argv(&r, argv, (f + v) % 3 == 0 ? (wrong ?
				 WRONG_PASSWORD : GOOD_PASSWORD) : NULL,
				 RUN_LIMIT_SECONDS);
			if (!badinput_is_nagios(f))
				EXPECT_EXIT(&r, wrong ? 7 : 0);
			badinput_expect_hidden(&r, GOOD_PASSWORD);
			badinput_expect_hidden(&r, WRONG_PASSWORD);
			free(r.out);
		}
	}
}
END_TEST

/* The key passphrase: right (mutual TLS works) and wrong (exit 66). */
START_TEST(test_passphrase_never_shown)
{
	const size_t f = (size_t)_i;	/* one test per output form */

	for (int wrong = 0; wrong <= 1; wrong++) {
		const char *argv[MAX_ARGS];
		size_t n = 0;
		struct run r;

		if (wrong && f % 3 != 0)
			continue;
		argv[n++] = g_probe;
		argv[n++] = "--cafile";
		argv[n++] = pki("ca.pem");
		argv[n++] = "-t";
		argv[n++] = "5";
		argv[n++] = "--cert";
		argv[n++] = pki("client.pem");
		argv[n++] = "--key";
		argv[n++] = pki("client-enc.key");
		argv[n++] = "--key-password-file";
		argv[n++] = pki(wrong ? "wrong-keypass.txt" :
				"keypass.txt");
		for (size_t i = 0; badinput_forms[f][i]; i++)
			argv[n++] = badinput_forms[f][i];
		argv[n++] = target(L_MTLS);
		argv[n] = NULL;
		run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
		if (!badinput_is_nagios(f))
			EXPECT_EXIT(&r, wrong ? 66 : 0);
		if (wrong)
			EXPECT_HAS(&r, "wrong passphrase");
		badinput_expect_hidden(&r, KEY_PASSPHRASE);
		badinput_expect_hidden(&r, WRONG_PASSPHRASE);
		free(r.out);
	}
}
END_TEST

/* ---- warnings about files others can read ---------------------------- */

struct badinput_warning {
	const char *args[7];
	const char *says;	/* NULL: no warning expected */
};

static const struct badinput_warning badinput_warnings[] = {
	{ { "--password-file", "@open-password.txt", "-u", "probeuser",
	    NULL }, "--password-file" },
	{ { "--password-file", "@password.txt", "-u", "probeuser", NULL },
	    NULL },
	{ { "--cert", "@client.pem", "--key", "@client-open.key", NULL },
	    "--key" },
	{ { "--cert", "@client.pem", "--key", "@client-private.key", NULL },
	    NULL },
	{ { "--cert", "@client.pem", "--key", "@client-enc.key",
	    "--key-password-file", "@open-keypass.txt", NULL },
	    "--key-password-file" },
	{ { "--cert", "@client.pem", "--key", "@client-enc.key",
	    "--key-password-file", "@keypass.txt", NULL }, NULL },
	/* the key in the certificate file, which only its owner reads */
	{ { "--cert", "@client-both.pem", NULL }, NULL },
};

#define BADINPUT_NWARNINGS \
	(sizeof badinput_warnings / sizeof badinput_warnings[0])

START_TEST(test_readable_secret_warns)
{
	const struct badinput_warning *w = &badinput_warnings[_i];
	const char *argv[MAX_ARGS];
	size_t n = 0;
	struct run r;

	argv[n++] = g_probe;
	argv[n++] = "--cafile";
	argv[n++] = pki("ca.pem");
	argv[n++] = "--steps";
	argv[n++] = "1";
	for (size_t i = 0; w->args[i] != NULL; i++)
		argv[n++] = badinput_arg(w->args[i]);
	argv[n++] = target(L_GOOD);
	argv[n] = NULL;
	run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
	EXPECT_EXIT(&r, 0);
	if (w->says != NULL) {
		EXPECT_HAS(&r, "warning");
		EXPECT_HAS(&r, "readable by other users");
		EXPECT_HAS(&r, w->says);
	} else {
		EXPECT_LACKS(&r, "readable by other users");
	}
	free(r.out);
}
END_TEST

/* Without --key the key comes from the --cert file: opened up to the
 * group, that file warns too. */
START_TEST(test_readable_cert_with_key_warns)
{
	struct run r;

	ck_assert_int_eq(chmod(pki("client-both.pem"), 0640), 0);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "--steps", "1",
		  "--cert", pki("client-both.pem"), target(L_GOOD), NULL);
	chmod(pki("client-both.pem"), 0600);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "--cert");
	EXPECT_HAS(&r, "readable by other users");
	EXPECT_HAS(&r, "640");
	free(r.out);
}
END_TEST

static void
add_tests(TCase *tc)
{
	/* after itest.c's fixture, which makes the PKI */
	tcase_add_unchecked_fixture(tc, badinput_setup, NULL);
	tcase_add_loop_test(tc, test_badinput, 0, (int)BADINPUT_NCASES);
	tcase_add_loop_test(tc, test_password_never_shown, 0,
			    (int)BADINPUT_NFORMS);
	tcase_add_loop_test(tc, test_passphrase_never_shown, 0,
			    (int)BADINPUT_NFORMS);
	tcase_add_loop_test(tc, test_readable_secret_warns, 0,
			    (int)BADINPUT_NWARNINGS);
	tcase_add_test(tc, test_readable_cert_with_key_warns);
}

int
main(void)
{
	return itest_main("badinput", add_tests);
}
