/*
 * fields.h: one table of the report's detail keys, for every renderer.
 *
 * A detail's text is its canonical value (a number stays a plain
 * number); the table gives each key a label for people and a type for
 * machines, so the text and JSON outputs cannot drift apart (the model
 * is curl's -w table, which drives both its text and JSON output).
 */
#ifndef FIELDS_H
#define FIELDS_H

#include <stdbool.h>

enum field_type {
	FIELD_TEXT,		/* a string */
	FIELD_INT,		/* a decimal integer */
	FIELD_CODE,		/* an integer shown as 0x%02x to people */
	FIELD_BOOL,		/* "yes" / "no" */
	FIELD_US,		/* microseconds, shown as milliseconds */
	FIELD_LIST,		/* comma-separated words */
	FIELD_DATE,		/* Unix time in seconds: a UTC date to
				 * people, RFC 3339 in JSON */
};

struct field {
	const char *key;
	const char *label;	/* for people, with the unit if any */
	enum field_type type;
	bool none_is_absent;	/* "none" / "none (why)" means no value */
};

/* The field for key; unknown keys get a TEXT field labelled by the key. */
const struct field *fields_find(const char *key);

/* Whether value stands for no value at all (see above). */
bool fields_absent(const struct field *f, const char *value);

/* Format a value for people ("0x87", "0.035 ms", "a, b"). */
void fields_format(const struct field *f, const char *value, char *buf,
    unsigned long len);

#endif
