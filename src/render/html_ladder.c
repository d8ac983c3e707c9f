/*
 * html_ladder.c: the sequence diagram, as an SVG.
 *
 * The client and the broker are two lanes; every TLS handshake message,
 * TLS record and MQTT packet the report holds is an arrow between them,
 * in order, with its time and size, the way --trace lists them.  Notes
 * (the DNS answer, the connection, keys derived, what the server chose)
 * sit beside the client's lane.  The failure is drawn where it
 * happened: an alert in red, a close as a red arrow from the broker, a
 * timeout as a red wait on the client's lane, a rejected certificate
 * as a red cross.
 *
 * Rows are evenly spaced, not proportional to time: a ladder is read
 * message by message, and the waterfall shows the time.
 */
#define _GNU_SOURCE	/* open_memstream */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_parts.h"

#define LD_CLIENT 250.0
#define LD_BROKER 930.0
#define LD_TOP 58.0
#define LD_ROW 24.0
#define LD_REC_ROW 19.0
#define LD_NOTE_MAX 120		/* characters of a note shown in full */

struct ld {
	FILE *out;		/* the rows, before the lanes are known */
	double y;		/* where the next row goes */
	int step;		/* the step of the last row */
};

static void
ld_time(struct ld *l, uint64_t us, double y)
{
	fprintf(l->out, "<text class=\"tm\" x=\"92\" y=\"%.1f\">%.3f ms</text>",
	    y + 4, (double)us / 1000.0);
}

static void
ld_step_band(struct ld *l, const struct report *r, int step)
{
	const struct report_step_rec *s = &r->steps[step];

	l->y += 6;
	fprintf(l->out, "<rect class=\"sband\" x=\"0\" y=\"%.1f\" width=\"%d\" "
	    "height=\"20\"/><text class=\"sbt\" x=\"8\" y=\"%.1f\">%d %s",
	    l->y, HTML_SVG_WIDTH, l->y + 14, step, report_step_name(step));
	if (s->status == STEP_OK || s->status == STEP_FAILED) {
		fputs(s->status == STEP_FAILED ? " &#8212; failed after " :
		    " &#8212; ", l->out);
		html_ms(l->out, stats_step_us(r, step));
	}
	fputs("</text>", l->out);
	l->y += 28;
	l->step = step;
}

/* What the report did not keep of a step's events (a flooding peer):
 * counted, said once under the step. */
static void
ld_dropped(struct ld *l, const struct report *r, int step)
{
	uint64_t n = step >= 1 && step <= REPORT_STEPS ?
	    r->steps[step].events_dropped : 0;

	if (n == 0)
		return;
	fprintf(l->out, "<text class=\"ftext\" x=\"%.1f\" y=\"%.1f\">&#8230; "
	    "and %llu more event%s of this step not shown (the report keeps "
	    "the first %d)</text>", LD_CLIENT + 12, l->y + 4,
	    (unsigned long long)n, n == 1 ? "" : "s", REPORT_MAX_EVENTS);
	l->y += LD_ROW;
}

/* Bands for the steps that ran up to step, a quiet one saying so (step
 * 4 checks the chain without a word on the wire). */
static void
ld_bands_to(struct ld *l, const struct report *r, int step)
{
	while (l->step < step) {
		int s = l->step + 1;

		ld_dropped(l, r, l->step);
		enum step_status st = r->steps[s].status;

		if (st != STEP_OK && st != STEP_FAILED) {
			l->step = s;
			continue;
		}
		ld_step_band(l, r, s);
		if (s < step) {
			fprintf(l->out, "<text class=\"note\" x=\"%.1f\" "
			    "y=\"%.1f\">nothing crossed the network in this step"
			    "</text>", LD_CLIENT + 12, l->y + 4);
			l->y += LD_REC_ROW;
		}
	}
}

/* A message or record as an arrow, sloping the way it travelled. */
static void
ld_arrow(struct ld *l, const struct report_event *e)
{
	bool out = e->dir == DIR_OUT, rec = e->kind == EVK_TLS_RECORD;
	double from = out ? LD_CLIENT : LD_BROKER, to = out ? LD_BROKER :
	    LD_CLIENT, y = l->y, tip = out ? -8 : 8;
	const char *cls = html_is_alert(e) ? "a-alert" : rec ? "a-rec" :
	    e->kind == EVK_MQTT ? "a-mqtt" : "a-tls";
	char name[160];

	ld_time(l, e->at_us, y);
	fprintf(l->out, "<g class=\"%s\"><title>%.3f ms %s: ", cls,
	    (double)e->at_us / 1000.0, out ? "client to broker" :
	    "broker to client");
	html_text(l->out, e->text);
	if (e->size > 0)
		fprintf(l->out, " (%zu bytes)", e->size);
	fprintf(l->out, "</title><path d=\"M%.1f %.1fL%.1f %.1f\"/>"
	    "<path class=\"tip\" d=\"M%.1f %.1fl%.1f -4l0 8Z\"/>", from, y,
	    to, y + 5, to, y + 5, tip);
	fprintf(l->out, "<text x=\"%.1f\" y=\"%.1f\">", (LD_CLIENT + LD_BROKER) / 2,
	    y - 3);
	if (rec)
		fputs("record ", l->out);
	html_text(l->out, html_msg_name(e, name, sizeof(name)));
	if (e->size > 0)
		fprintf(l->out, " &#183; %zu B", e->size);
	fputs("</text></g>", l->out);
	l->y += rec ? LD_REC_ROW : LD_ROW;
}

static void
ld_note(struct ld *l, const struct report_event *e)
{
	size_t n = strlen(e->text);

	ld_time(l, e->at_us, l->y);
	fprintf(l->out, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\"><title>",
	    e->kind == EVK_KEYS ? "nkeys" : "note", LD_CLIENT + 12, l->y + 4);
	html_text(l->out, e->text);
	fputs("</title>", l->out);
	if (e->kind == EVK_KEYS)
		fputs("&#9670; ", l->out);
	html_textn(l->out, e->text, n > LD_NOTE_MAX ? LD_NOTE_MAX : n);
	if (n > LD_NOTE_MAX)
		fputs("&#8230;", l->out);
	fputs("</text>", l->out);
	l->y += LD_REC_ROW;
}

/* Text in lines of at most LD_WRAP characters, cut at spaces, from y
 * down; at most max lines (the last one ends in an ellipsis if cut).
 * Returns the number of lines. */
#define LD_WRAP 92
static int
ld_wrapped(FILE *out, const char *cls, double x, double y, const char *text,
    int max)
{
	size_t n = strlen(text);
	int lines = 0;

	fprintf(out, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\">", cls, x, y);
	while (n > 0 && lines < max) {
		size_t take = n;

		if (take > LD_WRAP) {
			take = LD_WRAP;
			while (take > LD_WRAP / 2 && text[take] != ' ')
				take--;
			if (text[take] != ' ')
				take = LD_WRAP;
		}
		fprintf(out, "<tspan x=\"%.1f\" dy=\"%s\">", x,
		    lines > 0 ? "1.3em" : "0");
		html_textn(out, text, take);
		if (lines + 1 == max && take < n)
			fputs("&#8230;", out);
		fputs("</tspan>", out);
		text += take;
		n -= take;
		while (n > 0 && *text == ' ') {
			text++;
			n--;
		}
		lines++;
	}
	fputs("</text>", out);
	return lines;
}

/* The failure, drawn at the moment it happened. */
static void
ld_failure(struct ld *l, const struct report *r)
{
	const struct report_step_rec *s = &r->steps[r->failed_step];
	double y;
	char head[REPORT_TEXT_MAX + 64];
	int lines;
	bool arrow;
	/* "the server sent TLS alert certificate_required (116): ..." */
	const char *alert = strstr(s->reason, "sent TLS alert ") != NULL ?
	    strstr(s->reason, "alert ") : NULL;

	/* the failure belongs under its own step's band */
	if (l->step < r->failed_step)
		ld_bands_to(l, r, r->failed_step);
	y = l->y;

	ld_time(l, s->end_us, y);
	switch (s->cause) {
	case CAUSE_CLOSED:
		fprintf(l->out, "<g class=\"a-alert\"><path d=\"M%.1f %.1fL%.1f "
		    "%.1f\" stroke-dasharray=\"6 4\"/><path class=\"tip\" "
		    "d=\"M%.1f %.1fl8 -4l0 8Z\"/><text x=\"%.1f\" y=\"%.1f\">"
		    "the broker closed the connection</text></g>", LD_BROKER, y,
		    LD_CLIENT, y + 5, LD_CLIENT, y + 5,
		    (LD_CLIENT + LD_BROKER) / 2, y - 3);
		break;
	case CAUSE_TIMEOUT:
		fprintf(l->out, "<path class=\"wait\" d=\"M%.1f %.1fv30\"/>",
		    LD_CLIENT, y - 14);
		y += 12;
		break;
	case CAUSE_TLS:
		if (alert != NULL) {
			/* the alert the broker sent, as the arrow it was */
			size_t n = strcspn(alert + 6, " (:,");

			fprintf(l->out, "<g class=\"a-alert\"><path d=\"M%.1f %.1f"
			    "L%.1f %.1f\"/><path class=\"tip\" d=\"M%.1f %.1fl8 "
			    "-4l0 8Z\"/><text x=\"%.1f\" y=\"%.1f\">TLS alert ",
			    LD_BROKER, y, LD_CLIENT, y + 5, LD_CLIENT, y + 5,
			    (LD_CLIENT + LD_BROKER) / 2, y - 3);
			html_textn(l->out, alert + 6, n < 60 ? n : 60);
			fputs("</text></g>", l->out);
			break;
		}
		/* fall through */
	default:
		fprintf(l->out, "<path class=\"cross\" d=\"M%.1f %.1fl12 12m0 "
		    "-12l-12 12\"/>", LD_CLIENT - 6, y - 6);
		break;
	}
	l->y += s->cause == CAUSE_TIMEOUT ? 36 : LD_ROW;
	snprintf(head, sizeof(head), "\xe2\x9c\x97 step %d failed (%s): %s",
	    r->failed_step, report_cause_name(s->cause), s->reason);
	arrow = s->cause == CAUSE_CLOSED || (s->cause == CAUSE_TLS &&
	    alert != NULL);
	lines = ld_wrapped(l->out, "ftext", LD_CLIENT + 12,
	    arrow ? l->y - 4 : y + 4, head, 4);
	l->y += (arrow ? LD_ROW : 4) + (lines - 1) * 16;
}

static bool
ld_wanted(const struct report_event *e)
{
	if (e->kind == EVK_TLS_MSG || e->kind == EVK_TLS_RECORD ||
	    e->kind == EVK_MQTT)
		return e->dir != DIR_NONE || e->kind != EVK_TLS_RECORD;
	/* socket reads and writes are the records' raw material */
	if (e->kind == EVK_NET)
		return e->dir == DIR_NONE;
	return true;
}

static void
ld_rows(struct ld *l, const struct report *r)
{
	bool failed_drawn = r->failed_step == 0;
	uint64_t fail_at = r->failed_step != 0 ?
	    r->steps[r->failed_step].end_us : 0;

	for (size_t i = 0; i < r->nevents; i++) {
		const struct report_event *e = &r->events[i];

		if (!ld_wanted(e))
			continue;
		if (!failed_drawn && (e->at_us > fail_at ||
		    e->step > r->failed_step) && e->step >= r->failed_step) {
			ld_failure(l, r);
			failed_drawn = true;
		}
		if (e->step > l->step)
			ld_bands_to(l, r, e->step);
		if (e->dir != DIR_NONE && e->kind != EVK_NET &&
		    e->kind != EVK_INFO && e->kind != EVK_KEYS)
			ld_arrow(l, e);
		else
			ld_note(l, e);
	}
	if (!failed_drawn)
		ld_failure(l, r);
	ld_dropped(l, r, l->step);
}

void
html_ladder(FILE *out, const struct report *r)
{
	struct ld l = { .y = LD_TOP };
	char *buf = NULL;
	size_t len = 0;
	double height;

	l.out = open_memstream(&buf, &len);
	if (l.out == NULL) {
		fputs("<p class=\"err\">(no memory for the ladder)</p>\n", out);
		return;
	}
	ld_rows(&l, r);
	if (fclose(l.out) != 0 || buf == NULL) {
		free(buf);
		fputs("<p class=\"err\">(no memory for the ladder)</p>\n", out);
		return;
	}
	height = l.y + 16;
	fprintf(out, "<svg class=\"ld\" role=\"img\" viewBox=\"0 0 %d %.0f\">"
	    "<title>Ladder: every message between client and broker</title>",
	    HTML_SVG_WIDTH, height);
	fprintf(out, "<path class=\"lane\" d=\"M%.1f 40V%.1fM%.1f 40V%.1f\"/>",
	    LD_CLIENT, height - 6, LD_BROKER, height - 6);
	fprintf(out, "<rect class=\"actor\" x=\"%.1f\" y=\"6\" width=\"180\" "
	    "height=\"30\" rx=\"4\"/><text class=\"an\" x=\"%.1f\" y=\"26\">"
	    "client (mqtts-probe)</text>", LD_CLIENT - 90, LD_CLIENT);
	fprintf(out, "<rect class=\"actor\" x=\"%.1f\" y=\"6\" width=\"180\" "
	    "height=\"30\" rx=\"4\"/><text class=\"an\" x=\"%.1f\" y=\"26\">"
	    "broker</text>", LD_BROKER - 90, LD_BROKER);
	fwrite(buf, 1, len, out);
	fputs("</svg>\n", out);
	free(buf);
}
