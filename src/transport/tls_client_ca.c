/*
 * tls_client_ca.c: the CAs a broker accepts client certificates from,
 * and whether ours chains to one of them.
 *
 * A server that asks for a client certificate may list, in its
 * CertificateRequest, the names of the CAs it accepts.  GnuTLS hands
 * that list only to a certificate retrieve function, which must then
 * hand out the client credentials itself.  So the credentials are still
 * loaded by GnuTLS (tls_creds.c: passphrase, errors, checks), then taken
 * back out of it (gnutls_certificate_get_x509_crt/_key) and kept here
 * for the callback, which every session calls.
 *
 * The callback runs inside the handshake, under TLS 1.3 even before the
 * server's certificate (step 3): what it finds is kept in the session
 * and told to the engine as step 5's (TLSM_CLIENT_CA) when the
 * handshake ends, either way, once step 4 has passed.
 *
 * Our certificate is handed out whether or not its issuer is listed:
 * the list is the broker's hint, its verdict is what the probe shows.
 * (GnuTLS's own choice would send none then, and the broker would only
 * say that a certificate is missing.)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls_internal.h"

/* Names listed in the text, at most; the rest are counted. */
#define TLS_CLIENT_CA_SHOWN 6
/* Names compared, at most: GnuTLS bounds the message, this the work. */
#define TLS_CLIENT_CA_MAX 1024

/* Whether the raw DN equals one our chain names, as issuer or subject. */
static bool
tls_client_ca_ours(const struct tls_creds *c, const gnutls_datum_t *dn)
{
	for (unsigned k = 0; k < c->nown; k++) {
		gnutls_datum_t iss = { NULL, 0 }, sub = { NULL, 0 };
		bool same = false;

		if (gnutls_x509_crt_get_raw_issuer_dn(c->own[k], &iss) == 0)
			same = iss.size == dn->size && memcmp(iss.data,
			    dn->data, dn->size) == 0;
		/* a chain that carries the CA itself names it as subject */
		if (!same && k > 0 &&
		    gnutls_x509_crt_get_raw_dn(c->own[k], &sub) == 0)
			same = sub.size == dn->size && memcmp(sub.data,
			    dn->data, dn->size) == 0;
		gnutls_free(iss.data);
		gnutls_free(sub.data);
		if (same)
			return true;
	}
	return false;
}

/* What the server's list says of our certificate, kept in t->cca. */
static void
tls_client_ca_judge(struct tls_session *t, const gnutls_datum_t *dns,
    int ndns)
{
	struct tls_client_ca *a = &t->cca;
	size_t used = 0;

	a->asked = true;
	a->ncas = ndns > 0 ? (unsigned)ndns : 0;
	a->cas[0] = a->matched[0] = '\0';
	a->listed = false;
	for (unsigned i = 0; i < a->ncas && i < TLS_CLIENT_CA_MAX; i++) {
		gnutls_datum_t str = { NULL, 0 };
		bool ours = t->creds->nown > 0 &&
		    tls_client_ca_ours(t->creds, &dns[i]);

		if (i >= TLS_CLIENT_CA_SHOWN && !(ours && !a->listed))
			continue;
		if (gnutls_x509_rdn_get2(&dns[i], &str, 0) < 0)
			continue;
		if (ours && !a->listed) {
			a->listed = true;
			snprintf(a->matched, sizeof(a->matched), "%s",
			    (const char *)str.data);
		}
		if (i < TLS_CLIENT_CA_SHOWN && used < sizeof(a->cas))
			used += (size_t)snprintf(a->cas + used,
			    sizeof(a->cas) - used, "%s%s", used > 0 ? "; " :
			    "", (const char *)str.data);
		gnutls_free(str.data);
	}
	if (a->ncas > TLS_CLIENT_CA_SHOWN && used < sizeof(a->cas))
		snprintf(a->cas + used, sizeof(a->cas) - used, "; and %u more",
		    a->ncas - TLS_CLIENT_CA_SHOWN);
}

/* The credentials' retrieve function (see the top of the file). */
static int
tls_client_ca_retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca_rdn,
    int nreqs, const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
    gnutls_pcert_st **pcert, unsigned int *pcert_length,
    gnutls_privkey_t *pkey)
{
	struct tls_session *t = gnutls_session_get_ptr(s);
	struct tls_creds *c = t->creds;

	(void)pk_algos;
	(void)pk_algos_length;
	tls_client_ca_judge(t, req_ca_rdn, nreqs);
	/* kept by the credentials: GnuTLS does not free what a
	 * retrieve_function2 gives */
	*pcert = c->npcerts > 0 ? c->pcerts : NULL;
	*pcert_length = c->npcerts;
	*pkey = c->npcerts > 0 ? c->pkey : NULL;
	return 0;
}

/*
 * Take our chain and key back out of the credentials for the callback,
 * and install it.  A key GnuTLS cannot give back (on a PKCS #11 token)
 * leaves GnuTLS's own choice in place: no callback, no CA list.
 */
void
tls_client_ca_setup(struct tls_creds *c)
{
	gnutls_x509_privkey_t xkey = NULL;
	unsigned n = 0;

	if (c->client_cert) {
		if (gnutls_certificate_get_x509_crt(c->cred, 0, &c->own,
		    &n) < 0 || n == 0)
			return;
		c->nown = n;
		c->pcerts = calloc(n, sizeof(*c->pcerts));
		if (c->pcerts == NULL ||
		    gnutls_pcert_import_x509_list(c->pcerts, c->own, &n, 0) < 0)
			goto undo;
		c->npcerts = n;
		if (gnutls_certificate_get_x509_key(c->cred, 0, &xkey) < 0 ||
		    gnutls_privkey_init(&c->pkey) < 0)
			goto undo;
		if (gnutls_privkey_import_x509(c->pkey, xkey,
		    GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE) < 0)
			goto undo;
		xkey = NULL;	/* c->pkey's now */
		tls_chain_dn(c->own[0], false, c->own_subject,
		    sizeof(c->own_subject));
		tls_chain_dn(c->own[0], true, c->own_issuer,
		    sizeof(c->own_issuer));
	}
	gnutls_certificate_set_retrieve_function2(c->cred,
	    tls_client_ca_retrieve);
	c->ca_list_hooked = true;
	return;
undo:
	if (xkey != NULL)
		gnutls_x509_privkey_deinit(xkey);
	tls_client_ca_free(c);
}

void
tls_client_ca_free(struct tls_creds *c)
{
	for (unsigned i = 0; i < c->npcerts; i++)
		gnutls_pcert_deinit(&c->pcerts[i]);
	free(c->pcerts);
	c->pcerts = NULL;
	c->npcerts = 0;
	for (unsigned i = 0; i < c->nown; i++)
		gnutls_x509_crt_deinit(c->own[i]);
	gnutls_free(c->own);
	c->own = NULL;
	c->nown = 0;
	if (c->pkey != NULL)
		gnutls_privkey_deinit(c->pkey);
	c->pkey = NULL;
}

/*
 * Tell the engine what the server's CA list said, as step 5's details
 * and a finding: once per handshake, and only when step 5 runs.
 */
void
tls_client_ca_report(struct tls_session *t)
{
	struct tls_client_ca *a = &t->cca;
	struct tls_creds *c = t->creds;
	struct tls_milestone m = { .kind = TLSM_CLIENT_CA };
	struct report_finding *f = &m.findings[0];

	if (!a->asked || a->reported || !t->verified)
		return;
	a->reported = true;
	f->step = STEP_KEYS;
	f->cert = -1;
	tls_add(&m, "client_cas", "%s", a->ncas > 0 ? a->cas :
	    "none (the broker names no CA)");
	if (c->npcerts == 0) {
		tls_add(&m, "client_ca_check", "no-cert");
		f->severity = SEV_WARNING;
		snprintf(f->key, sizeof(f->key), "client_cert_missing");
		if (a->ncas > 0)
			snprintf(f->text, sizeof(f->text), "the broker asks for "
			    "a client certificate and accepts ones issued by "
			    "%s; none was given: give --cert and --key with a "
			    "certificate one of them issued", a->cas);
		else
			snprintf(f->text, sizeof(f->text), "the broker asks for "
			    "a client certificate (it names no CA it accepts); "
			    "none was given: give --cert and --key");
	} else if (a->ncas == 0) {
		tls_add(&m, "client_ca_check", "no-list");
		f->severity = SEV_INFO;
		snprintf(f->key, sizeof(f->key), "client_ca_unlisted");
		snprintf(f->text, sizeof(f->text), "the broker asks for a "
		    "client certificate but names no CA it accepts: whether it "
		    "takes ours (%s, issued by %s) shows only in its answer",
		    c->own_subject, c->own_issuer);
	} else if (a->listed) {
		tls_add(&m, "client_ca_check", "match");
		f->severity = SEV_INFO;
		snprintf(f->key, sizeof(f->key), "client_ca_match");
		snprintf(f->text, sizeof(f->text), "the broker accepts client "
		    "certificates from %s; ours (%s) chains to %s, which it "
		    "lists", a->cas, c->own_subject, a->matched);
	} else {
		tls_add(&m, "client_ca_check", "mismatch");
		f->severity = SEV_ERROR;
		snprintf(f->key, sizeof(f->key), "client_ca_mismatch");
		snprintf(f->text, sizeof(f->text), "the broker accepts client "
		    "certificates from %s; ours (%s) is issued by %s: it will "
		    "be refused; give --cert a certificate one of those CAs "
		    "issued", a->cas, c->own_subject, c->own_issuer);
	}
	m.nfindings = 1;
	tls_milestone(t, &m);
}
