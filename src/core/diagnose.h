/*
 * diagnose.h: after a failure, the one or two experiments an expert
 * would run, and the cause each confirms or rules out.
 *
 * Each experiment is another walk through the same engine (engine_run
 * with a changed engine_config): no second code path.  The engine never
 * decides to run them; run.c calls diagnose_run() once a probe failed,
 * unless --no-diagnose.  Results go into the report as a list of
 * diagnoses (report_diagnosis); they never change the exit status.
 */
#ifndef DIAGNOSE_H
#define DIAGNOSE_H

#include <stdint.h>

#include "engine.h"

struct diagnose_config {
	/* another client id to try when the broker hangs up after
	 * CONNECT (run.c makes it like the probe's own) */
	const char *other_client_id;
	/* all experiments together end within this (one more --timeout) */
	uint64_t budget_us;
};

/* Look at r's failure and run the experiments that fit, each through
 * engine_run with io (whose before_step is not used), recording what
 * they found in r. */
void diagnose_run(const struct engine_config *cfg,
    const struct engine_io *io, const struct diagnose_config *dc,
    struct report *r);

/* The TLS offers tried after a handshake failure, for the man page. */
struct diagnose_offer {
	const char *key;		/* "tls_1_3_only" */
	const char *name;		/* "TLS 1.3 only" */
	const char *priority;		/* GnuTLS priority string */
	const char *advice;		/* what to use when it works */
};
extern const struct diagnose_offer diagnose_offers[];

#endif
