/*
 * stats.c: numbers from reports, thresholds, and series statistics.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "options.h"
#include "stats.h"

/* Parse a whole decimal detail; false when absent or not a number. */
static bool
stats_number(const char *text, long long *out)
{
	char *end = NULL;

	if (text == NULL || *text == '\0')
		return false;
	*out = strtoll(text, &end, 10);
	return *end == '\0';
}

uint64_t
stats_step_us(const struct report *r, int step)
{
	const struct report_step_rec *s = &r->steps[step];
	uint64_t d = s->end_us > s->start_us ? s->end_us - s->start_us : 0;

	return d > 0 ? d : 1;
}

/*
 * The days are counted from the start of the probe, so every output of
 * one report says the same number however long it takes to print it.
 */
static void
stats_expiry(const struct report *r, struct stats_facts *f)
{
	int64_t now = r->started_wall_us != 0 ?
	    r->started_wall_us / 1000000 : (int64_t)time(NULL);

	for (size_t i = 0; i < r->ncerts; i++)
		if (!f->has_expiry || r->certs[i].not_after < f->expiry_s) {
			f->expiry_s = r->certs[i].not_after;
			f->has_expiry = true;
		}
	if (f->has_expiry) {
		/* as tls.c counts them: towards zero */
		f->days_left = (long)((f->expiry_s - now) / 86400);
		f->expired = f->expiry_s <= now;
	}
}

static void
stats_stage_add(struct stats_target *t, const struct report_stage *st)
{
	size_t i;

	if (!st->ok)
		return;
	for (i = 0; i < t->nstages; i++)
		if (strcmp(t->stage[i].id, st->id) == 0)
			break;
	if (i == t->nstages) {
		if (t->nstages >= REPORT_MAX_STAGES)
			return;
		snprintf(t->stage[i].id, sizeof(t->stage[i].id), "%s", st->id);
		t->stage[i].step = st->step;
		t->nstages++;
	}
	stats_series_add(&t->stage[i].s, (double)(st->end_us - st->start_us));
}

void
stats_facts(const struct report *r, struct stats_facts *f)
{
	long long v;
	int failed = r->failed_step;

	memset(f, 0, sizeof(*f));
	f->failed_step = failed;
	f->exit_status = r->oom ? EXIT_INTERNAL : report_exit_status(r);
	f->interrupted = failed != 0 &&
	    r->steps[failed].cause == CAUSE_INTERRUPTED;
	/* without TLS there is nothing to verify: UNENCRYPTED says it;
	 * with a pre-shared key, the key is what authenticates */
	f->unverified = r->unverified || (!r->unencrypted && !r->psk &&
	    r->steps[STEP_VERIFY].status != STEP_OK);
	f->unencrypted = r->unencrypted;
	f->total_us = r->end_us;
	for (int s = 1; s <= REPORT_STEPS; s++) {
		enum step_status st = r->steps[s].status;

		f->step_ended[s] = st == STEP_OK || st == STEP_FAILED;
		if (f->step_ended[s])
			f->step_us[s] = stats_step_us(r, s);
		if (st == STEP_OK)
			f->steps_ok++;
	}
	if (r->steps[STEP_PUBSUB].status == STEP_OK && stats_number(
	    report_find_detail(r, STEP_PUBSUB, "round_trip_us"), &v) && v >= 0) {
		f->has_rtt = true;
		f->rtt_us = (uint64_t)v;
	}
	if (stats_number(report_find_detail(r, STEP_CONNACK, "connack_code"),
	    &v)) {
		f->has_connack = true;
		f->connack_code = (long)v;
	}
	stats_expiry(r, f);
	f->tls_version = report_find_detail(r, STEP_KEYS, "tls_version");
	f->cipher = report_find_detail(r, STEP_KEYS, "cipher_suite");
	f->proxy = report_find_detail(r, STEP_TCP, "proxy");
	f->proxy_kind = report_find_detail(r, STEP_TCP, "proxy_kind");
}

enum stats_level
stats_days_level(const struct stats_limits *l, long days, bool expired)
{
	/* "fewer than N days left": N itself is still fine */
	if (expired || (l->crit_days >= 0 && days < l->crit_days))
		return LEVEL_CRITICAL;
	if (l->warn_days >= 0 && days < l->warn_days)
		return LEVEL_WARNING;
	return LEVEL_OK;
}

enum stats_level
stats_rtt_level(const struct stats_limits *l, uint64_t us)
{
	if (l->crit_rtt_us != 0 && us > l->crit_rtt_us)
		return LEVEL_CRITICAL;
	if (l->warn_rtt_us != 0 && us > l->warn_rtt_us)
		return LEVEL_WARNING;
	return LEVEL_OK;
}

void
stats_series_add(struct stats_series *s, double v)
{
	double delta;

	if (s->n == 0 || v < s->min)
		s->min = v;
	if (s->n == 0 || v > s->max)
		s->max = v;
	s->n++;
	delta = v - s->mean;
	s->mean += delta / (double)s->n;
	s->m2 += delta * (v - s->mean);
}

double
stats_series_stddev(const struct stats_series *s)
{
	if (s->n < 2 || s->m2 <= 0)
		return 0;
	return sqrt(s->m2 / (double)s->n);
}

void
stats_target_init(struct stats_target *t)
{
	memset(t, 0, sizeof(*t));
}

static void
stats_copy(char *dst, size_t len, const char *src)
{
	if (src != NULL)
		snprintf(dst, len, "%s", src);
}

void
stats_target_add(struct stats_target *t, const struct report *r,
    const struct stats_facts *f)
{
	/* a probe cut short by Ctrl-C says nothing about the broker */
	if (f->interrupted) {
		t->interrupted = true;
		return;
	}
	t->probes++;
	if (f->exit_status > t->worst_status)
		t->worst_status = f->exit_status;
	if (f->failed_step != 0) {
		t->failed++;
		t->failed_at[f->failed_step]++;
		t->last_failed_step = f->failed_step;
		stats_copy(t->last_reason, sizeof(t->last_reason),
		    r->steps[f->failed_step].reason);
		stats_copy(t->reason_at[f->failed_step],
		    sizeof(t->reason_at[0]), r->steps[f->failed_step].reason);
	} else if (f->exit_status == 0)
		stats_series_add(&t->total, (double)f->total_us);
	if (r->unverified)
		t->unverified++;
	if (r->unencrypted)
		t->unencrypted++;
	for (size_t i = 0; i < r->nstages; i++)
		stats_stage_add(t, &r->stages[i]);
	for (int s = 1; s <= REPORT_STEPS; s++) {
		if (r->steps[s].status == STEP_OK)
			stats_series_add(&t->step[s], (double)f->step_us[s]);
		t->events_dropped[s] += r->steps[s].events_dropped;
	}
	if (f->has_rtt)
		stats_series_add(&t->rtt, (double)f->rtt_us);
	if (f->has_expiry && (!t->has_expiry || f->expiry_s < t->expiry_s)) {
		t->has_expiry = true;
		t->expiry_s = f->expiry_s;
		t->days_left = f->days_left;
		t->expired = f->expired;
	}
	if (f->has_connack) {
		t->has_connack = true;
		t->connack_code = f->connack_code;
	}
	if (r->caps_missing > 0)
		t->caps_missing++;
	if (r->caps_ran) {
		t->ncaps = 0;
		for (size_t i = 0; i < r->ncaps && i < REPORT_MAX_CAPS; i++) {
			struct stats_cap *c = &t->caps[t->ncaps++];

			stats_copy(c->name, sizeof(c->name), r->caps[i].name);
			c->result = r->caps[i].result;
			c->has_value = r->caps[i].has_value;
			c->value = r->caps[i].value;
			c->required = r->caps[i].required;
			c->advertised = r->caps[i].advertised[0] != '\0';
			c->mismatch = r->caps[i].mismatch;
		}
	}
	stats_copy(t->tls_version, sizeof(t->tls_version), f->tls_version);
	stats_copy(t->cipher, sizeof(t->cipher), f->cipher);
	stats_copy(t->proxy, sizeof(t->proxy), f->proxy);
	stats_copy(t->proxy_kind, sizeof(t->proxy_kind), f->proxy_kind);
	stats_copy(t->auth, sizeof(t->auth), report_auth_mode(r));
	stats_copy(t->psk_identity, sizeof(t->psk_identity), r->psk ?
	    r->psk_identity : NULL);
	t->steps_ok_last = f->steps_ok;
	t->nfindings = 0;
	for (size_t i = 0; i < r->nfindings && i < REPORT_MAX_FINDINGS; i++) {
		struct stats_finding *sf = &t->findings[t->nfindings++];

		stats_copy(sf->key, sizeof(sf->key), r->findings[i].key);
		sf->severity = r->findings[i].severity;
		sf->step = r->findings[i].step;
	}
}

double
stats_percentile(const double *sorted, size_t n, double p)
{
	double rank;
	size_t lo;

	if (n == 0)
		return 0;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	/* linear between the closest ranks (Hyndman and Fan's type 7,
	 * what spreadsheets and numpy compute by default) */
	rank = p / 100.0 * (double)(n - 1);
	lo = (size_t)rank;
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + (rank - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

int
stats_threshold_status(const struct stats_limits *l,
    const struct stats_target *t)
{
	enum stats_level lv = LEVEL_OK, rl;

	if ((l->warn_days >= 0 || l->crit_days >= 0) && t->has_expiry)
		lv = stats_days_level(l, t->days_left, t->expired);
	if ((l->warn_rtt_us > 0 || l->crit_rtt_us > 0) && t->rtt.n > 0 &&
	    (rl = stats_rtt_level(l, (uint64_t)t->rtt.mean)) > lv)
		lv = rl;
	return lv == LEVEL_CRITICAL ? STATS_EXIT_CRITICAL :
	    lv == LEVEL_WARNING ? STATS_EXIT_WARNING : 0;
}

/* How bad a status is: 0 < warning < critical < steps 1-8 < the rest. */
static int
stats_status_rank(int s)
{
	if (s == 0)
		return 0;
	if (s == STATS_EXIT_WARNING)
		return 1;
	if (s == STATS_EXIT_CRITICAL)
		return 2;
	if (s >= 1 && s <= REPORT_STEPS)
		return 2 + s;
	return 100 + s;
}

int
stats_worse_status(int a, int b)
{
	return stats_status_rank(b) > stats_status_rank(a) ? b : a;
}

int
stats_commonest_failure(const struct stats_target *t)
{
	int best = 0;

	for (int s = 1; s <= REPORT_STEPS; s++)
		if (t->failed_at[s] > 0 && (best == 0 ||
		    t->failed_at[s] >= t->failed_at[best]))
			best = s;
	return best;
}
