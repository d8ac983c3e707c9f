/*
 * check_caps_aedes.c -- --capabilities against aedes, a broker that is
 * not mosquitto (npm, installed at test time into NPM_DIR under the
 * build tree by tests/lib/npm_setup.sh; never committed).
 *
 * aedes 0.x speaks 3.1 and 3.1.1 but not 5.0, has no shared
 * subscriptions, and lets an empty client id keep a session, which
 * MQTT 3.1.1 forbids: each answer is asserted from the JSON result, and
 * that no retained message is left behind.
 *
 * Skips (77) when npm or its registry cannot be reached: then aedes
 * truly cannot exist here.
 */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "json_reader.h"

static const char *npm_dir;

/* node aedes_broker.js, in a process group of its own; its port. */
static pid_t
aedes_start(int *port)
{
	char script[4200], cert[4200], key[4200], dir[4200];
	char tmo[] = "timeout", secs[] = "90", node[] = "node";
	/* under timeout: a broker the test forgets dies on its own */
	char *const argv[] = { tmo, secs, node, script, dir, cert, key, NULL };
	int fds[2];
	pid_t pid;

	snprintf(script, sizeof script, "%s/aedes_broker.js", g_lib);
	snprintf(cert, sizeof cert, "%s", pki("server.pem"));
	snprintf(key, sizeof key, "%s", pki("server.key"));
	snprintf(dir, sizeof dir, "%s", npm_dir);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		setpgid(0, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	*port = itest_read_port(fds[0], 30 * itest_slowdown());
	close(fds[0]);
	if (*port <= 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		ck_abort_msg("aedes_broker.js did not say its port");
	}
	return pid;
}

static void
aedes_stop(pid_t pid)
{
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

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

START_TEST(test_aedes)
{
	static const char *const yes[] = { "mqtt_3_1", "mqtt_3_1_1",
	    "max_qos", "qos0", "qos1", "qos2", "receive_maximum", "retain",
	    "wildcard_plus",
	    "wildcard_hash", "max_packet_size", "max_topic_length",
	    "client_id_max_length", "client_id_chars",
	    "empty_client_id_clean", "empty_client_id_persistent",
	    "persistent_session", "will", "keepalive_enforced" };
	char t[16], cmd[8192];
	struct run r, sub;
	struct jv root;
	const char *argv[] = { "bash", "-c", cmd, NULL };
	int port;
	pid_t pid = aedes_start(&port);

	snprintf(t, sizeof t, "%.0f", 20 * itest_slowdown());
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", t,
	    "--require", "retain,shared", "--format", "json",
	    target_port("127.0.0.1", port), NULL);
	/* nothing retained is left under the probe's topics */
	snprintf(cmd, sizeof cmd, "timeout 20 mosquitto_sub -h 127.0.0.1 "
	    "-p %d --cafile %s -t 'mqtts-probe/#' --retained-only -v -W 1; "
	    "true", port, pki("ca.pem"));
	run_argv(&sub, argv, NULL, 30);
	aedes_stop(pid);
	EXPECT_EXIT(&r, 8);
	ck_assert_msg(strstr(sub.out, "mqtts-probe/") == NULL,
	    "a retained message was left behind:\n%s", sub.out);
	free(sub.out);

	jr_parse(r.out, r.len, &root);
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		expect_cap(&root, yes[i], "yes");
	/* 0.x has no MQTT 5.0, and so no 5.0 features to try */
	expect_cap(&root, "mqtt_5", "no");
	expect_cap(&root, "subscription_ids", "n/a");
	expect_cap(&root, "topic_alias", "n/a");
	/* $share/... is a plain filter to it: granted, never delivered */
	expect_cap(&root, "shared", "no");
	jr_expect_str(&root, "missing_required/0", "shared");
	ck_assert_uint_eq(jr_get(&root, "missing_required")->n, 1);
	expect_cap_value(&root, "max_qos", 2);
	expect_cap_value(&root, "max_packet_size", 1048576);
	expect_cap_value(&root, "max_topic_length", 65535);
	expect_cap_value(&root, "client_id_max_length", 65535);
	/* 32 QoS 2 messages held in flight, the most the probe tries */
	expect_cap_value(&root, "receive_maximum", 32);
	/* nothing advertised (3.1.1), so nothing to compare */
	jr_expect_type(&root, "capabilities/retain/consistent", J_NULL);
	/* 3.1.1 wants 0x02 for an empty id without a clean session */
	ck_assert_msg(strstr(jr_get(&root,
	    "capabilities/empty_client_id_persistent/evidence")->str,
	    "requires return code 0x02") != NULL, "no note on 3.1.1's rule");
	jr_free(&root);
	free(r.out);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_aedes);
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
	snprintf(setup, sizeof setup, "%s/npm_setup.sh", getenv("TESTS_LIB"));
	snprintf(cmd, sizeof cmd, "bash '%s' '%s'", setup, npm_dir);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
		printf("SKIP: aedes could not be installed from npm\n");
		return SKIP_CODE;
	}
	return itest_main("caps_aedes", add_tests);
}
