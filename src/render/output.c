/*
 * output.c: dispatch to the renderer of the chosen format, and the
 * parts of the text output that only exist around the walkthrough:
 * the header line, the threshold warnings, the one-line result of each
 * probe of a series and the statistics after it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define OUTPUT_LINE_MAX (REPORT_TEXT_MAX * 4)

void
output_config_init(struct output_config *c, const struct options *o,
    bool color)
{
	memset(c, 0, sizeof(*c));
	c->format = o->format;
	c->quiet = o->quiet;
	c->verbose = o->verbose;
	c->color = color;
	c->explain = o->explain;
	c->trace = o->trace;
	c->hexdump = o->hexdump;
	c->insecure = o->insecure;
	c->count = o->count;
	c->interval_us = o->interval_us;
	c->steps = o->steps;
	c->mqtt_version = o->mqtt_version;
	c->timeout_us = o->timeout_us;
	c->limits.warn_days = o->warn_days;
	c->limits.crit_days = o->crit_days;
	c->limits.warn_rtt_us = o->warn_rtt_us;
	c->limits.crit_rtt_us = o->crit_rtt_us;
	c->html.insecure = o->insecure;
	c->html.cafile = o->cafile;
	c->html.capath = o->capath;
	c->html.mqtt_version = o->mqtt_version;
	c->html.timeout_us = o->timeout_us;
	c->html.steps = o->steps;
	c->html.count = o->count;
	c->html.interval_us = o->interval_us;
	c->html.limits = &c->limits;
}

static bool
output_series(const struct output_config *c)
{
	return c->count > 1;
}

/* --- text: header and threshold warnings ------------------------------- */

static void
output_text_header(const struct output_target *t)
{
	const struct output_config *c = t->cfg;
	char clean[TARGET_HOST_MAX * 4];

	if (c->quiet)
		return;
	/* targets after the first are set apart, as in a log */
	if (t->index > 0)
		fputc('\n', t->out);
	char line[TARGET_HOST_MAX * 4 + 512];
	size_t n;

	render_clean(t->host, clean, sizeof(clean));
	n = (size_t)snprintf(line, sizeof(line), "mqtts-probe %s: %s port "
	    "%u%s%s, MQTT %s, timeout %.3g s", PACKAGE_VERSION, clean, t->port,
	    t->via != NULL ? " via " : "", t->via != NULL ? t->via : "",
	    c->mqtt_version == 5 ? "5.0" : "3.1.1",
	    (double)c->timeout_us / 1e6);
	if (output_series(c) && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, ", %u probes "
		    "%.3g s apart", c->count, (double)c->interval_us / 1e6);
	if (c->insecure && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, ", --insecure: "
		    "verification is reported, not enforced");
	render_wrapped(t->out, c->width, "", 2, "", line, "");
}

static const char *
output_level_word(enum stats_level l)
{
	return l == LEVEL_CRITICAL ? "critical" : "warning";
}

/*
 * The thresholds act in text too: what was crossed, in words; crossed,
 * they also set the exit status (9, 10: run.c), in every format.  Each
 * writes nothing into buf ("") when its threshold was not crossed.
 */
static void
output_days_text(char *buf, size_t len, const struct stats_limits *l,
    bool has, long days, bool expired)
{
	enum stats_level lv;

	buf[0] = '\0';
	if (!has || (lv = stats_days_level(l, days, expired)) == LEVEL_OK)
		return;
	/* expired is critical by itself, whatever the thresholds */
	if (expired && days < 0)
		snprintf(buf, len, "critical: the certificate chain expired "
		    "%ld day%s ago", -days, days == -1 ? "" : "s");
	else if (expired)
		snprintf(buf, len, "critical: the certificate chain has "
		    "expired");
	else
		snprintf(buf, len, "%s: the certificate chain expires in %ld "
		    "day%s (--%s-days %d)", output_level_word(lv), days,
		    days == 1 ? "" : "s", lv == LEVEL_CRITICAL ? "crit" :
		    "warn", lv == LEVEL_CRITICAL ? l->crit_days : l->warn_days);
}

static void
output_rtt_text(char *buf, size_t len, const struct stats_limits *l,
    bool has, double us, const char *what)
{
	enum stats_level lv;
	uint64_t limit;

	buf[0] = '\0';
	if (!has || (lv = stats_rtt_level(l, (uint64_t)us)) == LEVEL_OK)
		return;
	limit = lv == LEVEL_CRITICAL ? l->crit_rtt_us : l->warn_rtt_us;
	snprintf(buf, len, "%s: the %s took %.3f ms (--%s-ms %.3f)",
	    output_level_word(lv), what, us / 1000.0, lv == LEVEL_CRITICAL ?
	    "crit" : "warn", (double)limit / 1000.0);
}

/*
 * The crossed thresholds after the verdict: each on a line of its own,
 * or, when line is not NULL (-q, whose promise is one line per target),
 * appended to line as "; critical: ...".
 */
static void
output_text_limits(FILE *out, char *line, size_t len, const char *days,
    const char *rtt)
{
	const char *part[2] = { days, rtt };

	for (size_t i = 0; i < 2; i++) {
		size_t n;

		if (part[i][0] == '\0')
			continue;
		if (line == NULL) {
			fprintf(out, "%s\n", part[i]);
			continue;
		}
		n = strlen(line);
		if (n < len)
			snprintf(line + n, len - n, "; %s", part[i]);
	}
}

/* --- text: a series ------------------------------------------------------- */

/* "(tcp 0.12 tls 1.60 connect 0.05 connack 0.20 pubsub 0.30)": the TLS
 * steps 2 to 5 are one handshake, so they are shown as one. */
static void
output_text_parts(FILE *out, const struct stats_facts *f)
{
	static const struct { const char *name; int first, last; } parts[] = {
		{ "tcp", 1, 1 }, { "tls", 2, 5 }, { "connect", 6, 6 },
		{ "connack", 7, 7 }, { "pubsub", 8, 8 },
	};
	bool open = false;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		uint64_t us = 0;
		bool any = false;

		for (int s = parts[i].first; s <= parts[i].last; s++)
			if (f->step_ended[s]) {
				us += f->step_us[s];
				any = true;
			}
		if (!any)
			continue;
		fprintf(out, "%s%s %.2f", open ? " " : " (", parts[i].name,
		    (double)us / 1000.0);
		open = true;
	}
	if (open)
		fputc(')', out);
}

static void
output_text_line(const struct output_probe *p, const struct report *r,
    const struct stats_facts *f)
{
	const struct output_target *t = p->t;
	char raw[OUTPUT_LINE_MAX], clean[OUTPUT_LINE_MAX];

	fprintf(t->out, "probe %u/%u: ", p->number, t->cfg->count);
	if (f->failed_step != 0 || f->exit_status != 0) {
		render_verdict(r, t->arg, (int)t->cfg->steps, raw, sizeof(raw));
		render_clean(raw, clean, sizeof(clean));
		fprintf(t->out, "%s\n", clean);
		return;
	}
	fprintf(t->out, "OK%s%s %.2f ms", r->unverified ? " UNVERIFIED" : "",
	    r->unencrypted ? " UNENCRYPTED" : "",
	    (double)f->total_us / 1000.0);
	output_text_parts(t->out, f);
	fputc('\n', t->out);
}

static void
output_text_ms(FILE *out, const struct stats_series *s)
{
	if (s->n == 0) {
		fprintf(out, " %9s %9s %9s %9s\n", "-", "-", "-", "-");
		return;
	}
	fprintf(out, " %9.3f %9.3f %9.3f %9.3f\n", s->min / 1000.0,
	    s->mean / 1000.0, s->max / 1000.0, stats_series_stddev(s) / 1000.0);
}

static void
output_text_failures(FILE *out, const struct stats_target *st)
{
	const char *sep = "";

	fputs("failures by step: ", out);
	if (st->failed == 0)
		fputs("none", out);
	for (int s = 1; s <= REPORT_STEPS; s++) {
		if (st->failed_at[s] == 0)
			continue;
		fprintf(out, "%sstep %d (%s) %u", sep, s, report_step_name(s),
		    st->failed_at[s]);
		sep = ", ";
	}
	fputc('\n', out);
}

/*
 * -q -c N: one line per target, as a log wants it: the counts, and the
 * commonest failure with its reason, or the average of a clean series.
 */
static void
output_text_quiet_series(const struct output_target *t,
    const struct stats_target *st)
{
	char clean[OUTPUT_LINE_MAX], line[OUTPUT_LINE_MAX * 2];
	int s = stats_commonest_failure(st);
	size_t n;

	render_clean(t->arg, clean, sizeof(clean));
	n = (size_t)snprintf(line, sizeof(line), "%s%s%s %s: %u probe%s, %u ok, "
	    "%u failed", st->failed > 0 || st->probes == 0 ? "FAIL" : "OK",
	    st->unverified > 0 ? " UNVERIFIED" : "", st->unencrypted > 0 ?
	    " UNENCRYPTED" : "", clean, st->probes, st->probes == 1 ? "" :
	    "s", st->probes - st->failed, st->failed);
	if (st->interrupted && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n,
		    ", interrupted");
	if (s != 0 && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, "; commonest: step %d (%s), "
		    "%u of %u: %s", s, report_step_name(s), st->failed_at[s],
		    st->probes, render_clean(st->reason_at[s], clean,
		    sizeof(clean)));
	else if (st->total.n > 0 && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, ", %.2f ms on average",
		    st->total.mean / 1000.0);
	/* a failed series has said why; a clean one may still be near
	 * its thresholds, said on the same line */
	if (st->failed == 0) {
		char days[256], rtt[256];

		output_days_text(days, sizeof(days), &t->cfg->limits,
		    st->has_expiry, st->days_left, st->expired);
		output_rtt_text(rtt, sizeof(rtt), &t->cfg->limits,
		    st->rtt.n > 0, st->rtt.mean, "average round trip");
		output_text_limits(t->out, line, sizeof(line), days, rtt);
	}
	fprintf(t->out, "%s\n", line);
}

static void
output_text_summary(const struct output_target *t,
    const struct stats_target *st)
{
	FILE *out = t->out;
	char clean[OUTPUT_LINE_MAX];

	render_clean(t->arg, clean, sizeof(clean));
	if (t->cfg->quiet) {
		output_text_quiet_series(t, st);
		return;
	}
	fputc('\n', out);
	fprintf(out, "--- %s: %u probe%s, %u ok, %u failed", clean,
	    st->probes, st->probes == 1 ? "" : "s", st->probes - st->failed,
	    st->failed);
	if (st->unverified > 0)
		fprintf(out, ", %u unverified", st->unverified);
	if (st->interrupted)
		fputs(", interrupted", out);
	fputs(" ---\n", out);
	fprintf(out, "%-34s %5s %9s %9s %9s %9s\n", "duration (ms)", "n", "min",
	    "avg", "max", "stddev");
	for (int s = 1; s <= REPORT_STEPS; s++) {
		fprintf(out, "%d %-32s %5llu", s, report_step_name(s),
		    (unsigned long long)st->step[s].n);
		output_text_ms(out, &st->step[s]);
	}
	fprintf(out, "%-34s %5llu", "whole probe (when ok)",
	    (unsigned long long)st->total.n);
	output_text_ms(out, &st->total);
	fprintf(out, "%-34s %5llu", "round trip", (unsigned long long)
	    st->rtt.n);
	output_text_ms(out, &st->rtt);
	output_text_failures(out, st);
	{
		char days[256], rtt[256];

		output_days_text(days, sizeof(days), &t->cfg->limits,
		    st->has_expiry, st->days_left, st->expired);
		output_rtt_text(rtt, sizeof(rtt), &t->cfg->limits,
		    st->rtt.n > 0, st->rtt.mean, "average round trip");
		output_text_limits(out, NULL, 0, days, rtt);
	}
}

/* --- dispatch ------------------------------------------------------------- */

void
output_target_begin(const struct output_target *t)
{
	if (t->cfg->format == FORMAT_TEXT)
		output_text_header(t);
}

void
output_probe_begin(struct output_probe *p, const struct output_target *t,
    unsigned number)
{
	const struct output_config *c = t->cfg;

	memset(p, 0, sizeof(*p));
	p->t = t;
	p->number = number;
	/* a series shows one line per probe; -v brings the walk back */
	p->walk = c->format == FORMAT_TEXT && (!output_series(c) ||
	    (c->verbose > 0 && !c->quiet));
	p->rt.out = t->out;
	p->rt.color = c->color;
	p->rt.quiet = c->quiet;
	p->rt.verbose = c->verbose;
	p->rt.explain = c->explain;
	p->rt.trace = c->trace;
	p->rt.hexdump = c->hexdump;
	p->rt.target = t->arg;
	p->rt.steps = (int)c->steps;
	p->rt.width = c->width;
	p->json.out = t->out;
	p->json.target = t->arg;
	p->json.probe = number;
	p->json.insecure = c->insecure;
	p->json.events = c->format == FORMAT_JSONL && c->trace;
	p->json.hexdump = c->hexdump;
	p->json.limits = &c->limits;
}

void
output_probe_live(const struct report *r, const struct report_change *c,
    void *ctx)
{
	struct output_probe *p = ctx;

	if (p->walk)
		render_text_live(r, c, &p->rt);
	else if (p->t->cfg->format == FORMAT_JSONL)
		json_live(r, c, &p->json);
}

/*
 * A single probe in text: the walk and its verdict, then the crossed
 * thresholds; under -q the verdict alone, with the thresholds folded
 * into its line.
 */
static void
output_text_single(struct output_probe *p, const struct report *r,
    const struct stats_facts *f)
{
	const struct output_config *c = p->t->cfg;
	char days[256], rtt[256];

	/* a chain rejected at step 4 has said why already */
	if (f->failed_step != STEP_VERIFY)
		output_days_text(days, sizeof(days), &c->limits, f->has_expiry,
		    f->days_left, f->expired);
	else
		days[0] = '\0';
	output_rtt_text(rtt, sizeof(rtt), &c->limits, f->has_rtt,
	    (double)f->rtt_us, "round trip");
	if (c->quiet) {
		char raw[OUTPUT_LINE_MAX], line[OUTPUT_LINE_MAX * 2];

		render_verdict(r, p->t->arg, (int)c->steps, raw, sizeof(raw));
		render_clean(raw, line, sizeof(line));
		output_text_limits(p->t->out, line, sizeof(line), days, rtt);
		fprintf(p->t->out, "%s\n", line);
		return;
	}
	if (p->walk)
		render_text_finish(&p->rt, r);
	output_text_limits(p->t->out, NULL, 0, days, rtt);
}

void
output_probe_finish(struct output_probe *p, const struct report *r,
    const struct stats_facts *f)
{
	const struct output_config *c = p->t->cfg;
	const struct output_target *t = p->t;

	if (t->html != NULL) {
		struct html_where w = { .arg = t->arg, .host = t->host,
		    .port = t->port, .via = t->via };

		html_target_probe(t->html, &c->html, &w, p->number, r, f);
	}
	switch (c->format) {
	case FORMAT_TEXT:
		if (output_series(c)) {
			if (p->walk)
				render_text_finish(&p->rt, r);
			if (!c->quiet)
				output_text_line(p, r, f);
			break;
		}
		output_text_single(p, r, f);
		break;
	case FORMAT_JSON:
	case FORMAT_JSONL:
		json_result(&p->json, r, f);
		break;
	case FORMAT_NAGIOS:
	case FORMAT_PROMETHEUS:
		/* these speak for all probes at once, at the end */
		break;
	}
	fflush(p->t->out);
}

void
output_target_finish(const struct output_target *t,
    const struct stats_target *st)
{
	const struct output_config *c = t->cfg;
	struct json_ctx j = { .out = t->out, .target = t->arg,
	    .insecure = c->insecure, .limits = &c->limits };

	if (!output_series(c))
		return;
	if (c->format == FORMAT_TEXT)
		output_text_summary(t, st);
	else if (c->format == FORMAT_JSON || c->format == FORMAT_JSONL)
		json_summary(&j, st);
	fflush(t->out);
}

/* The HTML page of every target; a write error shows when main.c
 * closes the file. */
static void
output_report(const struct output_config *c, const struct format_target *t,
    size_t ntargets, bool interrupted)
{
	struct html_page_target *pt = calloc(ntargets + 1, sizeof(*pt));
	size_t n = 0;

	if (pt == NULL) {
		fputs("<!DOCTYPE html><title>mqtts-probe report</title>"
		    "<p>mqtts-probe ran out of memory making this report.\n",
		    c->report);
		return;
	}
	for (size_t i = 0; i < ntargets; i++) {
		if (t[i].html == NULL)
			continue;
		pt[n].where = &t[i].where;
		pt[n].html = t[i].html;
		pt[n].stats = t[i].stats;
		n++;
	}
	html_report_write(c->report, &c->html, pt, n, interrupted);
	free(pt);
}

int
output_finish(const struct output_config *c, FILE *out,
    const struct format_target *t, size_t ntargets, int status,
    bool interrupted)
{
	struct nagios_ctx n = { .out = out, .limits = &c->limits,
	    .count = c->count, .steps = c->steps, .interrupted = interrupted };

	if (c->report != NULL)
		output_report(c, t, ntargets, interrupted);
	switch (c->format) {
	case FORMAT_NAGIOS:
		return nagios_render(&n, t, ntargets);
	case FORMAT_PROMETHEUS:
		prom_render(out, t, ntargets);
		break;
	default:
		break;
	}
	return status;
}
