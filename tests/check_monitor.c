/*
 * check_monitor.c -- the monitoring side of the binary against a real
 * mosquitto (harness: itest.c): JSON and JSON Lines read back field by
 * field, Nagios states and exit codes, Prometheus output through
 * promtool when it is installed, repeat mode and its statistics, several
 * targets at once, --targets files, and memory and descriptors staying
 * flat over hundreds of probes.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "json_reader.h"

#ifndef SANITIZED
#define SANITIZED ""
#endif

/* The lines of r's output, one at a time: *at moves past each. */
static bool
next_line(const struct run *r, const char **at, const char **line,
    size_t *len)
{
	const char *nl;

	if (*at == NULL)
		*at = r->out;
	if (**at == '\0')
		return false;
	nl = strchr(*at, '\n');
	*line = *at;
	*len = nl != NULL ? (size_t)(nl - *at) : strlen(*at);
	*at = nl != NULL ? nl + 1 : *at + *len;
	return true;
}

/* The whole output as one JSON document (one line). */
static void
parse_only_line(const struct run *r, struct jv *v)
{
	ck_assert_msg(count_lines(r) == 1, "%s\nexpected one line:\n%s",
		      r->cmd, r->out);
	jr_parse(r->out, strcspn(r->out, "\n"), v);
}

static int
closed_port(void)
{
	int port = 0;
	int fd = bind_loopback(&port);

	ck_assert_msg(fd >= 0, "cannot bind a loopback port");
	close(fd);
	return port;
}

/* A server that completes TCP and never says a word. */
static int
silent_server(int *port)
{
	int fd = bind_loopback(port);

	ck_assert_msg(fd >= 0 && listen(fd, 8) == 0, "cannot listen");
	return fd;
}

/* ---- JSON ------------------------------------------------------------ */

START_TEST(test_json_success)
{
	struct run r;
	struct jv v;
	char path[64];

	run_probe(&r, NULL, "--format", "json", "--cafile", pki("ca.pem"),
		  "-t", "5", "-V", "5", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	parse_only_line(&r, &v);
	jr_expect_str(&v, "type", "result");
	jr_expect_str(&v, "target", target(L_GOOD));
	jr_expect_str(&v, "address", "127.0.0.1");
	jr_expect_num(&v, "port", g_port[L_GOOD]);
	jr_expect_str(&v, "verdict", "ok");
	jr_expect_num(&v, "exit_status", 0);
	jr_expect_bool(&v, "insecure", false);
	jr_expect_bool(&v, "unverified", false);
	jr_expect_type(&v, "started_at", J_STR);
	for (int s = 0; s < 8; s++) {
		const struct jv *d;

		snprintf(path, sizeof path, "steps/%d/status", s);
		jr_expect_str(&v, path, "ok");
		snprintf(path, sizeof path, "steps/%d/duration_us", s);
		d = jr_get(&v, path);
		ck_assert_msg(d != NULL && d->t == J_NUM && d->num >= 1,
			      "%s: a step that ran took some time", path);
		snprintf(path, sizeof path, "steps/%d/states/tcp", s);
		jr_expect_str(&v, path, "Established");
	}
	jr_expect_str(&v, "steps/7/states/mqtt", "Connected (secure)");
	jr_expect_type(&v, "steps/1/details/versions_offered", J_ARR);
	jr_expect_type(&v, "steps/6/details/connack_code", J_NUM);
	jr_expect_str(&v, "chain/0/subject", "CN=localhost");
	jr_expect_str(&v, "chain/0/sans/0", "DNS:localhost");
	jr_expect_type(&v, "chain/0/days_left", J_NUM);
	jr_expect_type(&v, "chain/0/sha256", J_STR);
	jr_expect_bool(&v, "verification/trusted", true);
	ck_assert_uint_eq(jr_get(&v, "verification/problems")->n, 0);
	jr_expect_type(&v, "tls/version", J_STR);
	jr_expect_type(&v, "tls/cipher_suite", J_STR);
	jr_expect_str(&v, "mqtt/version", "5.0");
	jr_expect_num(&v, "mqtt/connack_code", 0);
	jr_expect_bool(&v, "mqtt/session_present", false);
	jr_expect_type(&v, "mqtt/properties", J_OBJ);
	jr_expect_type(&v, "round_trip_us", J_NUM);
	/* the test PKI's server certificate is good for about a year */
	ck_assert(jr_get(&v, "expiry/days_left")->num > 300);
	jr_expect_str(&v, "expiry/status", "ok");
	jr_free(&v);
	free(r.out);
}
END_TEST

START_TEST(test_json_expired)
{
	struct run r;
	struct jv v;

	run_probe(&r, NULL, "--format", "json", "--cafile", pki("ca.pem"),
		  "-t", "5", target(L_EXPIRED), NULL);
	EXPECT_EXIT(&r, 4);
	parse_only_line(&r, &v);
	jr_expect_str(&v, "verdict", "fail");
	jr_expect_num(&v, "exit_status", 4);
	jr_expect_bool(&v, "unverified", true);
	jr_expect_str(&v, "steps/3/status", "failed");
	jr_expect_str(&v, "steps/3/cause", "verify");
	jr_expect_type(&v, "steps/3/reason", J_STR);
	jr_expect_str(&v, "steps/3/states/tls", "Failed");
	jr_expect_str(&v, "steps/4/status", "not reached");
	jr_expect_type(&v, "steps/4/duration_us", J_NULL);
	jr_expect_bool(&v, "verification/trusted", false);
	jr_expect_str(&v, "verification/problems/0", "expired");
	ck_assert(jr_get(&v, "expiry/days_left")->num < 0);
	jr_expect_str(&v, "expiry/status", "critical");
	jr_expect_type(&v, "hints/0", J_STR);
	jr_free(&v);
	free(r.out);
}
END_TEST

START_TEST(test_json_refused)
{
	struct run r;
	struct jv v;

	run_probe(&r, NULL, "--format", "json", "--cafile", pki("ca.pem"),
		  "-t", "5", target_port("127.0.0.1", closed_port()), NULL);
	EXPECT_EXIT(&r, 1);
	parse_only_line(&r, &v);
	jr_expect_str(&v, "steps/0/status", "failed");
	jr_expect_str(&v, "steps/0/cause", "network");
	jr_expect_str(&v, "steps/0/states/tcp", "Failed");
	jr_expect_type(&v, "address", J_NULL);
	jr_expect_type(&v, "tls/version", J_NULL);
	jr_expect_type(&v, "expiry/status", J_NULL);
	jr_free(&v);
	free(r.out);
}
END_TEST

START_TEST(test_json_insecure)
{
	struct run r;
	struct jv v;

	run_probe(&r, NULL, "--format", "json", "--insecure", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_EXPIRED), NULL);
	EXPECT_EXIT(&r, 0);
	parse_only_line(&r, &v);
	jr_expect_str(&v, "verdict", "ok");
	jr_expect_bool(&v, "insecure", true);
	jr_expect_bool(&v, "unverified", true);
	jr_expect_bool(&v, "verification/trusted", false);
	jr_expect_str(&v, "steps/7/status", "ok");
	jr_free(&v);
	free(r.out);
}
END_TEST

START_TEST(test_jsonl_steps_then_result)
{
	struct run r;
	const char *at = NULL, *line;
	size_t len;
	int n = 0;

	run_probe(&r, NULL, "--format", "jsonl", "--cafile", pki("ca.pem"),
		  "-t", "5", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	ck_assert_msg(count_lines(&r) == 9, "%s", r.out);
	while (next_line(&r, &at, &line, &len)) {
		struct jv v;

		jr_parse(line, len, &v);
		n++;
		if (n <= 8) {
			jr_expect_str(&v, "type", "step");
			jr_expect_num(&v, "number", n);
			jr_expect_str(&v, "status", "ok");
		} else {
			jr_expect_str(&v, "type", "result");
			jr_expect_str(&v, "verdict", "ok");
			ck_assert_uint_eq(jr_get(&v, "steps")->n, 8);
		}
		jr_free(&v);
	}
	free(r.out);
}
END_TEST

/* ---- Nagios ----------------------------------------------------------- */

START_TEST(test_nagios_states)
{
	static const struct {
		const char *opt, *val;
		int status;
		const char *prefix;
	} cases[] = {
		{ "-t", "5", 0, "MQTTS OK - " },
		/* the test server certificate has about 365 days left */
		{ "--warn-days", "400", 1, "MQTTS WARNING - " },
		{ "--crit-days", "400", 2, "MQTTS CRITICAL - " },
		{ "--warn-ms", "0.001", 1, "MQTTS WARNING - " },
	};
	struct run r;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run_probe(&r, NULL, "--format", "nagios", "--cafile",
			  pki("ca.pem"), cases[i].opt, cases[i].val,
			  target(L_GOOD), NULL);
		EXPECT_EXIT(&r, cases[i].status);
		ck_assert_msg(count_lines(&r) == 1 &&
			      strncmp(r.out, cases[i].prefix,
				      strlen(cases[i].prefix)) == 0,
			      "%s\n%s", r.cmd, r.out);
		EXPECT_HAS(&r, " | step1=");
		EXPECT_HAS(&r, " rtt=");
		EXPECT_HAS(&r, " days_left=");
		free(r.out);
	}
}
END_TEST

START_TEST(test_nagios_failure_and_usage)
{
	struct run r;

	run_probe(&r, NULL, "--format", "nagios", "--cafile", pki("ca.pem"),
		  "-t", "5", target(L_EXPIRED), NULL);
	EXPECT_EXIT(&r, 2);
	EXPECT_LAST_LINE_STARTS(&r, "MQTTS CRITICAL - ");
	EXPECT_HAS(&r, "step 4 (Certificate verification) failed");
	EXPECT_HAS(&r, "step4=U");
	free(r.out);

	/* a usage error under nagios is UNKNOWN, whichever spelling */
	run_probe(&r, NULL, "--format=nagios", "--qos", "7", target(L_GOOD),
		  NULL);
	EXPECT_EXIT(&r, 3);
	EXPECT_HAS(&r, "MQTTS UNKNOWN - ");
	free(r.out);
	run_probe(&r, NULL, "--cafile", pki("no-such-ca.pem"), "--form",
		  "nagios", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 3);
	free(r.out);
	/* and the usual 64 otherwise */
	run_probe(&r, NULL, "--qos", "7", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 64);
	free(r.out);
}
END_TEST

/* ---- Prometheus -------------------------------------------------------- */

/* promtool in PATH, or NULL. */
static const char *
find_promtool(void)
{
	static char path[4096];
	const char *env = getenv("PATH");
	char *dirs, *save = NULL;

	if (env == NULL)
		return NULL;
	dirs = strdup(env);
	for (char *d = strtok_r(dirs, ":", &save); d != NULL;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof path, "%s/promtool", d);
		if (executable(path)) {
			free(dirs);
			return path;
		}
	}
	free(dirs);
	return NULL;
}

START_TEST(test_prometheus_promtool)
{
	struct run r, check;
	const char *promtool = find_promtool();
	char file[4200], cmd[9000];
	FILE *f;

	run_probe(&r, NULL, "--format", "prometheus", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_GOOD), target(L_EXPIRED),
		  NULL);
	EXPECT_EXIT(&r, 4);
	EXPECT_HAS(&r, "# TYPE mqtts_probe_success gauge\n");
	EXPECT_HAS(&r, "mqtts_probe_cert_expiry_timestamp_seconds{target=\"");
	EXPECT_HAS(&r, "mqtts_probe_round_trip_seconds{target=\"");
	if (promtool == NULL) {
		/* a missing tool is not a failure of the probe */
		printf("note: promtool not installed; exposition not checked "
		       "by it\n");
		free(r.out);
		return;
	}
	snprintf(file, sizeof file, "%s/metrics.prom", g_dir);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs(r.out, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "'%s' check metrics < '%s'", promtool, file);
	{
		const char *argv[] = { "sh", "-c", cmd, NULL };

		run_argv(&check, argv, NULL, 60);
	}
	ck_assert_msg(check.status == 0, "promtool check metrics failed "
		      "(%d):\n%s\n--- metrics ---\n%s", check.status, check.out,
		      r.out);
	free(check.out);
	free(r.out);
}
END_TEST

/*
 * The README's textfile-collector recipe, word for word but for the
 * binary and the directory, with a failing target: one that refuses
 * the connection and one whose --cafile is missing (the probe cannot
 * start).  The file must then say so, not go empty.
 */
START_TEST(test_prometheus_textfile_recipe_failing)
{
	static const char *const extra[] = { "", "--cafile /nonexistent/ca.pem " };
	const char *promtool = find_promtool();
	char dir[4200], file[4300], cmd[9000];

	snprintf(dir, sizeof dir, "%s/textfile", g_dir);
	mkdir(dir, 0700);
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
		struct run r;
		char *text;
		size_t len = 0;
		FILE *f;
		int want = i == 0 ? 1 : 66;

		snprintf(cmd, sizeof cmd, "cd '%s' && '%s' --format prometheus "
			 "%s127.0.0.1:%d >mqtts.tmp; mv mqtts.tmp mqtts.prom",
			 dir, g_probe, extra[i], closed_port());
		{
			const char *argv[] = { "sh", "-c", cmd, NULL };

			run_argv(&r, argv, NULL, 30);
		}
		EXPECT_EXIT(&r, 0);	/* mv's status */
		free(r.out);
		snprintf(file, sizeof file, "%s/mqtts.prom", dir);
		f = fopen(file, "r");
		ck_assert_ptr_nonnull(f);
		text = calloc(1, 65536);
		ck_assert_ptr_nonnull(text);
		len = fread(text, 1, 65535, f);
		fclose(f);
		ck_assert_msg(len > 0, "%s: the metrics file is empty", cmd);
		ck_assert_msg(strstr(text, "# TYPE mqtts_probe_success gauge\n")
			      != NULL, "%s", text);
		ck_assert_msg(strstr(text, "\"} 0\n") != NULL &&
			      strstr(text, "mqtts_probe_success{target=\"127.0.0.1:")
			      != NULL, "%s", text);
		{
			char want_line[64];

			snprintf(want_line, sizeof want_line, "\"} %d\n", want);
			ck_assert_msg(strstr(strstr(text, "mqtts_probe_exit_status{"),
					     want_line) != NULL, "exit status %d "
				      "not in:\n%s", want, text);
		}
		ck_assert_msg(strstr(text, "mqtts_probe_failure_info{target=\"127."
				     "0.0.1:") != NULL && strstr(text, i == 0 ?
				     "Connection refused" : "--cafile "
				     "/nonexistent/ca.pem") != NULL, "%s", text);
		if (promtool != NULL) {
			struct run check;

			snprintf(cmd, sizeof cmd, "'%s' check metrics < '%s'",
				 promtool, file);
			{
				const char *argv[] = { "sh", "-c", cmd, NULL };

				run_argv(&check, argv, NULL, 60);
			}
			ck_assert_msg(check.status == 0, "promtool: %s\n%s",
				      check.out, text);
			free(check.out);
		}
		free(text);
	}
}
END_TEST

/*
 * Real outputs of every kind, checked against the JSON Schema in the
 * tree (doc/report.schema.json) with python3-jsonschema: success, each
 * failure, --insecure, --steps, jsonl with --trace and --hexdump, and a
 * series with its summary line.
 */
START_TEST(test_json_schema_real_outputs)
{
	static const char *const formats[] = { "json", "jsonl" };
	char file[4200], schema[4200], checker[4200], cmd[13000];
	struct run r, check;
	FILE *f;
	int lines = 0;

	snprintf(file, sizeof file, "%s/outputs.jsonl", g_dir);
	snprintf(schema, sizeof schema, "%s/../../doc/report.schema.json",
		 g_lib);
	snprintf(checker, sizeof checker, "%s/schema_check.py", g_lib);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	for (int l = 0; l < L_COUNT; l++)
		for (size_t k = 0; k < 2; k++) {
			run_probe(&r, NULL, "--format", formats[k], "--cafile",
				  pki("ca.pem"), "-t", "5", "-V", k ? "5" : "3.1.1",
				  target((enum listener)l), NULL);
			ck_assert_msg(r.status >= 0 && r.status <= 8, "%s\n%s",
				      r.cmd, r.out);
			fputs(r.out, f);
			lines += (int)count_lines(&r);
			free(r.out);
		}
	run_probe(&r, NULL, "--format", "json", "-k", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_EXPIRED), NULL);
	fputs(r.out, f);
	free(r.out);
	run_probe(&r, GOOD_PASSWORD, "--format", "jsonl", "--hexdump", "-u",
		  "probeuser",
		  "--cafile", pki("ca.pem"), "-t", "5", target(L_PASSWORD), NULL);
	fputs(r.out, f);
	free(r.out);
	run_probe(&r, NULL, "--format", "json", "--steps", "3", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_GOOD), NULL);
	fputs(r.out, f);
	free(r.out);
	run_probe(&r, NULL, "--format", "json", "-c", "2", "--interval", "0",
		  "--cafile", pki("ca.pem"), "-t", "5", target(L_GOOD),
		  target_port("127.0.0.1", closed_port()), NULL);
	fputs(r.out, f);
	ck_assert_msg(strstr(r.out, "\"type\":\"summary\"") != NULL, "%s",
		      r.out);
	free(r.out);
	fclose(f);
	ck_assert_int_gt(lines, 2 * L_COUNT);
	snprintf(cmd, sizeof cmd, "python3 '%s' '%s' '%s'", checker, schema,
		 file);
	{
		const char *argv[] = { "sh", "-c", cmd, NULL };

		run_argv(&check, argv, NULL, 120);
	}
	ck_assert_msg(check.status == 0, "the outputs break the schema "
		      "(%d):\n%s", check.status, check.out);
	free(check.out);
}
END_TEST

/* ---- -q and thresholds ------------------------------------------------ */

/*
 * -q in every mode: one line per target that names it, also with -c
 * (the counts and the commonest failure with its reason), and accepted
 * with a machine format, where it changes nothing.
 */
START_TEST(test_quiet_every_mode)
{
	struct run r, plain;
	char want[128];

	run_probe(&r, NULL, "-q", "--cafile", pki("ca.pem"), "-t", "5",
		  target(L_GOOD), target(L_EXPIRED), NULL);
	EXPECT_EXIT(&r, 4);
	ck_assert_msg(count_lines(&r) == 2, "%s", r.out);
	snprintf(want, sizeof want, "OK %s: ", target(L_GOOD));
	ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0, "%s", r.out);
	snprintf(want, sizeof want, "\nFAIL step 4 (Certificate verification) "
		 "on %s: certificate expired", target(L_EXPIRED));
	EXPECT_HAS(&r, want);
	free(r.out);

	run_probe(&r, NULL, "-q", "-c", "3", "--interval", "0", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_GOOD), target(L_EXPIRED),
		  NULL);
	EXPECT_EXIT(&r, 4);
	ck_assert_msg(count_lines(&r) == 2, "one line per target:\n%s", r.out);
	snprintf(want, sizeof want, "OK %s: 3 probes, 3 ok, 0 failed, ",
		 target(L_GOOD));
	EXPECT_HAS(&r, want);
	EXPECT_HAS(&r, "ms on average\n");
	snprintf(want, sizeof want, "\nFAIL %s: 3 probes, 0 ok, 3 failed; "
		 "commonest: step 4 (Certificate verification), 3 of 3: "
		 "certificate expired ", target(L_EXPIRED));
	EXPECT_HAS(&r, want);
	free(r.out);

	/* a machine format with -q: the same output as without */
	run_probe(&r, NULL, "-q", "--format", "json", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_EXPIRED), NULL);
	run_probe(&plain, NULL, "--format", "json", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_EXPIRED), NULL);
	EXPECT_EXIT(&r, 4);
	ck_assert_msg(count_lines(&r) == 1 && count_lines(&plain) == 1 &&
		      strncmp(r.out, "{\"type\":\"result\"", 16) == 0,
		      "%s\n%s", r.out, plain.out);
	free(r.out);
	free(plain.out);
	run_probe(&r, NULL, "-q", "--format", "nagios", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_LAST_LINE_STARTS(&r, "MQTTS OK - ");
	free(r.out);
}
END_TEST

/*
 * Thresholds crossed set the exit status in every format (nagios keeps
 * its own): 9 warning, 10 critical, a failed step above both.
 */
START_TEST(test_threshold_exit_status)
{
	static const struct {
		const char *format;
		const char *opt, *val;
		int status;
	} cases[] = {
		{ "text", "--warn-days", "36000", 9 },
		{ "text", "--crit-days", "36000", 10 },
		{ "json", "--warn-days", "36000", 9 },
		{ "jsonl", "--crit-days", "36000", 10 },
		{ "prometheus", "--warn-days", "36000", 9 },
		{ "text", "--warn-ms", "0.001", 9 },
		{ "json", "--crit-ms", "0.001", 10 },
		/* not crossed: 0 */
		{ "text", "--warn-days", "1", 0 },
		{ "json", "--crit-ms", "3600000", 0 },
		/* nagios maps thresholds its own way */
		{ "nagios", "--crit-days", "36000", 2 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct run r;

		run_probe(&r, NULL, "--format", cases[i].format, cases[i].opt,
			  cases[i].val, "--cafile", pki("ca.pem"), "-t", "5",
			  target(L_GOOD), NULL);
		EXPECT_EXIT(&r, cases[i].status);
		free(r.out);
	}
	{
		/* a failed step ranks above critical, wherever it is */
		struct run r;

		run_probe(&r, NULL, "-q", "--crit-days", "36000", "--cafile",
			  pki("ca.pem"), "-t", "5", target(L_GOOD),
			  target(L_EXPIRED), NULL);
		EXPECT_EXIT(&r, 4);
		EXPECT_HAS(&r, "critical: the certificate chain expires in ");
		free(r.out);
		/* and critical above warning, across targets */
		run_probe(&r, NULL, "-q", "--warn-ms", "0.001", "--crit-days",
			  "36000", "--cafile", pki("ca.pem"), "-t", "5",
			  target(L_GOOD), NULL);
		EXPECT_EXIT(&r, 10);
		free(r.out);
	}
}
END_TEST

/*
 * -q promises one line per target: a crossed threshold is folded into
 * that line, for one probe and for a series, whatever was crossed, and
 * the exit status stays the thresholds' own.
 */
START_TEST(test_quiet_thresholds_one_line)
{
	static const struct {
		const char *count;
		const char *opt[4];
		int status;
		const char *has[2];
	} cases[] = {
		{ "1", { "--warn-days", "36000", NULL, NULL }, 9,
		  { "; warning: the certificate chain expires in ", NULL } },
		{ "1", { "--crit-ms", "0.001", NULL, NULL }, 10,
		  { "; critical: the round trip took ", NULL } },
		{ "1", { "--crit-days", "36000", "--warn-ms", "0.001" }, 10,
		  { "; critical: the certificate chain expires in ",
		    "; warning: the round trip took " } },
		{ "2", { "--warn-days", "36000", "--crit-ms", "0.001" }, 10,
		  { "; warning: the certificate chain expires in ",
		    "; critical: the average round trip took " } },
	};
	char want[128];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct run r;

		if (cases[i].opt[2] != NULL)
			run_probe(&r, NULL, "-q", "-c", cases[i].count,
				  "--interval", "0", cases[i].opt[0],
				  cases[i].opt[1], cases[i].opt[2],
				  cases[i].opt[3], "--cafile", pki("ca.pem"),
				  "-t", "5", target(L_GOOD), NULL);
		else
			run_probe(&r, NULL, "-q", "-c", cases[i].count,
				  "--interval", "0", cases[i].opt[0],
				  cases[i].opt[1], "--cafile", pki("ca.pem"),
				  "-t", "5", target(L_GOOD), NULL);
		EXPECT_EXIT(&r, cases[i].status);
		ck_assert_msg(count_lines(&r) == 1, "case %zu, %zu lines:\n%s",
			      i, count_lines(&r), r.out);
		snprintf(want, sizeof want, "OK %s: ", target(L_GOOD));
		ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0,
			      "case %zu:\n%s", i, r.out);
		for (size_t k = 0; k < 2; k++)
			if (cases[i].has[k] != NULL)
				EXPECT_HAS(&r, cases[i].has[k]);
		free(r.out);
	}
}
END_TEST

/* ---- repeat mode ----------------------------------------------------- */

START_TEST(test_repeat_statistics)
{
	struct run r;
	char want[64];

	run_probe(&r, NULL, "-c", "5", "--interval", "0", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	for (int i = 1; i <= 5; i++) {
		snprintf(want, sizeof want, "\nprobe %d/5: OK ", i);
		EXPECT_HAS(&r, want);
	}
	EXPECT_LACKS(&r, "probe 6/");
	EXPECT_HAS(&r, ": 5 probes, 5 ok, 0 failed ---");
	EXPECT_HAS(&r, "min       avg       max    stddev");
	EXPECT_HAS(&r, "\n1 TCP connect                          5 ");
	EXPECT_HAS(&r, "\nfailures by step: none");
	/* the walkthrough is for -v only */
	EXPECT_LACKS(&r, "[1/8]");
	free(r.out);

	run_probe(&r, NULL, "-c", "3", "--interval", "0", "--cafile",
		  pki("ca.pem"), "-t", "5", target(L_EXPIRED), NULL);
	EXPECT_EXIT(&r, 4);
	EXPECT_HAS(&r, "probe 3/3: FAIL step 4 (Certificate verification)");
	EXPECT_HAS(&r, ": 3 probes, 0 ok, 3 failed ---");
	EXPECT_HAS(&r, "failures by step: step 4 (Certificate verification) 3");
	free(r.out);
}
END_TEST

START_TEST(test_repeat_json_summary)
{
	struct run r;
	const char *at = NULL, *line;
	size_t len;
	int n = 0;

	run_probe(&r, NULL, "-c", "3", "--interval", "0", "--format", "json",
		  "--cafile", pki("ca.pem"), "-t", "5", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	ck_assert_msg(count_lines(&r) == 4, "%s", r.out);
	while (next_line(&r, &at, &line, &len)) {
		struct jv v;

		jr_parse(line, len, &v);
		if (++n <= 3) {
			jr_expect_str(&v, "type", "result");
			jr_expect_num(&v, "probe", n);
		} else {
			jr_expect_str(&v, "type", "summary");
			jr_expect_num(&v, "probes", 3);
			jr_expect_num(&v, "failed", 0);
			jr_expect_num(&v, "steps/0/n", 3);
			jr_expect_type(&v, "steps/0/stddev_us", J_NUM);
			jr_expect_num(&v, "round_trip/n", 3);
		}
		jr_free(&v);
	}
	free(r.out);
}
END_TEST

START_TEST(test_repeat_interrupted)
{
	struct run r;
	const char *argv[] = { g_probe, "-c", "1000", "--interval", "0.2",
			       "--cafile", pki("ca.pem"), "-t", "5",
			       target(L_GOOD), NULL };

	/* Ctrl-C ends the series and prints the summary so far: sent once
	 * the first probe has reported, however long that took (under
	 * valgrind on a busy machine, more than the 3 s this once waited) */
	run_argv_signal_after(&r, argv, NULL, RUN_LIMIT_SECONDS, SIGINT,
			      "probe 1/1000: OK ", 0.1);
	EXPECT_EXIT(&r, 128 + SIGINT);
	EXPECT_HAS(&r, "probe 1/1000: OK ");
	EXPECT_HAS(&r, ", interrupted ---");
	EXPECT_HAS(&r, "failures by step: none");
	EXPECT_LACKS(&r, "probe 1000/1000");
	free(r.out);
}
END_TEST

/* ---- secrets ------------------------------------------------------------ */

START_TEST(test_no_password_in_any_format)
{
	static const char *const formats[][3] = {
		{ "json", NULL, NULL },
		{ "jsonl", "--trace", "--hexdump" },
		{ "nagios", NULL, NULL },
		{ "prometheus", NULL, NULL },
	};
	char hex[2 * sizeof GOOD_PASSWORD + 1];
	struct run r;

	for (size_t i = 0; i < sizeof GOOD_PASSWORD - 1; i++)
		snprintf(hex + 2 * i, 3, "%02x",
			 (unsigned char)GOOD_PASSWORD[i]);
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		const char *extra1 = formats[i][1] != NULL ? formats[i][1] :
				     "-t";
		const char *extra2 = formats[i][2] != NULL ? formats[i][2] :
				     "5";

		run_probe(&r, GOOD_PASSWORD, "--format", formats[i][0], extra1,
			  extra2, "--cafile", pki("ca.pem"), "-u", "probeuser",
			  target(L_PASSWORD), NULL);
		EXPECT_EXIT(&r, 0);
		EXPECT_LACKS(&r, GOOD_PASSWORD);
		EXPECT_LACKS(&r, hex);
		free(r.out);
	}
}
END_TEST

/* ---- many targets ---------------------------------------------------- */

START_TEST(test_parallel_order_and_status)
{
	struct run r;
	int silent_port = 0, silent2_port = 0;
	int fd = silent_server(&silent_port), fd2 = silent_server(&silent2_port);
	const char *first, *second;
	/* two time-outs side by side end in about one --timeout, one after
	 * the other in two: a --timeout long beside the time a loaded
	 * machine takes to start and stop probes tells them apart */
	double t = 5.0 * itest_slowdown(), limit = t + 3.5 * itest_slowdown();
	char targ[16];

	snprintf(targ, sizeof targ, "%.0f", t);
	/* the silent targets finish last but are reported first */
	run_probe(&r, NULL, "-q", "--parallel", "3", "--cafile",
		  pki("ca.pem"), "-t", targ,
		  target_port("127.0.0.1", silent_port), target(L_GOOD),
		  target_port("127.0.0.1", silent2_port), NULL);
	close(fd);
	close(fd2);
	EXPECT_EXIT(&r, 3);
	ck_assert_msg(count_lines(&r) == 3, "%s", r.out);
	first = strstr(r.out, "FAIL step 3");
	second = strstr(r.out, "OK 127.0.0.1:");
	ck_assert_msg(first == r.out && second != NULL && second > first,
		      "order lost:\n%s", r.out);
	EXPECT_LAST_LINE_STARTS(&r, "FAIL step 3");
	ck_assert_msg(r.seconds < limit, "took %.1f s (limit %.1f s)",
		      r.seconds, limit);
	free(r.out);
}
END_TEST

START_TEST(test_parallel_good_and_failing_json)
{
	struct run r;
	const char *at = NULL, *line;
	size_t len;
	int n = 0;

	run_probe(&r, NULL, "--format", "json", "--parallel", "2",
		  "--cafile", pki("ca.pem"), "-t", "5", target(L_EXPIRED),
		  target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 4);
	while (next_line(&r, &at, &line, &len)) {
		struct jv v;

		jr_parse(line, len, &v);
		jr_expect_str(&v, "target", ++n == 1 ? target(L_EXPIRED) :
			      target(L_GOOD));
		jr_expect_num(&v, "exit_status", n == 1 ? 4 : 0);
		jr_free(&v);
	}
	ck_assert_int_eq(n, 2);
	free(r.out);
}
END_TEST

static void
write_targets(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_targets_file)
{
	struct run r;
	char path[4200], text[512];

	snprintf(path, sizeof path, "%s/targets.txt", g_dir);
	snprintf(text, sizeof text, "# brokers to watch\n\n  %s  # the good "
		 "one\n%s\n\t\n", target(L_GOOD), target(L_EXPIRED));
	write_targets(path, text);
	run_probe(&r, NULL, "-q", "--cafile", pki("ca.pem"), "-t", "5",
		  "--targets", path, NULL);
	EXPECT_EXIT(&r, 4);
	ck_assert_msg(count_lines(&r) == 2 && strncmp(r.out, "OK ", 3) == 0,
		      "%s", r.out);
	EXPECT_LAST_LINE_STARTS(&r, "FAIL step 4");
	free(r.out);

	/* a bad line is a usage error that names the file and line */
	write_targets(path, "# one good, one bad\nlocalhost:8883\nhost:0\n");
	run_probe(&r, NULL, "--targets", path, NULL);
	EXPECT_EXIT(&r, 64);
	EXPECT_HAS(&r, "targets.txt:3");
	free(r.out);

	snprintf(path, sizeof path, "%s/no-such-targets.txt", g_dir);
	run_probe(&r, NULL, "--targets", path, NULL);
	EXPECT_EXIT(&r, 66);
	EXPECT_HAS(&r, "no-such-targets.txt");
	free(r.out);
}
END_TEST

/* ---- memory and descriptors stay flat --------------------------------- */

static long
proc_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int
proc_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

struct sample {
	long rss_kb;
	int fds;
};

/*
 * Run the probe for `probes` probes of the good listener, one JSON line
 * each, and look at it from outside after lines a and b.
 */
static int
sample_series(int probes, int a, int b, struct sample *sa, struct sample *sb)
{
	char count[16];
	int fds[2], lines = 0, status = -1;
	pid_t pid;
	FILE *in;
	char *line = NULL;
	size_t cap = 0;

	snprintf(count, sizeof count, "%d", probes);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		close(fds[0]);
		/* Check's alarm must not outlive the test in the child */
		alarm(120);
		execl(g_probe, g_probe, "-c", count, "--interval", "0",
		      "--format", "json", "--cafile", pki("ca.pem"), "-t", "5",
		      target(L_GOOD), (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	ck_assert_ptr_nonnull(in);
	while (getline(&line, &cap, in) != -1) {
		lines++;
		ck_assert_msg(lines > probes || strstr(line, "\"verdict\":\"ok\"")
			      != NULL, "probe %d failed: %s", lines, line);
		if (lines == a || lines == b) {
			struct sample *s = lines == a ? sa : sb;

			s->rss_kb = proc_rss_kb(pid);
			s->fds = proc_fds(pid);
		}
	}
	free(line);
	fclose(in);
	waitpid(pid, &status, 0);
	ck_assert_int_eq(lines, probes + 1);	/* then the summary */
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_memory_and_fds_flat)
{
	struct sample early = { -1, -1 }, late = { -1, -1 };

	if (getenv("MQTTS_PROBE_WRAPPER") != NULL &&
	    *getenv("MQTTS_PROBE_WRAPPER") != '\0') {
		/* the checker the wrapper runs looks for leaks itself */
		printf("note: memory flatness not measured under a wrapper\n");
		return;
	}
	ck_assert_int_eq(sample_series(400, 60, 380, &early, &late), 0);
	ck_assert_msg(early.fds > 0 && late.fds > 0, "no /proc/PID/fd");
	/* one socket may be open at either look, never one per probe */
	ck_assert_msg(late.fds <= early.fds + 1, "descriptors grew from %d "
		      "to %d over 320 probes", early.fds, late.fds);
	if (SANITIZED[0] != '\0') {
		/* ASan's quarantine keeps freed memory: RSS says nothing */
		printf("note: RSS not compared in a sanitizer build\n");
		return;
	}
	ck_assert_msg(early.rss_kb > 0 && late.rss_kb > 0, "no VmRSS");
	/* a leaked report is tens of kB: 320 of them would show */
	ck_assert_msg(late.rss_kb - early.rss_kb < 1536, "RSS grew from %ld "
		      "to %ld kB over 320 probes", early.rss_kb, late.rss_kb);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_json_success);
	tcase_add_test(tc, test_json_expired);
	tcase_add_test(tc, test_json_refused);
	tcase_add_test(tc, test_json_insecure);
	tcase_add_test(tc, test_jsonl_steps_then_result);
	tcase_add_test(tc, test_nagios_states);
	tcase_add_test(tc, test_quiet_every_mode);
	tcase_add_test(tc, test_threshold_exit_status);
	tcase_add_test(tc, test_quiet_thresholds_one_line);
	tcase_add_test(tc, test_nagios_failure_and_usage);
	tcase_add_test(tc, test_prometheus_promtool);
	tcase_add_test(tc, test_prometheus_textfile_recipe_failing);
	tcase_add_test(tc, test_json_schema_real_outputs);
	tcase_add_test(tc, test_repeat_statistics);
	tcase_add_test(tc, test_repeat_json_summary);
	tcase_add_test(tc, test_repeat_interrupted);
	tcase_add_test(tc, test_no_password_in_any_format);
	tcase_add_test(tc, test_parallel_order_and_status);
	tcase_add_test(tc, test_parallel_good_and_failing_json);
	tcase_add_test(tc, test_targets_file);
	tcase_add_test(tc, test_memory_and_fds_flat);
}

int
main(void)
{
	return itest_main("monitor", add_tests);
}
