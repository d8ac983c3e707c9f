/*
 * run.h: probe every target, each as often as -c says, several at once
 * (--parallel), and hand each probe's report to output.c.
 *
 * main.c parses the options, reads the secrets and loads the TLS
 * credentials once; run.c does everything after that and returns the
 * exit status.  Nothing here prints an error for main to report.
 */
#ifndef RUN_H
#define RUN_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "options.h"
#include "proxy_url.h"
#include "report.h"
#include "output.h"
#include "target.h"
#include "tls.h"

struct run_target {
	char *arg;			/* as typed, or the file's line */
	struct target t;
};

struct run_list {
	struct run_target *v;
	size_t n;
};

/*
 * The TARGET operands, in order, then the targets of --targets FILE.
 * Returns 0, or EXIT_NOINPUT (FILE cannot be read) or EXIT_USAGE (a bad
 * line, named FILE:LINE, or no target at all) with a message in err.
 */
int run_targets_load(const struct options *o, struct run_list *l, char *err,
    size_t errlen);
void run_targets_free(struct run_list *l);

/*
 * The first target that would go without a user name (no -u, no
 * mqtts://USER@), or NULL: MQTT 3.1.1 cannot send a password for it.
 */
const struct run_target *run_first_without_user(const struct options *o,
    const struct run_list *l);

/* What every probe shares: loaded once, read by every thread. */
struct run_shared {
	const struct options *o;
	const struct output_config *oc;
	struct tls_creds *creds;
	const uint8_t *password;	/* NULL: none; never printed */
	size_t password_len;
	/* the proxy (--proxy or ALL_PROXY), or NULL; proxy_from names
	 * which; targets that no_proxy (NO_PROXY) matches go direct */
	const struct proxy_url *proxy;
	const char *proxy_from;
	const char *no_proxy;
	const char *no_proxy_from;	/* "no_proxy" or "NO_PROXY" */
	const char *proxy_password;	/* NULL: none; never printed */
	size_t proxy_password_len;
};

/*
 * Probe every target of l and print the results on stdout in input
 * order.  Returns the exit status: the worst (highest) of the targets',
 * 128 + the signal after Ctrl-C, or what the nagios format maps it to.
 */
int run_all(const struct run_shared *s, const struct run_list *l);

/*
 * One probe of rt with the options, credentials and password of s: the
 * path every probe takes, the command line's and the exporter's (which
 * has no output config: s->oc may be NULL).  r is initialised by the
 * caller, with its listener; timeout_us 0 keeps the options' timeout.
 * before_step (NULL: none) runs before each step, as under --pause.
 * False, with r untouched, when no random client id could be made.
 */
bool run_engine(const struct run_shared *s, const struct run_target *rt,
    uint64_t timeout_us, enum engine_hold_answer (*before_step)(void *, int,
    const struct engine_hold *), void *step_ctx,
    struct report *r);

/* n random bytes from GnuTLS as 2n hex digits; false if none came. */
bool run_random_hex(char *buf, size_t nbytes);

#endif
