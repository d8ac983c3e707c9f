/*
 * serve_log.h: the exporter's log, one line per event on stderr.
 *
 * Lines are logfmt (key=value, values quoted when they need it) so
 * journald, grep and log shippers take them as they are.  Under systemd
 * (JOURNAL_STREAM set) each line starts with a <N> syslog priority,
 * which journald turns into the entry's priority; elsewhere with the
 * UTC time.  Nothing that is a secret is ever passed here.
 */
#ifndef SERVE_LOG_H
#define SERVE_LOG_H

#include <stddef.h>

/* syslog(3) priorities, as journald reads them from the <N> prefix. */
enum serve_log_level {
	SERVE_LOG_ERR = 3,
	SERVE_LOG_WARNING = 4,
	SERVE_LOG_INFO = 6,
};

/* A line being built; longer lines are cut, never split. */
#define SERVE_LOG_LINE_MAX 2048
struct serve_log_line {
	char buf[SERVE_LOG_LINE_MAX];
	size_t len;
};

void serve_log_begin(struct serve_log_line *l, enum serve_log_level level,
    const char *msg);
/* key=value, the value quoted and escaped when it holds blanks, quotes,
 * '=' or control bytes (shown as \xNN). */
void serve_log_str(struct serve_log_line *l, const char *key,
    const char *value);
void serve_log_num(struct serve_log_line *l, const char *key, double value);
/* Written with one write(2), so threads never interleave inside a line. */
void serve_log_end(struct serve_log_line *l);

/* A line with a message and nothing else. */
void serve_log(enum serve_log_level level, const char *msg);

#endif
