/*
 * tls.c: struct tls_ops over GnuTLS: the session's start, handshake,
 * send, receive and close.
 *
 * GnuTLS does every piece of cryptography and verification; this layer
 * only watches it.  The observation points (handshake hook, verify
 * callback, transport functions, key log) are the ones measured in
 * shared/reference/gnutls-notes.md, and each is turned into a milestone
 * or an event for the engine.  Nothing here decides whether the probe
 * goes on: the verify callback asks the engine.  The other files of the
 * layer are listed in tls_internal.h.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>

#include "tls_internal.h"

/* --- small helpers ---------------------------------------------------- */

void
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

bool
tls_milestone(struct tls_session *t, struct tls_milestone *m)
{
	bool go;

	if (t->hooks.milestone == NULL)
		return true;
	go = t->hooks.milestone(t->hooks.ctx, m);
	/* the engine may have held the step (--pause) and moved its
	 * deadline: what GnuTLS does next in this handshake call (the
	 * reads through tls_pull) must see the new one */
	if (t->hooks.deadline != NULL && !t->handshake_done)
		t->deadline_us = *t->hooks.deadline;
	return go;
}

void
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

/* Has the running call's deadline passed?  Asked on every pass of every
 * loop that reads from the peer, not only when a read would block. */
static bool
tls_past_deadline(struct tls_session *t, uint64_t deadline_us)
{
	return clock_monotonic.now_us(clock_monotonic.ctx) >= deadline_us ||
	    t->timed_out;
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

/* --- session -------------------------------------------------------------- */

/* Describe what the ClientHello carries, for step 2's details. */
void
tls_hello_details(struct tls_session *t, struct tls_milestone *m)
{
	const unsigned *list = NULL;
	int n = gnutls_priority_protocol_list(t->prio != NULL ? t->prio :
	    t->creds->prio, &list);
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
	if (p->priority != NULL) {
		/* a follow-up experiment's own offer (diagnose.c) */
		rc = gnutls_priority_init(&t->prio, p->priority, NULL);
		if (rc < 0) {
			tls_err(err, CAUSE_LOCAL, "priority '%s': %s",
			    p->priority, gnutls_strerror(rc));
			gnutls_deinit(t->s);
			free(t);
			return NULL;
		}
		gnutls_priority_set(t->s, t->prio);
	} else
		gnutls_priority_set(t->s, c->prio);
	if (c->psk != NULL)
		/* the key alone: no certificate credentials (tls_psk.c) */
		gnutls_credentials_set(t->s, GNUTLS_CRD_PSK, c->psk);
	else {
		gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, c->cred);
		/* ask for the OCSP staple (GnuTLS's default today, said
		 * here so step 4 never depends on it): verification checks
		 * a revoked one */
		gnutls_ocsp_status_request_enable_client(t->s, NULL, 0, NULL);
	}
	if (p->sni != NULL)
		gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, p->sni,
		    strlen(p->sni));
	if (tls_set_alpn(t, err) == -1) {
		gnutls_deinit(t->s);
		if (t->prio != NULL)
			gnutls_priority_deinit(t->prio);
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
	/* ours replaces GnuTLS's writer, SSLKEYLOGFILE included */
	gnutls_session_set_keylog_function(t->s, tls_keylog);
	if (p->keylog != NULL) {
		t->keylog = tls_keylog_open(p->keylog);
		if (t->keylog == NULL) {
			tls_err(err, CAUSE_LOCAL, "key log %s: %s", p->keylog,
			    tls_keylog_error(errno));
			gnutls_deinit(t->s);
			if (t->prio != NULL)
				gnutls_priority_deinit(t->prio);
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
		tls_err(err, CAUSE_TLS, "the server sent TLS alert %s (%d): "
		    "%s%s%s", name, (int)a, gnutls_alert_get_name(a) ?
		    gnutls_alert_get_name(a) : "unknown alert",
		    t->creds->psk != NULL ? tls_psk_alert_words(t, a) : "",
		    !t->cert_requested ? "" : t->creds->client_cert ?
		    " (it asked for a client certificate: it may not trust "
		    "ours)" : " (it asked for a client certificate and none "
		    "was given)");
		snprintf(err->alert, sizeof(err->alert), "%s", name);
		/* TLS 1.3: our handshake ends before the server has judged
		 * our certificate; its verdict is the first thing it sends */
		err->tls_rejected = t->handshake_done && t->cert_requested &&
		    !t->app_data;
		return;
	}
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		if (t->bytes_in == 0 && t->cert_seen == false &&
		    t->last_errno == ECONNRESET) {
			tls_err(err, CAUSE_PROTOCOL, "the server reset the "
			    "connection after our ClientHello without a TLS "
			    "answer: this looks like a plaintext MQTT listener, "
			    "not TLS");
			return;
		}
		/* a reset met by a read or a write: the same words as
		 * GnuTLS's premature termination below, whichever of the
		 * two the timing of the RST made it */
		if (t->handshake_done && t->last_errno == ECONNRESET) {
			tls_err(err, CAUSE_NETWORK, "the server reset the "
			    "connection after the TLS handshake (TCP RST, "
			    "without TLS close_notify)");
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
	if (t->creds->psk != NULL && t->server_cert_msg &&
	    !t->handshake_done) {
		/* TLS 1.3: a server that took none of our keys may go on
		 * with its certificate, which the PSK offer has no
		 * credentials for */
		tls_err(err, CAUSE_TLS, "the server did not take the "
		    "pre-shared key of identity '%s': it answered with a "
		    "certificate instead (not a PSK listener, or it knows no "
		    "key for this identity) (%s)", t->creds->psk_identity,
		    gnutls_strerror(rc));
		return;
	}
	if (!t->handshake_done && t->warnings > 0) {
		/* GnuTLS ends a handshake that only gets warning alerts
		 * (16 in 3.7) with an "internal error": say what happened */
		tls_err(err, CAUSE_TLS, "the server sent %lu TLS warning "
		    "alert%s and no handshake message; GnuTLS gave up (%s)",
		    t->warnings, t->warnings == 1 ? "" : "s",
		    gnutls_strerror(rc));
		return;
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
	if (t->creds->psk != NULL) {
		tls_add(m, "signature", "none (pre-shared key)");
		tls_psk_done_details(t, m);
	} else
		tls_add(m, "signature", "%s", sig != NULL ? sig : "unknown");
	if (gnutls_alpn_get_selected_protocol(t->s, &alpn) == 0)
		tls_add(m, "alpn_selected", "%.*s", (int)alpn.size, alpn.data);
	else if (t->params.alpn != NULL)
		tls_add(m, "alpn_selected", "none (offered %s)", t->params.alpn);
	if (desc != NULL) {
		tls_add(m, "session", "%s", desc);
		gnutls_free(desc);
	}
	/* two numbers, not one phrase: programs read them */
	tls_add(m, "handshake_bytes_sent", "%zu", t->bytes_out);
	tls_add(m, "handshake_bytes_received", "%zu", t->bytes_in);
}

/* What the handshake was waiting for when the deadline came. */
static void
tls_handshake_wait_failed(struct tls_session *t, int w, struct io_error *err)
{
	char what[REPORT_TEXT_MAX];

	if (t->bytes_in == 0)
		snprintf(what, sizeof(what), "waiting for the server's answer "
		    "to our ClientHello (a silent server, or a firewall "
		    "dropping packets)");
	else if (t->warnings > 0)
		snprintf(what, sizeof(what), "waiting for the server's next "
		    "handshake message (it sent %lu warning alert%s instead)",
		    t->warnings, t->warnings == 1 ? "" : "s");
	else
		snprintf(what, sizeof(what), "waiting for the server's next "
		    "handshake message");
	tls_wait_failed(w, what, err);
}

static int
tls_handshake(struct tls_session *t, uint64_t deadline_us, struct io_error *err)
{
	int rc;

	t->deadline_us = deadline_us;
	for (;;) {
		int w = IOWAIT_DEADLINE;

		/* moved by the milestones of the last pass (--pause) */
		if (t->hooks.deadline != NULL)
			deadline_us = t->deadline_us = *t->hooks.deadline;
		if (!tls_past_deadline(t, deadline_us))
			rc = gnutls_handshake(t->s);
		else
			rc = GNUTLS_E_AGAIN;	/* fails below, named */
		/* a milestone of this very call may have moved it */
		deadline_us = t->deadline_us;
		/* messages whose record never went out are listed still */
		if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED)
			tls_outmsg_flush(t);
		if (rc == 0)
			break;
		if (t->stopped) {
			tls_err(err, CAUSE_NONE, "handshake ended early, as "
			    "asked");
			return -1;
		}
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED ||
		    t->timed_out) {
			/* our flight is out: overlap the wait with the load */
			tls_systrust_start(t->creds);
			if (!tls_past_deadline(t, deadline_us))
				w = tls_wait(t, deadline_us);
			if (w != IOWAIT_READY) {
				tls_client_ca_report(t);
				tls_handshake_wait_failed(t, w, err);
				return -1;
			}
			continue;
		}
		if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED) {
			gnutls_alert_description_t a = gnutls_alert_get(t->s);
			char name[64];

			tls_alert_name(a, name, sizeof(name));
			t->warnings++;
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
		/* TLS 1.2: a refused client certificate ends the handshake */
		tls_client_ca_report(t);
		tls_describe_error(t, rc, err);
		return -1;
	}
	tls_client_ca_report(t);
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
		ssize_t n;

		if (tls_past_deadline(t, deadline_us)) {
			tls_wait_failed(IOWAIT_DEADLINE, "sending", err);
			return -1;
		}
		n = gnutls_record_send(t->s, buf + off, len - off);
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

static void
tls_recv_timed_out(struct tls_session *t, struct io_error *err)
{
	tls_wait_failed(IOWAIT_DEADLINE, "waiting", err);
	/* a flood is named: the engine shows this beside its own words */
	if (t->warnings > 0)
		tls_err(err, CAUSE_TIMEOUT, "the server sent %lu HelloRequest%s "
		    "or TLS warning alert%s meanwhile, which the probe ignores",
		    t->warnings, t->warnings == 1 ? "" : "s",
		    t->warnings == 1 ? "" : "s");
}

static long
tls_recv(struct tls_session *t, uint8_t *buf, size_t cap,
    uint64_t deadline_us, struct io_error *err)
{
	t->deadline_us = deadline_us;
	for (;;) {
		ssize_t n;

		/* every pass: warning alerts, HelloRequests and session
		 * tickets can come forever without a read blocking */
		if (tls_past_deadline(t, deadline_us)) {
			tls_recv_timed_out(t, err);
			return -1;
		}
		n = gnutls_record_recv(t->s, buf, cap);
		if (n > 0)
			t->app_data = true;
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
		    n == GNUTLS_E_REHANDSHAKE) {
			/* the probe never renegotiates: a HelloRequest is
			 * ignored, as RFC 5246 (7.4.1.1) allows */
			t->warnings++;
			tls_event(t, 1, EVK_INFO, DIR_NONE, 0, "ignored %s",
			    n == GNUTLS_E_REHANDSHAKE ? "a HelloRequest (the "
			    "probe does not renegotiate)" :
			    "a TLS warning alert");
			continue;
		}
		if (t->timed_out) {
			tls_recv_timed_out(t, err);
			return -1;
		}
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
	if (t->prio != NULL)
		gnutls_priority_deinit(t->prio);
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
