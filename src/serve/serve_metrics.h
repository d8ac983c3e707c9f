/*
 * serve_metrics.h: the exporter's own metrics, for /metrics.
 *
 * Counted under one lock by the request threads, rendered in the
 * Prometheus text format.  The per-module table is bounded: module
 * names only come from loaded files, and past the bound they are
 * counted under module="_other".
 */
#ifndef SERVE_METRICS_H
#define SERVE_METRICS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "serve_config.h"

#define SERVE_METRICS_MODULES 256
#define SERVE_METRICS_BUCKETS 11

enum serve_refusal {
	SERVE_REFUSED_BUSY,		/* --max-concurrent: 503 */
	SERVE_REFUSED_FORBIDDEN,	/* --allow-target: 403 */
	SERVE_REFUSED_BAD_REQUEST,	/* no or bad target, unknown module */
	SERVE_REFUSED_COUNT
};

struct serve_metrics {
	pthread_mutex_t lock;
	struct {
		char name[SERVE_MODULE_NAME_MAX + 1];
		uint64_t success, failure;
	} mod[SERVE_METRICS_MODULES];
	unsigned nmod;
	unsigned in_flight;
	uint64_t bucket[SERVE_METRICS_BUCKETS];	/* cumulative at render */
	uint64_t count;
	double sum;
	uint64_t refused[SERVE_REFUSED_COUNT];
	bool reload_ok;
	double reload_success_time;	/* Unix time */
	uint64_t reloads_ok, reloads_failed;
	unsigned modules;
};

void serve_metrics_init(struct serve_metrics *m);
void serve_metrics_destroy(struct serve_metrics *m);
/* A probe may start unless max are in flight; false: refuse it (503). */
bool serve_metrics_enter(struct serve_metrics *m, unsigned max);
/* A probe ended (it had entered). */
void serve_metrics_leave(struct serve_metrics *m, const char *module,
    bool success, double seconds);
void serve_metrics_refused(struct serve_metrics *m, enum serve_refusal why);
void serve_metrics_reload(struct serve_metrics *m, bool ok, unsigned modules);
void serve_metrics_render(struct serve_metrics *m, FILE *out);

#endif
