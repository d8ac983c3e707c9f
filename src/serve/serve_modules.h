/*
 * serve_modules.h: the probe modules the exporter offers, loaded from
 * the module file (or one built-in "default" module without one).
 *
 * Loading does everything that can fail on a local file -- parse the
 * text, check each module's options, read its password and key
 * passphrase files, load its TLS credentials -- so a set either loads
 * whole or not at all, and a reload with a bad file keeps the old set.
 * Probes hold a reference to the set they started with; a reload swaps
 * the current set and the old one is freed by the last probe using it.
 */
#ifndef SERVE_MODULES_H
#define SERVE_MODULES_H

#include <stddef.h>
#include <stdint.h>

#include "serve_config.h"
#include "tls.h"

#define SERVE_DEFAULT_MODULE "default"

struct serve_module {
	char name[SERVE_MODULE_NAME_MAX + 1];
	struct serve_module_opts mo;	/* mo.o: the module's options */
	struct tls_creds *creds;
	uint8_t *password;		/* NULL: none; wiped when freed */
	size_t password_len;
};

struct serve_modset {
	unsigned refs;			/* guarded by the holder's lock */
	size_t n;
	struct serve_module **m;
};

/*
 * Load file (NULL: the built-in default module).  Returns a set with
 * one reference, or NULL with a message naming the file, line and
 * module in err.  Warnings (a secret file others can read) are logged.
 */
struct serve_modset *serve_modset_load(const char *file, char *err,
    size_t errlen);
/* Free a set no one refers to any more. */
void serve_modset_free(struct serve_modset *s);
const struct serve_module *serve_modset_find(const struct serve_modset *s,
    const char *name);

#endif
