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
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "options.h"
#include "output.h"
#include "probe_io.h"
#include "html.h"
#include "run.h"
#include "tls.h"

#define MAIN_SECRET_MAX 4096
#define MAIN_NAGIOS_UNKNOWN 3

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
 * Read a one-line secret from path into buf.  The file must hold
 * something; the trailing newline is not part of the secret.  Warn, as
 * ssh does for keys, when others may read it.
 */
static size_t
main_read_secret(const char *opt, const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	size_t n;

	if (f == NULL)
		main_die(EXIT_NOINPUT, "%s %s: %s", opt, path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
		fprintf(stderr, "mqtts-probe: warning: %s %s is readable by "
		    "other users (mode %03o); chmod 600 it\n", opt, path,
		    (unsigned)(st.st_mode & 0777));
	n = fread(buf, 1, len - 1, f);
	if (ferror(f)) {
		fclose(f);
		main_die(EXIT_NOINPUT, "%s %s: %s", opt, path, strerror(errno));
	}
	fclose(f);
	buf[n] = '\0';
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n == 0)
		main_die(EXIT_NOINPUT, "%s %s: the file holds no secret (the "
		    "first line is empty)", opt, path);
	return n;
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

/* -P, --password-file or the environment, in that order of choice. */
static size_t
main_password(const struct options *o, char *buf, size_t len)
{
	const char *env_pw = getenv("MQTTS_PROBE_PASSWORD");

	if (o->password_file != NULL)
		return main_read_secret("--password-file", o->password_file,
		    buf, len);
	if (o->password_arg != NULL) {
		fprintf(stderr, "mqtts-probe: warning: a password given with -P "
		    "is visible to other users in ps; prefer --password-file "
		    "or MQTTS_PROBE_PASSWORD\n");
		snprintf(buf, len, "%s", o->password_arg);
		return strlen(buf);
	}
	if (env_pw != NULL && env_pw[0] != '\0') {
		snprintf(buf, len, "%s", env_pw);
		return strlen(buf);
	}
	return 0;
}

/* Load the CA and client credentials once, for every probe. */
static struct tls_creds *
main_creds(const struct options *o, char *err, size_t errlen, int *status)
{
	static char keypass[MAIN_SECRET_MAX];
	struct tls_config tc = { 0 };
	struct tls_creds *creds;

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
	tc.cafile = o->cafile;
	tc.capath = o->capath;
	tc.cert = o->cert;
	tc.key = o->key;
	tc.key_password = o->key_password_file != NULL ? keypass : NULL;
	tc.tls_version = (int)o->tls_version;
	tc.priority = o->priority;
	tc.insecure = o->insecure;
	creds = tls_creds_load(&tc, err, errlen, status);
	explicit_bzero(keypass, sizeof(keypass));
	return creds;
}

int
main(int argc, char *argv[])
{
	struct options o;
	char msg[512], err[1024];
	static char password[MAIN_SECRET_MAX];
	size_t password_len;
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

	/* holding for Enter without a terminal would hang a script */
	if (o.pause && !isatty(STDIN_FILENO))
		main_die(EXIT_USAGE, "--pause needs a terminal on standard "
		    "input");
	password_len = main_password(&o, password, sizeof(password));
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
	oc.report = report.out;
	shared.o = &o;
	shared.oc = &oc;
	shared.creds = creds;
	shared.password = password_len > 0 ? (const uint8_t *)password : NULL;
	shared.password_len = password_len;
	status = run_all(&shared, &targets);
	explicit_bzero(password, sizeof(password));
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
