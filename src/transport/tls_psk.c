/*
 * tls_psk.c: TLS-PSK, where a key both sides hold authenticates the
 * server instead of a certificate.
 *
 * With --psk-identity the probe offers the pre-shared key alone: no
 * certificate credentials are set on the session, so a server that
 * answers with a certificate fails the handshake (and is said to have
 * done so) rather than be half-checked.  mosquitto's psk listeners use
 * no certificate either.  The priority gains the PSK key exchanges:
 * +ECDHE-PSK and +DHE-PSK (forward secrecy; under TLS 1.3 the psk_dhe_ke
 * mode) ahead of +PSK (psk_ke under TLS 1.3, the key alone).
 *
 * The key is given to GnuTLS raw and is never in a message, detail or
 * event of this file: only the identity, which the ClientHello (1.3)
 * or ClientKeyExchange (1.2) carries in the clear anyway.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "tls_internal.h"

int
tls_psk_load(struct tls_creds *c, const struct tls_config *cfg, char *err,
    size_t errlen)
{
	gnutls_datum_t id = { (unsigned char *)(uintptr_t)cfg->psk_identity,
	    (unsigned)strlen(cfg->psk_identity) };
	gnutls_datum_t key = { (unsigned char *)(uintptr_t)cfg->psk_key,
	    (unsigned)cfg->psk_key_len };
	int rc;

	rc = gnutls_psk_allocate_client_credentials(&c->psk);
	if (rc < 0) {
		c->psk = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* GnuTLS keeps its own copy of both */
	rc = gnutls_psk_set_client_credentials2(c->psk, &id, &key,
	    GNUTLS_PSK_KEY_RAW);
	if (rc < 0) {
		/* the key is not in the message, only where it came from */
		snprintf(err, errlen, "%s: GnuTLS refused the pre-shared key "
		    "for identity '%s': %s", cfg->psk_key_from != NULL ?
		    cfg->psk_key_from : "the pre-shared key", cfg->psk_identity,
		    gnutls_strerror(rc));
		return -1;
	}
	snprintf(c->psk_identity, sizeof(c->psk_identity), "%s",
	    cfg->psk_identity);
	return 0;
}

void
tls_psk_free(struct tls_creds *c)
{
	if (c->psk != NULL)
		gnutls_psk_free_client_credentials(c->psk);
	c->psk = NULL;
}

/*
 * The built-in offer becomes PSK only; a --priority of the user's keeps
 * what it says and gains the PSK key exchanges (which no GnuTLS keyword
 * like NORMAL enables by itself).
 */
const char *
tls_psk_priority_suffix(const struct tls_creds *c, bool user_priority)
{
	if (c->psk == NULL)
		return "";
	return user_priority ? ":+ECDHE-PSK:+DHE-PSK:+PSK" :
	    ":-KX-ALL:+ECDHE-PSK:+DHE-PSK:+PSK";
}

/* The hint is the server's text: printable ASCII kept, the rest as \xNN,
 * so that no byte of it can steer a terminal. */
static void
tls_psk_hint_text(const char *hint, char *buf, size_t len)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)hint;
	    *p != '\0' && o + 5 < len; p++)
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			buf[o++] = (char)*p;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", *p);
	buf[o] = '\0';
}

/*
 * The server's flight is complete without a certificate: under TLS 1.3
 * its Finished is next (after EncryptedExtensions), under TLS 1.2 its
 * ServerHelloDone came (after the ServerKeyExchange with the hint).
 * Step 3 ends here, as it ends at the chain with certificates; the key
 * is proven only in step 5 (Finished), as a certificate's key is.
 */
void
tls_psk_server_done(struct tls_session *t)
{
	struct tls_milestone m = { .kind = TLSM_PSK };
	bool tls12 = gnutls_protocol_get_version(t->s) == GNUTLS_TLS1_2;
	const char *hint = tls12 ? gnutls_psk_client_get_hint(t->s) : NULL;
	char shown[4 * 128 + 8];	/* GnuTLS keeps 128 bytes of it */

	t->psk_told = true;
	tls_add(&m, "authentication", "pre-shared key (TLS-PSK): no "
	    "certificate was used");
	tls_add(&m, "psk_identity", "%s", t->creds->psk_identity);
	if (hint != NULL && hint[0] != '\0') {
		tls_psk_hint_text(hint, shown, sizeof(shown));
		tls_add(&m, "psk_hint", "%s", shown);
	} else
		tls_add(&m, "psk_hint", "%s", tls12 ? "none sent" :
		    "none (TLS 1.3 has no identity hint)");
	tls_event(t, 0, EVK_INFO, DIR_NONE, 0, "the server took the "
	    "pre-shared key of identity '%s': no certificate",
	    t->creds->psk_identity);
	if (!tls_milestone(t, &m))
		t->stopped = true;
}

void
tls_psk_done_details(struct tls_session *t, struct tls_milestone *m)
{
	gnutls_kx_algorithm_t kx = gnutls_kx_get(t->s);
	const char *name = gnutls_kx_get_name(kx);

	/* PSK, ECDHE-PSK or DHE-PSK: whether the session has forward
	 * secrecy, which the key alone (PSK) does not give */
	tls_add(m, "key_exchange", "%s%s", name != NULL ? name : "unknown",
	    kx == GNUTLS_KX_PSK ? " (the key alone: no forward secrecy)" :
	    kx == GNUTLS_KX_ECDHE_PSK || kx == GNUTLS_KX_DHE_PSK ?
	    " (the key and an ephemeral Diffie-Hellman: forward secrecy)" :
	    "");
}

const char *
tls_psk_alert_words(const struct tls_session *t,
    gnutls_alert_description_t a)
{
	(void)t;
	switch (a) {
	case GNUTLS_A_BAD_RECORD_MAC:
		return "; with a pre-shared key this most likely means the key "
		    "is wrong: the server could not decrypt our Finished "
		    "(TLS 1.2)";
	case GNUTLS_A_ILLEGAL_PARAMETER:
	case GNUTLS_A_DECRYPT_ERROR:
		return "; with a pre-shared key this most likely means the key "
		    "is wrong: the server could not check the binder our "
		    "ClientHello carries for the identity (TLS 1.3)";
	case GNUTLS_A_UNKNOWN_PSK_IDENTITY:
		return "; the server knows no pre-shared key for this "
		    "identity";
	case GNUTLS_A_HANDSHAKE_FAILURE:
		return "; with a pre-shared key this most likely means the "
		    "server knows no key for the identity (TLS 1.3), or takes "
		    "no PSK at all on this port";
	default:
		return "";
	}
}
