/*
 * check_serve_config.c -- the exporter's pure parts: the module file
 * parser and its mapping onto options_parse, the --serve address, the
 * scrape timeout cap, --allow-target matching, the log line format, the
 * exporter options on the command line, and the metrics renderer.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <check.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "options.h"
#include "serve_config.h"
#include "serve_int.h"
#include "serve_listen.h"
#include "serve_log.h"
#include "serve_metrics.h"

static int
parse(const char *text, struct serve_config_text *c, char *err, size_t len)
{
	return serve_config_parse(text, strlen(text), "m.conf", c, err, len);
}

START_TEST(test_config_sections_and_entries)
{
	struct serve_config_text c;
	char err[512];

	ck_assert_int_eq(parse("# comment\n\n[first]\n  cafile = /a b.pem  \n"
			       "insecure\n; other comment\n[sec-2.x]\r\n"
			       "topic=a/b#c\r\nqos = 2\n", &c, err,
			       sizeof err), 0);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(c.m[0].name, "first");
	ck_assert_uint_eq(c.m[0].n, 2);
	ck_assert_str_eq(c.m[0].e[0].key, "cafile");
	ck_assert_str_eq(c.m[0].e[0].value, "/a b.pem");
	ck_assert_uint_eq(c.m[0].e[0].line, 4);
	ck_assert_str_eq(c.m[0].e[1].key, "insecure");
	ck_assert_ptr_null(c.m[0].e[1].value);
	ck_assert_str_eq(c.m[1].name, "sec-2.x");
	/* '#' inside a value is part of it */
	ck_assert_str_eq(c.m[1].e[0].value, "a/b#c");
	serve_config_text_free(&c);
}
END_TEST

START_TEST(test_config_errors_name_the_line)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "cafile = x\n", "m.conf:1: an option before the first" },
		{ "[a]\n[a]\n", "m.conf:2: module [a] again (first on line 1)" },
		{ "[a b]\n", "m.conf:1: a module name is" },
		{ "[a\n", "m.conf:1: a module header is [NAME]" },
		{ "[]\n", "m.conf:1: a module name" },
		{ "[a]\n = x\n", "m.conf:2: no option name" },
		{ "# nothing\n", "m.conf: no [module]" },
		{ "", "m.conf: no [module]" },
	};
	struct serve_config_text c;
	char err[512];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(parse(bad[i].text, &c, err, sizeof err), -1);
		ck_assert_msg(strstr(err, bad[i].why) != NULL,
			      "%zu: '%s' lacks '%s'", i, err, bad[i].why);
		ck_assert_uint_eq(c.n, 0);
	}
	ck_assert_int_eq(serve_config_parse("[a]\0x\n", 6, "m.conf", &c, err,
					    sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
}
END_TEST

START_TEST(test_config_limits)
{
	struct serve_config_text c;
	char err[512], *text;
	size_t len = 0;
	FILE *m;

	/* one module too many */
	m = open_memstream(&text, &len);
	for (int i = 0; i <= SERVE_MODULES_MAX; i++)
		fprintf(m, "[m%d]\n", i);
	fclose(m);
	ck_assert_int_eq(parse(text, &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 64 modules"));
	free(text);

	/* one option too many */
	m = open_memstream(&text, &len);
	fputs("[m]\n", m);
	for (int i = 0; i <= SERVE_MODULE_OPTIONS_MAX; i++)
		fputs("qos = 1\n", m);
	fclose(m);
	ck_assert_int_eq(parse(text, &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 32 options"));
	free(text);

	/* a line too long */
	text = malloc(SERVE_CONFIG_LINE_MAX + 16);
	ck_assert_ptr_nonnull(text);
	memcpy(text, "[m]\ntopic = ", 12);
	memset(text + 12, 'a', SERVE_CONFIG_LINE_MAX);
	text[12 + SERVE_CONFIG_LINE_MAX] = '\0';
	ck_assert_int_eq(parse(text, &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "m.conf:2: longer than"));
	free(text);

	/* the file too large */
	ck_assert_int_eq(serve_config_parse("[m]\n", SERVE_CONFIG_BYTES_MAX + 1,
					    "m.conf", &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "larger than"));
}
END_TEST

/* The options of module i of text, through options_parse. */
static int
module_options(const char *text, struct serve_module_opts *mo, char *err,
	       size_t len)
{
	struct serve_config_text c;
	int rc;

	ck_assert_int_eq(parse(text, &c, err, len), 0);
	rc = serve_config_options(&c.m[0], "m.conf", mo, err, len);
	serve_config_text_free(&c);
	return rc;
}

START_TEST(test_config_options_as_command_line)
{
	struct serve_module_opts mo;
	char err[512];

	ck_assert_int_eq(module_options("[m]\ncafile = /etc/ca.pem\n"
					"mqtt-version = 5\nqos = 2\n"
					"timeout = 2.5\ninsecure = true\n"
					"tls-version = 1.3\nalpn = mqtt,x\n"
					"username = -u-\nsteps = 7\n"
					"topic = --odd/topic\n", &mo, err,
					sizeof err), 0);
	ck_assert_str_eq(mo.o.cafile, "/etc/ca.pem");
	ck_assert_int_eq(mo.o.mqtt_version, 5);
	ck_assert_uint_eq(mo.o.qos, 2);
	ck_assert_uint_eq(mo.o.timeout_us, 2500000);
	ck_assert(mo.o.insecure);
	ck_assert_int_eq(mo.o.tls_version, TLSV_13);
	ck_assert_str_eq(mo.o.alpn, "mqtt,x");
	/* values that look like options stay values */
	ck_assert_str_eq(mo.o.username, "-u-");
	ck_assert_str_eq(mo.o.topic, "--odd/topic");
	ck_assert_uint_eq(mo.o.steps, 7);
	/* a scrape has no time for follow-up experiments */
	ck_assert(mo.o.no_diagnose);
	serve_module_opts_free(&mo);

	/* a false flag is no flag */
	ck_assert_int_eq(module_options("[m]\ninsecure = false\n", &mo, err,
					sizeof err), 0);
	ck_assert(!mo.o.insecure);
	serve_module_opts_free(&mo);
}
END_TEST

START_TEST(test_config_options_refused)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "[m]\npassword = x\n", "m.conf:2: [m] a password is never "
		  "written in the module file: use password-file" },
		{ "[m]\nformat = json\n", "--format is not a probe setting" },
		{ "[m]\nkeylog = /tmp/k\n", "--keylog is not a probe setting" },
		{ "[m]\nserve = 1\n", "--serve is not a probe setting" },
		{ "[m]\nnosuch = 1\n", "'nosuch' is not an option" },
		{ "[m]\ninsecure = maybe\n", "insecure is a flag" },
		{ "[m]\ncafile\n", "cafile needs a value" },
		{ "[m]\nqos = 3\n", "m.conf:1: [m] --qos" },
		{ "[m]\nkey = k.pem\n", "--key needs --cert" },
		{ "[m]\ntimeout = 0\n", "--timeout" },
	};
	struct serve_module_opts mo;
	char err[512];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(module_options(bad[i].text, &mo, err,
						sizeof err), -1);
		ck_assert_msg(strstr(err, bad[i].why) != NULL,
			      "%zu: '%s' lacks '%s'", i, err, bad[i].why);
	}
}
END_TEST

/* Every key a module may hold is an option of the command line. */
START_TEST(test_config_keys_are_options)
{
	const char *const *k = serve_config_keys();
	size_t n = 0;

	for (; *k != NULL; k++, n++) {
		const struct option *o = options_table();
		int found = 0;

		for (; o->name != NULL; o++)
			found |= strcmp(o->name, *k) == 0;
		ck_assert_msg(found, "module key '%s' is no option", *k);
	}
	ck_assert_uint_ge(n, 24);
}
END_TEST

START_TEST(test_listen_parse)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	char err[256];

	ck_assert_int_eq(serve_listen_parse("9883", &ss, err, sizeof err), 0);
	ck_assert_int_eq(v4->sin_family, AF_INET);
	ck_assert_uint_eq(ntohl(v4->sin_addr.s_addr), INADDR_LOOPBACK);
	ck_assert_uint_eq(ntohs(v4->sin_port), 9883);
	ck_assert_int_eq(serve_listen_parse("0.0.0.0:0", &ss, err,
					    sizeof err), 0);
	ck_assert_uint_eq(v4->sin_addr.s_addr, 0);
	ck_assert_int_eq(serve_listen_parse("[::1]:80", &ss, err, sizeof err),
			 0);
	ck_assert_int_eq(v6->sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(v6->sin6_port), 80);
	ck_assert_int_eq(serve_listen_parse("localhost:80", &ss, err,
					    sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not an IPv4 or [IPv6] address"));
	ck_assert_int_eq(serve_listen_parse("65536", &ss, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "--serve"));
	ck_assert_int_eq(serve_listen_parse("1.2.3.4:", &ss, err, sizeof err),
			 -1);
	ck_assert_int_eq(serve_listen_parse("", &ss, err, sizeof err), -1);
	ck_assert_int_eq(serve_listen_parse("-1", &ss, err, sizeof err), -1);
}
END_TEST

START_TEST(test_timeout_cap)
{
	const uint64_t ten = 10000000;

	ck_assert_uint_eq(serve_timeout_us(ten, NULL), ten);
	ck_assert_uint_eq(serve_timeout_us(ten, "5"), 4500000);
	ck_assert_uint_eq(serve_timeout_us(ten, "60"), ten);
	ck_assert_uint_eq(serve_timeout_us(ten, "2.5"), 2000000);
	/* short scrapes keep half */
	ck_assert_uint_eq(serve_timeout_us(ten, "0.8"), 400000);
	/* garbage is ignored */
	ck_assert_uint_eq(serve_timeout_us(ten, "abc"), ten);
	ck_assert_uint_eq(serve_timeout_us(ten, "-3"), ten);
	ck_assert_uint_eq(serve_timeout_us(ten, "5s"), ten);
	ck_assert_uint_eq(serve_timeout_us(ten, "nan"), ten);
	ck_assert_uint_eq(serve_timeout_us(ten, "0.000001"), 1000);
}
END_TEST

START_TEST(test_allow_patterns)
{
	const char *pats[] = { "*.example.net", "10.1.2.*:8883",
			       "[::1]:*" };
	struct serve_settings s = { .allow = pats, .nallow = 3 };
	struct serve_settings open_s = { .nallow = 0 };
	struct target t;
	const char *why;

	ck_assert_int_eq(target_parse("broker.EXAMPLE.net:1883", &t, &why), 0);
	ck_assert(serve_allow(&s, &t));
	ck_assert(serve_allow(&open_s, &t));
	ck_assert_int_eq(target_parse("example.net", &t, &why), 0);
	ck_assert(!serve_allow(&s, &t));
	ck_assert_int_eq(target_parse("10.1.2.3:8883", &t, &why), 0);
	ck_assert(serve_allow(&s, &t));
	ck_assert_int_eq(target_parse("10.1.2.3:1883", &t, &why), 0);
	ck_assert(!serve_allow(&s, &t));
	ck_assert_int_eq(target_parse("[::1]:1", &t, &why), 0);
	ck_assert(serve_allow(&s, &t));
	ck_assert_int_eq(target_parse("mqtts://user@evil.example.org/", &t,
				      &why), 0);
	ck_assert(!serve_allow(&s, &t));
}
END_TEST

START_TEST(test_log_line)
{
	struct serve_log_line l;

	unsetenv("JOURNAL_STREAM");
	serve_log_begin(&l, SERVE_LOG_INFO, "probe");
	serve_log_str(&l, "plain", "a.b:1");
	serve_log_str(&l, "quoted", "x y\"z\\\n\x01");
	serve_log_str(&l, "empty", "");
	serve_log_num(&l, "n", 0.25);
	l.buf[l.len] = '\0';
	ck_assert_msg(strncmp(l.buf, "ts=", 3) == 0, "%s", l.buf);
	ck_assert_ptr_nonnull(strstr(l.buf, " level=info msg=probe plain=a.b:1 "
				     "quoted=\"x y\\\"z\\\\\\x0a\\x01\" "
				     "empty=\"\" n=0.25"));

	/* under systemd: the priority for the journal, no time */
	setenv("JOURNAL_STREAM", "8:1234", 1);
	serve_log_begin(&l, SERVE_LOG_ERR, "x");
	l.buf[l.len] = '\0';
	ck_assert_str_eq(l.buf, "<3>level=error msg=x");
	unsetenv("JOURNAL_STREAM");

	/* a huge value is cut, the line stays one line */
	{
		char big[SERVE_LOG_LINE_MAX * 2];

		memset(big, 'v', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		serve_log_begin(&l, SERVE_LOG_INFO, "big");
		serve_log_str(&l, "v", big);
		ck_assert_uint_le(l.len, SERVE_LOG_LINE_MAX - 1);
		ck_assert_ptr_null(memchr(l.buf, '\n', l.len));
	}
}
END_TEST

/* options_parse over writable copies of the words (it reorders argv). */
static int
parse_words(struct options *o, char *msg, size_t len, const char *const *w)
{
	static char buf[16][64];
	static char *argv[17];
	int n = 0;

	for (; w[n] != NULL; n++) {
		snprintf(buf[n], sizeof buf[n], "%s", w[n]);
		argv[n] = buf[n];
	}
	argv[n] = NULL;
	return options_parse(n, argv, o, msg, len);
}

#define PARSE(o, m, ...) parse_words((o), (m), sizeof(m),		\
	(const char *const[]){ "mqtts-probe", __VA_ARGS__, NULL })

START_TEST(test_serve_options)
{
	struct options o;
	char msg[512];

	ck_assert_int_eq(PARSE(&o, msg, "--serve", "127.0.0.1:9883",
			       "--config", "f", "--max-concurrent", "5",
			       "--allow-target", "a*", "--allow-target", "b*"),
			 0);
	ck_assert_str_eq(o.serve, "127.0.0.1:9883");
	ck_assert_str_eq(o.serve_config, "f");
	ck_assert_uint_eq(o.max_concurrent, 5);
	ck_assert_uint_eq(o.nallow_target, 2);
	ck_assert_str_eq(o.allow_target[1], "b*");
	ck_assert_int_eq(PARSE(&o, msg, "--serve", "9883", "--cafile", "x"),
			 EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "--cafile cannot be used with "
				     "--serve"));
	ck_assert_int_eq(PARSE(&o, msg, "--max-concurrent", "5", "host"),
			 EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "--max-concurrent only applies with "
				     "--serve"));
	ck_assert_int_eq(PARSE(&o, msg, "--serve", "9883", "--max-concurrent",
			       "0"), EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "--max-concurrent"));
	ck_assert_int_eq(PARSE(&o, msg, "--serve", "9883", "--targets", "f"),
			 EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "--serve takes no TARGET"));
	ck_assert_int_eq(PARSE(&o, msg, "--serve", "host:1"), EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "--serve"));
}
END_TEST

START_TEST(test_metrics_render)
{
	struct serve_metrics m;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	serve_metrics_init(&m);
	ck_assert(serve_metrics_enter(&m, 1));
	ck_assert(!serve_metrics_enter(&m, 1));
	serve_metrics_leave(&m, "a", true, 0.003);
	ck_assert(serve_metrics_enter(&m, 1));
	serve_metrics_leave(&m, "a", false, 7);
	/* the module table is bounded */
	for (int i = 0; i < SERVE_METRICS_MODULES + 10; i++) {
		char name[16];

		snprintf(name, sizeof name, "m%d", i);
		ck_assert(serve_metrics_enter(&m, 1));
		serve_metrics_leave(&m, name, true, 0.1);
	}
	serve_metrics_reload(&m, true, 3);
	out = open_memstream(&buf, &len);
	serve_metrics_render(&m, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(buf, "probes_total{module=\"a\","
				     "result=\"success\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "probes_total{module=\"a\","
				     "result=\"failure\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "module=\"_other\",result="
				     "\"success\"} 12\n"));
	ck_assert_ptr_nonnull(strstr(buf, "duration_seconds_bucket{le="
				     "\"0.005\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "duration_seconds_bucket{le="
				     "\"5\"} 267\n"));
	ck_assert_ptr_nonnull(strstr(buf, "duration_seconds_bucket{le="
				     "\"+Inf\"} 268\n"));
	ck_assert_ptr_nonnull(strstr(buf, "refused_total{reason=\"busy\"} "
				     "1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "mqtts_probe_exporter_modules 3\n"));
	free(buf);
	serve_metrics_destroy(&m);
}
END_TEST

static Suite *
serve_config_suite(void)
{
	Suite *s = suite_create("serve_config");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_config_sections_and_entries);
	tcase_add_test(tc, test_config_errors_name_the_line);
	tcase_add_test(tc, test_config_limits);
	tcase_add_test(tc, test_config_options_as_command_line);
	tcase_add_test(tc, test_config_options_refused);
	tcase_add_test(tc, test_config_keys_are_options);
	tcase_add_test(tc, test_listen_parse);
	tcase_add_test(tc, test_timeout_cap);
	tcase_add_test(tc, test_allow_patterns);
	tcase_add_test(tc, test_log_line);
	tcase_add_test(tc, test_serve_options);
	tcase_add_test(tc, test_metrics_render);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(serve_config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
