/*
 * hints.c: advice on a failure, keyed on the step and the cause, built
 * from the report (see hints.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hints.h"

/* The failed step's detail key, or NULL. */
static const char *
hints_detail(const struct report *r, int step, const char *key)
{
	return report_find_detail(r, step, key);
}

static void
hints_tcp(struct report *r, const struct hints_config *c,
    enum report_cause cause, int sys_errno)
{
	if (cause == CAUSE_NETWORK && sys_errno == ECONNREFUSED)
		report_hint(r, "nothing listens on port %u there: is the broker "
		    "running, and is %u its TLS port (8883 is the usual one)?",
		    c->port, c->port);
	else if (cause == CAUSE_RESOLVE)
		report_hint(r, "check the host name, or use --connect-to ADDR to "
		    "reach it by address while keeping the name for TLS");
}

static void
hints_verify(struct report *r)
{
	report_hint(r, "give the broker's CA with --cafile, fix the "
	    "certificate, or use --insecure to see the rest of the walk (the "
	    "run is then marked UNVERIFIED)");
}

static void
hints_tls(struct report *r, int step, enum report_cause cause,
    const char *reason)
{
	if (step == STEP_SERVER_CERT && cause == CAUSE_TIMEOUT)
		report_hint(r, "the port accepted TCP but nothing answered the "
		    "ClientHello: a server that is not TLS, or one waiting for "
		    "the client to speak a plaintext protocol first");
	else if (cause == CAUSE_TLS && strstr(reason, "certificate") != NULL &&
	    strstr(reason, "alert") != NULL)
		report_hint(r, "the broker wants a client certificate it "
		    "trusts: give --cert and --key");
	else if (cause == CAUSE_TLS && step <= STEP_KEYS)
		report_hint(r, "compare what was offered (step 2) with what the "
		    "server accepts: --tls-version and --priority change the "
		    "offer");
}

static void
hints_mqtt(struct report *r, int step, enum report_cause cause)
{
	const char *code = hints_detail(r, STEP_CONNACK, "connack_code");
	long v = code != NULL ? strtol(code, NULL, 10) : -1;

	if (step == STEP_CONNACK && cause == CAUSE_CLOSED)
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
		hints_verify(r);
	else if (step <= STEP_KEYS || s->cause == CAUSE_TLS)
		hints_tls(r, step, s->cause, s->reason);
	else
		hints_mqtt(r, step, s->cause);
}
