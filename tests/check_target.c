/*
 * check_target.c: target_parse on every accepted form and every kind
 * of rejected one.
 */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "target.h"

struct good {
	const char *in;
	const char *host;
	unsigned port;
	const char *user;
	bool is_ip;
	bool is_ipv6;
};

static const struct good goods[] = {
	{ "broker.example.com", "broker.example.com", 8883, "", false, false },
	{ "broker.example.com:8884", "broker.example.com", 8884, "", false,
	    false },
	{ "localhost:1", "localhost", 1, "", false, false },
	{ "localhost:65535", "localhost", 65535, "", false, false },
	{ "localhost:08883", "localhost", 8883, "", false, false },
	{ "192.0.2.1", "192.0.2.1", 8883, "", true, false },
	{ "192.0.2.1:443", "192.0.2.1", 443, "", true, false },
	/* Not a dotted quad, so a name as far as syntax goes. */
	{ "192.0.2", "192.0.2", 8883, "", false, false },
	{ "[::1]", "::1", 8883, "", true, true },
	{ "[::1]:8884", "::1", 8884, "", true, true },
	{ "[2001:db8::1]:1883", "2001:db8::1", 1883, "", true, true },
	{ "[::ffff:192.0.2.1]", "::ffff:192.0.2.1", 8883, "", true, true },
	{ "::1", "::1", 8883, "", true, true },
	{ "2001:db8::2", "2001:db8::2", 8883, "", true, true },
	/* A bare literal never carries a port: this is all address. */
	{ "::1:8883", "::1:8883", 8883, "", true, true },
	{ "mqtts://broker.example.com", "broker.example.com", 8883, "", false,
	    false },
	{ "mqtts://broker.example.com/", "broker.example.com", 8883, "", false,
	    false },
	{ "mqtts://broker.example.com:8884", "broker.example.com", 8884, "",
	    false, false },
	{ "mqtts://broker.example.com:8884/", "broker.example.com", 8884, "",
	    false, false },
	{ "MQTTS://Broker.Example.COM", "Broker.Example.COM", 8883, "", false,
	    false },
	{ "MqTtS://h:1", "h", 1, "", false, false },
	{ "mqtts://alice@broker", "broker", 8883, "alice", false, false },
	{ "mqtts://alice@broker:8884/", "broker", 8884, "alice", false,
	    false },
	{ "mqtts://[::1]", "::1", 8883, "", true, true },
	{ "mqtts://[::1]:8884/", "::1", 8884, "", true, true },
	{ "mqtts://bob@[2001:db8::1]:8884", "2001:db8::1", 8884, "bob", true,
	    true },
	{ "mqtts://bob@192.0.2.7:9000", "192.0.2.7", 9000, "bob", true,
	    false },
	/* Percent-decoding of the user part. */
	{ "mqtts://a%40b.example@broker", "broker", 8883, "a@b.example", false,
	    false },
	{ "mqtts://user%3aname@broker", "broker", 8883, "user:name", false,
	    false },
	{ "mqtts://%41%62c@broker", "broker", 8883, "Abc", false, false },
	/* The host starts after the last '@'. */
	{ "mqtts://me@example.com@broker", "broker", 8883, "me@example.com",
	    false, false },
};

struct bad {
	const char *in;
	const char *msg;	/* expected substring of the message */
};

static const struct bad bads[] = {
	{ "", "empty" },
	{ "host:", "port" },
	{ ":8883", "no host" },
	{ "host:0", "port must be a number from 1 to 65535" },
	{ "host:65536", "port must be a number from 1 to 65535" },
	{ "host:99999999999999999999", "port must be" },
	{ "host:http", "port must be" },
	{ "host:+8883", "port must be" },
	{ "host:-1", "port must be" },
	{ "host: 8883", "port must be" },
	{ "host:8883 ", "port must be" },
	{ "host:88x3", "port must be" },
	{ "[::1]:0", "port must be" },
	{ "[::1]:", "port" },
	{ "[::1]:65536", "port must be" },
	{ "[::1", "missing ']'" },
	{ "[::1]x", "after ']'" },
	{ "[::1]8883", "after ']'" },
	{ "[]", "empty IPv6" },
	{ "[broker.example.com]", "IPv6" },
	{ "[192.0.2.1]", "IPv6" },
	{ "[::g]", "IPv6" },
	{ "a:b:c", "IPv6" },
	{ "host name", "space" },
	{ "host\tname", "space" },
	{ "host/path", "'/'" },
	{ "user@host", "'@'" },
	{ "ho]st", "']'" },
	{ "mqtts://", "no host" },
	{ "mqtts://user@", "no host" },
	{ "mqtts://@broker", "empty user" },
	{ "mqtts://user:secret@broker", "visible in ps" },
	{ "mqtts://user:@broker", "visible in ps" },
	{ "mqtts://a%4@broker", "%-escape" },
	{ "mqtts://a%zz@broker", "%-escape" },
	{ "mqtts://a%00b@broker", "%00" },
	{ "mqtts://a b@broker", "space" },
	{ "mqtts://broker:8883/topic", "path" },
	{ "mqtts://broker//", "path" },
	{ "mqtts://broker?x=1", "query" },
	{ "mqtts://broker#frag", "query" },
	{ "mqtts://broker:0", "port must be" },
	{ "mqtts://broker:", "port" },
	{ "mqtts://::1", "brackets" },
	{ "mqtts://[::1", "missing ']'" },
	{ "mqtts://[::1]x", "after ']'" },
	{ "mqtt://broker/mqtt", "path" },
	{ "wss://broker/a b", "space" },
	{ "ws://broker/mqtt#x", "fragment" },
	{ "ws://broker?x/mqtt", "before its path" },
	{ "wss://", "no host" },
	{ "https://broker", "scheme" },
	{ "ssl://broker:8883", "scheme" },
	{ "://broker", "scheme" },
};

/* Schemes: their default ports, paths and whether TLS is in the stack. */
static const struct {
	const char *in;
	enum target_scheme scheme;
	unsigned port;
	const char *path;
	bool tls, ws;
} schemes[] = {
	{ "broker", TARGET_MQTTS, 8883, "", true, false },
	{ "mqtts://broker", TARGET_MQTTS, 8883, "", true, false },
	{ "mqtt://broker", TARGET_MQTT, 1883, "", false, false },
	{ "MQTT://broker:1884/", TARGET_MQTT, 1884, "", false, false },
	{ "wss://broker", TARGET_WSS, 443, "/mqtt", true, true },
	{ "wss://broker/", TARGET_WSS, 443, "/", true, true },
	{ "wss://u@broker:8084/ws?x=1&y=%20", TARGET_WSS, 8084,
	    "/ws?x=1&y=%20", true, true },
	{ "ws://[::1]:8080", TARGET_WS, 8080, "/mqtt", false, true },
	{ "WS://broker/mqtt", TARGET_WS, 80, "/mqtt", false, true },
};

START_TEST(test_schemes)
{
	struct target t;
	const char *err = NULL;

	ck_assert_msg(target_parse(schemes[_i].in, &t, &err) == 0,
	    "'%s' rejected: %s", schemes[_i].in, err);
	ck_assert_int_eq(t.scheme, schemes[_i].scheme);
	ck_assert_uint_eq(t.port, schemes[_i].port);
	ck_assert_str_eq(t.path, schemes[_i].path);
	ck_assert(target_has_tls(&t) == schemes[_i].tls);
	ck_assert(target_is_ws(&t) == schemes[_i].ws);
	if (strstr(schemes[_i].in, "://") != NULL)
		ck_assert_int_eq(strncasecmp(target_scheme_name(t.scheme),
		    schemes[_i].in, strlen(target_scheme_name(t.scheme))), 0);
}
END_TEST

START_TEST(test_good)
{
	const struct good *g = &goods[_i];
	struct target t;
	const char *err = NULL;

	ck_assert_msg(target_parse(g->in, &t, &err) == 0,
	    "'%s' rejected: %s", g->in, err != NULL ? err : "(null)");
	ck_assert_str_eq(t.host, g->host);
	ck_assert_uint_eq(t.port, g->port);
	ck_assert_str_eq(t.user, g->user);
	ck_assert_msg(t.is_ip == g->is_ip, "'%s': is_ip", g->in);
	ck_assert_msg(t.is_ipv6 == g->is_ipv6, "'%s': is_ipv6", g->in);
}
END_TEST

START_TEST(test_bad)
{
	const struct bad *b = &bads[_i];
	struct target t;
	const char *err = NULL;

	ck_assert_msg(target_parse(b->in, &t, &err) == -1,
	    "'%s' accepted", b->in);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, b->msg) != NULL,
	    "'%s': message '%s' lacks '%s'", b->in, err, b->msg);
}
END_TEST

/* Lengths are checked against the buffers, one byte either side. */
START_TEST(test_lengths)
{
	char in[1024], exp[300];
	struct target t;
	const char *err = NULL;

	memset(in, 'a', 255);
	in[255] = '\0';
	ck_assert_int_eq(target_parse(in, &t, &err), 0);
	ck_assert_uint_eq(strlen(t.host), 255);

	memset(in, 'a', 256);
	strcpy(in + 256, ":8883");
	ck_assert_int_eq(target_parse(in, &t, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than 255"));

	strcpy(in, "mqtts://");
	memset(in + 8, 'u', 255);
	strcpy(in + 8 + 255, "@broker");
	ck_assert_int_eq(target_parse(in, &t, &err), 0);
	memset(exp, 'u', 255);
	exp[255] = '\0';
	ck_assert_str_eq(t.user, exp);

	strcpy(in, "mqtts://");
	memset(in + 8, 'u', 256);
	strcpy(in + 8 + 256, "@broker");
	ck_assert_int_eq(target_parse(in, &t, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "user name is longer"));

	/* Three bytes of escape decode to one: 255 decoded bytes fit. */
	strcpy(in, "mqtts://");
	for (int i = 0; i < 255; i++)
		memcpy(in + 8 + 3 * i, "%41", 3);
	strcpy(in + 8 + 3 * 255, "@b");
	ck_assert_int_eq(target_parse(in, &t, &err), 0);
	ck_assert_uint_eq(strlen(t.user), 255);
}
END_TEST

START_TEST(test_null)
{
	struct target t;
	const char *err = NULL;

	ck_assert_int_eq(target_parse(NULL, &t, &err), -1);
	ck_assert_ptr_nonnull(err);
}
END_TEST

/* A failed parse must not leave the previous target's fields behind. */
START_TEST(test_reset)
{
	struct target t;
	const char *err = NULL;

	ck_assert_int_eq(target_parse("mqtts://u@[::1]:1", &t, &err), 0);
	ck_assert_int_eq(target_parse("broker", &t, &err), 0);
	ck_assert_str_eq(t.user, "");
	ck_assert(!t.is_ip && !t.is_ipv6);
	ck_assert_uint_eq(t.port, TARGET_DEFAULT_PORT);
}
END_TEST

static Suite *
target_suite(void)
{
	Suite *s = suite_create("target");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_good, 0,
	    (int)(sizeof(goods) / sizeof(goods[0])));
	tcase_add_loop_test(tc, test_bad, 0,
	    (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_loop_test(tc, test_schemes, 0,
	    (int)(sizeof(schemes) / sizeof(schemes[0])));
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_reset);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(target_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
