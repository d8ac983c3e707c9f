/*
 * output.h: the one place that knows which format was asked for.
 *
 * run.c calls these at fixed moments (a target begins, a probe begins
 * and ends, a target ends, everything ends); each call hands the same
 * report or statistics to the renderer of the chosen format.  Nothing
 * here runs or re-reads a probe.
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "html.h"
#include "options.h"
#include "render.h"
#include "render_formats.h"
#include "report.h"
#include "stats.h"

/* What the renderers need of the options, copied once. */
struct output_config {
	enum output_format format;
	bool quiet;
	int verbose;
	bool color;
	bool explain;
	bool trace;
	bool hexdump;
	bool insecure;
	unsigned count;			/* probes per target */
	uint64_t interval_us;
	unsigned steps;			/* --steps */
	int mqtt_version;
	uint64_t timeout_us;
	struct stats_limits limits;
	FILE *report;			/* --report: the page's stream, or NULL */
	struct html_settings html;	/* what the page shows of the options */
	int width;			/* text: columns to wrap at, 0: 80 */
};

void output_config_init(struct output_config *c, const struct options *o,
    bool color);

/* One target's output stream and what its text header says. */
struct output_target {
	const struct output_config *cfg;
	FILE *out;
	const char *arg;		/* as typed */
	const char *host;
	unsigned port;			/* where the probe connects */
	const char *via;		/* --connect-to host, or NULL */
	size_t index;			/* place in the input, from 0 */
	struct html_target *html;	/* --report: what it keeps, or NULL */
};

/* One probe's renderer state. */
struct output_probe {
	const struct output_target *t;
	unsigned number;		/* 1-based */
	bool walk;			/* text: the full walkthrough */
	struct render_text rt;
	struct json_ctx json;
};

void output_target_begin(const struct output_target *t);
void output_probe_begin(struct output_probe *p, const struct output_target *t,
    unsigned number);
/* Report listener; ctx is the struct output_probe. */
void output_probe_live(const struct report *r, const struct report_change *c,
    void *ctx);
void output_probe_finish(struct output_probe *p, const struct report *r,
    const struct stats_facts *f);
/* After a target's last probe: the statistics of a series. */
void output_target_finish(const struct output_target *t,
    const struct stats_target *st);
/*
 * After every target: what the aggregating formats (nagios, prometheus)
 * print.  Returns the exit status: status as given, or for nagios the
 * plugin state.
 */
int output_finish(const struct output_config *c, FILE *out,
    const struct format_target *t, size_t ntargets, int status,
    bool interrupted);

#endif
