/*
 * check_hostile.c -- the probe against a broker that misbehaves on
 * purpose (tests/hostile_peer.c): for every way of misbehaving, the step
 * that must fail, the words that must name the reason, and a run that
 * ends within --timeout plus a small margin.  Also: Ctrl-C ends a probe
 * promptly and says where it was.
 *
 * Environment, besides itest.c's: HOSTILE_PEER, the peer binary.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "json_reader.h"

#ifndef SANITIZED
#define SANITIZED ""
#endif

/* The probe's --timeout in these tests (scaled under a wrapper, whose
 * start-up and handshake alone can take longer than 2 s), and the most a
 * run may take: the deadline plus a margin for start-up and the goodbye. */
#define HOSTILE_TIMEOUT_S 2.0
#define HOSTILE_TIMEOUT hostile_timeout()
#define HOSTILE_LIMIT 4.0

/* In a case's says[]: "--timeout N s" with the timeout the run got. */
#define HOSTILE_SAYS_TIMEOUT "@timeout@"

static const char *
hostile_timeout(void)
{
	static char buf[16];

	snprintf(buf, sizeof buf, "%g", HOSTILE_TIMEOUT_S * itest_slowdown());
	return buf;
}

/* Output a misbehaving peer may cause, at most: a 60000-byte reason
 * string must not come through whole. */
#define HOSTILE_MAX_OUTPUT (64 * 1024)

/* Peak resident memory of the probe, whatever the peer sends. */
#define HOSTILE_MAX_RSS_KB (16 * 1024)

/*
 * The probe's peak memory, checked where it means something: not under
 * a wrapper (valgrind's own memory) nor in a sanitizer build (ASan's
 * shadow and quarantine).
 */
static void
hostile_check_rss(const struct run *r, const char *mode)
{
	const char *w = getenv("MQTTS_PROBE_WRAPPER");

	if ((w != NULL && *w != '\0') || SANITIZED[0] != '\0')
		return;
	ck_assert_msg(r->maxrss_kb > 0, "mode %s: no peak memory from wait4",
		      mode);
	ck_assert_msg(r->maxrss_kb < HOSTILE_MAX_RSS_KB, "mode %s: %s\npeak "
		      "RSS %ld kB, over %d kB", mode, r->cmd, r->maxrss_kb,
		      HOSTILE_MAX_RSS_KB);
}

/*
 * Start the peer in mode; its port in *port.  The peer bounds itself
 * with alarm(); the caller stops it with hostile_stop.
 */
static pid_t
hostile_start(const char *mode, int *port)
{
	return itest_hostile_start(mode, pki("server.pem"), pki("server.key"),
	    20, port);
}

static void
hostile_stop(pid_t pid)
{
	talker_stop(pid);
}

/*
 * What a terminal would act on, or what would make the text read other
 * than it is: C0 controls but newline, DEL, bytes that are not
 * well-formed UTF-8, C1 controls (U+0080-U+009F; U+009B is CSI), and
 * bidirectional and invisible formatting characters.  Decoded here on
 * its own, not with the probe's code, so the two cannot share a blind
 * spot.  Returns where the first one starts, or NULL.
 */
static const char *
hostile_control_byte(const struct run *r)
{
	const unsigned char *s = (const unsigned char *)r->out;

	for (size_t i = 0; i < r->len;) {
		unsigned ch = s[i], need, cp;

		if (ch < 0x80) {
			if ((ch < 0x20 && ch != '\n') || ch == 0x7f)
				return r->out + i;
			i++;
			continue;
		}
		if (ch >= 0xc2 && ch <= 0xdf)
			need = 1, cp = ch & 0x1f;
		else if (ch >= 0xe0 && ch <= 0xef)
			need = 2, cp = ch & 0x0f;
		else if (ch >= 0xf0 && ch <= 0xf4)
			need = 3, cp = ch & 0x07;
		else
			return r->out + i;
		if (i + need >= r->len)
			return r->out + i;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return r->out + i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
		    cp <= 0x9f || cp == 0x61c ||
		    (cp >= 0x200b && cp <= 0x200f) ||
		    (cp >= 0x2028 && cp <= 0x202e) ||
		    (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff)
			return r->out + i;
		i += need + 1;
	}
	return NULL;
}

struct hostile_case {
	const char *mode;
	const char *args[5];		/* extra probe options */
	int status;			/* exit status: the step */
	const char *says[3];		/* in the output, NULL-ended */
	size_t max_output;		/* 0: HOSTILE_MAX_OUTPUT */
};

static const struct hostile_case hostile_cases[] = {
	/* the control case: the peer can behave */
	{ "tls", { NULL }, 0, { "OK 127.0.0.1", NULL } },
	{ "tls", { "-V", "5", "--qos", "2", NULL }, 0,
	    { "OK 127.0.0.1", NULL } },

	/* no TLS answer: step 3 */
	{ "silent", { NULL }, 3, { "FAIL step 3", "timed out waiting for "
	    "the server's answer to our ClientHello", HOSTILE_SAYS_TIMEOUT } },
	{ "close-after-hello", { NULL }, 3, { "FAIL step 3",
	    "closed the connection without a TLS answer", NULL } },
	{ "reset-after-hello", { NULL }, 3, { "FAIL step 3",
	    "reset the connection after our ClientHello", NULL } },
	{ "alert", { NULL }, 3, { "FAIL step 3",
	    "TLS alert handshake_failure (40)", NULL } },
	{ "http", { NULL }, 3, { "FAIL step 3", "answered in plaintext",
	    "HTTP/1.1 400 Bad Request" } },
	{ "plain-connack", { NULL }, 3, { "FAIL step 3",
	    "plaintext MQTT CONNACK", NULL } },
	/* one byte every 100 ms: the deadline, not a per-read timeout */
	{ "drip-handshake", { NULL }, 3, { "FAIL step 3", "timed out "
	    "waiting for the server's next handshake message", NULL } },

	/* TLS is fine, CONNACK is not: step 7 */
	{ "connack-type", { NULL }, 7, { "FAIL step 7",
	    "expected CONNACK, the broker sent PUBACK", NULL } },
	{ "connack-length", { NULL }, 7, { "FAIL step 7",
	    "malformed CONNACK", "remaining length must be 2" } },
	{ "connack-length", { "-V", "5", NULL }, 7, { "FAIL step 7",
	    "malformed CONNACK", "runs past the end of the packet" } },
	{ "connack-reserved", { NULL }, 7, { "FAIL step 7",
	    "malformed CONNACK", "reserved bits set" } },
	{ "connack-reserved", { "-V", "5", NULL }, 7, { "FAIL step 7",
	    "malformed CONNACK", "reserved bits set" } },
	{ "connack-truncated", { NULL }, 7, { "FAIL step 7",
	    "closed the connection (TLS close_notify) instead of sending "
	    "CONNACK", "3 bytes of an unfinished packet" } },
	{ "remaining-max", { NULL }, 7, { "FAIL step 7", "over 1 MiB",
	    NULL } },
	{ "remaining-over", { NULL }, 7, { "FAIL step 7",
	    "invalid remaining length", "over the protocol maximum" } },
	{ "props-invalid", { "-V", "5", NULL }, 7, { "FAIL step 7",
	    "malformed CONNACK", "property not allowed in this packet type" } },
	{ "props-duplicate", { "-V", "5", NULL }, 7, { "FAIL step 7",
	    "malformed CONNACK", "property appears more than once" } },
	{ "props-short", { "-V", "5", NULL }, 7, { "FAIL step 7",
	    "malformed CONNACK", "property length runs past the packet" } },
	{ "reason-utf8", { "-V", "5", NULL }, 7, { "FAIL step 7",
	    "malformed CONNACK", "not well-formed UTF-8" } },
	/* C1 controls and bidirectional overrides in well-formed UTF-8 */
	{ "reason-terminal", { "-V", "5", NULL }, 7, { "FAIL step 7",
	    "C\\u009b31mRED\\u202egnp.exe\\u2066x\\u2069\\u200f\\u0085",
	    NULL } },
	/* 60000 bytes of terminal escapes: refused, shown escaped, cut */
	{ "reason-long", { "-V", "5", NULL }, 7, { "FAIL step 7",
	    "0x87 (not authorized)", "\\x1b[31mRED" } },
	/* all of it in the hexdump (asked for), all of it escaped */
	{ "reason-long", { "-V", "5", "-vv", "--hexdump", NULL }, 7,
	    { "FAIL step 7", "0x87 (not authorized)", NULL }, 400 * 1024 },
	{ "drip-connack", { NULL }, 7, { "FAIL step 7",
	    "timed out waiting for CONNACK", "of an unfinished packet" } },
	{ "close-after-connect", { NULL }, 7, { "FAIL step 7",
	    "closed the connection (TLS close_notify) instead of sending "
	    "CONNACK", NULL } },
	{ "reset-after-connect", { NULL }, 7, { "FAIL step 7",
	    "the server reset the connection after the TLS handshake",
	    NULL } },
	/* close_notify ends the session: a CONNACK after it is not one */
	{ "data-after-close", { NULL }, 7, { "FAIL step 7",
	    "closed the connection (TLS close_notify)", NULL } },

	/* the round trip: step 8 */
	/* writes meet a reset: EPIPE, and SIGPIPE must not kill us (exit
	 * 8, not death by signal).  On a loaded machine the peer may be
	 * descheduled between its CONNACK and its reset, so the SUBSCRIBE
	 * can still be taken and the read after it meets the reset: the
	 * step and the reset are certain, the operation is not. */
	{ "close-after-connack", { NULL }, 8, { "FAIL step 8",
	    "reset the connection", NULL } },
	{ "publish-payload", { NULL }, 8, { "FAIL step 8",
	    "timed out waiting for our message to come back",
	    "1 on our topic with another payload" } },
	{ "publish-payload", { "-V", "5", "--qos", "2", NULL }, 8,
	    { "FAIL step 8", "timed out waiting for our message to come "
	    "back", "1 on our topic with another payload" } },
	{ "publish-topic", { NULL }, 8, { "FAIL step 8",
	    "timed out waiting for our message to come back",
	    "1 on other topics" } },
	{ "suback-id", { NULL }, 8, { "FAIL step 8",
	    "timed out waiting for SUBACK",
	    "ignored 1 SUBACK for another packet id" } },

	/* floods: the deadline and a bounded report, in words too */
	{ "flood-pingresp", { NULL }, 8, { "FAIL step 8",
	    "unexpected packets (the last a PINGRESP)",
	    "more events not shown" } },
	{ "flood-pingresp", { "-vv", "--trace", NULL }, 8, { "FAIL step 8",
	    "more events not shown", NULL } },
	{ "flood-hello-request", { NULL }, 7, { "FAIL step 7",
	    "timed out waiting for CONNACK", "HelloRequests or TLS warning "
	    "alerts meanwhile" } },
	{ "flood-warning-alerts", { NULL }, 3, { "FAIL step 3",
	    "TLS warning alerts and no handshake message", NULL } },
	{ "flood-big-publish", { "-vv", "--trace", "--hexdump", NULL }, 8,
	    { "FAIL step 8", "timed out waiting for our message to come back",
	    "more events not shown" }, 1024 * 1024 },
};

#define HOSTILE_NCASES (sizeof hostile_cases / sizeof hostile_cases[0])

START_TEST(test_hostile)
{
	const struct hostile_case *c = &hostile_cases[_i];
	const char *argv[MAX_ARGS];
	const char *bad;
	double limit = HOSTILE_LIMIT * itest_slowdown();
	size_t n = 0;
	struct run r;
	int port = 0;
	pid_t pid = hostile_start(c->mode, &port);

	argv[n++] = g_probe;
	argv[n++] = "--cafile";
	argv[n++] = pki("ca.pem");
	argv[n++] = "-t";
	argv[n++] = HOSTILE_TIMEOUT;
	for (size_t i = 0; i < 5 && c->args[i] != NULL; i++)
		argv[n++] = c->args[i];
	argv[n++] = target_port("127.0.0.1", port);
	argv[n] = NULL;
	run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
	hostile_stop(pid);

	ck_assert_msg(r.status == c->status,
		      "mode %s: %s\nexit status %d, expected %d\n"
		      "--- output ---\n%.2000s", c->mode, r.cmd, r.status,
		      c->status, r.out);
	for (size_t i = 0; i < 3 && c->says[i] != NULL; i++) {
		char said[64];
		const char *want = c->says[i];

		if (strcmp(want, HOSTILE_SAYS_TIMEOUT) == 0) {
			snprintf(said, sizeof said, "--timeout %s s",
			    HOSTILE_TIMEOUT);
			want = said;
		}
		ck_assert_msg(contains_ci(r.out, want),
			      "mode %s: %s\noutput lacks \"%s\"\n"
			      "--- output ---\n%.2000s", c->mode, r.cmd,
			      want, r.out);
	}
	ck_assert_msg(r.seconds < limit,
		      "mode %s: %s\ntook %.2f s with -t %s (limit %.1f s)\n"
		      "--- output ---\n%.2000s", c->mode, r.cmd, r.seconds,
		      HOSTILE_TIMEOUT, limit, r.out);
	/* whatever the peer sent, nothing reaches the terminal raw */
	bad = hostile_control_byte(&r);
	ck_assert_msg(bad == NULL, "mode %s: %s\ncontrol byte 0x%02x at "
		      "offset %zu of the output", c->mode, r.cmd,
		      bad ? (unsigned char)*bad : 0,
		      bad ? (size_t)(bad - r.out) : 0);
	ck_assert_msg(r.len < (c->max_output ? c->max_output :
				       HOSTILE_MAX_OUTPUT),
		      "mode %s: %s\n%zu bytes of output", c->mode, r.cmd,
		      r.len);
	hostile_check_rss(&r, c->mode);
	free(r.out);
}
END_TEST

/*
 * Peers that never let a read of the probe block.  Each must end its
 * step within --timeout plus 0.5 s as the probe measures it (the JSON
 * report's times, from the probe's start), with the reason named, the
 * flood counted rather than stored, and the memory flat.
 */
struct hostile_flood {
	const char *mode;
	const char *args[3];
	int step;			/* that fails, and the exit status */
	const char *cause;
	const char *says;		/* in the step's reason */
	bool counted;			/* the step's events_dropped > 0 */
};

static const struct hostile_flood hostile_floods[] = {
	{ "flood-pingresp", { NULL }, 8, "timeout",
	    "unexpected packets (the last a PINGRESP)", true },
	{ "flood-publish", { NULL }, 8, "timeout",
	    "were not ours (0 on our topic with another payload", true },
	{ "flood-publish", { "-V", "5", NULL }, 8, "timeout",
	    "were not ours (0 on our topic with another payload", true },
	/* 1 MiB each: under valgrind only one may come in time ("was") */
	{ "flood-big-publish", { NULL }, 8, "timeout",
	    "not ours (0 on our topic with another payload", true },
	{ "flood-hello-request", { NULL }, 7, "timeout",
	    "HelloRequests or TLS warning alerts meanwhile", true },
	/* GnuTLS itself gives up after 16: named, and at once */
	{ "flood-warning-alerts", { NULL }, 3, "tls",
	    "TLS warning alerts and no handshake message", false },
};

#define HOSTILE_NFLOODS (sizeof hostile_floods / sizeof hostile_floods[0])

START_TEST(test_flood)
{
	const struct hostile_flood *c = &hostile_floods[_i];
	const char *argv[MAX_ARGS];
	char path[64];
	double slow = itest_slowdown(), end_s;
	const struct jv *start, *dur, *v;
	struct jv doc;
	size_t n = 0;
	struct run r;
	int port = 0;
	pid_t pid = hostile_start(c->mode, &port);

	argv[n++] = g_probe;
	argv[n++] = "--cafile";
	argv[n++] = pki("ca.pem");
	argv[n++] = "-t";
	argv[n++] = HOSTILE_TIMEOUT;
	argv[n++] = "--format";
	argv[n++] = "json";
	for (size_t i = 0; i < 3 && c->args[i] != NULL; i++)
		argv[n++] = c->args[i];
	argv[n++] = target_port("127.0.0.1", port);
	argv[n] = NULL;
	run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
	hostile_stop(pid);

	ck_assert_msg(r.status == c->step, "mode %s: %s\nexit status %d, "
		      "expected %d\n--- output ---\n%.2000s", c->mode, r.cmd,
		      r.status, c->step, r.out);
	jr_parse(r.out, strcspn(r.out, "\n"), &doc);
	snprintf(path, sizeof path, "steps/%d/status", c->step - 1);
	jr_expect_str(&doc, path, "failed");
	snprintf(path, sizeof path, "steps/%d/cause", c->step - 1);
	jr_expect_str(&doc, path, c->cause);
	snprintf(path, sizeof path, "steps/%d/reason", c->step - 1);
	v = jr_get(&doc, path);
	ck_assert_msg(v != NULL && v->t == J_STR && contains_ci(v->str,
		      c->says), "mode %s: the reason lacks \"%s\": %s",
		      c->mode, c->says, v != NULL && v->t == J_STR ? v->str :
		      "(none)");
	snprintf(path, sizeof path, "steps/%d/start_us", c->step - 1);
	start = jr_get(&doc, path);
	snprintf(path, sizeof path, "steps/%d/duration_us", c->step - 1);
	dur = jr_get(&doc, path);
	ck_assert(start != NULL && start->t == J_NUM && dur != NULL &&
		  dur->t == J_NUM);
	end_s = (start->num + dur->num) / 1e6;
	ck_assert_msg(end_s <= (HOSTILE_TIMEOUT_S + 0.5) * slow,
		      "mode %s: step %d ended %.3f s after the start, with -t "
		      "%s", c->mode, c->step, end_s, HOSTILE_TIMEOUT);
	snprintf(path, sizeof path, "steps/%d/events_dropped", c->step - 1);
	v = jr_get(&doc, path);
	ck_assert(v != NULL && v->t == J_NUM);
	if (c->counted)
		ck_assert_msg(v->num > 0, "mode %s: no event dropped: was "
			      "there a flood?", c->mode);
	ck_assert_msg(r.seconds < HOSTILE_LIMIT * slow, "mode %s: took "
		      "%.2f s", c->mode, r.seconds);
	hostile_check_rss(&r, c->mode);
	jr_free(&doc);
	free(r.out);
}
END_TEST

/*
 * A certificate subject that would drive the terminal or read backwards
 * (made by certtool here): every place that shows it shows it escaped.
 */
START_TEST(test_cert_subject_terminal)
{
	char tmpl[4200], key[4200], cert[4200];
	const char *certtool = getenv("CERTTOOL");
	const char *genkey[] = { certtool, "--generate-privkey", "--key-type",
	    "ecdsa", "--outfile", key, NULL };
	const char *gencert[] = { certtool, "--generate-self-signed",
	    "--load-privkey", key, "--template", tmpl, "--outfile", cert,
	    NULL };
	const char *bad;
	struct run r;
	FILE *f;
	int port;
	pid_t pid;

	snprintf(tmpl, sizeof tmpl, "%s/terminal.tmpl", g_dir);
	snprintf(key, sizeof key, "%s/terminal.key", g_dir);
	snprintf(cert, sizeof cert, "%s/terminal.pem", g_dir);
	f = fopen(tmpl, "w");
	ck_assert_ptr_nonnull(f);
	fputs("cn = \"evil\xe2\x80\xae" "gnp.exe\xc2\x9b" "31m\"\n"
	    "organization = \"O\xe2\x81\xa6" "x\xe2\x81\xa9\xe2\x80\x8f\"\n"
	    "dns_name = \"localhost\"\nip_address = \"127.0.0.1\"\n"
	    "expiration_days = 30\nsigning_key\nencryption_key\n"
	    "tls_www_server\n", f);
	fclose(f);
	run_argv(&r, genkey, NULL, 60);
	EXPECT_EXIT(&r, 0);
	free(r.out);
	run_argv(&r, gencert, NULL, 60);
	EXPECT_EXIT(&r, 0);
	free(r.out);

	pid = itest_hostile_start("tls", cert, key, 20, &port);
	run_probe(&r, NULL, "-t", HOSTILE_TIMEOUT, "-vv",
	    target_port("127.0.0.1", port), NULL);
	hostile_stop(pid);
	/* self-signed and not trusted: step 4, subject and issuer shown */
	/* the output is long: messages show a Check-sized piece of it */
	ck_assert_msg(r.status == 4, "%s\nexit status %d, expected 4\n%.2000s",
	    r.cmd, r.status, r.out);
	ck_assert_msg(strstr(r.out, "CN=evil\\u202egnp.exe\\u009b31m,"
	    "O=O\\u2066x\\u2069\\u200f") != NULL,
	    "the subject is not shown escaped\n%.2000s", r.out);
	bad = hostile_control_byte(&r);
	ck_assert_msg(bad == NULL, "%s\nunsafe text at offset %zu of the "
	    "output:\n%.200s", r.cmd, bad ? (size_t)(bad - r.out) : 0,
	    bad ? bad : "");
	free(r.out);
}
END_TEST

/*
 * Ctrl-C in the middle of a long wait: the probe says which step it was
 * in and that it was interrupted, and exits with 128 + SIGINT at once,
 * not at its 30 s deadline.
 */
static void
hostile_interrupt(int sig, const char *signame)
{
	double after = 0.5;
	const char *argv[] = { g_probe, "--cafile", pki("ca.pem"), "-t", "30",
			       NULL, NULL };
	struct run r;
	int port = 0;
	pid_t pid = hostile_start("silent", &port);

	argv[5] = target_port("127.0.0.1", port);
	/* the signal comes while the probe waits in step 3, however long
	 * it took to get there: after step 2's line, not after a guess */
	run_argv_signal_after(&r, argv, NULL, RUN_LIMIT_SECONDS, sig,
	    "[2/8]", after);
	hostile_stop(pid);
	ck_assert_msg(r.status == 128 + sig, "%s: %s\nexit status %d, "
		      "expected %d\n--- output ---\n%s", signame, r.cmd,
		      r.status, 128 + sig, r.out);
	EXPECT_HAS(&r, "FAIL step 3");
	EXPECT_HAS(&r, "interrupted");
	ck_assert_msg(r.signal_at > 0, "%s: %s\nno signal sent: step 2's "
		      "line never came\n--- output ---\n%s", signame, r.cmd,
		      r.out);
	ck_assert_msg(r.seconds - r.signal_at < 1.0 * itest_slowdown(),
		      "%s: %s\nexited %.2f s after the signal\n--- output "
		      "---\n%s", signame, r.cmd, r.seconds - r.signal_at,
		      r.out);
	free(r.out);
}

START_TEST(test_sigint)
{
	hostile_interrupt(SIGINT, "SIGINT");
}
END_TEST

START_TEST(test_sigterm)
{
	hostile_interrupt(SIGTERM, "SIGTERM");
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_loop_test(tc, test_hostile, 0, (int)HOSTILE_NCASES);
	tcase_add_test(tc, test_cert_subject_terminal);
	tcase_add_loop_test(tc, test_flood, 0, (int)HOSTILE_NFLOODS);
	tcase_add_test(tc, test_sigint);
	tcase_add_test(tc, test_sigterm);
}

int
main(void)
{
	return itest_main("hostile", add_tests);
}
