/*
 * hints.h: advice on a failure, built from what the probe knows.
 *
 * The engine records what happened; once the walk is over, hints_add()
 * reads the failed step, its cause, reason and details, the chain, and
 * the few settings below, and adds the hints that fit (report_hint).
 * Keeping the advice here, away from the engine's control flow, lets a
 * hint use everything the probe learnt, and lets tests build a report by
 * hand and read the hint.
 */
#ifndef HINTS_H
#define HINTS_H

#include <stdbool.h>

#include "report.h"

/* The settings a hint may name: run.c fills in what only the options
 * know, the engine the rest (host, port, use_tls, keepalive). */
struct hints_config {
	const char *host;		/* the target host, as named */
	const char *connect_to;		/* --connect-to host, or NULL */
	unsigned port;			/* the port connected to */
	bool use_tls;			/* false: mqtt:// */
	bool ca_given;			/* --cafile or --capath */
	const char *verify_hostname;	/* --verify-hostname, or NULL */
	int tls_version;		/* --tls-version: 12, 13, or 0 */
	unsigned keepalive;		/* seconds, 0: none */
	bool paused;			/* --pause held the walk */
	const char *psk_identity;	/* TLS-PSK's identity, NULL: none */
};

/*
 * Add the hints for r's failure, if any.  sys_errno is the system error
 * of a failed connect (0 if none): the report keeps only its words.
 */
void hints_add(struct report *r, const struct hints_config *c,
    int sys_errno);

#endif
