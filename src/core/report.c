/*
 * report.c: the report model and the one function that changes it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char *const report_step_names[REPORT_STEPS + 1] = {
	"Start",
	"TCP connect",
	"ClientHello sent",
	"ServerHello and certificate",
	"Certificate verification",
	"Keys established",
	"MQTT CONNECT sent",
	"CONNACK received",
	"Publish/subscribe round trip",
};

/* Stable identifiers of the steps, for programs: the Prometheus step
 * label and the JSON step "id".  Display names may be reworded; these
 * never change. */
static const char *const report_step_ids[REPORT_STEPS + 1] = {
	"start",
	"tcp_connect",
	"client_hello_sent",
	"server_hello_and_certificate",
	"certificate_verification",
	"keys_established",
	"mqtt_connect_sent",
	"connack_received",
	"publish_subscribe_round_trip",
};

static const char *const report_tcp_names[] = {
	"Closed", "Established", "Failed",
};
static const char *const report_tls_names[] = {
	"Not started", "In progress", "Certificate verified",
	"Secure channel ready", "Failed", "No TLS",
	"NOT verified (-k)",
};
static const char *const report_mqtt_names[] = {
	"Disconnected", "Connected (CONNACK received)", "Connected (secure)",
	"Failed", "Connected (UNENCRYPTED)", "Connected (UNVERIFIED)",
};

/*
 * What each step's success does to the layers: the walkthrough's status
 * tracker, as a table.  -1 leaves a layer as it was.
 */
static const int report_after_ok[REPORT_STEPS + 1][REPORT_LAYERS] = {
	[STEP_TCP] = { ST_TCP_ESTABLISHED, -1, -1 },
	[STEP_CLIENT_HELLO] = { -1, ST_TLS_IN_PROGRESS, -1 },
	[STEP_SERVER_CERT] = { -1, -1, -1 },
	[STEP_VERIFY] = { -1, ST_TLS_CERT_VERIFIED, -1 },
	[STEP_KEYS] = { -1, ST_TLS_SECURE, -1 },
	[STEP_CONNECT] = { -1, -1, -1 },
	[STEP_CONNACK] = { -1, -1, ST_MQTT_CONNACKED },
	[STEP_PUBSUB] = { -1, -1, ST_MQTT_SECURE },
};

/* The layer a failing step belongs to, unless the cause says otherwise. */
static const int report_step_layer[REPORT_STEPS + 1] = {
	[STEP_TCP] = LAYER_TCP,
	[STEP_CLIENT_HELLO] = LAYER_TLS,
	[STEP_SERVER_CERT] = LAYER_TLS,
	[STEP_VERIFY] = LAYER_TLS,
	[STEP_KEYS] = LAYER_TLS,
	[STEP_CONNECT] = LAYER_MQTT,
	[STEP_CONNACK] = LAYER_MQTT,
	[STEP_PUBSUB] = LAYER_MQTT,
};

static const int report_failed_state[REPORT_LAYERS] = {
	ST_TCP_FAILED, ST_TLS_FAILED, ST_MQTT_FAILED,
};

static const char *const report_status_names[] = {
	"not reached", "running", "ok", "failed", "skipped",
};

static const char *const report_cause_names[] = {
	"none", "timeout", "network", "resolve", "tls", "verify", "protocol",
	"refused", "closed", "local", "interrupted",
};

void
report_init(struct report *r, report_listener l, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->listener = l;
	r->listener_ctx = ctx;
}

void
report_free(struct report *r)
{
	for (int i = 0; i <= REPORT_STEPS; i++)
		free(r->steps[i].details);
	for (size_t i = 0; i < r->nevents; i++)
		free(r->events[i].bytes);
	free(r->events);
	free(r->certs);
	free(r->hints);
	free(r->findings);
	for (size_t i = 0; i < r->ncaps; i++)
		free(r->caps[i].packets);
	free(r->caps);
	memset(r, 0, sizeof(*r));
}

/* Grow an array by one element; false (and r->oom) when out of memory. */
static bool
report_grow(struct report *r, void **arr, size_t n, size_t size)
{
	void *p = realloc(*arr, (n + 1) * size);

	if (p == NULL) {
		r->oom = true;
		return false;
	}
	*arr = p;
	return true;
}

static void
report_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

/* Carry the layer states forward from the last step that ran. */
static void
report_inherit_states(struct report *r, int step)
{
	int prev = step - 1;

	while (prev > 0 && r->steps[prev].status == STEP_NOT_REACHED)
		prev--;
	memcpy(r->steps[step].state, r->steps[prev].state,
	    sizeof(r->steps[step].state));
}

/*
 * A failure found for a step that had ended well: a TLS 1.3 server
 * refuses our client certificate only after the handshake, while later
 * steps run.  The walk ends at the first failure, so the steps after it
 * go back to "not reached"; their events stay, counted where they were.
 */
static void
report_rewind_after(struct report *r, int step)
{
	for (int k = step + 1; k <= REPORT_STEPS; k++) {
		struct report_step_rec *s = &r->steps[k];
		size_t nevents = s->nevents;
		uint64_t dropped = s->events_dropped;

		free(s->details);
		memset(s, 0, sizeof(*s));
		s->nevents = nevents;
		s->events_dropped = dropped;
	}
}

static bool
report_valid_step(int step)
{
	return step >= 1 && step <= REPORT_STEPS;
}

void
report_apply(struct report *r, const struct report_change *c)
{
	struct report_step_rec *s = NULL;
	uint64_t at = c->now_us >= r->origin_us ? c->now_us - r->origin_us : 0;

	if (c->kind != RC_BEGIN && c->kind != RC_END && c->kind != RC_HINT &&
	    c->kind != RC_UNVERIFIED && c->kind != RC_CERT &&
	    c->kind != RC_UNENCRYPTED && c->kind != RC_PSK &&
	    c->kind != RC_FINDING && c->kind != RC_CAPABILITY &&
	    c->kind != RC_DIAGNOSIS && c->kind != RC_CLIENT &&
	    c->kind != RC_HELD) {
		if (!report_valid_step(c->step))
			return;
		s = &r->steps[c->step];
	}

	switch (c->kind) {
	case RC_BEGIN:
		r->origin_us = c->now_us;
		r->started_wall_us = c->wall_us;
		r->steps[0].status = STEP_OK;
		r->steps[0].state[LAYER_TCP] = ST_TCP_CLOSED;
		r->steps[0].state[LAYER_TLS] = ST_TLS_NOT_STARTED;
		r->steps[0].state[LAYER_MQTT] = ST_MQTT_DISCONNECTED;
		break;
	case RC_STEP_START:
		s->status = STEP_RUNNING;
		s->start_us = at;
		r->current = c->step;
		report_inherit_states(r, c->step);
		break;
	case RC_STEP_OK:
		s->status = STEP_OK;
		s->end_us = at;
		r->current = 0;
		for (int l = 0; l < REPORT_LAYERS; l++)
			/* an untrusted chain let through by --insecure is
			 * not "Certificate verified" */
			if (report_after_ok[c->step][l] >= 0 &&
			    !(c->step == STEP_VERIFY && r->unverified))
				s->state[l] = report_after_ok[c->step][l];
		/* --insecure: the walk says at once that nobody vouched
		 * for the broker, and ends "unverified", not "secure" */
		if (c->step == STEP_VERIFY && r->unverified)
			s->state[LAYER_TLS] = ST_TLS_UNVERIFIED;
		if (c->step == STEP_PUBSUB && r->unverified)
			s->state[LAYER_MQTT] = ST_MQTT_UNVERIFIED;
		/* without TLS the round trip is not "secure" */
		if (c->step == STEP_PUBSUB && r->unencrypted)
			s->state[LAYER_MQTT] = ST_MQTT_UNENCRYPTED;
		break;
	case RC_STEP_FAIL: {
		int layer = c->level >= 0 && c->level < REPORT_LAYERS ?
		    c->level : report_step_layer[c->step];

		if (s->status == STEP_OK)
			report_rewind_after(r, c->step);
		else if (s->status != STEP_RUNNING) {
			/* a failure found between steps belongs to the next */
			s->start_us = at;
			report_inherit_states(r, c->step);
		}
		s->status = STEP_FAILED;
		s->end_us = at;
		s->cause = c->cause;
		report_copy(s->reason, sizeof(s->reason), c->text);
		s->state[layer] = report_failed_state[layer];
		r->current = 0;
		r->failed_step = c->step;
		break;
	}
	case RC_STEP_SKIP:
		s->status = STEP_SKIPPED;
		/* the layers stay as they were, so later steps inherit them */
		report_inherit_states(r, c->step);
		if (c->text != NULL)
			report_copy(s->reason, sizeof(s->reason), c->text);
		break;
	case RC_STAGE: {
		struct report_stage *st;

		if (r->nstages >= REPORT_MAX_STAGES)
			return;
		st = &r->stages[r->nstages++];
		report_copy(st->id, sizeof(st->id), c->key);
		report_copy(st->name, sizeof(st->name), c->text);
		st->step = c->step;
		st->ok = c->cause == CAUSE_NONE;
		st->start_us = c->start_us >= r->origin_us ?
		    c->start_us - r->origin_us : 0;
		st->end_us = at;
		break;
	}
	case RC_DETAIL: {
		struct report_detail *d;

		/* a key set twice keeps its place and takes the new text */
		for (size_t i = 0; i < s->ndetails; i++) {
			if (strcmp(s->details[i].key, c->key) == 0) {
				report_copy(s->details[i].text,
				    sizeof(s->details[i].text), c->text);
				goto notify;
			}
		}
		if (!report_grow(r, (void **)&s->details, s->ndetails,
		    sizeof(*s->details)))
			return;
		d = &s->details[s->ndetails++];
		report_copy(d->key, sizeof(d->key), c->key);
		report_copy(d->text, sizeof(d->text), c->text);
		break;
	}
	case RC_EVENT: {
		struct report_event *e;
		size_t keep = c->bytes != NULL ? c->nbytes : 0;

		/* a peer that floods gets counted, not stored: listeners
		 * are not told either, so that live output stays bounded
		 * too; renderers show the count with the step */
		if (s->nevents >= REPORT_MAX_EVENTS) {
			s->events_dropped++;
			return;
		}
		if (!report_grow(r, (void **)&r->events, r->nevents,
		    sizeof(*r->events)))
			return;
		e = &r->events[r->nevents];
		memset(e, 0, sizeof(*e));
		if (keep > REPORT_MAX_EVENT_BYTES)
			keep = REPORT_MAX_EVENT_BYTES;
		if (keep > REPORT_MAX_HEX_BYTES - r->hex_bytes)
			keep = REPORT_MAX_HEX_BYTES - r->hex_bytes;
		if (keep > 0) {
			e->bytes = malloc(keep);
			if (e->bytes == NULL) {
				r->oom = true;
				return;
			}
			memcpy(e->bytes, c->bytes, keep);
			e->nbytes = keep;
			r->hex_bytes += keep;
		}
		r->nevents++;
		s->nevents++;
		e->at_us = at;
		e->step = c->step;
		e->level = c->level;
		e->kind = c->ev_kind;
		e->dir = c->ev_dir;
		e->size = c->ev_size;
		e->secret_cut = c->ev_secret_cut;
		report_copy(e->text, sizeof(e->text), c->text);
		break;
	}
	case RC_CERT:
		if (c->cert == NULL || r->ncerts >= REPORT_MAX_CERTS ||
		    !report_grow(r, (void **)&r->certs, r->ncerts,
		    sizeof(*r->certs)))
			return;
		r->certs[r->ncerts++] = *c->cert;
		break;
	case RC_HINT:
		if (!report_grow(r, (void **)&r->hints, r->nhints,
		    sizeof(*r->hints)))
			return;
		report_copy(r->hints[r->nhints++], REPORT_TEXT_MAX, c->text);
		break;
	case RC_FINDING:
		/* bounded: a hostile chain cannot make the list grow */
		if (c->finding == NULL || r->nfindings >= REPORT_MAX_FINDINGS ||
		    c->finding->step < 0 || c->finding->step > REPORT_STEPS ||
		    !report_grow(r, (void **)&r->findings, r->nfindings,
		    sizeof(*r->findings)))
			return;
		r->findings[r->nfindings++] = *c->finding;
		break;
	case RC_CLIENT:
		if (c->client == NULL || r->nclients >= REPORT_MAX_CLIENTS)
			return;
		r->clients[r->nclients++] = *c->client;
		break;
	case RC_DIAGNOSIS:
		if (c->diagnosis == NULL ||
		    r->ndiagnoses >= REPORT_MAX_DIAGNOSES)
			return;
		r->diagnoses[r->ndiagnoses++] = *c->diagnosis;
		break;
	case RC_UNVERIFIED:
		r->unverified = true;
		break;
	case RC_CAPABILITY: {
		struct report_capability *k;

		r->caps_ran = true;
		if (c->cap == NULL || r->ncaps >= REPORT_MAX_CAPS ||
		    !report_grow(r, (void **)&r->caps, r->ncaps,
		    sizeof(*r->caps)))
			return;
		k = &r->caps[r->ncaps++];
		*k = *c->cap;
		k->start_us = c->cap->start_us >= r->origin_us ?
		    c->cap->start_us - r->origin_us : 0;
		k->end_us = c->cap->end_us >= r->origin_us ?
		    c->cap->end_us - r->origin_us : 0;
		/* the packets are the caller's: the report keeps a copy */
		k->packets = NULL;
		k->npackets = 0;
		if (c->cap->npackets > 0 && c->cap->packets != NULL) {
			size_t n = c->cap->npackets < REPORT_MAX_CAP_PACKETS ?
			    c->cap->npackets : REPORT_MAX_CAP_PACKETS;

			k->packets = malloc(n * sizeof(*k->packets));
			if (k->packets == NULL) {
				r->oom = true;
				k->packets_dropped += c->cap->npackets;
			} else {
				memcpy(k->packets, c->cap->packets,
				    n * sizeof(*k->packets));
				k->npackets = n;
				k->packets_dropped += c->cap->npackets - n;
				for (size_t i = 0; i < n; i++)
					k->packets[i].at_us =
					    k->packets[i].at_us >= r->origin_us ?
					    k->packets[i].at_us - r->origin_us : 0;
			}
		}
		if (k->required && k->result != CAP_YES)
			r->caps_missing++;
		break;
	}
	case RC_PSK:
		r->psk = true;
		report_copy(r->psk_identity, sizeof(r->psk_identity), c->text);
		break;
	case RC_UNENCRYPTED:
		r->unencrypted = true;
		r->steps[0].state[LAYER_TLS] = ST_TLS_NONE;
		break;
	case RC_HELD:
		/* the times after a hold go on from where they stopped */
		r->origin_us += c->start_us;
		r->held_us += c->start_us;
		break;
	case RC_STOPPED:
		r->stopped = c->step;
		break;
	case RC_END:
		r->end_us = at;
		r->ended = true;
		break;
	}
notify:
	if (r->listener != NULL)
		r->listener(r, c, r->listener_ctx);
}

void
report_begin(struct report *r, uint64_t now, int64_t wall_us)
{
	struct report_change c = { .kind = RC_BEGIN, .now_us = now,
	    .wall_us = wall_us };

	report_apply(r, &c);
}

void
report_step_start(struct report *r, int step, uint64_t now)
{
	struct report_change c = { .kind = RC_STEP_START, .step = step,
	    .now_us = now };

	report_apply(r, &c);
}

void
report_step_ok(struct report *r, int step, uint64_t now)
{
	struct report_change c = { .kind = RC_STEP_OK, .step = step,
	    .now_us = now };

	report_apply(r, &c);
}

void
report_step_fail(struct report *r, int step, uint64_t now,
    enum report_cause cause, const char *fmt, ...)
{
	char text[REPORT_TEXT_MAX];
	va_list ap;
	struct report_change c = { .kind = RC_STEP_FAIL, .step = step,
	    .now_us = now, .cause = cause, .level = -1, .text = text };

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	report_apply(r, &c);
}

void
report_step_fail_layer(struct report *r, int step, int layer, uint64_t now,
    enum report_cause cause, const char *text)
{
	struct report_change c = { .kind = RC_STEP_FAIL, .step = step,
	    .now_us = now, .cause = cause, .level = layer, .text = text };

	report_apply(r, &c);
}

void
report_step_skip(struct report *r, int step)
{
	struct report_change c = { .kind = RC_STEP_SKIP, .step = step };

	report_apply(r, &c);
}

void
report_step_skip_why(struct report *r, int step, const char *why)
{
	struct report_change c = { .kind = RC_STEP_SKIP, .step = step,
	    .text = why };

	report_apply(r, &c);
}

void
report_stage(struct report *r, int step, const char *id, const char *name,
    uint64_t start, uint64_t now, bool ok)
{
	struct report_change c = { .kind = RC_STAGE, .step = step,
	    .now_us = now, .start_us = start, .key = id, .text = name,
	    .cause = ok ? CAUSE_NONE : CAUSE_PROTOCOL };

	report_apply(r, &c);
}

void
report_detail(struct report *r, int step, const char *key, const char *fmt,
    ...)
{
	char text[REPORT_TEXT_MAX];
	va_list ap;
	struct report_change c = { .kind = RC_DETAIL, .step = step,
	    .key = key, .text = text };

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	report_apply(r, &c);
}

void
report_event(struct report *r, int step, uint64_t now, int level,
    const char *fmt, ...)
{
	char text[REPORT_TEXT_MAX];
	va_list ap;
	struct report_change c = { .kind = RC_EVENT, .step = step,
	    .now_us = now, .level = level, .text = text };

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	report_apply(r, &c);
}

void
report_event_secret(struct report *r, int step, uint64_t now, int level,
    size_t size, const uint8_t *bytes, size_t nbytes, const char *text)
{
	struct report_change c = { .kind = RC_EVENT, .step = step,
	    .now_us = now, .level = level, .text = text, .ev_kind = EVK_MQTT,
	    .ev_dir = DIR_OUT, .ev_size = size, .bytes = bytes,
	    .nbytes = nbytes, .ev_secret_cut = true };

	report_apply(r, &c);
}

void
report_event_io(struct report *r, int step, uint64_t now, int level,
    enum report_event_kind kind, enum report_dir dir, size_t size,
    const uint8_t *bytes, size_t nbytes, const char *text)
{
	struct report_change c = { .kind = RC_EVENT, .step = step,
	    .now_us = now, .level = level, .text = text, .ev_kind = kind,
	    .ev_dir = dir, .ev_size = size, .bytes = bytes, .nbytes = nbytes };

	report_apply(r, &c);
}

void
report_cert(struct report *r, const struct report_cert *cert)
{
	struct report_change c = { .kind = RC_CERT, .cert = cert };

	report_apply(r, &c);
}

void
report_hint(struct report *r, const char *fmt, ...)
{
	char text[REPORT_TEXT_MAX];
	va_list ap;
	struct report_change c = { .kind = RC_HINT, .text = text };

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	report_apply(r, &c);
}

void
report_finding(struct report *r, const struct report_finding *f)
{
	struct report_change c = { .kind = RC_FINDING, .finding = f,
	    .step = f->step };

	report_apply(r, &c);
}

void
report_client(struct report *r, const struct report_client *cl)
{
	struct report_change c = { .kind = RC_CLIENT, .client = cl };

	report_apply(r, &c);
}

void
report_diagnosis(struct report *r, const struct report_diagnosis *d)
{
	struct report_change c = { .kind = RC_DIAGNOSIS, .diagnosis = d };

	report_apply(r, &c);
}

void
report_findingf(struct report *r, int step, enum report_severity sev,
    int cert, const char *key, const char *fmt, ...)
{
	struct report_finding f = { .step = step, .severity = sev,
	    .cert = cert };
	va_list ap;

	snprintf(f.key, sizeof(f.key), "%s", key);
	va_start(ap, fmt);
	vsnprintf(f.text, sizeof(f.text), fmt, ap);
	va_end(ap);
	report_finding(r, &f);
}

void
report_unverified(struct report *r)
{
	struct report_change c = { .kind = RC_UNVERIFIED };

	report_apply(r, &c);
}

void
report_unencrypted(struct report *r)
{
	struct report_change c = { .kind = RC_UNENCRYPTED };

	report_apply(r, &c);
}

void
report_psk(struct report *r, const char *identity)
{
	struct report_change c = { .kind = RC_PSK, .text = identity };

	report_apply(r, &c);
}

const char *
report_auth_mode(const struct report *r)
{
	return r->unencrypted ? "none" : r->psk ? "psk" : "certificate";
}

void
report_held(struct report *r, uint64_t us)
{
	struct report_change c = { .kind = RC_HELD, .start_us = us };

	report_apply(r, &c);
}

void
report_stopped(struct report *r, int step)
{
	struct report_change c = { .kind = RC_STOPPED, .step = step };

	report_apply(r, &c);
}

void
report_end(struct report *r, uint64_t now)
{
	struct report_change c = { .kind = RC_END, .now_us = now };

	report_apply(r, &c);
}

const char *
report_step_name(int step)
{
	if (step < 0 || step > REPORT_STEPS)
		return "?";
	return report_step_names[step];
}

const char *
report_step_id(int step)
{
	if (step < 0 || step > REPORT_STEPS)
		return "?";
	return report_step_ids[step];
}

const char *
report_layer_name(int layer)
{
	static const char *const names[REPORT_LAYERS] = { "TCP", "TLS",
	    "MQTT" };

	return layer >= 0 && layer < REPORT_LAYERS ? names[layer] : "?";
}

const char *
report_state_name(int layer, int state)
{
	switch (layer) {
	case LAYER_TCP:
		if (state >= 0 && state <= ST_TCP_FAILED)
			return report_tcp_names[state];
		break;
	case LAYER_TLS:
		if (state >= 0 && state <= ST_TLS_UNVERIFIED)
			return report_tls_names[state];
		break;
	case LAYER_MQTT:
		if (state >= 0 && state <= ST_MQTT_UNVERIFIED)
			return report_mqtt_names[state];
		break;
	}
	return "?";
}

const char *
report_status_name(enum step_status s)
{
	return (unsigned)s <= STEP_SKIPPED ? report_status_names[s] : "?";
}

const char *
report_cause_name(enum report_cause c)
{
	return (unsigned)c <= CAUSE_INTERRUPTED ? report_cause_names[c] : "?";
}

const char *
report_severity_name(enum report_severity s)
{
	static const char *const names[] = { "info", "warning", "error" };

	return (unsigned)s <= SEV_ERROR ? names[s] : "?";
}

const char *
report_diag_verdict_name(enum report_diag_verdict v)
{
	static const char *const names[] = { "confirmed", "ruled_out",
	    "inconclusive" };

	return (unsigned)v <= DIAG_INCONCLUSIVE ? names[v] : "?";
}

const char *
report_find_detail(const struct report *r, int step, const char *key)
{
	if (!report_valid_step(step))
		return NULL;
	for (size_t i = 0; i < r->steps[step].ndetails; i++)
		if (strcmp(r->steps[step].details[i].key, key) == 0)
			return r->steps[step].details[i].text;
	return NULL;
}

int
report_exit_status(const struct report *r)
{
	if (r->failed_step == 0 && r->stopped != 0)
		return REPORT_EXIT_STOPPED;
	if (r->failed_step == 0 && r->caps_missing > 0)
		return STEP_PUBSUB;
	return r->failed_step;
}

void
report_capability(struct report *r, const struct report_capability *cap)
{
	struct report_change c = { .kind = RC_CAPABILITY, .cap = cap,
	    .now_us = cap->end_us };

	report_apply(r, &c);
}

static const char *const report_cap_names[] = {
	"undecided", "yes", "no", "partly", "n/a",
};

const char *
report_cap_result_name(enum cap_result c)
{
	return (unsigned)c < sizeof(report_cap_names) /
	    sizeof(report_cap_names[0]) ? report_cap_names[c] : "?";
}

const struct report_capability *
report_find_cap(const struct report *r, const char *name)
{
	for (size_t i = 0; i < r->ncaps; i++)
		if (strcmp(r->caps[i].name, name) == 0)
			return &r->caps[i];
	return NULL;
}
