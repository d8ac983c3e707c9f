/*
 * caps.c: the runner of --capabilities and what its experiments share.
 *
 * The experiments (caps_*.c) run one after the other, each deciding one
 * or a few named capabilities; the keep-alive one is started first and
 * finished last, so its wait overlaps the others instead of adding to
 * the run.  A capability that the deadline cuts short is recorded as
 * undecided, saying so, never guessed.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps_int.h"

/* Is name in the comma-separated list? */
static bool
caps_listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	while (list != NULL && *list != '\0') {
		const char *end = strchr(list, ',');
		size_t len = end != NULL ? (size_t)(end - list) : strlen(list);

		if (len == n && strncmp(list, name, n) == 0)
			return true;
		list = end != NULL ? end + 1 : NULL;
	}
	return false;
}

static uint64_t
caps_now(const struct caps *k)
{
	return k->io->clock.now_us(k->io->clock.ctx);
}

void
caps_begin(struct caps *k, const char *name)
{
	free(k->cur.packets);
	memset(&k->cur, 0, sizeof(k->cur));
	snprintf(k->cur.name, sizeof(k->cur.name), "%s", name);
	k->cur.start_us = caps_now(k);
}

void
caps_value(struct caps *k, long long v)
{
	k->cur.has_value = true;
	k->cur.value = v;
}

void
caps_claim(struct caps *k, bool agrees, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->cur.advertised, sizeof(k->cur.advertised), fmt, ap);
	va_end(ap);
	k->cur.mismatch = !agrees;
}

void
caps_end(struct caps *k, enum cap_result res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->cur.evidence, sizeof(k->cur.evidence), fmt, ap);
	va_end(ap);
	k->cur.result = res;
	k->cur.end_us = caps_now(k);
	k->cur.required = caps_listed(k->cfg->require, k->cur.name);
	report_capability(k->r, &k->cur);
	/* the report keeps a copy of the packets */
	free(k->cur.packets);
	k->cur.packets = NULL;
	k->cur.npackets = 0;
	k->cur.packets_dropped = 0;
	if (k->cur.required && res != CAP_YES)
		report_hint(k->r, "required capability %s is missing (%s): %s",
		    k->cur.name, report_cap_result_name(res), k->cur.evidence);
}

void
caps_trace(void *ctx, uint64_t now, enum report_dir dir, size_t size,
    const char *text)
{
	struct report_capability *c = *(struct report_capability **)ctx;
	struct report_cap_packet *p;

	if (c->npackets >= REPORT_MAX_CAP_PACKETS) {
		c->packets_dropped++;
		return;
	}
	if (c->packets == NULL) {
		c->packets = calloc(REPORT_MAX_CAP_PACKETS, sizeof(*c->packets));
		if (c->packets == NULL) {
			c->packets_dropped++;
			return;
		}
	}
	p = &c->packets[c->npackets++];
	p->at_us = now;
	p->dir = dir;
	p->size = size;
	snprintf(p->text, sizeof(p->text), "%s", text);
}

bool
caps_out_of_time(struct caps *k)
{
	if (caps_now(k) < k->deadline)
		return false;
	caps_end(k, CAP_UNDECIDED, "no time left to decide it (--timeout "
	    "%.3g s bounds the whole run)", (double)k->cfg->timeout_us / 1e6);
	return true;
}

bool
caps_now_past(const struct caps *k)
{
	return caps_now(k) >= k->deadline;
}

uint64_t
caps_wait_until(struct caps *k)
{
	uint64_t t = caps_now(k) + k->wait_us;

	k->wait_cut = t >= k->deadline;
	return t < k->deadline ? t : k->deadline;
}

enum cap_result
caps_missed(struct caps *k, int rc, struct io_error *err)
{
	if (rc == 0)
		return CAP_NO;
	if (err->cause != CAUSE_TIMEOUT)
		return CAP_UNDECIDED;
	if (k->wait_cut) {
		snprintf(err->text, sizeof(err->text), "the deadline came "
		    "first (--timeout %.3g s)", (double)k->cfg->timeout_us /
		    1e6);
		return CAP_UNDECIDED;
	}
	snprintf(err->text, sizeof(err->text), "nothing came within %.2f s",
	    (double)k->wait_us / 1e6);
	return CAP_NO;
}

void
caps_topic(struct caps *k, const char *what, char *buf, size_t len)
{
	snprintf(buf, len, "%.200s/caps/%s-%u", k->cfg->topic, what, ++k->seq);
}

void
caps_client_id(struct caps *k, char *buf, size_t len)
{
	/* the probe's id starts them, so a broker's prefix rule that lets
	 * the probe in lets the experiments in too */
	snprintf(buf, len, "%.40s-c%u", k->cfg->client_id, ++k->seq);
}

const char *
caps_rel(struct caps *k, const char *topic, int slot)
{
	const char *at = strstr(topic, k->cfg->topic);
	char *b = k->rel[slot & 1];

	if (at == NULL)
		return topic;
	snprintf(b, sizeof(k->rel[0]), "%.*s...%.200s", (int)(at - topic),
	    topic, at + strlen(k->cfg->topic));
	return b;
}

struct session *
caps_open(struct caps *k, struct session_settings *set,
    struct session_outcome *out)
{
	struct session *s;
	bool fresh = set->client_id == NULL;

	if (set->mqtt_version == 0)
		set->mqtt_version = k->version;
	/* the probe's own id would take over (and end) another session */
	if (fresh) {
		caps_client_id(k, k->idbuf, sizeof(k->idbuf));
		set->client_id = k->idbuf;
	}
	if (k->trace && set->trace == NULL) {
		set->trace = caps_trace;
		set->trace_ctx = &k->into;
	}
	s = session_open(k->cfg, k->io, set, k->deadline, out);
	if (fresh)
		set->client_id = NULL;
	return s;
}

void
caps_run(const struct engine_config *cfg, const struct engine_io *io,
    struct report *r, uint64_t deadline)
{
	struct caps k = {
		.cfg = cfg, .io = io, .r = r, .deadline = deadline,
		.version = cfg->mqtt_version, .trace = cfg->trace_caps,
	};
	struct session *ka;

	k.into = &k.cur;
	k.ka_into = &k.cur;
	/* a tenth of --timeout, at least 0.2 s: long enough for a
	 * loopback or LAN broker to deliver, short enough that the
	 * experiments that wait for nothing fit in the run */
	k.wait_us = cfg->timeout_us / 10;
	if (k.wait_us < 200000)
		k.wait_us = 200000;
	caps_versions(&k);
	ka = caps_keepalive_start(&k);
	caps_qos(&k);
	caps_receive_maximum(&k);
	caps_retain(&k);
	caps_subscriptions(&k);
	caps_v5_features(&k);
	caps_packet_size(&k);
	caps_topic_length(&k);
	caps_client_ids(&k);
	caps_sessions(&k);
	caps_will(&k);
	caps_keepalive_finish(&k, ka);
	free(k.cur.packets);
}
