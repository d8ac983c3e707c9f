/*
 * render_prom.c: the Prometheus text exposition format, for the
 * textfile collector of node_exporter.
 *
 * The format wants all the samples of one metric together under its
 * # HELP and # TYPE lines, so metrics are written one family at a time
 * across every target, never target by target.  No sample carries a
 * timestamp: the textfile collector refuses them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_formats.h"

struct prom_family;
/* Write one sample of the family for target t (and step), or nothing
 * when the target has no such value; true when written. */
typedef bool (*prom_sample_fn)(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step);

struct prom_family {
	const char *name;
	const char *help;
	prom_sample_fn sample;
	bool per_step;			/* one sample per step */
};

void
prom_label_value(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

	while (*p != '\0') {
		size_t n = json_utf8_len(p);

		if (*p == '\\')
			fputs("\\\\", out);
		else if (*p == '"')
			fputs("\\\"", out);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (n == 0)
			/* label values must be UTF-8 */
			fputs("\xef\xbf\xbd", out);
		else {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		p++;
	}
}

static void
prom_step_labels(FILE *out, int step)
{
	/* the same stable id as JSON's steps[].id */
	fprintf(out, ",step=\"%d\",name=\"%s\"", step, report_step_id(step));
}

/* The start of a sample line: the name and the target label. */
static void
prom_open(FILE *out, const struct prom_family *f,
    const struct format_target *t)
{
	fprintf(out, "%s{target=\"", f->name);
	prom_label_value(out, t->target);
	fputc('"', out);
}

static bool
prom_success(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	const struct stats_target *st = t->stats;

	(void)step;
	prom_open(out, f, t);
	fprintf(out, "} %d\n", st->probes > 0 && st->worst_status == 0 &&
	    !st->interrupted ? 1 : 0);
	return true;
}

static bool
prom_exit_status(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	(void)step;
	prom_open(out, f, t);
	fprintf(out, "} %d\n", t->stats->worst_status);
	return true;
}

static bool
prom_step_duration(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	const struct stats_series *s = &t->stats->step[step];

	if (s->n == 0)
		return false;
	prom_open(out, f, t);
	prom_step_labels(out, step);
	fprintf(out, "} %.6f\n", s->mean / 1e6);
	return true;
}

static bool
prom_expiry(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	(void)step;
	if (!t->stats->has_expiry)
		return false;
	prom_open(out, f, t);
	fprintf(out, "} %lld\n", (long long)t->stats->expiry_s);
	return true;
}

static bool
prom_tls_info(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	(void)step;
	if (t->stats->tls_version[0] == '\0')
		return false;
	prom_open(out, f, t);
	fputs(",version=\"", out);
	prom_label_value(out, t->stats->tls_version);
	fputs("\",cipher=\"", out);
	prom_label_value(out, t->stats->cipher);
	fputs("\"} 1\n", out);
	return true;
}

/* How the server was authenticated; the PSK identity is no secret (it
 * crosses the wire in the clear), the key never reaches a report. */
static bool
prom_auth_info(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	(void)step;
	if (t->stats->auth[0] == '\0')
		return false;
	prom_open(out, f, t);
	fputs(",mode=\"", out);
	prom_label_value(out, t->stats->auth);
	fputs("\",psk_identity=\"", out);
	prom_label_value(out, t->stats->psk_identity);
	fputs("\"} 1\n", out);
	return true;
}

static bool
prom_proxy_info(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	(void)step;
	if (t->stats->proxy[0] == '\0')
		return false;
	prom_open(out, f, t);
	fputs(",proxy=\"", out);
	prom_label_value(out, t->stats->proxy);
	fputs("\",kind=\"", out);
	prom_label_value(out, t->stats->proxy_kind);
	fputs("\"} 1\n", out);
	return true;
}

static bool
prom_connack(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	(void)step;
	if (!t->stats->has_connack)
		return false;
	prom_open(out, f, t);
	fprintf(out, "} %ld\n", t->stats->connack_code);
	return true;
}

static bool
prom_round_trip(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	(void)step;
	if (t->stats->rtt.n == 0)
		return false;
	prom_open(out, f, t);
	fprintf(out, "} %.6f\n", t->stats->rtt.mean / 1e6);
	return true;
}

static bool
prom_stage_duration(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	const struct stats_target *st = t->stats;

	(void)step;
	for (size_t i = 0; i < st->nstages; i++) {
		prom_open(out, f, t);
		prom_step_labels(out, st->stage[i].step);
		fputs(",stage=\"", out);
		prom_label_value(out, st->stage[i].id);
		fprintf(out, "\"} %.6f\n", st->stage[i].s.mean / 1e6);
	}
	return st->nstages > 0;
}

static bool
prom_unencrypted(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	(void)step;
	prom_open(out, f, t);
	fprintf(out, "} %d\n", t->stats->unencrypted > 0 ? 1 : 0);
	return true;
}

static bool
prom_probes(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	(void)step;
	prom_open(out, f, t);
	fprintf(out, "} %u\n", t->stats->probes);
	return true;
}

static bool
prom_failed(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	prom_open(out, f, t);
	prom_step_labels(out, step);
	fprintf(out, "} %u\n", t->stats->failed_at[step]);
	return true;
}

/* Why a target failed, in a label: an info metric (always 1), as the
 * exposition format has no string samples. */
static bool
prom_failure(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	const struct stats_target *st = t->stats;

	(void)step;
	if (st->worst_status == 0 || st->last_failed_step == 0)
		return false;
	prom_open(out, f, t);
	fprintf(out, ",step=\"%d\",name=\"%s\",reason=\"",
	    st->last_failed_step, report_step_id(st->last_failed_step));
	prom_label_value(out, st->last_reason);
	fputs("\"} 1\n", out);
	return true;
}

#define PROM_HELP_FAILURE "Why the target failed (the last failure of a " \
	"series), in the labels; step 0: the probe could not start."

/* One series per finding of the last probe, 1 while it holds: an alert
 * rule can key on the finding (weak_key) or on the severity. */
static bool
prom_finding(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	const struct stats_target *st = t->stats;

	(void)step;
	for (size_t i = 0; i < st->nfindings; i++) {
		prom_open(out, f, t);
		fputs(",key=\"", out);
		prom_label_value(out, st->findings[i].key);
		fprintf(out, "\",severity=\"%s\",step=\"%d\"} 1\n",
		    report_severity_name(st->findings[i].severity),
		    st->findings[i].step);
	}
	return st->nfindings > 0;
}

/* The start of a capability's sample: target and name labels. */
static void
prom_cap_open(FILE *out, const struct prom_family *f,
    const struct format_target *t, const struct stats_cap *c)
{
	prom_open(out, f, t);
	fputs(",name=\"", out);
	prom_label_value(out, c->name);
	fputs("\"}", out);
}

/* --capabilities: 1 yes, 0.5 partly, 0 no; undecided and n/a have no
 * sample, since nothing was seen. */
static bool
prom_capability(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	const struct stats_target *st = t->stats;
	bool any = false;

	(void)step;
	for (size_t i = 0; i < st->ncaps; i++) {
		const struct stats_cap *c = &st->caps[i];

		if (c->result != CAP_YES && c->result != CAP_NO &&
		    c->result != CAP_PARTIAL)
			continue;
		prom_cap_open(out, f, t, c);
		fprintf(out, " %s\n", c->result == CAP_YES ? "1" :
		    c->result == CAP_PARTIAL ? "0.5" : "0");
		any = true;
	}
	return any;
}

static bool
prom_capability_value(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	const struct stats_target *st = t->stats;
	bool any = false;

	(void)step;
	for (size_t i = 0; i < st->ncaps; i++) {
		if (!st->caps[i].has_value)
			continue;
		prom_cap_open(out, f, t, &st->caps[i]);
		fprintf(out, " %lld\n", st->caps[i].value);
		any = true;
	}
	return any;
}

static bool
prom_capability_mismatch(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	const struct stats_target *st = t->stats;
	bool any = false;

	(void)step;
	for (size_t i = 0; i < st->ncaps; i++) {
		if (!st->caps[i].advertised)
			continue;
		prom_cap_open(out, f, t, &st->caps[i]);
		fprintf(out, " %d\n", st->caps[i].mismatch ? 1 : 0);
		any = true;
	}
	return any;
}

/* Only steps where a peer flooded: a healthy run writes no sample. */
static bool
prom_events_dropped(FILE *out, const struct prom_family *f,
    const struct format_target *t, int step)
{
	if (t->stats->events_dropped[step] == 0)
		return false;
	prom_open(out, f, t);
	prom_step_labels(out, step);
	fprintf(out, "} %llu\n",
	    (unsigned long long)t->stats->events_dropped[step]);
	return true;
}

static const struct prom_family prom_families[] = {
	{ "mqtts_probe_success", "1 when every probe of the target "
	    "succeeded, 0 otherwise.", prom_success, false },
	{ "mqtts_probe_exit_status", "Exit status of the probe (the highest "
	    "of a series): 0, the step that failed, or another status of the "
	    "man page's EXIT STATUS.",
	    prom_exit_status, false },
	{ "mqtts_probe_step_duration_seconds", "Duration of each step that "
	    "succeeded (the mean over a series).", prom_step_duration, true },
	{ "mqtts_probe_stage_duration_seconds", "Duration of each stage "
	    "inside a step that succeeded: proxy tunnel, WebSocket upgrade "
	    "(the mean over a series).", prom_stage_duration, false },
	{ "mqtts_probe_unencrypted", "1 when the target was probed without "
	    "TLS (mqtt:// or ws://), 0 otherwise.", prom_unencrypted, false },
	{ "mqtts_probe_cert_expiry_timestamp_seconds", "When the first "
	    "certificate of the server's chain to expire does so, as a Unix "
	    "time.", prom_expiry, false },
	{ "mqtts_probe_tls_info", "TLS version and cipher suite agreed on, in "
	    "the labels.", prom_tls_info, false },
	{ "mqtts_probe_proxy_info", "The proxy the target was reached through "
	    "(its URL without secrets, and its kind: http, socks5, socks5h), "
	    "in the labels; the tunnel's time is the stage proxy_tunnel.",
	    prom_proxy_info, false },
	{ "mqtts_probe_auth_info", "How TLS authenticated the server, in the "
	    "labels: mode certificate, psk (a pre-shared key, with its "
	    "psk_identity) or none (no TLS).", prom_auth_info, false },
	{ "mqtts_probe_connack_code", "Return code (MQTT 3.1.1) or reason "
	    "code (MQTT 5.0) of CONNACK.", prom_connack, false },
	{ "mqtts_probe_round_trip_seconds", "Publish/subscribe round trip of "
	    "step 8 (the mean over a series).", prom_round_trip, false },
	{ "mqtts_probe_probes", "Probes made of the target (more than 1 with "
	    "--count).", prom_probes, false },
	{ "mqtts_probe_failed_probes", "Probes that failed, by the step they "
	    "failed at.", prom_failed, true },
	{ "mqtts_probe_failure_info", PROM_HELP_FAILURE, prom_failure, false },
	{ "mqtts_probe_finding", "What the checks of the chain and of the "
	    "local files found (1 per finding of the last probe), by key, "
	    "severity (error, warning, info) and step (0: local files).",
	    prom_finding, false },
	{ "mqtts_probe_capability", "What --capabilities saw the broker "
	    "allow, by name: 1 yes, 0.5 partly, 0 no (no sample: undecided "
	    "or not applicable).", prom_capability, false },
	{ "mqtts_probe_capability_value", "The number a capability found, by "
	    "name: the QoS, the largest packet or topic in bytes, the "
	    "milliseconds until a keep-alive closed.", prom_capability_value,
	    false },
	{ "mqtts_probe_capability_mismatch", "1 when what an MQTT 5.0 CONNACK "
	    "advertised differs from what --capabilities saw, by name.",
	    prom_capability_mismatch, false },
	{ "mqtts_probe_events_dropped", "Events the peer caused beyond the "
	    "200 a report keeps per step (a flood), by step, summed over a "
	    "series.", prom_events_dropped, true },
};

/*
 * The samples go aside first: a family that no target has a value for
 * (no chain, no CONNACK) is left out whole, HELP and TYPE included.
 */
static void
prom_family_render(FILE *out, const struct prom_family *f,
    const struct format_target *t, size_t ntargets)
{
	int first = f->per_step ? 1 : 0, last = f->per_step ? REPORT_STEPS : 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *tmp = open_memstream(&buf, &len);

	if (tmp == NULL)
		return;
	for (size_t i = 0; i < ntargets; i++)
		for (int s = first; s <= last; s++)
			f->sample(tmp, f, &t[i], s);
	fclose(tmp);
	if (len > 0) {
		fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", f->name,
		    f->help, f->name);
		fwrite(buf, 1, len, out);
	}
	free(buf);
}

void
prom_render(FILE *out, const struct format_target *t, size_t ntargets)
{
	for (size_t i = 0; i < sizeof(prom_families) / sizeof(prom_families[0]);
	    i++)
		prom_family_render(out, &prom_families[i], t, ntargets);
	fflush(out);
}

/* One family with a sample per target, or a single one without labels. */
static void
prom_error_family(FILE *out, const char *name, const char *help,
    const char *const *targets, size_t ntargets, const char *labels,
    const char *reason, long value)
{
	size_t n = ntargets > 0 ? ntargets : 1;

	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (size_t i = 0; i < n; i++) {
		const char *sep = "";

		fputs(name, out);
		if (ntargets > 0 || labels != NULL)
			fputc('{', out);
		if (ntargets > 0) {
			fputs("target=\"", out);
			prom_label_value(out, targets[i]);
			fputc('"', out);
			sep = ",";
		}
		if (labels != NULL) {
			fprintf(out, "%s%s\"", sep, labels);
			prom_label_value(out, reason);
			fputc('"', out);
		}
		fprintf(out, "%s %ld\n", ntargets > 0 || labels != NULL ? "}" :
		    "", value);
	}
}

void
prom_render_error(FILE *out, const char *const *targets, size_t ntargets,
    int status, const char *reason)
{
	prom_error_family(out, "mqtts_probe_success", prom_families[0].help,
	    targets, ntargets, NULL, NULL, 0);
	prom_error_family(out, "mqtts_probe_exit_status",
	    prom_families[1].help, targets, ntargets, NULL, NULL, status);
	prom_error_family(out, "mqtts_probe_failure_info", PROM_HELP_FAILURE,
	    targets, ntargets, "step=\"0\",name=\"start\",reason=", reason, 1);
	fflush(out);
}
