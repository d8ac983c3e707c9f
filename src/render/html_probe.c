/*
 * html_probe.c: one probe's walk in the HTML report.
 *
 * The verdict and the settings that matter come first, then the
 * pictures (waterfall, tracker, ladder, chain), then each step with its
 * details and its --explain text folded, and at the end every event as
 * --trace lists them, folded too.  Everything here reads the report;
 * the texts of details and reasons are the ones the other formats show.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "explain.h"
#include "fields.h"
#include "html_parts.h"
#include "render.h"

#define PROBE_TEXT_MAX (REPORT_TEXT_MAX * 8)

static const char *
probe_detail(const struct report *r, int step, const char *key)
{
	const char *v = report_find_detail(r, step, key);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void
probe_setting(FILE *out, const char *label, const char *value,
    const char *cls)
{
	fprintf(out, "<dt>%s</dt><dd%s%s%s>", label, cls != NULL ?
	    " class=\"" : "", cls != NULL ? cls : "", cls != NULL ? "\"" : "");
	html_text(out, value);
	fputs("</dd>", out);
}

/* mqtt:// or ws://: whatever was sent, was sent in the clear. */
static bool
probe_unencrypted(const struct report *r)
{
	return r->unencrypted;
}

static void
probe_verdict(FILE *out, const struct html_settings *s,
    const struct html_where *w, const struct report *r)
{
	char text[PROBE_TEXT_MAX];
	bool ok = r->failed_step == 0;
	/* stopped by the user at a --pause prompt: no fault of anyone's */
	bool stopped = ok && r->stopped != 0;
	const char *cls = !ok ? "fail" : stopped || r->unverified ||
	    probe_unencrypted(r) ? "warn" : "ok";

	render_verdict(r, w->arg, (int)s->steps, text, sizeof(text));
	fprintf(out, "<div class=\"verdict %s\"><span class=\"vw\">%s</span> ",
	    cls, stopped ? "STOPPED" : ok ? "OK" : "FAIL");
	/* the verdict line without its first word, which is the badge */
	html_text(out, text + strcspn(text, " ") + (text[0] != '\0'));
	fputs("</div>\n", out);
	if (r->unverified)
		fputs("<p class=\"alarm\">UNVERIFIED: the broker's certificate "
		    "is NOT trusted; the walk went on only because of "
		    "--insecure.</p>\n", out);
	if (probe_unencrypted(r))
		fputs("<p class=\"alarm\">UNENCRYPTED: no TLS; everything, the "
		    "password included, crossed the network in the clear.</p>\n",
		    out);
}

static void
probe_settings(FILE *out, const struct html_settings *s,
    const struct html_where *w, unsigned number, const struct report *r)
{
	char buf[PROBE_TEXT_MAX];
	const char *v;

	fputs("<dl class=\"settings\">", out);
	probe_setting(out, "target", w->arg, NULL);
	snprintf(buf, sizeof(buf), "%s port %u%s%s", w->host, w->port,
	    w->via != NULL ? " via " : "", w->via != NULL ? w->via : "");
	probe_setting(out, "connects to", buf, NULL);
	if ((v = probe_detail(r, STEP_TCP, "peer")) != NULL)
		probe_setting(out, "connected to", v, NULL);
	if (s->count > 1) {
		snprintf(buf, sizeof(buf), "%u of %u", number, s->count);
		probe_setting(out, "probe", buf, NULL);
	}
	if (r->started_wall_us != 0) {
		time_t t = (time_t)(r->started_wall_us / 1000000);
		struct tm tm;

		if (gmtime_r(&t, &tm) != NULL &&
		    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
			probe_setting(out, "started", buf, NULL);
	}
	v = probe_detail(r, STEP_CONNECT, "mqtt_version");
	probe_setting(out, "MQTT version", v != NULL ? v :
	    s->mqtt_version == 5 ? "5.0" : "3.1.1", NULL);
	v = probe_detail(r, STEP_KEYS, "tls_version");
	if (v == NULL)
		v = probe_detail(r, STEP_SERVER_CERT, "tls_version");
	probe_setting(out, "TLS version", v != NULL ? v :
	    probe_unencrypted(r) ? "none: UNENCRYPTED" : "not negotiated",
	    probe_unencrypted(r) ? "bad" : NULL);
	if ((v = probe_detail(r, STEP_KEYS, "cipher_suite")) != NULL)
		probe_setting(out, "cipher suite", v, NULL);
	v = probe_detail(r, STEP_VERIFY, "trust_store");
	if (v == NULL)
		v = s->cafile != NULL ? s->cafile : s->capath != NULL ?
		    s->capath : "the system's trust store";
	if (r->psk) {
		/* the key authenticates: no CA, nothing to verify */
		probe_setting(out, "authentication", "pre-shared key "
		    "(TLS-PSK), no certificate", NULL);
		probe_setting(out, "PSK identity", r->psk_identity, NULL);
	} else {
		if (!probe_unencrypted(r))
			probe_setting(out, "trusted CAs", v, NULL);
		probe_setting(out, "verification", probe_unencrypted(r) ?
		    "none: no TLS, no certificate" : s->insecure ?
		    "--insecure: checked and reported, not enforced" : "on",
		    s->insecure || probe_unencrypted(r) ? "bad" : NULL);
	}
	if (r->unverified)
		probe_setting(out, "certificate", "UNVERIFIED", "bad");
	snprintf(buf, sizeof(buf), "%.3g s for the whole probe",
	    (double)s->timeout_us / 1e6);
	probe_setting(out, "timeout", buf, NULL);
	if (s->steps < REPORT_STEPS) {
		snprintf(buf, sizeof(buf), "the first %u (--steps)", s->steps);
		probe_setting(out, "steps", buf, NULL);
	}
	fputs("</dl>\n", out);
}

static void
probe_explain(FILE *out, const struct report *r, int step)
{
	static const char sep[] = { EXPLAIN_PARAGRAPH, '\0' };
	char text[8192];
	const char *p = text;

	if (explain_step(r, step, text, sizeof(text)) == 0)
		return;
	fputs("<details class=\"explain\"><summary>What happened here"
	    "</summary>", out);
	while (*p != '\0') {
		size_t n = strcspn(p, sep);

		fputs("<p>", out);
		html_textn(out, p, n);
		fputs("</p>", out);
		p += n;
		if (*p != '\0')
			p++;
	}
	fputs("</details>", out);
}

static void
probe_step(FILE *out, const struct report *r, int step)
{
	const struct report_step_rec *s = &r->steps[step];
	bool ran = s->status == STEP_OK || s->status == STEP_FAILED;
	const char *cls = s->status == STEP_FAILED ? "fail" :
	    s->status == STEP_OK ? (step == STEP_VERIFY && r->unverified ?
	    "warn" : "ok") : "nr";

	fprintf(out, "<div class=\"step %s\" id=\"step-%d\"><h4><span "
	    "class=\"sn\">%d</span> %s <span class=\"st\">%s", cls, step,
	    step, report_step_name(step), s->status == STEP_FAILED ? "FAILED" :
	    report_status_name(s->status));
	if (s->status == STEP_SKIPPED && s->reason[0] != '\0') {
		fputs(": ", out);
		html_text(out, s->reason);
	}
	fputs("</span>", out);
	if (ran) {
		fputs(" <span class=\"dur\">", out);
		html_ms(out, stats_step_us(r, step));
		fputs("</span>", out);
	}
	fputs("</h4>", out);
	if (!ran) {
		fputs("</div>\n", out);
		return;
	}
	if (s->ndetails > 0)
		fputs("<dl class=\"details\">", out);
	for (size_t i = 0; i < s->ndetails; i++) {
		const struct field *f = fields_find(s->details[i].key);
		char value[REPORT_TEXT_MAX * 2], label[REPORT_KEY_MAX];
		bool loud = strcmp(s->details[i].key, "insecure") == 0 ||
		    (strcmp(s->details[i].key, "verdict") == 0 &&
		    strcmp(s->details[i].text, "trusted") != 0);

		/* a key the table does not know reads better without '_' */
		snprintf(label, sizeof(label), "%s", f->label);
		for (char *p = label; *p != '\0'; p++)
			if (*p == '_')
				*p = ' ';
		fields_format(f, s->details[i].text, value, sizeof(value));
		fputs("<dt>", out);
		html_text(out, label);
		fprintf(out, "</dt><dd%s>", loud ? " class=\"bad\"" : "");
		html_text(out, value);
		fputs("</dd>", out);
	}
	if (s->ndetails > 0)
		fputs("</dl>", out);
	if (s->status == STEP_FAILED) {
		fprintf(out, "<p class=\"reason\">failed (%s): ",
		    report_cause_name(s->cause));
		html_text(out, s->reason);
		fputs("</p>", out);
	}
	probe_explain(out, r, step);
	fputs("</div>\n", out);
}

static const char *
probe_kind(enum report_event_kind k)
{
	switch (k) {
	case EVK_NET:
		return "NET";
	case EVK_TLS_MSG:
		return "TLS";
	case EVK_TLS_RECORD:
		return "RECORD";
	case EVK_KEYS:
		return "KEYS";
	case EVK_MQTT:
		return "MQTT";
	case EVK_INFO:
	default:
		return "NOTE";
	}
}

/* --hexdump's bytes (they end before CONNECT's password field). */
static void
probe_hexdump(FILE *out, const uint8_t *b, size_t n)
{
	fputs("<pre class=\"hex\">", out);
	for (size_t off = 0; off < n; off += 16) {
		fprintf(out, "%04zx  ", off);
		for (size_t i = 0; i < 16; i++)
			if (off + i < n)
				fprintf(out, "%02x ", b[off + i]);
			else
				fputs("   ", out);
		fputs(" |", out);
		for (size_t i = 0; i < 16 && off + i < n; i++) {
			char c[2] = { isprint(b[off + i]) && b[off + i] < 0x7f ?
			    (char)b[off + i] : '.', '\0' };

			html_text(out, c);
		}
		fputs("|\n", out);
	}
	fputs("</pre>", out);
}

static void
probe_events(FILE *out, const struct report *r)
{
	if (r->nevents == 0)
		return;
	fprintf(out, "<details class=\"events\"><summary>Every event, as "
	    "--trace lists them (%zu)</summary><table class=\"trace\"><thead>"
	    "<tr><th>time</th><th>step</th><th>dir</th><th>kind</th>"
	    "<th>bytes</th><th>what</th></tr></thead><tbody>", r->nevents);
	for (size_t i = 0; i < r->nevents; i++) {
		const struct report_event *e = &r->events[i];

		fprintf(out, "<tr class=\"k-%s\"><td>%.3f ms</td><td>%d</td>"
		    "<td>%s</td><td>%s</td><td>", probe_kind(e->kind),
		    (double)e->at_us / 1000.0, e->step, e->dir == DIR_OUT ?
		    "&#8594;" : e->dir == DIR_IN ? "&#8592;" : "",
		    probe_kind(e->kind));
		if (e->size > 0)
			fprintf(out, "%zu", e->size);
		fputs("</td><td>", out);
		html_text(out, e->text);
		if (e->bytes != NULL && e->nbytes > 0)
			probe_hexdump(out, e->bytes, e->nbytes);
		if (e->bytes != NULL && e->secret_cut)
			fputs("<p class=\"reason\">Then the password field, its "
			    "length included: not shown.</p>", out);
		fputs("</td></tr>", out);
	}
	fputs("</tbody></table>", out);
	for (int s = 1; s <= REPORT_STEPS; s++)
		if (r->steps[s].events_dropped > 0)
			fprintf(out, "<p class=\"reason\">Step %d: %llu more "
			    "event%s not shown (the report keeps the first %d of "
			    "a step).</p>", s, (unsigned long long)
			    r->steps[s].events_dropped,
			    r->steps[s].events_dropped == 1 ? "" : "s",
			    REPORT_MAX_EVENTS);
	fputs("</details>\n", out);
}

void
html_probe(FILE *out, const struct html_settings *s,
    const struct html_where *w, unsigned number, const struct report *r,
    const struct stats_facts *f)
{
	(void)f;
	probe_verdict(out, s, w, r);
	probe_settings(out, s, w, number, r);
	fputs("<h3>Waterfall</h3>\n<p class=\"muted\">Each step on one time "
	    "axis, with what crossed the network while it ran; hover a mark "
	    "for its detail.</p>\n", out);
	html_waterfall(out, r);
	fputs("<h3>Status tracker</h3>\n", out);
	html_tracker(out, r);
	fputs("<h3>Ladder</h3>\n<p class=\"muted\">Every TLS message, TLS "
	    "record and MQTT packet, in order, with its time and size.</p>\n",
	    out);
	html_ladder(out, r);
	fputs("<h3>Certificate chain</h3>\n", out);
	html_chain(out, r);
	fputs("<h3>Steps</h3>\n<div class=\"steps\">\n", out);
	for (int step = 1; step <= REPORT_STEPS; step++)
		probe_step(out, r, step);
	fputs("</div>\n", out);
	if (r->nhints > 0) {
		fputs("<ul class=\"hints\">", out);
		for (size_t i = 0; i < r->nhints; i++) {
			fputs("<li><b>hint:</b> ", out);
			html_text(out, r->hints[i]);
			fputs("</li>", out);
		}
		fputs("</ul>\n", out);
	}
	html_diagnosis(out, r);
	html_capabilities(out, r);
	probe_events(out, r);
}
