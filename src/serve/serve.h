/*
 * serve.h: mqtts-probe --serve, an HTTP exporter for Prometheus with
 * blackbox_exporter's conventions (GET /probe?target=T&module=M).
 *
 * main.c hands over the few settings the exporter needs; the exporter
 * runs until SIGTERM or SIGINT, reloads its module file on SIGHUP and
 * returns the exit status.
 */
#ifndef SERVE_H
#define SERVE_H

#include <stddef.h>

#define SERVE_ALLOW_MAX 64
#define SERVE_DEFAULT_PORT 9883
#define SERVE_MAX_CONCURRENT_DEFAULT 32
#define SERVE_MAX_CONCURRENT_MAX 1024

struct serve_settings {
	const char *listen;		/* "[ADDR:]PORT"; default address is
					   127.0.0.1, port 0 picks a free one */
	const char *config_file;	/* NULL: one "default" module */
	unsigned max_concurrent;	/* probes at once; beyond it, 503 */
	const char *const *allow;	/* fnmatch(3) patterns; none: any */
	size_t nallow;
};

int serve_main(const struct serve_settings *s);

#endif
