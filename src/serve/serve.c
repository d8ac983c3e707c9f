/*
 * serve.c: run the exporter: load the modules, listen, then wait for
 * signals on the main thread -- SIGHUP reloads the module file (a bad
 * file keeps the modules in use and says why), SIGTERM or SIGINT stop.
 *
 * The signals are blocked in every thread (libmicrohttpd's inherit the
 * mask) and taken with sigwait here, so no probe ever sees one and no
 * handler runs at an awkward moment.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "options.h"
#include "serve_http.h"
#include "serve_int.h"
#include "serve_log.h"

struct serve_modset *
serve_mods_get(struct serve *sv)
{
	struct serve_modset *m;

	pthread_mutex_lock(&sv->lock);
	m = sv->mods;
	m->refs++;
	pthread_mutex_unlock(&sv->lock);
	return m;
}

void
serve_mods_put(struct serve *sv, struct serve_modset *m)
{
	bool last;

	pthread_mutex_lock(&sv->lock);
	last = --m->refs == 0;
	pthread_mutex_unlock(&sv->lock);
	/* the set was replaced and this was its last probe */
	if (last)
		serve_modset_free(m);
}

static void
serve_log_modules(const char *msg, const struct serve_settings *s,
    const struct serve_modset *m)
{
	struct serve_log_line l;
	char names[1024];
	size_t o = 0;

	names[0] = '\0';
	for (size_t i = 0; i < m->n && o < sizeof(names) - 1; i++)
		o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s",
		    i > 0 ? "," : "", m->m[i]->name);
	serve_log_begin(&l, SERVE_LOG_INFO, msg);
	serve_log_str(&l, "config", s->config_file != NULL ? s->config_file :
	    "(none)");
	serve_log_str(&l, "modules", names);
	serve_log_end(&l);
}

/* SIGHUP: a new set, or the old one kept and the reason logged. */
static void
serve_reload(struct serve *sv)
{
	char err[1024];
	struct serve_modset *m = serve_modset_load(sv->set->config_file, err,
	    sizeof(err)), *old;

	if (m == NULL) {
		struct serve_log_line l;

		serve_metrics_reload(&sv->metrics, false, 0);
		serve_log_begin(&l, SERVE_LOG_ERR, "reload failed; the modules "
		    "in use are kept");
		serve_log_str(&l, "error", err);
		serve_log_end(&l);
		return;
	}
	pthread_mutex_lock(&sv->lock);
	old = sv->mods;
	sv->mods = m;
	pthread_mutex_unlock(&sv->lock);
	/* the holder's reference; probes still using it hold theirs */
	serve_mods_put(sv, old);
	serve_metrics_reload(&sv->metrics, true, (unsigned)m->n);
	serve_log_modules("reloaded", sv->set, m);
}

static int
serve_wait(struct serve *sv, const sigset_t *set)
{
	for (;;) {
		int sig = 0;

		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			serve_reload(sv);
			continue;
		}
		return sig;
	}
}

int
serve_main(const struct serve_settings *s)
{
	struct serve sv;
	struct MHD_Daemon *d;
	struct serve_log_line l;
	sigset_t set;
	char err[1024];
	unsigned port = 0;
	int sig;

	memset(&sv, 0, sizeof(sv));
	sv.set = s;
	/* before any thread exists, so all of them inherit the mask */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	sv.mods = serve_modset_load(s->config_file, err, sizeof(err));
	if (sv.mods == NULL) {
		serve_log_begin(&l, SERVE_LOG_ERR, "cannot load the modules");
		serve_log_str(&l, "error", err);
		serve_log_end(&l);
		return EXIT_NOINPUT;
	}
	pthread_mutex_init(&sv.lock, NULL);
	serve_metrics_init(&sv.metrics);
	serve_recent_init(&sv.recent);
	serve_metrics_reload(&sv.metrics, true, (unsigned)sv.mods->n);

	d = serve_http_start(&sv, s->listen, &port, err, sizeof(err));
	if (d == NULL) {
		serve_log_begin(&l, SERVE_LOG_ERR, "cannot listen");
		serve_log_str(&l, "error", err);
		serve_log_end(&l);
		serve_modset_free(sv.mods);
		return EXIT_USAGE;
	}
	serve_log_begin(&l, SERVE_LOG_INFO, "listening");
	serve_log_str(&l, "address", s->listen);
	serve_log_num(&l, "port", port);
	serve_log_num(&l, "max_concurrent", s->max_concurrent);
	serve_log_str(&l, "version", PACKAGE_VERSION);
	serve_log_str(&l, "gnutls", gnutls_check_version(NULL));
	serve_log_end(&l);
	if (s->nallow == 0)
		serve_log(SERVE_LOG_WARNING, "no --allow-target: /probe will "
		    "connect to any target it is given; keep the exporter "
		    "where only Prometheus reaches it");
	serve_log_modules("modules loaded", s, sv.mods);

	sig = serve_wait(&sv, &set);
	serve_log_begin(&l, SERVE_LOG_INFO, "stopping");
	serve_log_str(&l, "signal", sig == SIGINT ? "SIGINT" : "SIGTERM");
	serve_log_end(&l);
	/* waits for the probes in flight, each bounded by its timeout */
	serve_http_stop(d);
	serve_modset_free(sv.mods);
	serve_recent_destroy(&sv.recent);
	serve_metrics_destroy(&sv.metrics);
	pthread_mutex_destroy(&sv.lock);
	return 0;
}
