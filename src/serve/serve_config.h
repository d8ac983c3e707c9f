/*
 * serve_config.h: the exporter's module file, parsed without I/O.
 *
 *   # comment
 *   [NAME]                    a module; NAME is [A-Za-z0-9_.-], 1-64
 *   cafile = /etc/ssl/ca.pem  an option by its long command-line name
 *   mqtt-version = 5
 *   insecure                  a flag (also "insecure = true"/"false")
 *
 * A module's options are checked by the command line's own parser
 * (options_parse), so a module means exactly what the same options
 * mean on the command line.  Only the options that say how to probe
 * are allowed; a password comes from password-file, never the file.
 * Everything is bounded: the file, lines, modules and options.
 */
#ifndef SERVE_CONFIG_H
#define SERVE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

#define SERVE_CONFIG_BYTES_MAX (256 * 1024)
#define SERVE_CONFIG_LINE_MAX 4096
#define SERVE_MODULES_MAX 64
#define SERVE_MODULE_NAME_MAX 64
#define SERVE_MODULE_OPTIONS_MAX 32

struct serve_entry {
	char *key;
	char *value;			/* NULL: a bare flag */
	unsigned line;
};

struct serve_module_text {
	char name[SERVE_MODULE_NAME_MAX + 1];
	unsigned line;
	struct serve_entry e[SERVE_MODULE_OPTIONS_MAX];
	size_t n;
};

struct serve_config_text {
	struct serve_module_text *m;
	size_t n;
};

/*
 * Parse len bytes of text (NUL bytes refused).  Returns 0, or -1 with
 * "FILE:LINE: what is wrong" in err; c is then empty.
 */
int serve_config_parse(const char *text, size_t len, const char *file,
    struct serve_config_text *c, char *err, size_t errlen);
void serve_config_text_free(struct serve_config_text *c);

/*
 * A module's options, as options_parse filled them.  The struct holds
 * pointers into itself and into argv: allocate it, never copy it.
 */
struct serve_module_opts {
	struct options o;
	int argc;
	char **argv;
};

/* Returns 0, or -1 with "FILE:LINE: ..." naming the option in err. */
int serve_config_options(const struct serve_module_text *m, const char *file,
    struct serve_module_opts *mo, char *err, size_t errlen);
void serve_module_opts_free(struct serve_module_opts *mo);

/* The keys a module may hold, NULL-terminated (for docs and tests). */
const char *const *serve_config_keys(void);

#endif
