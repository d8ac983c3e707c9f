/*
 * caps.h: --capabilities, what the broker really allows, tried rather
 * than read from CONNACK.
 *
 * After a successful step 7 the runner does a set of bounded
 * experiments, each on connections of its own (session.h), each within
 * what is left of --timeout, and records every conclusion in the report
 * with its evidence (report_capability).  Topics are under the probe's
 * own topic; what an experiment leaves on the broker (retained
 * messages, sessions) it removes.
 */
#ifndef CAPS_H
#define CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

/* Run the experiments; deadline bounds them all. */
void caps_run(const struct engine_config *cfg, const struct engine_io *io,
    struct report *r, uint64_t deadline);

/* Is name a capability --require may name? */
bool caps_known(const char *name);
/* Every name, comma-separated, for messages and --help. */
const char *caps_names(void);

#endif
