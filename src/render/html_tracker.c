/*
 * html_tracker.c: the status tracker and the certificate chain.
 *
 * The tracker is the walkthrough's table: the three layers as rows,
 * Start and the state after each step as columns.  A state that changed
 * at a step is bold, the layer that failed is red, steps that did not
 * run are dashes.  The chain is a card per certificate, the broker's
 * own first, in the order the broker sent them.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "html_parts.h"

static bool
tracker_failed(int layer, int state)
{
	return (layer == LAYER_TCP && state == ST_TCP_FAILED) ||
	    (layer == LAYER_TLS && state == ST_TLS_FAILED) ||
	    (layer == LAYER_MQTT && state == ST_MQTT_FAILED);
}

static bool
tracker_ran(const struct report *r, int step)
{
	return step == 0 || r->steps[step].status == STEP_OK ||
	    r->steps[step].status == STEP_FAILED;
}

void
html_tracker(FILE *out, const struct report *r)
{
	fputs("<table class=\"tracker\"><thead><tr><th>Layer</th>"
	    "<th>Start</th>", out);
	for (int s = 1; s <= REPORT_STEPS; s++)
		fprintf(out, "<th>After %d<small>%s</small></th>", s,
		    report_step_name(s));
	fputs("</tr></thead><tbody>", out);
	for (int l = 0; l < REPORT_LAYERS; l++) {
		int prev = -1;

		fprintf(out, "<tr><th>%s</th>", report_layer_name(l));
		for (int s = 0; s <= REPORT_STEPS; s++) {
			const struct report_step_rec *st = &r->steps[s];
			int v = st->state[l];
			bool unverified = r->unverified && l != LAYER_TCP &&
			    s >= STEP_VERIFY && ((l == LAYER_TLS &&
			    (v == ST_TLS_CERT_VERIFIED || v == ST_TLS_SECURE)) ||
			    (l == LAYER_MQTT && (v == ST_MQTT_CONNACKED ||
			    v == ST_MQTT_SECURE)));

			/* skipped for a reason (no TLS): the layers kept
			 * their states, shown as such */
			if (st->status == STEP_SKIPPED && st->reason[0] != '\0') {
				fputs("<td class=\"same\">", out);
				fputs(report_state_name(l, v), out);
				fputs("<small>skipped</small></td>", out);
				prev = v;
				continue;
			}
			if (!tracker_ran(r, s)) {
				fprintf(out, "<td class=\"nr\">%s</td>",
				    st->status == STEP_SKIPPED ? "skipped" :
				    "&#8212;");
				continue;
			}
			fprintf(out, "<td class=\"%s%s\">",
			    tracker_failed(l, v) ? "fail" : v != prev &&
			    s > 0 ? "chg" : "same", unverified ? " warn" : "");
			if (tracker_failed(l, v))
				fputs("&#10007; ", out);
			fputs(report_state_name(l, v), out);
			if (unverified)
				fputs("<small>UNVERIFIED (--insecure)</small>",
				    out);
			fputs("</td>", out);
			prev = v;
		}
		fputs("</tr>", out);
	}
	fputs("</tbody></table>\n", out);
}

static void
chain_date(FILE *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, sizeof(buf), "%lld", (long long)t);
	fputs(buf, out);
}

static void
chain_row(FILE *out, const char *label, const char *value, const char *cls)
{
	fprintf(out, "<dt>%s</dt><dd%s%s%s>", label, cls != NULL ?
	    " class=\"" : "", cls != NULL ? cls : "", cls != NULL ? "\"" : "");
	html_text(out, value[0] != '\0' ? value : "none");
	fputs("</dd>", out);
}

static bool
chain_has_error(const struct report *r, int cert)
{
	for (size_t i = 0; i < r->nfindings; i++)
		if (r->findings[i].cert == cert &&
		    r->findings[i].severity == SEV_ERROR)
			return true;
	return false;
}

static void
chain_finding(FILE *out, const struct report_finding *f)
{
	fprintf(out, "<li class=\"sev-%s\"><b>%s</b> ",
	    report_severity_name(f->severity),
	    report_severity_name(f->severity));
	html_text(out, f->text);
	fputs(" <code>", out);
	html_text(out, f->key);
	fputs("</code></li>", out);
}

/* The findings about certificate cert (-1: about none in particular). */
static void
chain_findings(FILE *out, const struct report *r, int cert)
{
	bool any = false;

	for (size_t i = 0; i < r->nfindings; i++) {
		if (r->findings[i].cert != cert)
			continue;
		if (!any)
			fputs("<ul class=\"findings\">", out);
		any = true;
		chain_finding(out, &r->findings[i]);
	}
	if (any)
		fputs("</ul>", out);
}

void
html_chain(FILE *out, const struct report *r)
{
	int64_t now = r->started_wall_us != 0 ? r->started_wall_us / 1000000 :
	    (int64_t)time(NULL);

	if (r->ncerts == 0) {
		fputs(r->psk ? "<p class=\"muted\">No certificate: a "
		    "pre-shared key (TLS-PSK) authenticates the server.</p>\n" :
		    "<p class=\"muted\">No certificate was received.</p>\n",
		    out);
		chain_findings(out, r, -1);
		return;
	}
	fputs("<div class=\"chain\">", out);
	for (size_t i = 0; i < r->ncerts; i++) {
		const struct report_cert *c = &r->certs[i];
		long days = (long)((c->not_after - now) / 86400);
		bool expired = c->not_after <= now, early = c->not_before > now;

		if (i > 0)
			fputs("<div class=\"link\" title=\"issued by\">&#8594;"
			    "<small>issued by</small></div>", out);
		fprintf(out, "<div class=\"card%s\"><h4>#%zu %s</h4><dl>",
		    expired || early || chain_has_error(r, (int)i) ?
		    " card-bad" : "",
		    i, i == 0 ?
		    "the broker's certificate" : "CA certificate sent along");
		chain_row(out, "subject", c->subject, NULL);
		chain_row(out, "issuer", c->issuer, NULL);
		chain_row(out, "names", c->sans, NULL);
		fputs("<dt>validity</dt><dd>", out);
		chain_date(out, c->not_before);
		fputs(" to ", out);
		chain_date(out, c->not_after);
		if (expired)
			fprintf(out, " <b class=\"fail\">expired %ld day%s ago"
			    "</b>", -days, days == -1 ? "" : "s");
		else if (early)
			fputs(" <b class=\"fail\">not valid yet</b>", out);
		else
			fprintf(out, " <span class=\"muted\">(%ld day%s "
			    "left)</span>", days, days == 1 ? "" : "s");
		fputs("</dd>", out);
		if (c->key_type[0] != '\0') {
			char key[64];

			snprintf(key, sizeof(key), "%s, %u bits", c->key_type,
			    c->key_bits);
			chain_row(out, "key", key, NULL);
		}
		if (c->sig_alg[0] != '\0')
			chain_row(out, "signed with", c->sig_alg, NULL);
		chain_row(out, "key pin (SPKI SHA-256)", c->spki_sha256, "fp");
		chain_row(out, "fingerprint (SHA-256)", c->sha256, "fp");
		fputs("</dl>", out);
		chain_findings(out, r, (int)i);
		fputs("</div>", out);
	}
	fputs("</div>\n", out);
	chain_findings(out, r, -1);
}
