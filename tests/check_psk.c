/*
 * check_psk.c -- TLS-PSK (issue 11): --psk-identity with --psk-file or
 * MQTTS_PROBE_PSK, against a real mosquitto with a PSK listener.
 *
 * The suite runs its own broker, not the shared fixture of itest.c: two
 * listeners are all it needs, a PSK one (psk_hint, psk_file) and one
 * with a certificate only (a broker that takes no pre-shared key).  The
 * broker lives in its own process group under timeout(1) and is stopped
 * by the suite.  The hex parser of src/cli/psk_key.c is unit-tested
 * first, without a broker.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "itest.h"
#include "options.h"
#include "psk_key.h"

/* 32 bytes no output could hold by chance; the test greps for them. */
#define KEY_HEX "c0ffee5ec7e7c0ffee5ec7e7c0ffee5ec7e7c0ffee5ec7e7c0ffee5ec7e7abcd"
#define KEY_PIECE "c0ffee5ec7e7"
#define KEY_BYTES_SHOWN "c0 ff ee 5e c7 e7"	/* as a hexdump would */
#define WRONG_HEX "c0ffee5ec7e7c0ffee5ec7e7c0ffee5ec7e7c0ffee5ec7e7c0ffee5ec7e7abce"
#define IDENTITY "probe-sensor"
#define HINT "probe-hint"

static int psk_port, cert_port;
static pid_t broker_pgid;

static const char *
tmo(void)
{
	static char t[16];

	snprintf(t, sizeof t, "%d", (int)(15 * itest_slowdown()));
	return t;
}

static const char *
psk_target(void)
{
	return target_port("127.0.0.1", psk_port);
}

/* ---- the hex parser ---------------------------------------------------- */

static int
parse(const char *s, struct psk_key *k, char *why, size_t whylen)
{
	return psk_key_parse(s, strlen(s), k, why, whylen);
}

START_TEST(parser_accepts_hex_either_case_trimmed)
{
	static struct psk_key k;
	char why[256] = "";

	ck_assert_int_eq(parse("00aAfF19", &k, why, sizeof why), 0);
	ck_assert_uint_eq(k.len, 4);
	ck_assert_uint_eq(k.bytes[0], 0x00);
	ck_assert_uint_eq(k.bytes[1], 0xaa);
	ck_assert_uint_eq(k.bytes[2], 0xff);
	ck_assert_uint_eq(k.bytes[3], 0x19);
	ck_assert_int_eq(parse(" \t0102\r\n", &k, why, sizeof why), 0);
	ck_assert_uint_eq(k.len, 2);
	ck_assert_uint_eq(k.bytes[1], 0x02);
}
END_TEST

START_TEST(parser_refuses_bad_keys_without_quoting_them)
{
	static struct psk_key k;
	char why[256];

	ck_assert_int_eq(parse("", &k, why, sizeof why), -1);
	ck_assert_str_eq(why, "the key is empty");
	ck_assert_int_eq(parse(" \r\n\t", &k, why, sizeof why), -1);
	ck_assert_str_eq(why, "the key is empty");

	ck_assert_int_eq(parse("abc", &k, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "odd number of hex digits (3)") != NULL,
	    "%s", why);
	ck_assert_uint_eq(k.len, 0);

	/* the position of the bad digit, never the key itself */
	ck_assert_int_eq(parse("c0ffeg5e", &k, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "position 6") != NULL, "%s", why);
	ck_assert_msg(strstr(why, "c0ff") == NULL, "%s", why);
	ck_assert_int_eq(parse("0x0102", &k, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "position 2") != NULL, "%s", why);
	ck_assert_int_eq(parse("01 02", &k, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "whitespace inside") != NULL, "%s", why);
	/* a typo is named before the length */
	ck_assert_int_eq(parse("0z1", &k, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "position 2") != NULL, "%s", why);
}
END_TEST

START_TEST(parser_limit_is_the_tls_maximum)
{
	static struct psk_key k;
	static char hex[2 * PSK_KEY_MAX + 3];
	char why[256];

	memset(hex, 'a', 2 * PSK_KEY_MAX);
	hex[2 * PSK_KEY_MAX] = '\0';
	ck_assert_int_eq(parse(hex, &k, why, sizeof why), 0);
	ck_assert_uint_eq(k.len, PSK_KEY_MAX);
	ck_assert_uint_eq(k.bytes[PSK_KEY_MAX - 1], 0xaa);
	memcpy(hex + 2 * PSK_KEY_MAX, "bb", 3);
	ck_assert_int_eq(parse(hex, &k, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "longer than 65535 bytes") != NULL, "%s",
	    why);
	ck_assert_uint_eq(k.len, 0);
}
END_TEST

/* options_parse on "--psk-identity id host": its status. */
static int
parse_identity(const char *id, char *msg, size_t msglen)
{
	static struct options o;
	char w0[] = "mqtts-probe", w1[] = "--psk-identity",
	    w3[] = "broker.example";
	char w2[PSK_IDENTITY_MAX + 8];
	char *argv[] = { w0, w1, w2, w3, NULL };

	snprintf(w2, sizeof w2, "%s", id);
	return options_parse(4, argv, &o, msg, msglen);
}

START_TEST(identity_rules)
{
	char id[PSK_IDENTITY_MAX + 2], msg[512];

	ck_assert_int_eq(parse_identity("sensor-7", msg, sizeof msg), 0);
	ck_assert_int_eq(parse_identity("", msg, sizeof msg), 64);
	ck_assert_msg(strstr(msg, "--psk-identity") != NULL, "%s", msg);
	ck_assert_int_eq(parse_identity("a\nb", msg, sizeof msg), 64);
	ck_assert_msg(strstr(msg, "control character") != NULL, "%s", msg);
	ck_assert_int_eq(parse_identity("\xff\xfe", msg, sizeof msg), 64);
	ck_assert_msg(strstr(msg, "UTF-8") != NULL, "%s", msg);
	memset(id, 'i', PSK_IDENTITY_MAX);
	id[PSK_IDENTITY_MAX] = '\0';
	ck_assert_int_eq(parse_identity(id, msg, sizeof msg), 0);
	id[PSK_IDENTITY_MAX] = 'i';
	id[PSK_IDENTITY_MAX + 1] = '\0';
	ck_assert_int_eq(parse_identity(id, msg, sizeof msg), 64);
	ck_assert_msg(strstr(msg, "longer than 128 bytes") != NULL, "%s",
	    msg);
}
END_TEST

/* ---- the broker ---------------------------------------------------------- */

static int
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	size_t n = strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	fchmod(fd, mode);
	return close(fd);
}

static bool
port_open(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static int
run_quiet(const char *const *argv)
{
	struct run r;
	int st;

	run_argv(&r, argv, NULL, 60);
	st = r.status;
	if (st != 0)
		fprintf(stderr, "%s: %s\n", r.cmd, r.out);
	free(r.out);
	return st;
}

/* A self-signed server certificate for the listener that takes no PSK. */
static int
make_cert(const char *certtool)
{
	const char *key[] = { certtool, "--generate-privkey", "--key-type",
	    "ecdsa", "--outfile", pki("server.key"), NULL };
	const char *crt[] = { certtool, "--generate-self-signed",
	    "--load-privkey", pki("server.key"), "--template", pki("tmpl"),
	    "--outfile", pki("server.pem"), NULL };

	if (write_file(pki("tmpl"), "cn = 127.0.0.1\nip_address = 127.0.0.1\n"
	    "expiration_days = 30\ntls_www_server\nsigning_key\n", 0600) != 0)
		return -1;
	if (run_quiet(key) != 0 || run_quiet(crt) != 0)
		return -1;
	return chmod(pki("server.key"), 0644);
}

static void
broker_stop(void)
{
	if (broker_pgid > 0) {
		kill(-broker_pgid, SIGTERM);
		while (waitpid(broker_pgid, NULL, 0) == -1 && errno == EINTR)
			;
		broker_pgid = 0;
	}
}

static void
broker_stop_on_signal(int sig)
{
	if (broker_pgid > 0)
		kill(-broker_pgid, SIGKILL);
	_exit(128 + sig);
}

/* Start mosquitto on two fresh ports; 0, or -1 (the ports were taken
 * meanwhile, or it would not start). */
static int
broker_start(const char *mosquitto)
{
	char conf[4096], life[16];
	int fd1 = bind_loopback(&psk_port), fd2 = bind_loopback(&cert_port);
	double end;

	if (fd1 >= 0)
		close(fd1);
	if (fd2 >= 0)
		close(fd2);
	if (fd1 < 0 || fd2 < 0)
		return -1;
	snprintf(conf, sizeof conf,
	    "per_listener_settings true\n%s"
	    "log_dest file %s\nset_tcp_nodelay true\npersistence false\n"
	    "listener %d 127.0.0.1\npsk_hint " HINT "\npsk_file %s\n"
	    "allow_anonymous true\nuse_identity_as_username true\n"
	    "listener %d 127.0.0.1\ncertfile %s\nkeyfile %s\n"
	    "allow_anonymous true\n",
	    getuid() == 0 ? "user root\n" : "", pki("mosquitto.log"),
	    psk_port, pki("broker.psk"), cert_port, pki("server.pem"),
	    pki("server.key"));
	if (write_file(pki("mosquitto.conf"), conf, 0600) != 0)
		return -1;
	/* the broker ends on its own if the suite is killed; longer
	 * under a wrapper such as valgrind */
	snprintf(life, sizeof life, "%d", (int)(300 * itest_slowdown()));
	broker_pgid = fork();
	if (broker_pgid < 0) {
		broker_pgid = 0;
		return -1;
	}
	if (broker_pgid == 0) {
		int null = open("/dev/null", O_RDWR);

		setpgid(0, 0);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execlp("timeout", "timeout", life, mosquitto, "-c",
		    pki("mosquitto.conf"), (char *)NULL);
		_exit(127);
	}
	setpgid(broker_pgid, broker_pgid);
	end = now_seconds() + 10 * itest_slowdown();
	while (now_seconds() < end) {
		if (waitpid(broker_pgid, NULL, WNOHANG) == broker_pgid) {
			broker_pgid = 0;
			return -1;
		}
		if (port_open(psk_port) && port_open(cert_port))
			return 0;
		usleep(50000);
	}
	broker_stop();
	return -1;
}

/* ---- probes -------------------------------------------------------------- */

/* The probe with the key in a 0600 file; argv ends with NULL. */
static void
probe_psk(struct run *r, const char *keyfile, const char *identity, ...)
{
	const char *argv[MAX_ARGS + 2];
	size_t n = 0;
	va_list ap;

	argv[n++] = g_probe;
	argv[n++] = "--psk-identity";
	argv[n++] = identity;
	argv[n++] = "--psk-file";
	argv[n++] = pki(keyfile);
	argv[n++] = "-t";
	argv[n++] = tmo();
	argv[n++] = "--no-diagnose";
	va_start(ap, identity);
	for (const char *a = va_arg(ap, const char *); a != NULL;
	    a = va_arg(ap, const char *)) {
		ck_assert_int_lt(n, MAX_ARGS);
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	unsetenv("MQTTS_PROBE_PSK");
	run_argv(r, argv, NULL, RUN_LIMIT_SECONDS);
}

static void
expect_no_key(const struct run *r)
{
	EXPECT_LACKS(r, KEY_PIECE);
	EXPECT_LACKS(r, KEY_BYTES_SHOWN);
	EXPECT_LACKS(r, "c0ffee5ec7e7c0ffee");
}

static void
expect_psk_walk(const struct run *r, bool tls12)
{
	EXPECT_EXIT(r, 0);
	EXPECT_HAS(r, "pre-shared key (TLS-PSK): no certificate was used");
	EXPECT_HAS(r, "PSK identity " IDENTITY);
	EXPECT_HAS(r, "the server took the pre-shared key of identity '"
	    IDENTITY "'");
	EXPECT_HAS(r, "[4/8] Certificate verification skipped: not "
	    "applicable: pre-shared key");
	EXPECT_HAS(r, "signature algorithm none (pre-shared key)");
	EXPECT_HAS(r, "key exchange");
	EXPECT_HAS(r, "-PSK");
	EXPECT_HAS(r, "payload matches");
	EXPECT_LACKS(r, "chain length");
	EXPECT_LACKS(r, "UNVERIFIED");
	if (tls12) {
		EXPECT_HAS(r, "ServerHello: the server chose TLS1.2");
		EXPECT_HAS(r, "PSK identity hint " HINT);
	} else {
		EXPECT_HAS(r, "ServerHello: the server chose TLS1.3");
		EXPECT_HAS(r, "TLS 1.3 has no identity hint");
		EXPECT_LACKS(r, HINT);
	}
	expect_no_key(r);
}

START_TEST(walks_tls12_and_13_mqtt_311_and_5)
{
	static const char *const tls[] = { "1.2", "1.3" };
	static const char *const mqtt[] = { "3.1.1", "5" };

	for (int t = 0; t < 2; t++)
		for (int m = 0; m < 2; m++) {
			struct run r;

			probe_psk(&r, "good.psk", IDENTITY, "--tls-version",
			    tls[t], "-V", mqtt[m], psk_target(), NULL);
			expect_psk_walk(&r, t == 0);
			EXPECT_HAS(&r, m == 0 ? "MQTT version 3.1.1" :
			    "MQTT version 5.0");
			free(r.out);
		}
}
END_TEST

START_TEST(key_from_the_environment)
{
	struct run r;
	const char *argv[] = { g_probe, "--psk-identity", IDENTITY, "-t",
	    tmo(), "--tls-version", "1.3", psk_target(), NULL };

	setenv("MQTTS_PROBE_PSK", "  " KEY_HEX "\n", 1);
	run_argv(&r, argv, NULL, RUN_LIMIT_SECONDS);
	unsetenv("MQTTS_PROBE_PSK");
	expect_psk_walk(&r, false);
	free(r.out);
}
END_TEST

/* The failure, its step, the alert and the hint, for both versions. */
START_TEST(wrong_key_is_named)
{
	struct run r;

	probe_psk(&r, "wrong.psk", IDENTITY, "--tls-version", "1.2",
	    psk_target(), NULL);
	EXPECT_EXIT(&r, 5);
	EXPECT_HAS(&r, "[5/8] Keys established FAILED");
	EXPECT_HAS(&r, "alert bad_record_mac (20)");
	EXPECT_HAS(&r, "most likely means the key is wrong");
	EXPECT_HAS(&r, "hint: the broker knows identity '" IDENTITY "' but "
	    "most likely holds another key for it");
	EXPECT_HAS(&r, "[4/8] Certificate verification skipped: not "
	    "applicable");
	expect_no_key(&r);
	free(r.out);

	probe_psk(&r, "wrong.psk", IDENTITY, "--tls-version", "1.3",
	    psk_target(), NULL);
	EXPECT_EXIT(&r, 3);
	EXPECT_HAS(&r, "[3/8] ServerHello and certificate FAILED");
	/* mosquitto 2.0.11 (OpenSSL 3) says illegal_parameter; RFC 8446
	 * would have decrypt_error: both read as a wrong key */
	ck_assert_msg(contains_ci(r.out, "alert illegal_parameter (47)") ||
	    contains_ci(r.out, "alert decrypt_error (51)"), "%s", r.out);
	EXPECT_HAS(&r, "could not check the binder");
	EXPECT_HAS(&r, "holds another key for it");
	expect_no_key(&r);
	free(r.out);
}
END_TEST

START_TEST(unknown_identity_is_named)
{
	struct run r;

	probe_psk(&r, "good.psk", "nobody-knows-me", "--tls-version", "1.2",
	    psk_target(), NULL);
	EXPECT_EXIT(&r, 5);
	EXPECT_HAS(&r, "[5/8] Keys established FAILED");
	EXPECT_HAS(&r, "alert unknown_psk_identity (115)");
	EXPECT_HAS(&r, "the server knows no pre-shared key for this identity");
	EXPECT_HAS(&r, "hint: the broker has no key for identity "
	    "'nobody-knows-me'");
	expect_no_key(&r);
	free(r.out);

	probe_psk(&r, "good.psk", "nobody-knows-me", "--tls-version", "1.3",
	    psk_target(), NULL);
	EXPECT_EXIT(&r, 3);
	EXPECT_HAS(&r, "[3/8] ServerHello and certificate FAILED");
	EXPECT_HAS(&r, "alert handshake_failure (40)");
	EXPECT_HAS(&r, "hint: the broker took no pre-shared key");
	EXPECT_HAS(&r, "no key for identity 'nobody-knows-me'");
	expect_no_key(&r);
	free(r.out);
}
END_TEST

START_TEST(broker_without_psk_is_named)
{
	struct run r;
	const char *t = target_port("127.0.0.1", cert_port);

	/* TLS 1.3: the server goes on with its certificate */
	probe_psk(&r, "good.psk", IDENTITY, "--tls-version", "1.3", t, NULL);
	EXPECT_EXIT(&r, 3);
	EXPECT_HAS(&r, "did not take the pre-shared key of identity '"
	    IDENTITY "': it answered with a certificate");
	EXPECT_HAS(&r, "hint: this port authenticates the broker with a "
	    "certificate, not a pre-shared key");
	free(r.out);
	/* TLS 1.2: no PSK cipher suite in common */
	probe_psk(&r, "good.psk", IDENTITY, "--tls-version", "1.2", t, NULL);
	EXPECT_EXIT(&r, 3);
	EXPECT_HAS(&r, "alert handshake_failure (40)");
	EXPECT_HAS(&r, "takes no PSK at all on this port");
	free(r.out);
}
END_TEST

/* Whether file holds text (case-insensitive). */
static bool
file_has(const char *path, const char *text)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 20];
	size_t n;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return contains_ci(buf, text) != 0;
}

START_TEST(key_in_no_output_at_all)
{
	static const char *const formats[] = { "json", "jsonl", "nagios",
	    "prometheus" };
	struct run r;

	/* text with everything: -vv, --trace, --hexdump, --explain, the
	 * key log and the HTML report; then the machine formats */
	probe_psk(&r, "good.psk", IDENTITY, "-v", "-v", "--trace",
	    "--hexdump", "--explain", "--keylog", pki("keys.log"), "--report",
	    pki("report.html"), psk_target(), NULL);
	EXPECT_EXIT(&r, 0);
	expect_no_key(&r);
	/* --explain tells the PSK story, not the certificate one (its
	 * paragraphs wrap at their own width: phrases of one line) */
	EXPECT_HAS(&r, "There is no certificate in this handshake");
	EXPECT_HAS(&r, "ECDHE-PSK or DHE-PSK (see");
	EXPECT_LACKS(&r, "its Certificate message carries the chain");
	ck_assert_msg(!file_has(pki("report.html"), KEY_PIECE),
	    "the key is in the HTML report");
	ck_assert_msg(file_has(pki("report.html"), IDENTITY),
	    "the identity is not in the HTML report");
	ck_assert_msg(file_has(pki("report.html"), "a pre-shared key "
	    "(TLS-PSK) authenticates the server"),
	    "the HTML report does not say how the server was authenticated");
	ck_assert_msg(!file_has(pki("keys.log"), KEY_PIECE),
	    "the pre-shared key is in the key log");
	ck_assert_msg(file_has(pki("keys.log"), "CLIENT_"),
	    "the key log is empty");
	free(r.out);
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		probe_psk(&r, "good.psk", IDENTITY, "--format", formats[i],
		    i == 1 ? "--trace" : "--steps", i == 1 ? "--hexdump" : "8",
		    psk_target(), NULL);
		EXPECT_EXIT(&r, 0);
		expect_no_key(&r);
		free(r.out);
	}
	/* a failed one too: the alert paths */
	probe_psk(&r, "wrong.psk", IDENTITY, "--format", "jsonl", "--trace",
	    "--hexdump", psk_target(), NULL);
	EXPECT_LACKS(&r, "c0ffee5ec7e7c0ffee5ec7e7c0ffee5ec7e7c0ffee5ec7e7"
	    "c0ffee5ec7e7abce");
	expect_no_key(&r);
	free(r.out);
}
END_TEST

START_TEST(machine_formats_carry_the_mode_and_identity)
{
	struct run r;
	char out[4200], cmd[8400];

	probe_psk(&r, "good.psk", IDENTITY, "--format", "json",
	    "--tls-version", "1.3", psk_target(), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "\"authentication\":\"psk\"");
	EXPECT_HAS(&r, "\"psk_identity\":\"" IDENTITY "\"");
	EXPECT_HAS(&r, "\"key_exchange\":\"ECDHE-PSK");
	EXPECT_HAS(&r, "\"signature\":null");
	EXPECT_HAS(&r, "\"status\":\"skipped\"");
	/* the schema of doc/report.schema.json holds for it */
	snprintf(out, sizeof out, "%s", pki("psk.json"));
	ck_assert_int_eq(write_file(out, r.out, 0600), 0);
	free(r.out);
	snprintf(cmd, sizeof cmd, "%s/schema_check.py", g_lib);
	{
		const char *argv[] = { "python3", cmd, SCHEMA_FILE, out, NULL };

		run_argv(&r, argv, NULL, 60);
		ck_assert_msg(r.status == 0, "schema_check: %s", r.out);
		free(r.out);
	}

	probe_psk(&r, "good.psk", IDENTITY, "--format", "prometheus",
	    psk_target(), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "mqtts_probe_auth_info{target=\"127.0.0.1:");
	EXPECT_HAS(&r, "mode=\"psk\",psk_identity=\"" IDENTITY "\"} 1");
	EXPECT_HAS(&r, "mqtts_probe_success{target=\"127.0.0.1:");
	free(r.out);

	/* JSON Lines, a series: each result and the summary say it */
	probe_psk(&r, "good.psk", IDENTITY, "--format", "jsonl", "-c", "2",
	    "--interval", "0", psk_target(), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "\"type\":\"summary\"");
	{
		const char *p = r.out;
		int n = 0;

		while ((p = strstr(p, "\"authentication\":\"psk\","
		    "\"psk_identity\":\"" IDENTITY "\"")) != NULL) {
			n++;
			p++;
		}
		ck_assert_msg(n == 3, "%d lines with the mode, not 3:\n%s", n,
		    r.out);
	}
	snprintf(out, sizeof out, "%s", pki("psk.jsonl"));
	ck_assert_int_eq(write_file(out, r.out, 0600), 0);
	free(r.out);
	{
		const char *argv[] = { "python3", cmd, SCHEMA_FILE, out, NULL };

		run_argv(&r, argv, NULL, 60);
		ck_assert_msg(r.status == 0, "schema_check: %s", r.out);
		free(r.out);
	}

	/* without PSK the mode is said too */
	run_probe(&r, NULL, "--format", "json", "-k", "-t", tmo(),
	    "--steps", "5", target_port("127.0.0.1", cert_port), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "\"authentication\":\"certificate\"");
	EXPECT_HAS(&r, "\"psk_identity\":null");
	free(r.out);
}
END_TEST

/* ---- bad input --------------------------------------------------------- */

static void
bad_file(const char *name, const char *content, const char *expect)
{
	struct run r;

	if (content != NULL)
		ck_assert_int_eq(write_file(pki(name), content, 0600), 0);
	probe_psk(&r, name, IDENTITY, psk_target(), NULL);
	EXPECT_EXIT(&r, 66);
	EXPECT_HAS(&r, "--psk-file");
	EXPECT_HAS(&r, pki(name));
	EXPECT_HAS(&r, expect);
	/* nothing was connected to */
	EXPECT_LACKS(&r, "[1/8]");
	free(r.out);
}

START_TEST(bad_key_files_exit_66_naming_the_file)
{
	bad_file("missing.psk", NULL, "No such file");
	bad_file("empty.psk", "\n", "holds no secret");
	bad_file("odd.psk", "abc\n", "odd number of hex digits");
	bad_file("nonhex.psk", "c0ffee5ec7e7zz\n", "not a hex digit at "
	    "position 13");
	{
		static char big[2 * PSK_KEY_MAX + 8];

		memset(big, 'a', 2 * PSK_KEY_MAX + 2);
		big[2 * PSK_KEY_MAX + 2] = '\n';
		bad_file("long.psk", big, "longer than 65535 bytes");
	}
}
END_TEST

START_TEST(usage_errors_exit_64)
{
	struct run r;

	unsetenv("MQTTS_PROBE_PSK");
	run_probe(&r, NULL, "--psk-identity", IDENTITY, psk_target(), NULL);
	EXPECT_EXIT(&r, 64);
	EXPECT_HAS(&r, "--psk-identity needs the key");
	free(r.out);

	run_probe(&r, NULL, "--psk-file", pki("good.psk"), psk_target(), NULL);
	EXPECT_EXIT(&r, 64);
	EXPECT_HAS(&r, "--psk-file needs --psk-identity");
	free(r.out);

	run_probe(&r, NULL, "--psk-identity", IDENTITY, "--psk-file",
	    pki("good.psk"), "--cafile", pki("server.pem"), psk_target(),
	    NULL);
	EXPECT_EXIT(&r, 64);
	EXPECT_HAS(&r, "--cafile cannot be used with --psk-identity");
	free(r.out);

	run_probe(&r, NULL, "--psk-identity", IDENTITY, "--psk-file",
	    pki("good.psk"), "-k", psk_target(), NULL);
	EXPECT_EXIT(&r, 64);
	free(r.out);

	run_probe(&r, NULL, "--psk-identity", "", psk_target(), NULL);
	EXPECT_EXIT(&r, 64);
	EXPECT_HAS(&r, "--psk-identity");
	free(r.out);

	setenv("MQTTS_PROBE_PSK", "c0ffee5ec7e7x0", 1);
	run_probe(&r, NULL, "--psk-identity", IDENTITY, psk_target(), NULL);
	unsetenv("MQTTS_PROBE_PSK");
	EXPECT_EXIT(&r, 64);
	EXPECT_HAS(&r, "MQTTS_PROBE_PSK: not a hex digit at position 13");
	expect_no_key(&r);
	free(r.out);
}
END_TEST

START_TEST(readable_key_file_is_warned_about)
{
	struct run r;

	ck_assert_int_eq(write_file(pki("open.psk"), KEY_HEX "\n", 0644), 0);
	probe_psk(&r, "open.psk", IDENTITY, "--steps", "5", psk_target(),
	    NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "warning: --psk-file");
	EXPECT_HAS(&r, "is readable by other users (mode 644); chmod 600 it");
	free(r.out);
	probe_psk(&r, "good.psk", IDENTITY, "--steps", "5", psk_target(),
	    NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_LACKS(&r, "readable by other users");
	free(r.out);
}
END_TEST

/* ---- main ---------------------------------------------------------------- */

static void
remove_dir(void)
{
	const char *argv[] = { "rm", "-rf", g_dir, NULL };
	struct run r;

	if (g_dir[0] == '\0')
		return;
	run_argv(&r, argv, NULL, 60);
	free(r.out);
	g_dir[0] = '\0';
}

int
main(void)
{
	const char *mosquitto = getenv("MOSQUITTO");
	const char *certtool = getenv("CERTTOOL");
	const char *tmp = getenv("TMPDIR");
	Suite *s = suite_create("psk");
	TCase *unit = tcase_create("hex parser");
	TCase *it = tcase_create("mosquitto psk listener");
	SRunner *sr;
	int failed, started = -1;

	tcase_add_test(unit, parser_accepts_hex_either_case_trimmed);
	tcase_add_test(unit, parser_refuses_bad_keys_without_quoting_them);
	tcase_add_test(unit, parser_limit_is_the_tls_maximum);
	tcase_add_test(unit, identity_rules);
	suite_add_tcase(s, unit);

	g_probe = getenv("MQTTS_PROBE");
	g_lib = getenv("TESTS_LIB");
	if (!executable(mosquitto) || !executable(certtool))
		printf("SKIP: MOSQUITTO or CERTTOOL not executable: the "
		    "broker tests do not run\n");
	else if (!executable(g_probe) || g_lib == NULL) {
		fprintf(stderr, "MQTTS_PROBE or TESTS_LIB is not set\n");
		return HARD_ERROR_CODE;
	} else {
		snprintf(g_dir, sizeof g_dir, "%s/mqtts-probe-psk.XXXXXX",
		    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if (mkdtemp(g_dir) == NULL) {
			perror(g_dir);
			return HARD_ERROR_CODE;
		}
		signal(SIGINT, broker_stop_on_signal);
		signal(SIGTERM, broker_stop_on_signal);
		g_parent_pid = getpid();
		if (write_file(pki("broker.psk"), IDENTITY ":" KEY_HEX
		    "\nother:00112233\n", 0644) != 0 ||
		    write_file(pki("good.psk"), KEY_HEX "\n", 0600) != 0 ||
		    write_file(pki("wrong.psk"), WRONG_HEX "\n", 0600) != 0 ||
		    make_cert(certtool) != 0) {
			fprintf(stderr, "cannot write the fixture's files\n");
			remove_dir();
			return HARD_ERROR_CODE;
		}
		/* a port picked can be taken before the broker binds it */
		for (int i = 0; i < 3 && started != 0; i++)
			started = broker_start(mosquitto);
		if (started != 0) {
			fprintf(stderr, "mosquitto would not start\n");
			remove_dir();
			return HARD_ERROR_CODE;
		}
		tcase_set_timeout(it, 120);
		tcase_add_test(it, walks_tls12_and_13_mqtt_311_and_5);
		tcase_add_test(it, key_from_the_environment);
		tcase_add_test(it, wrong_key_is_named);
		tcase_add_test(it, unknown_identity_is_named);
		tcase_add_test(it, broker_without_psk_is_named);
		tcase_add_test(it, key_in_no_output_at_all);
		tcase_add_test(it, machine_formats_carry_the_mode_and_identity);
		tcase_add_test(it, bad_key_files_exit_66_naming_the_file);
		tcase_add_test(it, usage_errors_exit_64);
		tcase_add_test(it, readable_key_file_is_warned_about);
		suite_add_tcase(s, it);
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	broker_stop();
	remove_dir();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
