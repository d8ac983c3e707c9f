/*
 * json_reader.h: a small strict JSON parser for the tests (RFC 8259, and
 * the raw text must be valid UTF-8), and Check assertions on what it
 * read, addressed by paths such as "steps/3/status".
 */
#ifndef JSON_READER_H
#define JSON_READER_H

#include <stdbool.h>
#include <stddef.h>

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jt t;
	bool b;
	double num;
	char *str;			/* J_STR, decoded UTF-8 */
	size_t n;			/* J_ARR, J_OBJ */
	struct jv *items;
	char **keys;			/* J_OBJ */
};

/* Parse exactly one JSON text of len bytes; fail the test otherwise. */
void jr_parse(const char *text, size_t len, struct jv *v);
void jr_free(struct jv *v);
/* Object keys and array indexes separated by '/'; NULL if absent. */
const struct jv *jr_get(const struct jv *v, const char *path);
void jr_expect_str(const struct jv *root, const char *path, const char *want);
void jr_expect_num(const struct jv *root, const char *path, double want);
void jr_expect_type(const struct jv *root, const char *path, enum jt t);
void jr_expect_bool(const struct jv *root, const char *path, bool want);

#endif
