/*
 * html_chart.c: the latency chart of a series, as an SVG.
 *
 * One row per target (or, for a single target, per step and for the
 * whole probe): a box from the 25th to the 75th percentile with the
 * median in it, whiskers to the fastest and the slowest probe, ticks at
 * the 90th and 99th percentiles.  Only probes that succeeded count: a
 * probe that timed out measures the timeout, not the broker.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_parts.h"

#define CH_X0 250.0
#define CH_X1 870.0
#define CH_TOP 34
#define CH_ROW 34

struct ch_row {
	char label[96];
	size_t n;
	double p[7];		/* 0, 25, 50, 75, 90, 99, 100 */
};

static const double ch_ps[7] = { 0, 25, 50, 75, 90, 99, 100 };

static int
ch_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Percentiles of step's durations (0: the whole probe) in t's sample. */
static bool
ch_fill(struct ch_row *row, const struct html_target *t, int step,
    double *buf)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nsamples; i++) {
		const struct html_sample *s = &t->samples[i];

		if (step == 0 && s->ok)
			buf[n++] = s->total_ms;
		else if (step > 0 && s->step_ms[step] >= 0 &&
		    (s->ok || step < REPORT_STEPS))
			buf[n++] = s->step_ms[step];
	}
	row->n = n;
	if (n == 0)
		return false;
	qsort(buf, n, sizeof(*buf), ch_cmp);
	for (int i = 0; i < 7; i++)
		row->p[i] = stats_percentile(buf, n, ch_ps[i]);
	return true;
}

static void
ch_axis(FILE *out, double max, int rows)
{
	static const double nice[] = { 1, 2, 5 };
	double unit = 0.001, tick = 1;

	for (bool found = false; !found; unit *= 10)
		for (size_t i = 0; i < 3 && !found; i++)
			if (max / (nice[i] * unit) <= 8) {
				tick = nice[i] * unit;
				found = true;
			}
	for (double v = 0; v <= max * 1.0001; v += tick) {
		double x = CH_X0 + v / max * (CH_X1 - CH_X0);

		fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" "
		    "x2=\"%.1f\" y2=\"%d\"/><text class=\"ax\" x=\"%.1f\" "
		    "y=\"%d\">", x, CH_TOP - 6, x, CH_TOP + rows * CH_ROW, x,
		    CH_TOP - 12);
		html_num(out, v);
		fputs(" ms</text>", out);
	}
}

static void
ch_draw(FILE *out, const struct ch_row *row, int i, double max)
{
	double top = CH_TOP + i * CH_ROW, y = top + CH_ROW / 2.0;
	double x[7];

	for (int k = 0; k < 7; k++)
		x[k] = CH_X0 + row->p[k] / max * (CH_X1 - CH_X0);
	if (i % 2 == 0)
		fprintf(out, "<rect class=\"band\" x=\"0\" y=\"%.1f\" "
		    "width=\"%d\" height=\"%d\"/>", top, HTML_SVG_WIDTH, CH_ROW);
	fprintf(out, "<text class=\"sl\" x=\"8\" y=\"%.1f\">", y + 4);
	html_text(out, row->label);
	fprintf(out, "</text><g class=\"box\"><title>%zu probe%s: min %.3f, "
	    "p25 %.3f, median %.3f, p75 %.3f, p90 %.3f, p99 %.3f, max %.3f ms"
	    "</title>", row->n, row->n == 1 ? "" : "s", row->p[0], row->p[1],
	    row->p[2], row->p[3], row->p[4], row->p[5], row->p[6]);
	fprintf(out, "<path class=\"whisker\" d=\"M%.1f %.1fH%.1fM%.1f %.1fv10"
	    "M%.1f %.1fv10\"/>", x[0], y, x[6], x[0], y - 5, x[6], y - 5);
	fprintf(out, "<rect class=\"iqr\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"14\"/>", x[1], y - 7, x[3] - x[1] + 1);
	fprintf(out, "<path class=\"median\" d=\"M%.1f %.1fv18\"/>", x[2],
	    y - 9);
	fprintf(out, "<path class=\"p90\" d=\"M%.1f %.1fl4 -7h-8Z\"/>"
	    "<path class=\"p99\" d=\"M%.1f %.1fl4 -7h-8Z\"/></g>", x[4], y - 8,
	    x[5], y - 8);
	fprintf(out, "<text class=\"pv\" x=\"%.1f\" y=\"%.1f\">p50 %.2f "
	    "&#183; p90 %.2f &#183; p99 %.2f ms (n %zu)</text>", CH_X1 + 12,
	    y + 4, row->p[2], row->p[4], row->p[5], row->n);
}

void
html_chart(FILE *out, const struct html_page_target *t, size_t n)
{
	size_t nrows = n == 1 ? REPORT_STEPS + 1 : n, drawn = 0, cap = 1;
	struct ch_row *rows = calloc(nrows, sizeof(*rows));
	double *buf, max = 0;

	for (size_t i = 0; i < n; i++)
		if (t[i].html->nsamples > cap)
			cap = t[i].html->nsamples;
	buf = calloc(cap, sizeof(*buf));
	if (rows == NULL || buf == NULL) {
		free(rows);
		free(buf);
		fputs("<p class=\"err\">(no memory for the chart)</p>\n", out);
		return;
	}
	for (size_t i = 0; i < nrows; i++) {
		struct ch_row *row = &rows[drawn];
		const struct html_target *h = n == 1 ? t[0].html : t[i].html;
		int step = n == 1 ? (i < REPORT_STEPS ? (int)i + 1 : 0) : 0;

		if (n == 1)
			snprintf(row->label, sizeof(row->label), step == 0 ?
			    "whole probe" : "%d %s", step, report_step_name(step));
		else
			snprintf(row->label, sizeof(row->label), "%.90s",
			    t[i].where->arg);
		if (!ch_fill(row, h, step, buf))
			continue;
		if (row->p[6] > max)
			max = row->p[6];
		drawn++;
	}
	if (drawn == 0) {
		fputs("<p class=\"muted\">No probe succeeded: no latency to "
		    "chart.</p>\n", out);
	} else {
		if (max <= 0)
			max = 0.001;
		max *= 1.05;
		fprintf(out, "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %d "
		    "%zu\"><title>Latency percentiles over the series</title>",
		    HTML_SVG_WIDTH, (size_t)CH_TOP + drawn * CH_ROW + 34);
		ch_axis(out, max, (int)drawn);
		for (size_t i = 0; i < drawn; i++)
			ch_draw(out, &rows[i], (int)i, max);
		fprintf(out, "<g class=\"legend\" transform=\"translate(8 %zu)\">"
		    "<rect class=\"iqr\" x=\"0\" y=\"-7\" width=\"30\" "
		    "height=\"14\"/><text x=\"36\" y=\"4\">half the probes "
		    "(p25 to p75)</text><path class=\"median\" d=\"M230 -9v18\"/>"
		    "<text x=\"238\" y=\"4\">median</text><path class=\"whisker\" "
		    "d=\"M310 0h40\"/><text x=\"356\" y=\"4\">fastest to slowest"
		    "</text><path class=\"p90\" d=\"M500 0l4 -7h-8Z\"/><text "
		    "x=\"510\" y=\"4\">p90</text><path class=\"p99\" d=\"M550 0l4 "
		    "-7h-8Z\"/><text x=\"560\" y=\"4\">p99</text></g></svg>\n",
		    (size_t)CH_TOP + drawn * CH_ROW + 20);
	}
	free(rows);
	free(buf);
}
