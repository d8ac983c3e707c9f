/*
 * main.c: the only place that reads the environment, opens the secret
 * files, prints errors and exits.  It parses the options, reads the
 * secrets, loads the TLS credentials once and hands over to run.c.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "options.h"
#include "output.h"
#include "probe_io.h"
#include "html.h"
#include "psk_key.h"
#include "run.h"
#include "proxy_url.h"
#include "secret.h"
#include "serve.h"
#include "tls.h"

#define MAIN_NAGIOS_UNKNOWN 3

/*
 * Once a secret is in memory, the process must not be dumpable: a core
 * file or another process of the same user could read it.
 */
static void
main_protect(void)
{
	if (!secret_protect_process())
		fprintf(stderr, "mqtts-probe: warning: cannot keep the secrets "
		    "out of core dumps: %s\n", strerror(errno));
}

/* Set before parsing: errors then follow the plugin guidelines. */
static bool main_nagios;
/* Set before parsing: errors then still write the metrics, so that a
 * textfile collector's file says "failed" instead of going empty. */
static bool main_prom;
/* The targets, once known, for the labels of those metrics. */
static char **main_prom_targets;
static size_t main_prom_ntargets;

/*
 * Whether the command line asks for --format NAME, looked at before
 * the parser runs: a usage error must already exit 3 (UNKNOWN) under
 * nagios, and write metrics under prometheus.  getopt_long takes any
 * unambiguous prefix ("--form"), and the last --format wins, as in the
 * parser.
 */
static bool
main_wants_format(int argc, char *argv[], const char *name)
{
	bool wanted = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;
		size_t n;

		if (strcmp(a, "--") == 0)
			break;
		if (strncmp(a, "--f", 3) != 0)
			continue;
		eq = strchr(a, '=');
		n = eq != NULL ? (size_t)(eq - a) : strlen(a);
		if (strncmp(a, "--format", n) != 0)
			continue;
		if (eq != NULL)
			wanted = strcmp(eq + 1, name) == 0;
		else if (i + 1 < argc)
			wanted = strcmp(argv[++i], name) == 0;
	}
	return wanted;
}

/* The metrics of a probe that could not start; msg is its one-line
 * reason (the same as on stderr). */
static void
main_prom_error(int status, const char *msg)
{
	char line[1024];

	if (!main_prom)
		return;
	/* the first line: a usage error goes on with the usage text */
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(msg, "\n"), msg);
	prom_render_error(stdout, (const char *const *)main_prom_targets,
	    main_prom_ntargets,
	    status, line);
}

/* Under nagios the monitoring system reads stdout and the status. */
static int
main_status(int status)
{
	if (!main_nagios || status == 0)
		return status;
	return MAIN_NAGIOS_UNKNOWN;
}

static void __attribute__((noreturn, format(printf, 2, 3)))
main_die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mqtts-probe: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (main_prom) {
		char msg[1024];

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		main_prom_error(status, msg);
	}
	if (main_nagios) {
		printf("MQTTS UNKNOWN - ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
	}
	exit(main_status(status));
}

/*
 * Read a one-line secret from path into buf (secret.c: no stdio copy).
 * Warn, as ssh does for keys, when others may read it.
 */
static size_t
main_read_secret(const char *opt, const char *path, char *buf, size_t len)
{
	char err[1024];
	unsigned mode;
	long n = secret_read_file(opt, path, buf, len, &mode, err,
	    sizeof(err));

	if (n < 0)
		main_die(EXIT_NOINPUT, "%s", err);
	main_protect();
	if (mode != 0)
		fprintf(stderr, "mqtts-probe: warning: %s %s is readable by "
		    "other users (mode %03o); chmod 600 it\n", opt, path, mode);
	return (size_t)n;
}

/*
 * The proxy: --proxy, else all_proxy, else ALL_PROXY (curl reads the
 * lower-case name first); --proxy '' means none, whatever the
 * environment says.  NO_PROXY (no_proxy first) is kept for run.c to
 * match each target against.  The password comes from
 * --proxy-password-file or MQTTS_PROBE_PROXY_PASSWORD, for a URL with
 * a user only.  Returns the proxy, or NULL.
 */
static const struct proxy_url *
main_proxy(const struct options *o, struct run_shared *sh, char *pw,
    size_t pwcap)
{
	static struct proxy_url u;
	const char *v = o->proxy, *from = "--proxy", *err = NULL;
	const char *env_pw = getenv("MQTTS_PROBE_PROXY_PASSWORD");

	if (v == NULL && (v = getenv("all_proxy")) != NULL && v[0] != '\0')
		from = "all_proxy";
	else if (v == NULL && (v = getenv("ALL_PROXY")) != NULL)
		from = "ALL_PROXY";
	if (v == NULL || v[0] == '\0') {
		if (o->proxy_password_file != NULL)
			main_die(EXIT_USAGE, "--proxy-password-file needs a "
			    "proxy (--proxy or ALL_PROXY) with a user name");
		return NULL;
	}
	/* the value is not echoed: it may hold a password */
	if (proxy_url_parse(v, &u, &err) != 0)
		main_die(EXIT_USAGE, "%s: %s", from, err);
	sh->proxy_from = from;
	sh->no_proxy = getenv("no_proxy");
	sh->no_proxy_from = "no_proxy";
	if (sh->no_proxy == NULL) {
		sh->no_proxy = getenv("NO_PROXY");
		sh->no_proxy_from = "NO_PROXY";
	}
	if (u.user[0] == '\0') {
		if (o->proxy_password_file != NULL)
			main_die(EXIT_USAGE, "--proxy-password-file: the proxy "
			    "URL (%s) has no user name; write it as "
			    "%.*s://USER@HOST:PORT", from,
			    (int)strcspn(u.shown, ":"), u.shown);
		return &u;
	}
	if (o->proxy_password_file != NULL) {
		sh->proxy_password_len = main_read_secret(
		    "--proxy-password-file", o->proxy_password_file, pw, pwcap);
		sh->proxy_password = pw;
	} else if (env_pw != NULL && env_pw[0] != '\0') {
		if (strlen(env_pw) >= pwcap)
			main_die(EXIT_USAGE, "MQTTS_PROBE_PROXY_PASSWORD: longer "
			    "than %zu bytes, the most SOCKS5 can carry",
			    pwcap - 1);
		sh->proxy_password_len = strlen(env_pw);
		memcpy(pw, env_pw, sh->proxy_password_len + 1);
		sh->proxy_password = pw;
		main_protect();
	}
	return &u;
}

/* Ask every wait to end now; the walk then reports the step it was in. */
static void
main_on_signal(int sig)
{
	iowait_interrupted = sig;
}

static void
main_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: poll must return EINTR so the wait sees the flag */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a broker that resets must not kill us: errors come back as EPIPE */
	signal(SIGPIPE, SIG_IGN);
}

static bool
main_color(enum color_mode m)
{
	const char *nc = getenv("NO_COLOR");

	if (m == COLOR_ALWAYS)
		return true;
	if (m == COLOR_NEVER || (nc != NULL && nc[0] != '\0'))
		return false;
	return isatty(STDOUT_FILENO);
}

/*
 * The columns text wraps at: COLUMNS when set (as ls and others do),
 * else the terminal's width, else 80 (a file, a pipe, a CI log).
 */
static int
main_width(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	char *end = NULL;
	long v;

	if (env != NULL && env[0] != '\0') {
		v = strtol(env, &end, 10);
		if (*end == '\0' && v >= RENDER_MIN_WIDTH && v <= 1000)
			return (int)v;
	}
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) ==
	    0 && ws.ws_col >= RENDER_MIN_WIDTH)
		return ws.ws_col;
	return RENDER_DEFAULT_WIDTH;
}

/*
 * --password-file, -P or the environment, in that order of choice.
 * Returns whether a password is set (-P "" sets an empty one; an empty
 * MQTTS_PROBE_PASSWORD is taken as unset, as shells make it easy to
 * leave one behind); *from names where it came from, for messages.
 */
static bool
main_password(const struct options *o, char *buf, size_t len,
    size_t *pwlen, const char **from)
{
	const char *env_pw = getenv("MQTTS_PROBE_PASSWORD");

	*pwlen = 0;
	if (o->password_file != NULL) {
		*from = "--password-file";
		*pwlen = main_read_secret("--password-file", o->password_file,
		    buf, len);
		return true;
	}
	if (o->password_arg != NULL) {
		fprintf(stderr, "mqtts-probe: warning: a password given with -P "
		    "is visible to other users in ps; prefer --password-file "
		    "or MQTTS_PROBE_PASSWORD\n");
		*from = "--password (-P)";
		/* options_parse held it to SECRET_MAX */
		*pwlen = strlen(o->password_arg);
		memcpy(buf, o->password_arg, *pwlen + 1);
		main_protect();
		return true;
	}
	if (env_pw != NULL && env_pw[0] != '\0') {
		*from = "MQTTS_PROBE_PASSWORD";
		*pwlen = strlen(env_pw);
		if (*pwlen >= len)
			main_die(EXIT_USAGE, "MQTTS_PROBE_PASSWORD: longer than "
			    "%zu bytes, the most MQTT can carry", len - 1);
		memcpy(buf, env_pw, *pwlen + 1);
		main_protect();
		return true;
	}
	return false;
}

/*
 * The key log is created 0600 (tls_keylog_open); one that was already
 * there may be wider, and it will hold traffic secrets: warn, as for a
 * password file.
 */
static void
main_keylog_warn(const char *name, const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
		fprintf(stderr, "mqtts-probe: warning: %s %s is readable by "
		    "other users (mode %03o) and will hold TLS secrets; chmod "
		    "600 it\n", name, path, (unsigned)(st.st_mode & 0777));
}

/*
 * SSLKEYLOGFILE, when --keylog is not given: the probe writes it itself
 * (GnuTLS's own writer would create it with the umask's mode).
 */
static void
main_keylog_env(struct options *o)
{
	const char *env = getenv("SSLKEYLOGFILE");

	if (o->keylog == NULL && env != NULL && env[0] != '\0') {
		o->keylog = env;
		o->keylog_from_env = true;
	}
}

/*
 * The pre-shared key of --psk-identity: --psk-file, else MQTTS_PROBE_PSK
 * (as the password's file and variable).  An identity without either is
 * a usage error, found before any connection.
 */
static void
main_psk(const struct options *o, struct psk_key *key, char *from,
    size_t fromlen)
{
	static char hex[PSK_KEY_HEX_MAX + 1];
	const char *env = getenv("MQTTS_PROBE_PSK");
	char err[1024], why[256];
	unsigned mode = 0;
	long n;

	if (o->psk_identity == NULL)
		return;
	if (o->psk_file != NULL) {
		snprintf(from, fromlen, "--psk-file %s", o->psk_file);
		n = secret_read_file("--psk-file", o->psk_file, hex,
		    sizeof(hex), &mode, err, sizeof(err));
		if (n < 0)
			main_die(EXIT_NOINPUT, "%s", err);
		if (psk_key_parse(hex, (size_t)n, key, why, sizeof(why)) != 0) {
			explicit_bzero(hex, sizeof(hex));
			/* a file that holds nothing usable, as for --cafile */
			main_die(EXIT_NOINPUT, "--psk-file %s: %s; the file must "
			    "hold the key in hex on its first line",
			    o->psk_file, why);
		}
		explicit_bzero(hex, sizeof(hex));
	} else if (env != NULL && env[0] != '\0') {
		snprintf(from, fromlen, "MQTTS_PROBE_PSK");
		if (psk_key_parse(env, strlen(env), key, why, sizeof(why)) != 0)
			main_die(EXIT_USAGE, "MQTTS_PROBE_PSK: %s; give the key "
			    "in hex", why);
	} else
		main_die(EXIT_USAGE, "--psk-identity needs the key: give "
		    "--psk-file FILE (the key in hex) or set MQTTS_PROBE_PSK");
	main_protect();
	if (mode != 0)
		fprintf(stderr, "mqtts-probe: warning: --psk-file %s is "
		    "readable by other users (mode %03o); chmod 600 it\n",
		    o->psk_file, mode);
}

/* Load the CA and client credentials once, for every probe. */
static struct tls_creds *
main_creds(const struct options *o, char *err, size_t errlen, int *status)
{
	static char keypass[SECRET_MAX + 1];
	static struct psk_key psk;
	char psk_from[1200] = "";
	struct tls_config tc = { 0 };
	struct tls_creds *creds;

	main_psk(o, &psk, psk_from, sizeof(psk_from));

	if (o->key_password_file != NULL)
		main_read_secret("--key-password-file", o->key_password_file,
		    keypass, sizeof(keypass));
	if (o->cert != NULL && strncmp(o->key != NULL ? o->key : o->cert,
	    "pkcs11:", 7) != 0) {
		/* the private key: --key, or the --cert file without it */
		const char *kf = o->key != NULL ? o->key : o->cert;
		struct stat st;

		if (stat(kf, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
			fprintf(stderr, "mqtts-probe: warning: %s %s holds a "
			    "private key readable by other users (mode %03o); "
			    "chmod 600 it\n", o->key != NULL ? "--key" :
			    "--cert", kf, (unsigned)(st.st_mode & 0777));
	}
	tc.keylog = o->keylog;
	tc.keylog_name = o->keylog_from_env ? "SSLKEYLOGFILE" : "--keylog";
	tc.cafile = o->cafile;
	tc.capath = o->capath;
	tc.crlfile = o->crlfile;
	tc.cert = o->cert;
	tc.key = o->key;
	tc.key_password = o->key_password_file != NULL ? keypass : NULL;
	tc.tls_version = (int)o->tls_version;
	tc.priority = o->priority;
	tc.insecure = o->insecure;
	tc.psk_identity = o->psk_identity;
	tc.psk_key = psk.bytes;
	tc.psk_key_len = psk.len;
	tc.psk_key_from = psk_from;
	creds = tls_creds_load(&tc, err, errlen, status);
	/* GnuTLS holds its own copy of the key now */
	explicit_bzero(keypass, sizeof(keypass));
	explicit_bzero(&psk, sizeof(psk));
	if (creds != NULL && o->keylog != NULL)
		main_keylog_warn(tc.keylog_name, o->keylog);
	return creds;
}

int
main(int argc, char *argv[])
{
	struct options o;
	char msg[512], err[1024];
	static char password[SECRET_MAX + 1];
	static char proxy_password[PROXY_CRED_MAX + 1];
	size_t password_len;
	bool password_set;
	const char *password_from = NULL;
	const struct run_target *nouser;
	struct tls_creds *creds;
	struct html_file report = { 0 };
	struct output_config oc;
	struct run_list targets;
	struct run_shared shared = { 0 };
	int status;

	main_signals();
	main_nagios = main_wants_format(argc, argv, "nagios");
	main_prom = main_wants_format(argc, argv, "prometheus");

	status = options_parse(argc, argv, &o, msg, sizeof(msg));
	if (status != 0) {
		fprintf(stderr, "mqtts-probe: %s\n%s", msg, options_usage());
		if (main_nagios)
			printf("MQTTS UNKNOWN - %s\n", msg);
		main_prom_error(EXIT_USAGE, msg);
		return main_status(EXIT_USAGE);
	}
	if (o.help) {
		fputs(options_help(), stdout);
		return 0;
	}
	if (o.version) {
		printf("mqtts-probe %s (GnuTLS %s)\n", PACKAGE_VERSION,
		    gnutls_check_version(NULL));
		return 0;
	}
	main_nagios = o.format == FORMAT_NAGIOS;
	main_prom = o.format == FORMAT_PROMETHEUS;
	main_keylog_env(&o);

	if (o.serve != NULL) {
		struct serve_settings ss = {
			.listen = o.serve, .config_file = o.serve_config,
			.max_concurrent = o.max_concurrent,
			.allow = o.allow_target, .nallow = o.nallow_target,
		};

		/* the modules' secrets are read later, by the exporter */
		main_protect();
		/* the exporter logs its own errors, one line per event */
		return serve_main(&ss);
	}

	/* holding for Enter without a terminal would hang a script */
	if (o.pause && !isatty(STDIN_FILENO))
		main_die(EXIT_USAGE, "--pause needs a terminal on standard "
		    "input");
	password_set = main_password(&o, password, sizeof(password),
	    &password_len, &password_from);
	shared.proxy = main_proxy(&o, &shared, proxy_password,
	    sizeof(proxy_password));
	status = run_targets_load(&o, &targets, err, sizeof(err));
	if (status == 0 && main_prom && targets.n > 0) {
		main_prom_targets = calloc(targets.n, sizeof(char *));
		for (size_t i = 0; main_prom_targets != NULL && i < targets.n;
		    i++)
			/* copied: an error path frees targets first */
			main_prom_targets[i] = strdup(targets.v[i].arg);
		main_prom_ntargets = main_prom_targets != NULL ? targets.n : 0;
	}
	if (status != 0) {
		explicit_bzero(password, sizeof(password));
		run_targets_free(&targets);
		main_die(status, "%s", err);
	}
	/*
	 * 3.1.1 sends a password only with a user name (its password flag
	 * needs the user name flag): refuse before connecting, rather than
	 * fail at step 6 as if the broker were at fault.
	 */
	if (status == 0 && password_set && o.mqtt_version == 4 &&
	    (nouser = run_first_without_user(&o, &targets)) != NULL) {
		char where[256] = "";

		/* a target with a user part could hold a password */
		if (targets.n > 1 && strchr(nouser->arg, '@') == NULL)
			snprintf(where, sizeof(where), " for target '%.200s'",
			    nouser->arg);
		else if (targets.n > 1)
			snprintf(where, sizeof(where), " for target %zu",
			    (size_t)(nouser - targets.v) + 1);
		explicit_bzero(password, sizeof(password));
		run_targets_free(&targets);
		main_die(EXIT_USAGE, "%s gives a password but no user name is "
		    "given%s: MQTT 3.1.1 sends a password only with a user "
		    "name; give -u, or use -V 5", password_from, where);
	}
	creds = main_creds(&o, err, sizeof(err), &status);
	if (creds == NULL) {
		explicit_bzero(password, sizeof(password));
		run_targets_free(&targets);
		main_die(status, "%s", err);
	}

	/* a report that cannot be written is named before any probe */
	if (o.report_file != NULL &&
	    html_file_open(&report, o.report_file, err, sizeof(err)) != 0) {
		explicit_bzero(password, sizeof(password));
		run_targets_free(&targets);
		tls_creds_free(creds);
		main_die(EXIT_CANTCREAT, "%s", err);
	}
	output_config_init(&oc, &o, main_color(o.color));
	oc.width = main_width();
	oc.report = report.out;
	shared.o = &o;
	shared.oc = &oc;
	shared.creds = creds;
	shared.password = password_set ? (const uint8_t *)password : NULL;
	shared.password_len = password_len;
	status = run_all(&shared, &targets);
	explicit_bzero(password, sizeof(password));
	explicit_bzero(proxy_password, sizeof(proxy_password));
	run_targets_free(&targets);
	for (size_t i = 0; i < main_prom_ntargets; i++)
		free(main_prom_targets[i]);
	free(main_prom_targets);
	tls_creds_free(creds);
	if (o.report_file != NULL &&
	    html_file_commit(&report, err, sizeof(err)) != 0) {
		fprintf(stderr, "mqtts-probe: %s\n", err);
		status = EXIT_CANTCREAT;
	}
	/* a plugin never exits with anything but 0 to 3 */
	return main_nagios && status > MAIN_NAGIOS_UNKNOWN ?
	    MAIN_NAGIOS_UNKNOWN : status;
}
