/*
 * json_reader.c: the tests' strict JSON parser (see json_reader.h).
 * Strings are decoded (escapes and surrogate pairs) so that a test
 * compares the text a consumer of the JSON would see.
 */
#define _GNU_SOURCE	/* strndup */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_reader.h"
#include "render_formats.h"

struct jp {
	const char *p;
	const char *err;
};

static bool jp_value(struct jp *j, struct jv *v, int depth);

static void
jp_ws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static bool
jp_fail(struct jp *j, const char *why)
{
	if (j->err == NULL)
		j->err = why;
	return false;
}

void
jr_free(struct jv *v)
{
	free(v->str);
	for (size_t i = 0; i < v->n; i++) {
		jr_free(&v->items[i]);
		if (v->keys != NULL)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	memset(v, 0, sizeof(*v));
}

static void
jp_put_utf8(char **buf, size_t *len, unsigned cp)
{
	char tmp[4];
	size_t n;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char)(0xf0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	*buf = realloc(*buf, *len + n + 1);
	memcpy(*buf + *len, tmp, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static bool
jp_hex4(struct jp *j, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++) {
		char c = *j->p++;

		*out <<= 4;
		if (c >= '0' && c <= '9')
			*out |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*out |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*out |= (unsigned)(c - 'A' + 10);
		else
			return jp_fail(j, "bad \\u escape");
	}
	return true;
}

static bool
jp_escape(struct jp *j, char **buf, size_t *len)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;
	unsigned cp, lo;

	if (*j->p != 'u') {
		if (*j->p == '\0' || (k = strchr(from, *j->p)) == NULL)
			return jp_fail(j, "bad escape");
		j->p++;
		jp_put_utf8(buf, len, (unsigned char)to[k - from]);
		return true;
	}
	j->p++;
	if (!jp_hex4(j, &cp))
		return false;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (j->p[0] != '\\' || j->p[1] != 'u')
			return jp_fail(j, "lone high surrogate");
		j->p += 2;
		if (!jp_hex4(j, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return jp_fail(j, "bad low surrogate");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xdc00 && cp <= 0xdfff)
		return jp_fail(j, "lone low surrogate");
	jp_put_utf8(buf, len, cp);
	return true;
}

static bool
jp_string(struct jp *j, char **out)
{
	char *buf = calloc(1, 1);
	size_t len = 0;

	if (*j->p++ != '"')
		return jp_fail(j, "string expected");
	while (*j->p != '"') {
		const unsigned char *u = (const unsigned char *)j->p;
		size_t n;

		if (*u == '\0' || *u < 0x20) {
			free(buf);
			return jp_fail(j, "raw control byte or end in string");
		}
		if (*u == '\\') {
			j->p++;
			if (!jp_escape(j, &buf, &len)) {
				free(buf);
				return false;
			}
			continue;
		}
		/* the raw text must be valid UTF-8 too */
		n = json_utf8_len(u);
		if (n == 0) {
			free(buf);
			return jp_fail(j, "invalid UTF-8 in string");
		}
		buf = realloc(buf, len + n + 1);
		memcpy(buf + len, u, n);
		len += n;
		buf[len] = '\0';
		j->p += n;
	}
	j->p++;
	*out = buf;
	return true;
}

static bool
jp_digits(struct jp *j)
{
	if (*j->p < '0' || *j->p > '9')
		return false;
	while (*j->p >= '0' && *j->p <= '9')
		j->p++;
	return true;
}

static bool
jp_number(struct jp *j, struct jv *v)
{
	const char *start = j->p;

	if (*j->p == '-')
		j->p++;
	if (*j->p == '0')
		j->p++;
	else if (!jp_digits(j))
		return jp_fail(j, "bad number");
	if (*j->p == '.') {
		j->p++;
		if (!jp_digits(j))
			return jp_fail(j, "bad fraction");
	}
	if (*j->p == 'e' || *j->p == 'E') {
		j->p++;
		if (*j->p == '+' || *j->p == '-')
			j->p++;
		if (!jp_digits(j))
			return jp_fail(j, "bad exponent");
	}
	v->t = J_NUM;
	v->num = strtod(start, NULL);
	return true;
}

static bool
jp_container(struct jp *j, struct jv *v, int depth, bool obj)
{
	char close = obj ? '}' : ']';

	v->t = obj ? J_OBJ : J_ARR;
	j->p++;
	jp_ws(j);
	if (*j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		v->items = realloc(v->items, (v->n + 1) * sizeof(*v->items));
		memset(&v->items[v->n], 0, sizeof(*v->items));
		if (obj) {
			v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
			v->keys[v->n] = NULL;
		}
		v->n++;
		jp_ws(j);
		if (obj) {
			if (!jp_string(j, &v->keys[v->n - 1]))
				return false;
			jp_ws(j);
			if (*j->p++ != ':')
				return jp_fail(j, "':' expected");
		}
		if (!jp_value(j, &v->items[v->n - 1], depth + 1))
			return false;
		jp_ws(j);
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p++ != close)
			return jp_fail(j, "',' or end of container expected");
		return true;
	}
}

static bool
jp_word(struct jp *j, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(j->p, w, n) != 0)
		return jp_fail(j, "unknown word");
	j->p += n;
	return true;
}

static bool
jp_value(struct jp *j, struct jv *v, int depth)
{
	if (depth > 32)
		return jp_fail(j, "too deep");
	jp_ws(j);
	switch (*j->p) {
	case '{':
		return jp_container(j, v, depth, true);
	case '[':
		return jp_container(j, v, depth, false);
	case '"':
		v->t = J_STR;
		return jp_string(j, &v->str);
	case 't':
		v->t = J_BOOL;
		v->b = true;
		return jp_word(j, "true");
	case 'f':
		v->t = J_BOOL;
		return jp_word(j, "false");
	case 'n':
		v->t = J_NULL;
		return jp_word(j, "null");
	default:
		return jp_number(j, v);
	}
}

/* Parse exactly one JSON text (one line); fail the test otherwise. */
void
jr_parse(const char *text, size_t len, struct jv *v)
{
	char *copy = strndup(text, len);
	struct jp j = { copy, NULL };
	bool ok;

	ck_assert_ptr_nonnull(copy);
	memset(v, 0, sizeof(*v));
	ok = jp_value(&j, v, 0);
	ck_assert_msg(ok, "invalid JSON (%s) at offset %zu in:\n%s", j.err,
	    (size_t)(j.p - copy), copy);
	jp_ws(&j);
	ck_assert_msg(*j.p == '\0', "trailing bytes after JSON at offset %zu",
	    (size_t)(j.p - copy));
	free(copy);
}

/* "steps/3/status": object keys and array indexes; NULL if absent. */
const struct jv *
jr_get(const struct jv *v, const char *path)
{
	char part[64];

	while (v != NULL && *path != '\0') {
		size_t n = strcspn(path, "/");
		const struct jv *next = NULL;

		snprintf(part, sizeof(part), "%.*s", (int)n, path);
		path += n + (path[n] == '/');
		if (v->t == J_ARR) {
			size_t i = strtoul(part, NULL, 10);

			next = i < v->n ? &v->items[i] : NULL;
		} else if (v->t == J_OBJ) {
			for (size_t i = 0; i < v->n; i++)
				if (strcmp(v->keys[i], part) == 0)
					next = &v->items[i];
		}
		v = next;
	}
	return v;
}

void
jr_expect_str(const struct jv *root, const char *path, const char *want)
{
	const struct jv *v = jr_get(root, path);

	ck_assert_msg(v != NULL && v->t == J_STR, "%s: not a string", path);
	ck_assert_msg(strcmp(v->str, want) == 0, "%s: '%s', expected '%s'",
	    path, v->str, want);
}

void
jr_expect_num(const struct jv *root, const char *path, double want)
{
	const struct jv *v = jr_get(root, path);

	ck_assert_msg(v != NULL && v->t == J_NUM, "%s: not a number", path);
	ck_assert_msg(fabs(v->num - want) < 1e-9, "%s: %g, expected %g", path,
	    v->num, want);
}

void
jr_expect_type(const struct jv *root, const char *path, enum jt t)
{
	const struct jv *v = jr_get(root, path);

	ck_assert_msg(v != NULL, "%s: missing", path);
	ck_assert_msg(v->t == t, "%s: type %d, expected %d", path, v->t, t);
}

void
jr_expect_bool(const struct jv *root, const char *path, bool want)
{
	const struct jv *v = jr_get(root, path);

	ck_assert_msg(v != NULL && v->t == J_BOOL, "%s: not a boolean", path);
	ck_assert_msg(v->b == want, "%s: %d, expected %d", path, v->b, want);
}

