/*
 * html.h: --report FILE, one self-contained HTML page of a run.
 *
 * The page is built from the same reports the other formats read, at
 * two moments: each probe's walk is rendered into memory when the probe
 * ends (html_target_probe), because its report is freed right after;
 * the page itself is written once every target is done
 * (html_report_write), with a summary of the series on top.  Nothing in
 * the page loads anything: styles and pictures (SVG) are inline, there
 * is no script, and a Content-Security-Policy forbids any fetch.
 *
 * Every text that comes from a peer or the user goes through html_text,
 * which escapes markup and shows control and direction-changing
 * characters as visible \u codes.
 */
#ifndef HTML_H
#define HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"
#include "stats.h"

/* The run's settings the page shows beside the verdicts. */
struct html_settings {
	bool insecure;			/* -k */
	const char *cafile;		/* NULL: none given */
	const char *capath;
	int mqtt_version;		/* 4 or 5 */
	uint64_t timeout_us;
	unsigned steps;			/* --steps */
	unsigned count;			/* probes per target */
	uint64_t interval_us;
	const struct stats_limits *limits;
};

/* Where one target's probes went. */
struct html_where {
	const char *arg;		/* as typed */
	const char *host;
	unsigned port;
	const char *via;		/* --connect-to host, or NULL */
};

/* One probe of a series, as the latency chart needs it. */
struct html_sample {
	float total_ms;			/* the whole probe, ok or not */
	float step_ms[REPORT_STEPS + 1];	/* < 0: did not end */
	bool ok;
};

/*
 * What the page keeps of one target: the walks of two probes (the last
 * one, and the last one that failed) already rendered, and a bounded
 * uniform sample of the series for the percentiles.
 */
struct html_target {
	char *last;			/* HTML of the last probe, or NULL */
	unsigned last_number;
	bool last_failed;
	char *failed;			/* HTML of the last failed probe */
	unsigned failed_number;
	struct html_sample *samples;
	size_t nsamples, cap;
	uint64_t seen;			/* probes offered to the sample */
	uint64_t rng;			/* reservoir sampling, deterministic */
	bool oom;			/* a walk could not be kept */
	int64_t started_wall_us;	/* the first probe's start */
};

/* The most probes a target keeps for its percentiles. */
#define HTML_SAMPLES_MAX 2048

/* cap: how many samples to keep, 1..HTML_SAMPLES_MAX. */
void html_target_init(struct html_target *t, size_t cap);
void html_target_free(struct html_target *t);
/* Keep what the page needs of one finished probe. */
void html_target_probe(struct html_target *t, const struct html_settings *s,
    const struct html_where *w, unsigned number, const struct report *r,
    const struct stats_facts *f);

/* One target of the page. */
struct html_page_target {
	const struct html_where *where;
	const struct html_target *html;
	const struct stats_target *stats;
};

/* The whole page; false when out wrote nothing or failed. */
bool html_report_write(FILE *out, const struct html_settings *s,
    const struct html_page_target *t, size_t ntargets, bool interrupted);

/* --- the file, replaced atomically (html_file.c) ----------------------- */

struct html_file {
	char *path;			/* where the page goes */
	char *tmp;			/* written here first */
	FILE *out;			/* open on tmp */
};

/*
 * Create the temporary file beside path, so that a run that cannot
 * write its report says so before it probes anything.  Returns 0, or
 * -1 with a message (naming --report and the file) in err.
 */
int html_file_open(struct html_file *hf, const char *path, char *err,
    size_t errlen);
/* Close and rename over path; -1 with a message when anything failed
 * (the temporary file is then removed). */
int html_file_commit(struct html_file *hf, char *err, size_t errlen);
/* Remove the temporary file without touching path. */
void html_file_abort(struct html_file *hf);

#endif
