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
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>

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
	/*
	 * On time: --timeout plus 0.5 s.  Under valgrind, which runs one
	 * thread at a time, glibc's resolver thread loading its NSS modules
	 * can hold the probe's own thread for seconds on a loaded machine:
	 * there the bound only catches a probe that waits for glibc.
	 */
	double margin = slow > 1 ? 20.0 : 0.5;
	long long limit_us = (long long)((PROBE_TIMEOUT_S + margin) * 1e6);

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
			    "%.1500s", PROBE_TIMEOUT, margin, line);
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
 * Run argv, send SIGINT one second after its first line of output (the
 * probe prints its header before step 1, with its handler set; under
 * valgrind on a loaded machine that can take many seconds), and collect
 * the rest.  *seconds: from the signal to the end.  Bounded by limit.
 */
static int
run_until_output_then_sigint(const char *const *argv, char *out,
    size_t outlen, double limit, double *seconds)
{
	int fds[2], status = -1;
	size_t used = 0;
	double start = now_seconds(), sent = 0;
	pid_t pid;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		setenv("NO_COLOR", "1", 1);
		char *copy[MAX_ARGS + 2];
		size_t i;

		for (i = 0; argv[i] != NULL && i < MAX_ARGS + 1; i++)
			copy[i] = strdup(argv[i]);
		copy[i] = NULL;
		execv(copy[0], copy);
		_exit(127);
	}
	close(fds[1]);
	out[0] = '\0';
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		double now = now_seconds();
		ssize_t n;

		if (now - start > limit) {
			kill(pid, SIGKILL);
			break;
		}
		if (sent == 0 && strchr(out, '\n') != NULL) {
			usleep(1000 * 1000);
			kill(pid, SIGINT);
			sent = now_seconds();
		}
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = read(fds[0], out + used, outlen - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		out[used] = '\0';
		if (used + 1 >= outlen)
			used = 0;	/* keep reading; the start is enough */
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	*seconds = sent > 0 ? now_seconds() - sent : -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	    WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

/*
 * Ctrl-C while glibc is still asking (it waits 30 s here): exit 130 at
 * once, the step named.
 */
START_TEST(test_silent_resolver_interrupted)
{
	const char *argv[MAX_ARGS + 2];
	char words[1024], out[8192];
	const char *w = getenv("MQTTS_PROBE_WRAPPER");
	size_t n = 0;
	double after;
	int status;

	argv[n++] = g_jail;
	argv[n++] = "30";
	argv[n++] = g_tmp;
	/* dns_jail execs its command with execvp: the wrapper's words go
	 * in front of the probe, as itest.c does */
	if (w != NULL && *w != '\0' && strlen(w) < sizeof words) {
		char *save = NULL;

		snprintf(words, sizeof words, "%s", w);
		for (char *t = strtok_r(words, " \t", &save);
		    t != NULL && n < MAX_ARGS - 4; t = strtok_r(NULL, " \t", &save))
			argv[n++] = t;
	}
	argv[n++] = g_probe;
	argv[n++] = "-t";
	argv[n++] = "60";
	argv[n++] = "interrupt.resolver-test.invalid";
	argv[n] = NULL;
	status = run_until_output_then_sigint(argv, out, sizeof out,
	    90 * itest_slowdown(), &after);
	ck_assert_msg(status == 130, "exit status %d, expected 130\n%s",
	    status, out);
	ck_assert_msg(strstr(out, "interrupted resolving "
	    "'interrupt.resolver-test.invalid'") != NULL, "%s", out);
	ck_assert_msg(after >= 0 && after < 10 * itest_slowdown(),
	    "ended %.1f s after Ctrl-C\n%s", after, out);
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
