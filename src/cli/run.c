/*
 * run.c: the targets, the series of probes of each, and the threads
 * that probe several targets at once.
 *
 * Each probe has its own report and its own client id, nonce and
 * topic; the TLS credentials and the password are shared read-only.
 * With one worker everything runs on the main thread and prints as it
 * happens.  With several, each target renders into its own memory
 * stream, and the main thread prints the streams in input order as soon
 * as every earlier target is done, so the output never interleaves.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "clients.h"
#include "diagnose.h"
#include "engine.h"
#include "pause.h"
#include "run.h"
#include "ws.h"

/* Samples of a series the HTML report keeps, over all targets. */
#define RUN_HTML_SAMPLES 65536u

/* How often the main thread looks at Ctrl-C while workers run. */
#define RUN_TICK_US 100000u

enum run_job_state { JOB_WAITING, JOB_RUNNING, JOB_DONE };

struct run_job {
	const struct run_target *target;
	size_t index;
	FILE *out;			/* stdout, or the memory stream */
	char *buf;
	size_t len;
	struct stats_target stats;
	struct html_target html;	/* --report only */
	int status;
	bool started;
	enum run_job_state state;
};

struct run_pool {
	const struct run_shared *s;
	struct run_job *jobs;
	size_t njobs;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t next;			/* the next job to take */
	unsigned active;		/* workers still running */
};

/* --- targets ---------------------------------------------------------- */

static bool
run_valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t n = json_utf8_len(p);

		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

static int
run_add(struct run_list *l, const char *arg, const struct target *t)
{
	struct run_target *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	l->v = v;
	v[l->n].arg = strdup(arg);
	if (v[l->n].arg == NULL)
		return -1;
	v[l->n].t = *t;
	l->n++;
	return 0;
}

/* A line without its comment and surrounding blanks ('#' cannot occur
 * in a target: a URL fragment is refused). */
static char *
run_trim(char *line)
{
	char *end;

	line[strcspn(line, "#\r\n")] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return line;
}

static int
run_check_line(const char *file, unsigned lineno, const char *text,
    struct target *t, char *err, size_t errlen)
{
	const char *why = NULL;

	if (target_parse(text, t, &why) != 0 ||
	    (t->user[0] != '\0' && !run_valid_utf8(t->user))) {
		if (why == NULL)
			why = "the user name is not valid UTF-8, which MQTT "
			    "requires";
		/* a line with a user part may hold a password: not echoed */
		if (strchr(text, '@') != NULL)
			snprintf(err, errlen, "--targets %s:%u: %s", file,
			    lineno, why);
		else
			snprintf(err, errlen, "--targets %s:%u: TARGET '%.200s': "
			    "%s", file, lineno, text, why);
		return EXIT_USAGE;
	}
	return 0;
}

static int
run_load_file(const char *file, struct run_list *l, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = 0;

	if (f == NULL) {
		snprintf(err, errlen, "--targets %s: %s", file, strerror(errno));
		return EXIT_NOINPUT;
	}
	while (rc == 0 && getline(&line, &cap, f) != -1) {
		char *text = run_trim(line);
		struct target t;

		lineno++;
		if (*text == '\0')
			continue;
		rc = run_check_line(file, lineno, text, &t, err, errlen);
		if (rc == 0 && run_add(l, text, &t) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = EXIT_INTERNAL;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "--targets %s: %s", file, strerror(errno));
		rc = EXIT_NOINPUT;
	}
	free(line);
	fclose(f);
	return rc;
}

int
run_targets_load(const struct options *o, struct run_list *l, char *err,
    size_t errlen)
{
	int rc;

	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < o->noperands; i++) {
		struct target t;
		const char *why = NULL;

		/* options_parse has checked them all already */
		if (target_parse(o->operands[i], &t, &why) != 0 ||
		    run_add(l, o->operands[i], &t) != 0) {
			snprintf(err, errlen, "TARGET %zu: %s", i + 1,
			    why != NULL ? why : "out of memory");
			return why != NULL ? EXIT_USAGE : EXIT_INTERNAL;
		}
	}
	if (o->targets_file != NULL &&
	    (rc = run_load_file(o->targets_file, l, err, errlen)) != 0)
		return rc;
	if (l->n == 0) {
		snprintf(err, errlen, "--targets %s holds no target",
		    o->targets_file != NULL ? o->targets_file : "");
		return EXIT_USAGE;
	}
	return 0;
}

void
run_targets_free(struct run_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].arg);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* --- one probe ------------------------------------------------------------ */

bool
run_random_hex(char *buf, size_t nbytes)
{
	unsigned char raw[32];

	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	if (gnutls_rnd(GNUTLS_RND_NONCE, raw, nbytes) < 0)
		return false;
	for (size_t i = 0; i < nbytes; i++)
		snprintf(buf + 2 * i, 3, "%02x", raw[i]);
	return true;
}

/* What makes one probe distinct from the others. */
struct run_ids {
	char client_id[64];
	char nonce[40];
	char *topic;		/* --topic or the default, up to 65535 bytes */
};

static bool
run_ids_make(const struct options *o, struct run_ids *ids)
{
	if (o->client_id == NULL) {
		/* unique per probe, so that probes never take over each
		 * other's session, in a series or in parallel */
		snprintf(ids->client_id, sizeof(ids->client_id), "mqtts-probe-");
		if (!run_random_hex(ids->client_id + strlen(ids->client_id), 6))
			return false;
	}
	if (!run_random_hex(ids->nonce, 16))
		return false;
	/* allocated: --topic and -i may be as long as MQTT allows, and a
	 * cut topic would silently probe another one */
	if (o->topic != NULL)
		ids->topic = strdup(o->topic);
	else if (asprintf(&ids->topic, "mqtts-probe/%s", o->client_id != NULL ?
	    o->client_id : ids->client_id) == -1)
		ids->topic = NULL;
	return ids->topic != NULL;
}

/*
 * -u wins; otherwise each target's own mqtts://USER@.  options_parse
 * points username at the first target's user when that is the only
 * target, which is the same thing.
 */
static const char *
run_username(const struct options *o, const struct run_target *rt)
{
	if (o->username != NULL && o->username != o->target.user)
		return o->username;
	return rt->t.user[0] != '\0' ? rt->t.user : NULL;
}

const struct run_target *
run_first_without_user(const struct options *o, const struct run_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (run_username(o, &l->v[i]) == NULL)
			return &l->v[i];
	return NULL;
}

static void
run_engine_config(const struct run_shared *s, const struct run_target *rt,
    const struct run_ids *ids, struct engine_config *ec)
{
	const struct options *o = s->o;
	const struct target *t = &rt->t;

	memset(ec, 0, sizeof(*ec));
	ec->host = t->host;
	ec->connect_host = o->connect_to != NULL ? o->connect_to : t->host;
	ec->port = o->connect_port != 0 ? o->connect_port : t->port;
	/* SNI carries DNS names only (RFC 6066), never an address */
	ec->tls.sni = o->sni_hostname != NULL ? o->sni_hostname :
	    t->is_ip ? NULL : t->host;
	ec->tls.verify_host = o->verify_hostname != NULL ? o->verify_hostname :
	    t->host;
	ec->use_tls = target_has_tls(t);
	ec->tls.alpn = o->alpn;
	ec->tls.keylog = o->keylog;
	ec->tls.warn_days = o->warn_days;
	ec->insecure = o->insecure;
	ec->psk_identity = o->psk_identity;
	ec->hints.psk_identity = o->psk_identity;
	ec->mqtt_version = o->mqtt_version;
	ec->client_id = o->client_id != NULL ? o->client_id : ids->client_id;
	ec->username = run_username(o, rt);
	ec->password = s->password;
	ec->password_len = s->password_len;
	ec->keepalive = o->keepalive;
	ec->topic = ids->topic;
	ec->qos = o->qos;
	ec->nonce = ids->nonce;
	ec->steps = o->steps;
	ec->packet_bytes = o->hexdump;
	ec->timeout_us = o->timeout_us;
	ec->hints.connect_to = o->connect_to;
	ec->hints.ca_given = o->cafile != NULL || o->capath != NULL;
	ec->hints.verify_hostname = o->verify_hostname;
	ec->hints.tls_version = (int)o->tls_version;
	ec->hints.paused = o->pause;
	ec->capabilities = o->capabilities;
	ec->trace_caps = o->trace;
	ec->require = o->require;
}

/* After a failure: the follow-up experiments, within one more
 * --timeout, through the same engine. */
static void
run_diagnose(const struct engine_config *ec, const struct engine_io *io,
    struct report *r)
{
	char other[64] = "mqtts-probe-";
	struct diagnose_config dc = { .budget_us = ec->timeout_us };

	if (run_random_hex(other + strlen(other), 6))
		dc.other_client_id = other;
	diagnose_run(ec, io, &dc, r);
}

/*
 * The WebSocket upgrade of a ws:// or wss:// target.  Host names the
 * target as typed (an IPv6 address in brackets), with its port unless
 * it is the scheme's default, as browsers send it.
 */
static const struct ws_config *
run_ws_config(const struct options *o, const struct target *t,
    struct ws_config *wc, char *host, size_t hostlen)
{
	unsigned dflt = t->scheme == TARGET_WSS ? 443 : 80;

	if (!target_is_ws(t))
		return NULL;
	snprintf(host, hostlen, "%s%s%s", t->is_ipv6 ? "[" : "", t->host,
	    t->is_ipv6 ? "]" : "");
	if (t->port != dflt)
		snprintf(host + strlen(host), hostlen - strlen(host), ":%u",
		    t->port);
	memset(wc, 0, sizeof(*wc));
	wc->host = host;
	wc->path = t->path;
	wc->subprotocol = o->ws_subprotocol != NULL ? o->ws_subprotocol :
	    "mqtt";
	wc->origin = o->ws_origin;
	wc->headers = o->headers;
	wc->nheaders = o->nheaders;
	return wc;
}

/* The proxy for target t, unless NO_PROXY sends it direct (skipped then
 * says so); NULL: none. */
static const struct proxy_config *
run_proxy_config(const struct run_shared *s, const struct target *t,
    struct proxy_config *pc, char *skipped, size_t len)
{
	const struct proxy_url *u = s->proxy;

	skipped[0] = '\0';
	if (u == NULL)
		return NULL;
	if (proxy_url_bypass(s->no_proxy, t->host)) {
		snprintf(skipped, len, "%s matches %s", s->no_proxy_from,
		    t->host);
		return NULL;
	}
	memset(pc, 0, sizeof(*pc));
	pc->kind = u->kind;
	pc->host = u->host;
	pc->port = u->port;
	pc->user = u->user[0] != '\0' ? u->user : NULL;
	pc->password = pc->user != NULL ? s->proxy_password : NULL;
	pc->password_len = pc->password != NULL ? s->proxy_password_len : 0;
	pc->shown = u->shown;
	pc->from = s->proxy_from;
	return pc;
}

bool
run_engine(const struct run_shared *s, const struct run_target *rt,
    uint64_t timeout_us, enum engine_hold_answer (*before_step)(void *, int,
    const struct engine_hold *), void *step_ctx,
    struct report *r)
{
	struct run_ids ids = { .topic = NULL };
	struct engine_config ec;
	struct engine_io io = { 0 };
	struct ws_config wc;
	char ws_host[TARGET_HOST_MAX + 16];
	struct proxy_config pc;
	char skipped[TARGET_HOST_MAX + 32];

	if (!run_ids_make(s->o, &ids)) {
		free(ids.topic);
		return false;
	}
	run_engine_config(s, rt, &ids, &ec);
	if (timeout_us != 0)
		ec.timeout_us = timeout_us;
	ec.ws = run_ws_config(s->o, &rt->t, &wc, ws_host,
	    sizeof(ws_host));
	ec.proxy = run_proxy_config(s, &rt->t, &pc, skipped, sizeof(skipped));
	ec.proxy_skipped = skipped[0] != '\0' ? skipped : NULL;
	io.clock = clock_monotonic;
	io.net = net_system;
	io.tls = tls_gnutls_ops(s->creds);
	io.before_step = before_step;
	io.step_ctx = step_ctx;
	{
		/* what the local files' checks found, before connecting */
		const struct report_finding *lf;
		size_t nlf = tls_creds_findings(s->creds, &lf);

		for (size_t i = 0; i < nlf; i++)
			report_finding(r, &lf[i]);
	}
	engine_run(&ec, &io, r);
	/* not for the exporter: a scrape has its own time limit */
	if (r->failed_step != 0 && !s->o->no_diagnose && s->o->serve == NULL &&
	    !iowait_interrupted)
		run_diagnose(&ec, &io, r);
	if (s->o->clients && s->o->serve == NULL && ec.use_tls &&
	    !iowait_interrupted && r->stopped == 0 &&
	    r->steps[STEP_TCP].status == STEP_OK)
		clients_run(&ec, &io, ec.timeout_us, r);
	free(ids.topic);
	return true;
}

/* Run probe number n of job; false when the series must stop. */
static bool
run_probe(const struct run_shared *s, struct run_job *job,
    const struct output_target *ot, unsigned n)
{
	struct pause_ctx pc = { .in = STDIN_FILENO, .out = stdout,
	    .color = s->oc->color, .trace = s->o->trace };
	struct output_probe op;
	struct report r;
	struct stats_facts f;

	output_probe_begin(&op, ot, n);
	report_init(&r, output_probe_live, &op);
	if (!run_engine(s, job->target, 0, s->o->pause ? pause_before_step :
	    NULL, &pc, &r)) {
		report_free(&r);
		job->status = EXIT_INTERNAL;
		return false;
	}
	stats_facts(&r, &f);
	/* a failure while Ctrl-C was stopping us is the signal's doing */
	if (f.failed_step != 0 && iowait_interrupted)
		f.interrupted = true;
	output_probe_finish(&op, &r, &f);
	stats_target_add(&job->stats, &r, &f);
	report_free(&r);
	return !f.interrupted;
}

/* Sleep between probes; false when Ctrl-C came first. */
static bool
run_sleep(uint64_t us)
{
	while (us > 0 && !iowait_interrupted) {
		uint64_t slice = us < RUN_TICK_US ? us : RUN_TICK_US;
		struct timespec ts = { (time_t)(slice / 1000000),
		    (long)(slice % 1000000) * 1000 };

		/* a signal cuts the nap short: the flag is checked again */
		nanosleep(&ts, NULL);
		us -= slice;
	}
	return !iowait_interrupted;
}

static void
run_series(const struct run_shared *s, struct run_job *job)
{
	const struct run_target *rt = job->target;
	struct output_target ot = {
		.cfg = s->oc, .out = job->out, .arg = rt->arg,
		.host = rt->t.host, .index = job->index, .via = s->o->connect_to,
		.port = s->o->connect_port != 0 ? s->o->connect_port :
		    rt->t.port,
		.html = s->oc->report != NULL ? &job->html : NULL,
	};

	stats_target_init(&job->stats);
	job->started = true;
	output_target_begin(&ot);
	for (unsigned n = 1; n <= s->oc->count; n++) {
		if ((n > 1 && !run_sleep(s->oc->interval_us)) ||
		    iowait_interrupted) {
			job->stats.interrupted = true;
			break;
		}
		if (!run_probe(s, job, &ot, n))
			break;
	}
	output_target_finish(&ot, &job->stats);
	job->status = stats_worse_status(job->status, job->stats.worst_status);
	/* crossed thresholds exit 9 or 10 in every format (nagios maps
	 * its own), below a failed step */
	job->status = stats_worse_status(job->status,
	    stats_threshold_status(&s->oc->limits, &job->stats));
}

/* --- several at once -------------------------------------------------- */

static void *
run_worker(void *arg)
{
	struct run_pool *p = arg;

	for (;;) {
		struct run_job *job;

		pthread_mutex_lock(&p->lock);
		if (p->next >= p->njobs || iowait_interrupted) {
			p->active--;
			pthread_cond_broadcast(&p->cond);
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		job = &p->jobs[p->next++];
		job->state = JOB_RUNNING;
		pthread_mutex_unlock(&p->lock);

		if (job->out != NULL)
			run_series(p->s, job);
		else
			job->status = EXIT_INTERNAL;
		/* the stream is complete before the main thread reads it */
		if (job->out != NULL && job->out != stdout)
			fclose(job->out);
		job->out = NULL;

		pthread_mutex_lock(&p->lock);
		job->state = JOB_DONE;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
}

static void
run_print(struct run_job *job)
{
	/* a job no worker took (Ctrl-C) still has its empty stream open */
	if (job->out != NULL) {
		fclose(job->out);
		job->out = NULL;
	}
	if (job->buf != NULL && job->len > 0) {
		fwrite(job->buf, 1, job->len, stdout);
		fflush(stdout);
	}
	free(job->buf);
	job->buf = NULL;
}

/*
 * A signal wakes only the thread it lands on; a worker waiting in poll
 * elsewhere would sit until its deadline.  So the main thread passes
 * Ctrl-C on to every worker, and keeps doing so in case one was between
 * checking the flag and starting to wait.
 */
static void
run_kick(const pthread_t *threads, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		pthread_kill(threads[i], (int)iowait_interrupted);
}

static void
run_wait_tick(struct run_pool *p)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)RUN_TICK_US * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&p->cond, &p->lock, &ts);
}

/* Print each job as soon as it and all before it are done. */
static void
run_collect(struct run_pool *p, const pthread_t *threads, unsigned n)
{
	size_t printed = 0;

	pthread_mutex_lock(&p->lock);
	while (printed < p->njobs) {
		struct run_job *job = &p->jobs[printed];

		if (job->state == JOB_DONE ||
		    (job->state == JOB_WAITING && p->active == 0)) {
			pthread_mutex_unlock(&p->lock);
			run_print(job);
			pthread_mutex_lock(&p->lock);
			printed++;
			continue;
		}
		run_wait_tick(p);
		if (iowait_interrupted && p->active > 0) {
			pthread_mutex_unlock(&p->lock);
			run_kick(threads, n);
			pthread_mutex_lock(&p->lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
}

static void
run_parallel(struct run_pool *p, unsigned nworkers)
{
	pthread_t *threads = calloc(nworkers, sizeof(*threads));
	unsigned started = 0;

	for (size_t i = 0; i < p->njobs; i++) {
		struct run_job *job = &p->jobs[i];

		job->out = open_memstream(&job->buf, &job->len);
	}
	p->active = nworkers;
	for (; threads != NULL && started < nworkers; started++)
		if (pthread_create(&threads[started], NULL, run_worker, p) != 0)
			break;
	pthread_mutex_lock(&p->lock);
	p->active -= nworkers - started;
	pthread_mutex_unlock(&p->lock);
	/* no thread at all: this one does the work, then prints it all */
	if (started == 0) {
		p->active = 1;
		run_worker(p);
	}
	run_collect(p, threads, started);
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
}

static void
run_inline(struct run_pool *p)
{
	for (size_t i = 0; i < p->njobs && !iowait_interrupted; i++) {
		p->jobs[i].out = stdout;
		run_series(p->s, &p->jobs[i]);
	}
}

/* The worst status of the targets, and what the formats make of it. */
static int
run_finish(const struct run_pool *p)
{
	struct format_target *ft = calloc(p->njobs + 1, sizeof(*ft));
	size_t n = 0;
	int status = 0;

	for (size_t i = 0; i < p->njobs; i++) {
		const struct run_job *job = &p->jobs[i];

		status = stats_worse_status(status, job->status);
		if (!job->started || ft == NULL)
			continue;
		ft[n].target = job->target->arg;
		ft[n].stats = &job->stats;
		if (p->s->oc->report != NULL) {
			ft[n].html = &job->html;
			ft[n].where.arg = job->target->arg;
			ft[n].where.host = job->target->t.host;
			ft[n].where.port = p->s->o->connect_port != 0 ?
			    p->s->o->connect_port : job->target->t.port;
			ft[n].where.via = p->s->o->connect_to;
		}
		n++;
	}
	if (iowait_interrupted)
		status = 128 + iowait_interrupted;
	if (ft == NULL)
		return EXIT_INTERNAL;
	status = output_finish(p->s->oc, stdout, ft, n, status,
	    iowait_interrupted != 0);
	free(ft);
	return status;
}

int
run_all(const struct run_shared *s, const struct run_list *l)
{
	struct run_pool p = { .s = s, .njobs = l->n };
	unsigned nworkers = s->o->parallel;
	int status;

	if (nworkers > l->n)
		nworkers = (unsigned)l->n;
	p.jobs = calloc(l->n, sizeof(*p.jobs));
	if (p.jobs == NULL)
		return EXIT_INTERNAL;
	for (size_t i = 0; i < l->n; i++) {
		p.jobs[i].target = &l->v[i];
		p.jobs[i].index = i;
		/* the page's samples stay within a few megabytes however
		 * many targets there are */
		html_target_init(&p.jobs[i].html, RUN_HTML_SAMPLES / l->n);
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	if (nworkers <= 1)
		run_inline(&p);
	else
		run_parallel(&p, nworkers);
	status = run_finish(&p);
	pthread_cond_destroy(&p.cond);
	pthread_mutex_destroy(&p.lock);
	for (size_t i = 0; i < l->n; i++)
		html_target_free(&p.jobs[i].html);
	free(p.jobs);
	return status;
}
