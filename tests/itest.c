/*
 * itest.c -- the harness the integration tests share: a throwaway PKI and
 * a mosquitto with one loopback listener per case (tests/lib), the probe
 * run as a child with its output captured and its time bounded, and small
 * plaintext peers.
 *
 * Environment (set by Makefile.am's AM_TESTS_ENVIRONMENT):
 *   MQTTS_PROBE  the binary under test
 *   TESTS_LIB    directory holding pki.sh and broker.sh
 *   MOSQUITTO    broker binary; empty or missing -> SKIP (77)
 *   CERTTOOL     certtool binary; empty or missing -> SKIP (77)
 *
 * A suite-level unchecked fixture (run once, in the parent process) makes
 * the directory, the PKI and the broker; the tests run the binary and
 * check its exit status and what it says.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <check.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

const char *g_probe;	/* $MQTTS_PROBE */
const char *g_lib;	/* $TESTS_LIB */
char g_dir[4096];	/* temporary directory, "" when none */
int g_port[L_COUNT];
volatile sig_atomic_t g_broker_pid;
pid_t g_parent_pid;

/* ---- running a program ---------------------------------------------- */


double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void describe_command(struct run *r, const char *const *argv)
{
	size_t used = 0;

	r->cmd[0] = '\0';
	for (size_t i = 0; argv[i] != NULL; i++) {
		int n = snprintf(r->cmd + used, sizeof r->cmd - used, "%s%s",
				 i ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof r->cmd - used)
			break;
		used += (size_t)n;
	}
}

static void append_output(struct run *r, size_t *cap, const char *data,
			  size_t n)
{
	if (r->len + n + 1 > *cap) {
		size_t want = *cap ? *cap : 4096;

		while (r->len + n + 1 > want)
			want *= 2;
		char *grown = realloc(r->out, want);

		if (grown == NULL)
			return;
		r->out = grown;
		*cap = want;
	}
	memcpy(r->out + r->len, data, n);
	r->len += n;
	r->out[r->len] = '\0';
}

/*
 * MQTTS_PROBE_WRAPPER: words run before the probe, e.g. "valgrind
 * --error-exitcode=97 ...", so that every suite can run the probe under
 * a checker without a test knowing.  Empty or unset: none.
 */
static const char *wrapper(void)
{
	const char *w = getenv("MQTTS_PROBE_WRAPPER");

	return w != NULL && *w != '\0' ? w : NULL;
}

double itest_slowdown(void)
{
	return wrapper() != NULL ? 3.0 : 1.0;
}

/*
 * argv with the wrapper's words in front of the probe, wherever it is
 * in argv (a helper such as dns_jail may come first); the words live in
 * words[] (a copy of the variable, split at spaces).
 */
static const char *const *wrap_argv(const char *const *argv,
				    const char **out, size_t nout,
				    char *words, size_t nwords)
{
	const char *w = wrapper();
	size_t n = 0, at = 0;
	char *save = NULL;

	if (w == NULL || g_probe == NULL || strlen(w) >= nwords)
		return argv;
	while (argv[at] != NULL && strcmp(argv[at], g_probe) != 0)
		at++;
	if (argv[at] == NULL)
		return argv;
	for (size_t i = 0; i < at && n + 1 < nout; i++)
		out[n++] = argv[i];
	snprintf(words, nwords, "%s", w);
	for (char *t = strtok_r(words, " \t", &save); t != NULL && n + 1 < nout;
	     t = strtok_r(NULL, " \t", &save))
		out[n++] = t;
	for (size_t i = at; argv[i] != NULL && n + 1 < nout; i++)
		out[n++] = argv[i];
	out[n] = NULL;
	return out;
}

/*
 * Runs argv[0] (looked up in PATH when it has no slash) with the given
 * arguments, no shell involved.  stdin is /dev/null; stdout and stderr go
 * into one buffer.  password != NULL sets MQTTS_PROBE_PASSWORD in the child,
 * otherwise the child gets it unset.  The child is killed after
 * limit_seconds (longer under a wrapper).  sig != 0 is sent to the child
 * once, after_seconds after it started.
 */
static void run_argv_sig(struct run *r, const char *const *argv,
			 const char *password, int limit_seconds, int sig,
			 const char *marker, double after_seconds);

void run_argv_signal(struct run *r, const char *const *argv,
		     const char *password, int limit_seconds, int sig,
		     double after_seconds)
{
	run_argv_sig(r, argv, password, limit_seconds, sig, NULL,
		     after_seconds);
}

void run_argv_signal_after(struct run *r, const char *const *argv,
			   const char *password, int limit_seconds, int sig,
			   const char *marker, double after_seconds)
{
	run_argv_sig(r, argv, password, limit_seconds, sig, marker,
		     after_seconds);
}

/*
 * marker != NULL: the clock for after_seconds starts when the output
 * first holds marker, not when the child starts, so that a signal meant
 * for a given step reaches it there however slowly the child starts
 * (valgrind on a loaded machine takes seconds before main).
 */
static void run_argv_sig(struct run *r, const char *const *argv,
			 const char *password, int limit_seconds, int sig,
			 const char *marker, double after_seconds)
{
	double sig_from;
	int fds[2];
	size_t cap = 0;
	pid_t pid;
	const char *wrapped[MAX_ARGS + 40];
	char words[1024];
	int signalled = 0;

	memset(r, 0, sizeof *r);
	r->status = -1;
	describe_command(r, argv);
	append_output(r, &cap, "", 0);
	argv = wrap_argv(argv, wrapped, sizeof wrapped / sizeof wrapped[0],
			 words, sizeof words);
	limit_seconds = (int)(limit_seconds * itest_slowdown());

	if (pipe2(fds, O_CLOEXEC) != 0) {
		append_output(r, &cap, "[pipe failed]", 13);
		return;
	}
	double start = now_seconds();

	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		append_output(r, &cap, "[fork failed]", 13);
		return;
	}
	if (pid == 0) {
		size_t n = 0;
		int devnull = open("/dev/null", O_RDONLY);

		/* Own process group, so a time-out kills any helper too. */
		setpgid(0, 0);

		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);
		if (password != NULL)
			setenv("MQTTS_PROBE_PASSWORD", password, 1);
		else
			unsetenv("MQTTS_PROBE_PASSWORD");
		unsetenv("SSLKEYLOGFILE");
		setenv("NO_COLOR", "1", 1);
		/* a developer's proxy must not reroute the tests; the proxy
		 * suite sets its own and says so with ITEST_PROXY_ENV */
		if (getenv("ITEST_PROXY_ENV") == NULL) {
			unsetenv("ALL_PROXY");
			unsetenv("all_proxy");
			unsetenv("NO_PROXY");
			unsetenv("no_proxy");
			unsetenv("MQTTS_PROBE_PROXY_PASSWORD");
		}

		while (argv[n] != NULL)
			n++;
		char **copy = calloc(n + 1, sizeof *copy);

		if (copy == NULL)
			_exit(127);
		for (size_t i = 0; i < n; i++)
			copy[i] = strdup(argv[i]);
		execvp(copy[0], copy);
		dprintf(STDERR_FILENO, "exec %s: %s\n", copy[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);	/* also here: no race with the kill below */
	close(fds[1]);

	double deadline = start + limit_seconds;
	int killed = 0;

	sig_from = marker == NULL ? start : -1;

	for (;;) {
		double left = deadline - now_seconds();

		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if (sig != 0 && !signalled && sig_from < 0 &&
		    strstr(r->out, marker) != NULL)
			sig_from = now_seconds();
		if (sig != 0 && !signalled && sig_from >= 0) {
			double until = sig_from + after_seconds - now_seconds();

			if (until <= 0) {
				kill(pid, sig);
				signalled = 1;
				r->signal_at = now_seconds() - start;
			} else if (until < left) {
				left = until;
			}
		}
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		int rc = poll(&pfd, 1, (int)(left * 1000) + 1);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			continue;
		char buf[4096];
		ssize_t got = read(fds[0], buf, sizeof buf);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;	/* EOF: every writer has gone */
		if (r->len < OUTPUT_LIMIT)
			append_output(r, &cap, buf, (size_t)got);
	}
	close(fds[0]);

	int wstatus = 0;
	struct rusage ru;

	memset(&ru, 0, sizeof ru);
	/* wait4: the child's own peak memory, not all children's so far */
	while (wait4(pid, &wstatus, 0, &ru) < 0 && errno == EINTR)
		;
	r->seconds = now_seconds() - start;
	r->maxrss_kb = ru.ru_maxrss;
	if (killed) {
		static const char note[] = "\n[killed by the test after the time limit]\n";

		append_output(r, &cap, note, sizeof note - 1);
		r->status = -1;
	} else if (WIFEXITED(wstatus)) {
		r->status = WEXITSTATUS(wstatus);
	} else if (WIFSIGNALED(wstatus)) {
		r->status = 128 + WTERMSIG(wstatus);
	}
}

void run_argv(struct run *r, const char *const *argv,
	      const char *password, int limit_seconds)
{
	run_argv_signal(r, argv, password, limit_seconds, 0, 0);
}

/* Runs the probe with a NULL-terminated list of arguments. */
void
run_probe(struct run *r, const char *password, ...)
{
	const char *argv[MAX_ARGS + 2];
	size_t n = 0;
	va_list ap;

	argv[n++] = g_probe;
	va_start(ap, password);
	for (const char *a = va_arg(ap, const char *); a != NULL;
	     a = va_arg(ap, const char *)) {
		ck_assert_int_lt(n, MAX_ARGS);
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	run_argv(r, argv, password, RUN_LIMIT_SECONDS);
}

/* ---- looking at the output ------------------------------------------ */

/*
 * Whether needle is in hay, ignoring case, and with a space of needle
 * matching any run of spaces and newlines: text wraps at the width
 * (COLUMNS, or 80) and goes on after a newline and an indent, so a
 * phrase is found wherever the line broke, even inside a long word.
 */
int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (hay == NULL)
		return 0;
	for (; *hay != '\0'; hay++) {
		size_t i = 0, h = 0;

		while (i < n && hay[h] != '\0') {
			if (needle[i] == ' ' && (hay[h] == ' ' ||
			    hay[h] == '\n')) {
				while (hay[h] == ' ' || hay[h] == '\n')
					h++;
				while (i < n && needle[i] == ' ')
					i++;
				continue;
			}
			/* a word too long for a line is cut, and goes on
			 * after the newline and the indent */
			if (hay[h] == '\n' && needle[i] != '\n' && h > 0 &&
			    hay[h - 1] != ' ') {
				while (hay[h] == '\n' || hay[h] == ' ')
					h++;
				continue;
			}
			if (tolower((unsigned char)hay[h]) !=
			    tolower((unsigned char)needle[i]))
				break;
			h++;
			i++;
		}
		if (i == n)
			return 1;
	}
	return n == 0;
}

size_t widest_line(const struct run *r)
{
	size_t widest = 0, cols = 0;

	for (size_t i = 0; i < r->len; i++) {
		if (r->out[i] == '\n') {
			cols = 0;
			continue;
		}
		/* continuation bytes take no column */
		if (((unsigned char)r->out[i] & 0xc0) != 0x80 &&
		    ++cols > widest)
			widest = cols;
	}
	return widest;
}

/*
 * The last non-empty line of the output (static buffer), with the lines
 * that continue it: text wraps at the width (COLUMNS, or 80), and a
 * wrapped line goes on in lines that start with spaces, so the verdict
 * is its first line and those after it, joined with a space.
 */
const char *last_line(const struct run *r)
{
	static char line[4096];
	size_t end = r->len, o = 0;

	while (end > 0 && (r->out[end - 1] == '\n' || r->out[end - 1] == '\r'))
		end--;
	size_t begin = end;

	for (;;) {
		while (begin > 0 && r->out[begin - 1] != '\n')
			begin--;
		if (begin == 0 || r->out[begin] != ' ')
			break;
		begin--;
	}
	/* from the head line on: newlines and indents become one space */
	for (size_t i = begin; i < end && o + 1 < sizeof line; i++) {
		if (r->out[i] == '\n') {
			line[o++] = ' ';
			while (i + 1 < end && r->out[i + 1] == ' ')
				i++;
			continue;
		}
		line[o++] = r->out[i];
	}
	line[o] = '\0';
	return line;
}

size_t count_lines(const struct run *r)
{
	size_t lines = 0;

	for (size_t i = 0; i < r->len; i++)
		if (r->out[i] == '\n')
			lines++;
	if (r->len > 0 && r->out[r->len - 1] != '\n')
		lines++;
	return lines;
}





/* ---- paths and ports ------------------------------------------------ */

/* PKI file in the fixture directory; a few rotating static buffers. */
const char *pki(const char *name)
{
	static char bufs[8][4200];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof bufs[0], "%s/%s", g_dir, name);
	return b;
}

/* "host:port" for a listener or a raw port number. */
const char *target_port(const char *host, int port)
{
	static char bufs[8][128];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof bufs[0], "%s:%d", host, port);
	return b;
}

const char *target(enum listener l)
{
	return target_port("127.0.0.1", g_port[l]);
}

/*
 * Binds a TCP socket to 127.0.0.1 on a kernel-chosen port.  Returns the
 * socket (caller closes) and stores the port.
 */
int bind_loopback(int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Picks L_COUNT distinct free ports (all held at once, then released). */
static int pick_ports(void)
{
	int fds[L_COUNT];
	int ok = 1;

	for (int i = 0; i < L_COUNT; i++) {
		fds[i] = bind_loopback(&g_port[i]);
		if (fds[i] < 0)
			ok = 0;
	}
	for (int i = 0; i < L_COUNT; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ok;
}

/* ---- fixture -------------------------------------------------------- */

static void stop_broker_on_signal(int sig)
{
	if (getpid() == g_parent_pid && g_broker_pid > 0)
		kill((pid_t)g_broker_pid, SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	int ok = write(fd, text, n) == (ssize_t)n;

	return (close(fd) == 0 && ok) ? 0 : -1;
}

static void run_script(struct run *r, const char *script, const char *verb,
		       const char *const *more)
{
	char path[4200];
	const char *argv[L_COUNT + 8];
	size_t n = 0;

	snprintf(path, sizeof path, "%s/%s", g_lib, script);
	/* Through bash: a dist tarball may have lost the executable bit. */
	argv[n++] = "bash";
	argv[n++] = path;
	if (verb != NULL)
		argv[n++] = verb;
	argv[n++] = g_dir;
	for (size_t i = 0; more != NULL && more[i] != NULL; i++)
		argv[n++] = more[i];
	argv[n] = NULL;
	run_argv(r, argv, NULL, 60);
}

static void remove_dir(void)
{
	struct run r;
	const char *argv[] = { "rm", "-rf", g_dir, NULL };

	if (g_dir[0] == '\0')
		return;
	run_argv(&r, argv, NULL, 30);
	free(r.out);
	g_dir[0] = '\0';
}

static void stop_broker(void)
{
	struct run r;

	if (g_dir[0] == '\0' || access(pki("mosquitto.pid"), F_OK) != 0)
		return;
	run_script(&r, "broker.sh", "stop", NULL);
	if (r.status != 0)
		fprintf(stderr, "broker.sh stop failed (%d):\n%s\n", r.status,
			r.out);
	free(r.out);
	g_broker_pid = 0;
}

static void read_broker_pid(void)
{
	FILE *f = fopen(pki("mosquitto.pid"), "r");
	int pid = 0;

	if (f != NULL) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	g_broker_pid = pid;
}

static void suite_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char failure[8192] = "";
	struct run r;

	g_parent_pid = getpid();
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(g_dir, sizeof g_dir, "%s/mqtts-probe-it.XXXXXX", tmp);
	if (mkdtemp(g_dir) == NULL) {
		snprintf(failure, sizeof failure, "mkdtemp %s: %s", g_dir,
			 strerror(errno));
		g_dir[0] = '\0';
		ck_abort_msg("%s", failure);
	}

	run_script(&r, "pki.sh", NULL, NULL);
	if (r.status != 0)
		snprintf(failure, sizeof failure, "pki.sh failed (%d):\n%s",
			 r.status, r.out);
	free(r.out);

	if (failure[0] == '\0' &&
	    (write_file(pki("password.txt"), GOOD_PASSWORD "\n") != 0 ||
	     write_file(pki("wrong-password.txt"), WRONG_PASSWORD "\n") != 0))
		snprintf(failure, sizeof failure, "cannot write password files");

	signal(SIGINT, stop_broker_on_signal);
	signal(SIGTERM, stop_broker_on_signal);
	signal(SIGHUP, stop_broker_on_signal);

	/*
	 * broker.sh ends a forgotten broker after BROKER_LIFETIME (600 s):
	 * a suite under valgrind on a slow machine can run longer than that,
	 * and every test after it would meet a closed port.  The lifetime
	 * grows as the suite's own limits do.
	 */
	if (getenv("BROKER_LIFETIME") == NULL) {
		const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
		double mult = m != NULL && atof(m) > 1 ? atof(m) : 1;
		char life[32];

		snprintf(life, sizeof life, "%d",
			 (int)(600 * itest_slowdown() * mult));
		setenv("BROKER_LIFETIME", life, 1);
	}

	/* A picked port can be taken before the broker binds it: retry. */
	for (int attempt = 0; failure[0] == '\0' && attempt < 3; attempt++) {
		char ports[L_COUNT][16];
		const char *more[L_COUNT + 1];

		if (!pick_ports()) {
			snprintf(failure, sizeof failure,
				 "cannot bind 127.0.0.1:0: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < L_COUNT; i++) {
			snprintf(ports[i], sizeof ports[i], "%d", g_port[i]);
			more[i] = ports[i];
		}
		more[L_COUNT] = NULL;
		run_script(&r, "broker.sh", "start", more);
		if (r.status == 0) {
			free(r.out);
			read_broker_pid();
			return;
		}
		if (attempt == 2)
			snprintf(failure, sizeof failure,
				 "broker.sh start failed (%d):\n%s", r.status,
				 r.out);
		free(r.out);
		stop_broker();
	}

	/* The teardown does not run after a failed setup: clean up here. */
	stop_broker();
	remove_dir();
	ck_abort_msg("integration fixture: %s", failure);
}

static void suite_teardown(void)
{
	stop_broker();
	remove_dir();
}

/*
 * A one-shot plaintext peer: a child that accepts one connection, reads
 * first if asked (a server that waits for the client), writes `say`, and
 * exits after at most ten seconds whatever happens.
 */
pid_t
talker_start(int *port, const char *say, size_t len, int read_first)
{
	int fd = bind_loopback(port);
	pid_t pid;

	if (fd < 0 || listen(fd, 4) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char buf[2048];
		int c;

		/* Check's own SIGALRM handler would kill the whole test */
		signal(SIGALRM, SIG_DFL);
		alarm(10);
		c = accept(fd, NULL, NULL);
		if (c >= 0) {
			if (read_first && read(c, buf, sizeof buf) < 0)
				_exit(1);
			if (write(c, say, len) < 0)
				_exit(1);
			/* keep the connection open until the probe is done */
			while (read(c, buf, sizeof buf) > 0)
				;
		}
		_exit(0);
	}
	close(fd);
	return pid;
}

void
talker_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* The output holds to doc/report.schema.json (python3-jsonschema):
 * written to name in the test directory, checked by schema_check.py. */
void
itest_expect_schema(const struct run *r, const char *name)
{
	char file[4200], cmd[13000];
	struct run check;
	const char *argv[] = { "bash", "-c", cmd, NULL };
	FILE *f;

	snprintf(file, sizeof file, "%s/%s", g_dir, name);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs(r->out, f);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(cmd, sizeof cmd, "python3 '%s/schema_check.py' "
	    "'%s/../../doc/report.schema.json' '%s'", g_lib, g_lib, file);
	run_argv(&check, argv, NULL, 60);
	ck_assert_msg(check.status == 0, "schema_check failed:\n%s",
	    check.out);
	free(check.out);
}

int executable(const char *path)
{
	return path != NULL && *path != '\0' && access(path, X_OK) == 0;
}

/*
 * tests/hostile_peer (from $HOSTILE_PEER) in mode, presenting cert and
 * key; its port in *port.  The peer bounds itself with alarm(lifetime);
 * the caller stops it with talker_stop.
 */
pid_t
itest_hostile_start(const char *mode, const char *cert, const char *key,
    int lifetime, int *port)
{
	const char *peer = getenv("HOSTILE_PEER");
	char life[16];
	int fds[2];
	pid_t pid;

	ck_assert_msg(executable(peer), "HOSTILE_PEER (%s) is not executable",
		      peer ? peer : "unset");
	snprintf(life, sizeof life, "%d", lifetime);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		/* Check's SIGALRM handler must not replace the peer's bound */
		signal(SIGALRM, SIG_DFL);
		execl(peer, peer, mode, cert, key, life, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	/* the port, one line, within ten seconds */
	*port = itest_read_port(fds[0], 10.0);
	close(fds[0]);
	if (*port <= 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		ck_abort_msg("hostile_peer %s did not say its port", mode);
	}
	return pid;
}

int
itest_read_port(int fd, double seconds)
{
	char line[32] = "";
	size_t used = 0;

	while (used < sizeof line - 1 && strchr(line, '\n') == NULL) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, (int)(seconds * 1000)) <= 0)
			break;
		n = read(fd, line + used, sizeof line - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		line[used] = '\0';
	}
	return atoi(line) > 0 ? atoi(line) : -1;
}

int
itest_main(const char *name, void (*add_tests)(TCase *))
{
	const char *mosquitto = getenv("MOSQUITTO");
	const char *certtool = getenv("CERTTOOL");

	if (!executable(mosquitto)) {
		printf("SKIP: MOSQUITTO is %s%s%s: cannot run a broker\n",
		       mosquitto && *mosquitto ? "\"" : "",
		       mosquitto && *mosquitto ? mosquitto : "empty",
		       mosquitto && *mosquitto ? "\" (not executable)" : "");
		return SKIP_CODE;
	}
	if (!executable(certtool)) {
		printf("SKIP: CERTTOOL is %s%s%s: cannot make a PKI\n",
		       certtool && *certtool ? "\"" : "",
		       certtool && *certtool ? certtool : "empty",
		       certtool && *certtool ? "\" (not executable)" : "");
		return SKIP_CODE;
	}
	g_probe = getenv("MQTTS_PROBE");
	g_lib = getenv("TESTS_LIB");
	if (!executable(g_probe)) {
		fprintf(stderr, "MQTTS_PROBE (%s) is not an executable file\n",
			g_probe ? g_probe : "unset");
		return HARD_ERROR_CODE;
	}
	if (g_lib == NULL || *g_lib == '\0') {
		fprintf(stderr, "TESTS_LIB is not set\n");
		return HARD_ERROR_CODE;
	}

	Suite *s = suite_create(name);
	TCase *tc = tcase_create("broker");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 120);

	add_tests(tc);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);

	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
