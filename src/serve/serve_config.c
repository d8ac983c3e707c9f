/*
 * serve_config.c: parse the module file (format in serve_config.h).
 *
 * Pure: no file access, no output.  The text is walked line by line
 * with an explicit cursor; every copy is bounded by the limits in the
 * header, and a module's options go through options_parse so that the
 * file and the command line can never disagree on what a value means.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_config.h"

/* What a module may set: how to reach and judge a broker.  Output,
 * series, teaching and secret-bearing options make no sense per probe
 * (or would put a secret in the file, or write one to disk). */
static const char *const serve_config_allowed[] = {
	"alpn", "cafile", "capabilities", "capath", "cert", "client-id",
	"connect-to", "crlfile", "insecure", "keepalive", "key", "key-password-file",
	"mqtt-version", "password-file", "priority", "qos", "require",
	"sni-hostname", "steps", "timeout", "tls-version", "topic",
	"username", "verify-hostname",
	NULL,
};

const char *const *
serve_config_keys(void)
{
	return serve_config_allowed;
}

static bool
serve_config_is_allowed(const char *key)
{
	for (size_t i = 0; serve_config_allowed[i] != NULL; i++)
		if (strcmp(serve_config_allowed[i], key) == 0)
			return true;
	return false;
}

/* The getopt_long entry of key, or NULL. */
static const struct option *
serve_config_option(const char *key)
{
	for (const struct option *o = options_table(); o->name != NULL; o++)
		if (strcmp(o->name, key) == 0)
			return o;
	return NULL;
}

static void
serve_config_trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' ||
	    (*e)[-1] == '\r'))
		(*e)--;
}

static bool
serve_config_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > SERVE_MODULE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static char *
serve_config_dup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

void
serve_config_text_free(struct serve_config_text *c)
{
	for (size_t i = 0; i < c->n; i++)
		for (size_t j = 0; j < c->m[i].n; j++) {
			free(c->m[i].e[j].key);
			/* a value may be a password-file path: not secret,
			 * but nothing else is kept either */
			free(c->m[i].e[j].value);
		}
	free(c->m);
	c->m = NULL;
	c->n = 0;
}

/* "[NAME]": a new module. */
static int
serve_config_section(struct serve_config_text *c, const char *s,
    const char *e, unsigned line, char *why, size_t whylen)
{
	struct serve_module_text *m;

	if (e - s < 2 || e[-1] != ']') {
		snprintf(why, whylen, "a module header is [NAME]");
		return -1;
	}
	s++;
	e--;
	serve_config_trim(&s, &e);
	if (!serve_config_name_ok(s, (size_t)(e - s))) {
		snprintf(why, whylen, "a module name is 1 to %d of A-Z a-z "
		    "0-9 _ . -", SERVE_MODULE_NAME_MAX);
		return -1;
	}
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->m[i].name) == (size_t)(e - s) &&
		    memcmp(c->m[i].name, s, (size_t)(e - s)) == 0) {
			snprintf(why, whylen, "module [%s] again (first on "
			    "line %u)", c->m[i].name, c->m[i].line);
			return -1;
		}
	if (c->n >= SERVE_MODULES_MAX) {
		snprintf(why, whylen, "more than %d modules", SERVE_MODULES_MAX);
		return -1;
	}
	m = realloc(c->m, (c->n + 1) * sizeof(*m));
	if (m == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	c->m = m;
	m = &c->m[c->n++];
	memset(m, 0, sizeof(*m));
	memcpy(m->name, s, (size_t)(e - s));
	m->line = line;
	return 0;
}

/* "key = value" or "key": an option of the current module. */
static int
serve_config_entry(struct serve_config_text *c, const char *s,
    const char *e, unsigned line, char *why, size_t whylen)
{
	const char *eq = memchr(s, '=', (size_t)(e - s));
	const char *ke = eq != NULL ? eq : e, *vs = eq != NULL ? eq + 1 : e;
	struct serve_module_text *m;
	struct serve_entry *en;

	if (c->n == 0) {
		snprintf(why, whylen, "an option before the first [module]");
		return -1;
	}
	m = &c->m[c->n - 1];
	serve_config_trim(&s, &ke);
	serve_config_trim(&vs, &e);
	if (ke == s) {
		snprintf(why, whylen, "no option name before '='");
		return -1;
	}
	if (m->n >= SERVE_MODULE_OPTIONS_MAX) {
		snprintf(why, whylen, "more than %d options in [%s]",
		    SERVE_MODULE_OPTIONS_MAX, m->name);
		return -1;
	}
	en = &m->e[m->n];
	en->key = serve_config_dup(s, (size_t)(ke - s));
	en->value = eq != NULL ? serve_config_dup(vs, (size_t)(e - vs)) : NULL;
	en->line = line;
	if (en->key == NULL || (eq != NULL && en->value == NULL)) {
		free(en->key);
		free(en->value);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	m->n++;
	return 0;
}

int
serve_config_parse(const char *text, size_t len, const char *file,
    struct serve_config_text *c, char *err, size_t errlen)
{
	size_t pos = 0;
	unsigned line = 0;
	char why[256];

	memset(c, 0, sizeof(*c));
	if (len > SERVE_CONFIG_BYTES_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", file,
		    SERVE_CONFIG_BYTES_MAX);
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: holds a NUL byte: not a text file",
		    file);
		return -1;
	}
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		const char *e = nl != NULL ? nl : text + len;
		int rc = 0;

		line++;
		pos = (size_t)(e - text) + (nl != NULL ? 1 : 0);
		if (e - s > SERVE_CONFIG_LINE_MAX) {
			snprintf(err, errlen, "%s:%u: longer than %d bytes",
			    file, line, SERVE_CONFIG_LINE_MAX);
			serve_config_text_free(c);
			return -1;
		}
		serve_config_trim(&s, &e);
		/* whole-line comments only: '#' may be part of a value */
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[')
			rc = serve_config_section(c, s, e, line, why,
			    sizeof(why));
		else
			rc = serve_config_entry(c, s, e, line, why,
			    sizeof(why));
		if (rc != 0) {
			snprintf(err, errlen, "%s:%u: %s", file, line, why);
			serve_config_text_free(c);
			return -1;
		}
	}
	if (c->n == 0) {
		snprintf(err, errlen, "%s: no [module] in the file", file);
		return -1;
	}
	return 0;
}

void
serve_module_opts_free(struct serve_module_opts *mo)
{
	if (mo->argv != NULL)
		for (int i = 0; i < mo->argc; i++)
			free(mo->argv[i]);
	free(mo->argv);
	mo->argv = NULL;
	mo->argc = 0;
}

/* A flag's value: true, false, or neither (-1). */
static int
serve_config_bool(const char *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	if (v == NULL)
		return 1;
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0)
			return 1;
		if (strcmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* "--key=value" for entry en, or NULL (false flag); *bad set on error. */
static char *
serve_config_word(const struct serve_entry *en, char *why, size_t whylen,
    bool *bad)
{
	const struct option *opt = serve_config_option(en->key);
	size_t n;
	char *w;

	*bad = true;
	if (opt == NULL) {
		snprintf(why, whylen, "'%.64s' is not an option of "
		    "mqtts-probe", en->key);
		return NULL;
	}
	if (strcmp(en->key, "password") == 0) {
		snprintf(why, whylen, "a password is never written in the "
		    "module file: use password-file");
		return NULL;
	}
	if (!serve_config_is_allowed(en->key)) {
		snprintf(why, whylen, "--%s is not a probe setting and cannot "
		    "be in a module", en->key);
		return NULL;
	}
	if (opt->has_arg == no_argument) {
		int b = serve_config_bool(en->value);

		if (b < 0) {
			snprintf(why, whylen, "%s is a flag: give it alone, or "
			    "= true or = false", en->key);
			return NULL;
		}
		*bad = false;
		if (b == 0)
			return NULL;
		n = strlen(en->key) + 3;
		w = malloc(n);
		if (w != NULL)
			snprintf(w, n, "--%s", en->key);
		else
			*bad = true;
		return w;
	}
	if (en->value == NULL) {
		snprintf(why, whylen, "%s needs a value (%s = ...)", en->key,
		    en->key);
		return NULL;
	}
	n = strlen(en->key) + strlen(en->value) + 4;
	w = malloc(n);
	if (w == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	/* one word: getopt_long splits "--key=value" at the first '=' and
	 * never takes a value that starts with '-' for an option */
	snprintf(w, n, "--%s=%s", en->key, en->value);
	*bad = false;
	return w;
}

int
serve_config_options(const struct serve_module_text *m, const char *file,
    struct serve_module_opts *mo, char *err, size_t errlen)
{
	char why[256], msg[512];

	memset(mo, 0, sizeof(*mo));
	/* the program name, the words, --no-diagnose, a stand-in target,
	 * NULL */
	mo->argv = calloc(m->n + 4, sizeof(*mo->argv));
	if (mo->argv == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	mo->argv[mo->argc++] = strdup("mqtts-probe");
	for (size_t i = 0; i < m->n; i++) {
		bool bad;
		char *w = serve_config_word(&m->e[i], why, sizeof(why), &bad);

		if (bad) {
			snprintf(err, errlen, "%s:%u: [%s] %s", file,
			    m->e[i].line, m->name, why);
			serve_module_opts_free(mo);
			return -1;
		}
		if (w != NULL)
			mo->argv[mo->argc++] = w;
	}
	/* a scrape has its own time limit: no follow-up experiments after
	 * a failure, which would take another timeout's worth */
	mo->argv[mo->argc++] = strdup("--no-diagnose");
	/* the target comes with each request; the parser wants one */
	mo->argv[mo->argc++] = strdup("module.invalid");
	for (int i = 0; i < mo->argc; i++)
		if (mo->argv[i] == NULL) {
			snprintf(err, errlen, "out of memory");
			serve_module_opts_free(mo);
			return -1;
		}
	if (options_parse(mo->argc, mo->argv, &mo->o, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "%s:%u: [%s] %s", file, m->line, m->name,
		    msg);
		serve_module_opts_free(mo);
		return -1;
	}
	return 0;
}
