/*
 * engine.h: drive the eight steps and record them in a report.
 *
 * The engine decides what happens next (stop on an untrusted chain
 * unless insecure, stop after --steps, which packet to send); it never
 * prints, exits or reads options: main.c fills engine_config.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hints.h"
#include "probe_io.h"
#include "report.h"

struct ws_config;
struct proxy_config;

struct engine_config {
	const char *host;		/* as the user named it */
	const char *connect_host;	/* where to connect (--connect-to) */
	unsigned port;
	bool use_tls;			/* false: mqtt:// and ws:// */
	const struct ws_config *ws;	/* NULL: MQTT straight on TCP/TLS */
	const struct proxy_config *proxy; /* NULL: connect directly */
	const char *proxy_skipped;	/* why a proxy that is set is not used
					 * ("NO_PROXY matches x"), or NULL */
	struct tls_params tls;
	bool insecure;
	/* TLS-PSK: the identity the credentials carry (the key stays in
	 * the TLS layer); NULL: the server shows a certificate */
	const char *psk_identity;

	int mqtt_version;		/* 4 or 5 (3: 3.1, experiments only) */
	const char *client_id;
	const char *username;		/* NULL: none */
	const uint8_t *password;	/* NULL: none; never recorded */
	size_t password_len;
	unsigned keepalive;
	const char *topic;
	unsigned qos;
	const char *nonce;		/* payload to publish */
	unsigned steps;			/* last step to run, 1..8 */
	bool packet_bytes;		/* keep MQTT packet bytes (--hexdump);
					 * the password is masked in them */
	uint64_t timeout_us;		/* for the whole probe */
	struct hints_config hints;	/* what the advice on a failure may
					 * name (hints.c) */

	/* --capabilities: experiments after step 7 (caps.c) */
	bool capabilities;
	const char *require;		/* "qos2,retain": the ones that must
					 * be there (caps_known checks the
					 * names), or NULL */
	bool trace_caps;		/* --trace: keep each experiment's
					 * packets under its capability */

	/* Settings of one connection that a probe leaves zero and the
	 * experiments change (session.c) */
	bool keep_session;		/* Clean Session / Clean Start 0 */
	uint32_t session_expiry;	/* 5.0, seconds */
	const char *will_topic;		/* NULL: no will */
	const char *will_payload;
	unsigned will_qos;
};

/*
 * What the engine offers a hold (--pause) that waits before a step while
 * the MQTT session is open: the broker drops a client that is silent for
 * 1.5 times the keep-alive, so a hold that waits in slices of every_us
 * calls keepalive between them (a PINGREQ and its PINGRESP, recorded as
 * events), and a pause of any length is safe.  every_us 0: nothing to
 * keep alive (no session yet, or keep-alive 0).
 */
struct engine_hold {
	uint64_t every_us;
	/* false: the session is lost (the report says why); stop calling */
	bool (*keepalive)(void *ctx);
	void *ctx;
};

/* What a hold answers: go on with the step, or stop the walk (the user
 * asked to), which the report records as stopped by the user. */
enum engine_hold_answer { HOLD_GO = 0, HOLD_STOP };

struct engine_io {
	struct probe_clock clock;
	struct net_ops net;
	struct tls_ops tls;
	/* Called before each step starts, e.g. to wait for Enter under
	 * --pause; NULL: go straight on.  It may take as long as it likes:
	 * the time is not the broker's (engine.c). */
	enum engine_hold_answer (*before_step)(void *ctx, int step,
	    const struct engine_hold *hold);
	void *step_ctx;
};

/* Run one probe; everything it finds goes into r (already initialised). */
void engine_run(const struct engine_config *cfg, const struct engine_io *io,
    struct report *r);

#endif
