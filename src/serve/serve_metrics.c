/*
 * serve_metrics.c: count what the exporter does and render it for
 * /metrics (see serve_metrics.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>

#include "render_formats.h"
#include "serve_metrics.h"

/* Upper bounds of the probe duration histogram, in seconds: probes on
 * a LAN take milliseconds, a timeout takes up to the module's. */
static const double serve_metrics_le[SERVE_METRICS_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

static const char *const serve_refusal_names[SERVE_REFUSED_COUNT] = {
	"busy", "forbidden", "bad_request",
};

void
serve_metrics_init(struct serve_metrics *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
}

void
serve_metrics_destroy(struct serve_metrics *m)
{
	pthread_mutex_destroy(&m->lock);
}

bool
serve_metrics_enter(struct serve_metrics *m, unsigned max)
{
	bool ok;

	pthread_mutex_lock(&m->lock);
	ok = m->in_flight < max;
	if (ok)
		m->in_flight++;
	else
		m->refused[SERVE_REFUSED_BUSY]++;
	pthread_mutex_unlock(&m->lock);
	return ok;
}

/* The row of module, added when there is room; the last row is
 * "_other" once the table is full. */
static unsigned
serve_metrics_row(struct serve_metrics *m, const char *module)
{
	for (unsigned i = 0; i < m->nmod; i++)
		if (strcmp(m->mod[i].name, module) == 0)
			return i;
	if (m->nmod == SERVE_METRICS_MODULES - 1) {
		snprintf(m->mod[m->nmod].name, sizeof(m->mod[0].name),
		    "_other");
		m->nmod++;
	}
	if (m->nmod == SERVE_METRICS_MODULES)
		return SERVE_METRICS_MODULES - 1;
	snprintf(m->mod[m->nmod].name, sizeof(m->mod[0].name), "%s", module);
	return m->nmod++;
}

void
serve_metrics_leave(struct serve_metrics *m, const char *module,
    bool success, double seconds)
{
	unsigned row;

	pthread_mutex_lock(&m->lock);
	m->in_flight--;
	row = serve_metrics_row(m, module);
	if (success)
		m->mod[row].success++;
	else
		m->mod[row].failure++;
	for (unsigned i = 0; i < SERVE_METRICS_BUCKETS; i++)
		if (seconds <= serve_metrics_le[i]) {
			m->bucket[i]++;
			break;
		}
	m->count++;
	m->sum += seconds;
	pthread_mutex_unlock(&m->lock);
}

void
serve_metrics_refused(struct serve_metrics *m, enum serve_refusal why)
{
	pthread_mutex_lock(&m->lock);
	m->refused[why]++;
	pthread_mutex_unlock(&m->lock);
}

void
serve_metrics_reload(struct serve_metrics *m, bool ok, unsigned modules)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&m->lock);
	m->reload_ok = ok;
	if (ok) {
		m->reload_success_time = (double)ts.tv_sec +
		    (double)ts.tv_nsec / 1e9;
		m->reloads_ok++;
		m->modules = modules;
	} else
		m->reloads_failed++;
	pthread_mutex_unlock(&m->lock);
}

static void
serve_metrics_head(FILE *out, const char *name, const char *type,
    const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
serve_metrics_render(struct serve_metrics *m, FILE *out)
{
	uint64_t cum = 0;

	pthread_mutex_lock(&m->lock);
	serve_metrics_head(out, "mqtts_probe_exporter_build_info", "gauge",
	    "Version of the exporter and of GnuTLS, in the labels.");
	fprintf(out, "mqtts_probe_exporter_build_info{version=\"%s\","
	    "gnutls=\"", PACKAGE_VERSION);
	prom_label_value(out, gnutls_check_version(NULL));
	fputs("\"} 1\n", out);

	serve_metrics_head(out, "mqtts_probe_exporter_probes_total",
	    "counter", "Probes run, by module and result.");
	for (unsigned i = 0; i < m->nmod; i++) {
		fprintf(out, "mqtts_probe_exporter_probes_total{module=\"%s\","
		    "result=\"success\"} %llu\n", m->mod[i].name,
		    (unsigned long long)m->mod[i].success);
		fprintf(out, "mqtts_probe_exporter_probes_total{module=\"%s\","
		    "result=\"failure\"} %llu\n", m->mod[i].name,
		    (unsigned long long)m->mod[i].failure);
	}

	serve_metrics_head(out, "mqtts_probe_exporter_probes_in_flight",
	    "gauge", "Probes running now.");
	fprintf(out, "mqtts_probe_exporter_probes_in_flight %u\n",
	    m->in_flight);

	serve_metrics_head(out, "mqtts_probe_exporter_probe_duration_seconds",
	    "histogram", "How long probes took, whatever their result.");
	for (unsigned i = 0; i < SERVE_METRICS_BUCKETS; i++) {
		cum += m->bucket[i];
		fprintf(out, "mqtts_probe_exporter_probe_duration_seconds_bucket"
		    "{le=\"%g\"} %llu\n", serve_metrics_le[i],
		    (unsigned long long)cum);
	}
	fprintf(out, "mqtts_probe_exporter_probe_duration_seconds_bucket"
	    "{le=\"+Inf\"} %llu\n", (unsigned long long)m->count);
	fprintf(out, "mqtts_probe_exporter_probe_duration_seconds_sum %.6f\n",
	    m->sum);
	fprintf(out, "mqtts_probe_exporter_probe_duration_seconds_count "
	    "%llu\n", (unsigned long long)m->count);

	serve_metrics_head(out, "mqtts_probe_exporter_requests_refused_total",
	    "counter", "Probe requests refused: busy (--max-concurrent, 503), "
	    "forbidden (--allow-target, 403), bad_request (400).");
	for (unsigned i = 0; i < SERVE_REFUSED_COUNT; i++)
		fprintf(out, "mqtts_probe_exporter_requests_refused_total"
		    "{reason=\"%s\"} %llu\n", serve_refusal_names[i],
		    (unsigned long long)m->refused[i]);

	serve_metrics_head(out,
	    "mqtts_probe_exporter_config_last_reload_successful", "gauge",
	    "1 when the last load of the module file succeeded.");
	fprintf(out, "mqtts_probe_exporter_config_last_reload_successful %d\n",
	    m->reload_ok ? 1 : 0);
	serve_metrics_head(out,
	    "mqtts_probe_exporter_config_last_reload_success_timestamp_seconds",
	    "gauge", "When the module file was last loaded successfully, as a "
	    "Unix time.");
	fprintf(out, "mqtts_probe_exporter_config_last_reload_success_timestamp"
	    "_seconds %.3f\n", m->reload_success_time);
	serve_metrics_head(out, "mqtts_probe_exporter_config_reloads_total",
	    "counter", "Loads of the module file, by result.");
	fprintf(out, "mqtts_probe_exporter_config_reloads_total{result="
	    "\"success\"} %llu\n", (unsigned long long)m->reloads_ok);
	fprintf(out, "mqtts_probe_exporter_config_reloads_total{result="
	    "\"failure\"} %llu\n", (unsigned long long)m->reloads_failed);
	serve_metrics_head(out, "mqtts_probe_exporter_modules", "gauge",
	    "Modules loaded now.");
	fprintf(out, "mqtts_probe_exporter_modules %u\n", m->modules);
	pthread_mutex_unlock(&m->lock);
}
