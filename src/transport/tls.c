/*
 * tls.c: struct tls_ops over GnuTLS.
 *
 * GnuTLS does every piece of cryptography and verification; this file
 * only watches it.  The observation points (handshake hook, verify
 * callback, transport functions, key log) are the ones measured in
 * shared/reference/gnutls-notes.md, and each is turned into a milestone
 * or an event for the engine.  Nothing here decides whether the probe
 * goes on: the verify callback asks the engine.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "options.h"
#include "tls.h"

const char tls_default_priority[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";

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
	gnutls_priority_t prio;
	bool insecure;
	bool client_cert;	/* --cert was loaded */
	unsigned nanchors;
	char anchors_from[REPORT_TEXT_MAX];

	pthread_mutex_t sys_lock;
	enum tls_sys_state sys_state;
	pthread_t sys_thread;
	gnutls_x509_trust_list_t sys_tl; /* the thread's until joined */
	int sys_rc;			/* anchors loaded, or a GnuTLS error */
	uint64_t sys_start_us, sys_end_us;
};

/* Bytes kept from the start of what the peer sent, to show a plaintext
 * server's banner in words. */
#define TLS_PEEK_MAX 64

struct tls_session {
	gnutls_session_t s;
	struct tls_creds *creds;
	int fd;
	struct tls_hooks hooks;
	struct tls_params params;
	gnutls_keylog_func prev_keylog;
	FILE *keylog;

	bool hello_pending;	/* a ClientHello is built, not yet written */
	bool after_hrr;		/* the next ClientHello answers an HRR */
	bool cert_seen;		/* TLSM_CERTIFICATE emitted */
	bool verify_failed;	/* the engine chose to stop at step 4 */
	bool cert_requested;	/* the server sent a CertificateRequest */
	bool stopped;		/* the engine ended the handshake early */
	bool handshake_done;	/* failures from now on are not "during
				   the handshake" */
	uint64_t deadline_us;	/* the running call's, for tls_pull_timeout */
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
};

/* --- small helpers ---------------------------------------------------- */

/* Events go straight to the engine's observer. */
#define tls_event(t, level, kind, dir, size, ...) \
	io_say(&(t)->hooks.obs, (level), (kind), (dir), (size), __VA_ARGS__)

static void
tls_add(struct tls_milestone *m, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
tls_add(struct tls_milestone *m, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (m->ndetails >= TLSM_MAX_DETAILS)
		return;
	m->details[m->ndetails].key = key;
	va_start(ap, fmt);
	vsnprintf(m->details[m->ndetails].text,
	    sizeof(m->details[m->ndetails].text), fmt, ap);
	va_end(ap);
	m->ndetails++;
}

static bool
tls_milestone(struct tls_session *t, struct tls_milestone *m)
{
	if (t->hooks.milestone == NULL)
		return true;
	return t->hooks.milestone(t->hooks.ctx, m);
}

static void
tls_err(struct io_error *err, enum report_cause cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
tls_err(struct io_error *err, enum report_cause cause, const char *fmt, ...)
{
	va_list ap;

	err->cause = cause;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
}

/* Wait until fd is ready for what GnuTLS wants next, or the deadline. */
static int
tls_wait(struct tls_session *t, uint64_t deadline_us)
{
	return iowait(t->fd, gnutls_record_get_direction(t->s) ? POLLOUT :
	    POLLIN, deadline_us);
}

/* The io_error for a wait that did not end ready. */
static void
tls_wait_failed(int w, const char *what, struct io_error *err)
{
	if (w == IOWAIT_INTERRUPTED)
		tls_err(err, CAUSE_INTERRUPTED, "interrupted %s", what);
	else if (w == IOWAIT_DEADLINE)
		tls_err(err, CAUSE_TIMEOUT, "timed out %s", what);
	else
		tls_err(err, CAUSE_NETWORK, "poll: %s", strerror(errno));
}

/* --- credentials -------------------------------------------------------- */

/* Name the file in the message, with the system's own reason. */
static int
tls_check_readable(const char *opt, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	FILE *f;

	if (strncmp(path, "pkcs11:", 7) == 0)
		return 0;
	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s %s: %s", opt, path, strerror(errno));
		return -1;
	}
	/* fopen takes a directory; GnuTLS then only says "Error while
	 * reading file" */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s: %s", opt, path, strerror(EISDIR));
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* The background half of the system trust store (see struct tls_creds). */
static void *
tls_systrust_thread(void *arg)
{
	struct tls_creds *c = arg;

	/* the flag gnutls_certificate_set_x509_system_trust passes */
	c->sys_rc = gnutls_x509_trust_list_add_system_trust(c->sys_tl,
	    GNUTLS_TL_USE_IN_TLS, 0);
	c->sys_end_us = clock_monotonic.now_us(clock_monotonic.ctx);
	return NULL;
}

/*
 * Start loading the system trust store, once, when the first handshake
 * has sent its ClientHello and waits for the answer: the load runs
 * while the flight crosses the network.  Not earlier: beside the
 * resolver's own thread (getaddrinfo_a) it slowed step 1 by up to a few
 * ms on a 2-core machine, and started before the ClientHello, with the
 * other core busy, it sometimes held the probe's thread off for a whole
 * scheduler slice (about 3 ms) before the ClientHello left.
 */
static void
tls_systrust_start(struct tls_creds *c)
{
	pthread_mutex_lock(&c->sys_lock);
	if (c->sys_state == TLS_SYS_WANTED) {
		c->sys_start_us = clock_monotonic.now_us(clock_monotonic.ctx);
		if (pthread_create(&c->sys_thread, NULL, tls_systrust_thread,
		    c) == 0)
			c->sys_state = TLS_SYS_LOADING;
		else {
			/* no thread to be had: load it now, only slower */
			tls_systrust_thread(c);
			c->sys_state = TLS_SYS_LOADED;
		}
	}
	pthread_mutex_unlock(&c->sys_lock);
}

/*
 * Make the system trust store ready for verification: wait for the
 * thread, then hand its trust list to the credentials.  Returns 0, or
 * -1 with the reason in words when the store gave no anchor; *waited_us
 * is how long this call waited.  A no-op with --cafile or --capath.
 */
static int
tls_systrust_join(struct tls_creds *c, uint64_t *waited_us, char *why,
    size_t whylen)
{
	uint64_t t0 = clock_monotonic.now_us(clock_monotonic.ctx);
	int rc = 0;

	/* a session always starts first; this is only in case */
	tls_systrust_start(c);
	pthread_mutex_lock(&c->sys_lock);
	if (c->sys_state == TLS_SYS_LOADING) {
		pthread_join(c->sys_thread, NULL);
		c->sys_state = TLS_SYS_LOADED;
	}
	if (c->sys_state == TLS_SYS_LOADED) {
		if (c->sys_rc > 0) {
			/* the credentials take the list, and free their
			 * own empty one */
			gnutls_certificate_set_trust_list(c->cred, c->sys_tl, 0);
			c->nanchors = (unsigned)c->sys_rc;
		} else
			gnutls_x509_trust_list_deinit(c->sys_tl, 1);
		c->sys_tl = NULL;
		c->sys_state = TLS_SYS_DONE;
	}
	if (c->sys_state == TLS_SYS_DONE && c->sys_rc <= 0) {
		/* a local problem, but found only now: step 4 fails with
		 * it (exit 4), or --insecure goes on, UNVERIFIED */
		snprintf(why, whylen, "the system trust store %s; name a CA "
		    "with --cafile", c->sys_rc == 0 ? "holds no certificates" :
		    gnutls_strerror(c->sys_rc));
		rc = -1;
	}
	pthread_mutex_unlock(&c->sys_lock);
	*waited_us = clock_monotonic.now_us(clock_monotonic.ctx) - t0;
	return rc;
}

static const char *
tls_version_suffix(int v)
{
	switch (v) {
	case 12:
		return ":-VERS-ALL:+VERS-TLS1.2";
	case 13:
		return ":-VERS-ALL:+VERS-TLS1.3";
	default:
		return "";
	}
}

struct tls_creds *
tls_creds_load(const struct tls_config *cfg, char *err, size_t errlen,
    int *status)
{
	struct tls_creds *c;
	char prio[1024];
	const char *errpos = NULL;
	int rc;

	*status = EXIT_NOINPUT;
	c = calloc(1, sizeof(*c));
	if (c == NULL || gnutls_certificate_allocate_credentials(&c->cred) < 0) {
		snprintf(err, errlen, "out of memory");
		*status = EXIT_INTERNAL;
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->sys_lock, NULL);
	c->insecure = cfg->insecure;

	if (cfg->cafile != NULL) {
		if (tls_check_readable("--cafile", cfg->cafile, err, errlen))
			goto fail;
		rc = gnutls_certificate_set_x509_trust_file(c->cred,
		    cfg->cafile, GNUTLS_X509_FMT_PEM);
		/* 0 is what GnuTLS returns for an empty or garbage file */
		if (rc <= 0) {
			snprintf(err, errlen, "--cafile %s: %s", cfg->cafile,
			    rc == 0 ? "no PEM certificate found in the file" :
			    gnutls_strerror(rc));
			goto fail;
		}
		c->nanchors += (unsigned)rc;
		snprintf(c->anchors_from, sizeof(c->anchors_from), "%s",
		    cfg->cafile);
	}
	if (cfg->capath != NULL) {
		/* GnuTLS says "no certificate" for a missing directory too */
		DIR *dir = opendir(cfg->capath);

		if (dir == NULL) {
			snprintf(err, errlen, "--capath %s: %s", cfg->capath,
			    strerror(errno));
			goto fail;
		}
		closedir(dir);
		rc = gnutls_certificate_set_x509_trust_dir(c->cred,
		    cfg->capath, GNUTLS_X509_FMT_PEM);
		if (rc <= 0) {
			snprintf(err, errlen, "--capath %s: %s", cfg->capath,
			    rc == 0 ? "no PEM certificate found in the "
			    "directory" : gnutls_strerror(rc));
			goto fail;
		}
		c->nanchors += (unsigned)rc;
		snprintf(c->anchors_from, sizeof(c->anchors_from), "%s",
		    cfg->capath);
	}
	if (cfg->cafile == NULL && cfg->capath == NULL)
		snprintf(c->anchors_from, sizeof(c->anchors_from),
		    "the system trust store");	/* loaded last, below */

	if (cfg->cert != NULL) {
		const char *key = cfg->key != NULL ? cfg->key : cfg->cert;

		if (tls_check_readable("--cert", cfg->cert, err, errlen) ||
		    tls_check_readable("--key", key, err, errlen))
			goto fail;
		rc = gnutls_certificate_set_x509_key_file2(c->cred, cfg->cert,
		    key, GNUTLS_X509_FMT_PEM, cfg->key_password, 0);
		if (rc < 0) {
			switch (rc) {
			case GNUTLS_E_DECRYPTION_FAILED:
				snprintf(err, errlen, "--key %s: cannot decrypt "
				    "the key: %s", key, cfg->key_password ?
				    "wrong passphrase (--key-password-file)" :
				    "it is encrypted: give --key-password-file");
				break;
			case GNUTLS_E_CERTIFICATE_KEY_MISMATCH:
				snprintf(err, errlen, "--cert %s and --key %s do "
				    "not match", cfg->cert, key);
				break;
			default:
				snprintf(err, errlen, "--cert %s / --key %s: %s",
				    cfg->cert, key, gnutls_strerror(rc));
			}
			goto fail;
		}
		c->client_cert = true;
	}

	if (cfg->keylog != NULL) {
		/* each session appends to it at step 2; a path that cannot
		 * be written is the user's to fix, before any connection */
		FILE *kl = fopen(cfg->keylog, "a");

		if (kl == NULL) {
			snprintf(err, errlen, "--keylog %s: %s", cfg->keylog,
			    strerror(errno));
			goto fail;
		}
		fclose(kl);
	}

	snprintf(prio, sizeof(prio), "%s%s", cfg->priority != NULL ?
	    cfg->priority : tls_default_priority,
	    tls_version_suffix(cfg->tls_version));
	rc = gnutls_priority_init(&c->prio, prio, &errpos);
	if (rc < 0) {
		*status = EXIT_USAGE;
		if (rc == GNUTLS_E_INVALID_REQUEST && errpos != NULL)
			snprintf(err, errlen, "--priority: syntax error at "
			    "'%s' in '%s'", errpos, prio);
		else
			snprintf(err, errlen, "--priority '%s': %s", prio,
			    gnutls_strerror(rc));
		goto fail;
	}
	/* loaded later, in the background (tls_systrust_start); an empty
	 * store fails step 4 */
	if (cfg->cafile == NULL && cfg->capath == NULL) {
		if (gnutls_x509_trust_list_init(&c->sys_tl, 0) < 0) {
			snprintf(err, errlen, "out of memory");
			*status = EXIT_INTERNAL;
			goto fail;
		}
		c->sys_state = TLS_SYS_WANTED;
	}
	return c;
fail:
	tls_creds_free(c);
	return NULL;
}

void
tls_creds_free(struct tls_creds *c)
{
	if (c == NULL)
		return;
	/* a probe that ended before step 4 never joined the thread */
	if (c->sys_state == TLS_SYS_LOADING)
		pthread_join(c->sys_thread, NULL);
	if (c->sys_tl != NULL)
		gnutls_x509_trust_list_deinit(c->sys_tl, 1);
	pthread_mutex_destroy(&c->sys_lock);
	if (c->prio != NULL)
		gnutls_priority_deinit(c->prio);
	gnutls_certificate_free_credentials(c->cred);
	free(c);
}

/* --- transport ---------------------------------------------------------- */

static const char *
tls_content_type(uint8_t type)
{
	switch (type) {
	case 20:
		return "change_cipher_spec";
	case 21:
		return "alert";
	case 22:
		return "handshake";
	case 23:
		return "application_data";
	default:
		return "not TLS";
	}
}

/*
 * Follow record boundaries in what crosses the socket, to show each TLS
 * record with its content type and length.  Under TLS 1.3 everything
 * after ServerHello travels as application_data: the real type is
 * encrypted inside.
 */
static void
tls_watch_records(struct tls_session *t, enum report_dir dir,
    const uint8_t *buf, size_t n)
{
	struct tls_recwatch *w = &t->rec[dir == DIR_OUT ? 0 : 1];

	while (n > 0) {
		if (w->left > 0) {
			size_t take = w->left < n ? w->left : n;

			w->left -= take;
			buf += take;
			n -= take;
			continue;
		}
		w->hdr[w->have++] = *buf++;
		n--;
		if (w->have < sizeof(w->hdr))
			continue;
		w->have = 0;
		w->left = ((size_t)w->hdr[3] << 8) | w->hdr[4];
		tls_event(t, 2, EVK_TLS_RECORD, dir, w->left + 5,
		    "%s TLS record %s (%u), %zu byte%s", dir == DIR_OUT ?
		    "->" : "<-", tls_content_type(w->hdr[0]), w->hdr[0],
		    w->left, w->left == 1 ? "" : "s");
	}
}

static void tls_hello_details(struct tls_session *t, struct tls_milestone *m);

static void
tls_keep(struct tls_session *t, const uint8_t *buf, size_t n)
{
	size_t take = TLS_PEEK_MAX - t->npeek;

	if (take > n)
		take = n;
	memcpy(t->peek + t->npeek, buf, take);
	t->npeek += take;
}

/* The middlebox-compatibility ChangeCipherSpec of TLS 1.3 (RFC 8446,
 * D.4), which GnuTLS writes by itself as soon as ServerHello arrives. */
static const uint8_t tls_compat_ccs[6] = { 20, 3, 3, 0, 1, 1 };

static bool
tls_is_compat_ccs(struct tls_session *t, const giovec_t *iov, int iovcnt)
{
	return t->nheld == 0 && iovcnt == 1 &&
	    iov[0].iov_len == sizeof(tls_compat_ccs) &&
	    memcmp(iov[0].iov_base, tls_compat_ccs, sizeof(tls_compat_ccs)) ==
	    0 && gnutls_protocol_get_version(t->s) == GNUTLS_TLS1_3;
}

#define TLS_PUSH_IOV_MAX 16

/*
 * A whole flight goes out in one sendmsg (one segment on loopback), and
 * MSG_NOSIGNAL keeps a reset peer from killing us with SIGPIPE.
 *
 * GnuTLS writes TLS 1.3's compatibility CCS on its own, a flight ahead
 * of the Finished it belongs with: it is held here and goes out in front
 * of the next write (our Finished, or an alert), so {CCS, Finished} is
 * one write too.  The server needs it for nothing, so holding it costs
 * no time; if no write follows, the connection is ending anyway.
 */
static ssize_t
tls_push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
	struct tls_session *t = ptr;
	struct msghdr msg = { 0 };
	struct iovec v[TLS_PUSH_IOV_MAX + 1];
	size_t from_held;
	ssize_t n, written;
	int one = 1;

	if (tls_is_compat_ccs(t, iov, iovcnt)) {
		memcpy(t->held, tls_compat_ccs, sizeof(tls_compat_ccs));
		t->nheld = sizeof(tls_compat_ccs);
		tls_event(t, 2, EVK_NET, DIR_NONE, 0, "compatibility "
		    "ChangeCipherSpec held, to leave with our Finished");
		return (ssize_t)sizeof(tls_compat_ccs);
	}
	msg.msg_iov = (struct iovec *)(uintptr_t)iov;
	msg.msg_iovlen = (size_t)iovcnt;
	if (t->nheld > 0 && iovcnt <= TLS_PUSH_IOV_MAX) {
		v[0].iov_base = t->held;
		v[0].iov_len = t->nheld;
		for (int i = 0; i < iovcnt; i++)
			v[i + 1] = iov[i];	/* giovec_t is struct iovec */
		msg.msg_iov = v;
		msg.msg_iovlen = (size_t)iovcnt + 1;
	} else if (t->nheld > 0) {
		/* too many pieces to prepend to: the held bytes go alone */
		v[0].iov_base = t->held;
		v[0].iov_len = t->nheld;
		msg.msg_iov = v;
		msg.msg_iovlen = 1;
	}
	n = sendmsg(t->fd, &msg, MSG_NOSIGNAL);
	if (n == -1) {
		t->last_errno = errno;
		gnutls_transport_set_errno(t->s, errno);
		return -1;
	}
	t->bytes_out += (size_t)n;
	written = n;
	from_held = msg.msg_iov == v ? ((size_t)n < t->nheld ? (size_t)n :
	    t->nheld) : 0;
	if (from_held > 0) {
		tls_watch_records(t, DIR_OUT, t->held, from_held);
		memmove(t->held, t->held + from_held, t->nheld - from_held);
		t->nheld -= from_held;
	}
	if (msg.msg_iov == v && (size_t)n == from_held) {
		/* nothing of GnuTLS's own data left yet: it tries again */
		setsockopt(t->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		gnutls_transport_set_errno(t->s, EAGAIN);
		return -1;
	}
	n -= (ssize_t)from_held;
	{
		size_t left = (size_t)n;

		for (int i = 0; i < iovcnt && left > 0; i++) {
			size_t part = iov[i].iov_len < left ? iov[i].iov_len :
			    left;

			tls_watch_records(t, DIR_OUT, iov[i].iov_base, part);
			left -= part;
		}
	}
	/* re-arm quick ACKs: the broker's Nagle otherwise waits on our
	 * delayed ACK for 40 ms (gnutls-notes.md, latency artefact) */
	setsockopt(t->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	tls_event(t, 2, EVK_NET, DIR_OUT, (size_t)written, "wrote %zd bytes",
	    written);
	if (t->hello_pending) {
		struct tls_milestone m = { .kind = TLSM_HELLO_SENT,
		    .retry = t->after_hrr };

		t->hello_pending = false;
		tls_hello_details(t, &m);
		tls_add(&m, "client_hello_bytes", "%zd", n);
		if (!tls_milestone(t, &m))
			t->stopped = true;
	}
	return n;
}

static ssize_t
tls_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
	struct tls_session *t = ptr;
	ssize_t n;

	/* the engine has what it asked for: end the handshake here */
	if (t->stopped) {
		gnutls_transport_set_errno(t->s, ECANCELED);
		return -1;
	}
	n = recv(t->fd, buf, len, 0);

	if (n == -1) {
		t->last_errno = errno;
		gnutls_transport_set_errno(t->s, errno);
		return -1;
	}
	if (n > 0) {
		bool first = t->bytes_in == 0;
		uint8_t type = ((const uint8_t *)buf)[0];

		tls_keep(t, buf, (size_t)n);
		t->bytes_in += (size_t)n;
		tls_event(t, 2, EVK_NET, DIR_IN, (size_t)n, "read %zd bytes", n);
		if (!first || (type >= 20 && type <= 23))
			tls_watch_records(t, DIR_IN, buf, (size_t)n);
		/* every TLS record starts with a content type from 20 to 23:
		 * anything else is another protocol, and waiting for a record
		 * that never comes (a 4-byte CONNACK) would only hit the
		 * deadline */
		if (first && (type < 20 || type > 23)) {
			gnutls_transport_set_errno(t->s, EPROTO);
			t->last_errno = EPROTO;
			return -1;
		}
	}
	return n;
}

/* Required with a custom pull function (gnutls-notes.md, Transport). */
static int
tls_pull_timeout(gnutls_transport_ptr_t ptr, unsigned ms)
{
	struct tls_session *t = ptr;
	uint64_t until = ms == GNUTLS_INDEFINITE_TIMEOUT ? UINT64_MAX :
	    clock_monotonic.now_us(NULL) + (uint64_t)ms * 1000u;
	int w;

	/* whatever GnuTLS asks for, never past the probe's deadline */
	if (until > t->deadline_us)
		until = t->deadline_us;
	w = iowait(t->fd, POLLIN, until);

	return w == IOWAIT_READY ? 1 : w == IOWAIT_DEADLINE ? 0 : -1;
}

/* --- key log ---------------------------------------------------------- */

static int
tls_keylog(gnutls_session_t s, const char *label, const gnutls_datum_t *secret)
{
	struct tls_session *t = gnutls_session_get_ptr(s);

	/* keep SSLKEYLOGFILE working: ours replaced GnuTLS's default */
	if (t->prev_keylog != NULL)
		t->prev_keylog(s, label, secret);
	if (t->keylog != NULL) {
		gnutls_datum_t crand, srand;

		gnutls_session_get_random(s, &crand, &srand);
		fprintf(t->keylog, "%s ", label);
		for (unsigned i = 0; i < crand.size; i++)
			fprintf(t->keylog, "%02x", crand.data[i]);
		fputc(' ', t->keylog);
		for (unsigned i = 0; i < secret->size; i++)
			fprintf(t->keylog, "%02x", secret->data[i]);
		fputc('\n', t->keylog);
		fflush(t->keylog);
	}
	/* the label alone tells when keys come into being; never the secret */
	if (strcmp(label, "CLIENT_HANDSHAKE_TRAFFIC_SECRET") == 0)
		tls_event(t, 0, EVK_KEYS, DIR_NONE, 0, "handshake traffic keys derived: the rest of "
		    "the server's handshake is encrypted");
	else if (strcmp(label, "CLIENT_TRAFFIC_SECRET_0") == 0)
		tls_event(t, 1, EVK_KEYS, DIR_NONE, 0, "application traffic keys derived");
	else if (strcmp(label, "CLIENT_RANDOM") == 0)
		tls_event(t, 1, EVK_KEYS, DIR_NONE, 0, "TLS 1.2 master secret derived");
	return 0;
}

/* --- handshake hook -------------------------------------------------- */

static int
tls_hook(gnutls_session_t s, unsigned htype, unsigned when, unsigned incoming,
    const gnutls_datum_t *msg)
{
	struct tls_session *t = gnutls_session_get_ptr(s);
	const char *name = gnutls_handshake_description_get_name(
	    (gnutls_handshake_description_t)htype);

	/* sizes of received messages are right only at PRE */
	if (when == GNUTLS_HOOK_PRE)
		tls_event(t, 1, EVK_TLS_MSG, incoming ? DIR_IN : DIR_OUT, msg != NULL ? msg->size : 0, "%s %s (%u bytes)", incoming ? "<-" : "->",
		    name != NULL ? name : "?", msg != NULL ? msg->size : 0);

	if (!incoming && htype == GNUTLS_HANDSHAKE_CLIENT_HELLO &&
	    when == GNUTLS_HOOK_POST)
		t->hello_pending = true;
	if (incoming && htype == GNUTLS_HANDSHAKE_HELLO_RETRY_REQUEST &&
	    when == GNUTLS_HOOK_PRE) {
		t->after_hrr = true;
		tls_event(t, 0, EVK_INFO, DIR_NONE, 0, "HelloRetryRequest: the server wants another "
		    "key share group, so a second ClientHello follows");
	}
	if (incoming && htype == GNUTLS_HANDSHAKE_CERTIFICATE_REQUEST &&
	    when == GNUTLS_HOOK_PRE) {
		t->cert_requested = true;
		tls_event(t, 0, EVK_INFO, DIR_NONE, 0, "the server asks for a client certificate (%s)",
		    t->creds->client_cert ? "ours will be sent" :
		    "none was given with --cert");
	}
	if (incoming && htype == GNUTLS_HANDSHAKE_SERVER_HELLO &&
	    when == GNUTLS_HOOK_POST) {
		struct tls_milestone m = { .kind = TLSM_SERVER_HELLO };
		const char *v = gnutls_protocol_get_name(
		    gnutls_protocol_get_version(s));

		tls_add(&m, "tls_version", "%s", v != NULL ? v : "unknown");
		if (!tls_milestone(t, &m))
			t->stopped = true;
	}
	/* a non-zero return makes GnuTLS end the handshake */
	return t->stopped ? GNUTLS_E_APPLICATION_ERROR_MIN : 0;
}

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

static void
tls_dn(gnutls_x509_crt_t crt, bool issuer, char *buf, size_t len)
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
	tls_dn(crts[0], false, buf, sizeof(buf));
	tls_add(m, "leaf_subject", "%s", buf);
	tls_dn(crts[0], true, buf, sizeof(buf));
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
		tls_dn(crts[i], false, c->subject, sizeof(c->subject));
		tls_dn(crts[i], true, c->issuer, sizeof(c->issuer));
		tls_sans(crts[i], c->sans, sizeof(c->sans));
		c->not_before = gnutls_x509_crt_get_activation_time(crts[i]);
		c->not_after = gnutls_x509_crt_get_expiration_time(crts[i]);
		tls_sha256(crts[i], false, c->sha256, sizeof(c->sha256));
		tls_sha256(crts[i], true, c->spki_sha256,
		    sizeof(c->spki_sha256));
		tls_fmt_date((time_t)c->not_before, from, sizeof(from));
		tls_fmt_date((time_t)c->not_after, to, sizeof(to));
		tls_event(t, 1, EVK_INFO, DIR_NONE, 0, "certificate %u: %s, "
		    "issued by %s, valid %s to %s, SPKI sha256 %s", i,
		    c->subject, c->issuer, from, to, c->spki_sha256);
	}
}

/*
 * Words for every failure bit, with the specifics the user needs to act:
 * how long ago it expired, which name was checked against which SANs.
 */
static void
tls_explain(struct tls_session *t, unsigned status, gnutls_x509_crt_t *crts,
    unsigned n, char *words, size_t wlen, char *keys, size_t klen)
{
	time_t now = time(NULL);
	size_t wu = 0, ku = 0;

	words[0] = keys[0] = '\0';
	for (size_t i = 0; i < sizeof(tls_status_words) /
	    sizeof(tls_status_words[0]); i++) {
		char extra[REPORT_TEXT_MAX] = "";
		unsigned bit = tls_status_words[i].bit;
		const char *kw = tls_status_words[i].keyword;

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
		} else if (bit == GNUTLS_CERT_UNEXPECTED_OWNER && n > 0) {
			char sans[300];

			tls_sans(crts[0], sans, sizeof(sans));
			snprintf(extra, sizeof(extra), ": checked '%s' against "
			    "%s", t->params.verify_host, sans[0] != '\0' ? sans :
			    "the subject CN (the certificate has no SAN)");
		} else if (bit == GNUTLS_CERT_SIGNER_NOT_FOUND && n > 0) {
			char subj[200], iss[200];
			gnutls_x509_crt_t last = crts[n - 1];

			tls_dn(last, false, subj, sizeof(subj));
			tls_dn(last, true, iss, sizeof(iss));
			if (gnutls_x509_crt_check_issuer(last, last) && n == 1) {
				kw = "self-signed";
				snprintf(extra, sizeof(extra), ": the "
				    "certificate is self-signed (%s) and not "
				    "in %s", subj, t->creds->anchors_from);
			} else
				snprintf(extra, sizeof(extra), ": no trust "
				    "anchor in %s issued '%s'",
				    t->creds->anchors_from, iss);
		}
		wu += (size_t)snprintf(words + wu, wu < wlen ? wlen - wu : 0,
		    "%s%s%s", wu > 0 ? "; " : "", tls_status_words[i].words,
		    extra);
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
		tls_dn(issuer, false, buf, len);
		gnutls_x509_crt_deinit(issuer);
	} else {
		unsigned status = 1;

		/* the top certificate may itself be an anchor; the call
		 * succeeds either way, only its status tells */
		if (gnutls_x509_trust_list_verify_crt(tl, &top, 1, 0, &status,
		    NULL) == 0 && status == 0)
			tls_dn(top, false, buf, len);
	}
}

static int
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
	char words[REPORT_TEXT_MAX], keys[REPORT_TEXT_MAX], buf[REPORT_TEXT_MAX];
	time_t now = time(NULL), earliest = 0;
	uint64_t waited_us = 0;
	int rc;
	bool go;

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
	t->cert_seen = true;
	if (!tls_milestone(t, &cert)) {
		t->stopped = true;
		for (unsigned i = 0; crts != NULL && i < n; i++)
			gnutls_x509_crt_deinit(crts[i]);
		free(crts);
		return GNUTLS_E_CERTIFICATE_ERROR;
	}

	/* the system trust store may still be loading: wait for it here,
	 * the first moment it is needed */
	if (tls_systrust_join(t->creds, &waited_us, buf, sizeof(buf)) == -1) {
		status = GNUTLS_CERT_INVALID;
		snprintf(words, sizeof(words), "verification could not run: %s",
		    buf);
		snprintf(keys, sizeof(keys), "error");
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
		    sizeof(keys));

verdict:
	ver.ok = status == 0;
	tls_add(&ver, "verdict", "%s", ver.ok ? "trusted" : "NOT trusted");
	if (!ver.ok) {
		tls_add(&ver, "problems", "%s", keys);
		ver.reason = words;
	}
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
		tls_fmt_date(earliest, buf, sizeof(buf));
		tls_add(&ver, "days_left", "%ld", tls_days(earliest, now));
		tls_add(&ver, "earliest_expiry", "%s", buf);
	}
	tls_add(&ver, "ocsp_staple", "%s",
	    !gnutls_ocsp_status_request_is_checked(s, GNUTLS_OCSP_SR_IS_AVAIL) ?
	    "none" : gnutls_ocsp_status_request_is_checked(s, 0) ?
	    "good" : "present, not valid");

	for (unsigned i = 0; crts != NULL && i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	free(crts);

	go = tls_milestone(t, &ver);
	if (!go) {
		t->verify_failed = true;
		return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
	}
	return 0;
}

/* --- session -------------------------------------------------------------- */

/* Describe what the ClientHello carries, for step 2's details. */
static void
tls_hello_details(struct tls_session *t, struct tls_milestone *m)
{
	const unsigned *list = NULL;
	int n = gnutls_priority_protocol_list(t->creds->prio, &list);
	char versions[128] = "";
	size_t used = 0;

	for (int i = 0; i < n && used < sizeof(versions); i++) {
		const char *name = gnutls_protocol_get_name(
		    (gnutls_protocol_t)list[i]);

		used += (size_t)snprintf(versions + used, sizeof(versions) -
		    used, "%s%s", i > 0 ? "," : "", name ? name : "?");
	}
	tls_add(m, "versions_offered", "%s", versions);
	tls_add(m, "sni", "%s", t->params.sni != NULL ? t->params.sni :
	    "none (IP literal)");
	tls_add(m, "alpn_offered", "%s", t->params.alpn != NULL ?
	    t->params.alpn : "none");
}

static int
tls_set_alpn(struct tls_session *t, struct io_error *err)
{
	gnutls_datum_t protos[16];
	char copy[1024];
	unsigned n = 0;
	char *save = NULL;

	if (t->params.alpn == NULL)
		return 0;
	snprintf(copy, sizeof(copy), "%s", t->params.alpn);
	for (char *p = strtok_r(copy, ",", &save); p != NULL && n < 16;
	    p = strtok_r(NULL, ",", &save)) {
		protos[n].data = (unsigned char *)p;
		protos[n++].size = (unsigned)strlen(p);
	}
	if (gnutls_alpn_set_protocols(t->s, protos, n, 0) < 0) {
		tls_err(err, CAUSE_LOCAL, "--alpn: GnuTLS refused the list");
		return -1;
	}
	return 0;
}

static struct tls_session *
tls_start(void *ctx, int fd, const struct tls_params *p,
    const struct tls_hooks *h, struct io_error *err)
{
	struct tls_creds *c = ctx;
	struct tls_session *t = calloc(1, sizeof(*t));
	int rc;

	if (t == NULL) {
		tls_err(err, CAUSE_LOCAL, "out of memory");
		return NULL;
	}
	t->creds = c;
	t->fd = fd;
	t->hooks = *h;
	t->params = *p;
	rc = gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	if (rc < 0) {
		tls_err(err, CAUSE_LOCAL, "cannot start TLS: %s",
		    gnutls_strerror(rc));
		free(t);
		return NULL;
	}
	gnutls_session_set_ptr(t->s, t);
	gnutls_priority_set(t->s, c->prio);
	gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, c->cred);
	if (p->sni != NULL)
		gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, p->sni,
		    strlen(p->sni));
	if (tls_set_alpn(t, err) == -1) {
		gnutls_deinit(t->s);
		free(t);
		return NULL;
	}
	gnutls_transport_set_ptr(t->s, t);
	gnutls_transport_set_vec_push_function(t->s, tls_push);
	gnutls_transport_set_pull_function(t->s, tls_pull);
	gnutls_transport_set_pull_timeout_function(t->s, tls_pull_timeout);
	gnutls_handshake_set_hook_function(t->s, GNUTLS_HANDSHAKE_ANY,
	    GNUTLS_HOOK_BOTH, tls_hook);
	gnutls_session_set_verify_function(t->s, tls_verify_cb);
	t->prev_keylog = gnutls_session_get_keylog_function(t->s);
	gnutls_session_set_keylog_function(t->s, tls_keylog);
	if (p->keylog != NULL) {
		t->keylog = fopen(p->keylog, "a");
		if (t->keylog == NULL) {
			tls_err(err, CAUSE_LOCAL, "--keylog %s: %s", p->keylog,
			    strerror(errno));
			gnutls_deinit(t->s);
			free(t);
			return NULL;
		}
	}
	return t;
}

/* Is what the peer sent readable text (a banner, an HTTP answer)? */
static bool
tls_peek_is_text(const struct tls_session *t)
{
	if (t->npeek == 0)
		return false;
	for (size_t i = 0; i < t->npeek; i++) {
		uint8_t ch = t->peek[i];

		if (ch != '\r' && ch != '\n' && ch != '\t' &&
		    (ch < 0x20 || ch > 0x7e))
			return false;
	}
	return true;
}

static void
tls_peek_text(const struct tls_session *t, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < t->npeek && o + 5 < len; i++) {
		uint8_t ch = t->peek[i];

		if (ch == '\r')
			o += (size_t)snprintf(buf + o, len - o, "\\r");
		else if (ch == '\n')
			o += (size_t)snprintf(buf + o, len - o, "\\n");
		else if (ch >= 0x20 && ch < 0x7f)
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", ch);
	}
	buf[o < len ? o : len - 1] = '\0';
}

/* The RFC's name for an alert ("protocol_version"), which is what other
 * tools and server logs print, rather than GnuTLS's enum name. */
static void
tls_alert_name(gnutls_alert_description_t a, char *buf, size_t len)
{
	const char *s = gnutls_alert_get_strname(a);
	size_t i = 0;

	if (s == NULL)
		s = "unknown";
	if (strncmp(s, "GNUTLS_A_", 9) == 0)
		s += 9;
	for (; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' :
		    s[i]);
	buf[i] = '\0';
}

/*
 * Did the peer answer in something other than TLS?  Every TLS record
 * starts with a content type from 20 to 23; anything else is another
 * protocol, shown as text when it is text (an HTTP answer, a banner).
 */
static bool
tls_not_tls(struct tls_session *t, struct io_error *err)
{
	char text[TLS_PEEK_MAX * 4 + 1];
	ssize_t n;

	if (t->npeek == 0 || (t->peek[0] >= 20 && t->peek[0] <= 23))
		return false;
	/* GnuTLS stopped after a 5-byte header: fetch what else came */
	n = recv(t->fd, t->peek + t->npeek, TLS_PEEK_MAX - t->npeek,
	    MSG_DONTWAIT);
	if (n > 0)
		t->npeek += (size_t)n;
	if (t->peek[0] == 0x20 && t->npeek >= 2 && t->peek[1] == 0x02) {
		tls_err(err, CAUSE_PROTOCOL, "the server answered with a "
		    "plaintext MQTT CONNACK: this port speaks MQTT without TLS");
		return true;
	}
	tls_peek_text(t, text, sizeof(text));
	tls_err(err, CAUSE_PROTOCOL, "the server answered in plaintext, not "
	    "TLS%s: \"%s\"", tls_peek_is_text(t) ? "" : " (binary)", text);
	return true;
}

/* Turn a GnuTLS error into the exact reason, naming what the peer is. */
static void
tls_describe_error(struct tls_session *t, int rc, struct io_error *err)
{
	err->sys_errno = t->last_errno;
	if (tls_not_tls(t, err))
		return;
	switch (rc) {
	case GNUTLS_E_FATAL_ALERT_RECEIVED: {
		gnutls_alert_description_t a = gnutls_alert_get(t->s);
		char name[64];

		tls_alert_name(a, name, sizeof(name));
		tls_err(err, CAUSE_TLS, "the server sent TLS alert %s (%d): %s%s",
		    name, (int)a, gnutls_alert_get_name(a) ?
		    gnutls_alert_get_name(a) : "unknown alert",
		    !t->cert_requested ? "" : t->creds->client_cert ?
		    " (it asked for a client certificate: it may not trust "
		    "ours)" : " (it asked for a client certificate and none "
		    "was given)");
		return;
	}
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		if (t->bytes_in == 0 && t->cert_seen == false &&
		    t->last_errno == ECONNRESET) {
			tls_err(err, CAUSE_PROTOCOL, "the server reset the "
			    "connection after our ClientHello without a TLS "
			    "answer: this looks like a plaintext MQTT listener, "
			    "not TLS (try port 1883 without TLS, or the "
			    "broker's TLS port)");
			return;
		}
		tls_err(err, CAUSE_NETWORK, "connection failed %s: %s",
		    t->handshake_done ? "after the TLS handshake" :
		    "during the TLS handshake",
		    t->last_errno ? strerror(t->last_errno) : gnutls_strerror(rc));
		return;
	case GNUTLS_E_PREMATURE_TERMINATION:
		if (t->bytes_in == 0) {
			tls_err(err, CAUSE_CLOSED, "the server closed the "
			    "connection without a TLS answer: a plaintext "
			    "listener, or TLS not enabled on this port");
			return;
		}
		/* GnuTLS reports a reset met while sending this way too */
		if (t->handshake_done && t->last_errno == ECONNRESET)
			tls_err(err, CAUSE_CLOSED, "the server reset the "
			    "connection (TCP RST, without TLS close_notify)");
		else
			tls_err(err, CAUSE_CLOSED, "the server closed the "
			    "connection %s", t->handshake_done ? "without TLS "
			    "close_notify" : "in the middle of the TLS "
			    "handshake");
		return;
	default:
		break;
	}
	tls_err(err, CAUSE_TLS, "TLS error: %s", gnutls_strerror(rc));
}

static void
tls_done_details(struct tls_session *t, struct tls_milestone *m)
{
	gnutls_datum_t alpn;
	const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(
	    t->s));
	const char *suite = gnutls_ciphersuite_get(t->s);
	const char *group = gnutls_group_get_name(gnutls_group_get(t->s));
	const char *sig = gnutls_sign_get_name(
	    (gnutls_sign_algorithm_t)gnutls_sign_algorithm_get(t->s));
	char *desc = gnutls_session_get_desc(t->s);

	tls_add(m, "tls_version", "%s", v != NULL ? v : "unknown");
	tls_add(m, "cipher_suite", "%s", suite != NULL ? suite : "unknown");
	tls_add(m, "group", "%s", group != NULL ? group : "none");
	tls_add(m, "signature", "%s", sig != NULL ? sig : "unknown");
	if (gnutls_alpn_get_selected_protocol(t->s, &alpn) == 0)
		tls_add(m, "alpn_selected", "%.*s", (int)alpn.size, alpn.data);
	else if (t->params.alpn != NULL)
		tls_add(m, "alpn_selected", "none (offered %s)", t->params.alpn);
	if (desc != NULL) {
		tls_add(m, "session", "%s", desc);
		gnutls_free(desc);
	}
	tls_add(m, "handshake_bytes", "%zu sent, %zu received", t->bytes_out,
	    t->bytes_in);
}

static int
tls_handshake(struct tls_session *t, uint64_t deadline_us, struct io_error *err)
{
	int rc;

	t->deadline_us = deadline_us;
	for (;;) {
		rc = gnutls_handshake(t->s);
		if (rc == 0)
			break;
		if (t->stopped) {
			tls_err(err, CAUSE_NONE, "handshake ended early, as "
			    "asked");
			return -1;
		}
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			int w;

			/* our flight is out: overlap the wait with the load */
			tls_systrust_start(t->creds);
			w = tls_wait(t, deadline_us);
			if (w != IOWAIT_READY) {
				tls_wait_failed(w, t->bytes_in == 0 ?
				    "waiting for the server's answer to our "
				    "ClientHello (a silent server, or a "
				    "firewall dropping packets)" :
				    "waiting for the server's next handshake "
				    "message", err);
				return -1;
			}
			continue;
		}
		if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED) {
			gnutls_alert_description_t a = gnutls_alert_get(t->s);
			char name[64];

			tls_alert_name(a, name, sizeof(name));
			tls_event(t, 0, EVK_INFO, DIR_NONE, 0,
			    "warning alert from the server: %s", name);
			continue;
		}
		if (!gnutls_error_is_fatal(rc))
			continue;
		if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR &&
		    t->verify_failed) {
			/* tell the server why we leave; best effort */
			gnutls_alert_send_appropriate(t->s, rc);
			tls_err(err, CAUSE_VERIFY, "certificate rejected");
			return -1;
		}
		tls_describe_error(t, rc, err);
		return -1;
	}
	{
		struct tls_milestone m = { .kind = TLSM_DONE };

		t->handshake_done = true;

		tls_done_details(t, &m);
		tls_milestone(t, &m);
	}
	return 0;
}

/* Read what is already in the socket, without waiting, for an alert. */
static bool
tls_unread_alert(struct tls_session *t, struct io_error *err)
{
	uint8_t scratch[512];

	for (int i = 0; i < 8; i++) {
		ssize_t n = gnutls_record_recv(t->s, scratch, sizeof(scratch));

		if (n == GNUTLS_E_FATAL_ALERT_RECEIVED) {
			tls_describe_error(t, (int)n, err);
			return true;
		}
		if (n <= 0 && n != GNUTLS_E_INTERRUPTED &&
		    (n != GNUTLS_E_AGAIN || gnutls_record_check_pending(t->s)
		    == 0))
			return false;
	}
	return false;
}

static int
tls_send(struct tls_session *t, const uint8_t *buf, size_t len,
    uint64_t deadline_us, struct io_error *err)
{
	size_t off = 0;

	t->deadline_us = deadline_us;
	while (off < len) {
		ssize_t n = gnutls_record_send(t->s, buf + off, len - off);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			int w = tls_wait(t, deadline_us);

			if (w != IOWAIT_READY) {
				tls_wait_failed(w, "sending", err);
				return -1;
			}
			continue;
		}
		/* the peer may have said why before it hung up: a TLS 1.3
		 * server rejecting our certificate sends its alert after the
		 * handshake, and it can still sit unread in the socket */
		if (tls_unread_alert(t, err))
			return -1;
		tls_describe_error(t, (int)n, err);
		return -1;
	}
	return 0;
}

static long
tls_recv(struct tls_session *t, uint8_t *buf, size_t cap,
    uint64_t deadline_us, struct io_error *err)
{
	t->deadline_us = deadline_us;
	for (;;) {
		ssize_t n = gnutls_record_recv(t->s, buf, cap);

		if (n >= 0)
			return (long)n;
		/* TLS 1.3 session tickets surface here as AGAIN, even with
		 * data pending: drain before polling */
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			if (gnutls_record_check_pending(t->s) > 0)
				continue;
			int w = tls_wait(t, deadline_us);

			if (w != IOWAIT_READY) {
				tls_wait_failed(w, "waiting", err);
				return -1;
			}
			continue;
		}
		if (n == GNUTLS_E_WARNING_ALERT_RECEIVED ||
		    n == GNUTLS_E_REHANDSHAKE)
			continue;
		if (n == GNUTLS_E_PREMATURE_TERMINATION) {
			tls_err(err, CAUSE_CLOSED, "the server closed the "
			    "connection (without TLS close_notify)");
			return -1;
		}
		tls_describe_error(t, (int)n, err);
		return -1;
	}
}

static void
tls_close(struct tls_session *t, uint64_t deadline_us)
{
	if (t == NULL)
		return;
	t->deadline_us = deadline_us;
	for (;;) {
		int rc = gnutls_bye(t->s, GNUTLS_SHUT_WR);

		if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED)
			break;
		if (tls_wait(t, deadline_us) != IOWAIT_READY)
			break;
	}
	if (t->keylog != NULL)
		fclose(t->keylog);
	gnutls_deinit(t->s);
	free(t);
}

struct tls_ops
tls_gnutls_ops(struct tls_creds *c)
{
	struct tls_ops ops = {
		.start = tls_start,
		.handshake = tls_handshake,
		.send = tls_send,
		.recv = tls_recv,
		.close = tls_close,
		.ctx = c,
	};

	return ops;
}
