/*
 * check_ws5.c: MQTT 5 and 3.1.1 over WebSocket against a real broker
 * that speaks both, ejabberd's mod_mqtt.
 *
 * check_ws walks wss:// against aedes, which speaks 3.1.1 only, and
 * Debian 12's mosquitto has no WebSocket listener; ejabberd (Debian's
 * package) has one.  tests/lib/ejabberd.sh runs one instance for the
 * whole suite, self-contained in the suite's temporary directory (its
 * config, spool and logs; Erlang without distribution, so no epmd),
 * with the test PKI's certificate, an HTTPS and a plain HTTP listener
 * on free loopback ports and a user registered with the suite's test
 * password: ejabberd accepts no MQTT login without one.  Started once
 * (its start takes seconds), stopped by the fixture's teardown, and
 * under timeout(1) whatever happens.  Without ejabberd the suite is
 * skipped (77).
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"
#include "servers.h"

#define EJ_USER "probe"

static struct server ej;
static int ej_tls_port, ej_plain_port;
/* Why ejabberd is not there; each test fails with it.  Not an abort in
 * the fixture: after a failed setup Check runs no teardown, and itest's
 * mosquitto and directory would be left behind. */
static char ej_failure[5000];

static void
ej_script(char *buf, size_t len)
{
	snprintf(buf, len, "%s/ejabberd.sh", getenv("TESTS_LIB"));
}

/* The suite's limits grow as Check's do (slow machines, valgrind). */
static double
ej_multiplier(void)
{
	const char *m = getenv("CK_TIMEOUT_MULTIPLIER");

	return m != NULL && atof(m) > 1 ? atof(m) : 1;
}

/* Two ports free now; ejabberd binds them itself, so one may be taken
 * in between: the start is tried again with others. */
static int
ej_pick_ports(void)
{
	int a = bind_loopback(&ej_tls_port);
	int b = bind_loopback(&ej_plain_port);

	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return a >= 0 && b >= 0 ? 0 : -1;
}

static void
ej_stop(void)
{
	if (ej.pid <= 0)
		return;
	/* SIGTERM stops Erlang cleanly; it gets a few seconds for it */
	kill(-ej.pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		struct timespec ts = { 0, 50000000 };

		if (waitpid(ej.pid, NULL, WNOHANG) == ej.pid) {
			kill(-ej.pid, SIGKILL);
			ej.pid = 0;
			return;
		}
		nanosleep(&ts, NULL);
	}
	server_stop(&ej);
}

static void
ej_setup(void)
{
	char script[4200], dir[4200], cert[4200], key[4200], ca[4200];
	char pass[4200], tls[16], plain[16];
	const char *argv[] = { "bash", script, "run", dir, tls, plain, cert,
	    key, ca, EJ_USER, pass, NULL };
	/* server_start_for and server_wait_port scale by itest_slowdown() */
	int limit = (int)(60 * ej_multiplier());
	int lifetime = (int)(900 * itest_slowdown() * ej_multiplier());

	snprintf(ej_failure, sizeof(ej_failure), "ejabberd was not started");
	ej_script(script, sizeof(script));
	snprintf(dir, sizeof(dir), "%s", pki("ejabberd"));
	snprintf(cert, sizeof(cert), "%s", pki("server.pem"));
	snprintf(key, sizeof(key), "%s", pki("server.key"));
	snprintf(ca, sizeof(ca), "%s", pki("ca.pem"));
	snprintf(pass, sizeof(pass), "%s", pki("password.txt"));
	for (int attempt = 0; attempt < 3; attempt++) {
		double t0 = now_seconds();

		if (ej_pick_ports() != 0) {
			snprintf(ej_failure, sizeof(ej_failure), "no free "
			    "port: %s", strerror(errno));
			break;
		}
		snprintf(tls, sizeof(tls), "%d", ej_tls_port);
		snprintf(plain, sizeof(plain), "%d", ej_plain_port);
		/* server_start scales limit by itest_slowdown() itself */
		if (server_start_for(&ej, argv, limit, lifetime) == 0 &&
		    server_wait_port(ej_tls_port, limit) == 0 &&
		    server_wait_port(ej_plain_port, limit) == 0) {
			/* the measure the commit quotes, in the suite's log */
			fprintf(stderr, "check_ws5: ejabberd ready in %.1f s "
			    "(attempt %d)\n", now_seconds() - t0, attempt + 1);
			ej_failure[0] = '\0';
			return;
		}
		snprintf(ej_failure, sizeof(ej_failure), "ejabberd did not "
		    "start within %d s (ports %d, %d):\n%s", limit, ej_tls_port,
		    ej_plain_port, ej.log);
		ej_stop();
	}
}

/* Every test begins here: no broker, no test. */
static void
ej_need(void)
{
	ck_assert_msg(ej.pid > 0 && ej_failure[0] == '\0', "%s", ej_failure);
}

static const char *
ej_url(const char *scheme, const char *host, int port)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s://%s:%d/mqtt", scheme, host, port);
	return buf;
}

/* Nothing the probe says may hold the password, whatever it printed. */
static void
expect_no_password(const struct run *r)
{
	EXPECT_LACKS(r, GOOD_PASSWORD);
	EXPECT_LACKS(r, WRONG_PASSWORD);
}

/* wss:// with TLS 1.2 and 1.3, MQTT 3.1.1 and 5.0: _i = tls * 2 + v5. */
START_TEST(test_wss_walk)
{
	const char *tls = _i / 2 ? "1.3" : "1.2";
	const char *mqtt = _i % 2 ? "5" : "3.1.1";
	char last[160];
	struct run r;

	ej_need();
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "20",
	    "--tls-version", tls, "-V", mqtt, "-u", EJ_USER,
	    "--password-file", pki("password.txt"),
	    ej_url("wss", "localhost", ej_tls_port), NULL);
	EXPECT_EXIT(&r, 0);
	for (int step = 1; step <= 8; step++) {
		char mark[8];

		snprintf(mark, sizeof(mark), "[%d/8]", step);
		EXPECT_HAS(&r, mark);
	}
	EXPECT_LACKS(&r, "FAILED");
	EXPECT_LACKS(&r, "skipped");
	EXPECT_HAS(&r, "WebSocket upgrade        ok");
	EXPECT_HAS(&r, "GET /mqtt HTTP/1.1");
	EXPECT_HAS(&r, "101 Switching Protocols");
	EXPECT_HAS(&r, "checked: matches our key");
	EXPECT_HAS(&r, "subprotocol offered      mqtt");
	EXPECT_HAS(&r, "subprotocol chosen       mqtt");
	EXPECT_HAS(&r, _i / 2 ? "TLS version              TLS1.3" :
	    "TLS version              TLS1.2");
	EXPECT_HAS(&r, "user name                probe");
	EXPECT_HAS(&r, "password                 set (not shown)");
	if (_i % 2) {
		/* CONNACK properties only a 5.0 broker sends, read through
		 * the WebSocket frames */
		EXPECT_HAS(&r, "MQTT version             5.0");
		EXPECT_HAS(&r, "topic alias maximum");
		EXPECT_HAS(&r, "shared subscriptions     no");
	} else {
		EXPECT_HAS(&r, "MQTT version             3.1.1");
		EXPECT_LACKS(&r, "topic alias maximum");
	}
	EXPECT_HAS(&r, "payload                  matches the 32-byte nonce");
	EXPECT_LACKS(&r, "UNENCRYPTED");
	snprintf(last, sizeof(last), "OK wss://localhost:%d/mqtt: all 8 steps "
	    "in ", ej_tls_port);
	EXPECT_LAST_LINE_STARTS(&r, last);
	EXPECT_HAS(&r, _i % 2 ? "MQTT 5.0, round trip" :
	    "MQTT 3.1.1, round trip");
	expect_no_password(&r);
	free(r.out);
}
END_TEST

/*
 * ws://, both versions: steps 2-5 skipped, the run marked UNENCRYPTED.
 * The password comes the other two ways here: from MQTTS_PROBE_PASSWORD
 * under 3.1.1, from -P under 5.0 (which warns that ps shows it).
 */
START_TEST(test_ws_plain)
{
	const char *mqtt = _i ? "5" : "3.1.1";
	char last[160];
	struct run r;

	ej_need();
	if (_i)
		run_probe(&r, NULL, "-t", "20", "-V", mqtt, "-u", EJ_USER,
		    "-P", GOOD_PASSWORD,
		    ej_url("ws", "127.0.0.1", ej_plain_port), NULL);
	else
		run_probe(&r, GOOD_PASSWORD, "-t", "20", "-V", mqtt, "-u",
		    EJ_USER, ej_url("ws", "127.0.0.1", ej_plain_port), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "password                 set (not shown)");
	EXPECT_HAS(&r, "skipped:    no TLS");
	EXPECT_HAS(&r, "!! UNENCRYPTED");
	EXPECT_HAS(&r, "subprotocol chosen       mqtt");
	EXPECT_HAS(&r, _i ? "MQTT version             5.0" :
	    "MQTT version             3.1.1");
	snprintf(last, sizeof(last), "OK UNENCRYPTED ws://127.0.0.1:%d/mqtt: "
	    "all 8 steps in ", ej_plain_port);
	EXPECT_LAST_LINE_STARTS(&r, last);
	expect_no_password(&r);
	free(r.out);
}
END_TEST

/* The wire, byte by byte: the frames and MQTT 5 packets traced, the
 * password masked in the CONNECT's hex dump. */
START_TEST(test_wss_v5_hexdump)
{
	struct run r;

	ej_need();
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "20", "-V", "5",
	    "--hexdump", "-u", EJ_USER, "--password-file",
	    pki("password.txt"), ej_url("wss", "localhost", ej_tls_port),
	    NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "HTTP upgrade request: GET /mqtt");
	EXPECT_HAS(&r, "HTTP answer: 101 Switching Protocols");
	EXPECT_HAS(&r, "WebSocket binary frame");
	EXPECT_HAS(&r, "CONNECT version=5.0");
	EXPECT_HAS(&r, "password=****");
	EXPECT_HAS(&r, "CONNACK session_present=0 code=0x00 (success)");
	EXPECT_HAS(&r, "WebSocket close frame, code 1000");
	EXPECT_LAST_LINE_STARTS(&r, "OK ");
	expect_no_password(&r);
	free(r.out);
}
END_TEST

/* The broker really checks the password: a wrong one is refused at
 * step 7 with MQTT 5's reason code, in words. */
START_TEST(test_wss_v5_wrong_password)
{
	struct run r;

	ej_need();
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "20", "-V", "5",
	    "-u", EJ_USER, "--password-file", pki("wrong-password.txt"),
	    ej_url("wss", "localhost", ej_tls_port), NULL);
	EXPECT_EXIT(&r, 7);
	EXPECT_HAS(&r, "subprotocol chosen       mqtt");
	EXPECT_HAS(&r, "0x87");
	EXPECT_HAS(&r, "not authorized");
	expect_no_password(&r);
	free(r.out);
}
END_TEST

/*
 * --capabilities over wss:// under 5.0: 5.0's own features (subscription
 * identifiers, topic aliases) and a 1 MiB PUBLISH, many WebSocket frames'
 * worth of TCP segments each way, on connections made as the walk's.
 */
START_TEST(test_wss_v5_capabilities)
{
	struct run r;

	ej_need();
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "40", "-V", "5",
	    "--require", "mqtt_5,qos2,retain,subscription_ids,topic_alias",
	    "-u", EJ_USER, "--password-file", pki("password.txt"),
	    ej_url("wss", "localhost", ej_tls_port), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "the message came with subscription identifier 42");
	EXPECT_HAS(&r, "a 1048576-byte PUBLISH was accepted");
	EXPECT_HAS(&r, "(shared subscriptions not supported)");
	EXPECT_LAST_LINE_STARTS(&r, "OK ");
	expect_no_password(&r);
	free(r.out);
}
END_TEST

/* JSON of an MQTT 5 walk over wss://, against doc/report.schema.json. */
START_TEST(test_wss_v5_json)
{
	char file[4200], schema[4200], checker[4200], cmd[13000];
	const char *lib = getenv("TESTS_LIB");
	struct run r, check;
	FILE *f;

	ej_need();
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "20", "-V", "5",
	    "--format", "json", "-u", EJ_USER, "--password-file",
	    pki("password.txt"), ej_url("wss", "localhost", ej_tls_port),
	    NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "\"stages\":[{\"id\":\"ws_upgrade\",\"name\":"
	    "\"WebSocket upgrade\",\"status\":\"ok\"");
	EXPECT_HAS(&r, "\"ws_subprotocol\":\"mqtt\"");
	EXPECT_HAS(&r, "\"mqtt_version\":\"5.0\"");
	EXPECT_HAS(&r, "\"unencrypted\":false");
	expect_no_password(&r);
	snprintf(file, sizeof(file), "%s", pki("ws5-output.json"));
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs(r.out, f);
	fclose(f);
	free(r.out);
	snprintf(schema, sizeof(schema), "%s/../../doc/report.schema.json",
	    lib);
	snprintf(checker, sizeof(checker), "%s/schema_check.py", lib);
	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' '%s'", checker, schema,
	    file);
	{
		const char *argv[] = { "sh", "-c", cmd, NULL };

		run_argv(&check, argv, NULL, 120);
	}
	ck_assert_msg(check.status == 0, "%s\n%s", check.cmd, check.out);
	free(check.out);
}
END_TEST

static void
add_tests(TCase *tc)
{
	/* after itest's fixture (the PKI), torn down before it */
	tcase_add_unchecked_fixture(tc, ej_setup, ej_stop);
	tcase_add_loop_test(tc, test_wss_walk, 0, 4);
	tcase_add_loop_test(tc, test_ws_plain, 0, 2);
	tcase_add_test(tc, test_wss_v5_hexdump);
	tcase_add_test(tc, test_wss_v5_wrong_password);
	tcase_add_test(tc, test_wss_v5_json);
	tcase_add_test(tc, test_wss_v5_capabilities);
}

int
main(void)
{
	char script[4200], cmd[8800];
	int rc;

	if (getenv("TESTS_LIB") == NULL) {
		fprintf(stderr, "TESTS_LIB is not set\n");
		return HARD_ERROR_CODE;
	}
	ej_script(script, sizeof(script));
	snprintf(cmd, sizeof(cmd), "bash '%s' check", script);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
		printf("SKIP: ejabberd cannot run here\n");
		return SKIP_CODE;
	}
	return itest_main("ws5", add_tests);
}
