/*
 * html_util.c: escaping and the small formatters the report's pieces
 * share.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "html_parts.h"
#include "render_formats.h"

/* The code point of a valid UTF-8 sequence of n bytes at p. */
static unsigned long
html_code_point(const unsigned char *p, size_t n)
{
	unsigned long cp;

	if (n == 1)
		return p[0];
	cp = p[0] & (0xffu >> (n + 1));
	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (p[i] & 0x3fu);
	return cp;
}

/*
 * Characters that are valid but must not act: C1 controls (some
 * terminals and viewers obey them), the bidirectional marks, embeddings,
 * overrides and isolates (they reorder what is shown, so a hostile name
 * could read as another), and the line and paragraph separators.
 */
static bool
html_invisible(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x2028 || cp == 0x2029 || cp == 0x061c || cp == 0xfeff;
}

void
html_textn(FILE *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + n;

	while (p < end && *p != '\0') {
		size_t len = json_utf8_len(p);

		if (len == 0 || p + len > end) {
			fputs("&#xfffd;", out);
			p++;
			continue;
		}
		if (len > 1) {
			unsigned long cp = html_code_point(p, len);

			if (html_invisible(cp))
				fprintf(out, "\\u%04lx", cp);
			else
				fwrite(p, 1, len, out);
			p += len;
			continue;
		}
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\x%02x", *p);
			else
				fputc(*p, out);
		}
		p++;
	}
}

void
html_text(FILE *out, const char *s)
{
	html_textn(out, s, strlen(s));
}

void
html_ms(FILE *out, uint64_t us)
{
	if (us >= 10000000u)
		fprintf(out, "%.1f s", (double)us / 1e6);
	else
		fprintf(out, "%.2f ms", (double)us / 1000.0);
}

void
html_num(FILE *out, double v)
{
	char buf[32];
	size_t n;

	snprintf(buf, sizeof(buf), "%.3f", v);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	fputs(buf, out);
}

bool
html_is_message(const struct report_event *e)
{
	return (e->kind == EVK_TLS_MSG || e->kind == EVK_MQTT) &&
	    e->dir != DIR_NONE;
}

bool
html_is_alert(const struct report_event *e)
{
	return (e->kind == EVK_TLS_RECORD || e->kind == EVK_TLS_MSG) &&
	    strstr(e->text, "alert") != NULL;
}

const char *
html_msg_name(const struct report_event *e, char *buf, size_t len)
{
	const char *t = e->text;
	size_t o = 0;
	bool upper = true;

	if (len == 0)
		return "";
	if (strncmp(t, "-> ", 3) == 0 || strncmp(t, "<- ", 3) == 0)
		t += 3;
	if (e->kind == EVK_TLS_RECORD && strncmp(t, "TLS record ", 11) == 0)
		t += 11;
	if (e->kind == EVK_MQTT) {
		/* the packet's name is its first word */
		size_t n = strcspn(t, " ");

		snprintf(buf, len, "%.*s", (int)(n < 40 ? n : 40), t);
		return buf;
	}
	if (e->kind == EVK_TLS_RECORD) {
		/* "handshake (22), 364 bytes": the size has its own place */
		const char *comma = strstr(t, "), ");
		size_t n = comma != NULL ? (size_t)(comma - t) + 1 : strlen(t);

		snprintf(buf, len, "%.*s", (int)(n < 80 ? n : 80), t);
		return buf;
	}
	if (e->kind != EVK_TLS_MSG) {
		snprintf(buf, len, "%s", t);
		return buf;
	}
	/* GnuTLS says "CERTIFICATE VERIFY"; the RFCs CertificateVerify */
	for (; *t != '\0' && *t != '(' && o + 1 < len; t++) {
		if (*t == ' ' || *t == '_') {
			upper = true;
			continue;
		}
		buf[o++] = (char)(upper ? toupper((unsigned char)*t) :
		    tolower((unsigned char)*t));
		upper = false;
	}
	buf[o] = '\0';
	return buf;
}

uint64_t
html_span_us(const struct report *r)
{
	uint64_t end = r->end_us;

	for (int s = 1; s <= REPORT_STEPS; s++)
		if ((r->steps[s].status == STEP_OK ||
		    r->steps[s].status == STEP_FAILED) &&
		    r->steps[s].end_us > end)
			end = r->steps[s].end_us;
	for (size_t i = 0; i < r->nevents; i++)
		if (r->events[i].at_us > end)
			end = r->events[i].at_us;
	return end > 0 ? end : 1;
}
