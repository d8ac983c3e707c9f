/*
 * check_proxy.c: --proxy through real proxies on loopback.
 *
 * tinyproxy (HTTP CONNECT, with and without Basic authentication) and
 * microsocks (SOCKS5, with and without a user and password) stand
 * between the probe and the suite's mosquitto; each test starts the
 * proxy it needs on a free port, under timeout, and stops it.  What the
 * real proxies cannot be made to say (an endless answer head, silence)
 * comes from the harness's talker.  Without tinyproxy or microsocks the
 * suite is skipped (77).
 */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"
#include "servers.h"

#define PROXY_USER "alice"
#define PROXY_PW "Px-S3cret-4711"
/* base64("alice:Px-S3cret-4711"): what goes on the wire instead */
#define PROXY_PW_B64 "YWxpY2U6UHgtUzNjcmV0LTQ3MTE="

/* A port nothing listens on (bound, then released). */
static int
closed_port(void)
{
	int port = 0, fd = bind_loopback(&port);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return port;
}

/*
 * tinyproxy allowing CONNECT to the broker's good, password and
 * plaintext listeners and to refused_port; Basic auth when auth.  Its
 * log (one line per request) goes to log.
 */
static void
tinyproxy_start(struct server *s, bool auth, int refused_port, char *log,
    size_t loglen)
{
	const int ports[] = { g_port[L_GOOD], g_port[L_PASSWORD],
	    g_port[L_PLAINTEXT], g_port[L_TLS13ONLY], refused_port };

	ck_assert_msg(server_tinyproxy(s, g_dir, ports, sizeof(ports) /
	    sizeof(ports[0]), auth ? PROXY_USER : NULL, PROXY_PW, log,
	    loglen) == 0, "tinyproxy did not start:\n%s", s->log);
}

static void
microsocks_start(struct server *s, bool auth)
{
	ck_assert_msg(server_microsocks(s, auth ? PROXY_USER : NULL,
	    PROXY_PW) == 0, "microsocks did not start:\n%s", s->log);
}

static const char *
url(const char *scheme, const char *user, int port)
{
	static char bufs[4][128];
	static unsigned next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s://%s%s127.0.0.1:%d", scheme,
	    user != NULL ? user : "", user != NULL ? "@" : "", port);
	return b;
}

/* mqtts://localhost:PORT of a listener: the name TLS must check. */
static const char *
tls_target(enum listener l)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "mqtts://localhost:%d", g_port[l]);
	return buf;
}

/* How many CONNECT requests tinyproxy logged. */
static int
tinyproxy_connects(const char *log)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(log, "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "Request") != NULL &&
		    strstr(line, "CONNECT localhost:") != NULL)
			n++;
	fclose(f);
	return n;
}

/* ---- through each proxy to step 8 ------------------------------------- */

START_TEST(test_http_connect)
{
	struct server s;
	struct run r;
	char log[4200];

	tinyproxy_start(&s, false, closed_port(), log, sizeof(log));
	run_probe(&r, NULL, "--proxy", url("http", NULL, s.port), "--cafile",
	    pki("ca.pem"), "-t", "15", tls_target(L_GOOD), NULL);
	server_stop(&s);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "all 8 steps");
	EXPECT_HAS(&r, "CONNECT localhost:");
	EXPECT_HAS(&r, "HTTP/1.0 200 Connection established");
	EXPECT_HAS(&r, "proxy tunnel ok");
	EXPECT_HAS(&r, "proxy from --proxy");
	/* TLS kept the target's name, not the proxy's address */
	EXPECT_HAS(&r, "SNI localhost");
	EXPECT_HAS(&r, "name checked localhost");
	EXPECT_HAS(&r, "verdict trusted");
	free(r.out);
}
END_TEST

START_TEST(test_socks5)
{
	struct server s;
	struct run r, rh;

	microsocks_start(&s, false);
	run_probe(&r, NULL, "--proxy", url("socks5", NULL, s.port),
	    "--cafile", pki("ca.pem"), "-t", "15", tls_target(L_GOOD), NULL);
	run_probe(&rh, NULL, "--proxy", url("socks5h", NULL, s.port),
	    "--cafile", pki("ca.pem"), "-t", "15", tls_target(L_GOOD), NULL);
	server_stop(&s);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "all 8 steps");
	EXPECT_HAS(&r, "localhost resolved here to 127.0.0.1");
	EXPECT_HAS(&r, "SOCKS5 reply 0x00: succeeded");
	EXPECT_HAS(&r, "target resolved 127.0.0.1");
	EXPECT_HAS(&r, "name checked localhost");
	/* socks5h: the name itself went to the proxy */
	EXPECT_EXIT(&rh, 0);
	EXPECT_HAS(&rh, "all 8 steps");
	EXPECT_HAS(&rh, "SOCKS5 CONNECT sent: localhost port");
	EXPECT_HAS(&rh, "a name: the proxy resolves it");
	EXPECT_HAS(&rh, "target resolved by the proxy");
	EXPECT_LACKS(&rh, "resolved here");
	EXPECT_HAS(&rh, "name checked localhost");
	free(r.out);
	free(rh.out);
}
END_TEST

/*
 * ws://: the WebSocket upgrade (step 6) goes through the tunnel too.
 * ws_fake.js (Node's core modules only) upgrades correctly, then closes
 * with 1008 when CONNECT arrives: step 7 fails, after the upgrade.
 */
START_TEST(test_websocket)
{
	struct server s, fake;
	struct run r;
	char script[4200], target[64];
	const char *argv[] = { "node", script, "close", NULL };

	/* scripts/deps installs node: without it this is a failure, not
	 * a test that passes having asserted nothing */
	ck_assert_msg(system("command -v node >/dev/null 2>&1") == 0,
	    "node is not installed: test_websocket needs it for "
	    "tests/lib/ws_fake.js (scripts/deps installs it)");
	snprintf(script, sizeof(script), "%s/ws_fake.js", getenv("TESTS_LIB"));
	ck_assert_msg(server_start(&fake, argv, 30) == 0, "ws_fake.js did not "
	    "start:\n%s", fake.log);
	microsocks_start(&s, false);
	snprintf(target, sizeof(target), "ws://localhost:%d/mqtt", fake.port);
	run_probe(&r, NULL, "--proxy", url("socks5h", NULL, s.port), "-t",
	    "15", target, NULL);
	server_stop(&s);
	server_stop(&fake);
	EXPECT_EXIT(&r, 7);
	EXPECT_HAS(&r, "SOCKS5 reply 0x00: succeeded");
	EXPECT_HAS(&r, "WebSocket upgrade ok");
	EXPECT_HAS(&r, "1008");
	free(r.out);
}
END_TEST

/* Every machine format through a proxy, failing or not, against
 * doc/report.schema.json. */
START_TEST(test_schema)
{
	char file[4200], cmd[13000];
	const char *lib = getenv("TESTS_LIB");
	struct server s;
	struct run r, check;
	FILE *f;

	snprintf(file, sizeof(file), "%s", pki("proxy-outputs.jsonl"));
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	microsocks_start(&s, false);
	run_probe(&r, NULL, "--proxy", url("socks5", NULL, s.port), "--cafile",
	    pki("ca.pem"), "-t", "15", "--format", "json", tls_target(L_GOOD),
	    NULL);
	EXPECT_EXIT(&r, 0);
	fputs(r.out, f);
	free(r.out);
	run_probe(&r, NULL, "--proxy", url("socks5h", NULL, s.port), "--cafile",
	    pki("ca.pem"), "-t", "15", "--format", "jsonl", "--trace",
	    tls_target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "\"kind\":\"proxy\"");
	fputs(r.out, f);
	free(r.out);
	run_probe(&r, NULL, "--proxy", url("socks5h", NULL, s.port), "-t", "15",
	    "--format", "json", "mqtts://localhost:1", NULL);
	EXPECT_EXIT(&r, 1);
	EXPECT_HAS(&r, "\"proxy_error\":\"socks_reply\"");
	fputs(r.out, f);
	free(r.out);
	server_stop(&s);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 '%s/schema_check.py' "
	    "'%s/../../doc/report.schema.json' '%s'", lib, lib, file);
	{
		const char *argv[] = { "sh", "-c", cmd, NULL };

		run_argv(&check, argv, NULL, 60);
	}
	ck_assert_msg(check.status == 0, "%s", check.out);
	free(check.out);
}
END_TEST

/* ---- authentication -------------------------------------------------- */

START_TEST(test_http_auth)
{
	struct server s;
	struct run ok, wrong, none;
	char log[4200];

	tinyproxy_start(&s, true, closed_port(), log, sizeof(log));
	setenv("ITEST_PROXY_ENV", "1", 1);
	setenv("MQTTS_PROBE_PROXY_PASSWORD", PROXY_PW, 1);
	run_probe(&ok, NULL, "--proxy", url("http", PROXY_USER, s.port),
	    "--cafile", pki("ca.pem"), "-t", "15", "-v", tls_target(L_GOOD),
	    NULL);
	setenv("MQTTS_PROBE_PROXY_PASSWORD", "not-" PROXY_PW, 1);
	run_probe(&wrong, NULL, "--proxy", url("http", PROXY_USER, s.port),
	    "--cafile", pki("ca.pem"), "-t", "15", tls_target(L_GOOD), NULL);
	unsetenv("MQTTS_PROBE_PROXY_PASSWORD");
	run_probe(&none, NULL, "--proxy", url("http", NULL, s.port),
	    "--cafile", pki("ca.pem"), "-t", "15", tls_target(L_GOOD), NULL);
	server_stop(&s);
	EXPECT_EXIT(&ok, 0);
	EXPECT_HAS(&ok, "with Basic credentials of user 'alice' (password not "
	    "shown)");
	EXPECT_LACKS(&ok, PROXY_PW);
	EXPECT_LACKS(&ok, PROXY_PW_B64);
	/* tinyproxy 1.11 answers wrong credentials with 401, none with 407 */
	EXPECT_EXIT(&wrong, 1);
	EXPECT_HAS(&wrong, "the proxy refused the credentials of user 'alice' "
	    "(401 Unauthorized)");
	EXPECT_HAS(&wrong, "proxy error auth_refused");
	EXPECT_HAS(&wrong, "hint: check the proxy user name");
	EXPECT_LACKS(&wrong, PROXY_PW);
	EXPECT_EXIT(&none, 1);
	EXPECT_HAS(&none, "the proxy requires authentication (407 Proxy "
	    "Authentication Required; it offers Basic");
	EXPECT_HAS(&none, "proxy error auth_required");
	EXPECT_HAS(&none, "--proxy-password-file");
	free(ok.out);
	free(wrong.out);
	free(none.out);
}
END_TEST

START_TEST(test_socks_auth)
{
	struct server s;
	struct run ok, wrong, none;
	char pwfile[4200];
	int fd;

	microsocks_start(&s, true);
	snprintf(pwfile, sizeof(pwfile), "%s/proxy-pw-%d", g_dir, s.port);
	fd = open(pwfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, PROXY_PW "\n", sizeof(PROXY_PW)),
	    (int)sizeof(PROXY_PW));
	close(fd);
	run_probe(&ok, NULL, "--proxy", url("socks5h", PROXY_USER, s.port),
	    "--proxy-password-file", pwfile, "--cafile", pki("ca.pem"), "-t",
	    "15", tls_target(L_GOOD), NULL);
	setenv("ITEST_PROXY_ENV", "1", 1);
	setenv("MQTTS_PROBE_PROXY_PASSWORD", "not-" PROXY_PW, 1);
	run_probe(&wrong, NULL, "--proxy", url("socks5h", PROXY_USER, s.port),
	    "--cafile", pki("ca.pem"), "-t", "15", tls_target(L_GOOD), NULL);
	unsetenv("MQTTS_PROBE_PROXY_PASSWORD");
	run_probe(&none, NULL, "--proxy", url("socks5", NULL, s.port),
	    "--cafile", pki("ca.pem"), "-t", "15", tls_target(L_GOOD), NULL);
	server_stop(&s);
	EXPECT_EXIT(&ok, 0);
	EXPECT_HAS(&ok, "SOCKS5 method: user/password (0x02)");
	EXPECT_HAS(&ok, "SOCKS5 user/password sent: user 'alice', password "
	    "not shown");
	EXPECT_HAS(&ok, "SOCKS5 user/password: accepted");
	EXPECT_LACKS(&ok, "readable by other users");
	EXPECT_LACKS(&ok, PROXY_PW);
	EXPECT_EXIT(&wrong, 1);
	EXPECT_HAS(&wrong, "the SOCKS5 proxy refused user 'alice' and its "
	    "password");
	EXPECT_HAS(&wrong, "proxy error auth_refused");
	EXPECT_EXIT(&none, 1);
	EXPECT_HAS(&none, "accepts none of the authentication methods offered "
	    "(0xff)");
	EXPECT_HAS(&none, "proxy error auth_required");
	EXPECT_HAS(&none, "hint: give the proxy user in the URL");
	free(ok.out);
	free(wrong.out);
	free(none.out);
}
END_TEST

/* ---- the target refused or forbidden through the proxy ---------------- */

START_TEST(test_target_refused)
{
	struct server tp, ms;
	struct run http, socks, forbidden;
	char log[4200], target[64], other[64];
	int refused = closed_port();

	tinyproxy_start(&tp, false, refused, log, sizeof(log));
	microsocks_start(&ms, false);
	snprintf(target, sizeof(target), "mqtts://localhost:%d", refused);
	run_probe(&http, NULL, "--proxy", url("http", NULL, tp.port), "-t",
	    "15", target, NULL);
	run_probe(&socks, NULL, "--proxy", url("socks5h", NULL, ms.port), "-t",
	    "15", target, NULL);
	/* a port tinyproxy's ConnectPort does not list */
	snprintf(other, sizeof(other), "mqtts://localhost:%d", closed_port());
	run_probe(&forbidden, NULL, "--proxy", url("http", NULL, tp.port),
	    "-t", "15", other, NULL);
	server_stop(&tp);
	server_stop(&ms);
	/* what tinyproxy 1.11 really says when it cannot connect */
	EXPECT_EXIT(&http, 1);
	EXPECT_HAS(&http, "the proxy refused the tunnel (500 Unable to "
	    "connect)");
	EXPECT_HAS(&http, "proxy error http_status");
	EXPECT_EXIT(&socks, 1);
	EXPECT_HAS(&socks, "connection refused by the target (reply 0x05)");
	EXPECT_HAS(&socks, "hint: the proxy reached localhost but nothing "
	    "listens on port");
	EXPECT_EXIT(&forbidden, 1);
	EXPECT_HAS(&forbidden, "the proxy does not allow this tunnel (403 "
	    "Access violation)");
	EXPECT_HAS(&forbidden, "ConnectPort");
	free(http.out);
	free(socks.out);
	free(forbidden.out);
}
END_TEST

START_TEST(test_proxy_unreachable)
{
	struct run r;

	run_probe(&r, NULL, "--proxy", url("socks5", NULL, closed_port()), "-t",
	    "15", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 1);
	EXPECT_HAS(&r, "failed: cannot reach the proxy: 127.0.0.1 port");
	EXPECT_HAS(&r, "Connection refused");
	EXPECT_HAS(&r, "proxy error unreachable");
	EXPECT_HAS(&r, "hint: the proxy itself did not answer");
	/* not the broker's hint: the broker was never tried */
	EXPECT_LACKS(&r, "is the broker running");
	free(r.out);
}
END_TEST

/* ---- what only a fake proxy says --------------------------------------- */

START_TEST(test_fake_endless_head)
{
	size_t len = 20000, filled = 17;
	char *say = malloc(len);
	struct run r;
	int port;
	pid_t pid;

	ck_assert_ptr_nonnull(say);
	memcpy(say, "HTTP/1.1 200 OK\r\n", 17);
	for (; filled + 8 <= len; filled += 8)
		memcpy(say + filled, "X-A: b\r\n", 8);
	/* only what was written: a head that never ends in a blank line */
	pid = talker_start(&port, say, filled, 1);
	free(say);
	ck_assert_int_gt(pid, 0);
	run_probe(&r, NULL, "--proxy", url("http", NULL, port), "-t", "15",
	    target(L_GOOD), NULL);
	talker_stop(pid);
	EXPECT_EXIT(&r, 1);
	EXPECT_HAS(&r, "a head longer than 16384 bytes");
	EXPECT_HAS(&r, "proxy error protocol");
	free(r.out);
}
END_TEST

START_TEST(test_fake_silent)
{
	struct run r, rs;
	int port;
	pid_t pid = talker_start(&port, "", 0, 1);

	ck_assert_int_gt(pid, 0);
	run_probe(&r, NULL, "--proxy", url("http", NULL, port), "-t", "1",
	    target(L_GOOD), NULL);
	talker_stop(pid);
	pid = talker_start(&port, "", 0, 1);
	run_probe(&rs, NULL, "--proxy", url("socks5h", NULL, port), "-t", "1",
	    target(L_GOOD), NULL);
	talker_stop(pid);
	EXPECT_EXIT(&r, 1);
	EXPECT_HAS(&r, "timed out waiting for the proxy's answer to CONNECT "
	    "(--timeout 1 s)");
	EXPECT_HAS(&r, "hint: the proxy did not finish the tunnel in time");
	ck_assert_msg(r.seconds < 1 + 4 * itest_slowdown(), "took %.2f s",
	    r.seconds);
	EXPECT_EXIT(&rs, 1);
	EXPECT_HAS(&rs, "timed out waiting for the SOCKS5 proxy's method "
	    "choice");
	ck_assert_msg(rs.seconds < 1 + 4 * itest_slowdown(), "took %.2f s",
	    rs.seconds);
	free(r.out);
	free(rs.out);
}
END_TEST

START_TEST(test_fake_gateway)
{
	static const char say[] = "HTTP/1.1 503 Upstream Under Maintenance\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct run r;
	int port;
	pid_t pid = talker_start(&port, say, sizeof(say) - 1, 1);

	ck_assert_int_gt(pid, 0);
	run_probe(&r, NULL, "--proxy", url("http", NULL, port), "-t", "15",
	    target(L_GOOD), NULL);
	talker_stop(pid);
	EXPECT_EXIT(&r, 1);
	EXPECT_HAS(&r, "the proxy could not reach the target (503 Upstream "
	    "Under Maintenance)");
	EXPECT_HAS(&r, "hint: the proxy could not reach 127.0.0.1 port");
	free(r.out);
}
END_TEST

/* ---- ALL_PROXY, NO_PROXY, --proxy '' ------------------------------------ */

START_TEST(test_environment)
{
	struct server s;
	struct run env, lower, bypass, empty, bypass_opt;
	char log[4200], good[64], dead[64];

	tinyproxy_start(&s, false, closed_port(), log, sizeof(log));
	snprintf(good, sizeof(good), "%s", url("http", NULL, s.port));
	snprintf(dead, sizeof(dead), "%s", url("http", NULL, closed_port()));
	setenv("ITEST_PROXY_ENV", "1", 1);
	unsetenv("all_proxy");
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	setenv("ALL_PROXY", good, 1);
	run_probe(&env, NULL, "--cafile", pki("ca.pem"), "-t", "15",
	    tls_target(L_GOOD), NULL);
	/* all_proxy first, as curl reads them */
	setenv("all_proxy", good, 1);
	setenv("ALL_PROXY", dead, 1);
	run_probe(&lower, NULL, "--cafile", pki("ca.pem"), "-t", "15",
	    tls_target(L_GOOD), NULL);
	/* NO_PROXY: a parent domain, with a leading dot */
	setenv("all_proxy", dead, 1);
	setenv("NO_PROXY", "example.net, .localhost", 1);
	run_probe(&bypass, NULL, "--cafile", pki("ca.pem"), "-t", "15",
	    tls_target(L_GOOD), NULL);
	run_probe(&bypass_opt, NULL, "--proxy", dead, "--cafile",
	    pki("ca.pem"), "-t", "15", tls_target(L_GOOD), NULL);
	unsetenv("NO_PROXY");
	run_probe(&empty, NULL, "--proxy", "", "--cafile", pki("ca.pem"), "-t",
	    "15", tls_target(L_GOOD), NULL);
	server_stop(&s);
	EXPECT_EXIT(&env, 0);
	EXPECT_HAS(&env, "proxy from ALL_PROXY");
	EXPECT_HAS(&env, "HTTP/1.0 200 Connection established");
	EXPECT_EXIT(&lower, 0);
	EXPECT_HAS(&lower, "proxy from all_proxy");
	EXPECT_EXIT(&bypass, 0);
	EXPECT_HAS(&bypass, "proxy none (NO_PROXY matches localhost)");
	EXPECT_LACKS(&bypass, "proxy tunnel");
	EXPECT_EXIT(&bypass_opt, 0);
	EXPECT_HAS(&bypass_opt, "proxy none (NO_PROXY matches localhost)");
	EXPECT_LACKS(&bypass_opt, "proxy tunnel");
	EXPECT_EXIT(&empty, 0);
	EXPECT_LACKS(&empty, "proxy");
	ck_assert_int_eq(tinyproxy_connects(log), 2);
	free(env.out);
	free(lower.out);
	free(bypass.out);
	free(empty.out);
	free(bypass_opt.out);
}
END_TEST

/* ---- the other connections go through it too -------------------------- */

START_TEST(test_clients_and_capabilities)
{
	struct server s;
	struct run r;
	char log[4200];

	tinyproxy_start(&s, false, closed_port(), log, sizeof(log));
	run_probe(&r, NULL, "--proxy", url("http", NULL, s.port), "--cafile",
	    pki("ca.pem"), "-t", "20", "--clients", "--capabilities", "-q",
	    tls_target(L_GOOD), NULL);
	server_stop(&s);
	EXPECT_EXIT(&r, 0);
	/* the probe, each --clients profile, each experiment's session */
	ck_assert_msg(tinyproxy_connects(log) > 5, "only %d CONNECTs through "
	    "the proxy", tinyproxy_connects(log));
	free(r.out);
}
END_TEST

/* A TLS 1.2 offer to a TLS 1.3-only listener fails the handshake: the
 * follow-up experiments' offers reconnect through the proxy too. */
START_TEST(test_diagnosis)
{
	struct server s;
	struct run r;
	char log[4200];

	tinyproxy_start(&s, false, closed_port(), log, sizeof(log));
	run_probe(&r, NULL, "--proxy", url("http", NULL, s.port), "--cafile",
	    pki("ca.pem"), "-t", "20", "--tls-version", "1.2",
	    tls_target(L_TLS13ONLY), NULL);
	server_stop(&s);
	ck_assert_msg(r.status >= 2 && r.status <= 5, "exit %d: %.3000s",
	    r.status, r.out);
	EXPECT_HAS(&r, "Diagnosis");
	ck_assert_msg(tinyproxy_connects(log) > 1, "%d CONNECTs through the "
	    "proxy: %.3000s", tinyproxy_connects(log), r.out);
	free(r.out);
}
END_TEST

/* ---- secrets ------------------------------------------------------------ */

START_TEST(test_password_never_shown)
{
	static const char *const formats[][3] = {
		{ "text", "-vv", "--hexdump" }, { "json", "-v", NULL },
		{ "jsonl", "--trace", NULL }, { "nagios", NULL, NULL },
		{ "prometheus", NULL, NULL },
	};
	struct server s;
	char log[4200], pwfile[4200], report[4200];
	int fd;

	tinyproxy_start(&s, true, closed_port(), log, sizeof(log));
	snprintf(pwfile, sizeof(pwfile), "%s/proxy-pw-open-%d", g_dir, s.port);
	fd = open(pwfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, PROXY_PW "\n", sizeof(PROXY_PW)),
	    (int)sizeof(PROXY_PW));
	close(fd);
	chmod(pwfile, 0644);
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct run r;

		snprintf(report, sizeof(report), "%s/proxy-report-%zu.html",
		    g_dir, i);
		run_probe(&r, NULL, "--proxy", url("http", PROXY_USER, s.port),
		    "--proxy-password-file", pwfile, "--cafile", pki("ca.pem"),
		    "-t", "15", "--format", formats[i][0], "--report", report,
		    tls_target(L_GOOD), formats[i][1], formats[i][2], NULL);
		EXPECT_EXIT(&r, 0);
		EXPECT_HAS(&r, "127.0.0.1:");
		EXPECT_HAS(&r, "readable by other users (mode 644)");
		EXPECT_LACKS(&r, PROXY_PW);
		EXPECT_LACKS(&r, "S3cret");
		EXPECT_LACKS(&r, PROXY_PW_B64);
		{
			/* nor in the HTML report */
			FILE *f = fopen(report, "r");
			char buf[8192];
			size_t n;
			bool found = false;

			ck_assert_ptr_nonnull(f);
			while ((n = fread(buf, 1, sizeof(buf) - 1, f)) > 0) {
				buf[n] = '\0';
				if (strstr(buf, "S3cret") != NULL)
					found = true;
			}
			fclose(f);
			ck_assert_msg(!found, "the password is in %s", report);
		}
		free(r.out);
	}
	server_stop(&s);
}
END_TEST

START_TEST(test_bad_urls)
{
	struct run pw, scheme, env, nouser;

	run_probe(&pw, NULL, "--proxy", "http://alice:" PROXY_PW
	    "@127.0.0.1:3128", target(L_GOOD), NULL);
	EXPECT_EXIT(&pw, 64);
	EXPECT_HAS(&pw, "--proxy: a password in the URL would be visible in "
	    "ps; use --proxy-password-file or MQTTS_PROBE_PROXY_PASSWORD");
	EXPECT_LACKS(&pw, PROXY_PW);
	run_probe(&scheme, NULL, "--proxy", "https://127.0.0.1:3128",
	    target(L_GOOD), NULL);
	EXPECT_EXIT(&scheme, 64);
	EXPECT_HAS(&scheme, "unsupported proxy scheme");
	setenv("ITEST_PROXY_ENV", "1", 1);
	unsetenv("all_proxy");
	setenv("ALL_PROXY", "socks5h://bob:" PROXY_PW "@127.0.0.1", 1);
	run_probe(&env, NULL, target(L_GOOD), NULL);
	EXPECT_EXIT(&env, 64);
	EXPECT_HAS(&env, "ALL_PROXY: a password in the URL");
	EXPECT_LACKS(&env, PROXY_PW);
	unsetenv("ALL_PROXY");
	run_probe(&nouser, NULL, "--proxy", "http://127.0.0.1:3128",
	    "--proxy-password-file", "/dev/null", target(L_GOOD), NULL);
	EXPECT_EXIT(&nouser, 64);
	EXPECT_HAS(&nouser, "has no user name");
	free(pw.out);
	free(scheme.out);
	free(env.out);
	free(nouser.out);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_http_connect);
	tcase_add_test(tc, test_socks5);
	tcase_add_test(tc, test_websocket);
	tcase_add_test(tc, test_schema);
	tcase_add_test(tc, test_http_auth);
	tcase_add_test(tc, test_socks_auth);
	tcase_add_test(tc, test_target_refused);
	tcase_add_test(tc, test_proxy_unreachable);
	tcase_add_test(tc, test_fake_endless_head);
	tcase_add_test(tc, test_fake_silent);
	tcase_add_test(tc, test_fake_gateway);
	tcase_add_test(tc, test_environment);
	tcase_add_test(tc, test_clients_and_capabilities);
	tcase_add_test(tc, test_diagnosis);
	tcase_add_test(tc, test_password_never_shown);
	tcase_add_test(tc, test_bad_urls);
}

int
main(void)
{
	if (system("command -v tinyproxy >/dev/null 2>&1 && "
	    "command -v microsocks >/dev/null 2>&1") != 0) {
		printf("SKIP: tinyproxy or microsocks is not installed "
		    "(scripts/deps installs both)\n");
		return SKIP_CODE;
	}
	return itest_main("proxy", add_tests);
}
