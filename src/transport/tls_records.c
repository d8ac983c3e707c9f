/*
 * tls_records.c: what crosses the socket under GnuTLS.  The transport
 * functions GnuTLS calls (push, pull, pull timeout) count and show the
 * bytes and TLS records; the handshake hook shows each handshake
 * message, and the key log callback tells when keys come into being.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "tls_internal.h"

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
tls_outmsg_say(struct tls_session *t, const struct tls_outmsg *m)
{
	tls_event(t, 1, EVK_TLS_MSG, DIR_OUT, m->size, "-> %s (%zu bytes)",
	    m->name, m->size);
}

/* The oldest message waiting, before the record that carries it. */
static void
tls_outmsg_pop(struct tls_session *t)
{
	if (t->noutmsg == 0)
		return;
	tls_outmsg_say(t, &t->outmsg[0]);
	memmove(&t->outmsg[0], &t->outmsg[1], (t->noutmsg - 1) *
	    sizeof(t->outmsg[0]));
	t->noutmsg--;
}

void
tls_outmsg_flush(struct tls_session *t)
{
	while (t->noutmsg > 0)
		tls_outmsg_pop(t);
}

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
		/* a handshake record carries the next message; so does an
		 * encrypted one (type 23) before the handshake is done */
		if (dir == DIR_OUT && (w->hdr[0] == 22 || (w->hdr[0] == 23 &&
		    !t->handshake_done)))
			tls_outmsg_pop(t);
		tls_event(t, 2, EVK_TLS_RECORD, dir, w->left + 5,
		    "%s TLS record %s (%u), %zu byte%s", dir == DIR_OUT ?
		    "->" : "<-", tls_content_type(w->hdr[0]), w->hdr[0],
		    w->left, w->left == 1 ? "" : "s");
		/* a trainer is asked about it: TLS 1.3 has no CCS */
		if (w->hdr[0] == 20 &&
		    gnutls_protocol_get_version(t->s) == GNUTLS_TLS1_3)
			tls_event(t, 1, EVK_INFO, DIR_NONE, 0, "%s ChangeCipherSpec "
			    "is TLS 1.3's middlebox compatibility (RFC 8446, "
			    "D.4): it carries nothing and changes nothing; "
			    "TLS 1.3 switches keys without it, and it only "
			    "makes the handshake look like TLS 1.2's to old "
			    "network boxes", dir == DIR_OUT ? "our" :
			    "the server's");
	}
}

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
ssize_t
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

ssize_t
tls_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
	struct tls_session *t = ptr;
	ssize_t n;

	/* the engine has what it asked for: end the handshake here */
	if (t->stopped) {
		gnutls_transport_set_errno(t->s, ECANCELED);
		return -1;
	}
	/* GnuTLS may loop inside one call over what a peer streams (alerts,
	 * handshake messages) without a read ever blocking: every read it
	 * makes meets the deadline here */
	if (clock_monotonic.now_us(clock_monotonic.ctx) >= t->deadline_us) {
		t->timed_out = true;
		gnutls_transport_set_errno(t->s, ETIMEDOUT);
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
int
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

/*
 * The key log holds traffic secrets, which decrypt any capture of the
 * session (and the CONNECT password in it): created 0600 whatever the
 * umask, only appended to, and never through a symbolic link.  It is
 * ours to write for SSLKEYLOGFILE too (main.c passes that on), since
 * GnuTLS's own writer would create it with the umask's mode.
 */
FILE *
tls_keylog_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0600);
	FILE *f;

	if (fd == -1)
		return NULL;
	if ((f = fdopen(fd, "a")) == NULL) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return f;
}

/* Why tls_keylog_open failed, in words. */
const char *
tls_keylog_error(int e)
{
	return e == ELOOP ? "is a symbolic link; name the file itself" :
	    strerror(e);
}

int
tls_keylog(gnutls_session_t s, const char *label, const gnutls_datum_t *secret)
{
	struct tls_session *t = gnutls_session_get_ptr(s);

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

int
tls_hook(gnutls_session_t s, unsigned htype, unsigned when, unsigned incoming,
    const gnutls_datum_t *msg)
{
	struct tls_session *t = gnutls_session_get_ptr(s);
	const char *name = gnutls_handshake_description_get_name(
	    (gnutls_handshake_description_t)htype);

	/* sizes of received messages are right only at PRE; ours wait
	 * for the record that carries them (tls_watch_records) */
	if (when == GNUTLS_HOOK_PRE && !incoming &&
	    t->noutmsg < TLS_OUTMSG_MAX) {
		struct tls_outmsg *m = &t->outmsg[t->noutmsg++];

		m->size = msg != NULL ? msg->size : 0;
		snprintf(m->name, sizeof(m->name), "%s", name != NULL ? name :
		    "?");
	} else if (when == GNUTLS_HOOK_PRE)
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
	if (incoming && htype == GNUTLS_HANDSHAKE_CERTIFICATE_PKT &&
	    when == GNUTLS_HOOK_PRE)
		t->server_cert_msg = true;
	/* TLS-PSK: the server's flight ended without a certificate (its
	 * TLS 1.3 Finished is next, or TLS 1.2's ServerHelloDone came) */
	if (t->creds->psk != NULL && incoming && !t->psk_told &&
	    !t->server_cert_msg && !t->stopped &&
	    ((htype == GNUTLS_HANDSHAKE_FINISHED && when == GNUTLS_HOOK_PRE) ||
	    (htype == GNUTLS_HANDSHAKE_SERVER_HELLO_DONE &&
	    when == GNUTLS_HOOK_POST)))
		tls_psk_server_done(t);
	/* a non-zero return makes GnuTLS end the handshake */
	return t->stopped ? GNUTLS_E_APPLICATION_ERROR_MIN : 0;
}
