/*
 * check_caps.c -- --capabilities against real brokers and a liar.
 *
 * mosquitto as shipped (itest.c's "good" listener), a mosquitto started
 * here with limits (max_qos 1, retain_available false, max_packet_size,
 * max_topic_alias 0, allow_zero_length_clientid false, a client id
 * prefix rule, persistent_client_expiration), and hostile_peer's
 * caps-liar, whose CONNACK claims what it does not do.  Every expected
 * answer is asserted from the JSON result; the text table and
 * --require's exit status 8 are checked too, and that nothing stays on
 * the broker afterwards (no retained message, no session).
 *
 * Environment, besides itest.c's: HOSTILE_PEER, the peer binary.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "json_reader.h"

/* The run's --timeout: the keep-alive experiment alone waits up to 3 s
 * for mosquitto, which closes after 2 to 3 s; scaled under valgrind. */
static char caps_timeout[16];

static const char *
timeout_arg(void)
{
	snprintf(caps_timeout, sizeof caps_timeout, "%.0f",
	    20 * itest_slowdown());
	return caps_timeout;
}

/* The limited mosquitto: its pid (timeout's), TLS and plain ports. */
static pid_t lim_pid = -1;
static int lim_port, lim_plain;

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static int
port_open(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ok = fd >= 0 &&
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* Start mosquitto with the limits under `timeout`, on two free ports. */
static void
limited_start(void)
{
	char conf[8192], path[4200], plog[4300];
	const char *mosquitto = getenv("MOSQUITTO");
	int fd1 = bind_loopback(&lim_port), fd2 = bind_loopback(&lim_plain);

	ck_assert(fd1 >= 0 && fd2 >= 0);
	close(fd1);
	close(fd2);
	snprintf(plog, sizeof plog, "%s", pki("caps-mosquitto.log"));
	snprintf(conf, sizeof conf,
	    "per_listener_settings false\n"
	    "%s"
	    "log_dest file %s\n"
	    "persistence false\n"
	    "sys_interval 1\n"
	    "allow_anonymous true\n"
	    "retain_available false\n"
	    "max_packet_size 10000\n"
	    "allow_zero_length_clientid false\n"
	    "clientid_prefixes mqtts-probe-\n"
	    "persistent_client_expiration 1h\n"
	    /* a listener's own settings follow its line (before any, they
	     * would open the default listener on 1883) */
	    "listener %d 127.0.0.1\n"
	    "max_qos 1\n"
	    "max_topic_alias 0\n"
	    "certfile %s\n", getuid() == 0 ? "user root\n" : "", plog,
	    lim_port, pki("server.pem"));
	snprintf(conf + strlen(conf), sizeof conf - strlen(conf),
	    "keyfile %s\nlistener %d 127.0.0.1\nmax_qos 1\n"
	    "max_topic_alias 0\n", pki("server.key"), lim_plain);
	snprintf(path, sizeof path, "%s", pki("caps-mosquitto.conf"));
	write_text(path, conf);
	lim_pid = fork();
	ck_assert_int_ge(lim_pid, 0);
	if (lim_pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execlp("timeout", "timeout", "120", mosquitto, "-c", path,
		    (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {		/* 10 s */
		if (port_open(lim_port) && port_open(lim_plain))
			return;
		if (waitpid(lim_pid, NULL, WNOHANG) == lim_pid) {
			lim_pid = -1;
			break;
		}
		usleep(50000);
	}
	ck_abort_msg("the limited mosquitto did not come up (see %s)", plog);
}

static void
limited_stop(void)
{
	if (lim_pid > 0) {
		/* timeout passes the TERM on to mosquitto */
		kill(lim_pid, SIGTERM);
		waitpid(lim_pid, NULL, 0);
	}
	lim_pid = -1;
}

/* Start argv (a server that prints its port on one line) in a process
 * group of its own; its port in *port. */
static pid_t
server_start(char *const *argv, int *port)
{
	int fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		signal(SIGALRM, SIG_DFL);
		/* its own process group, so the test stops its children */
		setpgid(0, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	*port = itest_read_port(fds[0], 20 * itest_slowdown());
	close(fds[0]);
	if (*port <= 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		ck_abort_msg("%s did not say its port", argv[1]);
	}
	return pid;
}

/* hostile_peer's caps-liar (or another caps- mode), which accepts every
 * connection. */
static pid_t
liar_start_mode(const char *how, int *port)
{
	const char *peer = getenv("HOSTILE_PEER");
	char path[4200], cert[4200], key[4200], mode[32], secs[] = "60";
	char *const argv[] = { path, mode, cert, key, secs, NULL };

	ck_assert_msg(executable(peer), "HOSTILE_PEER (%s) is not executable",
	    peer ? peer : "unset");
	snprintf(path, sizeof path, "%s", peer);
	snprintf(mode, sizeof mode, "%s", how);
	snprintf(cert, sizeof cert, "%s", pki("server.pem"));
	snprintf(key, sizeof key, "%s", pki("server.key"));
	return server_start(argv, port);
}

static pid_t
liar_start(int *port)
{
	return liar_start_mode("caps-liar", port);
}

static void
liar_stop(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* --- assertions on the JSON result ---------------------------------- */

static void
expect_cap(const struct jv *root, const char *name, const char *result)
{
	char path[128];

	snprintf(path, sizeof path, "capabilities/%s/result", name);
	jr_expect_str(root, path, result);
}

static void
expect_cap_value(const struct jv *root, const char *name, double value)
{
	char path[128];

	snprintf(path, sizeof path, "capabilities/%s/value", name);
	jr_expect_num(root, path, value);
}

static double
cap_value(const struct jv *root, const char *name)
{
	char path[128];
	const struct jv *v;

	snprintf(path, sizeof path, "capabilities/%s/value", name);
	v = jr_get(root, path);
	ck_assert_msg(v != NULL && v->t == J_NUM, "%s: no number", path);
	return v->num;
}

/* consistent: true, false, or -1 for null (nothing advertised). */
static void
expect_consistent(const struct jv *root, const char *name, int want)
{
	char path[128];

	snprintf(path, sizeof path, "capabilities/%s/consistent", name);
	if (want < 0)
		jr_expect_type(root, path, J_NULL);
	else
		jr_expect_bool(root, path, want != 0);
}

static const char *const every_cap[] = {
	"mqtt_3_1", "mqtt_3_1_1", "mqtt_5", "max_qos", "qos0", "qos1", "qos2",
	"receive_maximum", "retain", "wildcard_plus", "wildcard_hash", "shared",
	"subscription_ids", "topic_alias", "max_packet_size",
	"max_topic_length", "client_id_max_length", "client_id_chars",
	"empty_client_id_clean", "empty_client_id_persistent",
	"persistent_session", "will", "keepalive_enforced",
};

static void
parse(const struct run *r, struct jv *root)
{
	jr_parse(r->out, r->len, root);
	jr_expect_str(root, "type", "result");
	ck_assert_msg(jr_get(root, "capabilities")->n ==
	    sizeof every_cap / sizeof every_cap[0],
	    "%s\nnot every capability was decided\n%s", r->cmd, r->out);
	for (size_t i = 0; i < sizeof every_cap / sizeof every_cap[0]; i++) {
		char path[128];

		snprintf(path, sizeof path, "capabilities/%s/evidence",
		    every_cap[i]);
		jr_expect_type(root, path, J_STR);
	}
}

/* Nothing retained under the probe's topics: mosquitto_sub sees none. */
static void
expect_no_retained(int port, int tls)
{
	char cmd[8192];
	struct run r;
	const char *argv[] = { "bash", "-c", cmd, NULL };

	snprintf(cmd, sizeof cmd, "timeout 20 mosquitto_sub -h 127.0.0.1 "
	    "-p %d %s%s -t 'mqtts-probe/#' --retained-only -v -W 1; true",
	    port, tls ? "--cafile " : "", tls ? pki("ca.pem") : "");
	run_argv(&r, argv, NULL, 30);
	ck_assert_msg(strstr(r.out, "mqtts-probe/") == NULL,
	    "a retained message was left behind:\n%s", r.out);
	free(r.out);
}

/* --- the tests --------------------------------------------------------- */

/* The JSON line of target t in r's output, parsed into root. */
static void
parse_target(const struct run *r, const char *t, struct jv *root)
{
	char want[300];
	const char *line = r->out;

	snprintf(want, sizeof want, "\"target\":\"%s\"", t);
	while (line != NULL && *line != '\0') {
		const char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
		char *copy = strndup(line, len);

		ck_assert_ptr_nonnull(copy);
		if (strstr(copy, want) != NULL) {
			struct run one = *r;

			one.out = copy;
			one.len = len;
			parse(&one, root);
			free(copy);
			return;
		}
		free(copy);
		line = end != NULL ? end + 1 : NULL;
	}
	ck_abort_msg("%s\nno result for %s\n%s", r->cmd, t, r->out);
}

/* mosquitto as shipped allows everything asked, and says so truly. */
static void
expect_shipped(const struct jv *root)
{
	static const char *const yes[] = { "mqtt_3_1", "mqtt_3_1_1",
	    "mqtt_5", "max_qos", "qos0", "qos1", "qos2", "receive_maximum",
	    "retain", "wildcard_plus", "wildcard_hash", "shared", "subscription_ids",
	    "topic_alias", "max_packet_size", "max_topic_length",
	    "client_id_max_length", "client_id_chars", "empty_client_id_clean",
	    "persistent_session", "will", "keepalive_enforced" };

	jr_expect_str(root, "verdict", "ok");
	jr_expect_num(root, "exit_status", 0);
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		expect_cap(root, yes[i], "yes");
	expect_cap_value(root, "max_qos", 2);
	expect_cap_value(root, "qos2", 2);
	/* the bounds of the searches */
	expect_cap_value(root, "max_packet_size", 1048576);
	expect_cap_value(root, "max_topic_length", 65535);
	expect_cap_value(root, "client_id_max_length", 65535);
	/* mosquitto's default: ten aliases */
	expect_cap_value(root, "topic_alias", 10);
	/* max_inflight_messages 20, advertised as Receive Maximum 20: the
	 * 21st QoS 2 message in flight is refused */
	expect_cap_value(root, "receive_maximum", 20);
	expect_consistent(root, "receive_maximum", 1);
	jr_expect_str(root, "capabilities/receive_maximum/advertised",
	    "receive maximum 20");
	ck_assert_msg(strstr(jr_get(root,
	    "capabilities/receive_maximum/evidence")->str, "one more was "
	    "refused with 0x") != NULL, "receive_maximum: %s", jr_get(root,
	    "capabilities/receive_maximum/evidence")->str);
	/* no --trace: no packets */
	jr_expect_type(root, "capabilities/receive_maximum/packets", J_NULL);
	/* what the 5.0 CONNACK says agrees with what was seen */
	expect_consistent(root, "max_qos", 1);
	expect_consistent(root, "retain", 1);
	expect_consistent(root, "topic_alias", 1);
	expect_consistent(root, "shared", 1);
	jr_expect_bool(root, "capabilities/qos2/required", true);
	jr_expect_bool(root, "capabilities/qos1/required", false);
	jr_expect_type(root, "missing_required", J_ARR);
	ck_assert_uint_eq(jr_get(root, "missing_required")->n, 0);
}

/* The limits show as they are, and --require fails on them. */
static void
expect_limited(const struct jv *root)
{
	double size, tlen;

	jr_expect_str(root, "verdict", "fail");
	jr_expect_num(root, "exit_status", 8);
	jr_expect_type(root, "failed_step", J_NULL);
	jr_expect_str(root, "missing_required/0", "qos2");
	jr_expect_str(root, "missing_required/1", "retain");
	ck_assert_uint_eq(jr_get(root, "missing_required")->n, 2);
	expect_cap(root, "mqtt_5", "yes");
	/* max_qos 1: granted 1, QoS 2 refused with 0x9B */
	expect_cap(root, "max_qos", "yes");
	expect_cap_value(root, "max_qos", 1);
	expect_consistent(root, "max_qos", 1);
	expect_cap(root, "qos1", "yes");
	expect_cap(root, "qos2", "no");
	/* no QoS 2 at all, so none in flight */
	expect_cap(root, "receive_maximum", "n/a");
	ck_assert_msg(strstr(jr_get(root, "capabilities/qos2/evidence")->str,
	    "0x9b") != NULL, "qos2 evidence lacks 0x9b");
	/* retain_available false: refused (0x9A), and advertised so */
	expect_cap(root, "retain", "no");
	expect_consistent(root, "retain", 1);
	ck_assert_msg(strstr(jr_get(root, "capabilities/retain/evidence")->str,
	    "0x9a") != NULL, "retain evidence lacks 0x9a");
	expect_cap(root, "shared", "yes");
	expect_cap(root, "wildcard_plus", "yes");
	expect_cap(root, "wildcard_hash", "yes");
	expect_cap(root, "subscription_ids", "yes");
	/* max_topic_alias 0: an alias is refused, as advertised */
	expect_cap(root, "topic_alias", "no");
	expect_cap_value(root, "topic_alias", 0);
	expect_consistent(root, "topic_alias", 1);
	/* max_packet_size 10000: the search finds it within a few bytes
	 * (mosquitto 2.0 counts without the fixed header: a mismatch the
	 * report must then name) */
	expect_cap(root, "max_packet_size", "yes");
	size = cap_value(root, "max_packet_size");
	ck_assert_msg(size >= 9990 && size <= 10010, "max_packet_size %.0f",
	    size);
	expect_consistent(root, "max_packet_size", size == 10000);
	/* the longest topic is then under the packet size */
	tlen = cap_value(root, "max_topic_length");
	ck_assert_msg(tlen > 9900 && tlen < size, "max_topic_length %.0f",
	    tlen);
	/* the 65535-byte id does not fit in 10000 bytes; 1024 does */
	expect_cap_value(root, "client_id_max_length", 1024);
	/* allow_zero_length_clientid false and the prefix rule */
	expect_cap(root, "empty_client_id_clean", "no");
	expect_cap(root, "empty_client_id_persistent", "no");
	expect_cap(root, "client_id_chars", "yes");
	expect_cap(root, "persistent_session", "yes");
	expect_cap(root, "will", "yes");
	expect_cap(root, "keepalive_enforced", "yes");
}

/* The number after the last "topic " line of out; -1 if none. */
static int
last_count(const char *out, const char *topic)
{
	const char *last = NULL;
	size_t n = strlen(topic);

	for (const char *p = strstr(out, topic); p != NULL;
	     p = strstr(p + 1, topic))
		if (p[n] == ' ')
			last = p + n + 1;
	return last != NULL ? atoi(last) : -1;
}

/*
 * No session left: of the clients $SYS counts (sys_interval 1), none is
 * a disconnected one whose session the broker keeps.
 *
 * This broker has retain_available false, so $SYS values are never
 * retained: each comes only when it has changed since the last tick.  A
 * subscriber alone could then see one count and not the other (a count
 * that ended where it was a tick before is never sent), however long it
 * waits.  So a watcher (a) stays subscribed while a second client (b)
 * connects, holds for a few ticks and leaves: both counts rise and fall
 * by one, and each change is published.  The last value of each is the
 * broker's state with only the watcher connected.
 */
static void
expect_no_session(int port)
{
	char cmd[1024];
	struct run s;
	const char *argv[] = { "bash", "-c", cmd, NULL };
	double k = itest_slowdown();
	int total, connected;

	snprintf(cmd, sizeof cmd,
	    "sleep %.1f; "
	    "timeout %d mosquitto_sub -h 127.0.0.1 -p %d -i mqtts-probe-check "
	    "-W %d -v -t '$SYS/broker/clients/total' "
	    "-t '$SYS/broker/clients/connected' & a=$!; "
	    "sleep %.1f; "
	    "timeout %d mosquitto_sub -h 127.0.0.1 -p %d -i mqtts-probe-check-b "
	    "-W %d -t mqtts-probe-check/none >/dev/null 2>&1; "
	    "wait $a; exit 0",
	    1.5 * k, (int)(20 * k), port, (int)(9 * k), 2 * k,
	    (int)(10 * k), port, (int)(3 * k));
	run_argv(&s, argv, NULL, 40);
	total = last_count(s.out, "$SYS/broker/clients/total");
	connected = last_count(s.out, "$SYS/broker/clients/connected");
	ck_assert_msg(total >= 1 && connected >= 1,
	    "$SYS did not give both counts:\n%s", s.out);
	ck_assert_msg(total == connected, "sessions left on the broker "
	    "(%d clients, %d connected):\n%s", total, connected, s.out);
	free(s.out);
}

/* A row of the text table: mark, name, result, as render_text lays it. */
static void
expect_row(const struct run *r, char mark, const char *name,
    const char *result)
{
	char row[128];

	snprintf(row, sizeof row, "  %c%-27s %-9s", mark, name, result);
	EXPECT_HAS(r, row);
}

/* Under the table row of name, before the next row: a packet line
 * with the arrow and text (--trace). */
static void
expect_under_row(const struct run *r, const char *name, const char *arrow,
    const char *text)
{
	char row[64];
	const char *at, *end, *p;

	snprintf(row, sizeof row, "%-27s ", name);
	at = strstr(r->out, row);
	ck_assert_msg(at != NULL, "%s: no row %s\n%s", r->cmd, name, r->out);
	/* the next row: two spaces, a mark (' ' or '*'), then a name */
	for (end = strchr(at, '\n'); end != NULL; end = strchr(end + 1, '\n'))
		if (strncmp(end + 1, "  ", 2) == 0 && (end[3] == ' ' ||
		    end[3] == '*') && end[4] >= 'a' && end[4] <= 'z')
			break;
	if (end == NULL)
		end = at + strlen(at);
	for (p = at; (p = strstr(p, arrow)) != NULL && p < end; p++) {
		const char *eol = strchr(p, '\n');
		const char *t = strstr(p, text);

		if (t != NULL && t < end && (eol == NULL || t < eol))
			return;
	}
	ck_abort_msg("%s: no '%s...%s' under %s\n%.*s", r->cmd, arrow, text,
	    name, (int)(end - at), at);
}

/* 3.1.1 in text against the limits: the table, the verdict naming what
 * is missing, the hint. */
static void
expect_text_v311(const struct run *r)
{
	EXPECT_EXIT(r, 8);
	EXPECT_HAS(r, "Capabilities (tried");
	expect_row(r, '*', "retain", "no");
	expect_row(r, '*', "will", "yes");
	expect_row(r, ' ', "qos2", "no");
	expect_row(r, ' ', "max_qos", "yes");
	/* the 5.0 experiments run at 5.0, which the broker accepts */
	expect_row(r, ' ', "subscription_ids", "yes");
	EXPECT_HAS(r, "required capability missing: retain (no)");
	EXPECT_LAST_LINE_STARTS(r, "FAIL ");
	EXPECT_HAS(r, "hint: required capability retain is missing");
	/* --trace: each experiment's packets under its row */
	expect_under_row(r, "max_qos", "-> ", "SUBSCRIBE id=");
	expect_under_row(r, "max_qos", "<- ", "SUBACK id=");
	expect_under_row(r, "qos1", "-> ", "PUBLISH qos=1 retain=0");
	expect_under_row(r, "retain", "-> ", "PUBLISH qos=1 retain=1");
	expect_under_row(r, "will", "-> ", "CONNECT version=3.1.1");
}

/*
 * Both brokers at once in one JSON run (--parallel probes them side by
 * side), and the limited one again in text at 3.1.1 meanwhile: each run
 * waits up to 8 s for mosquitto's keep-alive sweep, so they overlap.
 */
START_TEST(test_brokers)
{
	char good[300], lim[300], textout[4300];
	struct run r, text = { 0 };
	struct jv root;
	pid_t child;
	int st = 0;
	FILE *f;

	limited_start();
	snprintf(good, sizeof good, "%s", target(L_GOOD));
	snprintf(lim, sizeof lim, "%s", target_port("127.0.0.1", lim_port));
	snprintf(textout, sizeof textout, "%s/caps-text.out", g_dir);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		run_probe(&text, NULL, "--cafile", pki("ca.pem"), "-t",
		    timeout_arg(), "--require", "retain,will", "--color",
		    "never", "--trace", lim, NULL);
		f = fopen(textout, "w");
		if (f == NULL)
			_exit(99);
		fprintf(f, "%d\n%s", text.status, text.out);
		fclose(f);
		_exit(0);
	}
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-V", "5", "-t",
	    timeout_arg(), "--require", "qos2,retain,shared", "--format",
	    "json", good, lim, NULL);
	ck_assert_int_eq(waitpid(child, &st, 0), child);
	/* the highest status of the targets: the limited one's */
	EXPECT_EXIT(&r, 8);
	itest_expect_schema(&r, "caps-out.jsonl");
	parse_target(&r, good, &root);
	expect_shipped(&root);
	jr_free(&root);
	parse_target(&r, lim, &root);
	expect_limited(&root);
	jr_free(&root);
	free(r.out);

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the text run did not finish");
	f = fopen(textout, "r");
	ck_assert_ptr_nonnull(f);
	text.out = calloc(1, OUTPUT_LIMIT + 1);
	ck_assert_ptr_nonnull(text.out);
	ck_assert_int_eq(fscanf(f, "%d\n", &text.status), 1);
	text.len = fread(text.out, 1, OUTPUT_LIMIT, f);
	fclose(f);
	snprintf(text.cmd, sizeof text.cmd, "mqtts-probe --trace --require "
	    "retain,will %s", lim);
	expect_text_v311(&text);
	free(text.out);

	expect_no_retained(g_port[L_GOOD], 1);
	expect_no_session(lim_plain);
	limited_stop();
}
END_TEST

/* A CONNACK that claims what the broker does not do is caught. */
START_TEST(test_liar)
{
	struct run r;
	struct jv root;
	char t[16];
	size_t cut = 0;
	const struct jv *caps;
	int port;
	pid_t pid = liar_start(&port);
	double t0 = now_seconds();

	/* retain is decided after four waits of a tenth of --timeout each:
	 * 8 s leaves it 4.8 s for a dozen connections, however slow the
	 * build (sanitizers) or the machine */
	snprintf(t, sizeof t, "%.0f", 8 * itest_slowdown());
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-V", "5", "-t", t,
	    "--steps", "7", "--require", "retain", "--format", "jsonl",
	    target_port("127.0.0.1", port), NULL);
	liar_stop(pid);
	/* --timeout bounds the whole run, the experiments too */
	ck_assert_msg(now_seconds() - t0 < 12 * itest_slowdown(),
	    "the run took %.1f s", now_seconds() - t0);
	EXPECT_EXIT(&r, 8);
	/* JSON Lines: a line per capability as it is decided, then the
	 * result with them all */
	itest_expect_schema(&r, "caps-out.jsonl");
	{
		size_t lines = 0;

		for (const char *p = r.out; (p = strstr(p,
		    "{\"type\":\"capability\",")) != NULL; p++)
			lines++;
		ck_assert_msg(lines == sizeof every_cap / sizeof every_cap[0],
		    "%zu capability lines\n%s", lines, r.out);
	}
	{
		/* the whole last line (last_line() keeps 1 KiB of it) */
		size_t end = r.len, begin;

		while (end > 0 && r.out[end - 1] == '\n')
			end--;
		begin = end;
		while (begin > 0 && r.out[begin - 1] != '\n')
			begin--;
		ck_assert_msg(strncmp(r.out + begin, "{\"type\":\"result\",",
		    strlen("{\"type\":\"result\",")) == 0,
		    "the last line is not the result\n%.2000s", r.out + begin);
		jr_parse(r.out + begin, end - begin, &root);
	}
	/* it grants QoS 0 though its CONNACK left the maximum at 2 */
	expect_cap_value(&root, "max_qos", 0);
	expect_consistent(&root, "max_qos", 0);
	jr_expect_str(&root, "capabilities/max_qos/advertised",
	    "maximum QoS 2");
	/* it claims retained messages and keeps none */
	expect_cap(&root, "retain", "no");
	expect_consistent(&root, "retain", 0);
	jr_expect_str(&root, "capabilities/retain/advertised",
	    "retain available yes");
	jr_expect_str(&root, "missing_required/0", "retain");
	/* it advertises Receive Maximum 3 and refuses the third QoS 2
	 * message in flight */
	expect_cap(&root, "receive_maximum", "partly");
	expect_cap_value(&root, "receive_maximum", 2);
	expect_consistent(&root, "receive_maximum", 0);
	jr_expect_str(&root, "capabilities/receive_maximum/advertised",
	    "receive maximum 3");
	/* it claims an hour of Session Expiry and keeps no session */
	if (strcmp(jr_get(&root, "capabilities/persistent_session/result")->str,
	    "undecided") != 0) {
		expect_cap(&root, "persistent_session", "no");
		jr_expect_str(&root,
		    "capabilities/persistent_session/advertised",
		    "session expiry 3600 s");
		expect_consistent(&root, "persistent_session", 0);
	}
	/* it set keep-alive 30 s: a silence of 8 s decides nothing */
	expect_cap(&root, "keepalive_enforced", "undecided");
	jr_expect_str(&root, "capabilities/keepalive_enforced/advertised",
	    "server keep alive 30 s");
	ck_assert_msg(strstr(jr_get(&root,
	    "capabilities/keepalive_enforced/evidence")->str,
	    "Server Keep Alive") != NULL, "no word of Server Keep Alive");
	/*
	 * Eleven experiments each wait a tenth of --timeout for what the
	 * liar never delivers: they cannot all end in time, however fast
	 * the machine, and what the deadline cut short says so instead of
	 * guessing.
	 */
	caps = jr_get(&root, "capabilities");
	for (size_t i = 0; i < caps->n; i++) {
		const struct jv *res = jr_get(&caps->items[i], "result");
		const struct jv *ev = jr_get(&caps->items[i], "evidence");

		if (strstr(ev->str, "--timeout") != NULL) {
			ck_assert_msg(strcmp(res->str, "undecided") == 0,
			    "%s: %s yet %s", caps->keys[i], ev->str, res->str);
			cut++;
		}
	}
	ck_assert_msg(cut > 0, "nothing was cut short by the deadline:\n%s",
	    r.out);
	jr_free(&root);
	free(r.out);
}
END_TEST

/* A CONNACK that promises an hour of Session Expiry from a broker that
 * keeps no session: the persistent session experiment says so. */
START_TEST(test_forgetful)
{
	struct run r;
	struct jv root;
	char t[16];
	int port;
	pid_t pid = liar_start_mode("caps-forgetful", &port);

	/* it delivers at once, so only retain, will and the keep-alive
	 * wait: 20 s leaves the session experiment ample time however slow
	 * the machine */
	snprintf(t, sizeof t, "%.0f", 20 * itest_slowdown());
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-V", "5", "-t", t,
	    "--steps", "7", "--capabilities", "--format", "json",
	    target_port("127.0.0.1", port), NULL);
	liar_stop(pid);
	EXPECT_EXIT(&r, 0);
	itest_expect_schema(&r, "caps-out.jsonl");
	jr_parse(r.out, r.len, &root);
	expect_cap(&root, "persistent_session", "no");
	jr_expect_str(&root, "capabilities/persistent_session/advertised",
	    "session expiry 3600 s");
	expect_consistent(&root, "persistent_session", 0);
	/* Receive Maximum 2, enforced by DISCONNECT 0x93 on the third */
	expect_cap(&root, "receive_maximum", "yes");
	expect_cap_value(&root, "receive_maximum", 2);
	expect_consistent(&root, "receive_maximum", 1);
	ck_assert_msg(strstr(jr_get(&root,
	    "capabilities/receive_maximum/evidence")->str, "one more ended "
	    "the connection (the broker sent DISCONNECT 0x93") != NULL,
	    "receive_maximum: %s", jr_get(&root,
	    "capabilities/receive_maximum/evidence")->str);
	jr_free(&root);
	free(r.out);
}
END_TEST

/* --require names only what --capabilities decides. */
START_TEST(test_require_usage)
{
	struct run r;

	run_probe(&r, NULL, "--require", "qos2,teleport", target(L_GOOD),
	    NULL);
	EXPECT_EXIT(&r, 64);
	EXPECT_HAS(&r, "--require: unknown capability 'teleport'");
	free(r.out);
	run_probe(&r, NULL, "--require", "qos2,,retain", target(L_GOOD),
	    NULL);
	EXPECT_EXIT(&r, 64);
	EXPECT_HAS(&r, "an empty name");
	free(r.out);
	run_probe(&r, NULL, "--capabilities", "--steps", "6", target(L_GOOD),
	    NULL);
	EXPECT_EXIT(&r, 64);
	EXPECT_HAS(&r, "--capabilities needs step 7");
	free(r.out);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_require_usage);
	tcase_add_test(tc, test_brokers);
	tcase_add_test(tc, test_liar);
	tcase_add_test(tc, test_forgetful);
}

int
main(void)
{
	return itest_main("caps", add_tests);
}
