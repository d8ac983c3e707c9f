/*
 * check_private.c -- what the probe keeps private, and the lengths it
 * promises (issue 9): the key log's mode, a password without a user
 * name under 3.1.1, long passwords and topics, and -P "".
 *
 * The CONNECT and SUBSCRIBE the probe sends are read back by a small
 * capturing MQTT server over mqtt:// (plain TCP on 127.0.0.1), so the
 * tests see the bytes on the wire, not what the probe says it sent.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

/*
 * The probe's --timeout: nothing here is about time, so a generous one,
 * longer still under a wrapper such as valgrind on a loaded machine.
 */
static const char *
tmo(void)
{
	static char t[16];

	snprintf(t, sizeof t, "%d", (int)(15 * itest_slowdown()));
	return t;
}

/* ---- a capturing MQTT server ------------------------------------------ */

/* Read exactly n bytes; 0 on success. */
static int
read_full(int fd, uint8_t *buf, size_t n)
{
	while (n > 0) {
		ssize_t got = read(fd, buf, n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		buf += got;
		n -= (size_t)got;
	}
	return 0;
}

/* One MQTT packet into a fresh buffer (*len bytes); NULL at the end. */
static uint8_t *
read_packet(int fd, size_t *len)
{
	uint8_t head[5], *p;
	size_t rem = 0, n = 1;
	unsigned shift = 0;

	if (read_full(fd, head, 1) != 0)
		return NULL;
	do {
		if (n == 5 || read_full(fd, head + n, 1) != 0)
			return NULL;
		rem |= (size_t)(head[n] & 0x7f) << shift;
		shift += 7;
	} while (head[n++] & 0x80);
	if ((p = malloc(n + rem)) == NULL)
		return NULL;
	memcpy(p, head, n);
	if (read_full(fd, p + n, rem) != 0) {
		free(p);
		return NULL;
	}
	*len = n + rem;
	return p;
}

/*
 * Accept one connection, append every packet the probe sends to path,
 * answer CONNECT with a successful CONNACK (3.1.1), and stop after a
 * SUBSCRIBE.  Exits after a minute (three under a wrapper) whatever
 * happens: valgrind alone may take ten seconds to start on a loaded
 * machine.
 */
static pid_t
capture_start(int *port, const char *path)
{
	int fd = bind_loopback(port);
	pid_t pid;

	if (fd < 0 || listen(fd, 4) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		static const uint8_t connack[] = { 0x20, 0x02, 0x00, 0x00 };
		int c, out;
		uint8_t *p;
		size_t len;

		signal(SIGALRM, SIG_DFL);
		alarm((unsigned)(60 * itest_slowdown()));
		out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		c = accept(fd, NULL, NULL);
		if (c < 0 || out < 0)
			_exit(1);
		while ((p = read_packet(c, &len)) != NULL) {
			if (write(out, p, len) != (ssize_t)len)
				_exit(1);
			if (p[0] == 0x10 && write(c, connack, sizeof connack) < 0)
				_exit(1);
			if ((p[0] & 0xf0) == 0x80)
				_exit(0);
			free(p);
		}
		_exit(0);
	}
	close(fd);
	return pid;
}

/*
 * Wait for the server to have written everything: it ends when the
 * probe hangs up (or after a SUBSCRIBE), and its alarm bounds the wait.
 */
static void
capture_stop(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
}

/* The whole capture file; *len its size. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

struct cursor {
	const uint8_t *p, *end;
};

static size_t
cur_u16(struct cursor *c)
{
	size_t v;

	ck_assert_msg(c->end - c->p >= 2, "packet cut short");
	v = (size_t)c->p[0] << 8 | c->p[1];
	c->p += 2;
	return v;
}

/* A two-byte-length field: its bytes, *len long. */
static const uint8_t *
cur_field(struct cursor *c, size_t *len)
{
	const uint8_t *f;

	*len = cur_u16(c);
	ck_assert_msg((size_t)(c->end - c->p) >= *len, "field of %zu bytes "
	    "runs past the packet", *len);
	f = c->p;
	c->p += *len;
	return f;
}

/* Skip the fixed header of the packet at buf; the cursor covers it. */
static size_t
packet_open(const uint8_t *buf, size_t len, struct cursor *c)
{
	size_t rem = 0, n = 1;
	unsigned shift = 0;

	do {
		ck_assert_msg(n < len, "truncated fixed header");
		rem |= (size_t)(buf[n] & 0x7f) << shift;
		shift += 7;
	} while (buf[n++] & 0x80);
	ck_assert_msg(n + rem <= len, "truncated packet");
	c->p = buf + n;
	c->end = buf + n + rem;
	return n + rem;
}

/*
 * The password of the 3.1.1 CONNECT at the start of buf: *set tells
 * whether the password flag is on.
 */
static const uint8_t *
connect_password(const uint8_t *buf, size_t len, bool *set, size_t *pwlen)
{
	struct cursor c;
	size_t n;
	uint8_t flags;

	ck_assert_msg(len > 0 && buf[0] == 0x10, "no CONNECT first");
	packet_open(buf, len, &c);
	cur_field(&c, &n);			/* "MQTT" */
	ck_assert_msg(c.end - c.p >= 4, "CONNECT cut short");
	flags = c.p[1];
	c.p += 4;				/* level, flags, keepalive */
	cur_field(&c, &n);			/* client id */
	ck_assert_msg((flags & 0x04) == 0, "a will in CONNECT");
	if (flags & 0x80)
		cur_field(&c, &n);		/* user name */
	*set = (flags & 0x40) != 0;
	if (!*set)
		return NULL;
	return cur_field(&c, pwlen);
}

/* A path in the suite's directory; the last four stay valid. */
static const char *
cap_path(const char *name)
{
	static char paths[4][4200];
	static unsigned next;
	char *path = paths[next++ % 4];

	snprintf(path, sizeof paths[0], "%s/%s", g_dir, name);
	return path;
}

static const char *
mqtt_target(int port)
{
	static char t[64];

	snprintf(t, sizeof t, "mqtt://127.0.0.1:%d", port);
	return t;
}

/* Write n bytes of pattern (then a newline) to a fresh 0600 file. */
static const char *
secret_file(const char *name, size_t n, char fill)
{
	const char *path = cap_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char *buf = malloc(n + 1);

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(fill + (char)(i % 23));
	buf[n] = '\n';
	ck_assert_int_eq(write(fd, buf, n + 1), (ssize_t)(n + 1));
	close(fd);
	free(buf);
	return path;
}

/* ---- the key log ---------------------------------------------------- */

static mode_t
file_mode(const char *path)
{
	struct stat st;

	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

static size_t
count_in_file(const char *path, const char *needle)
{
	size_t len, n = 0;
	uint8_t *buf = slurp(path, &len);

	buf[len] = '\0';
	for (const char *p = (char *)buf; (p = strstr(p, needle)) != NULL;
	    p++)
		n++;
	free(buf);
	return n;
}

START_TEST(test_keylog_created_0600)
{
	const char *path = cap_path("keys-option.log");
	struct run r;

	umask(022);
	unlink(path);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", tmo(),
	    "--tls-version", "1.3", "--keylog", path, target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_LACKS(&r, "readable by other users");
	ck_assert_msg(file_mode(path) == 0600, "--keylog made mode %03o",
	    (unsigned)file_mode(path));
	ck_assert_uint_eq(count_in_file(path, "CLIENT_TRAFFIC_SECRET_0 "), 1);
	free(r.out);
}
END_TEST

/* SSLKEYLOGFILE: the same mode, and written once (not also by GnuTLS). */
START_TEST(test_sslkeylogfile_created_0600)
{
	const char *path = cap_path("keys-env.log");
	char env[4300];
	const char *argv[] = { "env", env, g_probe, "--cafile", pki("ca.pem"),
	    "-t", tmo(), "--tls-version", "1.3", target(L_GOOD), NULL };
	struct run r;

	umask(022);
	unlink(path);
	snprintf(env, sizeof env, "SSLKEYLOGFILE=%s", path);
	run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
	EXPECT_EXIT(&r, 0);
	ck_assert_msg(file_mode(path) == 0600, "SSLKEYLOGFILE made mode %03o",
	    (unsigned)file_mode(path));
	ck_assert_uint_eq(count_in_file(path, "CLIENT_TRAFFIC_SECRET_0 "), 1);
	free(r.out);
}
END_TEST

/* A key log others can read gets the password file's warning. */
START_TEST(test_keylog_existing_wide_warned)
{
	const char *path = cap_path("keys-wide.log");
	struct run r;
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	fchmod(fd, 0644);
	close(fd);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", tmo(),
	    "--keylog", path, target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "--keylog");
	EXPECT_HAS(&r, "readable by other users (mode 644)");
	free(r.out);
}
END_TEST

/* Never written through a symbolic link someone may have planted. */
START_TEST(test_keylog_symlink_refused)
{
	const char *path = cap_path("keys-link.log");
	char to[4300];
	struct run r;

	snprintf(to, sizeof to, "%s", cap_path("keys-target.log"));
	unlink(path);
	unlink(to);
	ck_assert_int_eq(symlink(to, path), 0);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", tmo(),
	    "--keylog", path, target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 66);
	EXPECT_HAS(&r, "is a symbolic link");
	ck_assert_int_ne(access(to, F_OK), 0);
	free(r.out);
}
END_TEST

/* ---- a password without a user name under 3.1.1 --------------------- */

/* Refused before any connection: nothing listens at the target. */
static void
expect_no_user_refused(struct run *r, const char *from)
{
	EXPECT_EXIT(r, 64);
	EXPECT_HAS(r, from);
	EXPECT_HAS(r, "give -u, or use -V 5");
	EXPECT_LACKS(r, "[1/8]");
	EXPECT_LACKS(r, GOOD_PASSWORD);
}

START_TEST(test_password_env_without_user_v311)
{
	struct run r;

	run_probe(&r, GOOD_PASSWORD, "--cafile", pki("ca.pem"), "-t", tmo(),
	    target(L_PASSWORD), NULL);
	expect_no_user_refused(&r, "MQTTS_PROBE_PASSWORD");
	free(r.out);
}
END_TEST

START_TEST(test_password_file_without_user_v311)
{
	struct run r;
	const char *pw = secret_file("pw-nouser", 8, 'a');

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", tmo(),
	    "--password-file", pw, target(L_PASSWORD), NULL);
	expect_no_user_refused(&r, "--password-file");
	free(r.out);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", tmo(),
	    "-P", GOOD_PASSWORD, target(L_PASSWORD), NULL);
	expect_no_user_refused(&r, "--password (-P)");
	free(r.out);
}
END_TEST

/* Under 5.0 a password alone is allowed: it goes out. */
START_TEST(test_password_without_user_v5_sent)
{
	int port;
	const char *cap = cap_path("cap-v5");
	pid_t pid = capture_start(&port, cap);
	struct run r;
	size_t len;
	uint8_t *buf;

	ck_assert_int_gt(pid, 0);
	run_probe(&r, GOOD_PASSWORD, "-V", "5", "-t", tmo(), "--steps", "6",
	    mqtt_target(port), NULL);
	capture_stop(pid);
	EXPECT_EXIT(&r, 0);
	buf = slurp(cap, &len);
	ck_assert_msg(len > 10 && buf[0] == 0x10, "no CONNECT captured");
	ck_assert_msg(memmem(buf, len, GOOD_PASSWORD, strlen(GOOD_PASSWORD)) !=
	    NULL, "the password did not go out under 5.0");
	free(buf);
	free(r.out);
}
END_TEST

/* ---- lengths -------------------------------------------------------- */

/* Run against the capture server with extra args; return the capture. */
static uint8_t *
capture_run(struct run *r, const char *name, size_t *len,
    const char *a1, const char *a2, const char *a3, const char *a4)
{
	int port;
	const char *cap = cap_path(name);
	pid_t pid;

	unlink(cap);
	pid = capture_start(&port, cap);
	ck_assert_int_gt(pid, 0);
	run_probe(r, NULL, "-t", tmo(), "-u", "probeuser", a1, a2, a3, a4,
	    mqtt_target(port), NULL);
	capture_stop(pid);
	return slurp(cap, len);
}

static void
expect_password(const uint8_t *buf, size_t len, const char *path,
    size_t want)
{
	size_t flen, pwlen;
	uint8_t *file = slurp(path, &flen);
	const uint8_t *pw;
	bool set;

	pw = connect_password(buf, len, &set, &pwlen);
	ck_assert_msg(set, "no password flag in CONNECT");
	ck_assert_uint_eq(pwlen, want);
	ck_assert_msg(memcmp(pw, file, want) == 0,
	    "the password sent is not the file's first line");
	free(file);
}

/* Longer than the old 4096-byte buffer: sent whole. */
START_TEST(test_password_file_5000_bytes)
{
	const char *pw = secret_file("pw-5000", 5000, 'A');
	struct run r;
	size_t len;
	uint8_t *buf = capture_run(&r, "cap-5000", &len, "--password-file", pw,
	    "--steps", "7");

	EXPECT_EXIT(&r, 0);
	expect_password(buf, len, pw, 5000);
	free(buf);
	free(r.out);
}
END_TEST

/* The protocol's limit: 65535 bytes go out; one more is refused. */
START_TEST(test_password_file_limit)
{
	const char *pw = secret_file("pw-65535", 65535, 'a');
	const char *over = secret_file("pw-65536", 65536, 'a');
	struct run r;
	size_t len;
	uint8_t *buf = capture_run(&r, "cap-65535", &len, "--password-file",
	    pw, "--steps", "7");

	EXPECT_EXIT(&r, 0);
	expect_password(buf, len, pw, 65535);
	free(buf);
	free(r.out);

	run_probe(&r, NULL, "-t", tmo(), "-u", "probeuser", "--password-file",
	    over, "mqtt://127.0.0.1:1", NULL);
	EXPECT_EXIT(&r, 66);
	EXPECT_HAS(&r, "--password-file");
	EXPECT_HAS(&r, "longer than 65535 bytes");
	EXPECT_LACKS(&r, "[1/8]");
	free(r.out);
}
END_TEST

/* -P "" is an empty password, sent as one. */
START_TEST(test_empty_password_sent)
{
	struct run r;
	size_t len, pwlen;
	bool set;
	uint8_t *buf = capture_run(&r, "cap-empty", &len, "-P", "",
	    "--steps", "7");

	EXPECT_EXIT(&r, 0);
	connect_password(buf, len, &set, &pwlen);
	ck_assert_msg(set, "-P \"\" sent no password at all");
	ck_assert_uint_eq(pwlen, 0);
	free(buf);
	free(r.out);
}
END_TEST

/* A topic longer than the old 1024-byte buffer: subscribed whole. */
START_TEST(test_long_topic_sent_whole)
{
	static char topic[3001];
	struct run r;
	struct cursor c;
	size_t len, off, tlen;
	const uint8_t *t;
	uint8_t *buf;

	for (size_t i = 0; i < sizeof topic - 1; i++)
		topic[i] = (char)('a' + i % 26);
	topic[sizeof topic - 1] = '\0';
	buf = capture_run(&r, "cap-topic", &len, "--topic", topic, "--steps", "8");
	/* the server hangs up after SUBSCRIBE: step 8 fails */
	EXPECT_EXIT(&r, 8);
	off = packet_open(buf, len, &c);		/* CONNECT */
	ck_assert_msg(off < len && (buf[off] & 0xf0) == 0x80,
	    "no SUBSCRIBE after CONNECT");
	packet_open(buf + off, len - off, &c);
	cur_u16(&c);					/* packet id */
	t = cur_field(&c, &tlen);
	ck_assert_uint_eq(tlen, sizeof topic - 1);
	ck_assert_msg(memcmp(t, topic, tlen) == 0, "another topic was sent");
	free(buf);
	free(r.out);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_keylog_created_0600);
	tcase_add_test(tc, test_sslkeylogfile_created_0600);
	tcase_add_test(tc, test_keylog_existing_wide_warned);
	tcase_add_test(tc, test_keylog_symlink_refused);
	tcase_add_test(tc, test_password_env_without_user_v311);
	tcase_add_test(tc, test_password_file_without_user_v311);
	tcase_add_test(tc, test_password_without_user_v5_sent);
	tcase_add_test(tc, test_password_file_5000_bytes);
	tcase_add_test(tc, test_password_file_limit);
	tcase_add_test(tc, test_empty_password_sent);
	tcase_add_test(tc, test_long_topic_sent_whole);
}

int
main(void)
{
	return itest_main("private", add_tests);
}
