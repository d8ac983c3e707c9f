/*
 * render_html.c: the HTML report's page, its style, the series summary,
 * and what each target keeps of its probes until the page is written.
 */
#define _GNU_SOURCE	/* open_memstream */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html_parts.h"

/* --- what a target keeps ---------------------------------------------- */

void
html_target_init(struct html_target *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap < 1 ? 1 : cap > HTML_SAMPLES_MAX ? HTML_SAMPLES_MAX : cap;
	t->rng = 0x9e3779b97f4a7c15u;
}

void
html_target_free(struct html_target *t)
{
	free(t->last);
	free(t->failed);
	free(t->samples);
	memset(t, 0, sizeof(*t));
}

static uint64_t
html_rand(struct html_target *t)
{
	/* xorshift64: the sample only has to be spread, not secret */
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

/* Reservoir sampling (Vitter's algorithm R): every probe of the series
 * has the same chance to be in the sample, however long it runs. */
static void
html_sample_add(struct html_target *t, const struct report *r,
    const struct stats_facts *f)
{
	struct html_sample s;
	size_t slot;

	memset(&s, 0, sizeof(s));
	s.ok = f->failed_step == 0 && f->exit_status == 0;
	s.total_ms = (float)((double)r->end_us / 1000.0);
	for (int i = 0; i <= REPORT_STEPS; i++)
		s.step_ms[i] = f->step_ended[i] && r->steps[i].status == STEP_OK ?
		    (float)((double)f->step_us[i] / 1000.0) : -1;
	t->seen++;
	if (t->samples == NULL) {
		t->samples = calloc(t->cap, sizeof(*t->samples));
		if (t->samples == NULL)
			return;
	}
	if (t->nsamples < t->cap) {
		t->samples[t->nsamples++] = s;
		return;
	}
	slot = (size_t)(html_rand(t) % t->seen);
	if (slot < t->cap)
		t->samples[slot] = s;
}

void
html_target_probe(struct html_target *t, const struct html_settings *s,
    const struct html_where *w, unsigned number, const struct report *r,
    const struct stats_facts *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	bool failed = f->failed_step != 0 || f->exit_status != 0;

	if (t->started_wall_us == 0)
		t->started_wall_us = r->started_wall_us;
	if (!f->interrupted)
		html_sample_add(t, r, f);
	m = open_memstream(&buf, &len);
	if (m != NULL) {
		html_probe(m, s, w, number, r, f);
		if (fclose(m) != 0) {
			free(buf);
			buf = NULL;
		}
	}
	if (buf == NULL) {
		t->oom = true;
		return;
	}
	free(t->last);
	t->last = NULL;
	if (failed) {
		free(t->failed);
		t->failed = buf;
		t->failed_number = number;
	} else {
		t->last = buf;
	}
	t->last_number = number;
	t->last_failed = failed;
}

/* --- the page ------------------------------------------------------------ */

static const char html_style[] =
":root{--ok:#1a7f37;--fail:#cf222e;--warn:#9a6700;--muted:#57606a;"
"--line:#d0d7de;--band:#f6f8fa;--out:#0969da;--in:#bc4c00;--mqtt:#8250df;"
"--keys:#bf8700}"
"*{box-sizing:border-box}"
"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,"
"'DejaVu Sans',sans-serif;color:#1f2328;margin:0 auto;max-width:1240px;"
"padding:16px 20px 40px}"
"h1{font-size:22px;margin:4px 0}h2{font-size:19px;margin:28px 0 8px;"
"padding-top:10px;border-top:3px solid var(--line)}"
"h3{font-size:15px;margin:22px 0 6px}h4{margin:0;font-size:14px}"
".muted{color:var(--muted)}small{display:block;font-size:11px;"
"color:var(--muted);font-weight:normal}"
"code,.fp,.hex,td.mono{font-family:ui-monospace,'DejaVu Sans Mono',"
"monospace;font-size:12px}"
".verdict{font-size:16px;padding:10px 14px;border-radius:6px;margin:8px 0;"
"border:1px solid;overflow-wrap:anywhere}"
".verdict.ok{background:#dafbe1;border-color:var(--ok)}"
".verdict.fail{background:#ffebe9;border-color:var(--fail)}"
".verdict.warn{background:#fff8c5;border-color:var(--warn)}"
".vw{font-weight:700;padding:1px 8px;border-radius:4px;color:#fff;"
"margin-right:6px}"
".ok .vw{background:var(--ok)}.fail .vw{background:var(--fail)}"
".warn .vw{background:var(--warn)}"
".alarm{background:var(--fail);color:#fff;font-weight:700;padding:8px 12px;"
"border-radius:6px}"
"dl.settings,dl.details{display:grid;grid-template-columns:max-content 1fr;"
"gap:2px 16px;margin:8px 0}"
"dl.settings{grid-template-columns:repeat(2,max-content 1fr)}"
"dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}"
"dd.bad,.bad{color:var(--fail);font-weight:700}"
"svg{width:100%;height:auto;display:block;font-family:system-ui,"
"'DejaVu Sans',sans-serif}"
"svg text{font-size:12px;fill:#1f2328}"
".band{fill:var(--band)}.grid{stroke:#e1e4e8}"
"text.ax{font-size:11px;fill:var(--muted);text-anchor:middle}"
"text.sn{font-weight:700}text.nr{fill:var(--muted);font-style:italic}"
"text.ml{font-size:10px;fill:var(--muted)}"
"rect.ok{fill:#4ac26b}rect.fail{fill:var(--fail)}rect.warn{fill:#d4a72c}"
"rect.dns{fill:#0969da;opacity:.35}rect.stage{fill:#8250df;opacity:.35}"
"rect.stage.fail{fill:var(--fail)}"
"text.dur{font-size:12px}text.dur.fail{fill:var(--fail);font-weight:700}"
"path.out{fill:var(--out)}path.in{fill:var(--in)}path.mqtt{fill:var(--mqtt)}"
"path.keys{fill:var(--keys)}circle.net{fill:#57606a}"
"line.flight{stroke:#8c959f;stroke-width:2}"
"path.alert{stroke:var(--fail);stroke-width:3;fill:none}"
"path.rtt{stroke:#1f2328;fill:none;stroke-width:1.5}"
".legend text{font-size:11px;fill:var(--muted)}"
".lane{stroke:#8c959f;stroke-width:2;stroke-dasharray:4 3}"
".actor{fill:#eaeef2;stroke:#8c959f}text.an{text-anchor:middle;"
"font-weight:700}"
"text.tm{font-size:11px;fill:var(--muted);text-anchor:end;"
"font-family:ui-monospace,'DejaVu Sans Mono',monospace}"
".sband{fill:#eaeef2}text.sbt{font-weight:700;font-size:12px}"
"g path{fill:none;stroke-width:2}g text{text-anchor:middle;font-size:12px}"
"g path.tip{stroke:none}"
".a-tls path{stroke:var(--out)}.a-tls path.tip{fill:var(--out)}"
".a-mqtt path{stroke:var(--mqtt);stroke-width:3}"
".a-mqtt path.tip{fill:var(--mqtt)}.a-mqtt text{font-weight:700;"
"fill:var(--mqtt)}"
".a-rec path{stroke:#afb8c1;stroke-width:1}.a-rec path.tip{fill:#afb8c1}"
".a-rec text{font-size:10px;fill:var(--muted)}"
".a-alert path{stroke:var(--fail);stroke-width:3}"
".a-alert path.tip{fill:var(--fail)}.a-alert text{fill:var(--fail);"
"font-weight:700}"
"text.note{font-size:11px;fill:var(--muted);font-style:italic}"
"text.nkeys{font-size:11px;fill:var(--warn)}"
"path.cross{stroke:var(--fail);stroke-width:3}"
"path.wait{stroke:var(--fail);stroke-width:4;stroke-dasharray:3 3}"
"text.ftext{fill:var(--fail);font-weight:700}"
".legend g text,.legend text{text-anchor:start}"
"table{border-collapse:collapse}"
"table.tracker{width:100%;table-layout:fixed}"
".tracker th,.tracker td{border:1px solid var(--line);padding:4px 5px;"
"text-align:left;vertical-align:top;font-size:12.5px}"
".tracker thead th{background:var(--band)}"
".tracker tbody th{background:var(--band);width:64px}"
".tracker thead th:first-child{width:64px}"
".tracker td.same{color:var(--muted)}.tracker td.chg{font-weight:700}"
".tracker td.fail{background:#ffebe9;color:var(--fail);font-weight:700;"
"outline:2px solid var(--fail)}"
".tracker td.warn{background:#fff8c5}"
".tracker td.nr{color:#afb8c1;text-align:center}"
".chain{display:flex;flex-wrap:wrap;align-items:stretch;gap:8px}"
".card{border:1px solid var(--line);border-left:5px solid var(--ok);"
"border-radius:6px;padding:8px 12px;flex:1 1 360px;max-width:560px;"
"break-inside:avoid}"
".card-bad{border-left-color:var(--fail)}"
".card dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;"
"margin:6px 0 0}.card dd{font-size:13px}"
".link{align-self:center;font-size:22px;color:var(--muted);"
"text-align:center}"
".steps{display:grid;grid-template-columns:repeat(auto-fill,"
"minmax(540px,1fr));gap:8px;align-items:start}"
".step{border:1px solid var(--line);border-left:5px solid var(--ok);"
"border-radius:6px;padding:8px 12px;margin:0;break-inside:avoid;"
"min-width:0}"
".step.fail{border-left-color:var(--fail);background:#fffafa}"
".step.warn{border-left-color:var(--warn)}"
".step.nr{border-left-color:#d0d7de;color:var(--muted);padding:4px 12px}"
".step .sn{display:inline-block;width:22px;height:22px;border-radius:11px;"
"background:#eaeef2;text-align:center}"
".step .st{font-weight:normal;margin-left:8px}"
".step.fail .st{color:var(--fail);font-weight:700}"
".step .dur{float:right;font-weight:normal;color:var(--muted)}"
".reason{color:var(--fail);font-weight:700;margin:6px 0}"
"details{margin:6px 0}summary{cursor:pointer;color:var(--out)}"
"details.explain p{margin:6px 0 6px 14px;max-width:80ch}"
"ul.hints{padding-left:20px}"
"ul.findings{padding-left:18px;margin:6px 0;font-size:13px}"
"li.sev-error b{color:var(--fail)}li.sev-warning b{color:var(--warn)}"
"li.sev-info b{color:var(--muted)}ul.findings code{color:var(--muted);"
"font-size:11px}"
"table.trace td,table.trace th{padding:1px 8px;text-align:left;"
"font-size:12px;vertical-align:top}"
"table.trace td:first-child{white-space:nowrap;font-family:ui-monospace,"
"monospace}table.trace tr.k-MQTT{color:var(--mqtt)}"
"table.trace tr.k-RECORD{color:var(--muted)}"
".hex{margin:2px 0;color:#1f2328}"
"table.summary{width:100%;margin:8px 0}"
"table.more{margin:6px 0}.more th,.more td{border-bottom:1px solid "
"var(--line);padding:3px 8px;text-align:left;font-size:13px;"
"vertical-align:top}td.v-confirmed,td.v-no{color:var(--fail);"
"font-weight:700}td.v-yes,td.v-ruled_out{color:var(--ok)}"
".summary th,.summary td{border-bottom:1px solid var(--line);"
"padding:4px 8px;text-align:right;font-size:13px}"
".summary th:nth-child(2),.summary td:nth-child(2),"
".summary th:nth-child(3),.summary td:nth-child(3){text-align:left}"
".summary td.fail{color:var(--fail);font-weight:700}"
".summary td.ok{color:var(--ok);font-weight:700}"
"rect.iqr{fill:#b6e3ff;stroke:var(--out)}path.whisker{stroke:#57606a;"
"stroke-width:1.5;fill:none}path.median{stroke:#1f2328;stroke-width:3}"
"path.p90{fill:#bc4c00}path.p99{fill:var(--fail)}text.pv{font-size:12px}"
"text.sl{font-size:13px}"
"footer{margin-top:32px;color:var(--muted);font-size:12px}"
"@media print{body{max-width:none;padding:0;font-size:11px}"
"h2{break-before:page}h2.first{break-before:auto}"
"details::details-content{content-visibility:visible;display:contents}"
"summary{color:#1f2328}svg,.card,.step,table.tracker{break-inside:avoid}"
".verdict,.alarm,.vw,.tracker td,rect,path{print-color-adjust:exact;"
"-webkit-print-color-adjust:exact}}";

static void
html_head(FILE *out, const struct html_page_target *t, size_t n)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "\n<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<meta name=\"generator\" content=\"mqtts-probe " PACKAGE_VERSION
	    "\">\n<title>mqtts-probe report: ", out);
	if (n == 1)
		html_text(out, t[0].where->arg);
	else
		fprintf(out, "%zu targets", n);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", html_style);
}

static void
html_header(FILE *out, const struct html_settings *s, size_t n,
    bool interrupted, int64_t wall_us)
{
	time_t t = (time_t)(wall_us / 1000000);
	struct tm tm;
	char when[40] = "";

	if (wall_us != 0 && gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fputs("<header><h1>mqtts-probe report</h1><p class=\"muted\">", out);
	fprintf(out, "The MQTT-over-TLS handshake walked step by step: TCP "
	    "connect, ClientHello, server certificate, verification, keys, "
	    "CONNECT, CONNACK, publish/subscribe. %zu target%s", n,
	    n == 1 ? "" : "s");
	if (s->count > 1)
		fprintf(out, ", %u probes%s, %.3g s apart", s->count,
		    n > 1 ? " each" : "", (double)s->interval_us / 1e6);
	if (when[0] != '\0')
		fprintf(out, ", started %s", when);
	fputs(" by mqtts-probe " PACKAGE_VERSION ".</p></header>\n", out);
	if (interrupted)
		fputs("<p class=\"alarm\">Interrupted: the run was stopped "
		    "before every probe was done.</p>\n", out);
}

static void
html_ms_cell(FILE *out, double ms, bool have)
{
	if (have)
		fprintf(out, "<td>%.2f</td>", ms);
	else
		fputs("<td>&#8212;</td>", out);
}

static int
html_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
html_summary_row(FILE *out, size_t i, const struct html_page_target *pt,
    double *buf)
{
	const struct stats_target *st = pt->stats;
	const struct html_target *h = pt->html;
	size_t n = 0;

	for (size_t k = 0; k < h->nsamples; k++)
		if (h->samples[k].ok)
			buf[n++] = h->samples[k].total_ms;
	qsort(buf, n, sizeof(*buf), html_cmp);
	fprintf(out, "<tr><td>%zu</td><td><a href=\"#t-%zu\">", i + 1, i + 1);
	html_text(out, pt->where->arg);
	fputs("</a></td>", out);
	if (st->failed > 0) {
		fprintf(out, "<td class=\"fail\">FAIL step %d (%s)</td>",
		    st->last_failed_step, report_step_name(st->last_failed_step));
	} else if (st->probes == 0) {
		fputs("<td>not probed</td>", out);
	} else {
		fprintf(out, "<td class=\"ok\">OK%s</td>", st->unverified > 0 ?
		    " UNVERIFIED" : "");
	}
	fprintf(out, "<td>%u</td><td>%u</td><td>%u</td>", st->probes,
	    st->probes - st->failed, st->failed);
	html_ms_cell(out, stats_percentile(buf, n, 50), n > 0);
	html_ms_cell(out, stats_percentile(buf, n, 90), n > 0);
	html_ms_cell(out, stats_percentile(buf, n, 99), n > 0);
	html_ms_cell(out, n > 0 ? buf[n - 1] : 0, n > 0);
	html_ms_cell(out, st->rtt.mean / 1000.0, st->rtt.n > 0);
	fputs("<td>", out);
	html_text(out, st->tls_version[0] != '\0' ? st->tls_version : "-");
	fputs("</td>", out);
	if (st->has_expiry)
		fprintf(out, "<td%s>%ld</td>", st->expired ? " class=\"fail\"" :
		    "", st->days_left);
	else
		fputs("<td>&#8212;</td>", out);
	fputs("</tr>", out);
}

static void
html_summary(FILE *out, const struct html_settings *s,
    const struct html_page_target *t, size_t n)
{
	size_t cap = 1, sampled = 0;
	double *buf;

	for (size_t i = 0; i < n; i++) {
		if (t[i].html->nsamples > cap)
			cap = t[i].html->nsamples;
		if (t[i].html->seen > t[i].html->nsamples)
			sampled = t[i].html->cap;
	}
	fputs("<h2 class=\"first\" id=\"summary\">Summary</h2>\n", out);
	buf = calloc(cap, sizeof(*buf));
	if (buf == NULL) {
		fputs("<p class=\"err\">(no memory for the summary)</p>\n", out);
		return;
	}
	fputs("<table class=\"summary\"><thead><tr><th>#</th><th>target</th>"
	    "<th>result</th><th>probes</th><th>ok</th><th>failed</th>"
	    "<th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th>"
	    "<th>round trip ms</th><th>TLS</th><th>days left</th></tr></thead>"
	    "<tbody>", out);
	for (size_t i = 0; i < n; i++)
		html_summary_row(out, i, &t[i], buf);
	free(buf);
	fputs("</tbody></table>\n<p class=\"muted\">Percentiles of the whole "
	    "probe's duration, over the probes that succeeded", out);
	if (sampled > 0)
		fprintf(out, " (from a uniform sample of %zu probes per "
		    "target)", sampled);
	fputs("; round trip: the mean of step 8's publish round trip.</p>\n",
	    out);
	if (s->count > 1 || n > 1) {
		fputs("<h3>Latency</h3>\n", out);
		html_chart(out, t, n);
	}
}

static void
html_target_section(FILE *out, size_t i, const struct html_page_target *pt,
    const struct html_settings *s, size_t n)
{
	const struct html_target *h = pt->html;
	const char *main = h->failed != NULL ? h->failed : h->last;

	fprintf(out, "<section class=\"target\" id=\"t-%zu\"><h2%s>", i + 1,
	    n == 1 && s->count <= 1 ? " class=\"first\"" : "");
	if (n > 1)
		fprintf(out, "%zu. ", i + 1);
	html_text(out, pt->where->arg);
	fputs("</h2>\n", out);
	if (s->count > 1 && main != NULL)
		fprintf(out, "<p class=\"muted\">The walk of probe %u of %u%s."
		    "</p>\n", h->failed != NULL ? h->failed_number :
		    h->last_number, s->count, h->failed != NULL ?
		    ", the last one that failed" : ", the last one");
	if (main == NULL)
		fprintf(out, "<p class=\"muted\">%s</p>\n", h->oom ?
		    "(no memory was left to keep this target's walk)" :
		    "This target was not probed.");
	else
		fputs(main, out);
	if (h->failed != NULL && h->last != NULL) {
		fprintf(out, "<details class=\"later\"><summary>The walk of the "
		    "last probe, %u of %u, which succeeded</summary>\n",
		    h->last_number, s->count);
		fputs(h->last, out);
		fputs("</details>\n", out);
	}
	fputs("</section>\n", out);
}

bool
html_report_write(FILE *out, const struct html_settings *s,
    const struct html_page_target *t, size_t ntargets, bool interrupted)
{
	int64_t started_wall_us = 0;

	for (size_t i = 0; i < ntargets; i++)
		if (t[i].html->started_wall_us != 0 && (started_wall_us == 0 ||
		    t[i].html->started_wall_us < started_wall_us))
			started_wall_us = t[i].html->started_wall_us;
	html_head(out, t, ntargets);
	html_header(out, s, ntargets, interrupted, started_wall_us);
	if (ntargets > 1 || s->count > 1)
		html_summary(out, s, t, ntargets);
	for (size_t i = 0; i < ntargets; i++)
		html_target_section(out, i, &t[i], s, ntargets);
	fputs("<footer>Made by mqtts-probe " PACKAGE_VERSION ". This page loads "
	    "nothing: it is one file, and reads the same printed, offline or "
	    "attached to a ticket.</footer>\n</body></html>\n", out);
	return fflush(out) == 0 && !ferror(out);
}
