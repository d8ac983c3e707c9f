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
 *
 * The same walks go through an HTTP CONNECT proxy (tinyproxy) and a
 * SOCKS5 one (microsocks, socks5:// and socks5h://), started by each
 * test as tests/check_proxy does (servers.c), and stopped by it.
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
	struct run r;

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
	itest_expect_schema(&r, "ws5-output.json");
	free(r.out);
}
END_TEST

/* ---- through the proxies ----------------------------------------------- */

enum ws5_proxy { WS5_HTTP, WS5_SOCKS5, WS5_SOCKS5H, WS5_PROXIES };

static const char *const ws5_proxy_scheme[] = { "http", "socks5",
    "socks5h" };

/*
 * The proxy kind p, started for this test alone: tinyproxy allowing
 * CONNECT to ejabberd's TLS port only (its log path in log), or
 * microsocks.  Its URL in url.
 */
static void
ws5_proxy_start(struct server *s, enum ws5_proxy p, char *log, size_t loglen,
    char *url, size_t urllen)
{
	if (p == WS5_HTTP)
		ck_assert_msg(server_tinyproxy(s, g_dir, &ej_tls_port, 1, NULL,
		    NULL, log, loglen) == 0, "tinyproxy did not start:\n%s",
		    s->log);
	else
		ck_assert_msg(server_microsocks(s, NULL, NULL) == 0,
		    "microsocks did not start:\n%s", s->log);
	snprintf(url, urllen, "%s://127.0.0.1:%d", ws5_proxy_scheme[p],
	    s->port);
}

/* How many CONNECT requests to ejabberd's TLS port tinyproxy logged. */
static int
ws5_tinyproxy_connects(const char *log)
{
	char line[1024], want[64];
	int n = 0;
	FILE *f = fopen(log, "r");

	if (f == NULL)
		return 0;
	snprintf(want, sizeof(want), "CONNECT localhost:%d", ej_tls_port);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "Request") != NULL &&
		    strstr(line, want) != NULL)
			n++;
	fclose(f);
	return n;
}

/* What step 1 says the proxy did, by kind. */
static void
ws5_expect_tunnel(const struct run *r, enum ws5_proxy p)
{
	char want[128];

	EXPECT_HAS(r, "proxy tunnel             ok");
	snprintf(want, sizeof(want), "proxy kind               %s",
	    p == WS5_HTTP ? "http" : ws5_proxy_scheme[p]);
	EXPECT_HAS(r, want);
	switch (p) {
	case WS5_HTTP:
		snprintf(want, sizeof(want), "CONNECT localhost:%d HTTP/1.1 "
		    "sent", ej_tls_port);
		EXPECT_HAS(r, want);
		EXPECT_HAS(r, "HTTP/1.0 200 Connection established");
		EXPECT_HAS(r, "target resolved          by the proxy (HTTP "
		    "CONNECT)");
		break;
	case WS5_SOCKS5:
		/* the name resolved here, the address sent to the proxy */
		EXPECT_HAS(r, "localhost resolved here to 127.0.0.1");
		snprintf(want, sizeof(want), "SOCKS5 CONNECT sent: 127.0.0.1 "
		    "port %d", ej_tls_port);
		EXPECT_HAS(r, want);
		EXPECT_HAS(r, "SOCKS5 reply 0x00: succeeded");
		EXPECT_HAS(r, "target resolved          127.0.0.1");
		break;
	default:
		/* the name itself went to the proxy */
		snprintf(want, sizeof(want), "SOCKS5 CONNECT sent: localhost "
		    "port %d", ej_tls_port);
		EXPECT_HAS(r, want);
		EXPECT_HAS(r, "SOCKS5 reply 0x00: succeeded");
		EXPECT_HAS(r, "target resolved          by the proxy");
		EXPECT_LACKS(r, "resolved here");
		break;
	}
}

/*
 * wss:// through each proxy, TLS 1.2 and 1.3, MQTT 3.1.1 and 5.0:
 * _i = proxy * 4 + tls * 2 + v5.  The tunnel in step 1, then the walk
 * as without a proxy: TLS checks the target's name, not the proxy's
 * address, and the WebSocket upgrade and MQTT travel inside it.
 */
START_TEST(test_wss_proxy)
{
	enum ws5_proxy p = (enum ws5_proxy)(_i / 4);
	int tls13 = _i / 2 % 2, v5 = _i % 2;
	char log[4200], proxy[64], last[160];
	struct server s;
	struct run r;

	ej_need();
	ws5_proxy_start(&s, p, log, sizeof(log), proxy, sizeof(proxy));
	run_probe(&r, NULL, "--proxy", proxy, "--cafile", pki("ca.pem"), "-t",
	    "20", "--tls-version", tls13 ? "1.3" : "1.2", "-V", v5 ? "5" :
	    "3.1.1", "-u", EJ_USER, "--password-file", pki("password.txt"),
	    ej_url("wss", "localhost", ej_tls_port), NULL);
	server_stop(&s);
	EXPECT_EXIT(&r, 0);
	for (int step = 1; step <= 8; step++) {
		char mark[8];

		snprintf(mark, sizeof(mark), "[%d/8]", step);
		EXPECT_HAS(&r, mark);
	}
	EXPECT_LACKS(&r, "FAILED");
	EXPECT_LACKS(&r, "skipped");
	ws5_expect_tunnel(&r, p);
	if (p == WS5_HTTP)
		ck_assert_msg(ws5_tinyproxy_connects(log) == 1, "tinyproxy "
		    "logged %d CONNECTs to port %d, not 1",
		    ws5_tinyproxy_connects(log), ej_tls_port);
	EXPECT_HAS(&r, "SNI localhost");
	EXPECT_HAS(&r, "name checked localhost");
	EXPECT_HAS(&r, "verdict trusted");
	EXPECT_HAS(&r, tls13 ? "TLS version              TLS1.3" :
	    "TLS version              TLS1.2");
	EXPECT_HAS(&r, "WebSocket upgrade        ok");
	EXPECT_HAS(&r, "GET /mqtt HTTP/1.1");
	EXPECT_HAS(&r, "101 Switching Protocols");
	EXPECT_HAS(&r, "checked: matches our key");
	EXPECT_HAS(&r, "subprotocol chosen       mqtt");
	EXPECT_HAS(&r, v5 ? "MQTT version             5.0" :
	    "MQTT version             3.1.1");
	EXPECT_HAS(&r, "payload                  matches the 32-byte nonce");
	EXPECT_LACKS(&r, "UNENCRYPTED");
	snprintf(last, sizeof(last), "OK wss://localhost:%d/mqtt: all 8 steps "
	    "in ", ej_tls_port);
	EXPECT_LAST_LINE_STARTS(&r, last);
	EXPECT_HAS(&r, v5 ? "MQTT 5.0, round trip" : "MQTT 3.1.1, round trip");
	expect_no_password(&r);
	free(r.out);
}
END_TEST

/*
 * The machine formats of wss:// through a proxy, against the schema:
 * MQTT 5 through tinyproxy in JSON, 3.1.1 through socks5h in JSON
 * lines with --trace (the proxy's and the WebSocket's trace events).
 */
START_TEST(test_wss_proxy_json)
{
	char log[4200], proxy[64];
	struct server s;
	struct run r;

	ej_need();
	ws5_proxy_start(&s, WS5_HTTP, log, sizeof(log), proxy, sizeof(proxy));
	run_probe(&r, NULL, "--proxy", proxy, "--cafile", pki("ca.pem"), "-t",
	    "20", "-V", "5", "--format", "json", "-u", EJ_USER,
	    "--password-file", pki("password.txt"), ej_url("wss", "localhost",
	    ej_tls_port), NULL);
	server_stop(&s);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "\"proxy_kind\":\"http\"");
	EXPECT_HAS(&r, "\"proxy_answer\":\"HTTP/1.0 200 Connection "
	    "established\"");
	EXPECT_HAS(&r, "\"id\":\"proxy_tunnel\"");
	EXPECT_HAS(&r, "\"id\":\"ws_upgrade\",\"name\":\"WebSocket "
	    "upgrade\",\"status\":\"ok\"");
	EXPECT_HAS(&r, "\"ws_subprotocol\":\"mqtt\"");
	EXPECT_HAS(&r, "\"mqtt_version\":\"5.0\"");
	EXPECT_HAS(&r, "\"unencrypted\":false");
	expect_no_password(&r);
	itest_expect_schema(&r, "ws5-proxy-http.json");
	free(r.out);
	ws5_proxy_start(&s, WS5_SOCKS5H, log, sizeof(log), proxy,
	    sizeof(proxy));
	run_probe(&r, NULL, "--proxy", proxy, "--cafile", pki("ca.pem"), "-t",
	    "20", "-V", "3.1.1", "--format", "jsonl", "--trace", "-u", EJ_USER,
	    "--password-file", pki("password.txt"), ej_url("wss", "localhost",
	    ej_tls_port), NULL);
	server_stop(&s);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "\"kind\":\"proxy\"");
	EXPECT_HAS(&r, "\"kind\":\"websocket\"");
	EXPECT_HAS(&r, "\"proxy_kind\":\"socks5h\"");
	EXPECT_HAS(&r, "\"mqtt_version\":\"3.1.1\"");
	expect_no_password(&r);
	itest_expect_schema(&r, "ws5-proxy-socks5h.jsonl");
	free(r.out);
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
	tcase_add_loop_test(tc, test_wss_proxy, 0, WS5_PROXIES * 4);
	tcase_add_test(tc, test_wss_proxy_json);
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
