/*
 * tls_crl_reason.h: why a CRL revoked a certificate (RFC 5280, 5.3.1).
 *
 * GnuTLS reads a CRL entry's serial and date but not its reasonCode
 * extension; libtasn1, GnuTLS's own ASN.1 library, decodes it here
 * against the small definition in tls_crl_reason.asn.  Pure: no GnuTLS,
 * no I/O, so the fuzzer (fuzz/fuzz_crl_reason.c) drives it directly.
 */
#ifndef TLS_CRL_REASON_H
#define TLS_CRL_REASON_H

#include <stddef.h>

/* Larger CRLs are not read for a reason (their dates still are). */
#define TLS_CRL_REASON_MAX_DER (32u << 20)

/* No entry for the serial, or the CRL could not be decoded. */
#define TLS_CRL_REASON_UNREAD (-1)

/*
 * The reason code (0 unspecified, 1 keyCompromise, ... 10 aACompromise,
 * or whatever non-negative number the CRL holds) of the entry for the
 * certificate whose serial is serial[0..slen) (its INTEGER's content
 * octets, as gnutls_x509_crt_get_serial gives them), in the DER CRL
 * der[0..len).  An entry without a reasonCode is 0: RFC 5280 tells CRL
 * issuers to leave it out rather than say unspecified.  Otherwise
 * TLS_CRL_REASON_UNREAD.  Time and memory grow with len only, bounded
 * by TLS_CRL_REASON_MAX_DER.
 */
int tls_crl_reason(const unsigned char *der, size_t len,
    const unsigned char *serial, size_t slen);

/* The reason's name in RFC 5280's words ("keyCompromise"), or
 * "unknown" for a number it does not define. */
const char *tls_crl_reason_name(int reason);

#endif
