/*
 * diagnose.c: the follow-up experiments (see diagnose.h).
 *
 * Each one copies the probe's engine_config, changes the one thing it
 * tests (MQTT version, client id, the TLS offer), walks only as far as
 * it needs, and reads the answer from its own scratch report.  The
 * budget is shared: all of them end within one more --timeout.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diagnose.h"

/* An experiment with less time than this left is not started. */
#define DIAGNOSE_MIN_US 50000u

/*
 * What is tried after a handshake failure: each offer alone, so the
 * answer says what the server does accept.  Absolute strings, not edits
 * of the user's --priority: the question is what the server takes.
 */
const struct diagnose_offer diagnose_offers[] = {
	{ "tls_1_3_only", "TLS 1.3 only",
	    "NORMAL:-VERS-ALL:+VERS-TLS1.3", "--tls-version 13" },
	{ "tls_1_2_only", "TLS 1.2 only",
	    "NORMAL:-VERS-ALL:+VERS-TLS1.2", "--tls-version 12" },
	{ "all_groups_and_signatures", "TLS 1.3 and 1.2 with every group, "
	    "signature algorithm and cipher GnuTLS has, RSA key transport "
	    "included",
	    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:+GROUP-ALL:+SIGN-ALL:"
	    "+CIPHER-ALL:+MAC-ALL:+RSA",
	    "--priority 'NORMAL:+GROUP-ALL:+SIGN-ALL:+CIPHER-ALL:+MAC-ALL:"
	    "+RSA'" },
	{ "legacy_tls_1_0_1_1", "TLS 1.1 and 1.0 (legacy)",
	    "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0:+RSA:+CIPHER-ALL:"
	    "+MAC-ALL:+SIGN-ALL",
	    "nothing safe: the broker offers only versions that are broken; "
	    "upgrade it" },
	{ NULL, NULL, NULL, NULL },
};

struct diagnose {
	const struct engine_config *cfg;
	const struct engine_io *io;
	struct report *r;
	uint64_t deadline;		/* end of the whole budget */
};

static uint64_t
diagnose_now(const struct diagnose *d)
{
	return d->io->clock.now_us(d->io->clock.ctx);
}

static void
diagnose_record(struct diagnose *d, const char *key,
    enum report_diag_verdict v, uint64_t took, const char *tried,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void
diagnose_record(struct diagnose *d, const char *key,
    enum report_diag_verdict v, uint64_t took, const char *tried,
    const char *fmt, ...)
{
	struct report_diagnosis x = { .verdict = v, .duration_us = took };
	va_list ap;

	snprintf(x.key, sizeof(x.key), "%s", key);
	snprintf(x.tried, sizeof(x.tried), "%s", tried);
	va_start(ap, fmt);
	vsnprintf(x.text, sizeof(x.text), fmt, ap);
	va_end(ap);
	report_diagnosis(d->r, &x);
}

/*
 * Walk once more with cfg (its timeout cut to what the budget has
 * left) into sub; false when no time is left to try.
 */
static bool
diagnose_walk(struct diagnose *d, struct engine_config *cfg,
    struct report *sub, uint64_t *took)
{
	struct engine_io io = *d->io;
	uint64_t now = diagnose_now(d), left;

	if (now + DIAGNOSE_MIN_US >= d->deadline)
		return false;
	left = d->deadline - now;
	if (cfg->timeout_us > left)
		cfg->timeout_us = left;
	/* no --pause, and nothing to show live: only the answer counts */
	io.before_step = NULL;
	io.step_ctx = NULL;
	cfg->packet_bytes = false;
	cfg->tls.keylog = NULL;
	report_init(sub, NULL, NULL);
	engine_run(cfg, &io, sub);
	*took = diagnose_now(d) - now;
	return true;
}

/* "failed at step 7 (CONNACK received): ..." or "connected". */
static void
diagnose_outcome(const struct report *sub, char *buf, size_t len)
{
	int f = sub->failed_step;

	if (f == 0)
		snprintf(buf, len, "it got through");
	else
		snprintf(buf, len, "it failed at step %d (%s): %s", f,
		    report_step_name(f), sub->steps[f].reason);
}

/* No CONNACK after an MQTT 5.0 CONNECT: does 3.1.1 get one? */
static bool
diagnose_mqtt_version(struct diagnose *d)
{
	struct engine_config cfg = *d->cfg;
	struct report sub;
	char out[REPORT_TEXT_MAX];
	uint64_t took = 0;
	bool ok;

	cfg.mqtt_version = 4;
	cfg.steps = STEP_CONNACK;
	if (!diagnose_walk(d, &cfg, &sub, &took))
		return false;
	ok = sub.failed_step == 0;
	diagnose_outcome(&sub, out, sizeof(out));
	if (ok)
		diagnose_record(d, "mqtt_version", DIAG_CONFIRMED, took,
		    "the same CONNECT as MQTT 3.1.1", "the broker accepted "
		    "MQTT 3.1.1 (CONNACK 0x00): this broker does not speak "
		    "MQTT 5: use -V 3.1.1");
	else
		diagnose_record(d, "mqtt_version", DIAG_RULED_OUT, took,
		    "the same CONNECT as MQTT 3.1.1", "%s: the MQTT version "
		    "is not the cause", out);
	report_free(&sub);
	return ok;
}

/* The broker hung up after CONNECT: was it the client id? */
static void
diagnose_client_id(struct diagnose *d, const char *other)
{
	struct engine_config cfg = *d->cfg;
	struct report sub;
	char out[REPORT_TEXT_MAX], tried[256];
	uint64_t took = 0;

	if (other == NULL || strcmp(other, d->cfg->client_id) == 0)
		return;
	cfg.client_id = other;
	cfg.steps = STEP_CONNACK;
	snprintf(tried, sizeof(tried), "client id '%s' instead of '%s'",
	    other, d->cfg->client_id);
	if (!diagnose_walk(d, &cfg, &sub, &took))
		return;
	diagnose_outcome(&sub, out, sizeof(out));
	if (sub.failed_step == 0)
		diagnose_record(d, "client_id", DIAG_CONFIRMED, took, tried,
		    "the broker accepted '%s': the client id '%s' was the "
		    "cause (already in use by another client, or against the "
		    "broker's rules for ids); choose another with -i", other,
		    d->cfg->client_id);
	else
		diagnose_record(d, "client_id", DIAG_RULED_OUT, took, tried,
		    "%s: the client id is not the cause", out);
	report_free(&sub);
}

/* A handshake failure: which offers does the server take? */
static void
diagnose_tls(struct diagnose *d)
{
	char accepted[REPORT_TEXT_MAX] = "";
	size_t used = 0;
	unsigned tried = 0, took_ok = 0;

	for (const struct diagnose_offer *o = diagnose_offers; o->key != NULL;
	    o++) {
		struct engine_config cfg = *d->cfg;
		struct report sub;
		char out[REPORT_TEXT_MAX];
		uint64_t took = 0;

		cfg.tls.priority = o->priority;
		/* what the server accepts, not whether we trust it: the
		 * verdict was given by the probe itself */
		cfg.insecure = true;
		cfg.steps = STEP_KEYS;
		if (!diagnose_walk(d, &cfg, &sub, &took))
			break;
		tried++;
		if (sub.failed_step == 0) {
			const char *v = report_find_detail(&sub, STEP_KEYS,
			    "tls_version");
			const char *cs = report_find_detail(&sub, STEP_KEYS,
			    "cipher_suite");
			const char *g = report_find_detail(&sub, STEP_KEYS,
			    "group");

			took_ok++;
			diagnose_record(d, o->key, DIAG_CONFIRMED, took,
			    o->name, "the server accepted it: %s %s%s%s; use "
			    "%s", v != NULL ? v : "?", cs != NULL ? cs : "?",
			    g != NULL ? ", group " : "", g != NULL ? g : "",
			    o->advice);
			if (used < sizeof(accepted))
				used += (size_t)snprintf(accepted + used,
				    sizeof(accepted) - used, "%s%s",
				    used > 0 ? "; " : "", o->name);
		} else {
			diagnose_outcome(&sub, out, sizeof(out));
			diagnose_record(d, o->key, DIAG_RULED_OUT, took,
			    o->name, "%s", out);
		}
		report_free(&sub);
	}
	if (tried > 0 && took_ok == 0)
		diagnose_record(d, "tls_offers", DIAG_INCONCLUSIVE, 0,
		    "every offer above", "the server refused all of them: it "
		    "may want a client certificate, a name in SNI, or be no "
		    "TLS server at all");
}

void
diagnose_run(const struct engine_config *cfg, const struct engine_io *io,
    const struct diagnose_config *dc, struct report *r)
{
	struct diagnose d = { .cfg = cfg, .io = io, .r = r };
	int f = r->failed_step;
	enum report_cause cause = f > 0 ? r->steps[f].cause : CAUSE_NONE;

	if (f == 0 || cause == CAUSE_INTERRUPTED || cause == CAUSE_LOCAL)
		return;
	d.deadline = diagnose_now(&d) + dc->budget_us;
	if (f == STEP_CONNACK && (cause == CAUSE_CLOSED ||
	    cause == CAUSE_TIMEOUT)) {
		/* the version first: the likelier cause, and a broker that
		 * does not speak 5.0 also hangs up on any client id */
		if (cfg->mqtt_version == 5 && diagnose_mqtt_version(&d))
			return;
		if (cause == CAUSE_CLOSED)
			diagnose_client_id(&d, dc->other_client_id);
		return;
	}
	/* the offers are certificate ones: under PSK they would test
	 * another handshake than the one that failed */
	if (cfg->tls.priority == NULL && cfg->psk_identity == NULL &&
	    f >= STEP_CLIENT_HELLO &&
	    f <= STEP_KEYS && (cause == CAUSE_TLS || (cause == CAUSE_CLOSED &&
	    f == STEP_SERVER_CERT)) &&
	    /* a refused client certificate is named already, and no offer
	     * would change it */
	    strstr(r->steps[f].reason, "certificate") == NULL)
		diagnose_tls(&d);
}
