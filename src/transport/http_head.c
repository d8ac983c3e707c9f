/*
 * http_head.c: the head of an HTTP/1.x response, parsed in place.
 *
 * Only what a WebSocket upgrade and a CONNECT answer need: the status
 * line and the header fields.  Lines may end in CRLF or a bare LF (some
 * proxies), obsolete line folding is refused, and every length is
 * checked against the buffer before it is read.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "http_head.h"

/* The end of the line starting at p (at its '\n'), or NULL. */
static const uint8_t *
http_line_end(const uint8_t *p, const uint8_t *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

/* Length of the line p..nl without its CR. */
static size_t
http_line_len(const uint8_t *p, const uint8_t *nl)
{
	size_t n = (size_t)(nl - p);

	return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

static int
http_status_line(const uint8_t *p, size_t n, struct http_head *h,
    const char **why)
{
	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0) {
		*why = "the answer is not HTTP (no 'HTTP/1.x' status line)";
		return HTTP_HEAD_BAD;
	}
	if (!isdigit(p[7]) || p[8] != ' ' || !isdigit(p[9]) ||
	    !isdigit(p[10]) || !isdigit(p[11]) || (n > 12 && p[12] != ' ')) {
		*why = "malformed HTTP status line";
		return HTTP_HEAD_BAD;
	}
	h->minor = p[7] - '0';
	h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (h->status < 100) {
		*why = "HTTP status code below 100";
		return HTTP_HEAD_BAD;
	}
	h->reason = (const char *)p + (n > 12 ? 13 : 12);
	h->reason_len = n > 12 ? n - 13 : 0;
	for (size_t i = 0; i < h->reason_len; i++)
		if (h->reason[i] < ' ' && h->reason[i] != '\t') {
			*why = "control character in the HTTP reason phrase";
			return HTTP_HEAD_BAD;
		}
	return HTTP_HEAD_OK;
}

static int
http_field_line(const uint8_t *p, size_t n, struct http_head *h,
    const char **why)
{
	const uint8_t *colon = memchr(p, ':', n);
	struct http_field *f;
	size_t vs, ve;

	if (p[0] == ' ' || p[0] == '\t') {
		*why = "folded HTTP header line (obsolete, refused)";
		return HTTP_HEAD_BAD;
	}
	if (colon == NULL || colon == p) {
		*why = "HTTP header line without a name and ':'";
		return HTTP_HEAD_BAD;
	}
	for (const uint8_t *q = p; q < colon; q++)
		if (*q <= ' ' || *q >= 0x7f) {
			*why = "bad character in an HTTP header name";
			return HTTP_HEAD_BAD;
		}
	vs = (size_t)(colon - p) + 1;
	ve = n;
	while (vs < ve && (p[vs] == ' ' || p[vs] == '\t'))
		vs++;
	while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
		ve--;
	for (size_t i = vs; i < ve; i++)
		if (p[i] < ' ' && p[i] != '\t') {
			*why = "control character in an HTTP header value";
			return HTTP_HEAD_BAD;
		}
	/* fields past the table are parsed for validity, then dropped */
	if (h->nfields >= HTTP_HEAD_FIELDS)
		return HTTP_HEAD_OK;
	f = &h->fields[h->nfields++];
	f->name = (const char *)p;
	f->name_len = (size_t)(colon - p);
	f->value = (const char *)p + vs;
	f->value_len = ve - vs;
	return HTTP_HEAD_OK;
}

int
http_head_parse(const uint8_t *buf, size_t len, struct http_head *h,
    const char **why)
{
	const uint8_t *p = buf, *end = buf + len, *nl;
	int rc;

	memset(h, 0, sizeof(*h));
	*why = NULL;
	/* a non-HTTP peer shows in its first bytes: say so at once */
	if (len > 0 && memcmp(buf, "HTTP/1.", len < 7 ? len : 7) != 0) {
		*why = "the answer is not HTTP (no 'HTTP/1.x' status line)";
		return HTTP_HEAD_BAD;
	}
	if (len > HTTP_HEAD_MAX)
		end = buf + HTTP_HEAD_MAX;
	nl = http_line_end(p, end);
	if (nl == NULL)
		goto more;
	rc = http_status_line(p, http_line_len(p, nl), h, why);
	if (rc != HTTP_HEAD_OK)
		return rc;
	p = nl + 1;
	for (;;) {
		size_t n;

		nl = http_line_end(p, end);
		if (nl == NULL)
			goto more;
		n = http_line_len(p, nl);
		if (n == 0) {
			h->head_len = (size_t)(nl + 1 - buf);
			return HTTP_HEAD_OK;
		}
		rc = http_field_line(p, n, h, why);
		if (rc != HTTP_HEAD_OK)
			return rc;
		p = nl + 1;
	}
more:
	if (len >= HTTP_HEAD_MAX) {
		*why = "HTTP response head longer than 16 KiB";
		return HTTP_HEAD_BAD;
	}
	return HTTP_HEAD_MORE;
}

const struct http_field *
http_head_field(const struct http_head *h, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < h->nfields; i++)
		if (h->fields[i].name_len == n &&
		    strncasecmp(h->fields[i].name, name, n) == 0)
			return &h->fields[i];
	return NULL;
}

int
http_field_has_token(const struct http_field *f, const char *token)
{
	size_t tl = strlen(token), i = 0;

	while (f != NULL && i < f->value_len) {
		size_t s, e;

		while (i < f->value_len && (f->value[i] == ' ' ||
		    f->value[i] == '\t' || f->value[i] == ','))
			i++;
		s = i;
		while (i < f->value_len && f->value[i] != ',')
			i++;
		e = i;
		while (e > s && (f->value[e - 1] == ' ' ||
		    f->value[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(f->value + s, token, tl) == 0)
			return 1;
	}
	return 0;
}
