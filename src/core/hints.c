/*
 * hints.c: advice on a failure, keyed on the step and the cause, built
 * from the report (see hints.h).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hints.h"

/* The failed step's detail key, or NULL. */
static const char *
hints_detail(const struct report *r, int step, const char *key)
{
	return report_find_detail(r, step, key);
}

/*
 * A failure through a proxy: the proxy_error detail (proxy.h's stable
 * keys) says which side to look at, the proxy's or the target's.
 */
static void
hints_proxy(struct report *r, const struct hints_config *c,
    const char *pe, enum report_cause cause)
{
	const char *kind = hints_detail(r, STEP_TCP, "proxy_kind");
	const char *answer = hints_detail(r, STEP_TCP, "proxy_answer");
	bool socks = kind != NULL && strncmp(kind, "socks", 5) == 0;

	if (strcmp(pe, "unreachable") == 0)
		report_hint(r, "the proxy itself did not answer: check its host "
		    "and port in --proxy or ALL_PROXY (a URL without a port "
		    "means 1080), or use --proxy '' to connect directly");
	else if (strcmp(pe, "auth_required") == 0)
		report_hint(r, "give the proxy user in the URL (%s://USER@HOST:"
		    "PORT) and its password in --proxy-password-file or "
		    "MQTTS_PROBE_PROXY_PASSWORD", socks ? kind : "http");
	else if (strcmp(pe, "auth_refused") == 0)
		report_hint(r, "check the proxy user name in the URL and the "
		    "password in --proxy-password-file or "
		    "MQTTS_PROBE_PROXY_PASSWORD");
	else if (strcmp(pe, "forbidden") == 0)
		report_hint(r, "the proxy's rules forbid a tunnel to %s port %u: "
		    "many HTTP proxies allow CONNECT to port 443 only; ask for "
		    "port %u to be allowed (tinyproxy: ConnectPort, squid: "
		    "SSL_ports)", c->host, c->port, c->port);
	else if (strcmp(pe, "gateway") == 0)
		report_hint(r, "the proxy could not reach %s port %u itself: is "
		    "the broker running, and can the proxy resolve and reach "
		    "it?", c->host, c->port);
	else if (strcmp(pe, "socks_reply") == 0 && answer != NULL &&
	    strstr(answer, "0x05") != NULL)
		report_hint(r, "the proxy reached %s but nothing listens on port "
		    "%u there: is the broker running?", c->host, c->port);
	else if (strcmp(pe, "socks_reply") == 0 && answer != NULL &&
	    strstr(answer, "0x02") != NULL)
		report_hint(r, "the SOCKS5 proxy's rules forbid this target: ask "
		    "for %s port %u to be allowed", c->host, c->port);
	else if (strcmp(pe, "socks_reply") == 0)
		report_hint(r, "the SOCKS5 proxy could not connect to %s port "
		    "%u: check the target from the proxy's side%s", c->host,
		    c->port, kind != NULL && strcmp(kind, "socks5h") == 0 ?
		    "" : ", or let it resolve the name with socks5h://");
	else if (strcmp(pe, "protocol") == 0)
		report_hint(r, "the proxy did not speak %s: check the scheme of "
		    "the proxy URL (http:// for HTTP CONNECT, socks5:// or "
		    "socks5h:// for SOCKS5)", socks ? "SOCKS5" : "HTTP");
	else if (strcmp(pe, "resolve") == 0)
		report_hint(r, "the target's name does not resolve here: with "
		    "socks5h:// the proxy resolves it instead");
	else if (cause == CAUSE_TIMEOUT)
		report_hint(r, "the proxy did not finish the tunnel in time: it "
		    "may be waiting on the target; raise --timeout, or try "
		    "without the proxy (--proxy '')");
	else if (strcmp(pe, "connection") == 0)
		report_hint(r, "the proxy broke the connection off during the "
		    "tunnel: check that the URL's scheme fits the proxy (http://, "
		    "socks5://, socks5h://) and look at the proxy's log");
}

static void
hints_tcp(struct report *r, const struct hints_config *c,
    enum report_cause cause, int sys_errno)
{
	const char *pe = hints_detail(r, STEP_TCP, "proxy_error");

	if (pe != NULL && pe[0] != '\0') {
		hints_proxy(r, c, pe, cause);
		return;
	}
	if (cause == CAUSE_NETWORK && sys_errno == ECONNREFUSED)
		report_hint(r, "nothing listens on port %u there: is the broker "
		    "running, and is %u its TLS port (8883 is the usual one)?",
		    c->port, c->port);
	else if (cause == CAUSE_RESOLVE)
		report_hint(r, "check the host name, or use --connect-to ADDR to "
		    "reach it by address while keeping the name for TLS");
}

/* "2027-12-02 00:34 UTC" */
static void
hints_date(int64_t unix_s, char *buf, size_t len)
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, len, "%lld (Unix time)", (long long)unix_s);
}

/* Whether the comma-separated keyword list has word. */
static bool
hints_has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p != NULL && *p != '\0';) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncmp(p, word, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' '))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

/* "the broker's certificate (CN=x)" or "certificate 2 of the chain (CN=y)" */
static void
hints_which(const struct report *r, size_t i, char *buf, size_t len)
{
	if (i == 0)
		snprintf(buf, len, "the broker's certificate (%s)",
		    r->certs[0].subject);
	else
		snprintf(buf, len, "certificate %zu of the chain (%s)", i,
		    r->certs[i].subject);
}

static void
hints_expired(struct report *r, int64_t now)
{
	size_t worst = 0;
	bool found = false;
	char when[48], which[400];

	for (size_t i = 0; i < r->ncerts; i++)
		if (r->certs[i].not_after < now && (!found ||
		    r->certs[i].not_after < r->certs[worst].not_after)) {
			worst = i;
			found = true;
		}
	if (!found) {
		report_hint(r, "a certificate of the chain has expired: the "
		    "broker's certificate must be renewed");
		return;
	}
	hints_date(r->certs[worst].not_after, when, sizeof(when));
	hints_which(r, worst, which, sizeof(which));
	report_hint(r, "%s expired on %s, %lld day%s ago: it must be "
	    "renewed on the broker; no client setting can fix an expired "
	    "certificate", which, when,
	    (long long)((now - r->certs[worst].not_after) / 86400),
	    (now - r->certs[worst].not_after) / 86400 == 1 ? "" : "s");
}

static void
hints_not_yet_valid(struct report *r, int64_t now)
{
	size_t first = 0;
	bool found = false;
	char from[48], clock[48], which[400];

	for (size_t i = 0; i < r->ncerts; i++)
		if (r->certs[i].not_before > now && !found) {
			first = i;
			found = true;
		}
	hints_date(now, clock, sizeof(clock));
	if (!found) {
		report_hint(r, "a certificate is not valid yet by this machine's "
		    "clock (%s): check the clock", clock);
		return;
	}
	hints_date(r->certs[first].not_before, from, sizeof(from));
	hints_which(r, first, which, sizeof(which));
	report_hint(r, "%s is valid from %s, and this machine's clock says "
	    "%s: if the clock is wrong, set it (a device that boots in 1970 "
	    "rejects every certificate until NTP has set its clock); if the "
	    "clock is right, the certificate was issued with a start date in "
	    "the future and must be reissued", which, from, clock);
}

static void
hints_wrong_name(struct report *r, const struct hints_config *c)
{
	const char *checked = hints_detail(r, STEP_VERIFY, "checked_name");
	const char *names = r->ncerts > 0 && r->certs[0].sans[0] != '\0' ?
	    r->certs[0].sans : NULL;

	if (checked == NULL)
		checked = c->verify_hostname != NULL ? c->verify_hostname :
		    c->host != NULL ? c->host : "?";
	if (c->verify_hostname != NULL)
		report_hint(r, "the certificate is for %s, not for '%s' (given "
		    "with --verify-hostname): name the broker as its certificate "
		    "does", names != NULL ? names : "no name at all (no SAN)",
		    checked);
	else
		report_hint(r, "the certificate is for %s, not for '%s': probe "
		    "the broker by one of those names; --connect-to ADDR "
		    "reaches another address while checking the name, and "
		    "--verify-hostname NAME checks another name%s",
		    names != NULL ? names : "no name at all (it has no SAN)",
		    checked, c->connect_to != NULL ? "" : " (or the broker "
		    "needs a certificate that names it so)");
}

static void
hints_unknown_issuer(struct report *r, const struct hints_config *c)
{
	const struct report_cert *top = r->ncerts > 0 ?
	    &r->certs[r->ncerts - 1] : NULL;
	const char *issuer = top != NULL ? top->issuer : "?";

	if (c->ca_given)
		report_hint(r, "the CA given with --cafile/--capath did not "
		    "issue this chain, whose top was issued by '%s': give that "
		    "CA instead, or check that this is the broker you meant",
		    issuer);
	else
		report_hint(r, "the system trust store does not know '%s', "
		    "likely a private CA: give its certificate with --cafile "
		    "FILE", issuer);
}

static void
hints_self_signed(struct report *r)
{
	const struct report_cert *leaf = r->ncerts > 0 ? &r->certs[0] : NULL;

	report_hint(r, "the broker signed its own certificate (%s), so no CA "
	    "vouches for it: trust exactly that certificate by giving it with "
	    "--cafile (compare its SHA-256 fingerprint %s with the broker's "
	    "own first), or give the broker a certificate from a CA",
	    leaf != NULL ? leaf->subject : "?", leaf != NULL &&
	    leaf->sha256[0] != '\0' ? leaf->sha256 : "shown with -v");
}

/* Step 4: one hint per problem found, then the way to see the rest. */
static void
hints_verify(struct report *r, const struct hints_config *c)
{
	const char *problems = hints_detail(r, STEP_VERIFY, "problems");
	int64_t now = r->started_wall_us / 1000000;
	size_t before = r->nhints;

	if (hints_has_word(problems, "expired"))
		hints_expired(r, now);
	if (hints_has_word(problems, "not-yet-valid"))
		hints_not_yet_valid(r, now);
	if (hints_has_word(problems, "name-mismatch"))
		hints_wrong_name(r, c);
	if (hints_has_word(problems, "self-signed"))
		hints_self_signed(r);
	else if (hints_has_word(problems, "unknown-issuer"))
		hints_unknown_issuer(r, c);
	if (hints_has_word(problems, "incomplete-chain"))
		/* a lone leaf: its issuer may be a root we lack or, more
		 * often, the intermediate the broker did not send, and then
		 * --cafile is the wrong cure: every other client would
		 * still fail until the broker sends its chain */
		report_hint(r, "if '%s' is an intermediate CA, fix the broker, "
		    "not the client: its certificate file must hold its own "
		    "certificate followed by that intermediate (mosquitto: "
		    "certfile); giving it with --cafile would only hide the "
		    "problem from this probe", r->ncerts > 0 ?
		    r->certs[0].issuer : "?");
	if (r->nhints == before)
		report_hint(r, "the certificate must be fixed on the broker%s",
		    c->ca_given ? "" : ", or its CA given with --cafile");
	report_hint(r, "--insecure (-k) shows the rest of the walk anyway, "
	    "marked UNVERIFIED");
}

/* A version the server refused: name the one to try. */
static void
hints_version(struct report *r, const struct hints_config *c)
{
	const char *offered = hints_detail(r, STEP_CLIENT_HELLO,
	    "versions_offered");

	if (c->tls_version == 12)
		report_hint(r, "the server does not accept TLS 1.2, the only "
		    "version --tls-version 1.2 offers: try --tls-version 1.3, "
		    "or leave --tls-version out to offer both");
	else if (c->tls_version == 13)
		report_hint(r, "the server does not accept TLS 1.3, the only "
		    "version --tls-version 1.3 offers: try --tls-version 1.2, "
		    "or leave --tls-version out to offer both");
	else
		report_hint(r, "the server accepts none of the versions offered "
		    "(%s): it likely speaks only TLS 1.1 or older, which are "
		    "insecure and never offered; the broker must be upgraded",
		    offered != NULL ? offered : "TLS 1.3 and 1.2");
}

/* A listener that answered a ClientHello in plaintext MQTT, or reset. */
static void
hints_plaintext(struct report *r, const struct hints_config *c)
{
	char host[300];

	/* an IPv6 address goes in brackets in a URL */
	snprintf(host, sizeof(host), "%s%s%s", c->host != NULL &&
	    strchr(c->host, ':') != NULL ? "[" : "", c->host != NULL ?
	    c->host : "HOST", c->host != NULL && strchr(c->host, ':') !=
	    NULL ? "]" : "");
	report_hint(r, "port %u is a plaintext MQTT listener: it speaks MQTT "
	    "without TLS, so anything sent there, passwords included, can be "
	    "read on the way; the broker's TLS listener is another port, "
	    "usually 8883 (mqtts://%s:8883); mqtt://%s:%u walks this one "
	    "without TLS, to compare", c->port, host, host, c->port);
}

/*
 * TLS-PSK: the alert says what the server found wrong with our key, in
 * the few words TLS has; say what that most likely is on the broker.
 * True when a hint was given.
 */
static bool
hints_psk(struct report *r, const struct hints_config *c, const char *reason)
{
	const char *id = c->psk_identity;

	if (strstr(reason, "answered with a certificate") != NULL)
		report_hint(r, "this port authenticates the broker with a "
		    "certificate, not a pre-shared key: leave out "
		    "--psk-identity to probe it that way, or find the broker's "
		    "PSK listener (mosquitto: a listener with psk_hint and "
		    "psk_file)");
	else if (strstr(reason, "bad_record_mac") != NULL ||
	    strstr(reason, "illegal_parameter") != NULL ||
	    strstr(reason, "decrypt_error") != NULL)
		report_hint(r, "the broker knows identity '%s' but most likely "
		    "holds another key for it: compare the key of --psk-file "
		    "(or MQTTS_PROBE_PSK) with the broker's (mosquitto's "
		    "psk_file line '%s:HEXKEY'); both sides read it as hex", id,
		    id);
	else if (strstr(reason, "unknown_psk_identity") != NULL)
		report_hint(r, "the broker has no key for identity '%s': check "
		    "--psk-identity against the broker's list (mosquitto's "
		    "psk_file, one 'identity:HEXKEY' a line)", id);
	else if (strstr(reason, "handshake_failure") != NULL)
		report_hint(r, "the broker took no pre-shared key: under TLS 1.3 "
		    "this is what it says when it has no key for identity '%s' "
		    "(check its psk_file); under TLS 1.2, or with a known "
		    "identity, this port may not do TLS-PSK at all (mosquitto "
		    "needs psk_hint and psk_file on the listener)", id);
	else
		return false;
	return true;
}

static void
hints_tls(struct report *r, const struct hints_config *c, int step,
    enum report_cause cause, const char *reason)
{
	if (c->psk_identity != NULL && cause == CAUSE_TLS &&
	    hints_psk(r, c, reason))
		return;
	if (strstr(reason, "plaintext") != NULL)
		hints_plaintext(r, c);
	else if (step == STEP_SERVER_CERT && cause == CAUSE_TIMEOUT)
		report_hint(r, "the port accepted TCP but nothing answered the "
		    "ClientHello: a server that is not TLS, or one waiting for "
		    "the client to speak a plaintext protocol first");
	else if (cause == CAUSE_TLS && strstr(reason, "certificate") != NULL &&
	    strstr(reason, "alert") != NULL)
		report_hint(r, "the broker wants a client certificate it "
		    "trusts: give --cert and --key");
	else if (cause == CAUSE_TLS && (strstr(reason, "protocol_version") !=
	    NULL || strstr(reason, "protocol version") != NULL))
		hints_version(r, c);
	else if (cause == CAUSE_TLS && step <= STEP_KEYS)
		report_hint(r, "the server accepts nothing that was offered "
		    "(step 2 lists it): --priority changes the cipher suites "
		    "and groups offered, --tls-version the versions");
}

static void
hints_mqtt(struct report *r, const struct hints_config *c, int step,
    enum report_cause cause)
{
	const char *code = hints_detail(r, STEP_CONNACK, "connack_code");
	long v = code != NULL ? strtol(code, NULL, 10) : -1;

	if (c->paused && step >= STEP_CONNECT && (cause == CAUSE_CLOSED ||
	    cause == CAUSE_NETWORK))
		report_hint(r, "the walk was held (--pause) while the "
		    "connection was silent: a broker closes a connection that "
		    "says nothing for one and a half times the keep-alive "
		    "(%u s), or one that sends no CONNECT soon after TLS; go "
		    "on sooner, or raise --keepalive", c->keepalive);
	else if (step == STEP_CONNACK && cause == CAUSE_CLOSED)
		report_hint(r, "a broker that hangs up after CONNECT usually "
		    "rejects the client id (length, characters, or already in "
		    "use), a policy or ACL forbids this client, or the port "
		    "expects another protocol (check --alpn)");
	else if (step == STEP_CONNACK && cause == CAUSE_REFUSED &&
	    (v == 4 || v == 5 || v == 0x86 || v == 0x87))
		report_hint(r, "check -u and the password (--password-file or "
		    "MQTTS_PROBE_PASSWORD), and the broker's ACL for this "
		    "client");
	else if (step == STEP_PUBSUB && cause == CAUSE_REFUSED)
		report_hint(r, "the broker's ACL may forbid this topic: choose "
		    "another with --topic");
}

void
hints_add(struct report *r, const struct hints_config *c, int sys_errno)
{
	int step = r->failed_step;
	const struct report_step_rec *s;

	if (step < 1 || step > REPORT_STEPS)
		return;
	s = &r->steps[step];
	if (step == STEP_TCP)
		hints_tcp(r, c, s->cause, sys_errno);
	else if (step == STEP_VERIFY && s->cause == CAUSE_VERIFY)
		hints_verify(r, c);
	else if (step <= STEP_KEYS || s->cause == CAUSE_TLS)
		hints_tls(r, c, step, s->cause, s->reason);
	else
		hints_mqtt(r, c, step, s->cause);
}
