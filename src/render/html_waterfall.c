/*
 * html_waterfall.c: the eight steps on one time axis, as an SVG.
 *
 * One row per step: a bar from its start to its end, and on it the
 * marks of what happened then: the DNS answer and the TCP connection in
 * step 1, each TLS flight (the messages one side sent in a row), each
 * MQTT packet, the keys.  A last row shows the round trips: from a
 * message to the first answer of the same protocol, so the time spent
 * waiting for the broker stands out from the time spent here.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_parts.h"

#define WF_X0 250.0		/* the time axis starts here */
#define WF_X1 1060.0		/* and ends here; durations to the right */
#define WF_TOP 34		/* room for the axis labels */
#define WF_ROW 46
#define WF_CHAR 6.2		/* width of a 10 px label's character */

struct wf {
	FILE *out;
	double scale;		/* px per microsecond */
	double label_end;	/* where the last label of the row ended */
};

static double
wf_x(const struct wf *w, uint64_t us)
{
	return WF_X0 + (double)us * w->scale;
}

/* A label above a mark, unless it would run into the previous one. */
static void
wf_label(struct wf *w, double x, double y, const char *text)
{
	double width = (double)strlen(text) * WF_CHAR;

	/* near the end of the axis a label ends at its mark instead, clear
	 * of the durations on the right */
	if (x + width > WF_X1 + 8)
		x = x + 10 - width;
	if (x < w->label_end + 4 || x < 0)
		return;
	fprintf(w->out, "<text class=\"ml\" x=\"%.1f\" y=\"%.1f\">", x, y);
	html_text(w->out, text);
	fputs("</text>", w->out);
	w->label_end = x + width;
}

/* A round tick step for about eight ticks over span microseconds. */
static double
wf_tick(uint64_t span)
{
	static const double nice[] = { 1, 2, 5 };
	double unit = 1;

	for (;;)
		for (size_t i = 0; i < 3; i++)
			if ((double)span / (nice[i] * unit) <= 8)
				return nice[i] * unit;
			else if (i == 2)
				unit *= 10;
}

static void
wf_axis(struct wf *w, uint64_t span, int rows)
{
	double tick = wf_tick(span);
	double bottom = WF_TOP + rows * WF_ROW;

	for (double t = 0; t <= (double)span * 1.0001; t += tick) {
		double x = wf_x(w, (uint64_t)t);

		fprintf(w->out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>", x, WF_TOP - 6, x, bottom);
		fprintf(w->out, "<text class=\"ax\" x=\"%.1f\" y=\"%d\">", x,
		    WF_TOP - 12);
		html_num(w->out, t >= 10000000 ? t / 1e6 : t / 1000.0);
		fputs(t >= 10000000 ? " s" : " ms", w->out);
		fputs("</text>", w->out);
	}
}

static void
wf_title(FILE *out, const struct report_event *e)
{
	fprintf(out, "<title>%.3f ms ", (double)e->at_us / 1000.0);
	fputs(e->dir == DIR_OUT ? "sent: " : e->dir == DIR_IN ? "received: " :
	    "", out);
	html_text(out, e->text);
	if (e->size > 0)
		fprintf(out, " (%zu bytes)", e->size);
	fputs("</title>", out);
}

static void
wf_triangle(FILE *out, double x, double y, enum report_dir d,
    const char *cls)
{
	double s = d == DIR_OUT ? 1 : -1;

	fprintf(out, "<path class=\"%s\" d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\">",
	    cls, x - 5 * s, y - 5, x + 5 * s, y, x - 5 * s, y + 5);
}

/* Step 1: the DNS lookup and the TCP connect as parts of the bar. */
static void
wf_step1_parts(struct wf *w, const struct report *r, double y)
{
	uint64_t start = r->steps[STEP_TCP].start_us, resolved = 0;

	for (size_t i = 0; i < r->nevents; i++) {
		const struct report_event *e = &r->events[i];

		if (e->step != STEP_TCP || e->kind != EVK_NET ||
		    e->dir != DIR_NONE)
			continue;
		if (strstr(e->text, " resolves to ") != NULL && resolved == 0) {
			resolved = e->at_us;
			fprintf(w->out, "<rect class=\"dns\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"12\"><title>DNS lookup: ",
			    wf_x(w, start), y, wf_x(w, resolved) -
			    wf_x(w, start) + 0.5);
			html_ms(w->out, resolved - start);
			fputs("</title></rect>", w->out);
		}
	}
}

/* Stages some transports add (the proxy tunnel, the WebSocket
 * upgrade): a part of the step's bar, named. */
static void
wf_stages(struct wf *w, const struct report *r, int step, double y)
{
	for (size_t i = 0; i < r->nstages; i++) {
		const struct report_stage *g = &r->stages[i];

		if (g->step != step)
			continue;
		fprintf(w->out, "<rect class=\"stage%s\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"12\"><title>", g->ok ? "" :
		    " fail", wf_x(w, g->start_us), y, wf_x(w, g->end_us) -
		    wf_x(w, g->start_us) + 0.5);
		html_text(w->out, g->name);
		fputs(": ", w->out);
		html_ms(w->out, g->end_us - g->start_us);
		fputs("</title></rect>", w->out);
	}
}

static void
wf_marks(struct wf *w, const struct report *r, int step, double top)
{
	double my = top + 22;
	char name[64];

	w->label_end = 0;
	for (size_t i = 0; i < r->nevents; i++) {
		const struct report_event *e = &r->events[i];
		double x = wf_x(w, e->at_us);

		if (e->step != step)
			continue;
		if (html_is_alert(e)) {
			fprintf(w->out, "<path class=\"alert\" d=\"M%.1f %.1fl8 "
			    "8m0 -8l-8 8\">", x - 4, my - 4);
			wf_title(w->out, e);
			fputs("</path>", w->out);
			wf_label(w, x - 4, top + 12, "alert");
		} else if (e->kind == EVK_TLS_MSG && e->dir != DIR_NONE) {
			/* a flight: this message and the ones that follow it
			 * the same way, records and notes aside */
			size_t j = i, n = 1;

			for (size_t k = i + 1; k < r->nevents; k++) {
				const struct report_event *f = &r->events[k];

				if (f->step != step || (html_is_message(f) &&
				    (f->kind != EVK_TLS_MSG || f->dir != e->dir)))
					break;
				if (f->kind == EVK_TLS_MSG) {
					j = k;
					n++;
				}
			}
			if (j > i)
				fprintf(w->out, "<line class=\"flight\" x1=\"%.1f\" "
				    "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, my,
				    wf_x(w, r->events[j].at_us), my);
			wf_triangle(w->out, x, my, e->dir,
			    e->dir == DIR_OUT ? "out" : "in");
			fprintf(w->out, "<title>%s flight of %zu message%s:",
			    e->dir == DIR_OUT ? "client" : "broker", n,
			    n == 1 ? "" : "s");
			for (size_t k = i; k <= j; k++)
				if (r->events[k].kind == EVK_TLS_MSG) {
					fprintf(w->out, " %s%s",
					    html_msg_name(&r->events[k], name,
					    sizeof(name)), k < j ? "," : "");
				}
			fputs("</title></path>", w->out);
			html_msg_name(e, name, sizeof(name));
			if (n > 1)
				snprintf(name + strlen(name), sizeof(name) -
				    strlen(name), " +%zu", n - 1);
			wf_label(w, x - 5, top + 12, name);
			i = j;
		} else if (e->kind == EVK_MQTT && e->dir != DIR_NONE) {
			wf_triangle(w->out, x, my, e->dir, "mqtt");
			wf_title(w->out, e);
			fputs("</path>", w->out);
			wf_label(w, x - 5, top + 12, html_msg_name(e, name,
			    sizeof(name)));
		} else if (e->kind == EVK_KEYS) {
			fprintf(w->out, "<path class=\"keys\" d=\"M%.1f %.1fl5 "
			    "5l-5 5l-5 -5Z\">", x, my - 5);
			wf_title(w->out, e);
			fputs("</path>", w->out);
			wf_label(w, x - 4, top + 12, "keys");
		} else if (e->kind == EVK_NET && e->dir == DIR_NONE &&
		    e->level == 0) {
			fprintf(w->out, "<circle class=\"net\" cx=\"%.1f\" "
			    "cy=\"%.1f\" r=\"4\">", x, my);
			wf_title(w->out, e);
			fputs("</circle>", w->out);
			wf_label(w, x - 4, top + 12, strstr(e->text,
			    " resolves to ") != NULL ? "DNS" :
			    strncmp(e->text, "connected", 9) == 0 ?
			    "connected" : "");
		}
	}
}

static void
wf_step(struct wf *w, const struct report *r, int step, int row)
{
	const struct report_step_rec *s = &r->steps[step];
	double top = WF_TOP + row * WF_ROW, by = top + 28;
	bool ran = s->status == STEP_OK || s->status == STEP_FAILED;
	const char *cls = s->status == STEP_FAILED ? "fail" :
	    step == STEP_VERIFY && r->unverified ? "warn" : "ok";

	if (row % 2 == 0)
		fprintf(w->out, "<rect class=\"band\" x=\"0\" y=\"%.1f\" "
		    "width=\"%d\" height=\"%d\"/>", top, HTML_SVG_WIDTH, WF_ROW);
	fprintf(w->out, "<text class=\"sn\" x=\"8\" y=\"%.1f\">%d</text>",
	    top + 28, step);
	fprintf(w->out, "<text class=\"sl\" x=\"26\" y=\"%.1f\">%s</text>",
	    top + 28, report_step_name(step));
	if (!ran) {
		fprintf(w->out, "<text class=\"nr\" x=\"%.1f\" y=\"%.1f\">",
		    WF_X0, top + 28);
		if (s->status != STEP_SKIPPED) {
			fputs("not reached", w->out);
		} else if (s->reason[0] != '\0') {
			fputs("skipped: ", w->out);
			html_text(w->out, s->reason);
		} else {
			fputs("skipped (--steps)", w->out);
		}
		fputs("</text>", w->out);
		return;
	}
	fprintf(w->out, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"12\" rx=\"2\"><title>", cls, wf_x(w, s->start_us), by,
	    wf_x(w, s->end_us) - wf_x(w, s->start_us) + 2);
	fprintf(w->out, "%d %s: ", step, report_step_name(step));
	html_ms(w->out, stats_step_us(r, step));
	fputs("</title></rect>", w->out);
	if (step == STEP_TCP)
		wf_step1_parts(w, r, by);
	wf_stages(w, r, step, by);
	wf_marks(w, r, step, top);
	fprintf(w->out, "<text class=\"dur %s\" x=\"%.1f\" y=\"%.1f\">", cls,
	    WF_X1 + 14, top + 28);
	if (s->status == STEP_FAILED)
		fputs("failed ", w->out);
	html_ms(w->out, stats_step_us(r, step));
	fputs("</text>", w->out);
}

/* Whether event e starts a protocol's answer to what we sent: the
 * previous message of the same protocol went the other way. */
static const struct report_event *
wf_request_of(const struct report *r, size_t i)
{
	const struct report_event *e = &r->events[i];

	if (!html_is_message(e) || e->dir != DIR_IN)
		return NULL;
	while (i-- > 0) {
		const struct report_event *p = &r->events[i];

		if (!html_is_message(p) || p->kind != e->kind)
			continue;
		return p->dir == DIR_OUT ? p : NULL;
	}
	return NULL;
}

static void
wf_round_trips(struct wf *w, const struct report *r, int row)
{
	double top = WF_TOP + row * WF_ROW, y = top + 26;
	char a[64], b[64];

	fprintf(w->out, "<text class=\"sl\" x=\"26\" y=\"%.1f\">round trips"
	    "</text>", top + 28);
	w->label_end = 0;
	for (size_t i = 0; i < r->nevents; i++) {
		const struct report_event *e = &r->events[i];
		const struct report_event *q = wf_request_of(r, i);
		double x0, x1;
		char label[32];

		if (q == NULL)
			continue;
		x0 = wf_x(w, q->at_us);
		x1 = wf_x(w, e->at_us);
		fprintf(w->out, "<path class=\"rtt\" d=\"M%.1f %.1fv-6M%.1f "
		    "%.1fH%.1fM%.1f %.1fv-6\"><title>", x0, y, x0, y - 3, x1, x1,
		    y);
		html_text(w->out, html_msg_name(q, a, sizeof(a)));
		fputs(" &#8594; ", w->out);
		html_text(w->out, html_msg_name(e, b, sizeof(b)));
		fputs(": ", w->out);
		html_ms(w->out, e->at_us - q->at_us);
		fputs("</title></path>", w->out);
		snprintf(label, sizeof(label), "%.2f ms",
		    (double)(e->at_us - q->at_us) / 1000.0);
		wf_label(w, (x0 + x1) / 2 - (double)strlen(label) * WF_CHAR / 2,
		    top + 14, label);
	}
}

static void
wf_legend(FILE *out, double y)
{
	fprintf(out, "<g class=\"legend\" transform=\"translate(26 %.1f)\">"
	    "<path class=\"out\" d=\"M0 -5L10 0L0 5Z\"/>"
	    "<text x=\"16\" y=\"4\">TLS sent by the client</text>"
	    "<path class=\"in\" d=\"M190 -5L180 0L190 5Z\"/>"
	    "<text x=\"196\" y=\"4\">TLS sent by the broker</text>"
	    "<path class=\"mqtt\" d=\"M370 -5L380 0L370 5Z\"/>"
	    "<text x=\"386\" y=\"4\">MQTT packet (&#9654; sent, &#9664; "
	    "received)</text>"
	    "<path class=\"keys\" d=\"M610 -5l5 5l-5 5l-5 -5Z\"/>"
	    "<text x=\"622\" y=\"4\">keys derived</text>"
	    "<circle class=\"net\" cx=\"720\" cy=\"0\" r=\"4\"/>"
	    "<text x=\"730\" y=\"4\">DNS, TCP</text>"
	    "<path class=\"rtt\" d=\"M810 4v-6M810 1H840M840 4v-6\"/>"
	    "<text x=\"848\" y=\"4\">round trip</text></g>", y);
}

void
html_waterfall(FILE *out, const struct report *r)
{
	uint64_t span = html_span_us(r);
	struct wf w = { .out = out, .scale = (WF_X1 - WF_X0) / (double)span };
	int rows = REPORT_STEPS + 1;
	double height = WF_TOP + rows * WF_ROW + 30;

	fprintf(out, "<svg class=\"wf\" role=\"img\" viewBox=\"0 0 %d %.0f\">"
	    "<title>Waterfall: the "
	    "eight steps on one time axis</title>", HTML_SVG_WIDTH, height);
	wf_axis(&w, span, rows);
	for (int s = 1; s <= REPORT_STEPS; s++)
		wf_step(&w, r, s, s - 1);
	wf_round_trips(&w, r, REPORT_STEPS);
	wf_legend(out, height - 12);
	fputs("</svg>\n", out);
}
