/*
 * http_head.h: parse the head of an HTTP/1.x response (status line and
 * header fields), as a WebSocket upgrade and an HTTP CONNECT proxy
 * answer with.  Pure: no I/O, the caller owns the buffer, and the
 * parsed fields point into it.
 */
#ifndef HTTP_HEAD_H
#define HTTP_HEAD_H

#include <stddef.h>
#include <stdint.h>

/* The most we read of a head, and the most fields we keep of it. */
#define HTTP_HEAD_MAX 16384
#define HTTP_HEAD_FIELDS 48

enum { HTTP_HEAD_OK = 0, HTTP_HEAD_MORE = 1, HTTP_HEAD_BAD = -1 };

struct http_field {
	const char *name, *value;	/* into the caller's buffer */
	size_t name_len, value_len;	/* value without surrounding blanks */
};

struct http_head {
	int minor;			/* HTTP/1.minor */
	int status;			/* 100..999 */
	const char *reason;		/* reason phrase, may be empty */
	size_t reason_len;
	size_t nfields;
	struct http_field fields[HTTP_HEAD_FIELDS];
	size_t head_len;		/* bytes up to and with the blank line */
};

/*
 * Parse buf[0..len).  HTTP_HEAD_OK: *h is filled and the head ends at
 * h->head_len.  HTTP_HEAD_MORE: the blank line has not arrived yet.
 * HTTP_HEAD_BAD: *why says what is wrong (a static string), e.g. the
 * peer is not speaking HTTP at all.  A head longer than HTTP_HEAD_MAX
 * is bad, whatever the buffer holds.
 */
int http_head_parse(const uint8_t *buf, size_t len, struct http_head *h,
    const char **why);

/* The first field named name (case-insensitive), or NULL. */
const struct http_field *http_head_field(const struct http_head *h,
    const char *name);

/* Does field f's comma-separated value hold token (case-insensitive)? */
int http_field_has_token(const struct http_field *f, const char *token);

#endif
