/*
 * check_ws.c: MQTT over WebSocket against a real broker and against
 * servers that get the upgrade wrong.
 *
 * The broker is aedes behind the ws package (npm, installed once into
 * the build tree by tests/lib/npm_setup.sh), over HTTPS with the test
 * PKI and over plain HTTP; the bad upgrades come from ws_fake.js, which
 * needs Node's core modules only.  Without npm or its registry the suite
 * is skipped (77).  Every server runs under timeout and is stopped by
 * its test.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "itest.h"
#include "servers.h"

static const char *npm_dir;

static void
lib_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", getenv("TESTS_LIB"), name);
}

/* aedes over TLS (tlsmax "TLSv1.2" or "TLSv1.3") or plain. */
static void
broker_start(struct server *s, int tls, const char *tlsmax)
{
	char script[4200], cert[4200], key[4200];
	const char *argv[8] = { "node", script, npm_dir, tls ? "tls" :
	    "plain", NULL };

	lib_path(script, sizeof(script), "ws_broker.js");
	if (tls) {
		/* pki() answers in one static buffer: copy each */
		snprintf(cert, sizeof(cert), "%s", pki("server.pem"));
		snprintf(key, sizeof(key), "%s", pki("server.key"));
		argv[4] = cert;
		argv[5] = key;
		argv[6] = tlsmax;
		argv[7] = NULL;
	}
	ck_assert_msg(server_start(s, argv, 30) == 0, "ws_broker.js did not "
	    "start:\n%s", s->log);
}

static void
fake_start(struct server *s, const char *mode)
{
	char script[4200];
	const char *argv[] = { "node", script, mode, NULL };

	lib_path(script, sizeof(script), "ws_fake.js");
	ck_assert_msg(server_start(s, argv, 30) == 0, "ws_fake.js did not "
	    "start:\n%s", s->log);
}

static const char *
url(const char *scheme, const char *host, int port, const char *path)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s://%s:%d%s", scheme, host, port, path);
	return buf;
}

/* wss:// through TLS 1.3 and 1.2: all eight steps, the upgrade shown. */
static void
wss_walk(const char *tlsmax, const char *version)
{
	struct server s;
	struct run r;

	broker_start(&s, 1, tlsmax);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "15",
	    "--tls-version", version, url("wss", "localhost", s.port, ""),
	    NULL);
	server_stop(&s);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "WebSocket upgrade");
	EXPECT_HAS(&r, "GET /mqtt HTTP/1.1");
	EXPECT_HAS(&r, "101 Switching Protocols");
	EXPECT_HAS(&r, "checked: matches our key");
	EXPECT_HAS(&r, "subprotocol chosen       mqtt");
	EXPECT_HAS(&r, version[2] == '3' ? "TLS1.3" : "TLS1.2");
	EXPECT_LACKS(&r, "UNENCRYPTED");
	EXPECT_LAST_LINE_STARTS(&r, "OK ");
	free(r.out);
}

START_TEST(test_wss_tls13)
{
	wss_walk("TLSv1.3", "1.3");
}
END_TEST

START_TEST(test_wss_tls12)
{
	wss_walk("TLSv1.2", "1.2");
}
END_TEST

/* The new stage in JSON, Prometheus and Nagios. */
START_TEST(test_wss_formats)
{
	struct server s;
	struct run r;
	const char *u;

	broker_start(&s, 1, "TLSv1.3");
	u = url("wss", "localhost", s.port, "/mqtt");
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "15", "--format",
	    "json", u, NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "\"stages\":[{\"id\":\"ws_upgrade\",\"name\":"
	    "\"WebSocket upgrade\",\"status\":\"ok\"");
	EXPECT_HAS(&r, "\"ws_status\":\"101 Switching Protocols\"");
	EXPECT_HAS(&r, "\"unencrypted\":false");
	free(r.out);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "15", "--format",
	    "prometheus", u, NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "mqtts_probe_stage_duration_seconds{target=");
	EXPECT_HAS(&r, "step=\"6\",name=\"mqtt_connect_sent\","
	    "stage=\"ws_upgrade\"}");
	free(r.out);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "15", "--format",
	    "nagios", u, NULL);
	server_stop(&s);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "MQTTS OK");
	EXPECT_HAS(&r, " ws_upgrade=");
	free(r.out);
}
END_TEST

/* ws://: steps 1 and 6-8, UNENCRYPTED; --trace shows the frames. */
START_TEST(test_ws_plain_trace)
{
	struct server s;
	struct run r;

	broker_start(&s, 0, NULL);
	run_probe(&r, NULL, "-t", "15", "--trace",
	    url("ws", "127.0.0.1", s.port, ""), NULL);
	server_stop(&s);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "skipped:    no TLS");
	EXPECT_HAS(&r, "HTTP upgrade request: GET /mqtt");
	EXPECT_HAS(&r, "WebSocket binary frame");
	EXPECT_HAS(&r, "!! UNENCRYPTED");
	EXPECT_LAST_LINE_STARTS(&r, "OK UNENCRYPTED");
	free(r.out);
}
END_TEST

/* The real server's 404 for a wrong path names the usual ones. */
START_TEST(test_wss_wrong_path)
{
	struct server s;
	struct run r;

	broker_start(&s, 1, "TLSv1.3");
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", "15",
	    url("wss", "localhost", s.port, "/ws"), NULL);
	server_stop(&s);
	EXPECT_EXIT(&r, 6);
	EXPECT_HAS(&r, "no WebSocket endpoint at path /ws (404 Not Found)");
	EXPECT_HAS(&r, "/mqtt");
	EXPECT_HAS(&r, "WebSocket upgrade        FAILED");
	free(r.out);
}
END_TEST

/* A subprotocol the broker does not know: it agrees on none. */
START_TEST(test_ws_subprotocol_refused)
{
	struct server s;
	struct run r;

	broker_start(&s, 0, NULL);
	run_probe(&r, NULL, "-t", "15", "--ws-subprotocol", "mqttv3.1",
	    "-H", "X-Probe: 1", "--ws-origin", "https://example.com",
	    url("ws", "127.0.0.1", s.port, "/mqtt"), NULL);
	server_stop(&s);
	EXPECT_EXIT(&r, 6);
	EXPECT_HAS(&r, "chose no subprotocol (we offered 'mqttv3.1')");
	free(r.out);
}
END_TEST

/* Each wrong upgrade, and what is said about it. */
static const struct {
	const char *mode;
	int exit;
	const char *says;
} fakes[] = {
	{ "404", 6, "no WebSocket endpoint at path /mqtt (404 Not Found)" },
	{ "426", 6, "refused the WebSocket upgrade (426 Upgrade Required)" },
	{ "403", 6, "forbids the WebSocket upgrade (403 Forbidden)" },
	{ "noproto", 6, "chose no subprotocol" },
	{ "otherproto", 6, "chose the subprotocol 'mqttv3.1', which we did "
	    "not offer" },
	{ "badaccept", 6, "wrong Sec-WebSocket-Accept" },
	{ "http200", 6, "a plain HTTP server answered (200 OK)" },
	{ "notws", 6, "did not answer the WebSocket upgrade in HTTP" },
	{ "close", 7, "closed the WebSocket: close code 1008 (policy "
	    "violation), reason 'not allowed here'" },
	{ "text", 7, "text frame" },
	{ "masked", 7, "masked WebSocket frame" },
};

START_TEST(test_ws_fakes)
{
	struct server s;
	struct run r;

	fake_start(&s, fakes[_i].mode);
	run_probe(&r, NULL, "-t", "10", url("ws", "127.0.0.1", s.port, ""),
	    NULL);
	server_stop(&s);
	EXPECT_EXIT(&r, fakes[_i].exit);
	EXPECT_HAS(&r, fakes[_i].says);
	ck_assert_msg(r.seconds < 8.0 * itest_slowdown(), "%s took %.1f s",
	    fakes[_i].mode, r.seconds);
	free(r.out);
}
END_TEST

/* Outputs over WebSocket, good and failed, against doc/report.schema.json. */
START_TEST(test_ws_schema)
{
	char file[4200], schema[4200], checker[4200], cmd[13000];
	const char *lib = getenv("TESTS_LIB");
	struct server s, fake;
	struct run r, check;
	FILE *f;

	snprintf(file, sizeof(file), "%s", pki("ws-outputs.jsonl"));
	snprintf(schema, sizeof(schema), "%s/../../doc/report.schema.json",
	    lib);
	snprintf(checker, sizeof(checker), "%s/schema_check.py", lib);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	broker_start(&s, 0, NULL);
	fake_start(&fake, "close");
	run_probe(&r, NULL, "-t", "10", "--format", "json",
	    url("ws", "127.0.0.1", s.port, ""), NULL);
	EXPECT_EXIT(&r, 0);
	fputs(r.out, f);
	free(r.out);
	run_probe(&r, NULL, "-t", "10", "--format", "jsonl", "--trace",
	    "-c", "2", "--interval", "0", url("ws", "127.0.0.1", s.port, ""),
	    NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "\"kind\":\"websocket\"");
	EXPECT_HAS(&r, "\"unencrypted\":2");
	fputs(r.out, f);
	free(r.out);
	run_probe(&r, NULL, "-t", "10", "--format", "json",
	    url("ws", "127.0.0.1", s.port, "/nowhere"), NULL);
	EXPECT_EXIT(&r, 6);
	fputs(r.out, f);
	free(r.out);
	run_probe(&r, NULL, "-t", "10", "--format", "jsonl",
	    url("ws", "127.0.0.1", fake.port, ""), NULL);
	EXPECT_EXIT(&r, 7);
	fputs(r.out, f);
	free(r.out);
	server_stop(&fake);
	server_stop(&s);
	fclose(f);
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
	tcase_add_test(tc, test_wss_tls13);
	tcase_add_test(tc, test_wss_tls12);
	tcase_add_test(tc, test_wss_formats);
	tcase_add_test(tc, test_ws_plain_trace);
	tcase_add_test(tc, test_wss_wrong_path);
	tcase_add_test(tc, test_ws_subprotocol_refused);
	tcase_add_test(tc, test_ws_schema);
	tcase_add_loop_test(tc, test_ws_fakes, 0,
	    (int)(sizeof(fakes) / sizeof(fakes[0])));
}

int
main(void)
{
	char setup[4200], cmd[8800];
	int rc;

	npm_dir = getenv("NPM_DIR");
	if (npm_dir == NULL || getenv("TESTS_LIB") == NULL) {
		fprintf(stderr, "NPM_DIR or TESTS_LIB is not set\n");
		return HARD_ERROR_CODE;
	}
	lib_path(setup, sizeof(setup), "npm_setup.sh");
	snprintf(cmd, sizeof(cmd), "bash '%s' '%s'", setup, npm_dir);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
		printf("SKIP: aedes and ws could not be installed from npm\n");
		return SKIP_CODE;
	}
	return itest_main("ws", add_tests);
}
