/*
 * check_teaching.c -- the teaching aids against a real mosquitto
 * (harness: itest.c): --explain for every step and failure class, --pause
 * through a pseudo-terminal, the --trace order of TLS 1.2 and 1.3, a
 * --hexdump that never shows the password, scripts/lab end to end and
 * scripts/capture when tshark is there.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "itest.h"
#include "pause.h"

/* ---- reading the output --------------------------------------------- */

/* The end of a long output: Check's messages have a size limit. */
static const char *
tail_n(const char *s, size_t keep)
{
	size_t n = strlen(s);

	return n > keep ? s + n - keep : s;
}

static const char *
tail(const char *s)
{
	return tail_n(s, 3000);
}

/*
 * The --explain text of a run: every "    | " line, joined with spaces,
 * so that a phrase wrapped over two lines is still found.
 */
static char *
explanation(const struct run *r)
{
	char *out = calloc(1, r->len + 1);
	size_t o = 0;

	ck_assert_ptr_nonnull(out);
	for (const char *p = r->out; *p != '\0';) {
		size_t w = strcspn(p, "\n");

		if (w >= 6 && strncmp(p, "    | ", 6) == 0) {
			if (o > 0)
				out[o++] = ' ';
			memcpy(out + o, p + 6, w - 6);
			o += w - 6;
		}
		p += w + (p[w] == '\n');
	}
	out[o] = '\0';
	return out;
}

#define EXPECT_EXPLAINS(r, phrase) do {					\
	char *x_ = explanation(r);					\
	ck_assert_msg(strstr(x_, (phrase)) != NULL,			\
		      "%s\nno explanation says \"%s\"\n--- output ---\n%s", \
		      (r)->cmd, (phrase), tail((r)->out));			\
	free(x_);							\
} while (0)

#define EXPECT_NOT_EXPLAINS(r, phrase) do {				\
	char *x_ = explanation(r);					\
	ck_assert_msg(strstr(x_, (phrase)) == NULL,			\
		      "%s\nan explanation says \"%s\"\n--- output ---\n%s", \
		      (r)->cmd, (phrase), tail((r)->out));			\
	free(x_);							\
} while (0)

/*
 * The first trace line after *from that has the kind and direction given
 * ("->", "<-" or "  ") and whose text is exactly `what` or starts with
 * it followed by a space; *from moves past it.  The trace line layout is
 * "  TIME ms  DIR  KIND  SIZE  TEXT".
 */
static const char *
trace_find(const char *out, const char **from, const char *dir,
	   const char *kind, const char *what)
{
	for (const char *p = *from; *p != '\0';) {
		size_t w = strcspn(p, "\n");
		char line[2048], k[16], d[3] = "  ";
		const char *t;

		snprintf(line, sizeof line, "%.*s", (int)w, p);
		p += w + (p[w] == '\n');
		/* "  %9.3f ms  %2s  %-6s %6s  %s" */
		if (w < 36 || strncmp(line + 11, " ms  ", 5) != 0 ||
		    !isdigit((unsigned char)line[10]))
			continue;
		memcpy(d, line + 16, 2);
		snprintf(k, sizeof k, "%.6s", line + 20);
		for (char *e = k + strlen(k); e > k && e[-1] == ' '; e--)
			e[-1] = '\0';
		t = line + 35;
		if (strcmp(d, dir) != 0 || strcmp(k, kind) != 0)
			continue;
		/* "CERTIFICATE" is not "CERTIFICATE VERIFY", but "CONNECT"
		 * is "CONNECT version=5" */
		if (strncmp(t, what, strlen(what)) != 0)
			continue;
		t += strlen(what);
		if (*t != '\0' && (*t != ' ' || isupper((unsigned char)t[1])))
			continue;
		*from = p;
		return p;
	}
	ck_abort_msg("no trace line %s %s '%s' after offset %td in:\n%s", dir,
		     kind, what, *from - out, tail(out));
	return NULL;
}

/* ---- --explain ------------------------------------------------------- */

START_TEST(test_explain_tls13)
{
	struct run r;

	run_probe(&r, NULL, "--explain", "--cafile", pki("ca.pem"), "-t", "5",
		  "--tls-version", "1.3", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	/* a paragraph for every step */
	EXPECT_EXPLAINS(&r, "three-way handshake");
	EXPECT_EXPLAINS(&r, "Its ClientHello lists");
	EXPECT_EXPLAINS(&r, "Its ServerHello settles");
	EXPECT_EXPLAINS(&r, "before any MQTT byte is sent");
	EXPECT_EXPLAINS(&r, "Both sides now hold the same session keys");
	EXPECT_EXPLAINS(&r, "The first MQTT packet, CONNECT");
	EXPECT_EXPLAINS(&r, "CONNACK, code 0");
	EXPECT_EXPLAINS(&r, "Getting the same bytes back proves");
	/* and what is special about the version in use, not the other */
	EXPECT_EXPLAINS(&r, "TLS 1.3 was chosen");
	EXPECT_EXPLAINS(&r, "certificate included, came encrypted");
	EXPECT_EXPLAINS(&r, "the peer owns it");
	EXPECT_NOT_EXPLAINS(&r, "TLS 1.2 was chosen");
	EXPECT_NOT_EXPLAINS(&r, "before the server has proved");
	free(r.out);
}
END_TEST

START_TEST(test_explain_tls12)
{
	struct run r;

	run_probe(&r, NULL, "--explain", "--cafile", pki("ca.pem"), "-t", "5",
		  "--tls-version", "1.2", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_EXPLAINS(&r, "TLS 1.2 was chosen");
	EXPECT_EXPLAINS(&r, "crossed the network in the clear");
	EXPECT_EXPLAINS(&r, "before the server has proved");
	EXPECT_EXPLAINS(&r, "signed its key exchange");
	EXPECT_NOT_EXPLAINS(&r, "TLS 1.3 was chosen");
	EXPECT_NOT_EXPLAINS(&r, "came encrypted");
	/* TLS 1.2 offers no key share in the ClientHello */
	EXPECT_NOT_EXPLAINS(&r, "already carries a key share");
	free(r.out);
}
END_TEST

/* A failure class against a real listener, and what --explain says. */
struct live_case {
	enum listener l;
	const char *extra1, *extra2;	/* more arguments, or NULL */
	int status, status2;		/* expected exit (either) */
	const char *phrase;
};

static const struct live_case live_cases[] = {
	{ L_EXPIRED, NULL, NULL, 4, 4, "Expired: a certificate" },
	{ L_NOTYET, NULL, NULL, 4, 4, "Not yet valid:" },
	{ L_WRONGNAME, NULL, NULL, 4, 4, "Wrong name:" },
	{ L_SELFSIGNED, NULL, NULL, 4, 4, "Self-signed:" },
	{ L_UNTRUSTED, NULL, NULL, 4, 4, "Unknown issuer:" },
	{ L_PLAINTEXT, NULL, NULL, 3, 3, "This port does not speak TLS" },
	{ L_TLS13ONLY, "--tls-version", "1.2", 3, 3,
	  "no TLS version in common" },
	{ L_MTLS, "--tls-version", "1.3", 5, 5,
	  "In TLS 1.3 the client's side of the handshake is complete" },
	{ L_MTLS, "--tls-version", "1.2", 5, 5,
	  "In TLS 1.2 the server checks the client's certificate" },
	{ L_PASSWORD, NULL, NULL, 7, 7, "does not let this client in" },
	{ L_PASSWORD, "-u", "probeuser", 7, 7, "does not let this client in" },
	{ L_EXPIRED, "--insecure", NULL, 0, 0,
	  "UNVERIFIED. The certificate did NOT pass" },
};

START_TEST(test_explain_failure_live)
{
	const struct live_case *k = &live_cases[_i];
	const char *argv[16];
	size_t n = 0;
	struct run r;

	argv[n++] = g_probe;
	argv[n++] = "--explain";
	argv[n++] = "--cafile";
	argv[n++] = pki("ca.pem");
	argv[n++] = "-t";
	argv[n++] = "5";
	if (k->extra1 != NULL)
		argv[n++] = k->extra1;
	if (k->extra2 != NULL)
		argv[n++] = k->extra2;
	argv[n++] = target(k->l);
	argv[n] = NULL;
	run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
	ck_assert_msg(r.status == k->status || r.status == k->status2,
		      "%s\nexit %d, expected %d\n%s", r.cmd, r.status,
		      k->status, tail(r.out));
	EXPECT_EXPLAINS(&r, k->phrase);
	free(r.out);
}
END_TEST

START_TEST(test_explain_refused_port)
{
	struct run r;
	int port, fd = bind_loopback(&port);

	/* bound, then closed without listen: a port nothing listens on */
	ck_assert_int_ge(fd, 0);
	close(fd);
	run_probe(&r, NULL, "--explain", "-t", "5",
		  target_port("127.0.0.1", port), NULL);
	EXPECT_EXIT(&r, 1);
	EXPECT_EXPLAINS(&r, "nothing listens on this port");
	free(r.out);
}
END_TEST

START_TEST(test_explain_silent_server)
{
	struct run r;
	int port;
	/* reads the ClientHello and never answers */
	pid_t pid = talker_start(&port, "", 0, 1);

	ck_assert_int_gt(pid, 0);
	run_probe(&r, NULL, "--explain", "-t", "1",
		  target_port("127.0.0.1", port), NULL);
	talker_stop(pid);
	EXPECT_EXIT(&r, 3);
	EXPECT_EXPLAINS(&r, "never answered the ClientHello");
	free(r.out);
}
END_TEST

/* ---- --pause ---------------------------------------------------------- */

/* Reads what the pty has for up to ms milliseconds; false at its end. */
static int
pty_read(int fd, struct run *r, size_t *cap, int ms)
{
	double end = now_seconds() + ms / 1000.0;

	for (;;) {
		double left = end - now_seconds();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char buf[4096];
		ssize_t got;

		if (left <= 0)
			return 1;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		got = read(fd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return 0;	/* EIO: the probe closed the terminal */
		if (r->len + (size_t)got + 1 > *cap) {
			*cap = (*cap + (size_t)got) * 2 + 4096;
			r->out = realloc(r->out, *cap);
			ck_assert_ptr_nonnull(r->out);
		}
		memcpy(r->out + r->len, buf, (size_t)got);
		r->len += (size_t)got;
		r->out[r->len] = '\0';
	}
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p != NULL;
	     p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The terminal closes a moment before the process is gone: wait for it,
 * five seconds (scaled under valgrind), then kill it and fail. */
static void
pty_reap(pid_t pid, int *status, struct run *r)
{
	int tries = (int)(100 * itest_slowdown());

	for (int i = 0; i < tries && waitpid(pid, status, WNOHANG) == 0; i++)
		usleep(50000);
	if (*status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
		ck_abort_msg("the probe did not finish:\n%s", tail(r->out));
	}
}

/*
 * Starts the probe with argv on a pty of its own, as the controlling
 * terminal of a new session (raw mode first when raw, as a program that
 * reads single keys would set it); the master in *master, r emptied.
 */
static pid_t
pty_spawn(char *const argv[], int raw, int *master, struct run *r)
{
	char *slave;
	pid_t pid;

	*master = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(*master, 0);
	ck_assert_int_eq(grantpt(*master), 0);
	ck_assert_int_eq(unlockpt(*master), 0);
	slave = ptsname(*master);
	ck_assert_ptr_nonnull(slave);
	memset(r, 0, sizeof *r);
	r->out = strdup("");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* a session of its own, with the pty as its terminal */
		int s;

		setsid();
		s = open(slave, O_RDWR);
		if (s < 0)
			_exit(127);
		if (raw) {
			struct termios t;

			if (tcgetattr(s, &t) == 0) {
				cfmakeraw(&t);
				tcsetattr(s, TCSANOW, &t);
			}
		}
		dup2(s, STDIN_FILENO);
		dup2(s, STDOUT_FILENO);
		dup2(s, STDERR_FILENO);
		close(*master);
		setenv("NO_COLOR", "1", 1);
		unsetenv("MQTTS_PROBE_PASSWORD");
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/*
 * Runs the probe with --pause on a pty of its own, with extra arguments,
 * and answers each prompt once it is there, as a trainer would; before
 * the prompts of steps 3 to 5 (inside the TLS handshake) it first talks
 * for hold_ms.  The exit status in *status, the output in r.
 */
static void
pause_run(struct run *r, const char *timeout, const char *tls_version,
	  int hold_ms, int *status)
{
	size_t cap = 0, sent = 0;
	int master;
	pid_t pid;
	double deadline;
	const char *args[10];
	char *argv[10];
	size_t n = 0;

	args[n++] = g_probe;
	args[n++] = "--pause";
	args[n++] = "--cafile";
	args[n++] = pki("ca.pem");
	args[n++] = "-t";
	args[n++] = timeout;
	if (tls_version != NULL) {
		args[n++] = "--tls-version";
		args[n++] = tls_version;
	}
	args[n++] = target(L_GOOD);
	/* copies: execv's argv is not const */
	for (size_t i = 0; i < n; i++)
		argv[i] = strdup(args[i]);
	argv[n] = NULL;
	*status = -1;
	pid = pty_spawn(argv, 0, &master, r);
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	deadline = now_seconds() + 30 + 3 * hold_ms / 1000.0;
	while (now_seconds() < deadline) {
		int open_ = pty_read(master, r, &cap, 100);

		if (sent < 8 && count_of(r->out, "Press Enter") > sent) {
			if (sent == 0) {
				/* the probe holds: nothing of step 1 yet */
				pty_read(master, r, &cap, 300);
				ck_assert_msg(strstr(r->out, "[1/8]") == NULL,
					      "did not wait:\n%s", tail(r->out));
			}
			/* prompts 3 to 5 come inside the handshake */
			if (sent >= 2 && sent <= 4 && hold_ms > 0)
				pty_read(master, r, &cap, hold_ms);
			ck_assert_int_eq(write(master, "\n", 1), 1);
			sent++;
		}
		if (!open_)
			break;
	}
	close(master);
	pty_reap(pid, status, r);
}

START_TEST(test_pause_pty)
{
	struct run r;
	int status;

	pause_run(&r, "10", NULL, 0, &status);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "status 0x%x:\n%s", status, tail(r.out));
	ck_assert_msg(count_of(r.out, "Press Enter") == 8, "%zu prompts:\n%s",
		      count_of(r.out, "Press Enter"), tail(r.out));
	/* each prompt names its step, and comes before it */
	for (int s = 1; s <= 8; s++) {
		char prompt[64], head[16];
		const char *p, *h;

		snprintf(prompt, sizeof prompt, "Next: step %d of 8, ", s);
		snprintf(head, sizeof head, "[%d/8] ", s);
		p = strstr(r.out, prompt);
		h = strstr(r.out, head);
		ck_assert_msg(p != NULL && h != NULL && p < h,
			      "prompt %d:\n%s", s, tail(r.out));
	}
	ck_assert_ptr_nonnull(strstr(r.out, "OK 127.0.0.1:"));
	free(r.out);
}
END_TEST

/*
 * A trainer who talks longer than the whole --timeout before steps 3, 4
 * and 5, which happen inside one handshake call: the time held moves the
 * handshake's deadline too, so the walk still succeeds.  TLS 1.2, where
 * the server's second flight is read after those pauses; TLS 1.3 too.
 */
START_TEST(test_pause_moves_handshake_deadline)
{
	struct run r;
	int status;
	const char *version = _i == 0 ? "1.2" : "1.3";

	pause_run(&r, "1", version, 1500, &status);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "TLS %s: status 0x%x:\n%s", version, status, tail(r.out));
	ck_assert_msg(count_of(r.out, "Press Enter") == 8, "%zu prompts:\n%s",
		      count_of(r.out, "Press Enter"), tail(r.out));
	ck_assert_ptr_nonnull(strstr(r.out, "OK 127.0.0.1:"));
	free(r.out);
}
END_TEST

START_TEST(test_pause_needs_terminal)
{
	struct run r;

	/* run_probe's standard input is /dev/null */
	run_probe(&r, NULL, "--pause", "--cafile", pki("ca.pem"),
		  target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 64);
	EXPECT_HAS(&r, "--pause");
	EXPECT_LACKS(&r, "[1/8]");
	free(r.out);
}
END_TEST

static const char *trace_line(const char *out, const char *a, const char *b);

/*
 * A trainer at the keys, on a pty of the probe's own: Enter at every
 * prompt before prompt `at`; there, after hold_ms, `answer` is typed
 * (then Enter goes on at the later prompts when it was Enter).  raw puts
 * the terminal in raw mode first, as a program that reads single keys
 * would.  args are the probe's arguments after --pause.
 */
static void
pause_drive(struct run *r, const char *const *args, int at,
	    const char *answer, int hold_ms, int raw, int *status)
{
	size_t cap = 0, sent = 0;
	int master;
	pid_t pid;
	double deadline;
	char *argv[MAX_ARGS + 2];
	size_t n = 0;

	*status = -1;
	/* copies: execv wants them writable */
	argv[n++] = strdup(g_probe);
	argv[n++] = strdup("--pause");
	for (size_t i = 0; args[i] != NULL && n < MAX_ARGS; i++)
		argv[n++] = strdup(args[i]);
	argv[n] = NULL;
	pid = pty_spawn(argv, raw, &master, r);
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	deadline = now_seconds() + 30 + 3 * hold_ms / 1000.0;
	while (now_seconds() < deadline) {
		int open_ = pty_read(master, r, &cap, 100);
		size_t prompts = count_of(r->out, "Press Enter");

		if (sent < 8 && prompts > sent) {
			const char *key = raw ? "\r" : "\n";

			if ((int)sent + 1 == at) {
				pty_read(master, r, &cap, hold_ms);
				key = answer;
			} else if ((int)sent + 1 > at && answer[0] != '\n' &&
				   answer[0] != '\r')
				key = NULL;	/* stopped: no more prompts */
			if (key != NULL)
				ck_assert_int_eq(write(master, key,
						       strlen(key)),
						 (ssize_t)strlen(key));
			sent++;
		}
		if (!open_)
			break;
	}
	close(master);
	pty_reap(pid, status, r);
}

/*
 * A pause of three times the keep-alive before step 8: the probe pings
 * the broker meanwhile (mosquitto drops a client silent for 1.5 times
 * its keep-alive), the pings are in the trace, and step 8 succeeds.
 */
START_TEST(test_pause_keeps_session_alive)
{
	const char *args[] = { "--trace", "--keepalive", "2", "--cafile",
			       pki("ca.pem"), "-t", "5", target(L_GOOD), NULL };
	struct run r;
	int status;
	const char *p, *step8;

	pause_drive(&r, args, 8, "\n", 6000, 0, &status);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "status 0x%x:\n%s", status, tail(r.out));
	p = r.out;
	trace_find(r.out, &p, "<-", "MQTT", "CONNACK");
	trace_find(r.out, &p, "->", "MQTT", "PINGREQ");
	trace_find(r.out, &p, "<-", "MQTT", "PINGRESP");
	step8 = trace_line(r.out, "[8/8] Publish/subscribe round trip",
			   " ok ");
	ck_assert_msg(step8 != NULL && step8 > p, "%s", tail(r.out));
	/* two at least in 6 s, one each second */
	ck_assert_msg(count_of(r.out, "PINGRESP") >= 2, "%s", tail(r.out));
	EXPECT_LACKS(&r, "ping during the pause failed");
	ck_assert_ptr_nonnull(strstr(r.out, "OK 127.0.0.1:"));
	free(r.out);
}
END_TEST

/*
 * q at a prompt stops the walk, cleanly: before step 8 (the session is
 * open: DISCONNECT, then close_notify) and inside the handshake, on a
 * cooked terminal (q, Enter) and a raw one (q alone); the end of input
 * (Ctrl-D) stops it too, and says so.  Exit status 11.
 */
START_TEST(test_pause_quit_keys)
{
	static const struct {
		int at;
		const char *answer;
		int raw;
		const char *says;
	} cases[] = {
		{ 8, "q\n", 0, "(stopped by the user)" },
		{ 4, "q\n", 0, "(stopped by the user)" },
		{ 8, "q", 1, "(stopped by the user)" },
		{ 7, "\x04", 0, "(end of input: stopping the walk" },
	};
	const char *args[] = { "--trace", "--cafile", pki("ca.pem"), "-t",
			       "5", target(L_GOOD), NULL };
	int i = _i;
	struct run r;
	int status;
	char want[64];

	pause_drive(&r, args, cases[i].at, cases[i].answer, 0, cases[i].raw,
		    &status);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 11,
		      "case %d: status 0x%x:\n%s", i, status, tail(r.out));
	ck_assert_msg(strstr(r.out, cases[i].says) != NULL, "case %d:\n%s", i,
		      tail(r.out));
	snprintf(want, sizeof want, "STOPPED %s: stopped by the user before "
		 "step %d", target(L_GOOD), cases[i].at);
	ck_assert_msg(strstr(r.out, want) != NULL, "case %d: no '%s':\n%s", i,
		      want, tail(r.out));
	/* the step it stopped before did not run: its line says why */
	snprintf(want, sizeof want, "[%d/8] ", cases[i].at);
	ck_assert_msg(trace_line(r.out, want, "stopped by the user") != NULL,
		      "case %d:\n%s", i, tail(r.out));
	if (cases[i].at >= 7) {
		/* the session was open (or CONNECT sent): a goodbye */
		const char *p = r.out;

		trace_find(r.out, &p, "->", "MQTT", "DISCONNECT");
	}
	ck_assert_msg(trace_line(r.out, "MQTT", "SUBSCRIBE id=") == NULL,
		      "case %d: step 8 ran:\n%s", i, tail(r.out));
	free(r.out);
}
END_TEST

/*
 * The pause's keys through a pipe, as the function reads them: Enter
 * goes on, q first on a line stops (with Enter or alone), a q later in
 * the line does not, the end of input stops with a message; and while
 * it waits with a session open it calls the keep-alive.
 */
static int pipe_pings;

static bool
pipe_keepalive(void *ctx)
{
	(void)ctx;
	pipe_pings++;
	return true;
}

static enum engine_hold_answer
pipe_answer(const char *typed, int close_after, char **said)
{
	int fds[2];
	size_t len = 0;
	FILE *out = open_memstream(said, &len);
	struct pause_ctx pc = { .out = out };
	struct engine_hold none = { 0 };
	enum engine_hold_answer a;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], typed, strlen(typed)),
			 (ssize_t)strlen(typed));
	if (close_after)
		close(fds[1]);
	pc.in = fds[0];
	a = pause_before_step(&pc, 3, &none);
	fclose(out);
	close(fds[0]);
	if (!close_after)
		close(fds[1]);
	return a;
}

START_TEST(test_pause_keys_pipe)
{
	char *said;
	int fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe_answer("\n", 0, &said), HOLD_GO);
	ck_assert_msg(strstr(said, "Next: step 3 of 8, ") != NULL, "%s", said);
	free(said);
	ck_assert_int_eq(pipe_answer("q\n", 0, &said), HOLD_STOP);
	ck_assert_msg(strstr(said, "stopped by the user") != NULL, "%s", said);
	free(said);
	ck_assert_int_eq(pipe_answer("Q", 0, &said), HOLD_STOP);
	free(said);
	ck_assert_int_eq(pipe_answer("x q\n", 0, &said), HOLD_GO);
	free(said);
	ck_assert_int_eq(pipe_answer("", 1, &said), HOLD_STOP);
	ck_assert_msg(strstr(said, "end of input") != NULL, "%s", said);
	free(said);

	/* a session open: pings every 20 ms until Enter comes */
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		usleep(300000);
		_exit(write(fds[1], "\n", 1) == 1 ? 0 : 1);
	}
	{
		struct pause_ctx pc = { .in = fds[0], .out = fopen("/dev/null",
								  "w") };
		struct engine_hold h = { .every_us = 20000,
					 .keepalive = pipe_keepalive };

		ck_assert_ptr_nonnull(pc.out);
		pipe_pings = 0;
		ck_assert_int_eq(pause_before_step(&pc, 8, &h), HOLD_GO);
		fclose(pc.out);
	}
	waitpid(pid, NULL, 0);
	close(fds[0]);
	close(fds[1]);
	ck_assert_msg(pipe_pings >= 1, "%d pings", pipe_pings);
}
END_TEST

/* ---- --trace ---------------------------------------------------------- */

START_TEST(test_trace_tls13_order)
{
	struct run r;
	const char *p;

	run_probe(&r, NULL, "--trace", "--cafile", pki("ca.pem"), "-t", "5",
		  "--tls-version", "1.3", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	p = r.out;
	trace_find(r.out, &p, "->", "TLS", "CLIENT HELLO");
	trace_find(r.out, &p, "->", "RECORD", "handshake");
	trace_find(r.out, &p, "<-", "RECORD", "handshake");
	trace_find(r.out, &p, "<-", "TLS", "SERVER HELLO");
	/* keys before the certificate: it arrives encrypted */
	trace_find(r.out, &p, "  ", "KEYS", "handshake traffic keys");
	trace_find(r.out, &p, "<-", "RECORD", "application_data");
	trace_find(r.out, &p, "<-", "TLS", "ENCRYPTED EXTENSIONS");
	trace_find(r.out, &p, "<-", "TLS", "CERTIFICATE");
	trace_find(r.out, &p, "<-", "TLS", "CERTIFICATE VERIFY");
	trace_find(r.out, &p, "<-", "TLS", "FINISHED");
	trace_find(r.out, &p, "->", "TLS", "FINISHED");
	/* MQTT only after the last handshake message, CONNACK after it */
	trace_find(r.out, &p, "->", "MQTT", "CONNECT");
	trace_find(r.out, &p, "<-", "MQTT", "CONNACK");
	trace_find(r.out, &p, "->", "MQTT", "SUBSCRIBE");
	trace_find(r.out, &p, "<-", "MQTT", "SUBACK");
	trace_find(r.out, &p, "->", "MQTT", "PUBLISH");
	trace_find(r.out, &p, "<-", "MQTT", "PUBLISH");
	/* the steps are interleaved with the trace */
	ck_assert_ptr_nonnull(strstr(r.out, "== [3/8] ServerHello and "
				     "certificate =="));
	{
		const char *cert = strstr(r.out, "  CERTIFICATE\n");
		const char *step4 = strstr(r.out, "\n[4/8] ");

		ck_assert(cert != NULL && step4 != NULL && cert < step4);
	}
	/* socket reads and writes are left to -vv */
	EXPECT_LACKS(&r, "read 5 bytes");
	free(r.out);
}
END_TEST

START_TEST(test_trace_tls12_order)
{
	struct run r;
	const char *p, *ske, *verify;

	run_probe(&r, NULL, "--trace", "--cafile", pki("ca.pem"), "-t", "5",
		  "--tls-version", "1.2", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	p = r.out;
	trace_find(r.out, &p, "->", "TLS", "CLIENT HELLO");
	trace_find(r.out, &p, "<-", "TLS", "SERVER HELLO");
	trace_find(r.out, &p, "<-", "TLS", "CERTIFICATE");
	/* the certificate is checked before the server proved its key */
	verify = strstr(r.out, "\n[4/8] Certificate verification");
	ck_assert_ptr_nonnull(verify);
	ck_assert_msg(verify > strstr(r.out, "  CERTIFICATE\n"), "%s",
		      tail(r.out));
	ske = p;
	trace_find(r.out, &p, "<-", "TLS", "SERVER KEY EXCHANGE");
	ck_assert_msg(strstr(ske, "\n[4/8] ") != NULL &&
		      strstr(ske, "\n[4/8] ") < p, "%s", tail(r.out));
	trace_find(r.out, &p, "<-", "TLS", "SERVER HELLO DONE");
	trace_find(r.out, &p, "->", "TLS", "CLIENT KEY EXCHANGE");
	trace_find(r.out, &p, "->", "TLS", "FINISHED");
	trace_find(r.out, &p, "<-", "TLS", "FINISHED");
	trace_find(r.out, &p, "->", "MQTT", "CONNECT");
	trace_find(r.out, &p, "<-", "MQTT", "CONNACK");
	/* no encrypted handshake in TLS 1.2 */
	EXPECT_LACKS(&r, "handshake traffic keys");
	EXPECT_LACKS(&r, "ENCRYPTED EXTENSIONS");
	free(r.out);
}
END_TEST

/*
 * The bytes of every hex dump in the output, in order, one packet after
 * the other: the dump lines are "      OFFS  xx xx ... |ascii|".
 */
static size_t
dump_bytes(const char *out, uint8_t *buf, size_t cap)
{
	size_t n = 0;

	for (const char *p = out; *p != '\0';) {
		size_t w = strcspn(p, "\n");

		if (w > 14 && strncmp(p, "      ", 6) == 0 &&
		    isxdigit((unsigned char)p[6]) && p[10] == ' ' &&
		    p[11] == ' ') {
			const char *q = p + 12, *bar = memchr(p, '|', w);

			while (bar != NULL && q + 2 <= bar && n < cap) {
				unsigned v;

				while (*q == ' ')
					q++;
				if (q >= bar || sscanf(q, "%2x", &v) != 1)
					break;
				buf[n++] = (uint8_t)v;
				q += 2;
			}
		}
		p += w + (p[w] == '\n');
	}
	return n;
}

static int
has_bytes(const uint8_t *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle)) != NULL;
}

/* Loop: 0 = MQTT 3.1.1, 1 = MQTT 5. */
START_TEST(test_hexdump_hides_password)
{
	static uint8_t bytes[65536];
	const char *pw = GOOD_PASSWORD;
	char hex[128], spaced[256];
	size_t n;
	struct run r;

	run_probe(&r, NULL, "--trace", "--hexdump", "--cafile", pki("ca.pem"),
		  "-t", "5", "-V", _i == 0 ? "3.1.1" : "5", "-u", "probeuser",
		  "--password-file", pki("password.txt"), target(L_PASSWORD),
		  NULL);
	EXPECT_EXIT(&r, 0);
	/* not as text */
	EXPECT_LACKS(&r, pw);
	/* not as hex, joined or spaced (upper or lower case) */
	hex[0] = spaced[0] = '\0';
	for (size_t i = 0; i < strlen(pw); i++) {
		snprintf(hex + 2 * i, sizeof hex - 2 * i, "%02x",
			 (unsigned char)pw[i]);
		snprintf(spaced + 3 * i, sizeof spaced - 3 * i, "%02x ",
			 (unsigned char)pw[i]);
	}
	EXPECT_LACKS(&r, hex);
	spaced[strlen(spaced) - 1] = '\0';
	EXPECT_LACKS(&r, spaced);
	/* not in the dumped bytes, however the dump lines split them */
	n = dump_bytes(r.out, bytes, sizeof bytes);
	ck_assert_msg(n > 100, "only %zu dumped bytes:\n%s", n, tail(r.out));
	ck_assert_msg(!has_bytes(bytes, n, pw), "password in the dump:\n%s",
		      tail(r.out));
	/* the dump does show CONNECT and the user name, then stops: the
	 * password field, its two length bytes included, is left out and
	 * not counted, so no '*' per byte tells its length */
	ck_assert(has_bytes(bytes, n, "MQTT"));
	ck_assert(has_bytes(bytes, n, "probeuser"));
	{
		char plain[16] = "probeuser";
		const uint8_t *u = memmem(bytes, n, "probeuser", 9);

		/* CONNECT's dump ends with the user name: what follows is
		 * the next packet (CONNACK), no masked byte */
		ck_assert_msg(u != NULL && u + 9 < bytes + n && u[9] == 0x20,
			      "not CONNACK after the user name:\n%s",
			      tail(r.out));

		/* not the length in the clear after the user name */
		plain[9] = 0;
		plain[10] = (char)strlen(pw);
		ck_assert_msg(memmem(bytes, n, plain, 11) == NULL,
			      "the password's length in the dump:\n%s",
			      tail(r.out));
	}
	EXPECT_HAS(&r, "(then the password field, its length included: not "
		   "shown)");
	free(r.out);

	/* another password, another length: the same dump but for the
	 * remaining length in the fixed header (the packet's size, which
	 * the trace line and the TLS record on the wire show anyway) */
	{
		static uint8_t other[65536];
		size_t m, k;
		struct run r2;

		run_probe(&r, NULL, "--trace", "--hexdump", "--cafile",
			  pki("ca.pem"), "-t", "5", "-V", _i == 0 ? "3.1.1" :
			  "5", "-u", "probeuser", "-i", "mqtts-probe-fixed-id",
			  "-P", "x", "--steps", "6", target(L_PASSWORD), NULL);
		run_probe(&r2, NULL, "--trace", "--hexdump", "--cafile",
			  pki("ca.pem"), "-t", "5", "-V", _i == 0 ? "3.1.1" :
			  "5", "-u", "probeuser", "-i", "mqtts-probe-fixed-id",
			  "-P", "a much longer password than x", "--steps", "6",
			  target(L_PASSWORD), NULL);
		EXPECT_EXIT(&r, 0);
		EXPECT_EXIT(&r2, 0);
		n = dump_bytes(r.out, bytes, sizeof bytes);
		m = dump_bytes(r2.out, other, sizeof other);
		/* CONNECT is the first packet dumped: up to the user name */
		for (k = 0; k + 9 <= n && memcmp(bytes + k, "probeuser", 9);
		     k++)
			;
		ck_assert_msg(k + 9 <= n && m >= k + 9, "%s", tail(r.out));
		ck_assert_msg(memcmp(bytes + 2, other + 2, k + 9 - 2) == 0 &&
			      (k + 9 == m || other[k + 9] != '*'),
			      "the dumps differ past the fixed header:\n%s\n%s",
			      tail(r.out), tail(r2.out));
		free(r2.out);
	}
	free(r.out);
}
END_TEST

/* Where a line of the trace is, or NULL: the first that holds all of
 * a and b. */
static const char *
trace_line(const char *out, const char *a, const char *b)
{
	for (const char *p = out; p != NULL && *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		const char *ha = memmem(p, n, a, strlen(a));

		if (ha != NULL && memmem(p, n, b, strlen(b)) != NULL)
			return p;
		p = nl != NULL ? nl + 1 : NULL;
	}
	return NULL;
}

/*
 * --trace in wire order: each outgoing MQTT packet before the record
 * that carries it; TLS 1.2's ChangeCipherSpec before its Finished;
 * TLS 1.3's compatibility ChangeCipherSpec explained.
 */
START_TEST(test_trace_wire_order)
{
	struct run r;
	const char *msg, *rec, *ccs, *fin;

	run_probe(&r, NULL, "--trace", "--tls-version", "1.2", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	/* CONNECT, then the application_data record that carries it */
	msg = trace_line(r.out, "->  MQTT", "CONNECT");
	ck_assert_msg(msg != NULL, "%s", r.out);
	rec = trace_line(msg, "->  RECORD", "application_data");
	ck_assert_msg(rec != NULL && rec > msg, "%s", r.out);
	ck_assert_msg(trace_line(msg, "->  MQTT", "SUBSCRIBE") >
		      trace_line(msg, "->  RECORD", "application_data"),
		      "%s", r.out);
	{
		/* SUBSCRIBE too comes before its record */
		const char *sub = trace_line(r.out, "->  MQTT", "SUBSCRIBE");
		const char *subrec = trace_line(sub, "->  RECORD",
		    "application_data");

		ck_assert_msg(sub != NULL && subrec != NULL && subrec > sub,
			      "%s", r.out);
	}
	/* our ChangeCipherSpec record before our Finished */
	ccs = trace_line(r.out, "->  RECORD", "change_cipher_spec");
	fin = trace_line(r.out, "->  TLS", "FINISHED");
	ck_assert_msg(ccs != NULL && fin != NULL && ccs < fin,
		      "CCS after Finished:\n%s", r.out);
	EXPECT_LACKS(&r, "middlebox compatibility");
	free(r.out);

	run_probe(&r, NULL, "--trace", "--tls-version", "1.3", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "ChangeCipherSpec is TLS 1.3's middlebox "
		   "compatibility (RFC 8446, D.4): it carries nothing");
	free(r.out);
}
END_TEST

/* ---- scripts/lab ------------------------------------------------------ */

static void
script_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/../../scripts/%s", g_lib, name);
}

static int
port_listens(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

/* Appends to the failure list instead of aborting, so the lab is always
 * stopped before the test reports. */
#define LAB_CHECK(cond, ...) do {					\
	if (!(cond) && used < sizeof fail)				\
		used += (size_t)snprintf(fail + used, sizeof fail - used, \
					 __VA_ARGS__);			\
} while (0)

START_TEST(test_lab)
{
	char lab[4200], state[4200], ports[256] = "", path[4300];
	/* Check's messages must stay under its size limit */
	char fail[3500] = "", *line = NULL;
	size_t used = 0, cap = 0, lessons = 0;
	int port[10], lab_status = -1;
	pid_t pid;
	FILE *f;
	struct run r;

	script_path(lab, sizeof lab, "lab");
	snprintf(state, sizeof state, "%s/lab", g_dir);
	{
		/* all held at once: a port closed at once can come back */
		int fds[10];

		for (int i = 0; i < 10; i++) {
			fds[i] = bind_loopback(&port[i]);
			ck_assert_int_ge(fds[i], 0);
			snprintf(ports + strlen(ports), sizeof ports -
				 strlen(ports), "%s%d", i ? " " : "", port[i]);
		}
		for (int i = 0; i < 10; i++)
			close(fds[i]);
	}
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int out;

		snprintf(path, sizeof path, "%s/lab.out", g_dir);
		out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		setpgid(0, 0);
		dup2(out, STDOUT_FILENO);
		dup2(out, STDERR_FILENO);
		setenv("LAB_DIR", state, 1);
		setenv("LAB_PORTS", ports, 1);
		/* a lab the test fails to stop still ends on its own */
		setenv("LAB_LIFETIME", "180", 1);
		execlp("bash", "bash", lab, "start", (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof path, "%s/ready", state);
	for (int i = 0; i < 600 && access(path, F_OK) != 0; i++) {
		if (waitpid(pid, &lab_status, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	LAB_CHECK(access(path, F_OK) == 0, "the lab did not come up\n");

	/* every lesson's command has the outcome the lab promises */
	snprintf(path, sizeof path, "%s/lessons.tsv", state);
	f = fopen(path, "r");
	while (f != NULL && getline(&line, &cap, f) > 0) {
		char *id = strtok(line, "\t"), *st = strtok(NULL, "\t");
		char *phrase = strtok(NULL, "\t"), *cmd = strtok(NULL, "\n");
		const char *argv[] = { "bash", "-c", cmd, NULL };
		int ok_status = 0;

		if (id == NULL || st == NULL || phrase == NULL || cmd == NULL)
			continue;
		lessons++;
		run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
		for (char *s = strtok(st, ","); s != NULL; s = strtok(NULL, ","))
			if (atoi(s) == r.status)
				ok_status = 1;
		LAB_CHECK(ok_status && contains_ci(r.out, phrase),
			  "lesson %s: exit %d (want %s), phrase \"%s\" %s\n"
			  "%s\n%s\n", id, r.status, st, phrase,
			  contains_ci(r.out, phrase) ? "found" : "missing",
			  cmd, tail_n(r.out, 600));
		/* a class reads it on an 80-column projector (not a
		 * terminal here: 80 is the default width) */
		LAB_CHECK(widest_line(&r) <= 80, "lesson %s: a line of %zu "
			  "columns\n%s\n", id, widest_line(&r),
			  tail_n(r.out, 600));
		/* the lab's own keys are 0600: no warning about them */
		LAB_CHECK(!contains_ci(r.out, "readable by other users"),
			  "lesson %s warns about the lab's files\n%s\n", id,
			  tail_n(r.out, 600));
		free(r.out);
	}
	if (f != NULL)
		fclose(f);
	free(line);
	LAB_CHECK(lessons >= 10, "only %zu lessons\n", lessons);

	/* loopback only */
	snprintf(path, sizeof path, "%s/mosquitto.conf", state);
	f = fopen(path, "r");
	LAB_CHECK(f != NULL, "no %s\n", path);
	line = NULL;
	cap = 0;
	while (f != NULL && getline(&line, &cap, f) > 0)
		if (strncmp(line, "listener ", 9) == 0)
			LAB_CHECK(strstr(line, " 127.0.0.1") != NULL,
				  "not loopback: %s", line);
	if (f != NULL)
		fclose(f);
	free(line);

	/* `scripts/lab stop` ends the lab and its broker */
	{
		const char *argv[] = { "bash", lab, "stop", NULL };

		setenv("LAB_DIR", state, 1);
		run_argv(&r, argv, NULL, 30);
		unsetenv("LAB_DIR");
		LAB_CHECK(r.status == 0, "lab stop: exit %d\n%s\n", r.status,
			  tail_n(r.out, 600));
		free(r.out);
	}
	for (int i = 0; i < 50 && waitpid(pid, &lab_status, WNOHANG) == 0; i++)
		usleep(100000);
	if (waitpid(pid, &lab_status, WNOHANG) == 0) {
		LAB_CHECK(0, "the lab process is still running\n");
		kill(-pid, SIGKILL);
		waitpid(pid, &lab_status, 0);
	}
	for (int i = 0; i < 10; i++)
		LAB_CHECK(!port_listens(port[i]), "port %d still listens\n",
			  port[i]);
	LAB_CHECK(access(state, F_OK) != 0, "%s is still there\n", state);
	if (fail[0] != '\0') {
		snprintf(path, sizeof path, "%s/lab.out", g_dir);
		f = fopen(path, "r");
		if (f != NULL) {
			char buf[8192];
			size_t got = fread(buf, 1, sizeof buf - 1, f);

			buf[got] = '\0';
			fclose(f);
			LAB_CHECK(0, "--- lab output ---\n%s\n",
				  tail_n(buf, 800));
		}
	}
	ck_assert_msg(fail[0] == '\0', "%s", fail);
}
END_TEST

/* ---- scripts/capture -------------------------------------------------- */

START_TEST(test_capture)
{
	char capture[4200];
	struct run r;
	const char *argv[] = { "bash", capture, "--cafile", pki("ca.pem"),
			       "-t", "5", target(L_GOOD), NULL };

	script_path(capture, sizeof capture, "capture");
	run_argv(&r, argv, NULL, 60);
	if (r.status == 69) {
		/* no tshark here: it must say how to get it */
		EXPECT_HAS(&r, "apt-get install tshark");
	} else if (r.status == 1 && contains_ci(r.out, "could not capture")) {
		/* tshark without the right to capture: nothing to check */
		fprintf(stderr, "test_capture: %s\n", r.out);
	} else {
		/* the probe's own steps, then the wire decrypted */
		static const char *const want[] = {
			"[8/8] Publish/subscribe round trip",
			"Client Hello",
			"[6/8]  MQTT  Connect Command",
			"[7/8]  MQTT  Connect Ack",
			"Publish Message",
		};

		ck_assert_msg(r.status == 0, "exit %d\n%s", r.status,
			      tail(r.out));
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
			ck_assert_msg(strstr(r.out, want[i]) != NULL,
				      "no '%s' in:\n%s", want[i], tail(r.out));
	}
	free(r.out);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, test_explain_tls13);
	tcase_add_test(tc, test_explain_tls12);
	tcase_add_loop_test(tc, test_explain_failure_live, 0,
			    (int)(sizeof live_cases / sizeof live_cases[0]));
	tcase_add_test(tc, test_explain_refused_port);
	tcase_add_test(tc, test_explain_silent_server);
	tcase_add_test(tc, test_pause_pty);
	tcase_add_loop_test(tc, test_pause_moves_handshake_deadline, 0, 2);
	tcase_add_test(tc, test_pause_needs_terminal);
	tcase_add_test(tc, test_pause_keeps_session_alive);
	tcase_add_loop_test(tc, test_pause_quit_keys, 0, 4);
	tcase_add_test(tc, test_pause_keys_pipe);
	tcase_add_test(tc, test_trace_tls13_order);
	tcase_add_test(tc, test_trace_tls12_order);
	tcase_add_loop_test(tc, test_hexdump_hides_password, 0, 2);
	tcase_add_test(tc, test_lab);
	tcase_add_test(tc, test_trace_wire_order);
	tcase_add_test(tc, test_capture);
}

int main(void)
{
	return itest_main("teaching", add_tests);
}
