/*
 * check_integration.c -- end-to-end tests of the mqtts-probe binary against
 * a real mosquitto broker on 127.0.0.1 (harness: itest.c).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

/* ---- tests: success paths ------------------------------------------- */

/*
 * The hints of a failure, each phrase in hints[] (read from JSON, where
 * a hint is one string whatever the terminal's width), in the order
 * given, and the text output's hint: lines.
 */
static void expect_hints(const char *const *extra, const char *const *want)
{
	const char *argv[MAX_ARGS];
	struct run r;
	int n = 0;
	const char *at;

	argv[n++] = g_probe;
	argv[n++] = "--format";
	argv[n++] = "json";
	argv[n++] = "-t";
	argv[n++] = "5";
	for (; *extra != NULL && n < MAX_ARGS - 1; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
	at = strstr(r.out, "\"hints\":[");
	ck_assert_msg(at != NULL, "%s\nno hints:\n%s", r.cmd, r.out);
	for (; *want != NULL; want++) {
		const char *hit = strstr(at, *want);

		ck_assert_msg(hit != NULL, "%s\nno hint says \"%s\" (or not "
			      "in that order):\n%s", r.cmd, *want, at);
		at = hit;
	}
	free(r.out);
}

START_TEST(test_success_tls13)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5",
		  "--tls-version", "1.3", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "Secure channel ready");
	EXPECT_HAS(&r, "Connected (CONNACK received)");
	EXPECT_HAS(&r, "Connected (secure)");
	EXPECT_HAS(&r, "TLS1.3");
	EXPECT_LAST_LINE_STARTS(&r, "OK ");
	free(r.out);
}
END_TEST

START_TEST(test_success_tls12)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5",
		  "--tls-version", "1.2", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "TLS1.2");
	EXPECT_LAST_LINE_STARTS(&r, "OK ");
	free(r.out);
}
END_TEST

START_TEST(test_mqtt5)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5", "-V", "5",
		  target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_LAST_LINE_STARTS(&r, "OK ");
	free(r.out);
}
END_TEST

START_TEST(test_qos_levels)
{
	static const char *const qos[] = { "0", "1", "2" };
	struct run r;

	for (int v5 = 0; v5 <= 1; v5++) {
		for (size_t q = 0; q < sizeof qos / sizeof qos[0]; q++) {
			if (v5)
				run_probe(&r, NULL, "--cafile", pki("ca.pem"),
					  "-t", "5", "-V", "5", "--qos", qos[q],
					  target(L_GOOD), NULL);
			else
				run_probe(&r, NULL, "--cafile", pki("ca.pem"),
					  "-t", "5", "--qos", qos[q],
					  target(L_GOOD), NULL);
			EXPECT_EXIT(&r, 0);
			EXPECT_LAST_LINE_STARTS(&r, "OK ");
			free(r.out);
		}
	}
}
END_TEST

START_TEST(test_hostname_localhost)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5",
		  target_port("localhost", g_port[L_GOOD]), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_LAST_LINE_STARTS(&r, "OK ");
	free(r.out);
}
END_TEST

START_TEST(test_quiet)
{
	struct run r;

	run_probe(&r, NULL, "-q", "--cafile", pki("ca.pem"), "-t", "5",
		  target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	ck_assert_msg(count_lines(&r) == 1 && strncmp(r.out, "OK ", 3) == 0,
		      "%s\nexpected exactly one line starting with \"OK \", got %zu lines\n--- output ---\n%s",
		      r.cmd, count_lines(&r), r.out);
	free(r.out);
}
END_TEST

START_TEST(test_insecure_expired)
{
	struct run r;

	run_probe(&r, NULL, "--insecure", "--cafile", pki("ca.pem"), "-t", "5",
		  target(L_EXPIRED), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "UNVERIFIED");
	free(r.out);
}
END_TEST

START_TEST(test_steps_7)
{
	struct run r;

	run_probe(&r, NULL, "--steps", "7", "--cafile", pki("ca.pem"), "-t",
		  "5", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "skipped");
	free(r.out);
}
END_TEST

/* ---- tests: mutual TLS ---------------------------------------------- */

START_TEST(test_mtls_with_cert)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "--cert",
		  pki("client.pem"), "--key", pki("client.key"), "-t", "5",
		  target(L_MTLS), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_LAST_LINE_STARTS(&r, "OK ");
	free(r.out);
}
END_TEST

/*
 * A rejected client certificate has one exit status, 5, whatever the TLS
 * version and the timing: under TLS 1.2 the server's alert ends the
 * handshake, under TLS 1.3 it comes after it (while CONNECT leaves or
 * CONNACK is awaited) and is still step 5's failure.  Each case runs 20
 * times: a number that changes between runs cannot gate a CI job.
 * Loop: TLS 1.2 or 1.3, times no certificate or an untrusted one.
 */
/* The last place needle is in hay, or NULL. */
static const char *
strrchr_str(const char *hay, const char *needle)
{
	const char *last = NULL;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		last = p;
	return last;
}

START_TEST(test_mtls_rejected_is_step5)
{
	const char *version = _i % 2 == 0 ? "1.2" : "1.3";
	bool untrusted = _i >= 2;

	for (int k = 0; k < 20; k++) {
		struct run r;

		if (untrusted)
			run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5",
				  "--cert", pki("untrusted.pem"), "--key",
				  pki("untrusted.key"), "--tls-version",
				  version, target(L_MTLS), NULL);
		else
			run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5",
				  "--tls-version", version, target(L_MTLS),
				  NULL);
		ck_assert_msg(r.status == 5, "TLS %s, %s, run %d: exit %d, "
			      "want 5\n%.3000s", version, untrusted ?
			      "untrusted certificate" : "no certificate", k,
			      r.status, r.out);
		EXPECT_HAS(&r, "FAIL step 5");
		EXPECT_HAS(&r, "alert");
		EXPECT_HAS(&r, untrusted ? "it may not trust ours" :
			   "none was given");
		EXPECT_HAS(&r, "TLS: Failed");
		if (_i % 2 == 1) {
			/* when the alert came is kept */
			EXPECT_HAS(&r, "alert arrived while");
			/* step 5 was shown as ok when the handshake ended:
			 * its failure comes again, briefly, not every
			 * detail a second time */
			EXPECT_HAS(&r, "(shown as ok above: what the broker "
				   "sent after it made it fail)");
			ck_assert_msg(strstr(r.out, "cipher suite") ==
				      strrchr_str(r.out, "cipher suite"),
				      "step 5's details twice:\n%.3000s",
				      r.out);
		}
		free(r.out);
	}
}
END_TEST

/* ---- tests: MQTT credentials ---------------------------------------- */

static void expect_no_secrets(const struct run *r)
{
	EXPECT_LACKS(r, GOOD_PASSWORD);
	EXPECT_LACKS(r, WRONG_PASSWORD);
}

START_TEST(test_password_file)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5", "-u",
		  "probeuser", "--password-file", pki("password.txt"),
		  target(L_PASSWORD), NULL);
	EXPECT_EXIT(&r, 0);
	expect_no_secrets(&r);
	free(r.out);
}
END_TEST

START_TEST(test_password_wrong_v311)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5", "-u",
		  "probeuser", "--password-file", pki("wrong-password.txt"),
		  target(L_PASSWORD), NULL);
	EXPECT_EXIT(&r, 7);
	EXPECT_HAS(&r, "not authorized");
	expect_no_secrets(&r);
	free(r.out);
}
END_TEST

START_TEST(test_password_wrong_v5)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5", "-V", "5",
		  "-u", "probeuser", "--password-file",
		  pki("wrong-password.txt"), target(L_PASSWORD), NULL);
	EXPECT_EXIT(&r, 7);
	ck_assert_msg(contains_ci(r.out, "not authorized") ||
		      contains_ci(r.out, "bad user name or password"),
		      "%s\noutput names no authorization failure\n--- output ---\n%s",
		      r.cmd, r.out);
	expect_no_secrets(&r);
	free(r.out);
}
END_TEST

START_TEST(test_password_env)
{
	struct run r;

	run_probe(&r, GOOD_PASSWORD, "--cafile", pki("ca.pem"), "-t", "5",
		  "-u", "probeuser", target(L_PASSWORD), NULL);
	EXPECT_EXIT(&r, 0);
	expect_no_secrets(&r);
	free(r.out);
}
END_TEST

/* ---- tests: transport and handshake failures ------------------------ */

START_TEST(test_refused)
{
	struct run r;
	int port = 0;
	int fd = bind_loopback(&port);

	ck_assert_msg(fd >= 0, "cannot bind a loopback port");
	close(fd);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5",
		  target_port("127.0.0.1", port), NULL);
	EXPECT_EXIT(&r, 1);
	EXPECT_HAS(&r, "connection refused");
	free(r.out);
}
END_TEST

START_TEST(test_silent_server)
{
	struct run r;
	double limit;
	int port = 0;
	int fd = bind_loopback(&port);

	memset(&r, 0, sizeof r);
	ck_assert_msg(fd >= 0, "cannot bind a loopback port");
	/* The kernel completes the TCP handshake; nobody ever answers. */
	int listening = listen(fd, 4) == 0;

	if (listening)
		run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "1",
			  target_port("127.0.0.1", port), NULL);
	close(fd);	/* stop the server before any assertion */
	ck_assert_msg(listening, "listen: %s", strerror(errno));
	EXPECT_EXIT(&r, 3);
	EXPECT_HAS(&r, "timed out");
	/* the run's deadline and at most one more --timeout for the
	 * diagnosis, plus room for a loaded or slow machine to start and
	 * stop a process: it catches a hang, not a slow machine */
	limit = 2 * 1.0 + 3.0 * itest_slowdown();
	ck_assert_msg(r.seconds < limit,
		      "%s\ntook %.2f s with -t 1 (limit %.0f s)\n"
		      "--- output ---\n%s", r.cmd, r.seconds, limit, r.out);
	free(r.out);
}
END_TEST

START_TEST(test_http_server_talks_first)
{
	static const char banner[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
	struct run r;
	int port = 0;
	pid_t pid = talker_start(&port, banner, sizeof banner - 1, 0);

	ck_assert_msg(pid > 0, "cannot start the plaintext peer");
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5",
		  target_port("127.0.0.1", port), NULL);
	talker_stop(pid);
	EXPECT_EXIT(&r, 3);
	EXPECT_HAS(&r, "plaintext");
	/* the peer's first bytes are shown as text, not just 5 of them */
	EXPECT_HAS(&r, "HTTP/1.1 400 Bad Request");
	free(r.out);
}
END_TEST

START_TEST(test_plaintext_connack)
{
	static const char connack[] = { 0x20, 0x02, 0x00, 0x00 };
	struct run r;
	int port = 0;
	pid_t pid = talker_start(&port, connack, sizeof connack, 1);

	ck_assert_msg(pid > 0, "cannot start the plaintext peer");
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "30",
		  target_port("127.0.0.1", port), NULL);
	talker_stop(pid);
	EXPECT_EXIT(&r, 3);
	EXPECT_HAS(&r, "plaintext MQTT CONNACK");
	/* a 4-byte answer is not TLS: no need to wait for the deadline.
	 * A deadline far above the limit shows it however slow the
	 * machine (a loaded one took 3 s to start the probe and end it). */
	ck_assert_msg(r.seconds < 4.0 + 4.0 * itest_slowdown(),
		      "%s\ntook %.2f s with -t 30\n%s", r.cmd, r.seconds,
		      r.out);
	free(r.out);
}
END_TEST

START_TEST(test_plaintext_listener)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5",
		  target(L_PLAINTEXT), NULL);
	EXPECT_EXIT(&r, 3);
	EXPECT_HAS(&r, "plaintext");
	free(r.out);
	{
		/* what it is and where TLS likely is; never a plaintext port
		 * as if it were an answer */
		char self[64];
		const char *extra[] = { "--cafile", pki("ca.pem"),
		    target(L_PLAINTEXT), NULL };
		const char *want[] = { self, "without TLS", "usually 8883 "
		    "(mqtts://127.0.0.1:8883)", NULL };

		snprintf(self, sizeof self, "port %d is a plaintext MQTT "
			 "listener", g_port[L_PLAINTEXT]);
		expect_hints(extra, want);
	}
}
END_TEST

/* mqtt://: the same broker's plaintext listener, steps 1 and 6-8 only,
 * marked UNENCRYPTED in text and in JSON. */
START_TEST(test_mqtt_plaintext_walk)
{
	struct run r;
	char url[64];

	snprintf(url, sizeof(url), "mqtt://127.0.0.1:%d", g_port[L_PLAINTEXT]);
	run_probe(&r, NULL, "-t", "10", url, NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "[2/8] ClientHello sent");
	EXPECT_HAS(&r, "skipped:    no TLS");
	EXPECT_HAS(&r, "!! UNENCRYPTED");
	EXPECT_HAS(&r, "Connected (UNENCRYPTED)");
	EXPECT_LAST_LINE_STARTS(&r, "OK UNENCRYPTED");
	free(r.out);

	run_probe(&r, NULL, "-t", "10", "--format", "json", url, NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "\"unencrypted\":true");
	EXPECT_HAS(&r, "\"reason\":\"no TLS\"");
	free(r.out);

	run_probe(&r, NULL, "-t", "10", "--format", "prometheus", url, NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "mqtts_probe_unencrypted{target=");
	EXPECT_HAS(&r, "\"} 1");
	free(r.out);

	run_probe(&r, NULL, "-t", "10", "--format", "nagios", url, NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "MQTTS OK");
	EXPECT_HAS(&r, "UNENCRYPTED (no TLS)");
	free(r.out);
}
END_TEST

START_TEST(test_tls12_against_tls13only)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5",
		  "--tls-version", "1.2", target(L_TLS13ONLY), NULL);
	EXPECT_EXIT(&r, 3);
	EXPECT_HAS(&r, "protocol version");
	free(r.out);
	{
		const char *extra[] = { "--cafile", pki("ca.pem"),
		    "--tls-version", "1.2", target(L_TLS13ONLY), NULL };
		const char *want[] = { "the server does not accept TLS 1.2",
		    "try --tls-version 1.3", NULL };

		expect_hints(extra, want);
	}
}
END_TEST

/*
 * gnutls-serv offering only one key-exchange group: a client whose first
 * key share is for another group gets a HelloRetryRequest.  Started under
 * timeout(1) so it cannot outlive the test; ready when it accepts TCP.
 */
static void
hrr_server_stop(pid_t pid)
{
	if (pid > 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static pid_t
hrr_server_start(int *port)
{
	char portbuf[16];
	pid_t pid;
	int fd = bind_loopback(port);

	if (fd < 0)
		return -1;
	close(fd);
	snprintf(portbuf, sizeof portbuf, "%d", *port);
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		/* own group: stopping it stops timeout(1) and gnutls-serv */
		setpgid(0, 0);

		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		signal(SIGALRM, SIG_DFL);
		execlp("timeout", "timeout", "20", "gnutls-serv",
		    "--x509certfile", pki("server.pem"), "--x509keyfile",
		    pki("server.key"), "-p", portbuf, "--priority",
		    "NORMAL:-GROUP-ALL:+GROUP-SECP384R1", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 100; i++) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
		    .sin_port = htons((uint16_t)*port),
		    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int c = socket(AF_INET, SOCK_STREAM, 0);
		int ok = connect(c, (struct sockaddr *)&sin, sizeof sin) == 0;

		close(c);
		if (ok)
			return pid;
		usleep(50000);
	}
	hrr_server_stop(pid);
	return -1;
}

START_TEST(test_hello_retry_request)
{
	struct run r;
	int port = 0;
	pid_t pid = hrr_server_start(&port);

	ck_assert_msg(pid > 0, "gnutls-serv did not start");
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5", "-v",
		  "--steps", "5", target_port("127.0.0.1", port), NULL);
	hrr_server_stop(pid);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "HelloRetryRequest");
	EXPECT_HAS(&r, "second ClientHello sent");
	EXPECT_HAS(&r, "SECP384R1");
	free(r.out);
}
END_TEST

/* ---- tests: certificate verification -------------------------------- */

static void expect_verify_failure(enum listener l, const char *reason)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5", target(l),
		  NULL);
	EXPECT_EXIT(&r, 4);
	EXPECT_HAS(&r, reason);
	/* Nothing after step 4 may have happened. */
	ck_assert_msg(contains_ci(last_line(&r), "FAIL step 4"),
		      "%s\nlast line lacks \"FAIL step 4\"\n--- output ---\n%s",
		      r.cmd, r.out);
	free(r.out);
}

START_TEST(test_unknown_ca)
{
	expect_verify_failure(L_UNTRUSTED, "issuer unknown");
	{
		const char *extra[] = { "--cafile", pki("ca.pem"),
		    target(L_UNTRUSTED), NULL };
		const char *want[] = { "the CA given with --cafile/--capath "
		    "did not issue this chain", "'CN=mqtts-probe untrusted CA,"
		    "O=elsewhere'", "--insecure (-k) shows the rest", NULL };

		expect_hints(extra, want);
	}
	{
		/* no --cafile: the system store does not know a private CA */
		const char *extra[] = { target(L_UNTRUSTED), NULL };
		const char *want[] = { "the system trust store does not know "
		    "'CN=mqtts-probe untrusted CA,O=elsewhere', likely a "
		    "private CA: give its certificate with --cafile", NULL };

		expect_hints(extra, want);
	}
}
END_TEST

START_TEST(test_self_signed)
{
	expect_verify_failure(L_SELFSIGNED, "self-signed");
	{
		const char *extra[] = { "--cafile", pki("ca.pem"),
		    "--verify-hostname", "127.0.0.1", target(L_SELFSIGNED),
		    NULL };
		const char *want[] = { "the broker signed its own certificate "
		    "(CN=127.0.0.1)", "giving it with --cafile",
		    "SHA-256 fingerprint ", NULL };

		expect_hints(extra, want);
	}
}
END_TEST

START_TEST(test_expired)
{
	expect_verify_failure(L_EXPIRED, "expired");
	{
		const char *extra[] = { "--cafile", pki("ca.pem"),
		    target(L_EXPIRED), NULL };
		const char *want[] = { "the broker's certificate (CN=localhost) "
		    "expired on 2021-01-01 00:00 UTC", "days ago: it must be "
		    "renewed on the broker", NULL };

		expect_hints(extra, want);
	}
}
END_TEST

START_TEST(test_not_yet_valid)
{
	expect_verify_failure(L_NOTYET, "not yet valid");
	{
		const char *extra[] = { "--cafile", pki("ca.pem"),
		    target(L_NOTYET), NULL };
		const char *want[] = { "is valid from 2099-01-01 00:00 UTC, and "
		    "this machine's clock says 20", "boots in 1970", NULL };

		expect_hints(extra, want);
	}
}
END_TEST

START_TEST(test_wrong_name)
{
	expect_verify_failure(L_WRONGNAME, "name does not match");
	{
		const char *extra[] = { "--cafile", pki("ca.pem"),
		    target(L_WRONGNAME), NULL };
		const char *want[] = { "the certificate is for DNS:wrong.example, "
		    "not for '127.0.0.1'", "--connect-to ADDR",
		    "--verify-hostname NAME", NULL };

		expect_hints(extra, want);
	}
	{
		const char *extra[] = { "--cafile", pki("ca.pem"),
		    "--verify-hostname", "other.example", target(L_GOOD),
		    NULL };
		const char *want[] = { "not for 'other.example' (given with "
		    "--verify-hostname)", NULL };

		expect_hints(extra, want);
	}
}
END_TEST

/*
 * COLUMNS=80: a healthy walk with everything a class turns on (-v,
 * --explain, --trace, --hexdump), -k, and each failure fit 80 columns:
 * failed:, hint:, details, events and the verdict wrap with an indent,
 * and the tracker never breaks a state.
 */
START_TEST(test_fits_80_columns)
{
	static const char *const states[] = { "Secure channel ready",
	    "Certificate verified", "Connected (CONNACK received)" };
	const enum listener ls[] = { L_GOOD, L_EXPIRED, L_NOTYET, L_WRONGNAME,
	    L_SELFSIGNED, L_UNTRUSTED, L_PLAINTEXT };
	struct run r;

	setenv("COLUMNS", "80", 1);
	run_probe(&r, NULL, "-v", "--explain", "--cafile", pki("ca.pem"),
		  "-t", "5", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	ck_assert_msg(widest_line(&r) <= 80, "%zu columns:\n%s",
		      widest_line(&r), r.out);
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		ck_assert_msg(strstr(strstr(r.out, "Status tracker"), states[i])
			      != NULL, "'%s' broken in the tracker:\n%s",
			      states[i], r.out);
	EXPECT_LAST_LINE_STARTS(&r, "OK 127.0.0.1:");
	free(r.out);
	run_probe(&r, NULL, "--trace", "--hexdump", "-k", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_EXPIRED), NULL);
	EXPECT_EXIT(&r, 0);
	ck_assert_msg(widest_line(&r) <= 80, "%zu columns:\n%s",
		      widest_line(&r), r.out);
	/* -k: step 4 is not "ok", and the end is not "secure" */
	EXPECT_HAS(&r, "FAILED, going on: --insecure");
	EXPECT_HAS(&r, "Connected (UNVERIFIED)");
	EXPECT_LACKS(&r, "Connected (secure)");
	free(r.out);
	for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++) {
		run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5",
			  target(ls[i]), NULL);
		ck_assert_msg(widest_line(&r) <= 80, "%zu columns:\n%s",
			      widest_line(&r), r.out);
		/* a failure shows the columns up to it, then "not reached" */
		if (r.status != 0)
			ck_assert_msg(strstr(r.out, "not reached\n") != NULL &&
				      strstr(r.out, "Steps ") != NULL, "%s",
				      r.out);
		free(r.out);
	}
	/* a wider terminal: one table */
	setenv("COLUMNS", "160", 1);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "5",
		  target(L_GOOD), NULL);
	ck_assert_msg(widest_line(&r) <= 160 && widest_line(&r) > 80,
		      "%zu columns:\n%s", widest_line(&r), r.out);
	ck_assert_msg(strstr(r.out, "After 4               After 5") != NULL,
		      "not one table at 160:\n%s", r.out);
	free(r.out);
	unsetenv("COLUMNS");
}
END_TEST

/* ---- tests: usage errors -------------------------------------------- */

START_TEST(test_usage_no_target)
{
	struct run r;

	run_probe(&r, NULL, NULL);
	EXPECT_EXIT(&r, 64);
	free(r.out);
}
END_TEST

START_TEST(test_usage_bad_qos)
{
	struct run r;

	run_probe(&r, NULL, "--qos", "3", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 64);
	EXPECT_HAS(&r, "--qos");
	free(r.out);
}
END_TEST

START_TEST(test_usage_missing_cafile)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", "/nonexistent", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 66);
	EXPECT_HAS(&r, "/nonexistent");
	free(r.out);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_success_tls13);
	tcase_add_test(tc, test_success_tls12);
	tcase_add_test(tc, test_mqtt5);
	tcase_add_test(tc, test_qos_levels);
	tcase_add_test(tc, test_hostname_localhost);
	tcase_add_test(tc, test_quiet);
	tcase_add_test(tc, test_insecure_expired);
	tcase_add_test(tc, test_steps_7);
	tcase_add_test(tc, test_mtls_with_cert);
	tcase_add_loop_test(tc, test_mtls_rejected_is_step5, 0, 4);
	tcase_add_test(tc, test_password_file);
	tcase_add_test(tc, test_password_wrong_v311);
	tcase_add_test(tc, test_password_wrong_v5);
	tcase_add_test(tc, test_password_env);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_silent_server);
	tcase_add_test(tc, test_http_server_talks_first);
	tcase_add_test(tc, test_plaintext_connack);
	tcase_add_test(tc, test_plaintext_listener);
	tcase_add_test(tc, test_mqtt_plaintext_walk);
	tcase_add_test(tc, test_tls12_against_tls13only);
	tcase_add_test(tc, test_hello_retry_request);
	tcase_add_test(tc, test_unknown_ca);
	tcase_add_test(tc, test_self_signed);
	tcase_add_test(tc, test_expired);
	tcase_add_test(tc, test_not_yet_valid);
	tcase_add_test(tc, test_wrong_name);
	tcase_add_test(tc, test_fits_80_columns);
	tcase_add_test(tc, test_usage_no_target);
	tcase_add_test(tc, test_usage_bad_qos);
	tcase_add_test(tc, test_usage_missing_cafile);
}

int
main(void)
{
	return itest_main("integration", add_tests);
}
