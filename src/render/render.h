/*
 * render.h: turn a report into output.  Formats differ only here.
 */
#ifndef RENDER_H
#define RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "report.h"

struct render_text {
	FILE *out;
	bool color;
	bool quiet;		/* verdict line only */
	int verbose;		/* events up to this level */
	bool explain;		/* --explain: a paragraph after each step */
	bool trace;		/* --trace: every message, record, packet */
	bool hexdump;		/* --hexdump: packet bytes in the trace */
	const char *target;	/* as typed, for the verdict */
	int steps;		/* steps requested */
	int shown;		/* steps already printed live */
	size_t events_shown;
	bool running;		/* a "step running" line awaits its end */
	int width;		/* columns to wrap at; 0: 80 */
};

#define RENDER_DEFAULT_WIDTH 80
#define RENDER_MIN_WIDTH 40

/* The width rt wraps at. */
int render_width(const struct render_text *rt);
/*
 * prefix, then text wrapped at width columns between words (a word
 * longer than a line is cut); each further line starts with indent
 * spaces.  on/off (colors, or "") go around the text of each line.
 */
void render_wrapped(FILE *out, int width, const char *prefix,
    size_t indent, const char *on, const char *text, const char *off);

/* Copy untrusted text (peer names, reasons) to out with C0 controls, DEL
 * and bytes that are not UTF-8 as \xNN, and C1 controls, bidirectional
 * and invisible formatting characters as \uNNNN, so it can neither drive
 * a terminal nor read other than it is; returns out. */
const char *render_clean(const char *in, char *out, size_t len);
/* The length of the C1, bidirectional or invisible formatting character
 * that starts s (well-formed UTF-8), or 0: for renderers that clean text
 * in their own way (nagios). */
size_t render_unsafe_len(const char *s);

/* Listener for report_init: prints each step as it ends. */
void render_text_live(const struct report *r, const struct report_change *c,
    void *ctx);
/* After the run: anything not yet shown, the tracker, the verdict. */
void render_text_finish(struct render_text *rt, const struct report *r);
/* The one-line verdict ("OK ..." / "FAIL step N (...): reason"). */
void render_verdict(const struct report *r, const char *target, int steps,
    char *buf, size_t len);

#endif
