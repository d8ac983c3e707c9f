/*
 * serve_log.c: logfmt lines on stderr, fit for journald (see
 * serve_log.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serve_log.h"

static void
serve_log_add(struct serve_log_line *l, const char *s, size_t n)
{
	/* keep room for the newline */
	size_t room = sizeof(l->buf) - 1 - l->len;

	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void
serve_log_addc(struct serve_log_line *l, char c)
{
	serve_log_add(l, &c, 1);
}

void
serve_log_begin(struct serve_log_line *l, enum serve_log_level level,
    const char *msg)
{
	char head[64];
	int n;

	l->len = 0;
	/* journald reads the priority from the prefix and keeps its own
	 * time; a terminal or a file gets the time instead */
	if (getenv("JOURNAL_STREAM") != NULL)
		n = snprintf(head, sizeof(head), "<%d>", (int)level);
	else {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		n = (int)strftime(head, sizeof(head), "ts=%Y-%m-%dT%H:%M:%SZ ",
		    &tm);
	}
	serve_log_add(l, head, (size_t)n);
	serve_log_add(l, "level=", 6);
	serve_log_add(l, level == SERVE_LOG_ERR ? "error" :
	    level == SERVE_LOG_WARNING ? "warning" : "info",
	    level == SERVE_LOG_ERR ? 5 : level == SERVE_LOG_WARNING ? 7 : 4);
	serve_log_str(l, "msg", msg);
}

static bool
serve_log_plain(const char *v)
{
	if (*v == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0';
	    p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    *p >= 0x7f)
			return false;
	return true;
}

void
serve_log_str(struct serve_log_line *l, const char *key, const char *value)
{
	const char *v = value != NULL ? value : "";

	serve_log_addc(l, ' ');
	serve_log_add(l, key, strlen(key));
	serve_log_addc(l, '=');
	if (serve_log_plain(v)) {
		serve_log_add(l, v, strlen(v));
		return;
	}
	serve_log_addc(l, '"');
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0';
	    p++) {
		char esc[8];

		if (*p == '"' || *p == '\\') {
			serve_log_addc(l, '\\');
			serve_log_addc(l, (char)*p);
		} else if (*p < ' ' || *p == 0x7f) {
			/* a peer's or a client's text never breaks the line */
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			serve_log_add(l, esc, 4);
		} else
			serve_log_addc(l, (char)*p);
	}
	serve_log_addc(l, '"');
}

void
serve_log_num(struct serve_log_line *l, const char *key, double value)
{
	char num[64];
	int n = snprintf(num, sizeof(num), "%.6g", value);

	serve_log_addc(l, ' ');
	serve_log_add(l, key, strlen(key));
	serve_log_addc(l, '=');
	serve_log_add(l, num, (size_t)n);
}

void
serve_log_end(struct serve_log_line *l)
{
	ssize_t rc;

	l->buf[l->len++] = '\n';
	/* a log that cannot be written is not worth stopping for */
	rc = write(STDERR_FILENO, l->buf, l->len);
	(void)rc;
}

void
serve_log(enum serve_log_level level, const char *msg)
{
	struct serve_log_line l;

	serve_log_begin(&l, level, msg);
	serve_log_end(&l);
}
