/*
 * render_text.c: the human-readable walkthrough.
 *
 * Each step is printed the moment it ends (the report's listener), so a
 * class or an operator watches the handshake unfold; the status tracker
 * and the verdict follow at the end.  With quiet, only the verdict.
 *
 * The teaching aids live here too: --explain adds explain.c's paragraphs
 * under each step, and --trace prints every event the moment it is
 * recorded, as one aligned trace between the step blocks, instead of
 * listing a step's events when the step ends.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "fields.h"
#include "render.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[1;33m"
#define C_DIM "\033[2m"
#define C_CYAN "\033[36m"
#define C_MAGENTA "\033[1;35m"
#define C_ITALIC "\033[3m"
/* the step being worked on: reverse video shows on any projector */
#define C_CURRENT "\033[1;7m"
/* UNVERIFIED: white on red, the loudest thing a terminal can do */
#define C_ALARM "\033[1;37;41m"
/* back to the start of the line and clear it: replaces the running line */
#define C_REWRITE "\r\033[K"

/* --explain: the bar that sets paragraphs apart, and the text width */
#define EXPLAIN_INDENT "    "
#define EXPLAIN_WIDTH 72

/*
 * Code points a terminal acts on or that change what the eye reads:
 * C1 controls (U+009B is CSI to xterm), bidirectional marks, embeddings,
 * overrides and isolates (which can make "exe.txt" read "txt.exe"), and
 * invisible separators and joiners.
 */
static bool
render_unsafe_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||	/* C1 controls */
	    cp == 0x061c ||			/* Arabic letter mark */
	    (cp >= 0x200b && cp <= 0x200f) ||	/* zero widths, LRM, RLM */
	    (cp >= 0x2028 && cp <= 0x202e) ||	/* separators, LRE..RLO */
	    (cp >= 0x2060 && cp <= 0x2069) ||	/* joiners, LRI..PDI */
	    cp == 0xfeff;			/* zero width no-break */
}

/*
 * The length (2 to 4) of the well-formed UTF-8 sequence at p, its code
 * point in *cp; 0 if p does not start one (a stray or overlong byte, a
 * surrogate, past U+10FFFF, cut short).
 */
static size_t
render_utf8(const unsigned char *p, uint32_t *cp)
{
	size_t n;
	uint32_t v;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		v = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		v = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		v = p[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* the NUL at the end, too */
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) ||
	    (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	*cp = v;
	return n;
}

size_t
render_unsafe_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n = *p < 0x80 ? 0 : render_utf8(p, &cp);

	return n > 1 && render_unsafe_cp(cp) ? n : 0;
}

/*
 * Certificate subjects, broker reason strings and topics are untrusted:
 * C0 controls and DEL are shown as \xNN, as is every byte that is not
 * part of well-formed UTF-8, and the code points of render_unsafe_cp as
 * \uNNNN, so a hostile peer can neither drive the user's terminal with
 * escape sequences nor make the text read other than it is.  Output
 * stops before an escape or character that would not fit whole.
 */
const char *
render_clean(const char *in, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;

	if (len == 0)
		return out;
	while (*p != '\0') {
		uint32_t cp = 0;
		size_t n = *p < 0x80 ? 1 : render_utf8(p, &cp);
		char esc[8];
		const char *piece = (const char *)p;
		size_t plen = n;

		if (n == 1 && (*p < 0x20 || *p == 0x7f)) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			piece = esc;
			plen = 4;
		} else if (n == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			piece = esc;
			plen = 4;
			n = 1;
		} else if (n > 1 && render_unsafe_cp(cp)) {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
			piece = esc;
			plen = 6;
		}
		if (o + plen >= len)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		p += n;
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

/* ---- width -------------------------------------------------------- */

int
render_width(const struct render_text *rt)
{
	return rt->width >= RENDER_MIN_WIDTH ? rt->width : RENDER_DEFAULT_WIDTH;
}

/* Columns that n bytes of UTF-8 take on a terminal: one per character
 * (continuation bytes take none; wide characters are rare here). */
static size_t
render_cols(const char *s, size_t n)
{
	size_t cols = 0;

	for (size_t i = 0; i < n && s[i] != '\0'; i++) {
		/* a color (ESC [ ... m) takes no column */
		if (s[i] == '\033' && s[i + 1] == '[') {
			while (i < n && s[i] != '\0' && s[i] != 'm')
				i++;
			continue;
		}
		cols += ((unsigned char)s[i] & 0xc0) != 0x80;
	}
	return cols;
}

/* The bytes of s that fit in cols columns, not cutting a character. */
static size_t
render_fit(const char *s, size_t cols)
{
	size_t i = 0, used = 0;

	while (s[i] != '\0') {
		size_t n = 1;

		while (((unsigned char)s[i + n] & 0xc0) == 0x80)
			n++;
		if (used + 1 > cols)
			break;
		used++;
		i += n;
	}
	return i;
}

/*
 * Where to cut a word too long for the line, given the most that fits:
 * after the last separator in its second half, so that each piece still
 * reads as a piece ("CN=broker," then "O=Example"; "example.com/" then
 * "certs/"); those between the parts of a DN, URL or path first, those
 * inside a name ("mqtts-", "example.") only when there is none; the most
 * that fits when there is neither.  Separators are ASCII: the cut stays
 * on a UTF-8 boundary.
 */
static size_t
render_break(const char *p, size_t fits)
{
	static const char *const seps[] = { "/,;&?", ":=@.-_" };

	for (size_t k = 0; k < 2; k++)
		for (size_t i = fits; i > fits / 2; i--)
			if (strchr(seps[k], p[i - 1]) != NULL)
				return i;
	return fits;
}

void
render_wrapped(FILE *out, int width, const char *prefix, size_t indent,
    const char *on, const char *text, const char *off)
{
	size_t col = render_cols(prefix, strlen(prefix));
	const char *p = text;

	fputs(prefix, out);
	if (width < RENDER_MIN_WIDTH)
		width = RENDER_DEFAULT_WIDTH;
	/* a prefix too wide for the line leaves at least 20 columns */
	if (indent + 20 > (size_t)width)
		indent = (size_t)width > 20 ? (size_t)width - 20 : 0;
	for (bool first = true; first || *p != '\0'; first = false) {
		size_t avail = (size_t)width > col + 1 ? (size_t)width - col : 20;
		size_t take = 0, cut = 0;

		if (avail < 20)
			avail = 20;
		/* the longest run of whole words that fits */
		while (p[take] != '\0') {
			size_t w = take;

			while (p[w] == ' ')
				w++;
			while (p[w] != '\0' && p[w] != ' ')
				w++;
			if (render_cols(p, w) > avail)
				break;
			take = w;
		}
		if (take == 0) {
			/* one word longer than the line: cut it */
			take = render_fit(p, avail);
			if (take == 0)
				take = strlen(p);
			else if (p[take] != '\0' && p[take] != ' ')
				take = render_break(p, take);
		}
		cut = take;
		fprintf(out, "%s%.*s%s\n", on, (int)cut, p, off);
		p += cut;
		while (*p == ' ')
			p++;
		if (*p != '\0') {
			fprintf(out, "%*s", (int)indent, "");
			col = indent;
		}
	}
}

/* Wrapped with the renderer's width and colors. */
static void
render_wrap_text(struct render_text *rt, const char *prefix, size_t indent,
    const char *color, const char *text)
{
	render_wrapped(rt->out, render_width(rt), prefix, indent,
	    color != NULL ? render_color(rt, color) : "", text,
	    color != NULL ? render_color(rt, C_RESET) : "");
}

/* "TCP: Established | TLS: In progress | MQTT: Disconnected", broken
 * only between layers, never inside a state. */
static void
render_states(const struct render_text *rt, const struct report_step_rec *s)
{
	size_t col = 6, width = (size_t)render_width(rt);

	fprintf(rt->out, "      %s", render_color(rt, C_DIM));
	for (int l = 0; l < REPORT_LAYERS; l++) {
		int st = s->state[l];
		bool failed = (l == LAYER_TCP && st == ST_TCP_FAILED) ||
		    (l == LAYER_TLS && st == ST_TLS_FAILED) ||
		    (l == LAYER_MQTT && st == ST_MQTT_FAILED);
		size_t n = strlen(report_layer_name(l)) + 2 +
		    strlen(report_state_name(l, st));

		if (l > 0 && col + 3 + n > width) {
			fputs("\n      ", rt->out);
			col = 6;
		} else if (l > 0) {
			fputs(" | ", rt->out);
			col += 3;
		}
		fprintf(rt->out, "%s: %s%s%s", report_layer_name(l),
		    failed ? render_color(rt, C_RED) : "",
		    report_state_name(l, st), failed ?
		    render_color(rt, C_RESET C_DIM) : "");
		col += n;
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
		if (e->level <= rt->verbose) {
			char prefix[64];

			snprintf(prefix, sizeof(prefix), "      %s%8.3f ms%s  ",
			    render_color(rt, C_DIM), (double)e->at_us / 1000.0,
			    render_color(rt, C_RESET));
			render_wrapped(rt->out, render_width(rt), prefix, 19,
			    "", render_clean(e->text, clean, sizeof(clean)), "");
		}
		rt->events_shown = i + 1;
	}
}

/* A finding, as loud as it is serious. */
static void
render_finding(struct render_text *rt, const struct report_finding *f)
{
	char clean[REPORT_TEXT_MAX * 4];
	const char *color = f->severity == SEV_ERROR ? C_RED :
	    f->severity == SEV_WARNING ? C_YELLOW : C_CYAN;

	char prefix[64], text[REPORT_TEXT_MAX * 4 + REPORT_KEY_MAX + 4];

	snprintf(prefix, sizeof(prefix), "      %s%-7s%s  ",
	    render_color(rt, color), f->severity == SEV_ERROR ? "ERROR" :
	    f->severity == SEV_WARNING ? "WARNING" : "info",
	    render_color(rt, C_RESET));
	snprintf(text, sizeof(text), "%s [%s]", render_clean(f->text, clean,
	    sizeof(clean)), f->key);
	render_wrapped(rt->out, render_width(rt), prefix, 15, "", text, "");
}

static void
render_findings(struct render_text *rt, const struct report *r, int step)
{
	for (size_t i = 0; i < r->nfindings; i++)
		if (r->findings[i].step == step)
			render_finding(rt, &r->findings[i]);
}

/* 1234567 as "1,234,567": a count a reader takes in at a glance. */
static void
render_thousands(uint64_t n, char *buf, size_t len)
{
	char digits[24];
	size_t nd = (size_t)snprintf(digits, sizeof(digits), "%llu",
	    (unsigned long long)n), o = 0;

	for (size_t i = 0; i < nd && o + 2 < len; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

/* The events a flooding peer caused beyond what the report keeps. */
static void
render_dropped(struct render_text *rt, const struct report_step_rec *s)
{
	char count[32];

	if (s->events_dropped == 0)
		return;
	render_thousands(s->events_dropped, count, sizeof(count));
	fprintf(rt->out, "      %sand %s more event%s not shown (a report "
	    "keeps the first %d of a step)%s\n", render_color(rt, C_YELLOW),
	    count, s->events_dropped == 1 ? "" : "s", REPORT_MAX_EVENTS,
	    render_color(rt, C_RESET));
}

/* ---- --trace -------------------------------------------------------- */

static const char *
render_kind_name(enum report_event_kind k)
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
	case EVK_WS:
		return "WS";
	case EVK_PROXY:
		return "PROXY";
	case EVK_INFO:
	default:
		return "NOTE";
	}
}

static const char *
render_kind_color(enum report_event_kind k)
{
	switch (k) {
	case EVK_TLS_MSG:
		return C_CYAN;
	case EVK_TLS_RECORD:
		return C_DIM;
	case EVK_KEYS:
		return C_YELLOW;
	case EVK_MQTT:
		return C_MAGENTA;
	case EVK_WS:
	case EVK_PROXY:
		return C_CYAN;
	default:
		return "";
	}
}

/*
 * Remove a trailing byte count, " (N bytes)" or ", N bytes" ("byte" for
 * one), that the event texts carry for -v: the trace has a size column.
 * Anything else at the end of s stays as it is.
 */
static void
render_cut_size(char *s)
{
	size_t n = strlen(s);
	bool paren = n > 0 && s[n - 1] == ')';
	char *p = s + n - (paren ? 1 : 0), *digits;

	if (p - s >= 6 && strncmp(p - 6, " bytes", 6) == 0)
		p -= 6;
	else if (p - s >= 5 && strncmp(p - 5, " byte", 5) == 0)
		p -= 5;
	else
		return;
	digits = p;
	while (p > s && isdigit((unsigned char)p[-1]))
		p--;
	if (p == digits || p - s < 2)
		return;
	if (strncmp(p - 2, paren ? " (" : ", ", 2) == 0)
		p[-2] = '\0';
}

/*
 * The text of an event as the trace shows it: without the arrow and the
 * byte count, which have their own columns.
 */
static void
render_trace_text(const struct report_event *e, char *out, size_t len)
{
	const char *t = e->text;
	char work[REPORT_TEXT_MAX];

	if (strncmp(t, "-> ", 3) == 0 || strncmp(t, "<- ", 3) == 0)
		t += 3;
	if (e->kind == EVK_TLS_RECORD && strncmp(t, "TLS record ", 11) == 0)
		t += 11;
	snprintf(work, sizeof(work), "%s", t);
	if (e->kind == EVK_TLS_MSG || e->kind == EVK_TLS_RECORD)
		render_cut_size(work);
	render_clean(work, out, len);
}

/* The classic 16 bytes a line: offset, hex in two groups, then ASCII. */
static void
render_hexdump(struct render_text *rt, const uint8_t *b, size_t n)
{
	for (size_t off = 0; off < n; off += 16) {
		fprintf(rt->out, "      %s%04zx%s  ", render_color(rt, C_DIM),
		    off, render_color(rt, C_RESET));
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				fputc(' ', rt->out);
			if (off + i < n)
				fprintf(rt->out, "%02x ", b[off + i]);
			else
				fputs("   ", rt->out);
		}
		fputs(" |", rt->out);
		for (size_t i = 0; i < 16 && off + i < n; i++)
			fputc(isprint(b[off + i]) && b[off + i] < 0x7f ?
			    b[off + i] : '.', rt->out);
		fputs("|\n", rt->out);
	}
}

/* Socket reads and writes are the raw material of the records shown
 * anyway: only -vv asks for them. */
static bool
render_trace_wanted(const struct render_text *rt, const struct report_event *e)
{
	return !(e->kind == EVK_NET && e->level >= 2 && rt->verbose < 2);
}

static void
render_trace_event(struct render_text *rt, const struct report_event *e)
{
	char text[REPORT_TEXT_MAX * 4], size[24] = "";
	const char *dir = e->dir == DIR_OUT ? "->" : e->dir == DIR_IN ? "<-" :
	    "  ";
	const char *kc = render_kind_color(e->kind);

	if (e->size > 0)
		snprintf(size, sizeof(size), "%zu", e->size);
	char prefix[96];

	render_trace_text(e, text, sizeof(text));
	snprintf(prefix, sizeof(prefix), "  %9.3f ms  %s  %s%-6s%s %6s  ",
	    (double)e->at_us / 1000.0, dir, kc[0] != '\0' ?
	    render_color(rt, kc) : "", render_kind_name(e->kind), kc[0] != '\0' ?
	    render_color(rt, C_RESET) : "", size);
	/* the text column stays a column when a line wraps */
	render_wrapped(rt->out, render_width(rt), prefix, 35, "", text, "");
	if (rt->hexdump && e->kind == EVK_MQTT && e->bytes != NULL)
		render_hexdump(rt, e->bytes, e->nbytes);
	if (rt->hexdump && e->secret_cut)
		fprintf(rt->out, "      %s(then the password field, its length "
		    "included: not shown)%s\n", render_color(rt, C_DIM),
		    render_color(rt, C_RESET));
	else if (rt->hexdump && e->kind == EVK_MQTT && e->nbytes < e->size)
		fprintf(rt->out, "      %s(%zu of the packet's %zu bytes not "
		    "kept: a report keeps %d KiB of a packet, %d KiB in "
		    "all)%s\n", render_color(rt, C_DIM), e->size - e->nbytes,
		    e->size, REPORT_MAX_EVENT_BYTES / 1024,
		    REPORT_MAX_HEX_BYTES / 1024, render_color(rt, C_RESET));
}

/* Everything recorded since the last call, in order, as it happens. */
static void
render_trace(struct render_text *rt, const struct report *r)
{
	for (size_t i = rt->events_shown; i < r->nevents; i++)
		if (render_trace_wanted(rt, &r->events[i]))
			render_trace_event(rt, &r->events[i]);
	rt->events_shown = r->nevents;
}

static void
render_trace_legend(struct render_text *rt)
{
	fprintf(rt->out, "%s  %9s     %-4s%-6s %6s  %s%s\n",
	    render_color(rt, C_BOLD), "time", "dir", "kind", "bytes",
	    "what (-> to the broker, <- from it)", render_color(rt, C_RESET));
}

/* ---- --explain ------------------------------------------------------ */

/* One paragraph, wrapped at spaces, each line behind the bar. */
static void
render_paragraph(struct render_text *rt, const char *p, size_t n)
{
	const size_t width = EXPLAIN_WIDTH - strlen(EXPLAIN_INDENT) - 2;

	while (n > 0) {
		size_t take = n, cut;

		if (take > width) {
			cut = width;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			take = cut > 0 ? cut : width;	/* one huge word */
		}
		fprintf(rt->out, EXPLAIN_INDENT "%s|%s %s%.*s%s\n",
		    render_color(rt, C_CYAN), render_color(rt, C_RESET),
		    render_color(rt, C_ITALIC), (int)take, p,
		    render_color(rt, C_RESET));
		p += take;
		n -= take;
		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
	}
}

static void
render_explain(struct render_text *rt, const struct report *r, int step)
{
	static const char sep[] = { EXPLAIN_PARAGRAPH, '\0' };
	char text[8192];
	const char *p = text;

	if (explain_step(r, step, text, sizeof(text)) == 0)
		return;
	for (bool first = true; *p != '\0'; first = false) {
		size_t n = strcspn(p, sep);

		if (!first)
			fprintf(rt->out, EXPLAIN_INDENT "%s|%s\n",
			    render_color(rt, C_CYAN), render_color(rt, C_RESET));
		render_paragraph(rt, p, n);
		p += n;
		if (*p != '\0')
			p++;
	}
	/* air before the next step, which otherwise reads as part of it */
	fputc('\n', rt->out);
}

/* ---- steps ---------------------------------------------------------- */

/* --insecure went past an untrusted certificate: nobody may miss it. */
static void
render_unverified_banner(struct render_text *rt)
{
	/* under 80 columns, so that it stays one unbroken line */
	render_wrap_text(rt, "", 3, C_ALARM, "!! UNVERIFIED: certificate NOT "
	    "trusted; going on only because of --insecure !!");
}

/* The timed stages of a step: proxy tunnel, WebSocket upgrade. */
static void
render_stages(struct render_text *rt, const struct report *r, int step)
{
	for (size_t i = 0; i < r->nstages; i++) {
		const struct report_stage *st = &r->stages[i];
		char ms[32];

		if (st->step != step)
			continue;
		render_ms(st->end_us - st->start_us, ms, sizeof(ms));
		fprintf(rt->out, "      %s%-24s %s%s %s\n", render_color(rt,
		    st->ok ? C_GREEN : C_RED), st->name, st->ok ? "ok" :
		    "FAILED", render_color(rt, C_RESET), ms);
	}
}

/* mqtt:// and ws://: said as loudly as UNVERIFIED. */
static void
render_unencrypted_banner(struct render_text *rt)
{
	render_wrap_text(rt, "", 3, C_ALARM, "!! UNENCRYPTED: no TLS; all of "
	    "it, password included, went in the clear !!");
}

/* The step that starts now: reverse video until it ends (color only,
 * where the line can be rewritten), or a marker line in the trace. */
static void
render_step_start(struct render_text *rt, int step)
{
	if (rt->trace) {
		fprintf(rt->out, "%s== [%d/%d] %s ==%s\n",
		    render_color(rt, C_CURRENT), step, REPORT_STEPS,
		    report_step_name(step), render_color(rt, C_RESET));
		return;
	}
	if (!rt->color)
		return;
	fprintf(rt->out, C_CURRENT "[%d/%d] %-30s running" C_RESET, step,
	    REPORT_STEPS, report_step_name(step));
	rt->running = true;
}

/*
 * revised: the step was shown as ok and fails after all (under TLS 1.3
 * the broker judges our certificate only after the handshake): its
 * header, why, and the states again, not every detail a second time.
 */
static void
render_step_as(struct render_text *rt, const struct report *r, int step,
    bool revised)
{
	const struct report_step_rec *s = &r->steps[step];
	char ms[32], clean[REPORT_TEXT_MAX * 4];
	/* a step 4 that "passed" only because of --insecure is no success */
	const char *status_color = s->status == STEP_OK &&
	    !(step == STEP_VERIFY && r->unverified) ? C_GREEN :
	    s->status == STEP_FAILED ? C_RED : C_YELLOW;

	if (rt->running) {
		fputs(C_REWRITE, rt->out);
		rt->running = false;
	}
	fprintf(rt->out, "%s[%d/%d] %-30s%s %s%-11s%s", render_color(rt,
	    s->status == STEP_FAILED ? C_RED : C_BOLD), step, REPORT_STEPS,
	    report_step_name(step),
	    render_color(rt, C_RESET), render_color(rt, status_color),
	    s->status == STEP_FAILED ? "FAILED" : step == STEP_VERIFY &&
	    s->status == STEP_OK && r->unverified ? "FAILED, going on: "
	    "--insecure" : s->status == STEP_SKIPPED &&
	    s->reason[0] != '\0' ? "skipped:" : report_status_name(s->status),
	    render_color(rt, C_RESET));
	if (s->status == STEP_OK || s->status == STEP_FAILED) {
		render_ms(s->end_us - s->start_us, ms, sizeof(ms));
		fprintf(rt->out, " %10s", ms);
	} else if (s->status == STEP_SKIPPED && s->reason[0] != '\0')
		fprintf(rt->out, " %s", s->reason);
	else if (s->status == STEP_SKIPPED)
		fprintf(rt->out, " (--steps %d)", rt->steps);
	fputc('\n', rt->out);
	if (s->status != STEP_OK && s->status != STEP_FAILED)
		return;
	if (revised) {
		render_wrap_text(rt, "      ", 6, C_DIM, "(shown as ok above: "
		    "what the broker sent after it made it fail)");
		render_wrap_text(rt, "      failed: ", 14, C_RED,
		    render_clean(s->reason, clean, sizeof(clean)));
		render_states(rt, s);
		if (rt->explain)
			render_explain(rt, r, step);
		return;
	}
	render_events(rt, r, step);
	render_stages(rt, r, step);
	render_dropped(rt, s);
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
		{
			char prefix[REPORT_KEY_MAX + 16];

			snprintf(prefix, sizeof(prefix), "      %-24s ", label);
			render_wrap_text(rt, prefix, 31, loud ? C_YELLOW : NULL,
			    render_clean(value, clean, sizeof(clean)));
		}
	}
	render_findings(rt, r, step);
	if (s->status == STEP_FAILED)
		render_wrap_text(rt, "      failed: ", 14, C_RED,
		    render_clean(s->reason, clean, sizeof(clean)));
	render_states(rt, s);
	if (step == STEP_VERIFY && r->unverified)
		render_unverified_banner(rt);
	if (rt->explain)
		render_explain(rt, r, step);
}

static void
render_step(struct render_text *rt, const struct report *r, int step)
{
	render_step_as(rt, r, step, false);
}

void
render_text_live(const struct report *r, const struct report_change *c,
    void *ctx)
{
	struct render_text *rt = ctx;

	if (rt->quiet)
		return;
	switch (c->kind) {
	case RC_BEGIN:
		if (rt->trace)
			render_trace_legend(rt);
		break;
	case RC_STEP_START:
		render_step_start(rt, c->step);
		break;
	case RC_FINDING:
		/* local files, checked before connecting: shown at once */
		if (c->finding->step == 0)
			render_finding(rt, c->finding);
		break;
	case RC_EVENT:
		if (rt->trace)
			render_trace(rt, r);
		break;
	case RC_STEP_OK:
	case RC_STEP_FAIL:
		render_step_as(rt, r, c->step, c->kind == RC_STEP_FAIL &&
		    c->step <= rt->shown);
		if (c->step > rt->shown)
			rt->shown = c->step;
		break;
	case RC_STEP_SKIP:
		/* skipped for a reason (no TLS) shows in its place; --steps
		 * skips show at the end */
		if (r->steps[c->step].reason[0] == '\0')
			return;
		render_step(rt, r, c->step);
		break;
	default:
		return;
	}
	fflush(rt->out);
}

/* ---- the status tracker -------------------------------------------- */

/* One column of the tracker: a heading and the three layers' states. */
struct tracker_col {
	char head[24];
	const char *cell[REPORT_LAYERS];
	bool failed;			/* the step that failed */
	bool change;			/* a state differs from the column before */
	size_t width;			/* the widest of head and cells */
};

#define TRACKER_LABEL 6			/* "MQTT  " */
#define TRACKER_GAP 2

/* Start, "After N" for every step that ran, and one column for the
 * steps after a failure (or after --steps) that did not run. */
static int
render_tracker_cols(const struct report *r, struct tracker_col *c)
{
	int n = 0, last = 0;

	for (int s = 0; s <= REPORT_STEPS; s++) {
		const struct report_step_rec *st = &r->steps[s];

		if (s > 0 && st->status != STEP_OK && st->status != STEP_FAILED)
			continue;
		memset(&c[n], 0, sizeof(c[n]));
		snprintf(c[n].head, sizeof(c[n].head), s == 0 ? "Start" :
		    "After %d", s);
		for (int l = 0; l < REPORT_LAYERS; l++)
			c[n].cell[l] = report_state_name(l, st->state[l]);
		c[n].failed = st->status == STEP_FAILED;
		c[n].change = n == 0 || c[n].failed;
		for (int l = 0; n > 0 && l < REPORT_LAYERS; l++)
			if (strcmp(c[n].cell[l], c[n - 1].cell[l]) != 0)
				c[n].change = true;
		last = s;
		n++;
	}
	if (last < REPORT_STEPS) {
		bool skipped = r->steps[last + 1].status == STEP_SKIPPED;

		memset(&c[n], 0, sizeof(c[n]));
		snprintf(c[n].head, sizeof(c[n].head), last + 1 == REPORT_STEPS ?
		    "Step %d" : "Steps %d-%d", last + 1, REPORT_STEPS);
		for (int l = 0; l < REPORT_LAYERS; l++)
			c[n].cell[l] = skipped ? "skipped" : "not reached";
		c[n].change = true;
		n++;
	} else if (n > 1 && r->failed_step == 0) {
		/* the walkthrough's name for the end of a whole walk */
		snprintf(c[n - 1].head, sizeof(c[n - 1].head), "Final");
		c[n - 1].change = true;
	}
	for (int i = 0; i < n; i++) {
		c[i].width = strlen(c[i].head);
		for (int l = 0; l < REPORT_LAYERS; l++)
			if (strlen(c[i].cell[l]) > c[i].width)
				c[i].width = strlen(c[i].cell[l]);
	}
	return n;
}

static size_t
render_tracker_span(const struct tracker_col *const *c, int n)
{
	size_t w = TRACKER_LABEL;

	for (int i = 0; i < n; i++)
		w += c[i]->width + (i + 1 < n ? TRACKER_GAP : 0);
	return w;
}

/* One table of n columns: a heading row, then a row per layer. */
static void
render_tracker_table(struct render_text *rt, const struct tracker_col *const *c,
    int n)
{
	fprintf(rt->out, "%-*s", TRACKER_LABEL, "");
	for (int i = 0; i < n; i++)
		fprintf(rt->out, "%s%s%-*s%s", render_color(rt, C_BOLD),
		    c[i]->failed ? render_color(rt, C_RED) : "",
		    i + 1 < n ? (int)(c[i]->width + TRACKER_GAP) : 0, c[i]->head,
		    render_color(rt, C_RESET));
	fputc('\n', rt->out);
	for (int l = 0; l < REPORT_LAYERS; l++) {
		fprintf(rt->out, "%-*s", TRACKER_LABEL, report_layer_name(l));
		for (int i = 0; i < n; i++) {
			bool bad = strcmp(c[i]->cell[l], "Failed") == 0;

			/* no padding after the last column */
			fprintf(rt->out, "%s%-*s%s", bad ? render_color(rt,
			    C_RED) : "", i + 1 < n ? (int)(c[i]->width +
			    TRACKER_GAP) : 0, c[i]->cell[l], bad ?
			    render_color(rt, C_RESET) : "");
		}
		fputc('\n', rt->out);
	}
}

/*
 * The walkthrough's status tracker: layers as rows, steps as columns,
 * and never a state broken across lines.  Every column when the width
 * allows; else only the columns where a state changes (as the
 * walkthrough shows Start, After 2, After 4, After 5, After 7, Final),
 * in as many tables as the width needs.
 */
static void
render_tracker(struct render_text *rt, const struct report *r)
{
	struct tracker_col cols[REPORT_STEPS + 2];
	const struct tracker_col *all[REPORT_STEPS + 2], *pick[REPORT_STEPS + 2];
	int n = render_tracker_cols(r, cols), np = 0;
	size_t width = (size_t)render_width(rt);

	fprintf(rt->out, "\n%sStatus tracker%s\n", render_color(rt, C_BOLD),
	    render_color(rt, C_RESET));
	for (int i = 0; i < n; i++) {
		all[i] = &cols[i];
		if (cols[i].change)
			pick[np++] = &cols[i];
	}
	if (render_tracker_span(all, n) <= width) {
		render_tracker_table(rt, all, n);
		return;
	}
	for (int first = 0; first < np;) {
		int k = 1;

		while (first + k < np &&
		    render_tracker_span(pick + first, k + 1) <= width)
			k++;
		if (first > 0)
			fputc('\n', rt->out);
		render_tracker_table(rt, pick + first, k);
		first += k;
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
		/* the target in every verdict: a log line stands alone */
		snprintf(buf, len, "FAIL%s step %d (%s) on %s: %s",
		    r->unencrypted ? " UNENCRYPTED" : "", f,
		    report_step_name(f), target, r->steps[f].reason);
		return;
	}
	if (r->stopped != 0) {
		/* the user's doing, not the broker's: neither OK nor FAIL */
		snprintf(buf, len, "STOPPED%s %s: stopped by the user before "
		    "step %d (%s), at the --pause prompt",
		    r->unencrypted ? " UNENCRYPTED" : "", target, r->stopped,
		    report_step_name(r->stopped));
		return;
	}
	if (r->caps_missing > 0) {
		size_t o;

		snprintf(buf, len, "FAIL %s: required capabilit%s missing:",
		    target, r->caps_missing == 1 ? "y" : "ies");
		for (size_t i = 0; i < r->ncaps; i++)
			if (r->caps[i].required && r->caps[i].result != CAP_YES) {
				o = strlen(buf);
				snprintf(buf + o, len - o, " %s (%s)",
				    r->caps[i].name, report_cap_result_name(
				    r->caps[i].result));
			}
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
	snprintf(buf, len, "OK%s%s %s: %s %d step%s in %s%s%s%s%s%s%s%s%s%s",
	    r->unverified ? " UNVERIFIED" : "",
	    r->unencrypted ? " UNENCRYPTED" : "", target,
	    steps == REPORT_STEPS ? "all" : "first", steps, steps == 1 ? "" : "s",
	    total,
	    ver != NULL ? ", " : "", ver != NULL ? ver : "",
	    suite != NULL ? " " : "", suite != NULL ? suite : "",
	    mqtt != NULL ? ", MQTT " : "", mqtt != NULL ? mqtt : "",
	    rtt != NULL ? ", round trip " : "", rtt != NULL ? rtt : "",
	    r->unverified ? " (certificate NOT trusted, --insecure)" : "");
}

/* --trace: an experiment's packets under its row, as the walk's are. */
static void
render_cap_packets(struct render_text *rt, const struct report_capability *c)
{
	char text[sizeof(c->packets[0].text) * 4], prefix[64], size[24];

	for (size_t i = 0; i < c->npackets; i++) {
		const struct report_cap_packet *p = &c->packets[i];

		snprintf(size, sizeof(size), "%zu", p->size);
		snprintf(prefix, sizeof(prefix), "      %9.3f ms  %s %6s  ",
		    (double)p->at_us / 1000.0, p->dir == DIR_OUT ? "->" : "<-",
		    size);
		render_clean(p->text, text, sizeof(text));
		render_wrapped(rt->out, render_width(rt), prefix, 31, "", text,
		    "");
	}
	if (c->packets_dropped > 0)
		fprintf(rt->out, "      %s(and %llu more packets not shown)%s\n",
		    render_color(rt, C_DIM),
		    (unsigned long long)c->packets_dropped,
		    render_color(rt, C_RESET));
}

/*
 * --capabilities as a table: name (* when --require names it), result,
 * value, time, evidence; a line under it when 5.0's CONNACK claimed
 * otherwise.
 */
static void
render_caps(struct render_text *rt, const struct report *r)
{
	char clean[REPORT_TEXT_MAX * 4], ms[32], val[24];

	if (!r->caps_ran)
		return;
	fprintf(rt->out, "\n%sCapabilities%s (tried, not read; * = "
	    "required)\n", render_color(rt, C_BOLD),
	    render_color(rt, C_RESET));
	fprintf(rt->out, "   %-27s %-9s %9s %10s  %s\n", "capability",
	    "result", "value", "time", "evidence");
	for (size_t i = 0; i < r->ncaps; i++) {
		const struct report_capability *c = &r->caps[i];
		const char *color = c->result == CAP_YES ? C_GREEN :
		    c->result == CAP_NO ? (c->required ? C_RED : C_YELLOW) :
		    c->result == CAP_PARTIAL ? C_YELLOW : C_DIM;

		render_ms(c->end_us - c->start_us, ms, sizeof(ms));
		if (c->has_value)
			snprintf(val, sizeof(val), "%lld", c->value);
		else
			val[0] = '\0';
		{
			char row[160], text[REPORT_TEXT_MAX * 4 + 96];
			size_t cols;

			snprintf(row, sizeof(row), "  %c%-27s %s%-9s%s %9s "
			    "%10s  ", c->required ? '*' : ' ', c->name,
			    render_color(rt, color),
			    report_cap_result_name(c->result),
			    render_color(rt, C_RESET), val, ms);
			render_clean(c->evidence, clean, sizeof(clean));
			cols = render_cols(row, strlen(row));
			/* the evidence beside the row when it fits, else
			 * under it, wrapped */
			if (cols + render_cols(clean, strlen(clean)) <=
			    (size_t)render_width(rt))
				fprintf(rt->out, "%s%s\n", row, clean);
			else {
				size_t n = strlen(row);

				while (n > 0 && row[n - 1] == ' ')
					n--;
				fprintf(rt->out, "%.*s\n", (int)n, row);
				render_wrap_text(rt, "      ", 6, NULL, clean);
			}
			if (c->mismatch) {
				snprintf(text, sizeof(text), "! CONNACK advertises "
				    "%s, but that is not what was observed",
				    render_clean(c->advertised, clean,
				    sizeof(clean)));
				render_wrap_text(rt, "      ", 8, C_YELLOW, text);
			}
			if (rt->trace)
				render_cap_packets(rt, c);
		}
	}
}

/* --clients: which common stacks would connect, and why not. */
static void
render_clients(struct render_text *rt, const struct report *r)
{
	char clean[REPORT_TEXT_MAX * 4];

	if (r->nclients == 0)
		return;
	fprintf(rt->out, "\n%sOther clients%s (--clients: steps 1-5 as each "
	    "would do them)\n", render_color(rt, C_BOLD),
	    render_color(rt, C_RESET));
	fprintf(rt->out, "  %-42s %-8s %s\n", "client", "connects",
	    "agreed on / why not");
	for (size_t i = 0; i < r->nclients; i++) {
		const struct report_client *c = &r->clients[i];

		fprintf(rt->out, "  %-42s %s%-8s%s %s\n", c->name,
		    render_color(rt, c->connects ? C_GREEN : C_RED),
		    c->connects ? "yes" : "NO", render_color(rt, C_RESET),
		    render_clean(c->connects ? c->negotiated : c->why, clean,
		    sizeof(clean)));
	}
}

/* The follow-up experiments, apart from the walk. */
static void
render_diagnosis(struct render_text *rt, const struct report *r)
{
	char clean[REPORT_TEXT_MAX * 4];

	if (r->ndiagnoses == 0)
		return;
	fprintf(rt->out, "\n%sDiagnosis%s (follow-up experiments; "
	    "--no-diagnose turns them off)\n", render_color(rt, C_BOLD),
	    render_color(rt, C_RESET));
	for (size_t i = 0; i < r->ndiagnoses; i++) {
		const struct report_diagnosis *d = &r->diagnoses[i];
		const char *color = d->verdict == DIAG_CONFIRMED ? C_GREEN :
		    d->verdict == DIAG_RULED_OUT ? C_DIM : C_YELLOW;

		char prefix[64], text[REPORT_TEXT_MAX * 4 + 48];

		snprintf(prefix, sizeof(prefix), "  %s%-12s%s ",
		    render_color(rt, color),
		    report_diag_verdict_name(d->verdict),
		    render_color(rt, C_RESET));
		snprintf(text, sizeof(text), "tried %s (%.2f ms)",
		    render_clean(d->tried, clean, sizeof(clean)),
		    (double)d->duration_us / 1000.0);
		render_wrapped(rt->out, render_width(rt), prefix, 15, "", text,
		    "");
		render_wrapped(rt->out, render_width(rt), "               ", 15,
		    "", render_clean(d->text, clean, sizeof(clean)), "");
	}
}

void
render_text_finish(struct render_text *rt, const struct report *r)
{
	char raw[REPORT_TEXT_MAX * 2], verdict[REPORT_TEXT_MAX * 8];
	char clean[REPORT_TEXT_MAX * 4];
	bool ok = r->failed_step == 0 && r->caps_missing == 0 &&
	    r->stopped == 0;

	render_verdict(r, rt->target, rt->steps, raw, sizeof(raw));
	render_clean(raw, verdict, sizeof(verdict));
	if (rt->quiet) {
		fprintf(rt->out, "%s\n", verdict);
		fflush(rt->out);
		return;
	}
	if (rt->running) {
		/* a step that started and never ended (an engine stopped
		 * by --steps inside it): do not leave its line half-drawn */
		fputs(C_REWRITE, rt->out);
		rt->running = false;
	}
	for (int s = 1; s <= REPORT_STEPS; s++)
		if ((r->steps[s].status == STEP_SKIPPED &&
		    r->steps[s].reason[0] == '\0') ||
		    r->steps[s].status == STEP_NOT_REACHED)
			render_step(rt, r, s);
	if (rt->trace)
		render_trace(rt, r);
	else
		render_events(rt, r, REPORT_STEPS);
	for (size_t i = 0; i < r->nhints; i++)
		render_wrap_text(rt, "hint: ", 6, NULL, render_clean(r->hints[i],
		    clean, sizeof(clean)));
	render_diagnosis(rt, r);
	render_clients(rt, r);
	render_tracker(rt, r);
	render_caps(rt, r);
	if (r->unverified) {
		fputc('\n', rt->out);
		render_unverified_banner(rt);
	}
	if (r->unencrypted) {
		fputc('\n', rt->out);
		render_unencrypted_banner(rt);
	}
	/* once, and only here: every time above leaves it out */
	if (r->held_us > 0) {
		char held[96];

		snprintf(held, sizeof(held), "held %.1f s at the --pause "
		    "prompts, counted in no time above", (double)r->held_us /
		    1e6);
		fputc('\n', rt->out);
		render_wrap_text(rt, "", 2, C_DIM, held);
	}
	/* wrapped like the rest; -q keeps it on one line, for logs */
	fputc('\n', rt->out);
	render_wrap_text(rt, "", 2, ok && !r->unverified && !r->unencrypted ?
	    C_GREEN : ok || (r->stopped != 0 && r->failed_step == 0) ?
	    C_YELLOW : C_RED, verdict);
	fflush(rt->out);
}
