/*
 * serve_int.h: the exporter's shared state, between its files.
 */
#ifndef SERVE_INT_H
#define SERVE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "serve.h"
#include "serve_metrics.h"
#include "serve_modules.h"
#include "serve_recent.h"
#include "target.h"

struct serve {
	const struct serve_settings *set;
	pthread_mutex_t lock;		/* guards mods and its refs */
	struct serve_modset *mods;
	struct serve_metrics metrics;
	struct serve_recent recent;
};

/* The current module set, with a reference the caller puts back. */
struct serve_modset *serve_mods_get(struct serve *sv);
void serve_mods_put(struct serve *sv, struct serve_modset *m);

/* What the HTTP layer hands to a handler, and what it answers. */
struct serve_request {
	const char *target;		/* the query's values, or NULL */
	const char *module;
	const char *debug;
	const char *id;
	const char *scrape_timeout;	/* X-Prometheus-Scrape-Timeout-Seconds */
};

struct serve_answer {
	unsigned status;		/* HTTP status */
	const char *ctype;
	char *body;			/* malloc'd */
	size_t len;
};

/* Fill a with status and a one-line plain-text body. */
void serve_answer_text(struct serve_answer *a, unsigned status,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* GET /probe (serve_probe.c). */
void serve_probe(struct serve *sv, const struct serve_request *rq,
    struct serve_answer *a);

/* Whether --allow-target lets the exporter probe t (serve_allow.c). */
bool serve_allow(const struct serve_settings *s, const struct target *t);

/* The probe timeout: the module's, capped by Prometheus's scrape
 * timeout less a margin; hdr may be NULL or garbage (then ignored). */
uint64_t serve_timeout_us(uint64_t module_us, const char *hdr);

#endif
