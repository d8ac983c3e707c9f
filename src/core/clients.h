/*
 * clients.h: --clients, what common MQTT client stacks would make of
 * this broker (SSL Labs' handshake simulation, for MQTT).
 *
 * Each profile is a GnuTLS priority string (the versions, key exchange
 * groups and suites the stack offers) plus the stack's certificate
 * policy (smallest keys, SHA-1, a name in the CN only).  The handshake
 * is another walk through the engine, steps 1 to 5 only, with that
 * offer; the policy is then applied to the chain the server sent.  Like
 * the diagnosis, it runs from run.c and never changes the exit status.
 */
#ifndef CLIENTS_H
#define CLIENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct clients_profile {
	const char *key;		/* stable: JSON, tests */
	const char *name;
	const char *priority;		/* what it offers, as GnuTLS says it */
	unsigned min_rsa_bits;		/* RSA and DSA keys in the chain */
	unsigned min_ec_bits;
	bool sha1_ok;			/* SHA-1 signatures below the anchor */
	bool cn_fallback;		/* a name in the CN when there is no SAN */
	const char *source;		/* where the values come from */
};

extern const struct clients_profile clients_profiles[];

/* Handshake as each profile within budget_us in all, recording each
 * answer in r (report_client). */
void clients_run(const struct engine_config *cfg,
    const struct engine_io *io, uint64_t budget_us, struct report *r);

#endif
