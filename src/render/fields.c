/*
 * fields.c: labels and types of the report's detail keys.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fields.h"

static const struct field fields_table[] = {
	/* step 1 */
	{ "target", "target", FIELD_TEXT },
	{ "proxy", "proxy", FIELD_TEXT, true },
	{ "proxy_kind", "proxy kind", FIELD_TEXT },
	{ "proxy_from", "proxy from", FIELD_TEXT },
	{ "peer", "connected to", FIELD_TEXT },
	{ "proxy_answer", "proxy answer", FIELD_TEXT },
	{ "proxy_resolved", "target resolved", FIELD_TEXT, true },
	{ "proxy_error", "proxy error", FIELD_TEXT },
	/* step 2 */
	{ "versions_offered", "TLS versions offered", FIELD_LIST },
	{ "sni", "SNI", FIELD_TEXT, true },
	{ "alpn_offered", "ALPN offered", FIELD_LIST, true },
	{ "client_hello_bytes", "ClientHello size (bytes)", FIELD_INT },
	{ "hello_retry", "HelloRetryRequest", FIELD_TEXT, true },
	/* step 3 */
	{ "tls_version", "TLS version", FIELD_TEXT },
	{ "chain_length", "chain length", FIELD_INT },
	{ "leaf_subject", "leaf subject", FIELD_TEXT },
	{ "leaf_issuer", "leaf issuer", FIELD_TEXT },
	{ "leaf_sans", "leaf names (SAN)", FIELD_LIST, true },
	{ "authentication", "authentication", FIELD_TEXT },
	{ "psk_identity", "PSK identity", FIELD_TEXT },
	{ "psk_hint", "PSK identity hint", FIELD_TEXT, true },
	/* step 4 */
	{ "verdict", "verdict", FIELD_TEXT },
	{ "problems", "problems", FIELD_LIST },
	{ "checked_name", "name checked", FIELD_TEXT },
	{ "trust_store", "trust store", FIELD_TEXT },
	{ "anchor", "trust anchor", FIELD_TEXT },
	{ "days_left", "days to earliest expiry", FIELD_INT },
	{ "earliest_expiry", "earliest expiry", FIELD_DATE },
	{ "ocsp_staple", "OCSP staple", FIELD_TEXT, true },
	{ "revocation_reason", "revocation reason", FIELD_TEXT },
	{ "revoked_on", "revoked on", FIELD_DATE },
	{ "insecure", "INSECURE", FIELD_TEXT },
	/* step 5 */
	{ "cipher_suite", "cipher suite", FIELD_TEXT },
	{ "group", "key exchange group", FIELD_TEXT, true },
	{ "signature", "signature algorithm", FIELD_TEXT, true },
	{ "key_exchange", "key exchange", FIELD_TEXT },
	{ "alpn_selected", "ALPN selected", FIELD_TEXT, true },
	{ "session", "session", FIELD_TEXT },
	{ "client_cas", "client CAs accepted", FIELD_TEXT },
	{ "client_ca_check", "our certificate vs those", FIELD_TEXT },
	{ "handshake_bytes_sent", "handshake bytes sent", FIELD_INT },
	{ "handshake_bytes_received", "handshake bytes received", FIELD_INT },
	{ "note", "note", FIELD_TEXT },
	/* step 6: the WebSocket upgrade, then CONNECT */
	{ "ws_request", "WebSocket request", FIELD_TEXT },
	{ "ws_host", "WebSocket Host", FIELD_TEXT },
	{ "ws_subprotocol_offered", "subprotocol offered", FIELD_TEXT },
	{ "ws_status", "HTTP answer", FIELD_TEXT },
	{ "ws_server", "HTTP server", FIELD_TEXT },
	{ "ws_accept", "Sec-WebSocket-Accept", FIELD_TEXT },
	{ "ws_subprotocol", "subprotocol chosen", FIELD_TEXT },
	{ "mqtt_version", "MQTT version", FIELD_TEXT },
	{ "client_id", "client id", FIELD_TEXT },
	{ "keepalive", "keep-alive (s)", FIELD_INT },
	{ "clean", "clean session", FIELD_BOOL },
	{ "username", "user name", FIELD_TEXT },
	{ "password", "password", FIELD_TEXT },
	{ "bytes", "packet size (bytes)", FIELD_INT },
	/* step 7 */
	{ "connack_code", "CONNACK code", FIELD_CODE },
	{ "connack_reason", "CONNACK says", FIELD_TEXT },
	{ "session_present", "session present", FIELD_BOOL },
	{ "assigned_client_id", "assigned client id", FIELD_TEXT },
	{ "maximum_qos", "maximum QoS", FIELD_INT },
	{ "retain_available", "retain available", FIELD_BOOL },
	{ "maximum_packet_size", "maximum packet size", FIELD_INT },
	{ "receive_maximum", "receive maximum", FIELD_INT },
	{ "topic_alias_maximum", "topic alias maximum", FIELD_INT },
	{ "server_keep_alive", "server keep-alive (s)", FIELD_INT },
	{ "session_expiry", "session expiry (s)", FIELD_INT },
	{ "wildcard_subscriptions", "wildcard subscriptions", FIELD_BOOL },
	{ "subscription_ids", "subscription identifiers", FIELD_BOOL },
	{ "shared_subscriptions", "shared subscriptions", FIELD_BOOL },
	{ "server_reference", "server reference", FIELD_TEXT },
	{ "reason_string", "reason string", FIELD_TEXT },
	/* step 8 */
	{ "topic", "topic", FIELD_TEXT },
	{ "qos", "QoS", FIELD_INT },
	{ "suback_code", "SUBACK code", FIELD_CODE },
	{ "suback_reason", "SUBACK says", FIELD_TEXT },
	{ "echo_qos", "came back with QoS", FIELD_INT },
	{ "round_trip_us", "round trip", FIELD_US },
	{ "payload", "payload", FIELD_TEXT },
};

const struct field *
fields_find(const char *key)
{
	/* one slot per thread is enough: callers use the result at once */
	static __thread struct field unknown;

	for (size_t i = 0; i < sizeof(fields_table) / sizeof(fields_table[0]);
	    i++)
		if (strcmp(fields_table[i].key, key) == 0)
			return &fields_table[i];
	unknown.key = key;
	unknown.label = key;
	unknown.type = FIELD_TEXT;
	return &unknown;
}

bool
fields_absent(const struct field *f, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return true;
	return f->none_is_absent && strncmp(value, "none", 4) == 0 &&
	    (value[4] == '\0' || strncmp(value + 4, " (", 2) == 0);
}

void
fields_format(const struct field *f, const char *value, char *buf,
    unsigned long len)
{
	char *end = NULL;

	if (value[0] == '\0') {
		snprintf(buf, len, "none");
		return;
	}
	switch (f->type) {
	case FIELD_DATE: {
		long long v = strtoll(value, &end, 10);
		time_t t = (time_t)v;
		struct tm tm;

		if (end != value && *end == '\0' && gmtime_r(&t, &tm) != NULL &&
		    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm) > 0)
			return;
		break;
	}
	case FIELD_CODE: {
		unsigned long v = strtoul(value, &end, 10);

		if (end != value && *end == '\0') {
			snprintf(buf, len, "0x%02lx", v);
			return;
		}
		break;
	}
	case FIELD_US: {
		unsigned long long v = strtoull(value, &end, 10);

		if (end != value && *end == '\0') {
			snprintf(buf, len, "%.3f ms", (double)v / 1000.0);
			return;
		}
		break;
	}
	case FIELD_LIST: {
		size_t o = 0;

		for (const char *p = value; *p != '\0' && o + 3 < len; p++) {
			buf[o++] = *p;
			if (*p == ',' && p[1] != ' ')
				buf[o++] = ' ';
		}
		buf[o] = '\0';
		return;
	}
	default:
		break;
	}
	snprintf(buf, len, "%s", value);
}
