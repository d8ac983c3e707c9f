/*
 * options_apply.c: what each option does to struct options, one case
 * per option of the table in options_help.c.
 */
#include "options.h"
#include "options_int.h"

#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "serve_listen.h"

/* --require: every name one --capabilities decides, none empty. */
static int
options_apply_require(const char *v, char *msg, size_t msglen)
{
	const char *p = v;

	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		char name[64];

		if (len == 0 || len >= sizeof(name))
			return options_fail(msg, msglen, "--require: %s in "
			    "'%.48s'; give capability names separated by "
			    "commas: %s", len == 0 ? "an empty name" :
			    "a name too long", v, caps_names());
		memcpy(name, p, len);
		name[len] = '\0';
		if (!caps_known(name))
			return options_fail(msg, msglen, "--require: unknown "
			    "capability '%.48s'; known: %s", name,
			    caps_names());
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

/* One option with its value (if any); returns 0 or EXIT_USAGE. */
int
options_apply(struct options *o, int c, const char *v, char *msg,
    size_t msglen)
{
	unsigned long long n;
	struct sockaddr_storage ss;

	switch (c) {
	case 'h':
		o->help = true;
		return 0;
	case OPT_VERSION:
		o->version = true;
		return 0;
	case 'k':
		o->insecure = true;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case OPT_EXPLAIN:
		o->explain = true;
		return 0;
	case OPT_CAPABILITIES:
		o->capabilities = true;
		return 0;
	case OPT_REQUIRE:
		if (options_apply_require(v, msg, msglen) != 0)
			return EXIT_USAGE;
		o->require = v;
		o->capabilities = true;
		return 0;
	case OPT_NO_DIAGNOSE:
		o->no_diagnose = true;
		return 0;
	case OPT_CLIENTS:
		o->clients = true;
		return 0;
	case OPT_PAUSE:
		o->pause = true;
		return 0;
	case OPT_TRACE:
		o->trace = true;
		return 0;
	case OPT_HEXDUMP:
		/* The bytes are shown as part of the trace, so it comes too. */
		o->hexdump = true;
		o->trace = true;
		return 0;
	case 'v':
		if (o->verbose < VERBOSE_MAX)
			o->verbose++;
		return 0;
	case 't':
		if (options_parse_seconds(v, TIMEOUT_MIN_US, TIMEOUT_MAX_US,
		    &o->timeout_us) != 0)
			return options_bad_value(msg, msglen, c, v,
			    "is not a number of seconds from 0.001 to 3600");
		return 0;
	case OPT_CAFILE:
	case OPT_CAPATH:
	case OPT_CRLFILE:
	case OPT_CERT:
	case OPT_KEY:
	case OPT_KEY_PASSWORD_FILE:
	case OPT_KEYLOG:
	case OPT_PASSWORD_FILE:
	case OPT_PROXY_PASSWORD_FILE:
	case OPT_PRIORITY:
	case OPT_PSK_FILE:
	case OPT_REPORT:
	case OPT_TARGETS:
		if (options_values_nonempty(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		switch (c) {
		case OPT_CAFILE:		o->cafile = v; break;
		case OPT_CAPATH:		o->capath = v; break;
		case OPT_CRLFILE:		o->crlfile = v; break;
		case OPT_CERT:			o->cert = v; break;
		case OPT_KEY:			o->key = v; break;
		case OPT_KEY_PASSWORD_FILE:	o->key_password_file = v; break;
		case OPT_KEYLOG:		o->keylog = v; break;
		case OPT_PASSWORD_FILE:		o->password_file = v; break;
		case OPT_PROXY_PASSWORD_FILE:
			o->proxy_password_file = v;
			break;
		case OPT_PSK_FILE:		o->psk_file = v; break;
		case OPT_TARGETS:		o->targets_file = v; break;
		case OPT_REPORT:		o->report_file = v; break;
		default:			o->priority = v; break;
		}
		return 0;
	case OPT_PSK_IDENTITY:
		if (options_values_psk_identity(msg, msglen, v) != 0)
			return EXIT_USAGE;
		o->psk_identity = v;
		return 0;
	case OPT_SNI_HOSTNAME:
	case OPT_VERIFY_HOSTNAME:
		if (options_values_hostname(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		if (c == OPT_SNI_HOSTNAME)
			o->sni_hostname = v;
		else
			o->verify_hostname = v;
		return 0;
	case OPT_CONNECT_TO:
		return options_values_connect_to(o, msg, msglen, v);
	case OPT_ALPN:
		if (options_values_alpn(msg, msglen, v) != 0)
			return EXIT_USAGE;
		o->alpn = v;
		return 0;
	case OPT_TLS_VERSION:
		if (strcmp(v, "1.2") == 0)
			o->tls_version = TLSV_12;
		else if (strcmp(v, "1.3") == 0)
			o->tls_version = TLSV_13;
		else
			return options_bad_value(msg, msglen,
			    c, v, "is not 1.2 or 1.3");
		return 0;
	case 'V':
		/* "4" is the protocol level byte that 3.1.1 sends. */
		if (strcmp(v, "3.1.1") == 0 || strcmp(v, "311") == 0 ||
		    strcmp(v, "4") == 0)
			o->mqtt_version = 4;
		else if (strcmp(v, "5") == 0 || strcmp(v, "5.0") == 0)
			o->mqtt_version = 5;
		else
			return options_bad_value(msg, msglen,
			    c, v, "is not 3.1.1 or 5");
		return 0;
	case 'i':
		if (options_values_mqtt_string(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		o->client_id = v;
		return 0;
	case 'u':
		if (options_values_mqtt_string(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		o->username = v;
		return 0;
	case 'P':
		/* Binary data on the wire: only the length is limited. */
		if (strlen(v) > MQTT_STRING_MAX)
			return options_fail(msg, msglen,
			    "--password: longer than %d "
			    "bytes", MQTT_STRING_MAX);
		o->password_arg = v;
		return 0;
	case OPT_TOPIC:
		if (options_values_nonempty(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		if (strpbrk(v, "+#") != NULL)
			return options_bad_value(msg, msglen,
			    c, v, "has a wildcard "
			    "('+' or '#'), which cannot be published to");
		if (options_values_mqtt_string(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		o->topic = v;
		return 0;
	case OPT_KEEPALIVE:
		if (options_values_number(v, 0, 65535, &n) != 0)
			return options_bad_value(msg, msglen, c, v,
			    "is not a whole number of seconds from 0 to 65535");
		o->keepalive = (unsigned)n;
		return 0;
	case OPT_QOS:
		if (options_values_number(v, 0, 2, &n) != 0)
			return options_bad_value(msg, msglen,
			    c, v, "is not 0, 1 or 2");
		o->qos = (unsigned)n;
		return 0;
	case OPT_STEPS:
		if (options_values_number(v, 1, 8, &n) != 0)
			return options_bad_value(msg, msglen, c, v,
			    "is not a step number from 1 to 8");
		o->steps = (unsigned)n;
		return 0;
	case OPT_COLOR:
		if (strcmp(v, "auto") == 0)
			o->color = COLOR_AUTO;
		else if (strcmp(v, "always") == 0)
			o->color = COLOR_ALWAYS;
		else if (strcmp(v, "never") == 0)
			o->color = COLOR_NEVER;
		else
			return options_bad_value(msg, msglen, c, v,
			    "is not auto, always or never");
		return 0;
	case OPT_FORMAT:
		if (strcmp(v, "text") == 0)
			o->format = FORMAT_TEXT;
		else if (strcmp(v, "json") == 0)
			o->format = FORMAT_JSON;
		else if (strcmp(v, "jsonl") == 0)
			o->format = FORMAT_JSONL;
		else if (strcmp(v, "nagios") == 0)
			o->format = FORMAT_NAGIOS;
		else if (strcmp(v, "prometheus") == 0)
			o->format = FORMAT_PROMETHEUS;
		else
			return options_bad_value(msg, msglen, c, v,
			    "is not text, json, jsonl, nagios or prometheus");
		return 0;
	case OPT_WARN_DAYS:
	case OPT_CRIT_DAYS:
		if (options_values_number(v, 0, DAYS_MAX, &n) != 0)
			return options_bad_value(msg, msglen, c, v,
			    "is not a whole number of days from 0 to 36500");
		if (c == OPT_WARN_DAYS)
			o->warn_days = (int)n;
		else
			o->crit_days = (int)n;
		return 0;
	case OPT_WARN_MS:
	case OPT_CRIT_MS:
		if (options_values_millis(v, RTT_MIN_US, RTT_MAX_US,
		    c == OPT_WARN_MS ? &o->warn_rtt_us : &o->crit_rtt_us) != 0)
			return options_bad_value(msg, msglen, c, v,
			    "is not a number of milliseconds from 0.001 to "
			    "3600000, up to 3 decimals");
		return 0;
	case 'c':
		if (options_values_number(v, 1, COUNT_MAX, &n) != 0)
			return options_bad_value(msg, msglen, c, v,
			    "is not a whole number from 1 to 1000000");
		o->count = (unsigned)n;
		return 0;
	case OPT_INTERVAL:
		if (options_parse_seconds(v, 0, INTERVAL_MAX_US,
		    &o->interval_us) != 0)
			return options_bad_value(msg, msglen, c, v,
			    "is not a number of seconds from 0 to 86400, up to "
			    "6 decimals");
		return 0;
	case OPT_SERVE:
		if (serve_listen_parse(v, &ss, msg, msglen) != 0)
			return EXIT_USAGE;
		o->serve = v;
		return 0;
	case OPT_CONFIG:
		if (options_values_nonempty(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		o->serve_config = v;
		return 0;
	case OPT_MAX_CONCURRENT:
		if (options_values_number(v, 1, OPTIONS_MAX_CONCURRENT_MAX,
		    &n) != 0)
			return options_bad_value(msg, msglen, c, v,
			    "is not a whole number from 1 to 1024");
		o->max_concurrent = (unsigned)n;
		return 0;
	case OPT_ALLOW_TARGET:
		if (options_values_nonempty(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		if (o->nallow_target >= OPTIONS_ALLOW_MAX)
			return options_fail(msg, msglen, "--allow-target: more "
			    "than %d patterns", OPTIONS_ALLOW_MAX);
		o->allow_target[o->nallow_target++] = v;
		return 0;
	case OPT_PARALLEL:
		if (options_values_number(v, 1, PARALLEL_MAX, &n) != 0)
			return options_bad_value(msg, msglen, c, v,
			    "is not a whole number from 1 to 256");
		o->parallel = (unsigned)n;
		return 0;
	case 'H':
	case OPT_WS_ORIGIN:
	case OPT_PROXY:
	case OPT_WS_SUBPROTOCOL:
		return options_transport_apply(o, c, v, msg, msglen);
	default:
		/* The table and this switch disagree: a bug, not a user error. */
		return options_fail(msg, msglen,
		    "option value %d is not handled", c);
	}
}
