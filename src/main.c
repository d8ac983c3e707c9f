/*
 * main.c: the only place that reads the environment, opens the secret
 * files, prints errors and exits.  Everything else is in the library.
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

#include "engine.h"
#include "options.h"
#include "pause.h"
#include "render.h"
#include "report.h"
#include "tls.h"

#define MAIN_SECRET_MAX 4096

static void __attribute__((noreturn, format(printf, 2, 3)))
main_die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mqtts-probe: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
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

static void
main_random_hex(char *buf, size_t nbytes)
{
	unsigned char raw[32];

	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	if (gnutls_rnd(GNUTLS_RND_NONCE, raw, nbytes) < 0)
		main_die(EXIT_INTERNAL, "cannot get random bytes from GnuTLS");
	for (size_t i = 0; i < nbytes; i++)
		snprintf(buf + 2 * i, 3, "%02x", raw[i]);
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

int
main(int argc, char *argv[])
{
	struct options o;
	char msg[512], err[1024];
	static char password[MAIN_SECRET_MAX], keypass[MAIN_SECRET_MAX];
	char client_id[64], nonce[40], topic[1024], version[64];
	size_t password_len = 0;
	struct tls_config tc = { 0 };
	struct tls_creds *creds;
	struct engine_config ec = { 0 };
	struct engine_io io = { 0 };
	struct report r;
	struct render_text rt = { 0 };
	struct pause_ctx pc = { stdin, stdout, 0 };
	const char *env_pw;
	int status;

	main_signals();

	status = options_parse(argc, argv, &o, msg, sizeof(msg));
	if (status != 0) {
		fprintf(stderr, "mqtts-probe: %s\n%s", msg, options_usage());
		return EXIT_USAGE;
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

	/* holding for Enter without a terminal would hang a script */
	if (o.pause && !isatty(STDIN_FILENO))
		main_die(EXIT_USAGE, "--pause needs a terminal on standard "
		    "input");

	env_pw = getenv("MQTTS_PROBE_PASSWORD");
	if (o.password_file != NULL)
		password_len = main_read_secret("--password-file",
		    o.password_file, password, sizeof(password));
	else if (o.password_arg != NULL) {
		fprintf(stderr, "mqtts-probe: warning: a password given with -P "
		    "is visible to other users in ps; prefer --password-file "
		    "or MQTTS_PROBE_PASSWORD\n");
		snprintf(password, sizeof(password), "%s", o.password_arg);
		password_len = strlen(password);
	} else if (env_pw != NULL && env_pw[0] != '\0') {
		snprintf(password, sizeof(password), "%s", env_pw);
		password_len = strlen(password);
	}
	if (o.key_password_file != NULL)
		main_read_secret("--key-password-file", o.key_password_file,
		    keypass, sizeof(keypass));

	tc.cafile = o.cafile;
	tc.capath = o.capath;
	tc.cert = o.cert;
	tc.key = o.key;
	tc.key_password = o.key_password_file != NULL ? keypass : NULL;
	tc.tls_version = (int)o.tls_version;
	tc.priority = o.priority;
	tc.insecure = o.insecure;
	creds = tls_creds_load(&tc, err, sizeof(err), &status);
	explicit_bzero(keypass, sizeof(keypass));
	if (creds == NULL) {
		explicit_bzero(password, sizeof(password));
		main_die(status, "%s", err);
	}

	if (o.client_id != NULL)
		snprintf(client_id, sizeof(client_id), "%s", o.client_id);
	else {
		/* unique per run, so parallel probes never take over each
		 * other's session */
		snprintf(client_id, sizeof(client_id), "mqtts-probe-");
		main_random_hex(client_id + strlen(client_id), 6);
	}
	main_random_hex(nonce, 16);
	if (o.topic != NULL)
		snprintf(topic, sizeof(topic), "%s", o.topic);
	else
		snprintf(topic, sizeof(topic), "mqtts-probe/%s", client_id);

	ec.host = o.target.host;
	ec.connect_host = o.connect_to != NULL ? o.connect_to : o.target.host;
	ec.port = o.connect_port != 0 ? o.connect_port : o.target.port;
	/* SNI carries DNS names only (RFC 6066), never an address */
	ec.tls.sni = o.sni_hostname != NULL ? o.sni_hostname :
	    o.target.is_ip ? NULL : o.target.host;
	ec.tls.verify_host = o.verify_hostname != NULL ? o.verify_hostname :
	    o.target.host;
	ec.tls.alpn = o.alpn;
	ec.tls.keylog = o.keylog;
	ec.insecure = o.insecure;
	ec.mqtt_version = o.mqtt_version;
	ec.client_id = o.client_id != NULL ? o.client_id : client_id;
	ec.username = o.username;
	ec.password = password_len > 0 ? (const uint8_t *)password : NULL;
	ec.password_len = password_len;
	ec.keepalive = o.keepalive;
	ec.topic = topic;
	ec.qos = o.qos;
	ec.nonce = nonce;
	ec.steps = o.steps;
	ec.packet_bytes = o.hexdump;
	ec.timeout_us = o.timeout_us;

	io.clock = clock_monotonic;
	io.net = net_system;
	io.tls = tls_gnutls_ops(creds);
	io.before_step = o.pause ? pause_before_step : NULL;
	io.step_ctx = &pc;

	rt.out = stdout;
	rt.color = main_color(o.color);
	rt.quiet = o.quiet;
	rt.verbose = o.verbose;
	rt.explain = o.explain;
	rt.trace = o.trace;
	rt.hexdump = o.hexdump;
	rt.target = o.target_arg;
	rt.steps = (int)o.steps;
	if (!o.quiet) {
		snprintf(version, sizeof(version), "%s", o.mqtt_version == 5 ?
		    "5.0" : "3.1.1");
		printf("mqtts-probe %s: %s port %u%s%s, MQTT %s, timeout %.3g s"
		    "%s\n", PACKAGE_VERSION, o.target.host, ec.port,
		    o.connect_to != NULL ? " via " : "",
		    o.connect_to != NULL ? o.connect_to : "", version,
		    (double)o.timeout_us / 1e6, o.insecure ?
		    ", --insecure: verification is reported, not enforced" : "");
	}
	report_init(&r, render_text_live, &rt);
	engine_run(&ec, &io, &r);
	explicit_bzero(password, sizeof(password));
	render_text_finish(&rt, &r);
	status = r.oom ? EXIT_INTERNAL : report_exit_status(&r);
	/* interrupted: the report names the step; the status says why */
	if (iowait_interrupted)
		status = 128 + iowait_interrupted;
	report_free(&r);
	tls_creds_free(creds);
	return status;
}
