/*
 * options.h: the one options struct, filled by a pure parser.
 *
 * options_parse never prints and never exits: it returns a status and
 * a message (which names the offending option) for main.c to report.
 * Files named by options are not opened here; main.c reads the password
 * and passphrase files, the TLS layer loads certificates, and the
 * targets file is read by the module that runs several probes.
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target.h"

/* --allow-target patterns at most; more is a usage error. */
#define OPTIONS_ALLOW_MAX 64
#define OPTIONS_MAX_CONCURRENT_MAX 1024
#define OPTIONS_MAX_CONCURRENT_DEFAULT 32
#define OPTIONS_HEADERS_MAX 32	/* -H, repeatable */
#define OPTIONS_HEADER_MAX 4096	/* bytes of one -H or --ws-origin */

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
enum tls_version_pin { TLSV_ANY = 0, TLSV_12 = 12, TLSV_13 = 13 };
enum output_format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_JSONL,
	FORMAT_NAGIOS,
	FORMAT_PROMETHEUS,
};

struct options {
	/*
	 * The first TARGET operand, parsed, and as typed.  With no operand
	 * (allowed only with --targets) target_arg is NULL and target is
	 * all zero, port included.
	 */
	struct target target;
	const char *target_arg;

	/*
	 * Every TARGET operand in command-line order, each one already
	 * checked with target_parse; operands[0] is target_arg.  They sit
	 * at the end of argv, which options_parse reorders for that (see
	 * below).  noperands is 0 only when targets_file is set.
	 */
	char *const *operands;
	size_t noperands;
	const char *targets_file;	/* --targets, not opened here */

	/* repeat mode and many targets */
	unsigned count;			/* -c, probes per target, default 1 */
	uint64_t interval_us;		/* pause between probes, default 1 s */
	unsigned parallel;		/* targets probed at once, default 4 */

	/* TLS */
	uint64_t timeout_us;		/* -t, default 10 s */
	const char *cafile;		/* NULL: system trust store */
	const char *crlfile;		/* --crlfile: revocation lists, or NULL */
	const char *capath;
	const char *cert;		/* file or pkcs11: URL */
	const char *key;
	const char *key_password_file;
	const char *sni_hostname;	/* NULL: target host (no SNI for IPs) */
	const char *verify_hostname;	/* NULL: target host */
	const char *connect_to;		/* NULL: target host; else points
					   at connect_host (see below) */
	char connect_host[TARGET_HOST_MAX]; /* --connect-to host, no [ ] */
	unsigned connect_port;		/* --connect-to :PORT, 0: target's */
	const char *alpn;		/* comma-separated list, NULL: none */
	enum tls_version_pin tls_version;
	const char *priority;		/* NULL: built-in default */
	bool insecure;			/* -k */
	const char *keylog;		/* --keylog; main.c puts SSLKEYLOGFILE
					   here when --keylog is not given */
	bool keylog_from_env;		/* keylog is SSLKEYLOGFILE (main.c) */
	/* TLS-PSK: the server is authenticated by a pre-shared key, not a
	 * certificate; main.c reads the key (--psk-file or
	 * MQTTS_PROBE_PSK) */
	const char *psk_identity;	/* --psk-identity, NULL: certificates */
	const char *psk_file;		/* --psk-file, not opened here */

	/* WebSocket (ws:// and wss:// targets) */
	const char *headers[OPTIONS_HEADERS_MAX];	/* -H "Name: value" */
	size_t nheaders;
	const char *ws_origin;		/* NULL: no Origin header */
	const char *ws_subprotocol;	/* NULL: "mqtt" */

	/* proxy: --proxy URL (checked here, parsed again by main.c, which
	 * also reads ALL_PROXY and NO_PROXY); "" means none, whatever the
	 * environment says; NULL: not given */
	const char *proxy;
	const char *proxy_password_file;

	/* MQTT */
	int mqtt_version;		/* 4 (3.1.1) or 5 */
	const char *client_id;		/* NULL: generated */
	const char *username;		/* -u, or the mqtts:// USER, which
					   points at target.user */
	const char *password_file;
	const char *password_arg;	/* -P: visible in ps, warned about */
	unsigned keepalive;		/* seconds, default 60 */
	const char *topic;		/* NULL: mqtts-probe/<client-id> */
	unsigned qos;			/* default 1 */
	unsigned steps;			/* stop after step N, default 8 */
	bool capabilities;		/* --capabilities, or --require */
	const char *require;		/* --require LIST, checked names */

	/* output */
	enum output_format format;	/* default FORMAT_TEXT */
	bool quiet;			/* FORMAT_TEXT only */
	int verbose;			/* count of -v */
	enum color_mode color;
	const char *report_file;	/* --report: the HTML page, or NULL */

	/* thresholds, for nagios and the expiry status of every format */
	int warn_days;			/* days to earliest expiry, -1: unset */
	int crit_days;			/* <= warn_days when both are set */
	uint64_t warn_rtt_us;		/* step 8 round trip, 0: unset */
	uint64_t crit_rtt_us;		/* >= warn_rtt_us when both are set */

	/* teaching */
	bool explain;			/* FORMAT_TEXT only */
	bool pause;			/* FORMAT_TEXT, one target, one probe;
					   main.c checks for a terminal */
	bool trace;			/* FORMAT_TEXT or FORMAT_JSONL */
	bool hexdump;			/* sets trace too */

	/* the exporter (--serve); probe settings then come from modules */
	const char *serve;		/* "[ADDR:]PORT", NULL: not serving */
	const char *serve_config;	/* --config, not opened here */
	unsigned max_concurrent;	/* probes at once, default 32 */
	const char *allow_target[OPTIONS_ALLOW_MAX];	/* fnmatch patterns */
	size_t nallow_target;
	int probe_option;		/* the last option that is not one of
					   the exporter's, 0: none (checked
					   against --serve) */
	/* after a failure, no follow-up experiments (diagnose.c) */
	bool no_diagnose;
	bool clients;			/* --clients: as other stacks would */

	bool help;
	bool version;
};

/*
 * Two fields point into the struct itself: username (at target.user,
 * when it came from mqtts://USER@) and connect_to (at connect_host).
 * They stay valid only while the struct filled by options_parse is not
 * copied; pass it around by pointer.  The other strings point into argv,
 * and operands into the argv array itself.
 */

/* Exit statuses (documented in --help and the man page). */
enum {
	EXIT_PROBE_OK = 0,
	/* 1..8: the step that failed or timed out */
	EXIT_USAGE = 64,
	EXIT_NOINPUT = 66,
	EXIT_INTERNAL = 70,
	EXIT_CANTCREAT = 73,		/* the --report file */
};

/*
 * Fill *o from argv.  Returns 0 on success (check o->help / o->version),
 * or EXIT_USAGE with a message in msg[0..msglen) naming the option.
 *
 * On success, the TARGET operands have been moved to the end of argv
 * in their original order (the other words keep theirs), so that
 * o->operands can point there; the strings themselves do not move.
 * On failure argv may be partly reordered.
 */
int options_parse(int argc, char *argv[], struct options *o,
    char *msg, size_t msglen);

/* Parse "SEC" with up to 6 decimals into microseconds; 0 on success. */
int options_parse_seconds(const char *s, uint64_t min_us, uint64_t max_us,
    uint64_t *out_us);

/*
 * The getopt_long table, terminated by an all-zero entry; exposed so a
 * test can check that every option is documented.
 */
struct option;
const struct option *options_table(void);

/* Usage text mirroring the man page SYNOPSIS, and the long help. */
const char *options_usage(void);
const char *options_help(void);

#endif
