/*
 * tls_checks.c: findings on a certificate chain, in words a broker's
 * operator can act on.  GnuTLS parses and verifies; this file only reads
 * what it parsed and compares it with what common clients accept.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tls_checks.h"

/* The smallest keys OpenSSL 3 accepts at security level 2 (112 bits). */
#define TLS_CHECKS_MIN_RSA 2048
#define TLS_CHECKS_MIN_EC 256
/* The longest validity browsers accept for a public server certificate. */
#define TLS_CHECKS_MAX_VALIDITY_DAYS 398

static void
tls_checks_add(struct tls_findings *out, int step, enum report_severity sev,
    int cert, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
tls_checks_add(struct tls_findings *out, int step, enum report_severity sev,
    int cert, const char *key, const char *fmt, ...)
{
	struct report_finding *f;
	va_list ap;

	if (out->n >= TLS_CHECKS_MAX)
		return;
	f = &out->v[out->n++];
	memset(f, 0, sizeof(*f));
	f->step = step;
	f->severity = sev;
	f->cert = cert;
	snprintf(f->key, sizeof(f->key), "%s", key);
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

static void
tls_checks_dn(gnutls_x509_crt_t crt, bool issuer, char *buf, size_t len)
{
	gnutls_datum_t d = { NULL, 0 };
	int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) :
	    gnutls_x509_crt_get_dn3(crt, &d, 0);

	snprintf(buf, len, "%s", rc == 0 && d.data != NULL ?
	    (const char *)d.data : "(no name)");
	gnutls_free(d.data);
}

/* Same subject and issuer name: a root (or a self-signed leaf). */
static bool
tls_checks_self_signed(gnutls_x509_crt_t crt)
{
	return gnutls_x509_crt_check_issuer(crt, crt) != 0;
}

static bool
tls_checks_has_san(gnutls_x509_crt_t crt)
{
	for (unsigned i = 0; i < 64; i++) {
		char name[256];
		size_t len = sizeof(name);
		unsigned type = 0;
		int rc = gnutls_x509_crt_get_subject_alt_name2(crt, i, name,
		    &len, &type, NULL);

		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			return false;
		if (rc == GNUTLS_SAN_DNSNAME || rc == GNUTLS_SAN_IPADDRESS)
			return true;
	}
	return false;
}

void
tls_checks_key(gnutls_x509_crt_t crt, char *type, size_t len, unsigned *bits)
{
	unsigned b = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(crt, &b);
	const char *name = pk > 0 ? gnutls_pk_get_name(
	    (gnutls_pk_algorithm_t)pk) : NULL;

	snprintf(type, len, "%s", name != NULL ? name : "");
	*bits = pk > 0 ? b : 0;
}

void
tls_checks_sig(gnutls_x509_crt_t crt, char *buf, size_t len)
{
	int sig = gnutls_x509_crt_get_signature_algorithm(crt);
	const char *name = sig > 0 ? gnutls_sign_get_name(
	    (gnutls_sign_algorithm_t)sig) : NULL;

	if (name == NULL) {
		/* an algorithm GnuTLS does not know: show its OID */
		char oid[128];
		size_t olen = sizeof(oid);

		if (gnutls_x509_crt_get_signature_oid(crt, oid, &olen) == 0) {
			snprintf(buf, len, "%s", oid);
			return;
		}
	}
	snprintf(buf, len, "%s", name != NULL ? name : "unknown");
}

/* Does the extended key usage allow purpose?  No extension: any use. */
static bool
tls_checks_eku_allows(gnutls_x509_crt_t crt, const char *purpose,
    bool *present, char *list, size_t len)
{
	bool found = false;
	size_t used = 0;

	*present = false;
	if (len > 0)
		list[0] = '\0';
	for (unsigned i = 0; i < 32; i++) {
		char oid[128];
		size_t olen = sizeof(oid);
		int rc = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &olen,
		    NULL);
		const char *shown = oid;

		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc < 0)
			continue;
		*present = true;
		if (strcmp(oid, purpose) == 0 || strcmp(oid, GNUTLS_KP_ANY) == 0)
			found = true;
		if (strcmp(oid, GNUTLS_KP_TLS_WWW_SERVER) == 0)
			shown = "serverAuth";
		else if (strcmp(oid, GNUTLS_KP_TLS_WWW_CLIENT) == 0)
			shown = "clientAuth";
		else if (strcmp(oid, GNUTLS_KP_CODE_SIGNING) == 0)
			shown = "codeSigning";
		else if (strcmp(oid, GNUTLS_KP_EMAIL_PROTECTION) == 0)
			shown = "emailProtection";
		else if (strcmp(oid, GNUTLS_KP_OCSP_SIGNING) == 0)
			shown = "OCSPSigning";
		if (used < len)
			used += (size_t)snprintf(list + used, len - used,
			    "%s%s", used > 0 ? ", " : "", shown);
	}
	return !*present || found;
}

/* Certificates i and j (i < j) are the same one sent twice. */
static void
tls_checks_duplicates(gnutls_x509_crt_t *crts, unsigned n, bool *dup,
    struct tls_findings *out)
{
	for (unsigned j = 1; j < n; j++)
		for (unsigned i = 0; i < j; i++) {
			char subj[256];

			if (dup[i] || !gnutls_x509_crt_equals(crts[i], crts[j]))
				continue;
			dup[j] = true;
			tls_checks_dn(crts[j], false, subj, sizeof(subj));
			tls_checks_add(out, STEP_SERVER_CERT, SEV_WARNING,
			    (int)j, "duplicate_certificate", "certificate %u "
			    "(%s) is a second copy of certificate %u: the "
			    "broker's certificate file holds it twice", j,
			    subj, i);
			break;
		}
}

/* Each certificate must be followed by the one that issued it. */
static void
tls_checks_order(gnutls_x509_crt_t *crts, unsigned n, const bool *dup,
    struct tls_findings *out)
{
	for (unsigned i = 0; i + 1 < n; i++) {
		unsigned next = i + 1;
		char subj[256], other[256];

		if (dup[i])
			continue;
		while (next < n && dup[next])
			next++;
		if (next >= n || tls_checks_self_signed(crts[i]) ||
		    gnutls_x509_crt_check_issuer(crts[i], crts[next]))
			continue;
		tls_checks_dn(crts[i], false, subj, sizeof(subj));
		for (unsigned j = 0; j < n; j++) {
			if (j == i || dup[j] ||
			    !gnutls_x509_crt_check_issuer(crts[i], crts[j]))
				continue;
			tls_checks_dn(crts[j], false, other, sizeof(other));
			tls_checks_add(out, STEP_SERVER_CERT, SEV_WARNING,
			    (int)i, "chain_out_of_order", "the chain is out of "
			    "order: certificate %u (%s) was issued by "
			    "certificate %u (%s), which should come right "
			    "after it; the broker must send its own "
			    "certificate first, then each issuer in turn "
			    "(strict clients such as mbedTLS refuse it)", i,
			    subj, j, other);
			return;
		}
		tls_checks_dn(crts[next], false, other, sizeof(other));
		tls_checks_add(out, STEP_SERVER_CERT, SEV_WARNING, (int)next,
		    "unrelated_certificate", "certificate %u (%s) did not "
		    "issue certificate %u (%s): it does not belong in this "
		    "chain", next, other, i, subj);
		return;
	}
}

static void
tls_checks_keys(gnutls_x509_crt_t *crts, unsigned n, const bool *dup,
    struct tls_findings *out)
{
	for (unsigned i = 0; i < n; i++) {
		char type[16], subj[256];
		unsigned bits = 0;
		int pk = gnutls_x509_crt_get_pk_algorithm(crts[i], NULL);
		unsigned min = pk == GNUTLS_PK_RSA || pk == GNUTLS_PK_RSA_PSS ||
		    pk == GNUTLS_PK_DSA ? TLS_CHECKS_MIN_RSA :
		    pk == GNUTLS_PK_ECDSA ? TLS_CHECKS_MIN_EC : 0;

		if (dup[i])
			continue;
		tls_checks_key(crts[i], type, sizeof(type), &bits);
		if (min == 0 || bits == 0 || bits >= min)
			continue;
		tls_checks_dn(crts[i], false, subj, sizeof(subj));
		tls_checks_add(out, STEP_SERVER_CERT, SEV_ERROR, (int)i,
		    "weak_key", "certificate %u (%s) has a %u-bit %s key, "
		    "under %u bits: OpenSSL 3 at security level 2 (Debian, "
		    "Ubuntu, RHEL), Java 17 and mosquitto itself refuse it", i,
		    subj, bits, type, min);
	}
}

/* SHA-1 and MD5 can be forged; a self-signed root's own signature is
 * never checked (it is trusted as it is), so it does not count. */
static void
tls_checks_signatures(gnutls_x509_crt_t *crts, unsigned n, const bool *dup,
    struct tls_findings *out)
{
	for (unsigned i = 0; i < n; i++) {
		int sig = gnutls_x509_crt_get_signature_algorithm(crts[i]);
		gnutls_digest_algorithm_t h = sig > 0 ?
		    gnutls_sign_get_hash_algorithm(
		    (gnutls_sign_algorithm_t)sig) : GNUTLS_DIG_UNKNOWN;
		char subj[256], name[64];

		if (dup[i] || tls_checks_self_signed(crts[i]) ||
		    (h != GNUTLS_DIG_SHA1 && h != GNUTLS_DIG_MD5 &&
		    h != GNUTLS_DIG_MD2))
			continue;
		tls_checks_dn(crts[i], false, subj, sizeof(subj));
		tls_checks_sig(crts[i], name, sizeof(name));
		tls_checks_add(out, STEP_SERVER_CERT, SEV_ERROR, (int)i,
		    "weak_signature", "certificate %u (%s) is signed with %s, "
		    "which can be forged: GnuTLS, OpenSSL 3 at security level "
		    "2, Go and Java 17 refuse it; reissue it with SHA-256", i,
		    subj, name);
	}
}

static void
tls_checks_usage(gnutls_x509_crt_t leaf, struct tls_findings *out)
{
	char list[256];
	bool present;
	unsigned usage = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(leaf, NULL);

	if (!tls_checks_eku_allows(leaf, GNUTLS_KP_TLS_WWW_SERVER, &present,
	    list, sizeof(list)))
		tls_checks_add(out, STEP_SERVER_CERT, SEV_ERROR, 0,
		    "no_server_auth", "the certificate's extended key usage "
		    "(%s) lacks serverAuth (TLS WWW server): GnuTLS, OpenSSL, "
		    "Go and Java refuse it for a server; reissue it with "
		    "serverAuth (certtool: tls_www_server)", list);
	if (gnutls_x509_crt_get_key_usage(leaf, &usage, NULL) < 0)
		return;		/* no key usage extension: any use */
	if (!(usage & GNUTLS_KEY_DIGITAL_SIGNATURE))
		tls_checks_add(out, STEP_SERVER_CERT,
		    pk == GNUTLS_PK_RSA ? SEV_WARNING : SEV_ERROR, 0,
		    "key_usage", "the certificate's key usage lacks "
		    "digitalSignature: TLS 1.3 and every ECDHE key exchange "
		    "sign with it%s", pk == GNUTLS_PK_RSA ? ", so only TLS "
		    "1.2 RSA key transport can use it" : ", so no handshake "
		    "can use it");
	if (usage & GNUTLS_KEY_KEY_CERT_SIGN)
		tls_checks_add(out, STEP_SERVER_CERT, SEV_WARNING, 0,
		    "key_usage_ca", "the server's own certificate may sign "
		    "certificates (keyCertSign): a server certificate should "
		    "not be a CA");
}

void
tls_checks_chain(gnutls_x509_crt_t *crts, unsigned n,
    const struct tls_checks_config *cfg, struct tls_findings *out)
{
	bool dup[REPORT_MAX_CERTS * 4] = { false };
	int64_t days;
	time_t from, to;

	(void)cfg;
	if (n == 0)
		return;
	if (n > sizeof(dup) / sizeof(dup[0]))
		n = sizeof(dup) / sizeof(dup[0]);
	tls_checks_duplicates(crts, n, dup, out);
	tls_checks_order(crts, n, dup, out);
	for (unsigned i = 1; i < n; i++) {
		char subj[256];

		if (dup[i] || !tls_checks_self_signed(crts[i]))
			continue;
		tls_checks_dn(crts[i], false, subj, sizeof(subj));
		tls_checks_add(out, STEP_SERVER_CERT, SEV_INFO, (int)i,
		    "root_sent", "certificate %u (%s) is a self-signed root: "
		    "a client must already hold it to trust it, so sending it "
		    "only makes every handshake longer", i, subj);
	}
	if (!tls_checks_has_san(crts[0]) && !tls_checks_self_signed(crts[0])) {
		char cn[256] = "";
		size_t len = sizeof(cn);

		if (gnutls_x509_crt_get_dn_by_oid(crts[0],
		    GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len) < 0)
			cn[0] = '\0';
		tls_checks_add(out, STEP_SERVER_CERT, SEV_WARNING, 0,
		    "no_subject_alt_name", "the certificate names the server "
		    "only in its subject (CN=%s), with no subjectAltName: Go "
		    "(1.15 and later) and browsers refuse it, while OpenSSL, "
		    "Python, Java and mbedTLS still match the CN; reissue it "
		    "with the name as a DNS subjectAltName", cn);
	} else if (!tls_checks_has_san(crts[0]))
		tls_checks_add(out, STEP_SERVER_CERT, SEV_WARNING, 0,
		    "no_subject_alt_name", "the certificate has no "
		    "subjectAltName: Go (1.15 and later) and browsers refuse "
		    "a name found only in the subject CN");
	tls_checks_keys(crts, n, dup, out);
	tls_checks_signatures(crts, n, dup, out);
	tls_checks_usage(crts[0], out);
	from = gnutls_x509_crt_get_activation_time(crts[0]);
	to = gnutls_x509_crt_get_expiration_time(crts[0]);
	days = (int64_t)(to - from) / 86400;
	if (from != (time_t)-1 && to != (time_t)-1 &&
	    days > TLS_CHECKS_MAX_VALIDITY_DAYS)
		tls_checks_add(out, STEP_SERVER_CERT, SEV_INFO, 0,
		    "long_validity", "the certificate is valid for %lld days, "
		    "more than the %d that browsers and Apple clients accept "
		    "for a publicly trusted certificate (fine under a private "
		    "CA)", (long long)days, TLS_CHECKS_MAX_VALIDITY_DAYS);
}

/* The certificate at the top of what was sent: the one whose issuer is
 * not in the chain (the last one in a chain in order). */
static unsigned
tls_checks_top(gnutls_x509_crt_t *crts, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		bool issued = false;

		for (unsigned j = 0; j < n && !issued; j++)
			if (j != i && !gnutls_x509_crt_equals(crts[i], crts[j])
			    && gnutls_x509_crt_check_issuer(crts[i], crts[j]))
				issued = true;
		if (!issued)
			return i;
	}
	return n - 1;
}

bool
tls_checks_incomplete(gnutls_x509_crt_t *crts, unsigned n,
    gnutls_x509_trust_list_t tl)
{
	gnutls_x509_crt_t issuer = NULL;

	if (n != 1 || tls_checks_self_signed(crts[0]))
		return false;
	if (tl != NULL && gnutls_x509_trust_list_get_issuer(tl, crts[0],
	    &issuer, GNUTLS_TL_GET_COPY) == 0) {
		gnutls_x509_crt_deinit(issuer);
		return false;
	}
	return true;
}

void
tls_checks_trust(gnutls_x509_crt_t *crts, unsigned n,
    gnutls_x509_trust_list_t tl, const char *from,
    const struct tls_checks_config *cfg, struct tls_findings *out)
{
	gnutls_x509_crt_t issuer = NULL;
	unsigned top;
	char iss[256], subj[256];
	time_t earliest = 0;
	unsigned which = 0;

	if (n == 0)
		return;
	top = tls_checks_top(crts, n);
	tls_checks_dn(crts[top], true, iss, sizeof(iss));
	if (tls_checks_incomplete(crts, n, tl))
		tls_checks_add(out, STEP_VERIFY, SEV_ERROR, 0,
		    "incomplete_chain", "incomplete chain: the broker sent "
		    "only its own certificate, and its issuer '%s' is neither "
		    "in the chain nor among the anchors in %s; the broker must "
		    "send that intermediate certificate right after its own "
		    "(append it to the broker's certificate file; if '%s' is "
		    "a root CA instead, give it with --cafile)", iss, from,
		    iss);
	else if (!tls_checks_self_signed(crts[top]) && tl != NULL &&
	    gnutls_x509_trust_list_get_issuer(tl, crts[top], &issuer,
	    GNUTLS_TL_GET_COPY) == 0) {
		/* we have the issuer, but it is itself an intermediate:
		 * clients that hold only the root will fail */
		if (!tls_checks_self_signed(issuer)) {
			tls_checks_dn(issuer, false, subj, sizeof(subj));
			tls_checks_add(out, STEP_VERIFY, SEV_WARNING, (int)top,
			    "incomplete_chain", "incomplete chain: the broker "
			    "does not send '%s'; it verified only because %s "
			    "holds that intermediate, and clients that hold "
			    "only the root will fail: the broker must send it "
			    "after its own certificate", subj, from);
		}
		gnutls_x509_crt_deinit(issuer);
	}
	for (unsigned i = 0; i < n; i++) {
		time_t e = gnutls_x509_crt_get_expiration_time(crts[i]);

		if (i == 0 || e < earliest) {
			earliest = e;
			which = i;
		}
	}
	if (earliest > cfg->now &&
	    (earliest - cfg->now) / 86400 < cfg->warn_days) {
		char date[40];
		struct tm tm;
		time_t t = earliest;

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
		tls_checks_dn(crts[which], false, subj, sizeof(subj));
		tls_checks_add(out, STEP_VERIFY, SEV_WARNING, (int)which,
		    "expiring_soon", "certificate %u (%s) expires in %lld "
		    "days, on %s (warning under %d days)", which, subj,
		    (long long)((earliest - cfg->now) / 86400), date,
		    cfg->warn_days);
	}
}

void
tls_checks_client(gnutls_x509_crt_t crt, const char *name,
    const struct tls_checks_config *cfg, struct tls_findings *out)
{
	time_t a = gnutls_x509_crt_get_activation_time(crt);
	time_t e = gnutls_x509_crt_get_expiration_time(crt);
	char date[40], list[256], subj[256];
	struct tm tm;
	bool present;

	tls_checks_dn(crt, false, subj, sizeof(subj));
	if (e != (time_t)-1 && e < cfg->now) {
		gmtime_r(&e, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
		tls_checks_add(out, 0, SEV_WARNING, -1, "client_cert_expired",
		    "our own certificate %s (%s) expired on %s, %lld days ago: "
		    "the broker will refuse it", name, subj, date,
		    (long long)((cfg->now - e) / 86400));
	} else if (a != (time_t)-1 && a > cfg->now) {
		gmtime_r(&a, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
		tls_checks_add(out, 0, SEV_WARNING, -1,
		    "client_cert_not_yet_valid", "our own certificate %s (%s) "
		    "is valid only from %s, in %lld days: the broker will "
		    "refuse it (or this machine's clock is wrong)", name, subj,
		    date, (long long)((a - cfg->now) / 86400));
	}
	if (!tls_checks_eku_allows(crt, GNUTLS_KP_TLS_WWW_CLIENT, &present,
	    list, sizeof(list)))
		tls_checks_add(out, 0, SEV_WARNING, -1,
		    "client_cert_no_client_auth", "our own certificate %s "
		    "(%s) has an extended key usage (%s) without clientAuth: "
		    "brokers that check it (mosquitto, on OpenSSL) refuse it",
		    name, subj, list);
}

void
tls_checks_anchors(const char *opt, const char *path,
    const gnutls_datum_t *pem, struct tls_findings *out)
{
	gnutls_x509_crt_t *crts = NULL;
	unsigned n = 0, cas = 0;
	char subj[256] = "";

	if (gnutls_x509_crt_list_import2(&crts, &n, pem, GNUTLS_X509_FMT_PEM,
	    0) < 0)
		return;		/* the loader already said what is wrong */
	for (unsigned i = 0; i < n; i++) {
		unsigned critical = 0;

		if (gnutls_x509_crt_get_ca_status(crts[i], &critical) > 0)
			cas++;
	}
	if (n > 0)
		tls_checks_dn(crts[0], false, subj, sizeof(subj));
	if (n > 0 && cas == 0)
		tls_checks_add(out, 0, SEV_WARNING, -1, "no_ca_in_anchors",
		    "%s %s holds %u certificate%s, %s%s, %s not a CA: it "
		    "can only vouch for a server that shows exactly %s; give "
		    "the CA that issued the broker's certificate instead", opt,
		    path, n, n == 1 ? "" : "s", subj, n > 1 ? " and others" :
		    "", n == 1 ? "which is" : "none of them", n == 1 ?
		    "this certificate" : "one of these certificates");
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
}
