/*
 * caps_int.h: what the experiment files (caps_*.c) share with the
 * runner (caps.c).
 */
#ifndef CAPS_INT_H
#define CAPS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "session.h"

struct caps {
	const struct engine_config *cfg;
	const struct engine_io *io;
	struct report *r;
	uint64_t deadline;		/* of every experiment */
	uint64_t wait_us;		/* how long "it never came" waits */
	bool wait_cut;			/* the last such wait was cut short
					 * by the deadline */
	int version;			/* MQTT version of the experiments */
	bool v5;			/* the broker accepts 5.0 */
	bool adv_known;			/* a 5.0 CONNACK advertised: */
	struct mqtt_props adv;
	unsigned seq;			/* makes topics and ids unique */
	struct report_capability cur;	/* the one being decided */
	struct report_capability ka;	/* keep-alive, decided last */
	unsigned ka_server;		/* 5.0 Server Keep Alive for it, or 0 */
	char idbuf[64];			/* a fresh id while a session opens */
	/* --trace: the capability each session's packets are kept under
	 * (caps_trace's context); the keep-alive session, which outlives
	 * the others, has its own */
	bool trace;
	struct report_capability *into;
	struct report_capability *ka_into;
	char rel[2][300];		/* caps_rel's, per run: probes run in
					 * threads */
};

/* Start deciding name. */
void caps_begin(struct caps *k, const char *name);
/* Record it: result, evidence. */
void caps_end(struct caps *k, enum cap_result res, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void caps_value(struct caps *k, long long v);
/* What the 5.0 CONNACK claimed, and whether the observation agrees. */
void caps_claim(struct caps *k, bool agrees, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* True (and the capability recorded as undecided) when no time is left. */
bool caps_out_of_time(struct caps *k);

/* A unique topic under the probe's own, and a unique client id. */
void caps_topic(struct caps *k, const char *what, char *buf, size_t len);
void caps_client_id(struct caps *k, char *buf, size_t len);
/* topic as evidence shows it: the probe's own topic, which starts it
 * (or follows $share/GROUP/), as "..." (at most two at once, in buf). */
const char *caps_rel(struct caps *k, const char *topic, int slot);
/* Open a session with the experiments' version and, unless set names
 * one, a fresh client id. */
struct session *caps_open(struct caps *k, struct session_settings *set,
    struct session_outcome *out);
/* A session's trace callback: ctx is a struct report_capability ** */
void caps_trace(void *ctx, uint64_t now, enum report_dir dir, size_t size,
    const char *text);
/* The deadline has passed (nothing recorded). */
bool caps_now_past(const struct caps *k);
/* now + wait_us, not past the deadline (then wait_cut is set) */
uint64_t caps_wait_until(struct caps *k);
/* What a wait for a delivery that failed says: no when it closed or
 * waited its full time (err's text then says how long), undecided when
 * the deadline cut it short or something else broke. */
enum cap_result caps_missed(struct caps *k, int rc, struct io_error *err);

/* The groups of experiments. */
void caps_versions(struct caps *k);
void caps_qos(struct caps *k);
void caps_receive_maximum(struct caps *k);
void caps_retain(struct caps *k);
void caps_subscriptions(struct caps *k);
void caps_v5_features(struct caps *k);
void caps_packet_size(struct caps *k);
void caps_topic_length(struct caps *k);
void caps_client_ids(struct caps *k);
void caps_sessions(struct caps *k);
void caps_will(struct caps *k);
struct session *caps_keepalive_start(struct caps *k);
void caps_keepalive_finish(struct caps *k, struct session *s);

#endif
