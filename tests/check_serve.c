/*
 * check_serve.c -- mqtts-probe --serve against a real mosquitto (harness:
 * itest.c): /probe for good and failing targets and modules, every
 * exposition checked by promtool, /metrics, the / page and /debug, the
 * 503 beyond --max-concurrent, --allow-target's 403, the scrape timeout
 * header, SIGHUP with a good and a bad module file, secrets kept out of
 * answers and logs, and a real Prometheus scraping the exporter with the
 * relabelling the README documents.
 *
 * The exporter is started on port 0 and the test reads the port from its
 * "listening" log line; each one runs under alarm(), so a forgotten one
 * dies on its own, and is stopped with SIGTERM, which must end it with
 * status 0 (under valgrind: no leak, no error).  HTTP is spoken over
 * plain sockets, every read bounded by a deadline.
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
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

/* A forgotten exporter or Prometheus ends by itself after this. */
#define SERVER_LIFETIME_S 300
#define HTTP_LIMIT_S 30.0

struct exporter {
	pid_t pid;
	int port;
	char log[4200];
};

/* ---- small helpers ------------------------------------------------------ */

static char *
slurp_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	m = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(m);
	if (f != NULL) {
		char chunk[4096];
		size_t n;

		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			fwrite(chunk, 1, n, m);
		fclose(f);
	}
	fclose(m);
	return buf;
}

static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)),
			 (ssize_t)strlen(text));
	close(fd);
}

static const char *
tmp_path(const char *name)
{
	return pki(name);
}

/* The module file most tests use: one module per kind of listener. */
static const char *
modules_file(void)
{
	static char path[4200];
	char text[8192];

	write_file(tmp_path("serve.password"), GOOD_PASSWORD "\n");
	snprintf(text, sizeof text,
		 "# modules for check_serve\n"
		 "[good]\ncafile = %s\ntimeout = 10\n\n"
		 "[pw5]\ncafile = %s\nusername = probeuser\n"
		 "password-file = %s\nmqtt-version = 5\n\n"
		 "[mtls]\ncafile = %s\ncert = %s\nkey = %s\n\n"
		 "[short]\ncafile = %s\ntimeout = 2\n\n"
		 "[slow]\ncafile = %s\ntimeout = 30\n\n"
		 "[tls12]\ncafile = %s\ntls-version = 1.2\n\n"
		 "[caps]\ncafile = %s\ncapabilities\nrequire = qos2,retain\n",
		 pki("ca.pem"), pki("ca.pem"), tmp_path("serve.password"),
		 pki("ca.pem"), pki("client.pem"), pki("client.key"),
		 pki("ca.pem"), pki("ca.pem"), pki("ca.pem"), pki("ca.pem"));
	snprintf(path, sizeof path, "%s", tmp_path("serve.conf"));
	write_file(path, text);
	return path;
}

/* ---- the exporter ------------------------------------------------------- */

/* The wrapper's words (valgrind under scripts/valgrind), then argv. */
static void
exec_wrapped(const char *const *argv)
{
	const char *w = getenv("MQTTS_PROBE_WRAPPER");
	char *words = w != NULL ? strdup(w) : NULL, *save = NULL;
	char *all[MAX_ARGS * 2];
	size_t n = 0;

	if (words != NULL)
		for (char *t = strtok_r(words, " ", &save); t != NULL &&
		     n < MAX_ARGS; t = strtok_r(NULL, " ", &save))
			all[n++] = t;
	/* copies: exec wants writable strings */
	for (size_t i = 0; argv[i] != NULL && n < MAX_ARGS * 2 - 1; i++)
		all[n++] = strdup(argv[i]);
	all[n] = NULL;
	execvp(all[0], all);
	_exit(127);
}

/* Whether the log has a line with all of the given words. */
static int
log_has(const struct exporter *e, const char *a, const char *b)
{
	char *log = slurp_file(e->log), *line, *save = NULL;
	int found = 0;

	for (line = strtok_r(log, "\n", &save); line != NULL && !found;
	     line = strtok_r(NULL, "\n", &save))
		found = strstr(line, a) != NULL &&
			(b == NULL || strstr(line, b) != NULL);
	free(log);
	return found;
}

/* Wait (bounded) until the log has such a line. */
static void
log_wait(const struct exporter *e, const char *a, const char *b)
{
	double end = now_seconds() + 30 * itest_slowdown();

	while (!log_has(e, a, b)) {
		char *log;

		if (now_seconds() > end) {
			log = slurp_file(e->log);
			ck_abort_msg("no log line with \"%s\" %s\n--- log ---\n%.3000s",
				     a, b != NULL ? b : "", log);
		}
		usleep(50000);
	}
}

static void
exporter_start(struct exporter *e, const char *name, ...)
{
	const char *argv[MAX_ARGS + 1];
	size_t n = 0;
	va_list ap;
	double end;
	int fd;

	memset(e, 0, sizeof *e);
	snprintf(e->log, sizeof e->log, "%s/%s.log", g_dir, name);
	unlink(e->log);
	argv[n++] = g_probe;
	argv[n++] = "--serve";
	argv[n++] = "127.0.0.1:0";
	va_start(ap, name);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL &&
	     n < MAX_ARGS;)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;

	fd = open(e->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	e->pid = fork();
	ck_assert_int_ge(e->pid, 0);
	if (e->pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		/* Check's SIGALRM handler is not ours: the default kills */
		signal(SIGALRM, SIG_DFL);
		alarm(SERVER_LIFETIME_S);
		exec_wrapped(argv);
	}
	close(fd);
	end = now_seconds() + 30 * itest_slowdown();
	for (;;) {
		char *log = slurp_file(e->log), *p;

		p = strstr(log, "msg=listening");
		if (p != NULL && (p = strstr(p, " port=")) != NULL)
			e->port = atoi(p + 6);
		if (e->port > 0 || waitpid(e->pid, NULL, WNOHANG) == e->pid ||
		    now_seconds() > end) {
			ck_assert_msg(e->port > 0, "the exporter did not start"
				      "\n--- log ---\n%.3000s", log);
			free(log);
			return;
		}
		free(log);
		usleep(50000);
	}
}

/* SIGTERM, and its exit status (bounded wait, then SIGKILL). */
static int
exporter_stop(struct exporter *e)
{
	double end = now_seconds() + 60 * itest_slowdown();
	int st = 0;

	if (e->pid <= 0)
		return -1;
	kill(e->pid, SIGTERM);
	while (waitpid(e->pid, &st, WNOHANG) == 0) {
		if (now_seconds() > end) {
			kill(e->pid, SIGKILL);
			waitpid(e->pid, &st, 0);
			e->pid = 0;
			return -1;
		}
		usleep(20000);
	}
	e->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
exporter_stop_ok(struct exporter *e)
{
	int status = exporter_stop(e);
	char *log = slurp_file(e->log);

	ck_assert_msg(status == 0, "exporter exit status %d\n--- log ---\n%.3000s",
		      status, log);
	/* no secret in any log line, ever */
	ck_assert_msg(strstr(log, GOOD_PASSWORD) == NULL,
		      "the password is in the log:\n%.3000s", log);
	free(log);
}

/* ---- HTTP over a plain socket ------------------------------------------ */

struct reply {
	int status;
	char *head;		/* status line and headers */
	char *body;
	size_t len;
};

/* Connect and send the bytes of a request as they are. */
static int
http_send_raw(int port, const char *req, size_t len)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0,
		      "connect to the exporter: %s", strerror(errno));
	ck_assert_int_eq(write(fd, req, len), (ssize_t)len);
	return fd;
}

static int
http_send(int port, const char *path, const char *headers)
{
	char req[8192];
	int n;

	n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		     "Connection: close\r\n%s\r\n", path,
		     headers != NULL ? headers : "");
	return http_send_raw(port, req, (size_t)n);
}

/* Read the whole answer (the server closes), within the deadline. */
static void
http_finish(int fd, struct reply *r)
{
	double end = now_seconds() + HTTP_LIMIT_S * itest_slowdown();
	char *buf = NULL, *sep;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	memset(r, 0, sizeof *r);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char chunk[8192];
		double left = end - now_seconds();
		ssize_t got;

		ck_assert_msg(left > 0, "no complete HTTP answer in time");
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		got = read(fd, chunk, sizeof chunk);
		if (got <= 0)
			break;
		ck_assert_uint_lt(len, OUTPUT_LIMIT);
		fwrite(chunk, 1, (size_t)got, m);
	}
	close(fd);
	fclose(m);
	ck_assert_msg(len > 12 && strncmp(buf, "HTTP/1.", 7) == 0,
		      "not an HTTP answer: %.*s", len > 3000 ? 3000 : (int)len,
		      buf);
	r->status = atoi(buf + 9);
	sep = strstr(buf, "\r\n\r\n");
	ck_assert_ptr_nonnull(sep);
	*sep = '\0';
	r->head = buf;
	r->body = sep + 4;
	r->len = len - (size_t)(r->body - buf);
}

static void
http_get(int port, const char *path, const char *headers, struct reply *r)
{
	http_finish(http_send(port, path, headers), r);
}

static void
reply_free(struct reply *r)
{
	free(r->head);
	memset(r, 0, sizeof *r);
}

#define EXPECT_STATUS(r, code, what)					\
	ck_assert_msg((r)->status == (code), "%s: HTTP %d, expected %d\n%.3000s", \
		      (what), (r)->status, (code), (r)->body)
#define EXPECT_BODY_HAS(r, text, what)					\
	ck_assert_msg(strstr((r)->body, (text)) != NULL,		\
		      "%s: the answer lacks \"%s\"\n%.3000s", (what), (text), \
		      (r)->body)
#define EXPECT_BODY_LACKS(r, text, what)				\
	ck_assert_msg(strstr((r)->body, (text)) == NULL,		\
		      "%s: the answer has \"%s\"\n%.3000s", (what), (text), \
		      (r)->body)

/* ---- promtool ------------------------------------------------------------ */

static const char *
find_tool(const char *name)
{
	static char path[4096];
	const char *env = getenv("PATH");
	char *dirs, *save = NULL;

	if (env == NULL)
		return NULL;
	dirs = strdup(env);
	for (char *d = strtok_r(dirs, ":", &save); d != NULL;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof path, "%s/%s", d, name);
		if (executable(path)) {
			free(dirs);
			return path;
		}
	}
	free(dirs);
	return NULL;
}

/* The body must be a valid exposition: promtool check metrics. */
static void
expect_promtool_ok(const struct reply *r, const char *what)
{
	static int noted;
	const char *promtool = find_tool("promtool");
	char file[4200], cmd[9000];
	FILE *f;
	int rc;

	if (promtool == NULL) {
		if (!noted++)
			printf("note: promtool not installed; expositions not "
			       "checked by it\n");
		return;
	}
	snprintf(file, sizeof file, "%s/exposition.prom", g_dir);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fwrite(r->body, 1, r->len, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "timeout 60 '%s' check metrics < '%s' "
		 "> '%s.out' 2>&1", promtool, file, file);
	rc = system(cmd);
	if (rc != 0) {
		char out[4300];
		char *text;

		snprintf(out, sizeof out, "%s.out", file);
		text = slurp_file(out);
		ck_abort_msg("%s: promtool check metrics failed (%d):\n%.1500s\n"
			     "--- exposition ---\n%.1500s", what, rc, text,
			     r->body);
	}
}

static const char *
probe_path(const char *target, const char *module, const char *extra)
{
	static char bufs[4][1024];
	static unsigned next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof bufs[0], "/probe?target=%s%s%s%s", target,
		 module != NULL ? "&module=" : "", module != NULL ? module : "",
		 extra != NULL ? extra : "");
	return b;
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(test_probe_good_and_failing)
{
	struct exporter e;
	struct reply r;

	exporter_start(&e, "probe", "--config", modules_file(), NULL);

	http_get(e.port, probe_path(target(L_GOOD), "good", NULL), NULL, &r);
	EXPECT_STATUS(&r, 200, "good target");
	EXPECT_BODY_HAS(&r, "\nprobe_success 1\n", "good target");
	EXPECT_BODY_HAS(&r, "\nprobe_duration_seconds ", "good target");
	EXPECT_BODY_HAS(&r, "\nprobe_ssl_earliest_cert_expiry ", "good target");
	EXPECT_BODY_HAS(&r, "probe_tls_version_info{version=\"TLS 1.",
			"good target");
	EXPECT_BODY_HAS(&r, "mqtts_probe_success{target=\"", "good target");
	EXPECT_BODY_HAS(&r, "mqtts_probe_round_trip_seconds{", "good target");
	ck_assert_msg(strstr(r.head, "Content-Type: text/plain; version=0.0.4")
		      != NULL, "content type:\n%s", r.head);
	expect_promtool_ok(&r, "good target");
	reply_free(&r);

	/* an expired chain: the probe fails at step 4, the answer is 200 */
	http_get(e.port, probe_path(target(L_EXPIRED), "good", NULL), NULL, &r);
	EXPECT_STATUS(&r, 200, "expired target");
	EXPECT_BODY_HAS(&r, "\nprobe_success 0\n", "expired target");
	EXPECT_BODY_HAS(&r, "} 4\n", "expired target");
	expect_promtool_ok(&r, "expired target");
	reply_free(&r);

	/* nothing listens: step 1 fails */
	{
		int port, fd = bind_loopback(&port);

		close(fd);
		http_get(e.port, probe_path(target_port("127.0.0.1", port),
					    "good", NULL), NULL, &r);
		EXPECT_STATUS(&r, 200, "closed port");
		EXPECT_BODY_HAS(&r, "\nprobe_success 0\n", "closed port");
		EXPECT_BODY_LACKS(&r, "probe_tls_version_info", "closed port");
		expect_promtool_ok(&r, "closed port");
		reply_free(&r);
	}

	/* the default module has no CA of ours: not trusted */
	http_get(e.port, probe_path(target(L_GOOD), NULL, NULL), NULL, &r);
	EXPECT_STATUS(&r, 400, "no module in a file without [default]");
	reply_free(&r);

	/* user and password from the module, MQTT 5.0 */
	http_get(e.port, probe_path(target(L_PASSWORD), "pw5", NULL), NULL, &r);
	EXPECT_STATUS(&r, 200, "password module");
	EXPECT_BODY_HAS(&r, "\nprobe_success 1\n", "password module");
	EXPECT_BODY_LACKS(&r, GOOD_PASSWORD, "password module");
	expect_promtool_ok(&r, "password module");
	reply_free(&r);

	/* the same listener without the password: CONNACK refuses */
	http_get(e.port, probe_path(target(L_PASSWORD), "good", NULL), NULL,
		 &r);
	EXPECT_STATUS(&r, 200, "password listener, no password");
	EXPECT_BODY_HAS(&r, "\nprobe_success 0\n",
			"password listener, no password");
	EXPECT_BODY_HAS(&r, "mqtts_probe_connack_code{",
			"password listener, no password");
	reply_free(&r);

	/* what the broker really allows, as series of their own */
	http_get(e.port, probe_path(target(L_GOOD), "caps", NULL), NULL, &r);
	EXPECT_STATUS(&r, 200, "capabilities module");
	EXPECT_BODY_HAS(&r, "\nprobe_success 1\n", "capabilities module");
	EXPECT_BODY_HAS(&r, "mqtts_probe_capability{target=\"",
			"capabilities module");
	EXPECT_BODY_HAS(&r, "name=\"retain\"} 1\n", "capabilities module");
	expect_promtool_ok(&r, "capabilities module");
	reply_free(&r);

	/* a client certificate from the module */
	http_get(e.port, probe_path(target(L_MTLS), "mtls", NULL), NULL, &r);
	EXPECT_STATUS(&r, 200, "mtls module");
	EXPECT_BODY_HAS(&r, "\nprobe_success 1\n", "mtls module");
	reply_free(&r);

	/* debug=true: the walk, then the metrics; no password */
	http_get(e.port, probe_path(target(L_PASSWORD), "pw5", "&debug=true"),
		 NULL, &r);
	EXPECT_STATUS(&r, 200, "debug");
	EXPECT_BODY_HAS(&r, "[8/8] Publish/subscribe round trip", "debug");
	EXPECT_BODY_HAS(&r, "MQTT 5.0", "debug");
	EXPECT_BODY_HAS(&r, "probe_success 1", "debug");
	EXPECT_BODY_LACKS(&r, GOOD_PASSWORD, "debug");
	reply_free(&r);

	/* bad requests: named, answered at once */
	http_get(e.port, "/probe?module=good", NULL, &r);
	EXPECT_STATUS(&r, 400, "no target");
	EXPECT_BODY_HAS(&r, "target", "no target");
	reply_free(&r);
	http_get(e.port, probe_path("localhost:99999", "good", NULL), NULL, &r);
	EXPECT_STATUS(&r, 400, "bad port");
	EXPECT_BODY_HAS(&r, "port", "bad port");
	reply_free(&r);
	http_get(e.port, probe_path(target(L_GOOD), "nosuch", NULL), NULL, &r);
	EXPECT_STATUS(&r, 400, "unknown module");
	EXPECT_BODY_HAS(&r, "unknown module 'nosuch'", "unknown module");
	reply_free(&r);
	http_get(e.port, "/nowhere", NULL, &r);
	EXPECT_STATUS(&r, 404, "unknown path");
	reply_free(&r);

	/* only GET and HEAD, no body, and a bound on the request's size */
	{
		static const char post[] = "POST /probe HTTP/1.1\r\nHost: x\r\n"
			"Connection: close\r\nContent-Length: 3\r\n\r\nabc";
		static const char body[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n"
			"Connection: close\r\nContent-Length: 3\r\n\r\nabc";
		char *big = malloc(64 * 1024);
		size_t n;

		http_finish(http_send_raw(e.port, post, strlen(post)), &r);
		EXPECT_STATUS(&r, 405, "POST");
		reply_free(&r);
		http_finish(http_send_raw(e.port, body, strlen(body)), &r);
		EXPECT_STATUS(&r, 413, "GET with a body");
		reply_free(&r);
		/* a 40 KiB URL: refused by libmicrohttpd's memory bound */
		ck_assert_ptr_nonnull(big);
		n = (size_t)snprintf(big, 64, "GET /probe?target=");
		memset(big + n, 'a', 40 * 1024);
		n += 40 * 1024;
		n += (size_t)snprintf(big + n, 64 * 1024 - n, " HTTP/1.1\r\n"
				      "Host: x\r\nConnection: close\r\n\r\n");
		http_finish(http_send_raw(e.port, big, n), &r);
		ck_assert_msg(r.status == 414 || r.status == 431,
			      "a 40 KiB URL: HTTP %d", r.status);
		reply_free(&r);
		free(big);
	}

	/* the exporter's own metrics */
	http_get(e.port, "/metrics", NULL, &r);
	EXPECT_STATUS(&r, 200, "/metrics");
	EXPECT_BODY_HAS(&r, "mqtts_probe_exporter_probes_total{module=\"good\","
			"result=\"success\"} 1\n", "/metrics");
	EXPECT_BODY_HAS(&r, "mqtts_probe_exporter_probes_total{module=\"good\","
			"result=\"failure\"} 3\n", "/metrics");
	EXPECT_BODY_HAS(&r, "mqtts_probe_exporter_probes_total{module=\"pw5\","
			"result=\"success\"} 2\n", "/metrics");
	EXPECT_BODY_HAS(&r, "mqtts_probe_exporter_requests_refused_total{"
			"reason=\"bad_request\"} 4\n", "/metrics");
	EXPECT_BODY_HAS(&r, "mqtts_probe_exporter_probes_in_flight 0\n",
			"/metrics");
	EXPECT_BODY_HAS(&r, "mqtts_probe_exporter_probes_total{module=\"caps\","
			"result=\"success\"} 1\n", "/metrics");
	EXPECT_BODY_HAS(&r, "mqtts_probe_exporter_probe_duration_seconds_count "
			"8\n", "/metrics");
	EXPECT_BODY_HAS(&r, "mqtts_probe_exporter_config_last_reload_successful"
			" 1\n", "/metrics");
	EXPECT_BODY_HAS(&r, "mqtts_probe_exporter_build_info{version=\"",
			"/metrics");
	expect_promtool_ok(&r, "/metrics");
	reply_free(&r);

	/* the / page links every recent probe to its walk */
	http_get(e.port, "/", NULL, &r);
	EXPECT_STATUS(&r, 200, "/");
	EXPECT_BODY_HAS(&r, "<a href=\"/debug?id=1\">", "/");
	EXPECT_BODY_HAS(&r, "<a href=\"/debug?id=8\">", "/");
	EXPECT_BODY_HAS(&r, "failed, exit status 4", "/");
	reply_free(&r);
	http_get(e.port, "/debug?id=1", NULL, &r);
	EXPECT_STATUS(&r, 200, "/debug?id=1");
	EXPECT_BODY_HAS(&r, "[1/8] TCP connect", "/debug?id=1");
	reply_free(&r);
	http_get(e.port, "/debug?id=999", NULL, &r);
	EXPECT_STATUS(&r, 404, "/debug?id=999");
	reply_free(&r);

	ck_assert(log_has(&e, "msg=probe", "result=success"));
	ck_assert(log_has(&e, "msg=probe", "exit_status=4"));
	exporter_stop_ok(&e);
}
END_TEST

/* A TCP listener that never accepts: the TLS handshake waits. */
static int
silent_listener(int *port)
{
	int fd = bind_loopback(port);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	return fd;
}

START_TEST(test_max_concurrent_503)
{
	struct exporter e;
	struct reply r, first;
	int port, silent = silent_listener(&port), pending;
	double end;

	exporter_start(&e, "busy", "--config", modules_file(),
		       "--max-concurrent", "1", NULL);
	pending = http_send(e.port, probe_path(target_port("127.0.0.1", port),
					       "short", NULL), NULL);
	/* wait until that probe is in flight */
	end = now_seconds() + 30 * itest_slowdown();
	for (;;) {
		http_get(e.port, "/metrics", NULL, &r);
		if (strstr(r.body, "probes_in_flight 1\n") != NULL)
			break;
		reply_free(&r);
		ck_assert_msg(now_seconds() < end, "the first probe never "
			      "started");
		usleep(20000);
	}
	reply_free(&r);

	/* the second is refused now, not queued */
	http_get(e.port, probe_path(target(L_GOOD), "good", NULL), NULL, &r);
	EXPECT_STATUS(&r, 503, "beyond --max-concurrent");
	EXPECT_BODY_HAS(&r, "--max-concurrent", "beyond --max-concurrent");
	reply_free(&r);

	/* the first ends at its module's timeout, as a failure */
	http_finish(pending, &first);
	EXPECT_STATUS(&first, 200, "the probe in flight");
	EXPECT_BODY_HAS(&first, "\nprobe_success 0\n", "the probe in flight");
	expect_promtool_ok(&first, "the probe in flight");
	reply_free(&first);

	/* and then there is room again */
	http_get(e.port, probe_path(target(L_GOOD), "good", NULL), NULL, &r);
	EXPECT_STATUS(&r, 200, "after the slot is free");
	EXPECT_BODY_HAS(&r, "\nprobe_success 1\n", "after the slot is free");
	reply_free(&r);
	http_get(e.port, "/metrics", NULL, &r);
	EXPECT_BODY_HAS(&r, "requests_refused_total{reason=\"busy\"} 1\n",
			"/metrics");
	reply_free(&r);
	close(silent);
	exporter_stop_ok(&e);
}
END_TEST

START_TEST(test_scrape_timeout_header)
{
	struct exporter e;
	struct reply r;
	int port, silent = silent_listener(&port);

	exporter_start(&e, "scrape", "--config", modules_file(), NULL);
	/* the module allows 30 s; Prometheus 2 s, less half a second */
	http_get(e.port, probe_path(target_port("127.0.0.1", port), "slow",
				    "&debug=true"),
		 "X-Prometheus-Scrape-Timeout-Seconds: 2\r\n", &r);
	EXPECT_STATUS(&r, 200, "scrape timeout");
	EXPECT_BODY_HAS(&r, "timeout 1.5 s", "scrape timeout");
	EXPECT_BODY_HAS(&r, "probe_success 0", "scrape timeout");
	reply_free(&r);

	/*
	 * A handshake the broker refuses (TLS 1.2 offered to a TLS 1.3-only
	 * listener) is one the command line follows up with experiments;
	 * a scrape has no time for them.
	 */
	http_get(e.port, probe_path(target(L_TLS13ONLY), "tls12",
				    "&debug=true"), NULL, &r);
	EXPECT_STATUS(&r, 200, "no follow-up experiments");
	EXPECT_BODY_HAS(&r, "probe_success 0", "no follow-up experiments");
	EXPECT_BODY_LACKS(&r, "Diagnosis", "no follow-up experiments");
	reply_free(&r);
	close(silent);
	exporter_stop_ok(&e);
}
END_TEST

START_TEST(test_allow_target_403)
{
	struct exporter e;
	struct reply r;
	char pattern[64];

	snprintf(pattern, sizeof pattern, "localhost:%d", g_port[L_GOOD]);
	exporter_start(&e, "allow", "--config", modules_file(),
		       "--allow-target", pattern, "--allow-target",
		       "*.invalid", NULL);
	http_get(e.port, probe_path(target(L_GOOD), "good", NULL), NULL, &r);
	EXPECT_STATUS(&r, 403, "127.0.0.1 is not allowed");
	EXPECT_BODY_HAS(&r, "--allow-target", "127.0.0.1 is not allowed");
	reply_free(&r);
	http_get(e.port, probe_path(target_port("localhost", g_port[L_EXPIRED]),
				    "good", NULL), NULL, &r);
	EXPECT_STATUS(&r, 403, "another port is not allowed");
	reply_free(&r);
	http_get(e.port, probe_path(target_port("LOCALHOST", g_port[L_GOOD]),
				    "good", NULL), NULL, &r);
	EXPECT_STATUS(&r, 200, "the allowed host and port");
	EXPECT_BODY_HAS(&r, "\nprobe_success 1\n", "the allowed host and port");
	reply_free(&r);
	http_get(e.port, "/metrics", NULL, &r);
	EXPECT_BODY_HAS(&r, "requests_refused_total{reason=\"forbidden\"} 2\n",
			"/metrics");
	reply_free(&r);
	ck_assert(log_has(&e, "msg=\"probe refused\"", "--allow-target"));
	exporter_stop_ok(&e);
}
END_TEST

START_TEST(test_reload)
{
	struct exporter e;
	struct reply r;
	char text[4096];
	const char *conf = tmp_path("reload.conf");

	snprintf(text, sizeof text, "[first]\ncafile = %s\n", pki("ca.pem"));
	write_file(conf, text);
	exporter_start(&e, "reload", "--config", conf, NULL);
	http_get(e.port, probe_path(target(L_GOOD), "second", NULL), NULL, &r);
	EXPECT_STATUS(&r, 400, "module not yet loaded");
	reply_free(&r);

	/* a good new file: the new module is there after SIGHUP */
	snprintf(text, sizeof text, "[first]\ncafile = %s\n[second]\n"
		 "cafile = %s\nmqtt-version = 5\n", pki("ca.pem"),
		 pki("ca.pem"));
	write_file(conf, text);
	kill(e.pid, SIGHUP);
	log_wait(&e, "msg=reloaded", "modules=first,second");
	http_get(e.port, probe_path(target(L_GOOD), "second", NULL), NULL, &r);
	EXPECT_STATUS(&r, 200, "module after reload");
	EXPECT_BODY_HAS(&r, "\nprobe_success 1\n", "module after reload");
	reply_free(&r);

	/* a bad one: the modules in use stay, the log says why */
	write_file(conf, "[first]\nqos = 7\n");
	kill(e.pid, SIGHUP);
	log_wait(&e, "reload failed", "qos");
	http_get(e.port, probe_path(target(L_GOOD), "second", NULL), NULL, &r);
	EXPECT_STATUS(&r, 200, "module kept after a bad reload");
	EXPECT_BODY_HAS(&r, "\nprobe_success 1\n",
			"module kept after a bad reload");
	reply_free(&r);
	http_get(e.port, "/metrics", NULL, &r);
	EXPECT_BODY_HAS(&r, "config_last_reload_successful 0\n", "/metrics");
	EXPECT_BODY_HAS(&r, "config_reloads_total{result=\"failure\"} 1\n",
			"/metrics");
	EXPECT_BODY_HAS(&r, "mqtts_probe_exporter_modules 2\n", "/metrics");
	reply_free(&r);
	/* a missing file is a bad file too */
	unlink(conf);
	kill(e.pid, SIGHUP);
	log_wait(&e, "reload failed", "No such file");
	exporter_stop_ok(&e);
}
END_TEST

START_TEST(test_bad_module_files)
{
	struct run r;
	const char *conf = tmp_path("bad.conf");

	write_file(conf, "[m]\npassword = " GOOD_PASSWORD "\n");
	{
		const char *argv[] = { g_probe, "--serve", "127.0.0.1:0",
				       "--config", conf, NULL };

		run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
	}
	EXPECT_EXIT(&r, 66);
	EXPECT_HAS(&r, "bad.conf:2: [m] a password is never written");
	EXPECT_LACKS(&r, GOOD_PASSWORD);
	free(r.out);

	write_file(conf, "[m]\nformat = json\n");
	{
		const char *argv[] = { g_probe, "--serve", "127.0.0.1:0",
				       "--config", conf, NULL };

		run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
	}
	EXPECT_EXIT(&r, 66);
	EXPECT_HAS(&r, "--format is not a probe setting");
	free(r.out);

	write_file(conf, "[m]\ncafile = /nonexistent/ca.pem\n");
	{
		const char *argv[] = { g_probe, "--serve", "127.0.0.1:0",
				       "--config", conf, NULL };

		run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
	}
	EXPECT_EXIT(&r, 66);
	EXPECT_HAS(&r, "[m]");
	EXPECT_HAS(&r, "/nonexistent/ca.pem");
	free(r.out);

	/* the exporter takes no target and no probe option */
	{
		const char *argv[] = { g_probe, "--serve", "0", "localhost",
				       NULL };

		run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
	}
	EXPECT_EXIT(&r, 64);
	EXPECT_HAS(&r, "--serve takes no TARGET");
	free(r.out);
}
END_TEST

/* ---- a real Prometheus -------------------------------------------------- */

/* probe_success of instance in Prometheus's answer, or -1. */
static int
prom_value(const char *json, const char *instance)
{
	char key[256];
	const char *p;

	snprintf(key, sizeof key, "\"instance\":\"%s\"", instance);
	p = strstr(json, key);
	if (p == NULL)
		return -1;
	p = strstr(p, "\"value\":[");
	if (p == NULL || (p = strchr(p, ',')) == NULL)
		return -1;
	/* [TIME,"VALUE"] */
	return p[1] == '"' ? p[2] - '0' : -1;
}

START_TEST(test_prometheus_scrapes)
{
	const char *prometheus = find_tool("prometheus");
	struct exporter e;
	char conf[4200], data[4200], plog[4200], text[4096], query[256];
	char good[64], bad[64];
	int pport, pfd = bind_loopback(&pport), good_v = -1, bad_v = -1;
	pid_t pid;
	double end;
	struct reply r;

	if (prometheus == NULL) {
		printf("note: prometheus not installed; not scraped by it\n");
		close(pfd);
		return;
	}
	/* the port Prometheus listens on: free now, taken in a moment */
	close(pfd);
	exporter_start(&e, "scraped", "--config", modules_file(), NULL);
	snprintf(good, sizeof good, "%s", target_port("localhost",
						      g_port[L_GOOD]));
	snprintf(bad, sizeof bad, "%s", target_port("localhost",
						     g_port[L_EXPIRED]));
	/* the README's scrape config, with the test's ports */
	snprintf(conf, sizeof conf, "%s/prometheus.yml", g_dir);
	/* slower under valgrind: longer scrapes, so the probe fits */
	snprintf(text, sizeof text,
		 "global:\n  scrape_interval: %ds\n  scrape_timeout: %ds\n"
		 "scrape_configs:\n"
		 "  - job_name: mqtts\n"
		 "    metrics_path: /probe\n"
		 "    params:\n      module: [good]\n"
		 "    static_configs:\n"
		 "      - targets: ['%s', '%s']\n"
		 "    relabel_configs:\n"
		 "      - source_labels: [__address__]\n"
		 "        target_label: __param_target\n"
		 "      - source_labels: [__param_target]\n"
		 "        target_label: instance\n"
		 "      - target_label: __address__\n"
		 "        replacement: 127.0.0.1:%d\n",
		 (int)itest_slowdown(), (int)itest_slowdown(), good, bad, e.port);
	write_file(conf, text);
	snprintf(data, sizeof data, "%s/prometheus-data", g_dir);
	snprintf(plog, sizeof plog, "%s/prometheus.log", g_dir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char cf[4300], st[4300], la[64];
		int fd = open(plog, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		signal(SIGALRM, SIG_DFL);
		alarm(SERVER_LIFETIME_S);
		snprintf(cf, sizeof cf, "--config.file=%s", conf);
		snprintf(st, sizeof st, "--storage.tsdb.path=%s", data);
		snprintf(la, sizeof la, "--web.listen-address=127.0.0.1:%d",
			 pport);
		execl(prometheus, "prometheus", cf, st, la, (char *)NULL);
		_exit(127);
	}
	/* ask the HTTP API until both targets have a value, bounded */
	snprintf(query, sizeof query, "/api/v1/query?query=probe_success");
	end = now_seconds() + 90 * itest_slowdown();
	while ((good_v < 0 || bad_v < 0) && now_seconds() < end) {
		struct sockaddr_in sa;
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		usleep(500000);
		memset(&sa, 0, sizeof sa);
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa.sin_port = htons((uint16_t)pport);
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
			close(fd);
			continue;
		}
		close(fd);
		http_get(pport, query, NULL, &r);
		if (r.status == 200) {
			good_v = prom_value(r.body, good);
			bad_v = prom_value(r.body, bad);
		}
		reply_free(&r);
	}
	kill(pid, SIGTERM);
	{
		double stop = now_seconds() + 30;
		int st;

		while (waitpid(pid, &st, WNOHANG) == 0) {
			if (now_seconds() > stop) {
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				break;
			}
			usleep(50000);
		}
	}
	if (good_v != 1 || bad_v != 0) {
		char *log = slurp_file(plog), *elog = slurp_file(e.log);

		ck_abort_msg("probe_success from Prometheus: %s=%d (want 1), "
			     "%s=%d (want 0)\n--- prometheus ---\n%.1500s\n"
			     "--- exporter ---\n%.1500s", good, good_v, bad,
			     bad_v, log, elog);
	}
	exporter_stop_ok(&e);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_probe_good_and_failing);
	tcase_add_test(tc, test_max_concurrent_503);
	tcase_add_test(tc, test_scrape_timeout_header);
	tcase_add_test(tc, test_allow_target_403);
	tcase_add_test(tc, test_reload);
	tcase_add_test(tc, test_bad_module_files);
	tcase_add_test(tc, test_prometheus_scrapes);
}

int
main(void)
{
	return itest_main("serve", add_tests);
}
