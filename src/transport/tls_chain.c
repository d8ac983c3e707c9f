/*
 * tls_chain.c: the server's certificate chain in words (subjects, SANs,
 * fingerprints, what each verification failure means) and the verify
 * callback that hands the verdict to the engine.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/ocsp.h>
#include <gnutls/x509.h>

#include "tls_checks.h"
#include "tls_crl_reason.h"
#include "tls_internal.h"

/* --- verification ------------------------------------------------------- */

/* Status bits in words, with the stable keyword reports and JSON use. */
static const struct {
	unsigned bit;
	const char *keyword;
	const char *words;
} tls_status_words[] = {
	{ GNUTLS_CERT_EXPIRED, "expired", "certificate expired" },
	{ GNUTLS_CERT_NOT_ACTIVATED, "not-yet-valid",
	    "certificate not yet valid" },
	{ GNUTLS_CERT_UNEXPECTED_OWNER, "name-mismatch",
	    "name does not match" },
	{ GNUTLS_CERT_SIGNER_NOT_FOUND, "unknown-issuer", "issuer unknown" },
	{ GNUTLS_CERT_REVOKED, "revoked", "certificate revoked" },
	{ GNUTLS_CERT_PURPOSE_MISMATCH, "purpose-mismatch",
	    "wrong key purpose (not for TLS servers)" },
	{ GNUTLS_CERT_INSECURE_ALGORITHM, "insecure-algorithm",
	    "signed with an insecure algorithm" },
	{ GNUTLS_CERT_SIGNATURE_FAILURE, "bad-signature",
	    "a signature in the chain does not verify" },
	{ GNUTLS_CERT_SIGNER_NOT_CA, "signer-not-ca",
	    "the issuer is not a CA" },
	{ GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "signer-constraints",
	    "the issuer's constraints forbid this certificate" },
	{ GNUTLS_CERT_MISSING_OCSP_STATUS, "missing-ocsp",
	    "must-staple certificate without an OCSP staple" },
	{ GNUTLS_CERT_INVALID_OCSP_STATUS, "invalid-ocsp",
	    "the OCSP staple is invalid" },
	{ GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED, "revocation-superseded",
	    "revocation data is superseded" },
	{ GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE, "revocation-future",
	    "revocation data is issued in the future" },
	{ GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS, "unknown-critical-extension",
	    "unknown critical extension" },
	{ GNUTLS_CERT_MISMATCH, "mismatch",
	    "the certificate differs from the expected one" },
};

static void
tls_fmt_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

/* Whole days from now to t, rounding towards zero. */
static long
tls_days(time_t t, time_t now)
{
	return (long)((t - now) / 86400);
}

void
tls_chain_dn(gnutls_x509_crt_t crt, bool issuer, char *buf, size_t len)
{
	gnutls_datum_t d = { NULL, 0 };
	int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) :
	    gnutls_x509_crt_get_dn3(crt, &d, 0);

	snprintf(buf, len, "%s", rc == 0 && d.data != NULL ?
	    (const char *)d.data : "(none)");
	gnutls_free(d.data);
}

/* "DNS:localhost, IP:127.0.0.1" */
static void
tls_sans(gnutls_x509_crt_t crt, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; used < len; i++) {
		char name[256], shown[INET6_ADDRSTRLEN + 4];
		size_t nlen = sizeof(name) - 1;
		unsigned type = 0;
		int rc = gnutls_x509_crt_get_subject_alt_name2(crt, i, name,
		    &nlen, &type, NULL);

		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc < 0)
			continue;
		name[nlen < sizeof(name) ? nlen : sizeof(name) - 1] = '\0';
		if (rc == GNUTLS_SAN_DNSNAME)
			snprintf(shown, sizeof(shown), "DNS:");
		else if (rc == GNUTLS_SAN_IPADDRESS) {
			char ip[INET6_ADDRSTRLEN];

			inet_ntop(nlen == 16 ? AF_INET6 : AF_INET, name, ip,
			    sizeof(ip));
			snprintf(name, sizeof(name), "%s", ip);
			snprintf(shown, sizeof(shown), "IP:");
		} else
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s%s",
		    used > 0 ? ", " : "", shown, name);
	}
}

static void
tls_sha256(gnutls_x509_crt_t crt, bool spki, char *buf, size_t len)
{
	unsigned char md[32];
	size_t mdlen = sizeof(md);
	int rc = spki ? gnutls_x509_crt_get_key_id(crt,
	    GNUTLS_KEYID_USE_SHA256, md, &mdlen) :
	    gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, md, &mdlen);
	size_t used = 0;

	buf[0] = '\0';
	if (rc < 0)
		return;
	for (size_t i = 0; i < mdlen && used + 3 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%02X",
		    i > 0 ? ":" : "", md[i]);
}

/* Details of the chain for step 3, and for -v one event per certificate. */
static void
tls_describe_chain(struct tls_session *t, gnutls_x509_crt_t *crts,
    unsigned n, struct tls_milestone *m)
{
	char buf[REPORT_TEXT_MAX];
	const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(
	    t->s));

	tls_add(m, "tls_version", "%s", v != NULL ? v : "unknown");
	tls_add(m, "chain_length", "%u", n);
	if (n == 0)
		return;
	tls_chain_dn(crts[0], false, buf, sizeof(buf));
	tls_add(m, "leaf_subject", "%s", buf);
	tls_chain_dn(crts[0], true, buf, sizeof(buf));
	tls_add(m, "leaf_issuer", "%s", buf);
	tls_sans(crts[0], buf, sizeof(buf));
	tls_add(m, "leaf_sans", "%s", buf[0] != '\0' ? buf :
	    "none (only the subject CN counts)");
	for (unsigned i = 0; i < n; i++) {
		struct report_cert *c;
		char from[40], to[40];

		if (m->ncerts >= REPORT_MAX_CERTS)
			break;
		c = &m->certs[m->ncerts++];
		tls_chain_dn(crts[i], false, c->subject, sizeof(c->subject));
		tls_chain_dn(crts[i], true, c->issuer, sizeof(c->issuer));
		tls_sans(crts[i], c->sans, sizeof(c->sans));
		c->not_before = gnutls_x509_crt_get_activation_time(crts[i]);
		c->not_after = gnutls_x509_crt_get_expiration_time(crts[i]);
		tls_sha256(crts[i], false, c->sha256, sizeof(c->sha256));
		tls_sha256(crts[i], true, c->spki_sha256,
		    sizeof(c->spki_sha256));
		tls_checks_key(crts[i], c->key_type, sizeof(c->key_type),
		    &c->key_bits);
		tls_checks_sig(crts[i], c->sig_alg, sizeof(c->sig_alg));
		tls_fmt_date((time_t)c->not_before, from, sizeof(from));
		tls_fmt_date((time_t)c->not_after, to, sizeof(to));
		tls_event(t, 1, EVK_INFO, DIR_NONE, 0, "certificate %u: %s, "
		    "issued by %s, valid %s to %s, %s %u-bit key, signed "
		    "%s, SPKI sha256 %s", i, c->subject, c->issuer, from, to,
		    c->key_type[0] != '\0' ? c->key_type : "unknown",
		    c->key_bits, c->sig_alg, c->spki_sha256);
	}
}

/*
 * What the stapled OCSP response says of the leaf: false when there is
 * none or it cannot be read.  GnuTLS has checked it already (its
 * signature, its freshness) in verification; this only reads it out.
 */
static bool
tls_staple(struct tls_session *t, unsigned *status, time_t *when,
    int *reason)
{
	gnutls_datum_t d = { NULL, 0 };
	gnutls_ocsp_resp_t resp = NULL;
	time_t this_update, next_update;
	unsigned int r = 0;
	bool ok = false;

	if (gnutls_ocsp_status_request_get(t->s, &d) < 0 ||
	    gnutls_ocsp_resp_init(&resp) < 0)
		return false;
	if (gnutls_ocsp_resp_import(resp, &d) == 0 &&
	    gnutls_ocsp_resp_get_single(resp, 0, NULL, NULL, NULL, NULL,
	    status, &this_update, &next_update, when, &r) == 0) {
		*reason = (int)r;
		ok = true;
	}
	gnutls_ocsp_resp_deinit(resp);
	return ok;
}

/* What a revocation said: when, and why (RFC 5280's word), or "". */
struct tls_revocation {
	time_t when;
	char reason[32];
};

/*
 * The reason the CRL gives in its entry for serial (GnuTLS reads the
 * entry's serial and date but not its reasonCode: tls_crl_reason.c).
 */
static void
tls_crl_entry_reason(gnutls_x509_crl_t crl, const unsigned char *serial,
    size_t slen, struct tls_revocation *rv)
{
	gnutls_datum_t der = { NULL, 0 };
	int reason;

	/* too large or undecodable: the date alone is said */
	if (gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_DER, &der) < 0)
		return;
	reason = tls_crl_reason(der.data, der.size, serial, slen);
	gnutls_free(der.data);
	if (reason != TLS_CRL_REASON_UNREAD)
		snprintf(rv->reason, sizeof(rv->reason), "%s",
		    tls_crl_reason_name(reason));
}

/*
 * A revoked certificate: which one, when and why, from the --crlfile
 * entry for its serial; otherwise the staple said so.
 */
static void
tls_revoked_when(struct tls_session *t, gnutls_x509_crt_t *crts, unsigned n,
    char *buf, size_t len, struct tls_revocation *rv)
{
	struct tls_creds *c = t->creds;

	for (unsigned i = 0; i < n; i++) {
		unsigned char serial[64];
		size_t slen = sizeof(serial);
		gnutls_datum_t ci = { NULL, 0 };

		if (gnutls_x509_crt_get_serial(crts[i], serial, &slen) < 0 ||
		    gnutls_x509_crt_get_raw_issuer_dn(crts[i], &ci) < 0)
			continue;
		for (unsigned k = 0; k < c->ncrls; k++) {
			gnutls_datum_t li = { NULL, 0 };
			gnutls_x509_crl_iter_t it = NULL;
			unsigned char s[64];
			size_t sl = sizeof(s);
			time_t when;
			bool same;

			if (gnutls_x509_crl_get_raw_issuer_dn(c->crls[k],
			    &li) < 0)
				continue;
			same = li.size == ci.size && memcmp(li.data, ci.data,
			    li.size) == 0;
			gnutls_free(li.data);
			while (same && gnutls_x509_crl_iter_crt_serial(
			    c->crls[k], &it, s, &sl, &when) == 0) {
				char subj[200], date[40];

				if (sl == slen && memcmp(s, serial, sl) == 0) {
					tls_chain_dn(crts[i], false, subj,
					    sizeof(subj));
					tls_fmt_date(when, date, sizeof(date));
					rv->when = when;
					tls_crl_entry_reason(c->crls[k], serial,
					    slen, rv);
					snprintf(buf, len, ": certificate %u "
					    "(%s) was revoked on %s%s%s, per "
					    "--crlfile %s", i, subj, date,
					    rv->reason[0] != '\0' ?
					    ", reason " : "", rv->reason,
					    c->crlfile);
					gnutls_x509_crl_iter_deinit(it);
					gnutls_free(ci.data);
					return;
				}
				sl = sizeof(s);
			}
			gnutls_x509_crl_iter_deinit(it);
		}
		gnutls_free(ci.data);
	}
	{
		unsigned st = 0;
		time_t when = 0;
		int reason = 0;
		char date[40];

		if (tls_staple(t, &st, &when, &reason) &&
		    st == GNUTLS_OCSP_CERT_REVOKED) {
			tls_fmt_date(when, date, sizeof(date));
			rv->when = when;
			snprintf(rv->reason, sizeof(rv->reason), "%s",
			    tls_crl_reason_name(reason));
			snprintf(buf, len, ": the server's own OCSP staple says "
			    "its certificate was revoked on %s, reason %s",
			    date, rv->reason);
		} else if (gnutls_ocsp_status_request_is_checked(t->s,
		    GNUTLS_OCSP_SR_IS_AVAIL))
			snprintf(buf, len, ": the server's own OCSP staple "
			    "says so");
	}
}

/*
 * Words for every failure bit, with the specifics the user needs to act:
 * how long ago it expired, which name was checked against which SANs.
 */
static void
tls_explain(struct tls_session *t, unsigned status, gnutls_x509_crt_t *crts,
    unsigned n, char *words, size_t wlen, char *keys, size_t klen,
    struct tls_revocation *rv)
{
	time_t now = time(NULL);
	size_t wu = 0, ku = 0;
	gnutls_x509_trust_list_t tl = NULL;

	gnutls_certificate_get_trust_list(t->creds->cred, &tl);
	words[0] = keys[0] = '\0';
	for (size_t i = 0; i < sizeof(tls_status_words) /
	    sizeof(tls_status_words[0]); i++) {
		char extra[REPORT_TEXT_MAX] = "";
		unsigned bit = tls_status_words[i].bit;
		const char *kw = tls_status_words[i].keyword;
		const char *words_override = NULL;

		if (!(status & bit))
			continue;
		if (bit == GNUTLS_CERT_EXPIRED || bit == GNUTLS_CERT_NOT_ACTIVATED) {
			for (unsigned c = 0; c < n; c++) {
				time_t a = gnutls_x509_crt_get_activation_time(
				    crts[c]);
				time_t e = gnutls_x509_crt_get_expiration_time(
				    crts[c]);
				char date[40];

				if (bit == GNUTLS_CERT_EXPIRED && e < now) {
					tls_fmt_date(e, date, sizeof(date));
					snprintf(extra, sizeof(extra), " %ld "
					    "days ago (certificate %u, on %s)",
					    tls_days(now, e), c, date);
					break;
				}
				if (bit == GNUTLS_CERT_NOT_ACTIVATED && a > now) {
					tls_fmt_date(a, date, sizeof(date));
					snprintf(extra, sizeof(extra), ": valid "
					    "from %s, in %ld days (certificate "
					    "%u)", date, tls_days(a, now), c);
					break;
				}
			}
		} else if (bit == GNUTLS_CERT_REVOKED) {
			tls_revoked_when(t, crts, n, extra, sizeof(extra), rv);
		} else if (bit == GNUTLS_CERT_UNEXPECTED_OWNER && n > 0) {
			char sans[300];

			tls_sans(crts[0], sans, sizeof(sans));
			snprintf(extra, sizeof(extra), ": checked '%s' against "
			    "%s", t->params.verify_host, sans[0] != '\0' ? sans :
			    "the subject CN (the certificate has no SAN)");
		} else if (bit == GNUTLS_CERT_SIGNER_NOT_FOUND && n > 0) {
			char subj[200], iss[200];
			gnutls_x509_crt_t last = crts[n - 1];

			tls_chain_dn(last, false, subj, sizeof(subj));
			tls_chain_dn(last, true, iss, sizeof(iss));
			if (gnutls_x509_crt_check_issuer(last, last) && n == 1) {
				kw = "self-signed";
				snprintf(extra, sizeof(extra), ": the "
				    "certificate is self-signed (%s) and not "
				    "in %s", subj, t->creds->anchors_from);
			} else if (tls_checks_incomplete(crts, n, tl)) {
				/* the commonest broker mistake: name the
				 * cause, not the symptom; the old keyword
				 * stays for whoever keys on it */
				kw = "unknown-issuer,incomplete-chain";
				words_override = "incomplete chain (issuer "
				    "unknown)";
				snprintf(extra, sizeof(extra), ": the broker "
				    "sent only its own certificate, issued by "
				    "'%s', which is not among the anchors in "
				    "%s; the broker must send that "
				    "intermediate certificate after its own "
				    "(if '%s' is a root CA instead, give it "
				    "with --cafile)", iss,
				    t->creds->anchors_from, iss);
			} else
				snprintf(extra, sizeof(extra), ": no trust "
				    "anchor in %s issued '%s'",
				    t->creds->anchors_from, iss);
		}
		wu += (size_t)snprintf(words + wu, wu < wlen ? wlen - wu : 0,
		    "%s%s%s", wu > 0 ? "; " : "", words_override != NULL ?
		    words_override : tls_status_words[i].words, extra);
		ku += (size_t)snprintf(keys + ku, ku < klen ? klen - ku : 0,
		    "%s%s", ku > 0 ? "," : "", kw);
	}
	if (words[0] == '\0')
		snprintf(words, wlen, "certificate rejected (status 0x%x)",
		    status);
}

/* The anchor in our trust list that issued the top of the chain. */
static void
tls_anchor(struct tls_session *t, gnutls_x509_crt_t top, char *buf,
    size_t len)
{
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t issuer = NULL;

	snprintf(buf, len, "none");
	gnutls_certificate_get_trust_list(t->creds->cred, &tl);
	if (tl == NULL)
		return;
	if (gnutls_x509_trust_list_get_issuer(tl, top, &issuer,
	    GNUTLS_TL_GET_COPY) == 0) {
		tls_chain_dn(issuer, false, buf, len);
		gnutls_x509_crt_deinit(issuer);
	} else {
		unsigned status = 1;

		/* the top certificate may itself be an anchor; the call
		 * succeeds either way, only its status tells */
		if (gnutls_x509_trust_list_verify_crt(tl, &top, 1, 0, &status,
		    NULL) == 0 && status == 0)
			tls_chain_dn(top, false, buf, len);
	}
}

static void
tls_chain_copy(const struct tls_findings *f, struct tls_milestone *m)
{
	for (size_t i = 0; i < f->n && m->nfindings < TLSM_MAX_FINDINGS; i++)
		m->findings[m->nfindings++] = f->v[i];
}

static void
tls_chain_findings(gnutls_x509_crt_t *crts, unsigned n,
    const struct tls_checks_config *cfg, struct tls_milestone *m)
{
	struct tls_findings f = { 0 };

	tls_checks_chain(crts, n, cfg, &f);
	tls_chain_copy(&f, m);
}

int
tls_verify_cb(gnutls_session_t s)
{
	struct tls_session *t = gnutls_session_get_ptr(s);
	const gnutls_datum_t *raw;
	unsigned n = 0, status = 0;
	gnutls_x509_crt_t *crts = NULL;
	gnutls_typed_vdata_st vdata[2];
	unsigned nvdata = 0;
	unsigned char ip[16];
	struct tls_milestone cert = { .kind = TLSM_CERTIFICATE };
	struct tls_milestone ver = { .kind = TLSM_VERIFIED };
	struct tls_revocation rv = { 0 };
	char words[REPORT_TEXT_MAX], keys[REPORT_TEXT_MAX], buf[REPORT_TEXT_MAX];
	time_t now = time(NULL), earliest = 0;
	uint64_t waited_us = 0;
	int rc, joined;
	bool go;
	struct tls_checks_config checks = { .now = now,
	    .warn_days = t->params.warn_days > 0 ? t->params.warn_days :
	    TLS_CHECKS_WARN_DAYS };

	raw = gnutls_certificate_get_peers(s, &n);
	if (raw != NULL && n > 0) {
		crts = calloc(n, sizeof(*crts));
		for (unsigned i = 0; crts != NULL && i < n; i++) {
			gnutls_x509_crt_init(&crts[i]);
			if (gnutls_x509_crt_import(crts[i], &raw[i],
			    GNUTLS_X509_FMT_DER) < 0) {
				n = i;
				break;
			}
		}
		if (crts == NULL)
			n = 0;
	}
	tls_describe_chain(t, crts, n, &cert);
	tls_chain_findings(crts, n, &checks, &cert);
	t->cert_seen = true;
	if (!tls_milestone(t, &cert)) {
		t->stopped = true;
		for (unsigned i = 0; crts != NULL && i < n; i++)
			gnutls_x509_crt_deinit(crts[i]);
		free(crts);
		return GNUTLS_E_CERTIFICATE_ERROR;
	}

	/* the system trust store may still be loading: wait for it here,
	 * the first moment it is needed, but not past the deadline */
	joined = tls_systrust_join(t->creds, t->deadline_us, &waited_us, buf,
	    sizeof(buf));
	if (joined < 0) {
		status = GNUTLS_CERT_INVALID;
		ver.timed_out = joined == -2;
		snprintf(words, sizeof(words), "verification could not run: %s",
		    buf);
		snprintf(keys, sizeof(keys), "%s", ver.timed_out ? "timeout" :
		    "error");
		goto verdict;
	}
	/* an IP literal is matched against iPAddress SANs only */
	if (inet_pton(AF_INET, t->params.verify_host, ip) == 1) {
		vdata[nvdata].type = GNUTLS_DT_IP_ADDRESS;
		vdata[nvdata].data = ip;
		vdata[nvdata++].size = 4;
	} else if (inet_pton(AF_INET6, t->params.verify_host, ip) == 1) {
		vdata[nvdata].type = GNUTLS_DT_IP_ADDRESS;
		vdata[nvdata].data = ip;
		vdata[nvdata++].size = 16;
	} else {
		vdata[nvdata].type = GNUTLS_DT_DNS_HOSTNAME;
		vdata[nvdata].data = (unsigned char *)(uintptr_t)
		    t->params.verify_host;
		vdata[nvdata++].size = 0;
	}
	vdata[nvdata].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vdata[nvdata].data = (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_SERVER;
	vdata[nvdata++].size = 0;
	rc = gnutls_certificate_verify_peers(s, vdata, nvdata, &status);
	if (rc < 0) {
		status = GNUTLS_CERT_INVALID;
		snprintf(words, sizeof(words), "verification could not run: %s",
		    gnutls_strerror(rc));
		snprintf(keys, sizeof(keys), "error");
	} else
		tls_explain(t, status, crts, n, words, sizeof(words), keys,
		    sizeof(keys), &rv);

verdict:
	ver.ok = status == 0;
	tls_add(&ver, "verdict", "%s", ver.ok ? "trusted" : "NOT trusted");
	if (!ver.ok) {
		tls_add(&ver, "problems", "%s", keys);
		ver.reason = words;
	}
	if (rv.reason[0] != '\0')
		tls_add(&ver, "revocation_reason", "%s", rv.reason);
	if (rv.when != 0)	/* Unix seconds, as earliest_expiry */
		tls_add(&ver, "revoked_on", "%lld", (long long)rv.when);
	tls_add(&ver, "checked_name", "%s", t->params.verify_host);
	if (t->creds->sys_state == TLS_SYS_UNUSED)
		tls_add(&ver, "trust_store", "%s (%u anchors)",
		    t->creds->anchors_from, t->creds->nanchors);
	else	/* how much of the load the network hid */
		tls_add(&ver, "trust_store", "%s (%u anchors, loaded in the "
		    "background in %.2f ms, waited %.2f ms for it)",
		    t->creds->anchors_from, t->creds->nanchors,
		    (double)(t->creds->sys_end_us - t->creds->sys_start_us) /
		    1e3, (double)waited_us / 1e3);
	if (n > 0) {
		tls_anchor(t, crts[n - 1], buf, sizeof(buf));
		/* shown even on failure: an expired leaf under a known CA
		 * is a different problem from an unknown CA */
		tls_add(&ver, "anchor", "%s", buf);
		for (unsigned i = 0; i < n; i++) {
			time_t e = gnutls_x509_crt_get_expiration_time(crts[i]);

			if (i == 0 || e < earliest)
				earliest = e;
		}
		tls_add(&ver, "days_left", "%ld", tls_days(earliest, now));
		/* Unix seconds: fields.c shows a date, JSON RFC 3339 */
		tls_add(&ver, "earliest_expiry", "%lld", (long long)earliest);
	}
	if (n > 0 && status != GNUTLS_CERT_INVALID) {
		gnutls_x509_trust_list_t tl = NULL;
		struct tls_findings f = { 0 };

		gnutls_certificate_get_trust_list(t->creds->cred, &tl);
		tls_checks_trust(crts, n, tl, t->creds->anchors_from, &checks,
		    &f);
		tls_chain_copy(&f, &ver);
	}
	{
		unsigned st = 0;
		time_t when = 0;
		int reason = 0;
		bool have = tls_staple(t, &st, &when, &reason);

		tls_add(&ver, "ocsp_staple", "%s",
		    !gnutls_ocsp_status_request_is_checked(s,
		    GNUTLS_OCSP_SR_IS_AVAIL) ? "none" :
		    have && st == GNUTLS_OCSP_CERT_REVOKED ? "revoked" :
		    gnutls_ocsp_status_request_is_checked(s, 0) ? "good" :
		    "present, not valid");
	}

	for (unsigned i = 0; crts != NULL && i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	free(crts);

	go = tls_milestone(t, &ver);
	t->verified = go;
	if (!go) {
		t->verify_failed = true;
		return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
	}
	return 0;
}
