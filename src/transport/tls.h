/*
 * tls.h: the GnuTLS implementation of struct tls_ops.
 *
 * Credentials are loaded once, before the probe starts, so that a bad
 * local file is reported as such (exit 66) and not as a failed step.
 * The one exception is the system trust store (no --cafile/--capath):
 * it is parsed in the background once TLS starts, and an empty or
 * unreadable store fails step 4 instead.
 */
#ifndef TLS_H
#define TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe_io.h"

struct tls_config {
	const char *cafile;		/* NULL and capath NULL: system store */
	const char *capath;
	const char *crlfile;		/* revocation lists (PEM), or NULL */
	const char *cert;		/* file or pkcs11: URL, NULL: none */
	const char *key;
	const char *key_password;	/* NUL-terminated secret, or NULL */
	int tls_version;		/* 0, 12 or 13 */
	const char *priority;		/* NULL: the built-in default */
	bool insecure;			/* still verify, never abort on it */
	const char *keylog;		/* key log file, created 0600 and
					   checked here; NULL: none */
	const char *keylog_name;	/* "--keylog" or "SSLKEYLOGFILE" */
	/* TLS-PSK (tls_psk.c): with an identity, the pre-shared key is
	 * offered alone and the certificate settings above are unused */
	const char *psk_identity;	/* NULL: certificates */
	const uint8_t *psk_key;		/* raw bytes, copied by GnuTLS: the
					   caller wipes its buffer */
	size_t psk_key_len;
	const char *psk_key_from;	/* "--psk-file FILE", for messages */
};

struct tls_creds;

/*
 * Load trust anchors and the client certificate.  Returns NULL with a
 * message naming the file or option in err and *status set to
 * EXIT_NOINPUT (file) or EXIT_USAGE (priority string).
 */
struct tls_creds *tls_creds_load(const struct tls_config *cfg, char *err,
    size_t errlen, int *status);
void tls_creds_free(struct tls_creds *c);

/*
 * What checking the local files found (--cafile/--capath without a CA,
 * our own --cert expired, not yet valid or not for clients): findings
 * for step 0, which every probe's report carries.  Never an error: the
 * probe still connects, so the broker's answer is shown too.
 */
size_t tls_creds_findings(const struct tls_creds *c,
    const struct report_finding **v);

/* The session operations over these credentials. */
struct tls_ops tls_gnutls_ops(struct tls_creds *c);

/* The default priority string, for --help and the man page. */
extern const char tls_default_priority[];

#endif
