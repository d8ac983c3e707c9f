/*
 * tls_internal.h: what the files of the GnuTLS layer share, and nothing
 * outside src/transport/tls*.c includes.
 *
 *   tls.c          the session: start, handshake, send, recv, close
 *   tls_creds.c    credentials and the system trust store's thread
 *   tls_records.c  what crosses the socket: push/pull, record and
 *                  handshake-message watching, the key log
 *   tls_chain.c    the server's chain in words and the verify callback
 *   tls_psk.c      TLS-PSK: the pre-shared key's credentials, and step
 *                  3 when the key, not a certificate, authenticates
 *   tls_client_ca.c  the CAs the server accepts client certificates
 *                  from, against ours (the certificate retrieve callback)
 */
#ifndef TLS_INTERNAL_H
#define TLS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "probe_io.h"
#include "tls.h"

/*
 * The system trust store costs 4-13 ms to parse (144 CAs), more than a
 * whole loopback handshake, and it is needed only at step 4.  So it is
 * parsed on a background thread, started with the first TLS session
 * (tls_systrust_start), while the ClientHello and the server's answer
 * cross the network; the verify callback joins the thread before
 * anything reads the trust list.  --cafile and --capath never load it.
 *
 * The thread touches nothing but its own trust list (GnuTLS objects are
 * safe to use from different threads as long as each has one user).
 * The credentials are changed only at the join, on the thread that
 * verifies: a GnuTLS client reads the credentials' trust list only in
 * verification (certificate_verify_peers and its OCSP check), and every
 * verification of ours runs in tls_verify_cb, which joins first.  The
 * mutex makes the first join the only one when probes run in parallel.
 */
enum tls_sys_state {
	TLS_SYS_UNUSED,		/* --cafile/--capath: never loaded */
	TLS_SYS_WANTED,		/* to be loaded, from the first tls_start */
	TLS_SYS_LOADING,	/* the thread runs */
	TLS_SYS_LOADED,		/* sys_rc and sys_tl are ready, not installed */
	TLS_SYS_DONE,		/* installed in cred, or failed: see sys_rc */
};

struct tls_creds {
	gnutls_certificate_credentials_t cred;
	/* TLS-PSK: set, the session offers the key alone (cred unused) */
	gnutls_psk_client_credentials_t psk;
	char psk_identity[256];
	gnutls_priority_t prio;
	bool insecure;
	bool client_cert;	/* --cert was loaded */
	unsigned nanchors;
	char anchors_from[REPORT_TEXT_MAX];

	/* --crlfile: its path (for the background trust list too) and
	 * its CRLs parsed, to say when a revoked certificate was */
	const char *crlfile;
	gnutls_x509_crl_t *crls;
	unsigned ncrls;

	/* --cert taken back out of cred for tls_client_ca.c's callback,
	 * which hands it out: our chain as certificates (own) and as
	 * GnuTLS hands them to a session (pcerts), and the key */
	gnutls_x509_crt_t *own;
	unsigned nown;
	gnutls_pcert_st *pcerts;
	unsigned npcerts;
	gnutls_privkey_t pkey;
	char own_subject[256], own_issuer[256];
	bool ca_list_hooked;	/* the callback is installed */

	/* what the checks of the local files found (step 0 findings) */
	size_t nlocal;
	struct report_finding local[8];

	pthread_mutex_t sys_lock;
	enum tls_sys_state sys_state;
	pthread_t sys_thread;
	gnutls_x509_trust_list_t sys_tl; /* the thread's until joined */
	int sys_rc;			/* anchors loaded, or a GnuTLS error */
	uint64_t sys_start_us, sys_end_us;
};

/* What the server's CertificateRequest listed (tls_client_ca.c). */
struct tls_client_ca {
	bool asked;		/* the retrieve callback ran */
	bool reported;		/* told to the engine */
	bool listed;		/* our chain names one of the CAs */
	unsigned ncas;		/* names listed */
	char cas[REPORT_TEXT_MAX];	/* the first few, "; " between */
	char matched[256];	/* the listed name our chain has */
};

/* Bytes kept from the start of what the peer sent, to show a plaintext
 * server's banner in words. */
#define TLS_PEEK_MAX 64
/* Our handshake messages of one flight, at most (a client's TLS 1.3
 * flight: Certificate, CertificateVerify, Finished). */
#define TLS_OUTMSG_MAX 6

struct tls_session {
	gnutls_session_t s;
	struct tls_creds *creds;
	int fd;
	struct tls_hooks hooks;
	struct tls_params params;
	gnutls_priority_t prio;	/* params.priority's, or NULL: the creds' */
	FILE *keylog;

	bool hello_pending;	/* a ClientHello is built, not yet written */
	bool after_hrr;		/* the next ClientHello answers an HRR */
	bool cert_seen;		/* TLSM_CERTIFICATE emitted */
	bool verify_failed;	/* the engine chose to stop at step 4 */
	bool verified;		/* step 4 passed (or --insecure): step 5 runs */
	struct tls_client_ca cca;
	bool cert_requested;	/* the server sent a CertificateRequest */
	bool stopped;		/* the engine ended the handshake early */
	bool handshake_done;	/* failures from now on are not "during
				   the handshake" */
	bool psk_told;		/* TLSM_PSK emitted */
	bool server_cert_msg;	/* a Certificate arrived (under PSK: the
				   server went the certificate way) */
	uint64_t deadline_us;	/* the running call's, for tls_pull and
				   tls_pull_timeout */
	bool timed_out;		/* tls_pull refused: the deadline passed */
	bool app_data;		/* tls_recv returned data from the peer */
	unsigned long warnings;	/* warning alerts and HelloRequests
				   ignored: a flood is named by its count */
	int last_errno;		/* from the transport, GnuTLS folds it */
	struct tls_recwatch {	/* record boundaries, per direction */
		uint8_t hdr[5];
		size_t have;	/* header bytes seen */
		size_t left;	/* body bytes still to pass */
	} rec[2];
	size_t bytes_in, bytes_out;
	uint8_t peek[TLS_PEEK_MAX];
	size_t npeek;
	uint8_t held[8];	/* TLS 1.3 compatibility CCS, not yet sent */
	size_t nheld;
	/* our handshake messages, listed when the record that carries
	 * each is written, so the trace is in wire order (TLS 1.2's
	 * ChangeCipherSpec before its Finished) */
	struct tls_outmsg {
		size_t size;
		char name[64];
	} outmsg[TLS_OUTMSG_MAX];
	size_t noutmsg;
};

/* Events go straight to the engine's observer. */
#define tls_event(t, level, kind, dir, size, ...) \
	io_say(&(t)->hooks.obs, (level), (kind), (dir), (size), __VA_ARGS__)

/* tls.c: small helpers every file of the layer uses */
void tls_add(struct tls_milestone *m, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool tls_milestone(struct tls_session *t, struct tls_milestone *m);
void tls_err(struct io_error *err, enum report_cause cause, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
void tls_hello_details(struct tls_session *t, struct tls_milestone *m);

/* tls_creds.c: the system trust store */
void tls_systrust_start(struct tls_creds *c);
int tls_systrust_join(struct tls_creds *c, uint64_t deadline_us,
    uint64_t *waited_us, char *why, size_t whylen);

/* tls_records.c: the GnuTLS callbacks that watch the bytes */
ssize_t tls_push(gnutls_transport_ptr_t ptr, const giovec_t *iov,
    int iovcnt);
ssize_t tls_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len);
int tls_pull_timeout(gnutls_transport_ptr_t ptr, unsigned ms);
FILE *tls_keylog_open(const char *path);
const char *tls_keylog_error(int e);
int tls_keylog(gnutls_session_t s, const char *label,
    const gnutls_datum_t *secret);
int tls_hook(gnutls_session_t s, unsigned htype, unsigned when,
    unsigned incoming, const gnutls_datum_t *msg);
/* List the handshake messages still waiting for their record. */
void tls_outmsg_flush(struct tls_session *t);

/* tls_psk.c: TLS-PSK */
int tls_psk_load(struct tls_creds *c, const struct tls_config *cfg,
    char *err, size_t errlen);
void tls_psk_free(struct tls_creds *c);
/* What a PSK offer adds to the priority string. */
const char *tls_psk_priority_suffix(const struct tls_creds *c,
    bool user_priority);
/* The hook saw the server's flight end: step 3 without a certificate. */
void tls_psk_server_done(struct tls_session *t);
/* Step 5's details under PSK: the key exchange. */
void tls_psk_done_details(struct tls_session *t, struct tls_milestone *m);
/* Words for a fatal alert under PSK (what it most likely means), or
 * "" when it means nothing particular. */
const char *tls_psk_alert_words(const struct tls_session *t,
    gnutls_alert_description_t a);

/* tls_chain.c: verification */
/* A certificate's subject (or issuer) DN in words, "(none)" if none. */
void tls_chain_dn(gnutls_x509_crt_t crt, bool issuer, char *buf,
    size_t len);
int tls_verify_cb(gnutls_session_t s);

/* tls_client_ca.c: install the retrieve callback (after --cert was
 * loaded), free what it kept, and report to the engine at the end of a
 * handshake that reached step 5 */
void tls_client_ca_setup(struct tls_creds *c);
void tls_client_ca_free(struct tls_creds *c);
void tls_client_ca_report(struct tls_session *t);

#endif
