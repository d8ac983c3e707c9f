/*
 * options_int.h: what the options_*.c files share and nothing else
 * includes: the limits, the values of options without a short letter,
 * the table, and the message and value helpers.
 */
#ifndef OPTIONS_INT_H
#define OPTIONS_INT_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"

#define US_PER_S 1000000ULL
#define TIMEOUT_MIN_US 1000ULL			/* 0.001 s */
#define TIMEOUT_MAX_US (3600ULL * US_PER_S)
#define TIMEOUT_DEFAULT_US (10ULL * US_PER_S)
#define KEEPALIVE_DEFAULT 60
#define COUNT_MAX 1000000
#define INTERVAL_MAX_US (86400ULL * US_PER_S)
#define INTERVAL_DEFAULT_US US_PER_S
#define PARALLEL_MAX 256
#define PARALLEL_DEFAULT 4
#define DAYS_MAX 36500				/* a hundred years */
#define RTT_MIN_US 1ULL				/* 0.001 ms */
#define RTT_MAX_US (3600ULL * US_PER_S)		/* 3600000 ms */
#define MQTT_STRING_MAX 65535	/* a two-byte length prefix on the wire */
#define DEFAULT_TOPIC_PREFIX_LEN 12	/* "mqtts-probe/" (run.c) */
#define ALPN_NAME_MAX 255	/* a one-byte length prefix on the wire */
#define VERBOSE_MAX 16		/* more -v changes nothing; avoid overflow */
#define SHOWN_VALUE_MAX 48	/* longer values are cut in messages */

/* Values for options that have no short letter. */
enum {
	OPT_ALPN = 256,
	OPT_ALLOW_TARGET,
	OPT_CONFIG,
	OPT_MAX_CONCURRENT,
	OPT_SERVE,
	OPT_CAFILE,
	OPT_CAPABILITIES,
	OPT_CAPATH,
	OPT_CERT,
	OPT_CLIENTS,
	OPT_COLOR,
	OPT_CONNECT_TO,
	OPT_CRIT_DAYS,
	OPT_CRLFILE,
	OPT_CRIT_MS,
	OPT_EXPLAIN,
	OPT_FORMAT,
	OPT_HEXDUMP,
	OPT_INTERVAL,
	OPT_KEEPALIVE,
	OPT_KEY,
	OPT_KEY_PASSWORD_FILE,
	OPT_KEYLOG,
	OPT_NO_DIAGNOSE,
	OPT_PARALLEL,
	OPT_PASSWORD_FILE,
	OPT_PAUSE,
	OPT_PRIORITY,
	OPT_PROXY,
	OPT_PROXY_PASSWORD_FILE,
	OPT_PSK_FILE,
	OPT_PSK_IDENTITY,
	OPT_QOS,
	OPT_REPORT,
	OPT_REQUIRE,
	OPT_SNI_HOSTNAME,
	OPT_STEPS,
	OPT_TARGETS,
	OPT_TLS_VERSION,
	OPT_TOPIC,
	OPT_TRACE,
	OPT_VERIFY_HOSTNAME,
	OPT_VERSION,
	OPT_WARN_DAYS,
	OPT_WARN_MS,
	OPT_WS_ORIGIN,
	OPT_WS_SUBPROTOCOL,
};

/* options_transport.c: -H, --ws-origin, --ws-subprotocol, --proxy; -1
 * if c is not one of them. */
int options_transport_apply(struct options *o, int c, const char *v,
    char *msg, size_t msglen);

/* The getopt tables (options_help.c). */
extern const char options_short_opts[];
extern const struct option options_long_opts[];

/* options_help.c: words for messages. */
const char *options_long_name(int val);	/* NULL if unknown */
const char *options_value_hint(int val);

/* options_msg.c: every message names the option; all return EXIT_USAGE. */
void options_shown(const char *v, char *buf, size_t len);
int options_fail(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int options_bad_value(char *msg, size_t msglen, int val,
    const char *value, const char *what);

/* options_values.c: parsers return 0 or -1, checks 0 or EXIT_USAGE. */
int options_values_number(const char *s, unsigned long long min,
    unsigned long long max, unsigned long long *out);
int options_values_fixed(const char *s, int places, uint64_t min,
    uint64_t max, uint64_t *out);
int options_values_millis(const char *s, uint64_t min_us, uint64_t max_us,
    uint64_t *out_us);
void options_values_show_millis(uint64_t us, char *buf, size_t len);
bool options_values_utf8(const char *s);
int options_values_mqtt_string(char *msg, size_t msglen, int val,
    const char *v);
int options_values_nonempty(char *msg, size_t msglen, int val,
    const char *v);
int options_values_hostname(char *msg, size_t msglen, int val,
    const char *v);
int options_values_alpn(char *msg, size_t msglen, const char *v);
int options_values_connect_to(struct options *o, char *msg, size_t msglen,
    const char *v);
int options_values_psk_identity(char *msg, size_t msglen, const char *v);

/* options_apply.c: one option with its value; 0 or EXIT_USAGE. */
int options_apply(struct options *o, int c, const char *v, char *msg,
    size_t msglen);

#endif
