/*
 * render_formats.h: the renderers for programs (JSON, JSON Lines,
 * Nagios, Prometheus).  Like the text renderer they only read reports
 * and the numbers stats.c takes from them; output.c picks one.
 */
#ifndef RENDER_FORMATS_H
#define RENDER_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "html.h"
#include "report.h"
#include "stats.h"

/* --- JSON and JSON Lines (render_json.c) ------------------------------- */

/* The "schema" member of every JSON object written: raised whenever a
 * member changes meaning or type, or goes away; new members keep it.
 * doc/report.schema.json describes it. */
#define JSON_SCHEMA_VERSION 1

struct json_ctx {
	FILE *out;
	const char *target;		/* as typed */
	unsigned probe;			/* 1-based number in the series */
	bool insecure;			/* -k was given */
	bool events;			/* jsonl --trace: every event as a line */
	bool hexdump;			/* with the packet bytes */
	const struct stats_limits *limits;
};

/* Report listener for jsonl: a line per step as it ends (and per event
 * with events set). */
void json_live(const struct report *r, const struct report_change *c,
    void *ctx);
/* The probe's whole document, on one line. */
void json_result(const struct json_ctx *j, const struct report *r,
    const struct stats_facts *f);
/* After a series (-c): one line with the statistics. */
void json_summary(const struct json_ctx *j, const struct stats_target *t);

/* s as a JSON string: quoted, escaped, invalid UTF-8 replaced. */
void json_string(FILE *out, const char *s);
/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 if invalid. */
size_t json_utf8_len(const unsigned char *p);

/* --- Nagios and Prometheus (render_nagios.c, render_prom.c) ---------- */

/* One target's results, as the aggregating formats see them. */
struct format_target {
	const char *target;		/* as typed */
	const struct stats_target *stats;
	/* --report: where it was probed and what the page keeps of it */
	struct html_where where;
	const struct html_target *html;
};

struct nagios_ctx {
	FILE *out;
	const struct stats_limits *limits;
	unsigned count;			/* probes asked for per target */
	unsigned steps;			/* --steps */
	bool interrupted;		/* Ctrl-C: the state is UNKNOWN */
};

/* The state of one target. */
enum stats_level nagios_state(const struct nagios_ctx *n,
    const struct stats_target *t);
/* Print the plugin output for all targets; returns the exit status. */
int nagios_render(const struct nagios_ctx *n, const struct format_target *t,
    size_t ntargets);

/* The Prometheus text exposition of every target's results. */
void prom_render(FILE *out, const struct format_target *t, size_t ntargets);
/* When the probe could not start (a usage error, an unreadable file):
 * success 0, the exit status and the reason, for each target known (or
 * once without a target label), so a textfile collector's file says so
 * instead of going empty. */
void prom_render_error(FILE *out, const char *const *targets,
    size_t ntargets, int status, const char *reason);
/* A label value escaped for the exposition format (\\, \", \n). */
void prom_label_value(FILE *out, const char *s);

#endif
