/*
 * render_text.c: the human-readable walkthrough.
 *
 * Each step is printed the moment it ends (the report's listener), so a
 * class or an operator watches the handshake unfold; the status tracker
 * and the verdict follow at the end.  With quiet, only the verdict.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "render.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[1;33m"
#define C_DIM "\033[2m"

/*
 * Certificate subjects, broker reason strings and topics are untrusted:
 * control bytes are shown as \xNN so a hostile peer cannot drive the
 * user's terminal with escape sequences.
 */
static const char *
render_clean(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in != '\0' && o + 5 < len; in++) {
		unsigned char ch = (unsigned char)*in;

		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	return out;
}

static const char *
render_color(const struct render_text *rt, const char *code)
{
	return rt->color ? code : "";
}

static void
render_ms(uint64_t us, char *buf, size_t len)
{
	snprintf(buf, len, "%.2f ms", (double)us / 1000.0);
}

static void
render_states(const struct render_text *rt, const struct report_step_rec *s)
{
	fprintf(rt->out, "      %s", render_color(rt, C_DIM));
	for (int l = 0; l < REPORT_LAYERS; l++) {
		int st = s->state[l];
		bool failed = (l == LAYER_TCP && st == ST_TCP_FAILED) ||
		    (l == LAYER_TLS && st == ST_TLS_FAILED) ||
		    (l == LAYER_MQTT && st == ST_MQTT_FAILED);

		fprintf(rt->out, "%s%s: %s%s%s", l > 0 ? " | " : "",
		    report_layer_name(l), failed ? render_color(rt, C_RED) : "",
		    report_state_name(l, st), failed ?
		    render_color(rt, C_RESET C_DIM) : "");
	}
	fprintf(rt->out, "%s\n", render_color(rt, C_RESET));
}

/* Events not yet shown that belong to this step or an earlier one. */
static void
render_events(struct render_text *rt, const struct report *r, int step)
{
	char clean[REPORT_TEXT_MAX * 4];

	for (size_t i = rt->events_shown; i < r->nevents; i++) {
		const struct report_event *e = &r->events[i];

		if (e->step > step)
			break;
		if (e->level <= rt->verbose)
			fprintf(rt->out, "      %s%8.3f ms%s  %s\n",
			    render_color(rt, C_DIM), (double)e->at_us / 1000.0,
			    render_color(rt, C_RESET), render_clean(e->text,
			    clean, sizeof(clean)));
		rt->events_shown = i + 1;
	}
}

static void
render_step(struct render_text *rt, const struct report *r, int step)
{
	const struct report_step_rec *s = &r->steps[step];
	char ms[32], clean[REPORT_TEXT_MAX * 4];
	const char *status_color = s->status == STEP_OK ? C_GREEN :
	    s->status == STEP_FAILED ? C_RED : C_YELLOW;

	fprintf(rt->out, "%s[%d/%d] %-30s%s %s%-11s%s", render_color(rt,
	    C_BOLD), step, REPORT_STEPS, report_step_name(step),
	    render_color(rt, C_RESET), render_color(rt, status_color),
	    s->status == STEP_FAILED ? "FAILED" : report_status_name(s->status),
	    render_color(rt, C_RESET));
	if (s->status == STEP_OK || s->status == STEP_FAILED) {
		render_ms(s->end_us - s->start_us, ms, sizeof(ms));
		fprintf(rt->out, " %10s", ms);
	} else if (s->status == STEP_SKIPPED)
		fprintf(rt->out, " (--steps %d)", rt->steps);
	fputc('\n', rt->out);
	if (s->status != STEP_OK && s->status != STEP_FAILED)
		return;
	render_events(rt, r, step);
	for (size_t i = 0; i < s->ndetails; i++) {
		bool loud = strcmp(s->details[i].key, "insecure") == 0 ||
		    (strcmp(s->details[i].key, "verdict") == 0 &&
		    strcmp(s->details[i].text, "trusted") != 0);

		const struct field *f = fields_find(s->details[i].key);
		char value[REPORT_TEXT_MAX * 2], label[REPORT_KEY_MAX];

		/* a key the table does not know reads better without '_' */
		snprintf(label, sizeof(label), "%s", f->label);
		for (char *p = label; *p != '\0'; p++)
			if (*p == '_')
				*p = ' ';
		fields_format(f, s->details[i].text, value, sizeof(value));
		fprintf(rt->out, "      %-24s %s%s%s\n", label,
		    loud ? render_color(rt, C_YELLOW) : "",
		    render_clean(value, clean, sizeof(clean)),
		    loud ? render_color(rt, C_RESET) : "");
	}
	if (s->status == STEP_FAILED)
		fprintf(rt->out, "      %sfailed: %s%s\n", render_color(rt, C_RED),
		    render_clean(s->reason, clean, sizeof(clean)),
		    render_color(rt, C_RESET));
	render_states(rt, s);
}

void
render_text_live(const struct report *r, const struct report_change *c,
    void *ctx)
{
	struct render_text *rt = ctx;

	if (rt->quiet)
		return;
	if (c->kind == RC_BEGIN)
		return;
	if (c->kind == RC_STEP_OK || c->kind == RC_STEP_FAIL) {
		render_step(rt, r, c->step);
		rt->shown = c->step;
		fflush(rt->out);
	}
}

/* Split a state name into lines of at most width characters. */
static int
render_wrap(const char *text, int width, char lines[][16], int max)
{
	char copy[64];
	int n = 0;
	char *save = NULL;

	snprintf(copy, sizeof(copy), "%s", text);
	lines[0][0] = '\0';
	for (char *w = strtok_r(copy, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		size_t cur = strlen(lines[n]);

		if (cur > 0 && cur + 1 + strlen(w) > (size_t)width) {
			if (n + 1 >= max)
				break;
			lines[++n][0] = '\0';
			cur = 0;
		}
		snprintf(lines[n] + cur, 16 - cur, "%s%s", cur > 0 ? " " : "",
		    w);
	}
	return n + 1;
}

#define TRACKER_CELL 13
#define TRACKER_COLS 5	/* columns per block: fits 80 characters */

/* The walkthrough's status tracker: layers as rows, steps as columns. */
static void
render_tracker(struct render_text *rt, const struct report *r)
{
	fprintf(rt->out, "\n%sStatus tracker%s\n", render_color(rt, C_BOLD),
	    render_color(rt, C_RESET));
	for (int first = 0; first <= REPORT_STEPS; first += TRACKER_COLS) {
		int last = first + TRACKER_COLS - 1;

		if (last > REPORT_STEPS)
			last = REPORT_STEPS;
		fprintf(rt->out, "%-6s", "");
		for (int s = first; s <= last; s++) {
			char head[16];

			snprintf(head, sizeof(head), s == 0 ? "Start" :
			    "After %d", s);
			fprintf(rt->out, "%-*s", s < last ? TRACKER_CELL : 0,
			    head);
		}
		fputc('\n', rt->out);
		for (int l = 0; l < REPORT_LAYERS; l++) {
			char cells[REPORT_STEPS + 1][3][16];
			int rows = 1;

			for (int s = first; s <= last; s++) {
				const struct report_step_rec *st = &r->steps[s];
				const char *text = st->status == STEP_OK ||
				    st->status == STEP_FAILED ?
				    report_state_name(l, st->state[l]) :
				    st->status == STEP_SKIPPED ? "skipped" :
				    "-";
				int n;

				memset(cells[s], 0, sizeof(cells[s]));
				n = render_wrap(text, TRACKER_CELL - 1,
				    cells[s], 3);
				if (n > rows)
					rows = n;
			}
			for (int line = 0; line < rows; line++) {
				fprintf(rt->out, "%-6s", line == 0 ?
				    report_layer_name(l) : "");
				/* no padding after the last column */
				for (int s = first; s <= last; s++)
					fprintf(rt->out, "%-*s", s < last ?
					    TRACKER_CELL : 0, cells[s][line]);
				fputc('\n', rt->out);
			}
		}
		if (last < REPORT_STEPS)
			fputc('\n', rt->out);
	}
}

void
render_verdict(const struct report *r, const char *target, int steps,
    char *buf, size_t len)
{
	char total[32], rttbuf[32];
	const char *ver, *suite, *mqtt, *rtt;
	int f = r->failed_step;

	if (f != 0) {
		snprintf(buf, len, "FAIL step %d (%s): %s", f,
		    report_step_name(f), r->steps[f].reason);
		return;
	}
	render_ms(r->end_us, total, sizeof(total));
	ver = report_find_detail(r, STEP_KEYS, "tls_version");
	suite = report_find_detail(r, STEP_KEYS, "cipher_suite");
	mqtt = report_find_detail(r, STEP_CONNECT, "mqtt_version");
	rtt = report_find_detail(r, STEP_PUBSUB, "round_trip_us");
	if (rtt != NULL) {
		fields_format(fields_find("round_trip_us"), rtt, rttbuf,
		    sizeof(rttbuf));
		rtt = rttbuf;
	}
	snprintf(buf, len, "OK%s %s: %s %d step%s in %s%s%s%s%s%s%s%s%s%s",
	    r->unverified ? " UNVERIFIED" : "", target,
	    steps == REPORT_STEPS ? "all" : "first", steps, steps == 1 ? "" : "s",
	    total,
	    ver != NULL ? ", " : "", ver != NULL ? ver : "",
	    suite != NULL ? " " : "", suite != NULL ? suite : "",
	    mqtt != NULL ? ", MQTT " : "", mqtt != NULL ? mqtt : "",
	    rtt != NULL ? ", round trip " : "", rtt != NULL ? rtt : "",
	    r->unverified ? " (certificate NOT trusted, --insecure)" : "");
}

void
render_text_finish(struct render_text *rt, const struct report *r)
{
	char raw[REPORT_TEXT_MAX * 2], verdict[REPORT_TEXT_MAX * 8];
	char clean[REPORT_TEXT_MAX * 4];
	bool ok = r->failed_step == 0;

	render_verdict(r, rt->target, rt->steps, raw, sizeof(raw));
	render_clean(raw, verdict, sizeof(verdict));
	if (rt->quiet) {
		fprintf(rt->out, "%s\n", verdict);
		fflush(rt->out);
		return;
	}
	for (int s = 1; s <= REPORT_STEPS; s++)
		if (r->steps[s].status == STEP_SKIPPED ||
		    r->steps[s].status == STEP_NOT_REACHED)
			render_step(rt, r, s);
	render_events(rt, r, REPORT_STEPS);
	for (size_t i = 0; i < r->nhints; i++)
		fprintf(rt->out, "hint: %s\n", render_clean(r->hints[i], clean,
		    sizeof(clean)));
	render_tracker(rt, r);
	fprintf(rt->out, "\n%s%s%s\n", render_color(rt, ok && !r->unverified ?
	    C_GREEN : ok ? C_YELLOW : C_RED), verdict,
	    render_color(rt, C_RESET));
	fflush(rt->out);
}
