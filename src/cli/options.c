/*
 * options.c: turn argv into a struct options.
 *
 * Everything here is pure: no output, no exit, no file access.  Every
 * error comes back as EXIT_USAGE plus one message that names the option
 * at fault, so main.c can print it above the usage text and stop.
 *
 * This file holds the getopt loop and the checks across options; the
 * table and help texts are in options_help.c, what each option does in
 * options_apply.c, the value parsers in options_values.c and the message
 * helpers in options_msg.c (shared through options_int.h).
 */
#include "options.h"
#include "options_int.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void
options_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->target.port = TARGET_DEFAULT_PORT;
	o->timeout_us = TIMEOUT_DEFAULT_US;
	o->tls_version = TLSV_ANY;
	o->mqtt_version = 4;
	o->keepalive = KEEPALIVE_DEFAULT;
	o->qos = 1;
	o->steps = 8;
	o->color = COLOR_AUTO;
	o->format = FORMAT_TEXT;
	o->warn_days = -1;
	o->crit_days = -1;
	o->count = 1;
	o->interval_us = INTERVAL_DEFAULT_US;
	o->parallel = PARALLEL_DEFAULT;
	o->max_concurrent = OPTIONS_MAX_CONCURRENT_DEFAULT;
}

/*
 * getopt's '?' covers three cases that deserve different words: an
 * unknown option, an abbreviation that matches several long options,
 * and a value given to an option that takes none ("--insecure=yes").
 */
static int
unknown_option(char *msg, size_t msglen, const char *arg)
{
	char name[SHOWN_VALUE_MAX + 4];
	const struct option *lo;
	size_t len, matches = 0;

	options_shown(arg, name, sizeof(name));
	name[strcspn(name, "=")] = '\0';
	if (strncmp(name, "--", 2) == 0 && name[2] != '\0') {
		len = strlen(name + 2);
		for (lo = options_long_opts; lo->name != NULL; lo++)
			if (strncmp(lo->name, name + 2, len) == 0)
				matches++;
		if (matches > 1)
			return options_fail(msg, msglen,
			    "option '%s' is ambiguous; "
			    "write the full name", name);
	}
	return options_fail(msg, msglen, "unknown option '%s'", name);
}

static int
getopt_error(int c, char *const argv[], char *msg, size_t msglen)
{
	const char *name = options_long_name(optopt);
	char letter[3] = { '-', (char)optopt, '\0' };

	if (c == ':')
		return options_fail(msg, msglen,
		    "option '--%s' needs a value: %s",
		    name != NULL ? name : "?", options_value_hint(optopt));
	/*
	 * optopt is 0 for an unknown long option, whose text glibc has
	 * already stepped past; a known value means "--name=value" for an
	 * option without one, since a known letter is never unknown.
	 */
	if (optopt == 0)
		return unknown_option(msg, msglen, argv[optind - 1]);
	if (optopt < 256 &&
	    (optopt == ':' || optopt == '-' ||
	    strchr(options_short_opts + 2, optopt) == NULL))
		return unknown_option(msg, msglen, letter);
	return options_fail(msg, msglen, "option '--%s' does not take a value",
	    name != NULL ? name : "?");
}

/* Reverse a[0..n). */
static void
reverse(char **a, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		char *t = a[i];

		a[i] = a[n - 1 - i];
		a[n - 1 - i] = t;
	}
}

/*
 * Move the operands a[0..nops) behind the option words a[nops..n),
 * keeping the order within each group: a rotation by three reversals,
 * in place, so no memory is needed however long argv is.
 */
static void
move_operands_back(char **a, size_t n, size_t nops)
{
	if (nops == 0 || nops == n)
		return;
	reverse(a, nops);
	reverse(a + nops, n - nops);
	reverse(a, n);
}

/*
 * Parse every TARGET operand, the first one into o->target.  A bad one
 * is named by its text, or by its position when it has a user part,
 * which may hold a password that should not be echoed.
 */
static int
check_targets(struct options *o, char *msg, size_t msglen)
{
	char where[SHOWN_VALUE_MAX + 16], t[SHOWN_VALUE_MAX + 4];
	struct target scratch;

	for (size_t i = 0; i < o->noperands; i++) {
		const char *arg = o->operands[i], *err = NULL;
		struct target *tp = i == 0 ? &o->target : &scratch;
		bool bad = target_parse(arg, tp, &err) != 0;

		/*
		 * Checked here rather than in target.c because
		 * TARGET_USER_MAX already keeps it far below the MQTT
		 * limit; only UTF-8 can options_fail.
		 */
		if (!bad && tp->user[0] != '\0' &&
		    !options_values_utf8(tp->user)) {
			bad = true;
			err = "the user name is not valid UTF-8, which MQTT "
			    "requires";
		}
		if (!bad)
			continue;
		if (strchr(arg, '@') == NULL) {
			options_shown(arg, t, sizeof(t));
			snprintf(where, sizeof(where), "TARGET '%s'", t);
		} else if (o->noperands > 1) {
			snprintf(where, sizeof(where), "TARGET %zu", i + 1);
		} else {
			snprintf(where, sizeof(where), "TARGET");
		}
		return options_fail(msg, msglen, "%s: %s", where, err);
	}
	return 0;
}

/*
 * TLS-PSK offers the pre-shared key alone (tls_psk.c): no certificate
 * is asked for, sent or verified, so the certificate options would do
 * nothing and are refused rather than silently ignored.  Whether a key
 * comes with --psk-identity (MQTTS_PROBE_PSK) only main.c can tell.
 */
static int
check_psk(const struct options *o, char *msg, size_t msglen)
{
	static const struct {
		int val;
		const char *name;
	} certs[] = {
		{ OPT_CAFILE, "--cafile" }, { OPT_CAPATH, "--capath" },
		{ OPT_CRLFILE, "--crlfile" }, { OPT_CERT, "--cert" },
		{ OPT_KEY, "--key" }, { 'k', "--insecure (-k)" },
		{ OPT_CLIENTS, "--clients" },
	};

	if (o->psk_file != NULL && o->psk_identity == NULL)
		return options_fail(msg, msglen, "--psk-file needs "
		    "--psk-identity, the identity the key belongs to");
	if (o->psk_identity == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
		bool given;

		switch (certs[i].val) {
		case OPT_CAFILE:	given = o->cafile != NULL; break;
		case OPT_CAPATH:	given = o->capath != NULL; break;
		case OPT_CRLFILE:	given = o->crlfile != NULL; break;
		case OPT_CERT:		given = o->cert != NULL; break;
		case OPT_KEY:		given = o->key != NULL; break;
		case 'k':		given = o->insecure; break;
		default:		given = o->clients; break;
		}
		if (given)
			return options_fail(msg, msglen, "%s cannot be used "
			    "with --psk-identity: with a pre-shared key the "
			    "probe offers TLS-PSK only, and no certificate is "
			    "sent or checked%s", certs[i].name,
			    certs[i].val == OPT_CLIENTS ? " (the client "
			    "profiles are about certificates)" : "");
	}
	return 0;
}

/* Options that only make sense together, or only apart. */
static int
check_combinations(const struct options *o, char *msg, size_t msglen)
{
	bool text = o->format == FORMAT_TEXT;
	bool several = o->noperands > 1 || o->targets_file != NULL;
	char a[32], b[32];
	int rc;

	if (o->quiet && o->verbose > 0)
		return options_fail(msg, msglen,
		    "--quiet (-q) and --verbose (-v) cannot be used together");
	if (o->password_file != NULL && o->password_arg != NULL)
		return options_fail(msg, msglen,
		    "--password-file and --password (-P) "
		    "cannot be used together");
	/* the default topic is mqtts-probe/<client-id>, one MQTT string */
	if (o->topic == NULL && o->client_id != NULL &&
	    strlen(o->client_id) > MQTT_STRING_MAX - DEFAULT_TOPIC_PREFIX_LEN)
		return options_fail(msg, msglen, "--client-id (-i) longer than "
		    "%d bytes needs --topic: the default topic, "
		    "mqtts-probe/<client-id>, would pass the %d-byte limit",
		    MQTT_STRING_MAX - DEFAULT_TOPIC_PREFIX_LEN,
		    MQTT_STRING_MAX);
	if (o->key != NULL && o->cert == NULL)
		return options_fail(msg, msglen,
		    "--key needs --cert, the certificate that goes with it");
	if (o->key_password_file != NULL && o->cert == NULL)
		return options_fail(msg, msglen,
		    "--key-password-file needs --cert "
		    "(and --key if the key is in its own file)");

	if ((rc = check_psk(o, msg, msglen)) != 0)
		return rc;

	/* -q with a machine format is accepted, and changes nothing
	 * there: those print no more than the result already */
	if (o->explain && !text)
		return options_fail(msg, msglen,
		    "--explain applies to --format text only");
	/* --hexdump first: it set trace, which the user may not have typed. */
	if (o->hexdump && !text && o->format != FORMAT_JSONL)
		return options_fail(msg, msglen,
		    "--hexdump (which implies --trace) "
		    "applies to --format text or jsonl only");
	if (o->trace && !text && o->format != FORMAT_JSONL)
		return options_fail(msg, msglen,
		    "--trace applies to --format text or jsonl only");
	if (o->pause) {
		if (!text)
			return options_fail(msg, msglen,
			    "--pause applies to --format text only");
		if (o->quiet)
			return options_fail(msg, msglen,
			    "--pause and --quiet (-q) "
			    "cannot be used together");
		if (o->count > 1)
			return options_fail(msg, msglen,
			    "--pause cannot be used with "
			    "--count (-c) above 1");
		if (several)
			return options_fail(msg, msglen,
			    "--pause walks through one "
			    "target: not with --targets or several TARGETs");
	}

	if (o->capabilities && o->steps < 7)
		return options_fail(msg, msglen, "--%s needs step 7 (a "
		    "connection the broker accepted): not with --steps %u",
		    o->require != NULL ? "require" : "capabilities", o->steps);

	/* Fewer days left is worse, so the critical mark is the lower. */
	if (o->warn_days >= 0 && o->crit_days > o->warn_days)
		return options_fail(msg, msglen, "--crit-days %d is more than "
		    "--warn-days %d; the critical threshold must be the lower "
		    "number of days", o->crit_days, o->warn_days);
	/* A longer round trip is worse, so the critical mark is the higher. */
	if (o->warn_rtt_us != 0 && o->crit_rtt_us != 0 &&
	    o->crit_rtt_us < o->warn_rtt_us) {
		options_values_show_millis(o->crit_rtt_us, a, sizeof(a));
		options_values_show_millis(o->warn_rtt_us, b, sizeof(b));
		return options_fail(msg, msglen,
		    "--crit-ms %s is less than --warn-ms "
		    "%s; the critical threshold must be the longer time",
		    a, b);
	}
	return 0;
}

/*
 * The exporter takes its targets from requests and its probe settings
 * from the modules of --config, so nothing else may come with it.
 */
static int
check_serve(const struct options *o, char *msg, size_t msglen)
{
	const char *name;

	if (o->serve == NULL)
		return options_fail(msg, msglen, "--%s only applies with "
		    "--serve", o->serve_config != NULL ? "config" :
		    o->nallow_target > 0 ? "allow-target" : "max-concurrent");
	if (o->noperands > 0 || o->targets_file != NULL)
		return options_fail(msg, msglen, "--serve takes no TARGET or "
		    "--targets: each /probe request names its target");
	if (o->probe_option != 0) {
		name = options_long_name(o->probe_option);
		return options_fail(msg, msglen, "--%s cannot be used with "
		    "--serve: probe settings go in the modules of --config "
		    "FILE", name != NULL ? name : "?");
	}
	return 0;
}

int
options_parse(int argc, char *argv[], struct options *o,
    char *msg, size_t msglen)
{
	size_t first = 0, nops = 0, tail;
	int c, rc;

	options_defaults(o);
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';

	/* glibc only fully resets its scanner state when optind is 0. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, options_short_opts,
	    options_long_opts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return getopt_error(c, argv, msg, msglen);
		if (c == 1) {
			/*
			 * The operand just returned is argv[optind - 1].
			 * Keep the operands seen so far in one block that
			 * ends there, by moving the block over the option
			 * words in between.  Only argv[0..optind) changes,
			 * which getopt has finished with.
			 */
			size_t at = (size_t)optind - 1;

			if (nops == 0)
				first = at;
			else
				move_operands_back(argv + first, at - first,
				    nops);
			first = at - nops;
			nops++;
			continue;
		}
		if ((rc = options_apply(o, c, optarg, msg, msglen)) != 0)
			return rc;
		if (c != OPT_SERVE && c != OPT_CONFIG &&
		    c != OPT_MAX_CONCURRENT && c != OPT_ALLOW_TARGET)
			o->probe_option = c;
	}
	/*
	 * Whatever follows "--" (argv[optind..argc)) is operands too:
	 * bring the block up against them.
	 */
	if (nops > 0)
		move_operands_back(argv + first, (size_t)optind - first, nops);
	tail = (size_t)(argc - optind);
	o->noperands = nops + tail;
	if (o->noperands > 0)
		o->operands = argv + (size_t)argc - o->noperands;

	/* Asking for help must work even with an otherwise bad line. */
	if (o->help || o->version)
		return 0;

	if (o->serve != NULL || o->serve_config != NULL ||
	    o->nallow_target > 0 ||
	    o->max_concurrent != OPTIONS_MAX_CONCURRENT_DEFAULT)
		return check_serve(o, msg, msglen);
	if (o->noperands == 0) {
		if (o->targets_file == NULL)
			return options_fail(msg, msglen,
			    "missing TARGET, the broker "
			    "to probe (HOST[:PORT] or mqtts://HOST[:PORT]), "
			    "or --targets FILE");
		/* No first target: say so rather than leave port 8883. */
		memset(&o->target, 0, sizeof(o->target));
	} else {
		o->target_arg = o->operands[0];
		if ((rc = check_targets(o, msg, msglen)) != 0)
			return rc;
	}
	if ((rc = check_combinations(o, msg, msglen)) != 0)
		return rc;

	/* A user in the URL stands for -u only when nothing else is probed;
	 * with several targets, run.c takes each target's own user. */
	if (o->username == NULL && o->noperands == 1 &&
	    o->targets_file == NULL && o->target.user[0] != '\0')
		o->username = o->target.user;
	return 0;
}
