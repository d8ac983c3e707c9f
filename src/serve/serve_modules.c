/*
 * serve_modules.c: load a module file into a set of ready modules
 * (see serve_modules.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve_log.h"
#include "secret.h"
#include "serve_modules.h"

/*
 * Read a whole small file with read(2), at most max bytes (plus a NUL):
 * the module file, which holds no secret.
 */
static char *
serve_read_file(const char *path, size_t max, size_t *len, char *err,
    size_t errlen, const char *what)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t n = 0;

	if (fd < 0) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", what, path);
		close(fd);
		return NULL;
	}
	buf = malloc(max + 2);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (n += (size_t)r) > max) {
			if (r < 0)
				snprintf(err, errlen, "%s %s: %s", what, path,
				    strerror(errno));
			else if (r > 0)
				snprintf(err, errlen, "%s %s: larger than %zu "
				    "bytes", what, path, max);
			if (r != 0) {
				free(buf);
				close(fd);
				return NULL;
			}
			break;
		}
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * The first line of a secret file, through the command line's own
 * reader (read(2) into the buffer, the rest wiped); warns in the log
 * when others may read the file.
 */
static char *
serve_read_secret(const char *module, const char *opt, const char *path,
    size_t *len, char *err, size_t errlen)
{
	char what[128];
	unsigned mode = 0;
	char *s = malloc(SECRET_MAX + 1);
	long n;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(what, sizeof(what), "[%s] %s", module, opt);
	n = secret_read_file(what, path, s, SECRET_MAX + 1, &mode, err, errlen);
	if (n < 0) {
		free(s);
		return NULL;
	}
	if (mode != 0) {
		struct serve_log_line l;

		serve_log_begin(&l, SERVE_LOG_WARNING, "a secret file is "
		    "readable by other users; chmod 600 it");
		serve_log_str(&l, "module", module);
		serve_log_str(&l, "option", opt);
		serve_log_str(&l, "file", path);
		serve_log_end(&l);
	}
	*len = (size_t)n;
	return s;
}

static void
serve_module_free(struct serve_module *m)
{
	if (m == NULL)
		return;
	if (m->creds != NULL)
		tls_creds_free(m->creds);
	if (m->password != NULL) {
		explicit_bzero(m->password, SECRET_MAX + 1);
		free(m->password);
	}
	serve_module_opts_free(&m->mo);
	free(m);
}

static int
serve_module_creds(struct serve_module *m, char *err, size_t errlen)
{
	const struct options *o = &m->mo.o;
	struct tls_config tc = { 0 };
	char *keypass = NULL;
	size_t kplen = 0;
	char msg[768];
	int status = 0;

	if (o->key_password_file != NULL) {
		keypass = serve_read_secret(m->name, "key-password-file",
		    o->key_password_file, &kplen, err, errlen);
		if (keypass == NULL)
			return -1;
	}
	tc.cafile = o->cafile;
	tc.capath = o->capath;
	tc.crlfile = o->crlfile;
	tc.cert = o->cert;
	tc.key = o->key;
	tc.key_password = keypass;
	tc.tls_version = (int)o->tls_version;
	tc.priority = o->priority;
	tc.insecure = o->insecure;
	m->creds = tls_creds_load(&tc, msg, sizeof(msg), &status);
	if (keypass != NULL) {
		explicit_bzero(keypass, SECRET_MAX + 1);
		free(keypass);
	}
	if (m->creds == NULL) {
		snprintf(err, errlen, "[%s] %s", m->name, msg);
		return -1;
	}
	return 0;
}

static struct serve_module *
serve_module_load(const struct serve_module_text *t, const char *file,
    char *err, size_t errlen)
{
	struct serve_module *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(m->name, sizeof(m->name), "%s", t->name);
	if (serve_config_options(t, file, &m->mo, err, errlen) != 0) {
		free(m);
		return NULL;
	}
	if (m->mo.o.password_file != NULL) {
		m->password = (uint8_t *)serve_read_secret(m->name,
		    "password-file", m->mo.o.password_file, &m->password_len,
		    err, errlen);
		if (m->password == NULL) {
			serve_module_free(m);
			return NULL;
		}
	}
	if (serve_module_creds(m, err, errlen) != 0) {
		serve_module_free(m);
		return NULL;
	}
	return m;
}

void
serve_modset_free(struct serve_modset *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		serve_module_free(s->m[i]);
	free(s->m);
	free(s);
}

/* Without a file: one module with every option at its default. */
static int
serve_modset_default(struct serve_config_text *c)
{
	c->m = calloc(1, sizeof(*c->m));
	if (c->m == NULL)
		return -1;
	snprintf(c->m[0].name, sizeof(c->m[0].name), "%s",
	    SERVE_DEFAULT_MODULE);
	c->n = 1;
	return 0;
}

struct serve_modset *
serve_modset_load(const char *file, char *err, size_t errlen)
{
	struct serve_config_text c = { 0 };
	struct serve_modset *s;
	size_t len = 0;

	if (file != NULL) {
		char *text = serve_read_file(file, SERVE_CONFIG_BYTES_MAX,
		    &len, err, errlen, "--config");
		int rc;

		if (text == NULL)
			return NULL;
		rc = serve_config_parse(text, len, file, &c, err, errlen);
		free(text);
		if (rc != 0)
			return NULL;
	} else if (serve_modset_default(&c) != 0) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s != NULL)
		s->m = calloc(c.n, sizeof(*s->m));
	if (s == NULL || s->m == NULL) {
		free(s);
		serve_config_text_free(&c);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->refs = 1;
	for (size_t i = 0; i < c.n; i++) {
		s->m[i] = serve_module_load(&c.m[i], file != NULL ? file :
		    "(built-in)", err, errlen);
		if (s->m[i] == NULL) {
			serve_modset_free(s);
			serve_config_text_free(&c);
			return NULL;
		}
		s->n++;
	}
	serve_config_text_free(&c);
	return s;
}

const struct serve_module *
serve_modset_find(const struct serve_modset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->m[i]->name, name) == 0)
			return s->m[i];
	return NULL;
}
