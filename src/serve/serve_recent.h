/*
 * serve_recent.h: the last probes, for the / page and /debug?id=N.
 *
 * A fixed ring: the oldest entry makes room for the newest, and each
 * walk kept is cut at SERVE_RECENT_TEXT_MAX, so memory stays flat
 * however long the exporter runs.
 */
#ifndef SERVE_RECENT_H
#define SERVE_RECENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "serve_config.h"

#define SERVE_RECENT_MAX 50
#define SERVE_RECENT_TEXT_MAX (64 * 1024)
#define SERVE_RECENT_TARGET_MAX 600

struct serve_recent_entry {
	uint64_t id;			/* 0: empty */
	int64_t when;			/* Unix time the probe ended */
	char module[SERVE_MODULE_NAME_MAX + 1];
	char target[SERVE_RECENT_TARGET_MAX];
	bool success;
	int status;			/* the exit status the probe would have */
	double seconds;
	char *text;			/* the walk, malloc'd */
	size_t len;
};

struct serve_recent {
	pthread_mutex_t lock;
	struct serve_recent_entry e[SERVE_RECENT_MAX];
	uint64_t next_id;
};

void serve_recent_init(struct serve_recent *r);
void serve_recent_destroy(struct serve_recent *r);
/* Keep a copy of the walk text (cut at the bound); returns the id. */
uint64_t serve_recent_add(struct serve_recent *r, const char *module,
    const char *target, bool success, int status, double seconds,
    const char *text, size_t len);
/* A malloc'd copy of probe id's walk, or NULL once it left the ring. */
char *serve_recent_text(struct serve_recent *r, uint64_t id, size_t *len);
/* The / page: what the exporter is and the recent probes, newest first. */
void serve_recent_page(struct serve_recent *r, FILE *out);

#endif
