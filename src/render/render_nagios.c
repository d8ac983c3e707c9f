/*
 * render_nagios.c: the output of a monitoring plugin (Nagios, Icinga,
 * Naemon...): one line "MQTTS STATE - text | perfdata", exit 0 to 3.
 *
 * The state comes from the same numbers as every other format
 * (stats.c); only here are thresholds allowed to change the exit
 * status, since that is what a plugin's status is for.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "render.h"
#include "render_formats.h"

#define NAGIOS_TEXT_MAX 2048

static const char *const nagios_names[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN",
};

/* How bad a state is: a failed broker outranks "could not tell". */
static int
nagios_rank(enum stats_level l)
{
	switch (l) {
	case LEVEL_OK:
		return 0;
	case LEVEL_WARNING:
		return 1;
	case LEVEL_UNKNOWN:
		return 2;
	case LEVEL_CRITICAL:
		return 3;
	}
	return 2;
}

static enum stats_level
nagios_worse(enum stats_level a, enum stats_level b)
{
	return nagios_rank(b) > nagios_rank(a) ? b : a;
}

enum stats_level
nagios_state(const struct nagios_ctx *n, const struct stats_target *t)
{
	enum stats_level l = LEVEL_OK;

	/* stopped by the user at a --pause prompt: nothing was decided */
	if (n->interrupted || t->probes == 0 ||
	    t->worst_status == EXIT_INTERNAL ||
	    t->worst_status == REPORT_EXIT_STOPPED)
		return LEVEL_UNKNOWN;
	/* in a series, some failures are a warning, all of them critical */
	if (t->failed == t->probes)
		l = LEVEL_CRITICAL;
	else if (t->failed > 0)
		l = LEVEL_WARNING;
	if (t->unverified > 0)
		l = nagios_worse(l, LEVEL_WARNING);
	/* --require: a capability the check needs is not there */
	if (t->caps_missing > 0)
		l = nagios_worse(l, t->caps_missing == t->probes ?
		    LEVEL_CRITICAL : LEVEL_WARNING);
	if (t->has_expiry)
		l = nagios_worse(l, stats_days_level(n->limits, t->days_left,
		    t->expired));
	if (t->rtt.n > 0)
		l = nagios_worse(l, stats_rtt_level(n->limits,
		    (uint64_t)t->rtt.mean));
	return l;
}

/* --- text ------------------------------------------------------------- */

struct nagios_buf {
	char text[NAGIOS_TEXT_MAX];
	size_t len;
};

static void
nagios_add(struct nagios_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
nagios_add(struct nagios_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= sizeof(b->text) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
	if (b->len > sizeof(b->text) - 1)
		b->len = sizeof(b->text) - 1;
}

/*
 * The plugin line is parsed by the monitoring system: a '|' would start
 * the performance data and a newline would end the line, and a reason
 * string from the broker may hold either.
 */
static void
nagios_clean(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t n = json_utf8_len(p);

		if (*p == '|')
			fputc('/', out);
		else if (*p < 0x20 || *p == 0x7f)
			fputc(' ', out);
		else if (n == 0)
			fputc('?', out);
		else if (render_unsafe_len((const char *)p) != 0) {
			/* C1 controls and direction overrides: a person may
			 * read the line in a terminal or a web page */
			fputc('?', out);
			p += n;
			continue;
		} else {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		p++;
	}
}

static void
nagios_failures(struct nagios_buf *b, const struct stats_target *t)
{
	const char *sep = " (";

	for (int s = 1; s <= REPORT_STEPS; s++) {
		if (t->failed_at[s] == 0)
			continue;
		nagios_add(b, "%sstep %d: %u", sep, s, t->failed_at[s]);
		sep = ", ";
	}
	if (t->failed > 0)
		nagios_add(b, ")");
}

/* What happened, before the thresholds: one probe or a series. */
static void
nagios_outcome(struct nagios_buf *b, const struct nagios_ctx *n,
    const struct stats_target *t)
{
	if (t->probes == 0) {
		nagios_add(b, "no probe finished (interrupted)");
		return;
	}
	if (n->count > 1) {
		nagios_add(b, "%u probes, %u failed", t->probes, t->failed);
		nagios_failures(b, t);
		if (t->total.n > 0)
			nagios_add(b, ", avg %.2f ms", t->total.mean / 1000.0);
		if (t->failed > 0)
			nagios_add(b, "; last failure: step %d (%s): %s",
			    t->last_failed_step,
			    report_step_name(t->last_failed_step),
			    t->last_reason);
		return;
	}
	if (t->failed > 0) {
		nagios_add(b, "step %d (%s) failed: %s", t->last_failed_step,
		    report_step_name(t->last_failed_step), t->last_reason);
		return;
	}
	if (t->worst_status == REPORT_EXIT_STOPPED) {
		nagios_add(b, "walk stopped by the user at a --pause prompt");
		return;
	}
	if (t->caps_missing > 0) {
		nagios_add(b, "required capability missing:");
		for (size_t i = 0; i < t->ncaps; i++)
			if (t->caps[i].required && t->caps[i].result != CAP_YES)
				nagios_add(b, " %s (%s)", t->caps[i].name,
				    report_cap_result_name(t->caps[i].result));
		return;
	}
	nagios_add(b, "%s %u step%s in %.2f ms", n->steps == REPORT_STEPS ?
	    "all" : "first", n->steps, n->steps == 1 ? "" : "s",
	    t->total.mean / 1000.0);
}

static void
nagios_thresholds(struct nagios_buf *b, const struct nagios_ctx *n,
    const struct stats_target *t)
{
	const struct stats_limits *l = n->limits;

	if (t->unverified > 0)
		nagios_add(b, ", certificate NOT trusted (--insecure)");
	if (t->unencrypted > 0)
		nagios_add(b, ", UNENCRYPTED (no TLS)");
	if (t->proxy[0] != '\0')
		nagios_add(b, ", through proxy %s", t->proxy);
	if (t->rtt.n > 0) {
		enum stats_level lv = stats_rtt_level(l, (uint64_t)t->rtt.mean);

		nagios_add(b, ", round trip %s%.3f ms", n->count > 1 ?
		    "avg " : "", t->rtt.mean / 1000.0);
		if (lv != LEVEL_OK)
			nagios_add(b, " (above --%s-ms %.3f)", lv ==
			    LEVEL_CRITICAL ? "crit" : "warn", (double)(lv ==
			    LEVEL_CRITICAL ? l->crit_rtt_us : l->warn_rtt_us) /
			    1000.0);
	}
	/* a chain rejected for its dates already said so in the reason */
	if (t->has_expiry && !(t->expired && t->failed == t->probes &&
	    t->last_failed_step == STEP_VERIFY)) {
		enum stats_level lv = stats_days_level(l, t->days_left,
		    t->expired);

		if (t->expired)
			nagios_add(b, ", certificate expired %ld days ago",
			    -t->days_left);
		else
			nagios_add(b, ", certificate expires in %ld days",
			    t->days_left);
		if (lv != LEVEL_OK && !t->expired)
			nagios_add(b, " (below --%s-days %d)", lv ==
			    LEVEL_CRITICAL ? "crit" : "warn", lv ==
			    LEVEL_CRITICAL ? l->crit_days : l->warn_days);
	}
}

static void
nagios_target_text(FILE *out, const struct nagios_ctx *n,
    const struct format_target *ft)
{
	struct nagios_buf b = { .len = 0 };

	b.text[0] = '\0';
	nagios_add(&b, "%s: ", ft->target);
	nagios_outcome(&b, n, ft->stats);
	nagios_thresholds(&b, n, ft->stats);
	nagios_clean(out, b.text);
}

/* --- performance data ----------------------------------------------- */

/* A label, prefixed by the target when there are several. */
static void
nagios_label(FILE *out, const char *target, const char *name)
{
	if (target == NULL) {
		fprintf(out, " %s=", name);
		return;
	}
	/* quotes and '=' cannot be escaped in a label: leave them out */
	fputs(" '", out);
	for (const char *p = target; *p != '\0'; p++)
		if (*p != '\'' && *p != '=' && *p != '|' &&
		    (unsigned char)*p >= 0x20)
			fputc(*p, out);
	fprintf(out, " %s'=", name);
}

static void
nagios_seconds(FILE *out, const struct stats_series *s)
{
	if (s->n == 0)
		fputs("U", out);
	else
		fprintf(out, "%.6fs", s->mean / 1e6);
}

static void
nagios_perf_target(FILE *out, const struct nagios_ctx *n,
    const struct format_target *ft, const char *prefix)
{
	const struct stats_target *t = ft->stats;
	const struct stats_limits *l = n->limits;
	char name[16];

	for (int s = 1; s <= REPORT_STEPS; s++) {
		snprintf(name, sizeof(name), "step%d", s);
		nagios_label(out, prefix, name);
		nagios_seconds(out, &t->step[s]);
		if (t->step[s].n > 0)
			fputs(";;;0", out);
	}
	/* stages (proxy tunnel, WebSocket upgrade): only where they ran */
	for (size_t i = 0; i < t->nstages; i++) {
		nagios_label(out, prefix, t->stage[i].id);
		nagios_seconds(out, &t->stage[i].s);
		fputs(";;;0", out);
	}
	nagios_label(out, prefix, "time");
	nagios_seconds(out, &t->total);
	if (t->total.n > 0)
		fputs(";;;0", out);
	nagios_label(out, prefix, "rtt");
	nagios_seconds(out, &t->rtt);
	if (t->rtt.n > 0) {
		fputc(';', out);
		if (l->warn_rtt_us != 0)
			fprintf(out, "%.6f", (double)l->warn_rtt_us / 1e6);
		fputc(';', out);
		if (l->crit_rtt_us != 0)
			fprintf(out, "%.6f", (double)l->crit_rtt_us / 1e6);
		fputs(";0", out);
	}
	nagios_label(out, prefix, "days_left");
	if (!t->has_expiry)
		fputs("U", out);
	else {
		/* "N:" is the plugin range for "alert below N" */
		fprintf(out, "%ld", t->days_left);
		if (l->warn_days >= 0 || l->crit_days >= 0)
			fputc(';', out);
		if (l->warn_days >= 0)
			fprintf(out, "%d:", l->warn_days);
		if (l->crit_days >= 0)
			fprintf(out, ";%d:", l->crit_days);
	}
	if (n->count > 1) {
		nagios_label(out, prefix, "failed");
		fprintf(out, "%u;;;0;%u", t->failed, t->probes);
	}
}

/* --- the whole output --------------------------------------------------- */

int
nagios_render(const struct nagios_ctx *n, const struct format_target *t,
    size_t ntargets)
{
	enum stats_level worst = LEVEL_OK;
	unsigned per[4] = { 0, 0, 0, 0 };

	for (size_t i = 0; i < ntargets; i++) {
		enum stats_level l = nagios_state(n, t[i].stats);

		per[l]++;
		worst = nagios_worse(worst, l);
	}
	if (ntargets == 0 || n->interrupted)
		worst = LEVEL_UNKNOWN;
	fprintf(n->out, "MQTTS %s - ", nagios_names[worst]);
	if (ntargets == 1) {
		nagios_target_text(n->out, n, &t[0]);
		fputs(" |", n->out);
		nagios_perf_target(n->out, n, &t[0], NULL);
		fputc('\n', n->out);
		return (int)worst;
	}
	fprintf(n->out, "%zu targets: %u OK, %u WARNING, %u CRITICAL, "
	    "%u UNKNOWN%s |", ntargets, per[LEVEL_OK], per[LEVEL_WARNING],
	    per[LEVEL_CRITICAL], per[LEVEL_UNKNOWN], n->interrupted ?
	    " (interrupted)" : "");
	for (size_t i = 0; i < ntargets; i++)
		nagios_perf_target(n->out, n, &t[i], t[i].target);
	fputc('\n', n->out);
	/* the long text: one line per target, in input order */
	for (size_t i = 0; i < ntargets; i++) {
		fprintf(n->out, "%s - ", nagios_names[nagios_state(n,
		    t[i].stats)]);
		nagios_target_text(n->out, n, &t[i]);
		fputc('\n', n->out);
	}
	fflush(n->out);
	return (int)worst;
}
