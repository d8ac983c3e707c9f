/*
 * serve_probe.c: GET /probe?target=T&module=M[&debug=true].
 *
 * One probe through the path every probe takes (run_engine: the
 * engine over the real network and GnuTLS), its walk rendered as text
 * into memory for debug=true and the / page, and its report as the
 * Prometheus text format: blackbox_exporter's names where they exist,
 * then the mqtts_probe_* series of --format prometheus.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "probe_io.h"
#include "render_formats.h"
#include "run.h"
#include "serve_int.h"
#include "serve_log.h"

/* Left of Prometheus's scrape timeout for the answer to travel. */
#define SERVE_TIMEOUT_MARGIN_US 500000ULL
#define SERVE_TIMEOUT_MIN_US 1000ULL
#define SERVE_TEXT_PLAIN "text/plain; charset=utf-8"
#define SERVE_PROM_TEXT "text/plain; version=0.0.4; charset=utf-8"

void
serve_answer_text(struct serve_answer *a, unsigned status, const char *fmt,
    ...)
{
	va_list ap;
	int n;

	a->status = status;
	a->ctype = SERVE_TEXT_PLAIN;
	a->body = NULL;
	a->len = 0;
	va_start(ap, fmt);
	n = vasprintf(&a->body, fmt, ap);
	va_end(ap);
	if (n < 0) {
		a->body = NULL;
		return;
	}
	a->len = (size_t)n;
}

uint64_t
serve_timeout_us(uint64_t module_us, const char *hdr)
{
	char *end;
	double s;
	uint64_t cap;

	if (hdr == NULL)
		return module_us;
	s = strtod(hdr, &end);
	if (end == hdr || *end != '\0' || !isfinite(s) || s <= 0 ||
	    s > 86400)
		return module_us;
	cap = (uint64_t)(s * 1e6);
	/* a very short scrape timeout: keep half of it for the probe */
	cap = cap > 2 * SERVE_TIMEOUT_MARGIN_US ?
	    cap - SERVE_TIMEOUT_MARGIN_US : cap / 2;
	if (cap < SERVE_TIMEOUT_MIN_US)
		cap = SERVE_TIMEOUT_MIN_US;
	return cap < module_us ? cap : module_us;
}

static bool
serve_is_true(const char *v)
{
	return v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* "TLS1.3" as blackbox_exporter writes it: "TLS 1.3". */
static void
serve_tls_version(const char *v, char *buf, size_t len)
{
	if (strncmp(v, "TLS", 3) == 0 && v[3] >= '0' && v[3] <= '9')
		snprintf(buf, len, "TLS %s", v + 3);
	else
		snprintf(buf, len, "%s", v);
}

static void
serve_gauge(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* The series blackbox_exporter users' dashboards and alerts know. */
static void
serve_blackbox_metrics(FILE *out, const struct stats_target *st,
    double seconds)
{
	serve_gauge(out, "probe_success", "Whether the probe succeeded: 1, "
	    "or 0.");
	fprintf(out, "probe_success %d\n", st->probes > 0 &&
	    st->worst_status == 0 && !st->interrupted ? 1 : 0);
	serve_gauge(out, "probe_duration_seconds", "How long the probe took "
	    "to complete, in seconds.");
	fprintf(out, "probe_duration_seconds %.6f\n", seconds);
	if (st->has_expiry) {
		serve_gauge(out, "probe_ssl_earliest_cert_expiry", "When the "
		    "first certificate of the server's chain to expire does "
		    "so, as a Unix time.");
		fprintf(out, "probe_ssl_earliest_cert_expiry %lld\n",
		    (long long)st->expiry_s);
	}
	if (st->tls_version[0] != '\0') {
		char v[40];

		serve_tls_version(st->tls_version, v, sizeof(v));
		serve_gauge(out, "probe_tls_version_info", "The TLS version "
		    "the probe agreed on, in the label.");
		fputs("probe_tls_version_info{version=\"", out);
		prom_label_value(out, v);
		fputs("\"} 1\n", out);
	}
}

/* What one probe leaves behind. */
struct serve_result {
	struct stats_target st;
	int status;			/* exit status of the probe */
	double seconds;
	char *walk;
	size_t walk_len;
};

static bool
serve_run(const struct serve_module *m, const char *arg,
    const struct target *t, uint64_t timeout_us, struct serve_result *res)
{
	const struct options *o = &m->mo.o;
	struct run_shared shared = { .o = o, .creds = m->creds,
	    .password = m->password, .password_len = m->password_len };
	struct run_target rt = { .arg = (char *)(uintptr_t)arg, .t = *t };
	struct output_config oc;
	struct output_target ot;
	struct output_probe op;
	struct stats_facts f;
	struct report r;
	uint64_t start;
	FILE *w;
	bool ok;

	w = open_memstream(&res->walk, &res->walk_len);
	if (w == NULL)
		return false;
	/* the walk as the command line shows it, without colour */
	output_config_init(&oc, o, false);
	oc.format = FORMAT_TEXT;
	oc.count = 1;
	oc.timeout_us = timeout_us;
	memset(&ot, 0, sizeof(ot));
	ot.cfg = &oc;
	ot.out = w;
	ot.arg = arg;
	ot.host = t->host;
	ot.via = o->connect_to;
	ot.port = o->connect_port != 0 ? o->connect_port : t->port;
	output_target_begin(&ot);
	output_probe_begin(&op, &ot, 1);
	report_init(&r, output_probe_live, &op);
	start = clock_monotonic.now_us(NULL);
	ok = run_engine(&shared, &rt, timeout_us, NULL, NULL, &r);
	res->seconds = (double)(clock_monotonic.now_us(NULL) - start) / 1e6;
	if (ok) {
		stats_facts(&r, &f);
		output_probe_finish(&op, &r, &f);
		stats_target_init(&res->st);
		stats_target_add(&res->st, &r, &f);
		res->status = res->st.worst_status;
	}
	report_free(&r);
	fclose(w);
	return ok;
}

static void
serve_probe_log(const char *module, const char *target,
    const struct serve_result *res, bool success, uint64_t id)
{
	struct serve_log_line l;

	serve_log_begin(&l, SERVE_LOG_INFO, "probe");
	serve_log_str(&l, "module", module);
	serve_log_str(&l, "target", target);
	serve_log_str(&l, "result", success ? "success" : "failure");
	serve_log_num(&l, "exit_status", res->status);
	if (!success && res->st.last_reason[0] != '\0')
		serve_log_str(&l, "reason", res->st.last_reason);
	serve_log_num(&l, "duration_seconds", res->seconds);
	serve_log_num(&l, "id", (double)id);
	serve_log_end(&l);
}

static void
serve_probe_refuse(struct serve *sv, struct serve_answer *a,
    enum serve_refusal why, const char *target, unsigned status,
    const char *msg)
{
	struct serve_log_line l;

	serve_metrics_refused(&sv->metrics, why);
	serve_log_begin(&l, SERVE_LOG_WARNING, "probe refused");
	serve_log_str(&l, "target", target);
	serve_log_str(&l, "why", msg);
	serve_log_end(&l);
	serve_answer_text(a, status, "%s\n", msg);
}

/* Render the answer of a probe that ran. */
static void
serve_probe_answer(const struct serve_request *rq, const char *target,
    const struct serve_result *res, struct serve_answer *a)
{
	struct format_target ft = { target, &res->st };
	FILE *out;

	a->body = NULL;
	a->len = 0;
	out = open_memstream(&a->body, &a->len);
	if (out == NULL) {
		serve_answer_text(a, 500, "out of memory\n");
		return;
	}
	if (serve_is_true(rq->debug)) {
		fputs("Walk of the probe:\n\n", out);
		fwrite(res->walk, 1, res->walk_len, out);
		fputs("\nMetrics that would have been returned:\n\n", out);
	}
	serve_blackbox_metrics(out, &res->st, res->seconds);
	prom_render(out, &ft, 1);
	fclose(out);
	a->status = 200;
	a->ctype = serve_is_true(rq->debug) ? SERVE_TEXT_PLAIN : SERVE_PROM_TEXT;
}

void
serve_probe(struct serve *sv, const struct serve_request *rq,
    struct serve_answer *a)
{
	const char *module = rq->module != NULL ? rq->module :
	    SERVE_DEFAULT_MODULE;
	const char *why = NULL;
	const struct serve_module *m;
	struct serve_modset *set;
	struct serve_result res;
	struct target t;
	char msg[512];
	uint64_t id;
	bool success;

	if (rq->target == NULL || rq->target[0] == '\0') {
		serve_probe_refuse(sv, a, SERVE_REFUSED_BAD_REQUEST, "",
		    400, "the target parameter is missing: "
		    "/probe?target=HOST:PORT&module=NAME");
		return;
	}
	if (target_parse(rq->target, &t, &why) != 0) {
		snprintf(msg, sizeof(msg), "target: %s", why);
		serve_probe_refuse(sv, a, SERVE_REFUSED_BAD_REQUEST,
		    rq->target, 400, msg);
		return;
	}
	if (!serve_allow(sv->set, &t)) {
		serve_probe_refuse(sv, a, SERVE_REFUSED_FORBIDDEN, rq->target,
		    403, "target not allowed by --allow-target");
		return;
	}
	set = serve_mods_get(sv);
	m = serve_modset_find(set, module);
	if (m == NULL) {
		serve_mods_put(sv, set);
		snprintf(msg, sizeof(msg), "unknown module '%.64s'", module);
		serve_probe_refuse(sv, a, SERVE_REFUSED_BAD_REQUEST,
		    rq->target, 400, msg);
		return;
	}
	/* never a queue: a probe that cannot start now is refused now */
	if (!serve_metrics_enter(&sv->metrics, sv->set->max_concurrent)) {
		struct serve_log_line l;

		serve_mods_put(sv, set);
		serve_log_begin(&l, SERVE_LOG_WARNING, "probe refused");
		serve_log_str(&l, "target", rq->target);
		serve_log_str(&l, "why", "--max-concurrent probes in flight");
		serve_log_end(&l);
		serve_answer_text(a, 503, "%u probes in flight already "
		    "(--max-concurrent)\n", sv->set->max_concurrent);
		return;
	}
	memset(&res, 0, sizeof(res));
	if (!serve_run(m, rq->target, &t, serve_timeout_us(m->mo.o.timeout_us,
	    rq->scrape_timeout), &res)) {
		serve_metrics_leave(&sv->metrics, m->name, false, res.seconds);
		serve_mods_put(sv, set);
		free(res.walk);
		serve_answer_text(a, 500, "the probe could not start (no "
		    "random bytes or no memory)\n");
		return;
	}
	success = res.st.probes > 0 && res.st.worst_status == 0 &&
	    !res.st.interrupted;
	serve_metrics_leave(&sv->metrics, m->name, success, res.seconds);
	id = serve_recent_add(&sv->recent, m->name, rq->target, success,
	    res.status, res.seconds, res.walk, res.walk_len);
	serve_probe_log(m->name, rq->target, &res, success, id);
	serve_probe_answer(rq, rq->target, &res, a);
	serve_mods_put(sv, set);
	free(res.walk);
}
