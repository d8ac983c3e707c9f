/*
 * render_json.c: the report as JSON (one document per probe) and as
 * JSON Lines (a line per step as it ends, then the document).
 *
 * Every value comes from the report; the detail table in fields.c gives
 * each detail its JSON type, so the text and JSON outputs cannot drift
 * apart.  Certificate names and broker strings are untrusted: every
 * string goes through json_string, which escapes and repairs it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fields.h"
#include "render_formats.h"

#define JSON_DEPTH 8

/* A streaming writer that knows where commas go. */
struct json_w {
	FILE *out;
	int depth;
	bool first[JSON_DEPTH];		/* nothing yet in this container */
	bool keyed;			/* a key was written, its value next */
};

size_t
json_utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return c != 0 ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;	/* a continuation byte, or never valid */
	/* the second byte's range rules out overlong forms, surrogates
	 * and code points past U+10FFFF (RFC 3629, section 4) */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	/* a NUL is not a continuation byte, so this stops at the end */
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

void
json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

	fputc('"', out);
	while (*p != '\0') {
		size_t n;

		if (*p == '"' || *p == '\\') {
			fputc('\\', out);
			fputc(*p++, out);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p++);
		} else if ((n = json_utf8_len(p)) == 0) {
			/* one U+FFFD per byte that starts no valid sequence */
			fputs("\xef\xbf\xbd", out);
			p++;
		} else {
			fwrite(p, 1, n, out);
			p += n;
		}
	}
	fputc('"', out);
}

/* --- the writer ----------------------------------------------------------- */

static void
json_sep(struct json_w *w)
{
	if (w->keyed) {
		w->keyed = false;
		return;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth - 1])
			fputc(',', w->out);
		w->first[w->depth - 1] = false;
	}
}

static void
json_open(struct json_w *w, char c)
{
	json_sep(w);
	fputc(c, w->out);
	if (w->depth < JSON_DEPTH)
		w->first[w->depth++] = true;
}

static void
json_close(struct json_w *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	fputc(c, w->out);
}

static void
json_key(struct json_w *w, const char *key)
{
	json_sep(w);
	json_string(w->out, key);
	fputc(':', w->out);
	w->keyed = true;
}

static void
json_null(struct json_w *w)
{
	json_sep(w);
	fputs("null", w->out);
}

static void
json_str(struct json_w *w, const char *s)
{
	if (s == NULL) {
		json_null(w);
		return;
	}
	json_sep(w);
	json_string(w->out, s);
}

static void
json_int(struct json_w *w, long long v)
{
	json_sep(w);
	fprintf(w->out, "%lld", v);
}

static void
json_bool(struct json_w *w, bool v)
{
	json_sep(w);
	fputs(v ? "true" : "false", w->out);
}

/* A fractional number of microseconds, to a tenth. */
static void
json_real(struct json_w *w, double v)
{
	json_sep(w);
	fprintf(w->out, "%.1f", v);
}

static void
json_key_str(struct json_w *w, const char *key, const char *s)
{
	json_key(w, key);
	json_str(w, s);
}

static void
json_key_int(struct json_w *w, const char *key, long long v)
{
	json_key(w, key);
	json_int(w, v);
}

/* --- typed details ---------------------------------------------------- */

/* "a, b,c" as an array of the words between the commas. */
static void
json_list(struct json_w *w, const char *text)
{
	const char *p = text;

	json_open(w, '[');
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		char word[REPORT_TEXT_MAX];

		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len > 0) {
			snprintf(word, sizeof(word), "%.*s", (int)len, p);
			json_str(w, word);
		}
		p += len;
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
	}
	json_close(w, ']');
}

/* An integer as JSON writes it (no leading zeros, no "+"). */
static bool
json_number(struct json_w *w, const char *text)
{
	char *end = NULL;
	long long v;

	if (text[0] == '\0' || (text[0] != '-' && (text[0] < '0' ||
	    text[0] > '9')))
		return false;
	v = strtoll(text, &end, 10);
	if (*end != '\0')
		return false;
	json_int(w, v);
	return true;
}

/* A detail's value with the type fields.c gives its key. */
static void json_date(struct json_w *w, int64_t unix_s);

static void
json_typed(struct json_w *w, const char *key, const char *text)
{
	const struct field *f = fields_find(key);

	/* absent: null, and an empty array for a list (fields.h) */
	if (fields_absent(f, text)) {
		if (f->type == FIELD_LIST) {
			json_open(w, '[');
			json_close(w, ']');
		} else
			json_null(w);
		return;
	}
	switch (f->type) {
	case FIELD_DATE: {
		char *end = NULL;
		long long v = strtoll(text, &end, 10);

		if (end != text && *end == '\0') {
			json_date(w, v);
			return;
		}
		break;
	}
	case FIELD_INT:
	case FIELD_CODE:
	case FIELD_US:
		if (json_number(w, text))
			return;
		break;
	case FIELD_BOOL:
		if (strcmp(text, "yes") == 0 || strcmp(text, "no") == 0) {
			json_bool(w, text[0] == 'y');
			return;
		}
		break;
	case FIELD_LIST:
		json_list(w, text);
		return;
	case FIELD_TEXT:
		break;
	}
	json_str(w, text);
}

static const char *
json_detail(const struct report *r, int step, const char *key)
{
	return report_find_detail(r, step, key);
}

static void
json_key_typed(struct json_w *w, const struct report *r, int step,
    const char *key, const char *name)
{
	const char *text = json_detail(r, step, key);

	json_key(w, name);
	if (text == NULL)
		json_null(w);
	else
		json_typed(w, key, text);
}

/* --- dates ------------------------------------------------------------ */

static void
json_date(struct json_w *w, int64_t unix_s)
{
	time_t t = (time_t)unix_s;
	struct tm tm;
	char buf[40];

	if (gmtime_r(&t, &tm) == NULL) {
		json_null(w);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_str(w, buf);
}

static void
json_started_at(struct json_w *w, int64_t wall_us)
{
	time_t t = (time_t)(wall_us / 1000000);
	struct tm tm;
	char buf[40];

	if (wall_us <= 0 || gmtime_r(&t, &tm) == NULL) {
		json_null(w);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	json_sep(w);
	fprintf(w->out, "\"%s.%06lldZ\"", buf, (long long)(wall_us % 1000000));
}

/* --- the document ----------------------------------------------------- */

static const char *
json_status_name(enum step_status s)
{
	switch (s) {
	case STEP_OK:
		return "ok";
	case STEP_FAILED:
		return "failed";
	case STEP_SKIPPED:
		return "skipped";
	case STEP_NOT_REACHED:
	case STEP_RUNNING:
		break;
	}
	return "not reached";
}

static void
json_states(struct json_w *w, const struct report_step_rec *s)
{
	static const char *const keys[REPORT_LAYERS] = { "tcp", "tls", "mqtt" };

	json_open(w, '{');
	for (int l = 0; l < REPORT_LAYERS; l++)
		json_key_str(w, keys[l], report_state_name(l, s->state[l]));
	json_close(w, '}');
}

/* The timed stages of a step (proxy tunnel, WebSocket upgrade). */
static void
json_stages(struct json_w *w, const struct report *r, int step)
{
	json_key(w, "stages");
	json_open(w, '[');
	for (size_t i = 0; i < r->nstages; i++) {
		const struct report_stage *st = &r->stages[i];

		if (st->step != step)
			continue;
		json_open(w, '{');
		json_key_str(w, "id", st->id);
		json_key_str(w, "name", st->name);
		json_key_str(w, "status", st->ok ? "ok" : "failed");
		json_key_int(w, "start_us", (long long)st->start_us);
		json_key_int(w, "duration_us",
		    (long long)(st->end_us - st->start_us));
		json_close(w, '}');
	}
	json_close(w, ']');
}

/* Findings of one step (or of every step, step -1), as a list of
 * objects with stable keys. */
static void
json_findings(struct json_w *w, const struct report *r, int step)
{
	json_key(w, "findings");
	json_open(w, '[');
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct report_finding *f = &r->findings[i];

		if (step >= 0 && f->step != step)
			continue;
		json_open(w, '{');
		json_key_str(w, "key", f->key);
		json_key_str(w, "severity", report_severity_name(f->severity));
		json_key_int(w, "step", f->step);
		json_key(w, "certificate");
		if (f->cert >= 0)
			json_int(w, f->cert);
		else
			json_null(w);
		json_key_str(w, "text", f->text);
		json_close(w, '}');
	}
	json_close(w, ']');
}

/* --clients: one object per client stack, empty without the option. */
static void
json_clients(struct json_w *w, const struct report *r)
{
	json_key(w, "clients");
	json_open(w, '[');
	for (size_t i = 0; i < r->nclients; i++) {
		const struct report_client *c = &r->clients[i];

		json_open(w, '{');
		json_key_str(w, "key", c->key);
		json_key_str(w, "name", c->name);
		json_key(w, "connects");
		json_bool(w, c->connects);
		json_key_str(w, "negotiated", c->negotiated[0] != '\0' ?
		    c->negotiated : NULL);
		json_key_str(w, "reason", c->connects ? NULL : c->why);
		json_close(w, '}');
	}
	json_close(w, ']');
}

/* The follow-up experiments after a failure. */
static void
json_diagnosis(struct json_w *w, const struct report *r)
{
	json_key(w, "diagnosis");
	json_open(w, '[');
	for (size_t i = 0; i < r->ndiagnoses; i++) {
		const struct report_diagnosis *d = &r->diagnoses[i];

		json_open(w, '{');
		json_key_str(w, "key", d->key);
		json_key_str(w, "verdict", report_diag_verdict_name(d->verdict));
		json_key_str(w, "tried", d->tried);
		json_key_str(w, "text", d->text);
		json_key_int(w, "duration_us", (long long)d->duration_us);
		json_close(w, '}');
	}
	json_close(w, ']');
}

/* The members of one step's object (without the braces). */
static void
json_step_members(struct json_w *w, const struct report *r, int step)
{
	const struct report_step_rec *s = &r->steps[step];
	bool ran = s->status == STEP_OK || s->status == STEP_FAILED;

	json_key_int(w, "number", step);
	json_key_str(w, "id", report_step_id(step));
	json_key_str(w, "name", report_step_name(step));
	json_key_str(w, "status", json_status_name(s->status));
	json_key(w, "start_us");
	if (ran)
		json_int(w, (long long)s->start_us);
	else
		json_null(w);
	json_key(w, "duration_us");
	if (ran)
		json_int(w, (long long)stats_step_us(r, step));
	else
		json_null(w);
	json_key(w, "states");
	if (ran)
		json_states(w, s);
	else
		json_null(w);
	/* events a flooding peer caused beyond what the report keeps */
	json_key_int(w, "events_dropped", (long long)s->events_dropped);
	json_key(w, "details");
	json_open(w, '{');
	for (size_t i = 0; i < s->ndetails; i++) {
		json_key(w, s->details[i].key);
		json_typed(w, s->details[i].key, s->details[i].text);
	}
	json_close(w, '}');
	json_stages(w, r, step);
	if (s->status == STEP_FAILED) {
		json_key_str(w, "reason", s->reason);
		json_key_str(w, "cause", report_cause_name(s->cause));
	} else if (s->status == STEP_SKIPPED && s->reason[0] != '\0')
		json_key_str(w, "reason", s->reason);
	json_findings(w, r, step);
}

/* "127.0.0.1 port 8883" as address and port. */
static void
json_peer(struct json_w *w, const struct report *r)
{
	const char *peer = json_detail(r, STEP_TCP, "peer");
	const char *cut = NULL;
	char addr[REPORT_TEXT_MAX];

	for (const char *p = peer; p != NULL && (p = strstr(p, " port ")) !=
	    NULL; p++)
		cut = p;
	if (cut == NULL) {
		json_key(w, "address");
		json_null(w);
		json_key(w, "port");
		json_null(w);
		return;
	}
	snprintf(addr, sizeof(addr), "%.*s", (int)(cut - peer), peer);
	json_key_str(w, "address", addr);
	json_key(w, "port");
	if (!json_number(w, cut + strlen(" port ")))
		json_null(w);
}

static void
json_head(struct json_w *w, const struct json_ctx *j, const struct report *r,
    const struct stats_facts *f)
{
	json_key_str(w, "type", "result");
	json_key_int(w, "schema", JSON_SCHEMA_VERSION);
	json_key_str(w, "target", j->target);
	json_key_int(w, "probe", j->probe);
	json_peer(w, r);
	/* stopped by the user (q at a --pause prompt) is neither */
	json_key_str(w, "verdict", f->exit_status == 0 ? "ok" :
	    r->stopped != 0 && r->failed_step == 0 ? "stopped" : "fail");
	json_key_int(w, "exit_status", f->exit_status);
	/* the failure at the top, so a consumer need not scan steps[] */
	json_key(w, "failed_step");
	if (r->failed_step != 0)
		json_int(w, r->failed_step);
	else
		json_null(w);
	json_key_str(w, "failed_step_id", r->failed_step != 0 ?
	    report_step_id(r->failed_step) : NULL);
	json_key_str(w, "cause", r->failed_step != 0 ?
	    report_cause_name(r->steps[r->failed_step].cause) : NULL);
	json_key_str(w, "reason", r->failed_step != 0 ?
	    r->steps[r->failed_step].reason : NULL);
	json_key(w, "stopped_before_step");
	if (r->stopped != 0)
		json_int(w, r->stopped);
	else
		json_null(w);
	json_key(w, "insecure");
	json_bool(w, j->insecure);
	json_key(w, "unverified");
	json_bool(w, f->unverified);
	json_key(w, "unencrypted");
	json_bool(w, f->unencrypted);
	/* certificate, psk or none; the identity only (never the key) */
	json_key_str(w, "authentication", report_auth_mode(r));
	json_key_str(w, "psk_identity", r->psk ? r->psk_identity : NULL);
	json_key(w, "started_at");
	json_started_at(w, r->started_wall_us);
	json_key_int(w, "duration_us", (long long)r->end_us);
	/* --pause: how long the walk was held, left out of every time */
	json_key_int(w, "held_us", (long long)r->held_us);
}

static void
json_chain(struct json_w *w, const struct report *r)
{
	int64_t now = r->started_wall_us / 1000000;

	json_key(w, "chain");
	json_open(w, '[');
	for (size_t i = 0; i < r->ncerts; i++) {
		const struct report_cert *c = &r->certs[i];

		json_open(w, '{');
		json_key_str(w, "subject", c->subject);
		json_key_str(w, "issuer", c->issuer);
		json_key(w, "sans");
		json_list(w, c->sans);
		json_key(w, "not_before");
		json_date(w, c->not_before);
		json_key(w, "not_after");
		json_date(w, c->not_after);
		json_key(w, "days_left");
		if (now > 0)
			json_int(w, (long long)((c->not_after - now) / 86400));
		else
			json_null(w);
		json_key_str(w, "sha256", c->sha256);
		json_key_str(w, "spki_sha256", c->spki_sha256);
		json_key_str(w, "key_type", c->key_type[0] != '\0' ?
		    c->key_type : NULL);
		json_key(w, "key_bits");
		if (c->key_bits > 0)
			json_int(w, c->key_bits);
		else
			json_null(w);
		json_key_str(w, "signature_algorithm", c->sig_alg);
		json_close(w, '}');
	}
	json_close(w, ']');
}

static void
json_verification(struct json_w *w, const struct report *r)
{
	const char *verdict = json_detail(r, STEP_VERIFY, "verdict");
	const char *problems = json_detail(r, STEP_VERIFY, "problems");

	json_key(w, "verification");
	json_open(w, '{');
	json_key(w, "trusted");
	if (verdict != NULL)
		json_bool(w, strcmp(verdict, "trusted") == 0);
	else
		json_null(w);
	json_key(w, "problems");
	if (problems != NULL)
		json_list(w, problems);
	else if (verdict != NULL)
		json_list(w, "");
	else
		json_null(w);
	json_key_typed(w, r, STEP_VERIFY, "checked_name", "checked_name");
	json_key_typed(w, r, STEP_VERIFY, "anchor", "anchor");
	json_key_typed(w, r, STEP_VERIFY, "ocsp_staple", "ocsp_staple");
	/* null unless a CRL or the staple revoked a certificate */
	json_key_typed(w, r, STEP_VERIFY, "revocation_reason",
	    "revocation_reason");
	json_close(w, '}');
}

static void
json_tls(struct json_w *w, const struct report *r)
{
	const char *alpn = json_detail(r, STEP_KEYS, "alpn_selected");
	int vstep = json_detail(r, STEP_KEYS, "tls_version") != NULL ?
	    STEP_KEYS : STEP_SERVER_CERT;

	json_key(w, "tls");
	json_open(w, '{');
	json_key_typed(w, r, vstep, "tls_version", "version");
	json_key_typed(w, r, STEP_KEYS, "cipher_suite", "cipher_suite");
	json_key_typed(w, r, STEP_KEYS, "group", "group");
	json_key_typed(w, r, STEP_KEYS, "signature", "signature");
	/* TLS-PSK only: PSK, ECDHE-PSK or DHE-PSK */
	json_key_typed(w, r, STEP_KEYS, "key_exchange", "key_exchange");
	/* "none (offered ...)": no protocol was agreed on */
	json_key(w, "alpn");
	json_str(w, alpn != NULL && !fields_absent(fields_find(
	    "alpn_selected"), alpn) ? alpn : NULL);
	json_close(w, '}');
}

/* CONNACK details that are not properties. */
static bool
json_connack_own(const char *key)
{
	return strcmp(key, "connack_code") == 0 ||
	    strcmp(key, "connack_reason") == 0 ||
	    strcmp(key, "session_present") == 0;
}

static void
json_mqtt(struct json_w *w, const struct report *r)
{
	const struct report_step_rec *s = &r->steps[STEP_CONNACK];

	json_key(w, "mqtt");
	json_open(w, '{');
	json_key_typed(w, r, STEP_CONNECT, "mqtt_version", "version");
	json_key_typed(w, r, STEP_CONNACK, "connack_code", "connack_code");
	json_key_typed(w, r, STEP_CONNACK, "connack_reason", "connack_reason");
	json_key_typed(w, r, STEP_CONNACK, "session_present",
	    "session_present");
	json_key(w, "properties");
	if (json_detail(r, STEP_CONNACK, "connack_code") == NULL)
		json_null(w);
	else {
		json_open(w, '{');
		for (size_t i = 0; i < s->ndetails; i++) {
			if (json_connack_own(s->details[i].key))
				continue;
			json_key(w, s->details[i].key);
			json_typed(w, s->details[i].key, s->details[i].text);
		}
		json_close(w, '}');
	}
	json_close(w, '}');
}

static const char *
json_level_name(enum stats_level l)
{
	return l == LEVEL_CRITICAL ? "critical" : l == LEVEL_WARNING ?
	    "warning" : "ok";
}

static void
json_expiry(struct json_w *w, const struct stats_limits *l, bool has,
    int64_t expiry_s, long days, bool expired)
{
	json_key(w, "expiry");
	json_open(w, '{');
	json_key(w, "days_left");
	if (has)
		json_int(w, days);
	else
		json_null(w);
	json_key(w, "not_after");
	if (has)
		json_date(w, expiry_s);
	else
		json_null(w);
	json_key(w, "status");
	json_str(w, has ? json_level_name(stats_days_level(l, days, expired)) :
	    NULL);
	json_close(w, '}');
}

static void
json_round_trip(struct json_w *w, const struct stats_limits *l, bool has,
    uint64_t us)
{
	json_key(w, "round_trip_us");
	if (has)
		json_int(w, (long long)us);
	else
		json_null(w);
	json_key(w, "round_trip_status");
	json_str(w, has ? json_level_name(stats_rtt_level(l, us)) : NULL);
}

static void
json_hints(struct json_w *w, const struct report *r)
{
	json_key(w, "hints");
	json_open(w, '[');
	for (size_t i = 0; i < r->nhints; i++)
		json_str(w, r->hints[i]);
	json_close(w, ']');
}

/*
 * --capabilities: one object per experiment's conclusion, keyed by its
 * stable name; null when the experiments did not run.
 */
/* A capability's members (without the braces), in the document and in
 * its jsonl line alike. */
static void
json_capability_members(struct json_w *w, const struct report_capability *c)
{
	json_key_str(w, "result", report_cap_result_name(c->result));
	json_key(w, "value");
	if (c->has_value)
		json_int(w, c->value);
	else
		json_null(w);
	json_key_str(w, "evidence", c->evidence);
	json_key_str(w, "advertised", c->advertised[0] != '\0' ?
	    c->advertised : NULL);
	json_key(w, "consistent");
	if (c->advertised[0] != '\0')
		json_bool(w, !c->mismatch);
	else
		json_null(w);
	json_key(w, "required");
	json_bool(w, c->required);
	json_key_int(w, "start_us", (long long)c->start_us);
	json_key_int(w, "duration_us",
	    (long long)(c->end_us - c->start_us));
	/* --trace: the packets that decided it */
	json_key(w, "packets");
	if (c->npackets == 0 && c->packets_dropped == 0) {
		json_null(w);
		json_key(w, "packets_not_shown");
		json_null(w);
		return;
	}
	json_open(w, '[');
	for (size_t i = 0; i < c->npackets; i++) {
		const struct report_cap_packet *p = &c->packets[i];

		json_open(w, '{');
		json_key_int(w, "at_us", (long long)p->at_us);
		json_key_str(w, "direction", p->dir == DIR_OUT ? "out" : "in");
		json_key_int(w, "size", (long long)p->size);
		json_key_str(w, "text", p->text);
		json_close(w, '}');
	}
	json_close(w, ']');
	json_key_int(w, "packets_not_shown", (long long)c->packets_dropped);
}

static void
json_capabilities(struct json_w *w, const struct report *r)
{
	json_key(w, "capabilities");
	if (!r->caps_ran) {
		json_null(w);
		return;
	}
	json_open(w, '{');
	for (size_t i = 0; i < r->ncaps; i++) {
		json_key(w, r->caps[i].name);
		json_open(w, '{');
		json_capability_members(w, &r->caps[i]);
		json_close(w, '}');
	}
	json_close(w, '}');
	json_key(w, "missing_required");
	json_open(w, '[');
	for (size_t i = 0; i < r->ncaps; i++)
		if (r->caps[i].required && r->caps[i].result != CAP_YES)
			json_str(w, r->caps[i].name);
	json_close(w, ']');
}

void
json_result(const struct json_ctx *j, const struct report *r,
    const struct stats_facts *f)
{
	struct json_w w = { .out = j->out };

	json_open(&w, '{');
	json_head(&w, j, r, f);
	json_key(&w, "steps");
	json_open(&w, '[');
	for (int s = 1; s <= REPORT_STEPS; s++) {
		json_open(&w, '{');
		json_step_members(&w, r, s);
		json_close(&w, '}');
	}
	json_close(&w, ']');
	json_chain(&w, r);
	json_verification(&w, r);
	json_tls(&w, r);
	json_mqtt(&w, r);
	json_round_trip(&w, j->limits, f->has_rtt, f->rtt_us);
	json_expiry(&w, j->limits, f->has_expiry, f->expiry_s, f->days_left,
	    f->expired);
	json_capabilities(&w, r);
	json_hints(&w, r);
	json_findings(&w, r, -1);
	json_diagnosis(&w, r);
	json_clients(&w, r);
	json_close(&w, '}');
	fputc('\n', j->out);
	fflush(j->out);
}

/* --- JSON Lines, live ------------------------------------------------- */

static void
json_line_head(struct json_w *w, const struct json_ctx *j, const char *type)
{
	json_open(w, '{');
	json_key_str(w, "type", type);
	json_key_int(w, "schema", JSON_SCHEMA_VERSION);
	json_key_str(w, "target", j->target);
	json_key_int(w, "probe", j->probe);
}

static const char *
json_event_kind(enum report_event_kind k)
{
	static const char *const names[] = { "info", "net", "tls-message",
	    "tls-record", "keys", "mqtt", "websocket", "proxy" };

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "info";
}

static void
json_event_line(const struct json_ctx *j, const struct report_event *e)
{
	struct json_w w = { .out = j->out };

	json_line_head(&w, j, "event");
	json_key_int(&w, "step", e->step);
	json_key_int(&w, "at_us", (long long)e->at_us);
	json_key_int(&w, "level", e->level);
	json_key_str(&w, "kind", json_event_kind(e->kind));
	json_key_str(&w, "direction", e->dir == DIR_OUT ? "out" :
	    e->dir == DIR_IN ? "in" : NULL);
	json_key_int(&w, "size", (long long)e->size);
	json_key_str(&w, "text", e->text);
	if (j->hexdump && e->bytes != NULL) {
		/* they end before CONNECT's password field (secret_cut) */
		json_key(&w, "bytes");
		json_sep(&w);
		fputc('"', j->out);
		for (size_t i = 0; i < e->nbytes; i++)
			fprintf(j->out, "%02x", e->bytes[i]);
		fputc('"', j->out);
	}
	if (j->hexdump && e->secret_cut) {
		/* not how many: that would be the password's length */
		json_key(&w, "bytes_end_before_password");
		json_bool(&w, true);
	} else if (j->hexdump && e->kind == EVK_MQTT && e->nbytes < e->size)
		/* bytes shows only the first ones: the report's bound */
		json_key_int(&w, "bytes_not_kept",
		    (long long)(e->size - e->nbytes));
	json_close(&w, '}');
	fputc('\n', j->out);
}

static void
json_step_line(const struct json_ctx *j, const struct report *r, int step)
{
	struct json_w w = { .out = j->out };

	json_line_head(&w, j, "step");
	json_step_members(&w, r, step);
	json_close(&w, '}');
	fputc('\n', j->out);
	/* a dashboard follows the probe as it runs */
	fflush(j->out);
}

static void
json_capability_line(const struct json_ctx *j,
    const struct report_capability *c)
{
	struct json_w w = { .out = j->out };

	json_line_head(&w, j, "capability");
	json_key_str(&w, "name", c->name);
	json_capability_members(&w, c);
	json_close(&w, '}');
	fputc('\n', j->out);
	fflush(j->out);
}

void
json_live(const struct report *r, const struct report_change *c, void *ctx)
{
	const struct json_ctx *j = ctx;

	switch (c->kind) {
	case RC_EVENT:
		if (j->events && r->nevents > 0)
			json_event_line(j, &r->events[r->nevents - 1]);
		return;
	case RC_STEP_OK:
	case RC_STEP_FAIL:
	case RC_STEP_SKIP:
		json_step_line(j, r, c->step);
		return;
	case RC_CAPABILITY:
		/* as each is decided: the experiments take seconds */
		if (r->ncaps > 0 && c->cap != NULL &&
		    strcmp(r->caps[r->ncaps - 1].name, c->cap->name) == 0)
			json_capability_line(j, &r->caps[r->ncaps - 1]);
		return;
	case RC_END:
		/* the steps a failure kept from running: every step has
		 * its line, as in the document */
		for (int s = 1; s <= REPORT_STEPS; s++)
			if (r->steps[s].status == STEP_NOT_REACHED ||
			    r->steps[s].status == STEP_RUNNING)
				json_step_line(j, r, s);
		return;
	default:
		return;
	}
}

/* --- the summary of a series ---------------------------------------------- */

static void
json_series(struct json_w *w, const struct stats_series *s)
{
	json_key_int(w, "n", (long long)s->n);
	json_key(w, "min_us");
	s->n > 0 ? json_int(w, (long long)s->min) : json_null(w);
	json_key(w, "avg_us");
	s->n > 0 ? json_real(w, s->mean) : json_null(w);
	json_key(w, "max_us");
	s->n > 0 ? json_int(w, (long long)s->max) : json_null(w);
	json_key(w, "stddev_us");
	s->n > 0 ? json_real(w, stats_series_stddev(s)) : json_null(w);
}

void
json_summary(const struct json_ctx *j, const struct stats_target *t)
{
	struct json_w w = { .out = j->out };

	json_open(&w, '{');
	json_key_str(&w, "type", "summary");
	json_key_int(&w, "schema", JSON_SCHEMA_VERSION);
	json_key_str(&w, "target", j->target);
	json_key_int(&w, "probes", t->probes);
	json_key_int(&w, "ok", t->probes - t->failed);
	json_key_int(&w, "failed", t->failed);
	json_key_int(&w, "unverified", t->unverified);
	json_key_int(&w, "unencrypted", t->unencrypted);
	/* the last probe's, as in its result line */
	json_key_str(&w, "authentication", t->auth[0] != '\0' ? t->auth :
	    NULL);
	json_key_str(&w, "psk_identity", t->psk_identity[0] != '\0' ?
	    t->psk_identity : NULL);
	json_key(&w, "interrupted");
	json_bool(&w, t->interrupted);
	json_key_int(&w, "exit_status", t->worst_status);
	json_key(&w, "steps");
	json_open(&w, '[');
	for (int s = 1; s <= REPORT_STEPS; s++) {
		json_open(&w, '{');
		json_key_int(&w, "number", s);
		json_key_str(&w, "id", report_step_id(s));
		json_key_str(&w, "name", report_step_name(s));
		json_key_int(&w, "failures", t->failed_at[s]);
		json_series(&w, &t->step[s]);
		json_close(&w, '}');
	}
	json_close(&w, ']');
	json_key(&w, "total");
	json_open(&w, '{');
	json_series(&w, &t->total);
	json_close(&w, '}');
	json_key(&w, "round_trip");
	json_open(&w, '{');
	json_series(&w, &t->rtt);
	json_close(&w, '}');
	json_expiry(&w, j->limits, t->has_expiry, t->expiry_s, t->days_left,
	    t->expired);
	json_close(&w, '}');
	fputc('\n', j->out);
	fflush(j->out);
}
