/*
 * serve_recent.c: the ring of recent probes and the / page (see
 * serve_recent.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_recent.h"

void
serve_recent_init(struct serve_recent *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->next_id = 1;
}

void
serve_recent_destroy(struct serve_recent *r)
{
	for (size_t i = 0; i < SERVE_RECENT_MAX; i++)
		free(r->e[i].text);
	pthread_mutex_destroy(&r->lock);
}

uint64_t
serve_recent_add(struct serve_recent *r, const char *module,
    const char *target, bool success, int status, double seconds,
    const char *text, size_t len)
{
	static const char cut[] = "\n[cut: the walk was longer than the "
	    "exporter keeps]\n";
	struct serve_recent_entry *e;
	size_t keep = len > SERVE_RECENT_TEXT_MAX ? SERVE_RECENT_TEXT_MAX : len;
	char *copy = malloc(keep + sizeof(cut));
	uint64_t id;

	if (copy != NULL) {
		memcpy(copy, text, keep);
		if (keep < len) {
			memcpy(copy + keep, cut, sizeof(cut) - 1);
			keep += sizeof(cut) - 1;
		}
		copy[keep] = '\0';
	}
	pthread_mutex_lock(&r->lock);
	id = r->next_id++;
	e = &r->e[id % SERVE_RECENT_MAX];
	free(e->text);
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->when = (int64_t)time(NULL);
	snprintf(e->module, sizeof(e->module), "%s", module);
	snprintf(e->target, sizeof(e->target), "%s", target);
	e->success = success;
	e->status = status;
	e->seconds = seconds;
	e->text = copy;
	e->len = copy != NULL ? keep : 0;
	pthread_mutex_unlock(&r->lock);
	return id;
}

char *
serve_recent_text(struct serve_recent *r, uint64_t id, size_t *len)
{
	struct serve_recent_entry *e;
	char *copy = NULL;

	pthread_mutex_lock(&r->lock);
	e = &r->e[id % SERVE_RECENT_MAX];
	if (id != 0 && e->id == id && e->text != NULL) {
		copy = malloc(e->len + 1);
		if (copy != NULL) {
			memcpy(copy, e->text, e->len + 1);
			*len = e->len;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return copy;
}

/* Text for HTML: a target is a client's word and may hold markup. */
static void
serve_recent_html(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	    p++) {
		switch (*p) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if (*p < ' ' || *p == 0x7f)
				fputs("\xef\xbf\xbd", out);
			else
				fputc(*p, out);
		}
	}
}

void
serve_recent_page(struct serve_recent *r, FILE *out)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>mqtts-probe exporter</title></head><body>\n"
	    "<h1>mqtts-probe exporter</h1>\n<p>Probes MQTT brokers over TLS "
	    "for Prometheus: <a href=\"/probe?target=localhost:8883&amp;"
	    "module=default\">/probe?target=HOST:PORT&amp;module=NAME</a> "
	    "(add <code>&amp;debug=true</code> for the step-by-step walk), "
	    "<a href=\"/metrics\">/metrics</a> for the exporter's own "
	    "metrics.</p>\n<h2>Recent probes</h2>\n<table border=\"1\">\n"
	    "<tr><th>Ended (UTC)</th><th>Module</th><th>Target</th>"
	    "<th>Result</th><th>Seconds</th><th>Walk</th></tr>\n", out);
	pthread_mutex_lock(&r->lock);
	for (uint64_t id = r->next_id - 1; id > 0 &&
	    id + SERVE_RECENT_MAX >= r->next_id; id--) {
		const struct serve_recent_entry *e = &r->e[id % SERVE_RECENT_MAX];
		char when[32];
		struct tm tm;
		time_t t;

		if (e->id != id)
			continue;
		t = (time_t)e->when;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(out, "<tr><td>%s</td><td>", when);
		serve_recent_html(out, e->module);
		fputs("</td><td>", out);
		serve_recent_html(out, e->target);
		if (e->success)
			fputs("</td><td>success", out);
		else
			fprintf(out, "</td><td>failed, exit status %d",
			    e->status);
		fprintf(out, "</td><td>%.3f</td><td><a href=\"/debug?id=%llu\">"
		    "walk</a></td></tr>\n", e->seconds,
		    (unsigned long long)e->id);
	}
	pthread_mutex_unlock(&r->lock);
	fputs("</table>\n</body></html>\n", out);
}
