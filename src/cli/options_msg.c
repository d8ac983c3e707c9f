/*
 * options_msg.c: the shape of every message options_parse returns.
 *
 * Each one names the option at fault and echoes at most a cut, cleaned
 * copy of what was typed, so a stray escape sequence never reaches the
 * terminal.
 */
#include "options.h"
#include "options_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * Copy a user-supplied value for a message: cut long ones and replace
 * control characters, so a stray escape sequence is not echoed back to
 * the terminal.
 */
void
options_shown(const char *v, char *buf, size_t len)
{
	size_t i;

	for (i = 0; v[i] != '\0' && i + 1 < len; i++) {
		if (i == SHOWN_VALUE_MAX && i + 4 <= len) {
			memcpy(buf + i, "...", 4);
			return;
		}
		buf[i] = iscntrl((unsigned char)v[i]) ? '?' : v[i];
	}
	buf[i] = '\0';
}

int
options_fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg != NULL && msglen > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return EXIT_USAGE;
}

/* "--name: 'value' what", the shape of every bad-value message. */
int
options_bad_value(char *msg, size_t msglen, int val, const char *value,
    const char *what)
{
	char v[SHOWN_VALUE_MAX + 4];

	options_shown(value, v, sizeof(v));
	return options_fail(msg, msglen,
	    "--%s: '%s' %s", options_long_name(val), v, what);
}
