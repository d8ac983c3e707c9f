/*
 * options_help.c: the option table, the usage and --help texts, and the
 * words messages use for an option (its long name, what its value
 * should look like).
 *
 * The table and the texts sit together so that adding an option is one
 * edit here plus its case in options_apply.c; tests/check_options.c
 * checks that every option is in --help and the man page.
 */
#include "options.h"
#include "options_int.h"

#include <getopt.h>
#include <stddef.h>

/*
 * '-' hands operands back in order (as value 1), so options may follow
 * TARGET whatever POSIXLY_CORRECT says, and getopt never permutes argv
 * itself; options_parse gathers the operands at the end on its own.
 * ':' makes getopt return ':' for a missing value instead of '?', so
 * the two errors get different messages.
 */
const char options_short_opts[] = "-:c:hH:i:kP:qt:u:vV:";

const struct option options_long_opts[] = {
	{ "allow-target",	required_argument,	NULL, OPT_ALLOW_TARGET },
	{ "alpn",		required_argument,	NULL, OPT_ALPN },
	{ "cafile",		required_argument,	NULL, OPT_CAFILE },
	{ "capabilities",	no_argument,		NULL, OPT_CAPABILITIES },
	{ "capath",		required_argument,	NULL, OPT_CAPATH },
	{ "cert",		required_argument,	NULL, OPT_CERT },
	{ "client-id",		required_argument,	NULL, 'i' },
	{ "clients",		no_argument,		NULL, OPT_CLIENTS },
	{ "color",		required_argument,	NULL, OPT_COLOR },
	{ "config",		required_argument,	NULL, OPT_CONFIG },
	{ "connect-to",		required_argument,	NULL, OPT_CONNECT_TO },
	{ "count",		required_argument,	NULL, 'c' },
	{ "crit-days",		required_argument,	NULL, OPT_CRIT_DAYS },
	{ "crit-ms",		required_argument,	NULL, OPT_CRIT_MS },
	{ "crlfile",		required_argument,	NULL, OPT_CRLFILE },
	{ "explain",		no_argument,		NULL, OPT_EXPLAIN },
	{ "format",		required_argument,	NULL, OPT_FORMAT },
	{ "header",		required_argument,	NULL, 'H' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "hexdump",		no_argument,		NULL, OPT_HEXDUMP },
	{ "insecure",		no_argument,		NULL, 'k' },
	{ "interval",		required_argument,	NULL, OPT_INTERVAL },
	{ "keepalive",		required_argument,	NULL, OPT_KEEPALIVE },
	{ "key",		required_argument,	NULL, OPT_KEY },
	{ "key-password-file",	required_argument,	NULL,
	    OPT_KEY_PASSWORD_FILE },
	{ "keylog",		required_argument,	NULL, OPT_KEYLOG },
	{ "max-concurrent",	required_argument,	NULL, OPT_MAX_CONCURRENT },
	{ "mqtt-version",	required_argument,	NULL, 'V' },
	{ "no-diagnose",	no_argument,		NULL, OPT_NO_DIAGNOSE },
	{ "parallel",		required_argument,	NULL, OPT_PARALLEL },
	{ "password",		required_argument,	NULL, 'P' },
	{ "password-file",	required_argument,	NULL, OPT_PASSWORD_FILE },
	{ "pause",		no_argument,		NULL, OPT_PAUSE },
	{ "priority",		required_argument,	NULL, OPT_PRIORITY },
	{ "proxy",		required_argument,	NULL, OPT_PROXY },
	{ "proxy-password-file", required_argument,	NULL,
	    OPT_PROXY_PASSWORD_FILE },
	{ "psk-file",		required_argument,	NULL, OPT_PSK_FILE },
	{ "psk-identity",	required_argument,	NULL, OPT_PSK_IDENTITY },
	{ "qos",		required_argument,	NULL, OPT_QOS },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "report",		required_argument,	NULL, OPT_REPORT },
	{ "require",		required_argument,	NULL, OPT_REQUIRE },
	{ "serve",		required_argument,	NULL, OPT_SERVE },
	{ "sni-hostname",	required_argument,	NULL, OPT_SNI_HOSTNAME },
	{ "steps",		required_argument,	NULL, OPT_STEPS },
	{ "targets",		required_argument,	NULL, OPT_TARGETS },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "tls-version",	required_argument,	NULL, OPT_TLS_VERSION },
	{ "topic",		required_argument,	NULL, OPT_TOPIC },
	{ "trace",		no_argument,		NULL, OPT_TRACE },
	{ "username",		required_argument,	NULL, 'u' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "verify-hostname",	required_argument,	NULL, OPT_VERIFY_HOSTNAME },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ "warn-days",		required_argument,	NULL, OPT_WARN_DAYS },
	{ "warn-ms",		required_argument,	NULL, OPT_WARN_MS },
	{ "ws-origin",		required_argument,	NULL, OPT_WS_ORIGIN },
	{ "ws-subprotocol",	required_argument,	NULL, OPT_WS_SUBPROTOCOL },
	{ NULL,			0,			NULL, 0 },
};

/*
 * Kept in the same order as the SYNOPSIS in man/mqtts-probe.1; a test
 * checks that each bracketed item here appears there.
 */
#define USAGE_TEXT \
"usage: mqtts-probe [-hkqv] [-c count] [-H header] [-i client-id]\n" \
"                   [-P password] [-t seconds] [-u username] [-V version]\n" \
"                   [--allow-target pattern] [--alpn list]\n" \
"                   [--cafile file] [--capabilities] [--capath directory]\n" \
"                   [--cert file] [--clients] [--color when]\n" \
"                   [--config file]\n" \
"                   [--connect-to address] [--crit-days days]\n" \
"                   [--crit-ms ms] [--crlfile file] [--explain]\n" \
"                   [--format format] [--hexdump] [--interval seconds]\n" \
"                   [--keepalive seconds] [--key file]\n" \
"                   [--key-password-file file] [--keylog file]\n" \
"                   [--max-concurrent n] [--no-diagnose] [--parallel n]\n" \
"                   [--password-file file] [--pause] [--priority string]\n" \
"                   [--proxy url] [--proxy-password-file file]\n" \
"                   [--psk-file file] [--psk-identity identity]\n" \
"                   [--qos level] [--report file] [--require list]\n" \
"                   [--serve address]\n" \
"                   [--sni-hostname name] [--steps n] [--targets file]\n" \
"                   [--tls-version version] [--topic topic] [--trace]\n" \
"                   [--verify-hostname name] [--version]\n" \
"                   [--warn-days days] [--warn-ms ms]\n" \
"                   [--ws-origin origin] [--ws-subprotocol name] target ...\n"

const char help_text[] = USAGE_TEXT
"\n"
"Probe an MQTT broker over TLS one handshake step at a time, showing\n"
"what each step did, how long it took, and the state of TCP, TLS and\n"
"MQTT after it.\n"
"\n"
"target is HOST[:PORT], [IPv6][:PORT] or mqtts://[USER@]HOST[:PORT][/]\n"
"(default port 8883), or wss://[USER@]HOST[:PORT][/PATH] for MQTT over\n"
"secure WebSocket (port 443, path /mqtt).  mqtt:// (1883) and ws:// (80)\n"
"probe without TLS, marked UNENCRYPTED.  Several targets may be given;\n"
"with --targets, none is needed.\n"
"\n"
"Connection and TLS:\n"
"  -t, --timeout seconds      time limit for the whole probe, 0.001 to\n"
"                             3600, up to 6 decimals (default 10)\n"
"  --cafile file              trust the CA certificates in file\n"
"                             (default: the system trust store)\n"
"  --capath directory         trust the CA certificates in directory\n"
"  --crlfile file             check the chain against the certificate\n"
"                             revocation lists (PEM) in file\n"
"  --cert file                client certificate, a file or pkcs11: URL\n"
"  --key file                 client private key, a file or pkcs11: URL;\n"
"                             needs --cert (without --key, the key is\n"
"                             taken from the --cert file)\n"
"  --key-password-file file   read the passphrase of the key from file\n"
"  --sni-hostname name        name to send as SNI (default: the target\n"
"                             host; no SNI for an IP address)\n"
"  --verify-hostname name     name the certificate must match\n"
"                             (default: the target host)\n"
"  --connect-to address       connect to address, HOST[:PORT] or\n"
"                             [IPv6][:PORT], but keep the target host\n"
"                             for SNI and verification\n"
"  --alpn list                comma-separated ALPN protocols to offer\n"
"  --tls-version version      offer only TLS 1.2 or only TLS 1.3\n"
"                             (default: both)\n"
"  --priority string          GnuTLS priority string to use\n"
"  -k, --insecure             go on when the certificate is not trusted;\n"
"                             it is still verified and reported\n"
"  --keylog file              append TLS secrets to file (key log format,\n"
"                             for decrypting a capture in Wireshark);\n"
"                             a new file is created with mode 0600\n"
"  --psk-identity identity    authenticate with a pre-shared key (TLS-PSK)\n"
"                             under this identity, up to 128 bytes;\n"
"                             offers PSK only: no certificate is sent or\n"
"                             checked (not with --cafile, --capath,\n"
"                             --crlfile, --cert, --key, -k, --clients)\n"
"  --psk-file file            read the pre-shared key, in hex, from\n"
"                             file's first line (or MQTTS_PROBE_PSK)\n"
"\n"
"Proxy (default: ALL_PROXY, except for hosts in NO_PROXY):\n"
"  --proxy url                reach the target through a proxy:\n"
"                             http://[USER@]HOST[:PORT] (HTTP CONNECT),\n"
"                             socks5://... (the target resolved here) or\n"
"                             socks5h://... (resolved by the proxy);\n"
"                             default port 1080; '' for none\n"
"  --proxy-password-file file read the proxy password from file's first\n"
"                             line (or MQTTS_PROBE_PROXY_PASSWORD); never\n"
"                             in the URL\n"
"\n"
"WebSocket (wss:// and ws:// targets):\n"
"  -H, --header header        add 'Name: value' to the upgrade request;\n"
"                             repeatable, up to 32\n"
"  --ws-origin origin         send Origin: origin\n"
"  --ws-subprotocol name      subprotocol to offer (default mqtt; some\n"
"                             brokers want mqttv3.1)\n"
"\n"
"MQTT:\n"
"  -V, --mqtt-version version 3.1.1 (also 311 or 4) or 5 (also 5.0);\n"
"                             default 3.1.1\n"
"  -i, --client-id client-id  client identifier (default: generated)\n"
"  -u, --username username    user name (default: the USER of each\n"
"                             target's mqtts://USER@)\n"
"  --password-file file       read the password from file's first line\n"
"  -P, --password password    password; others can see it in ps; -P \"\"\n"
"                             sends an empty one.  Passwords go up to\n"
"                             65535 bytes and, under 3.1.1, need -u\n"
"  --keepalive seconds        keep-alive, 0 to 65535 (default 60)\n"
"  --topic topic              topic for the round trip, no wildcards\n"
"                             (default: mqtts-probe/<client-id>)\n"
"  --qos level                QoS of the round trip: 0, 1 or 2\n"
"                             (default 1)\n"
"  --steps n                  stop after step n, 1 to 8 (default 8;\n"
"                             7 connects without publishing)\n"
"\n"
"Capabilities (what the broker really allows, tried after step 7):\n"
"  --capabilities             try MQTT versions, QoS, retain, wildcards,\n"
"                             shared subscriptions, subscription ids,\n"
"                             topic aliases, packet, topic and client id\n"
"                             limits, sessions, will, keep-alive; each\n"
"                             with its evidence, within --timeout\n"
"  --require list             comma-separated capabilities that must be\n"
"                             there, e.g. qos2,retain,shared (implies\n"
"                             --capabilities); one missing: exit 8\n"
"\n"
"Output:\n"
"  --format format            text, json, jsonl, nagios or prometheus\n"
"                             (default text)\n"
"  -q, --quiet                exactly one line per target, a crossed\n"
"                             threshold on it (with -c: counts and the\n"
"                             commonest failure; no effect on a machine\n"
"                             format)\n"
"  -v, --verbose              show more detail; repeat for more\n"
"  --color when               auto, always or never (default auto)\n"
"  --report file              also write the run as one self-contained\n"
"                             HTML page to file (any --format): verdict,\n"
"                             waterfall, ladder, tracker, chain\n"
"  -h, --help                 print this help and exit\n"
"  --version                  print the version and exit\n"
"\n"
"Diagnosis:\n"
"  --clients                  also handshake (steps 1-5) as common MQTT\n"
"                             client stacks would (OpenSSL 3, Go, Python,\n"
"                             Java 17, mbedTLS on ESP-IDF, an OpenSSL 1.1\n"
"                             device) and say which would connect\n"
"  --no-diagnose              after a failure, do not run the follow-up\n"
"                             experiments (another MQTT version, client\n"
"                             id or TLS offer), which take at most one\n"
"                             more --timeout and never change the exit\n"
"                             status\n"
"\n"
"Monitoring, repeat mode and many targets:\n"
"  --warn-days days           warn when fewer than days, 0 to 36500, are\n"
"                             left before a certificate in the chain\n"
"                             expires\n"
"  --crit-days days           critical when fewer than days are left;\n"
"                             not more than --warn-days\n"
"  --warn-ms ms               warn when the round trip takes longer than\n"
"                             ms, 0.001 to 3600000, up to 3 decimals\n"
"  --crit-ms ms               critical above ms; not less than --warn-ms\n"
"                             (crossed: exit 9 warning, 10 critical,\n"
"                             below a failed step; nagios: its states)\n"
"  -c, --count count          probe each target count times, 1 to\n"
"                             1000000 (default 1), then summarize\n"
"  --interval seconds         pause between probes, 0 to 86400, up to 6\n"
"                             decimals (default 1)\n"
"  --targets file             also probe the targets in file, one a line\n"
"                             ('#' comments and blank lines allowed)\n"
"  --parallel n               probe up to n targets at once, 1 to 256\n"
"                             (default 4)\n"
"\n"
"Exporter for Prometheus (no target; see EXPORTER in mqtts-probe(1)):\n"
"  --serve address            answer /probe?target=T&module=M, /metrics\n"
"                             and / over HTTP on address, [ADDR:]PORT\n"
"                             (ADDR an IP address, default 127.0.0.1;\n"
"                             PORT 0 picks a free one, which is logged)\n"
"  --config file              the probe modules, one [name] section each\n"
"                             with options by their long names (default:\n"
"                             one module \"default\" with every default)\n"
"  --max-concurrent n         probes at once, 1 to 1024 (default 32);\n"
"                             beyond it /probe answers 503 at once\n"
"  --allow-target pattern     probe only targets whose HOST or HOST:PORT\n"
"                             matches the shell pattern; repeatable, up\n"
"                             to 64 (default: any target)\n"
"\n"
"Teaching (text output only, --trace also with jsonl):\n"
"  --explain                  explain each step in plain words\n"
"  --pause                    wait for Enter before each step, q or\n"
"                             Ctrl-D stops the walk (exit 11); pings\n"
"                             keep the session alive meanwhile (one\n"
"                             target, one probe, not with -q)\n"
"  --trace                    show every TLS handshake message, record\n"
"                             and MQTT packet as it happens\n"
"  --hexdump                  add the bytes of each MQTT packet to the\n"
"                             trace (implies --trace)\n"
"\n"
"Exit status:\n"
"  0      every requested step succeeded\n"
"  1-8    the number of the step that failed or timed out (with several\n"
"         targets, the highest status of any target); 8 also when a\n"
"         capability named in --require is missing\n"
"  9, 10  every step succeeded, a warning or critical threshold crossed\n"
"  11     stopped by the user at a --pause prompt (q or end of input)\n"
"  64     bad usage (also a password without a user name under 3.1.1,\n"
"         or --psk-identity without a key)\n"
"  66     a local file (CA, certificate, key, password, pre-shared key)\n"
"         is missing, unreadable or holds nothing usable (or a first\n"
"         line longer than 65535 bytes)\n"
"  70     internal error\n"
"  73     the --report file cannot be created or written\n"
"  130    interrupted by Ctrl-C (128 + the signal's number)\n"
"  With --format nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also\n"
"  for bad usage and unreadable files).\n"
"\n"
"Environment:\n"
"  MQTTS_PROBE_PASSWORD  the MQTT password\n"
"  MQTTS_PROBE_PSK       the pre-shared key in hex, when --psk-identity\n"
"                        is given without --psk-file\n"
"  SSLKEYLOGFILE         TLS key log file, as with other GnuTLS programs,\n"
"                        when --keylog is not given (created 0600)\n"
"  NO_COLOR              if set and not empty, no color\n"
"\n"
"See mqtts-probe(1) for the details of each step.\n";

const struct option *
options_table(void)
{
	return options_long_opts;
}

const char *
options_usage(void)
{
	return USAGE_TEXT;
}

const char *
options_help(void)
{
	return help_text;
}

/* The long name for a getopt value, for messages; NULL if unknown. */
const char *
options_long_name(int val)
{
	const struct option *lo;

	for (lo = options_long_opts; lo->name != NULL; lo++)
		if (lo->val == val)
			return lo->name;
	return NULL;
}

/* What a value should look like, for "needs a value" messages. */
const char *
options_value_hint(int val)
{
	switch (val) {
	case 't':
	case OPT_KEEPALIVE:
	case OPT_INTERVAL:
		return "a number of seconds";
	case OPT_CAFILE:
	case OPT_CRLFILE:
	case OPT_CERT:
	case OPT_KEY:
	case OPT_KEY_PASSWORD_FILE:
	case OPT_KEYLOG:
	case OPT_PASSWORD_FILE:
	case OPT_PROXY_PASSWORD_FILE:
	case OPT_PSK_FILE:
	case OPT_REPORT:
	case OPT_TARGETS:
	case OPT_CONFIG:
		return "a file name";
	case OPT_SERVE:
		return "[ADDR:]PORT, e.g. 9883 or 127.0.0.1:9883";
	case OPT_MAX_CONCURRENT:
		return "a number of probes from 1 to 1024";
	case OPT_ALLOW_TARGET:
		return "a shell pattern, e.g. '*.example.net:8883'";
	case OPT_FORMAT:
		return "text, json, jsonl, nagios or prometheus";
	case OPT_WARN_DAYS:
	case OPT_CRIT_DAYS:
		return "a number of days from 0 to 36500";
	case OPT_WARN_MS:
	case OPT_CRIT_MS:
		return "a number of milliseconds";
	case 'c':
		return "a number of probes from 1 to 1000000";
	case OPT_PARALLEL:
		return "a number of targets from 1 to 256";
	case OPT_CAPATH:
		return "a directory";
	case OPT_SNI_HOSTNAME:
	case OPT_VERIFY_HOSTNAME:
		return "a host name";
	case OPT_CONNECT_TO:
		return "HOST[:PORT] or [IPv6][:PORT]";
	case OPT_PROXY:
		return "a proxy URL, e.g. http://proxy:3128 or socks5h://proxy";
	case OPT_ALPN:
		return "a comma-separated list of protocol names";
	case OPT_TLS_VERSION:
		return "1.2 or 1.3";
	case OPT_PRIORITY:
		return "a GnuTLS priority string";
	case OPT_PSK_IDENTITY:
		return "a PSK identity";
	case 'V':
		return "3.1.1 or 5";
	case 'i':
		return "a client identifier";
	case 'u':
		return "a user name";
	case 'P':
		return "a password";
	case OPT_TOPIC:
		return "a topic name";
	case 'H':
		return "'Name: value'";
	case OPT_WS_ORIGIN:
		return "an origin, as https://example.com";
	case OPT_WS_SUBPROTOCOL:
		return "a subprotocol name";
	case OPT_QOS:
		return "0, 1 or 2";
	case OPT_REQUIRE:
		return "a comma-separated list of capabilities";
	case OPT_STEPS:
		return "a step number from 1 to 8";
	case OPT_COLOR:
		return "auto, always or never";
	default:
		return "a value";
	}
}
