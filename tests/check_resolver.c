/*
 * check_resolver.c -- a resolver that never answers (issue 9).
 *
 * glibc's getaddrinfo_a runs each lookup on a thread of its own, which
 * gai_cancel cannot stop once it has started; the thread writes its
 * result into the request when it gives up, long after the probe has.
 * Here every lookup goes to a DNS server that never answers (dns_jail:
 * a mount and network namespace whose resolv.conf points at a silent
 * UDP socket on 127.0.0.1), glibc gives up after 1 s, and the probes
 * give up after 0.3 s, many of them at once: each must end at step 1 on
 * time with a named resolver timeout, and under valgrind
 * (scripts/valgrind resolver) or the sanitizer build nothing may touch
 * freed or dead memory when glibc's threads finish later.
 *
 * The suite skips (77) where the namespaces cannot be made: not root,
 * or unshare refused.
 */
#include <config.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

static const char *g_jail;		/* $DNS_JAIL */
static char g_tmp[] = "/tmp/check_resolver.XXXXXX";

/* What glibc waits for the silent server, in whole seconds. */
#define RESOLVER_TIMEOUT "1"
#define PROBE_TIMEOUT_S 0.3
#define PROBE_TIMEOUT "0.3"
#define TARGETS 8
#define COUNT 20

/* The value of the integer field "name":N in a JSON line; -1 if none. */
static long long
json_int(const char *line, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof key, "\"%s\":", name);
	p = strstr(line, key);
	if (p == NULL)
		return -1;
	return strtoll(p + strlen(key), NULL, 10);
}

/*
 * The lines of out that are not JSON (a valgrind or sanitizer report,
 * a crash), cut to fit in a Check message.
 */
static const char *
not_json(const char *out)
{
	static char buf[2048];
	size_t n = 0;

	buf[0] = '\0';
	for (const char *p = out; *p != '\0' && n + 1 < sizeof buf;) {
		size_t len = strcspn(p, "\n");

		if (*p != '{') {
			size_t take = len + 1 < sizeof buf - n ? len :
			    sizeof buf - n - 1;

			memcpy(buf + n, p, take);
			n += take;
			if (n + 1 < sizeof buf)
				buf[n++] = '\n';
			buf[n] = '\0';
		}
		p += len + (p[len] == '\n');
	}
	return buf;
}

START_TEST(test_silent_resolver_many_probes)
{
	const char *argv[MAX_ARGS + 2];
	char names[TARGETS][64];
	size_t n = 0, steps = 0, results = 0;
	struct run r;
	double slow = itest_slowdown();
	long long limit_us = (long long)((PROBE_TIMEOUT_S + 0.5 * slow) * 1e6);

	argv[n++] = g_jail;
	argv[n++] = RESOLVER_TIMEOUT;
	argv[n++] = g_tmp;
	argv[n++] = g_probe;
	argv[n++] = "--format";
	argv[n++] = "jsonl";
	argv[n++] = "-t";
	argv[n++] = PROBE_TIMEOUT;
	argv[n++] = "-c";
	argv[n++] = "20";
	argv[n++] = "--parallel";
	argv[n++] = "8";
	argv[n++] = "--interval";
	argv[n++] = "0";
	/* names no hosts file holds: every lookup asks DNS */
	for (int i = 0; i < TARGETS; i++) {
		snprintf(names[i], sizeof names[i],
		    "probe-%d.resolver-test.invalid", i);
		argv[n++] = names[i];
	}
	argv[n] = NULL;
	run_argv(&r, argv, NULL, 120);

	/* the highest status of any target: all failed at step 1 */
	ck_assert_msg(r.status == 1, "%s\nexit status %d, expected 1\n"
	    "--- output but the JSON lines ---\n%s", r.cmd, r.status,
	    not_json(r.out));
	for (char *line = strtok(r.out, "\n"); line != NULL;
	    line = strtok(NULL, "\n")) {
		if (strncmp(line, "{\"type\":\"step\"", 14) == 0 &&
		    json_int(line, "number") != 1) {
			/* steps 2-8 are listed too, none of them reached */
			ck_assert_msg(strstr(line, "\"status\":\"not "
			    "reached\"") != NULL,
			    "a probe went past step 1: %.1500s", line);
		} else if (strncmp(line, "{\"type\":\"step\"", 14) == 0) {
			steps++;
			ck_assert_msg(strstr(line, "\"cause\":\"timeout\"") !=
			    NULL && strstr(line, "timed out resolving '"
			    "probe-") != NULL,
			    "not a named resolver timeout: %.1500s", line);
			ck_assert_msg(json_int(line, "duration_us") <= limit_us,
			    "step 1 took longer than --timeout %s s + %.1f s: "
			    "%.1500s", PROBE_TIMEOUT, 0.5 * slow, line);
		} else if (strncmp(line, "{\"type\":\"result\"", 16) == 0) {
			results++;
			ck_assert_msg(json_int(line, "exit_status") == 1,
			    "%.1500s", line);
		}
	}
	ck_assert_msg(steps == TARGETS * COUNT && results == TARGETS * COUNT,
	    "%zu step 1 and %zu result lines, expected %d of each\n%s",
	    steps, results, TARGETS * COUNT, not_json(r.out));
	free(r.out);
}
END_TEST

/*
 * Ctrl-C while glibc is still asking (it waits 30 s here): exit 130 at
 * once, named.  The signal comes late enough for the probe to have set
 * its handler, even under valgrind on a loaded machine.
 */
START_TEST(test_silent_resolver_interrupted)
{
	const char *argv[] = { g_jail, "30", g_tmp, g_probe, "-t", "60",
	    "interrupt.resolver-test.invalid", NULL };
	double after = 3 * itest_slowdown();
	struct run r;

	run_argv_signal(&r, argv, NULL, 90, SIGINT, after);
	EXPECT_EXIT(&r, 130);
	EXPECT_HAS(&r, "interrupted resolving 'interrupt.resolver-test.invalid'");
	ck_assert_msg(r.seconds < after + 10 * itest_slowdown(),
	    "took %.1f s, Ctrl-C came after %.1f s\n%s", r.seconds, after,
	    r.out);
	free(r.out);
}
END_TEST

static void
remove_tmp(void)
{
	const char *rm[] = { "rm", "-rf", g_tmp, NULL };
	struct run r;

	run_argv(&r, rm, NULL, 30);
	free(r.out);
}

int
main(void)
{
	const char *argv[] = { NULL, RESOLVER_TIMEOUT, g_tmp, "true", NULL };
	struct run r;
	int failed;

	g_probe = getenv("MQTTS_PROBE");
	g_jail = getenv("DNS_JAIL");
	if (!executable(g_probe) || !executable(g_jail)) {
		fprintf(stderr, "MQTTS_PROBE and DNS_JAIL must name executables\n");
		return HARD_ERROR_CODE;
	}
	if (mkdtemp(g_tmp) == NULL) {
		perror("mkdtemp");
		return HARD_ERROR_CODE;
	}
	argv[0] = g_jail;
	run_argv(&r, argv, NULL, 30);
	if (r.status == SKIP_CODE || r.status != 0) {
		printf("%s%s", r.status == SKIP_CODE ? "" : "dns_jail failed:\n",
		    r.out);
		free(r.out);
		remove_tmp();
		return r.status == SKIP_CODE ? SKIP_CODE : HARD_ERROR_CODE;
	}
	free(r.out);

	Suite *s = suite_create("resolver");
	TCase *tc = tcase_create("silent");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_silent_resolver_many_probes);
	tcase_add_test(tc, test_silent_resolver_interrupted);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_tmp();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
