/*
 * tls_checks.h: what is wrong with a chain beyond "trusted or not".
 *
 * GnuTLS decides whether the chain is trusted; these checks name what
 * other clients would trip over, or what the broker's operator should
 * fix even when we got through: an incomplete or disordered chain, a
 * certificate named in its CN only, weak keys and signatures, the wrong
 * key usage, a long validity, an expiry close at hand.  They are pure
 * functions over certificates GnuTLS parsed (and, for the checks that
 * need it, a trust list), so unit tests feed them certificates made by
 * certtool, without a handshake.
 */
#ifndef TLS_CHECKS_H
#define TLS_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "report.h"

#define TLS_CHECKS_MAX 16

/* Findings, appended up to TLS_CHECKS_MAX (the rest are dropped). */
struct tls_findings {
	size_t n;
	struct report_finding v[TLS_CHECKS_MAX];
};

/* Used when --warn-days is not given. */
#define TLS_CHECKS_WARN_DAYS 30

struct tls_checks_config {
	int64_t now;			/* Unix time */
	int warn_days;			/* expiring within: a warning */
};

/*
 * Checks on the chain as the server sent it (leaf first): order,
 * duplicates, root sent, SAN, key sizes, signature hashes, key usage,
 * validity.  Findings are for step 3.
 */
void tls_checks_chain(gnutls_x509_crt_t *crts, unsigned n,
    const struct tls_checks_config *cfg, struct tls_findings *out);

/*
 * Checks that need our trust anchors (tl, loaded from `from`):
 * an incomplete chain, expiry within warn_days.  Findings are for
 * step 4.
 */
void tls_checks_trust(gnutls_x509_crt_t *crts, unsigned n,
    gnutls_x509_trust_list_t tl, const char *from,
    const struct tls_checks_config *cfg, struct tls_findings *out);

/*
 * One certificate that the top of the chain names as its issuer is
 * neither in the chain nor among our anchors, and the chain is a lone
 * leaf: the broker does not send its intermediate.  Used to word the
 * verdict "incomplete chain" rather than "unknown issuer".
 */
bool tls_checks_incomplete(gnutls_x509_crt_t *crts, unsigned n,
    gnutls_x509_trust_list_t tl);

/* "RSA" and its bits, "EC/ECDSA" and the curve's; "" and 0 if unknown. */
void tls_checks_key(gnutls_x509_crt_t crt, char *type, size_t len,
    unsigned *bits);
/* "RSA-SHA256", or "unknown" */
void tls_checks_sig(gnutls_x509_crt_t crt, char *buf, size_t len);

/*
 * Our own client certificate, before connecting: expired, not yet
 * valid, no clientAuth in its extended key usage.  Findings are for
 * step 0 (local files), each a warning: the probe still connects.
 */
void tls_checks_client(gnutls_x509_crt_t crt, const char *name,
    const struct tls_checks_config *cfg, struct tls_findings *out);

/*
 * The certificates of one trust-anchor file (PEM, as read), counted:
 * when none is a CA, a finding for step 0 names the file and what it
 * holds ("root.pem holds 1 certificate, CN=localhost, which is not a
 * CA").  opt is the option that named it.
 */
void tls_checks_anchors(const char *opt, const char *path,
    const gnutls_datum_t *pem, struct tls_findings *out);

#endif
