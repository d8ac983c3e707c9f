/*
 * check_diag.c -- naming the cause (issue 10): the chain checks as pure
 * functions over certificates certtool made (tests/lib/chain-pki.sh),
 * and the probe against mosquitto listeners that serve each broken
 * chain, in text, JSON and Prometheus.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "itest.h"
#include "tls_checks.h"

/*
 * A --timeout of base seconds, scaled like every limit of the tests
 * (three times under valgrind): no test may depend on speed.
 */
static const char *
T(double base)
{
	static char pool[8][16];
	static unsigned next;
	char *b = pool[next++ % 8];

	snprintf(b, sizeof(pool[0]), "%g", base * itest_slowdown());
	return b;
}

/* ---- the checks as functions ---------------------------------------- */

/* Every certificate of a PEM file (a chain file holds several). */
static unsigned
load_chain(const char *name, gnutls_x509_crt_t *crts, unsigned max)
{
	gnutls_datum_t d = { NULL, 0 };
	unsigned n = max;

	ck_assert_msg(gnutls_load_file(pki(name), &d) == 0, "cannot read %s",
	    name);
	ck_assert_int_ge(gnutls_x509_crt_list_import(crts, &n, &d,
	    GNUTLS_X509_FMT_PEM, 0), 1);
	gnutls_free(d.data);
	return n;
}

static void
free_chain(gnutls_x509_crt_t *crts, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
}

static const struct report_finding *
find(const struct tls_findings *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].key, key) == 0)
			return &f->v[i];
	return NULL;
}

static void
expect_finding(const struct tls_findings *f, const char *key,
    enum report_severity sev, int step, const char *words)
{
	const struct report_finding *x = find(f, key);
	char all[4096] = "";

	for (size_t i = 0; i < f->n; i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s; ",
		    f->v[i].key);
	ck_assert_msg(x != NULL, "no finding %s (found: %s)", key, all);
	ck_assert_int_eq(x->severity, sev);
	ck_assert_int_eq(x->step, step);
	ck_assert_msg(strstr(x->text, words) != NULL, "%s: '%s' lacks '%s'",
	    key, x->text, words);
}

static void
chain_findings(const char *file, struct tls_findings *f)
{
	gnutls_x509_crt_t crts[8];
	unsigned n = load_chain(file, crts, 8);
	struct tls_checks_config cfg = { .now = time(NULL), .warn_days = 30 };

	memset(f, 0, sizeof(*f));
	tls_checks_chain(crts, n, &cfg, f);
	free_chain(crts, n);
}

static void
trust_findings(const char *file, const char *anchors, struct tls_findings *f)
{
	gnutls_x509_crt_t crts[8];
	unsigned n = load_chain(file, crts, 8);
	struct tls_checks_config cfg = { .now = time(NULL), .warn_days = 30 };
	gnutls_x509_trust_list_t tl;

	ck_assert_int_eq(gnutls_x509_trust_list_init(&tl, 0), 0);
	ck_assert_int_ge(gnutls_x509_trust_list_add_trust_file(tl,
	    pki(anchors), NULL, GNUTLS_X509_FMT_PEM, 0, 0), 1);
	memset(f, 0, sizeof(*f));
	tls_checks_trust(crts, n, tl, anchors, &cfg, f);
	gnutls_x509_trust_list_deinit(tl, 1);
	free_chain(crts, n);
}

START_TEST(test_checks_good_chain_is_quiet)
{
	struct tls_findings f;

	chain_findings("chain-full.pem", &f);
	ck_assert_msg(f.n == 0, "a good chain found %s", f.n ? f.v[0].key :
	    "");
	trust_findings("chain-full.pem", "chain-root.pem", &f);
	ck_assert_msg(f.n == 0, "a good chain found %s", f.n ? f.v[0].key :
	    "");
	chain_findings("server.pem", &f);
	ck_assert_uint_eq(f.n, 0);
}
END_TEST

START_TEST(test_checks_incomplete)
{
	struct tls_findings f;
	gnutls_x509_crt_t crts[8];
	unsigned n;

	trust_findings("chain-incomplete.pem", "chain-root.pem", &f);
	expect_finding(&f, "incomplete_chain", SEV_ERROR, STEP_VERIFY,
	    "CN=mqtts-probe chain intermediate");
	expect_finding(&f, "incomplete_chain", SEV_ERROR, STEP_VERIFY,
	    "after its own");
	/* the intermediate in our own file: it verifies, but others fail */
	trust_findings("chain-incomplete.pem", "chain-inter.pem", &f);
	expect_finding(&f, "incomplete_chain", SEV_WARNING, STEP_VERIFY,
	    "clients that hold only the root");
	n = load_chain("chain-incomplete.pem", crts, 8);
	ck_assert(tls_checks_incomplete(crts, n, NULL));
	free_chain(crts, n);
	/* a self-signed certificate is not an incomplete chain */
	n = load_chain("selfsigned.pem", crts, 8);
	ck_assert(!tls_checks_incomplete(crts, n, NULL));
	free_chain(crts, n);
}
END_TEST

START_TEST(test_checks_order_root_dup)
{
	struct tls_findings f;

	chain_findings("chain-outoforder.pem", &f);
	expect_finding(&f, "chain_out_of_order", SEV_WARNING, STEP_SERVER_CERT,
	    "certificate 0 (CN=localhost) was issued by certificate 2");
	expect_finding(&f, "root_sent", SEV_INFO, STEP_SERVER_CERT,
	    "certificate 1 (CN=mqtts-probe chain root)");
	chain_findings("chain-withroot.pem", &f);
	ck_assert_ptr_null(find(&f, "chain_out_of_order"));
	expect_finding(&f, "root_sent", SEV_INFO, STEP_SERVER_CERT,
	    "certificate 2");
	chain_findings("chain-dup.pem", &f);
	expect_finding(&f, "duplicate_certificate", SEV_WARNING,
	    STEP_SERVER_CERT, "certificate 2 (CN=mqtts-probe chain "
	    "intermediate) is a second copy of certificate 1");
	ck_assert_ptr_null(find(&f, "chain_out_of_order"));
}
END_TEST

START_TEST(test_checks_leaf)
{
	struct tls_findings f;

	chain_findings("cnonly.pem", &f);
	expect_finding(&f, "no_subject_alt_name", SEV_WARNING,
	    STEP_SERVER_CERT, "Go (1.15 and later)");
	expect_finding(&f, "no_subject_alt_name", SEV_WARNING,
	    STEP_SERVER_CERT, "CN=localhost");
	chain_findings("noeku.pem", &f);
	expect_finding(&f, "no_server_auth", SEV_ERROR, STEP_SERVER_CERT,
	    "(clientAuth) lacks serverAuth");
	chain_findings("longvalid.pem", &f);
	expect_finding(&f, "long_validity", SEV_INFO, STEP_SERVER_CERT,
	    "825 days");
	chain_findings("weak.pem", &f);
	expect_finding(&f, "weak_key", SEV_ERROR, STEP_SERVER_CERT,
	    "1024-bit RSA key");
	expect_finding(&f, "weak_signature", SEV_ERROR, STEP_SERVER_CERT,
	    "SHA1");
	/* the CA's own certificate is not a server's: no serverAuth check
	 * applies to anything but the leaf, and a root's self-signature
	 * is never a weak signature below the anchor */
	chain_findings("ca.pem", &f);
	ck_assert_ptr_null(find(&f, "weak_signature"));
	trust_findings("expiring.pem", "ca.pem", &f);
	expect_finding(&f, "expiring_soon", SEV_WARNING, STEP_VERIFY,
	    "warning under 30 days");
}
END_TEST

START_TEST(test_checks_key_and_signature_names)
{
	gnutls_x509_crt_t crts[8];
	unsigned n = load_chain("weak.pem", crts, 8), bits = 0;
	char type[16], sig[32];

	tls_checks_key(crts[0], type, sizeof(type), &bits);
	ck_assert_str_eq(type, "RSA");
	ck_assert_uint_eq(bits, 1024);
	tls_checks_sig(crts[0], sig, sizeof(sig));
	ck_assert_msg(strstr(sig, "SHA1") != NULL, "%s", sig);
	free_chain(crts, n);
	n = load_chain("server.pem", crts, 8);
	tls_checks_key(crts[0], type, sizeof(type), &bits);
	ck_assert_uint_eq(bits, 256);
	tls_checks_sig(crts[0], sig, sizeof(sig));
	ck_assert_str_eq(sig, "ECDSA-SHA256");
	free_chain(crts, n);
}
END_TEST

START_TEST(test_checks_client)
{
	gnutls_x509_crt_t crts[8];
	unsigned n;
	struct tls_findings f = { 0 };
	struct tls_checks_config cfg = { .now = time(NULL), .warn_days = 30 };

	n = load_chain("client-expired.pem", crts, 8);
	tls_checks_client(crts[0], "client-expired.pem", &cfg, &f);
	free_chain(crts, n);
	expect_finding(&f, "client_cert_expired", SEV_WARNING, 0,
	    "expired on 2021-01-01");
	memset(&f, 0, sizeof(f));
	n = load_chain("client-noeku.pem", crts, 8);
	tls_checks_client(crts[0], "client-noeku.pem", &cfg, &f);
	free_chain(crts, n);
	expect_finding(&f, "client_cert_no_client_auth", SEV_WARNING, 0,
	    "without clientAuth");
	memset(&f, 0, sizeof(f));
	n = load_chain("client.pem", crts, 8);
	tls_checks_client(crts[0], "client.pem", &cfg, &f);
	free_chain(crts, n);
	ck_assert_uint_eq(f.n, 0);
}
END_TEST

/* ---- the probe against the listeners ---------------------------------- */

static void
probe(struct run *r, enum listener l, const char *cafile, const char *fmt)
{
	run_probe(r, NULL, "--cafile", pki(cafile), "-t", T(5), "-v",
	    "--format", fmt, target(l), NULL);
}

START_TEST(test_incomplete_chain_named)
{
	struct run r;

	probe(&r, L_CHAIN_INCOMPLETE, "chain-root.pem", "text");
	EXPECT_EXIT(&r, 4);
	EXPECT_HAS(&r, "FAIL step 4 (Certificate verification) on ");
	EXPECT_HAS(&r, ": incomplete "
	    "chain (issuer unknown): the broker sent only its own "
	    "certificate");
	EXPECT_HAS(&r, "CN=mqtts-probe chain intermediate");
	EXPECT_HAS(&r, "must send that intermediate certificate");
	EXPECT_HAS(&r, "[incomplete_chain]");
	EXPECT_HAS(&r, "is an intermediate CA, fix the broker, not the "
	    "client");
	free(r.out);
	probe(&r, L_CHAIN_INCOMPLETE, "chain-root.pem", "json");
	EXPECT_EXIT(&r, 4);
	EXPECT_HAS(&r, "\"key\":\"incomplete_chain\",\"severity\":\"error\","
	    "\"step\":4");
	EXPECT_HAS(&r, "\"problems\":[\"unknown-issuer\",\"incomplete-chain\"]");
	free(r.out);
	/* the whole chain sent: nothing to say */
	probe(&r, L_CHAIN_FULL, "chain-root.pem", "text");
	EXPECT_EXIT(&r, 0);
	EXPECT_LACKS(&r, "incomplete");
	EXPECT_LACKS(&r, "WARNING");
	free(r.out);
}
END_TEST

START_TEST(test_chain_order_root_dup_listeners)
{
	struct run r;

	probe(&r, L_CHAIN_OUTOFORDER, "chain-root.pem", "text");
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "the chain is out of order");
	EXPECT_HAS(&r, "[chain_out_of_order]");
	EXPECT_HAS(&r, "[root_sent]");
	free(r.out);
	probe(&r, L_CHAIN_WITHROOT, "chain-root.pem", "jsonl");
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "\"key\":\"root_sent\",\"severity\":\"info\","
	    "\"step\":3,\"certificate\":2");
	free(r.out);
	probe(&r, L_CHAIN_DUP, "chain-root.pem", "prometheus");
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "mqtts_probe_finding{target=");
	EXPECT_HAS(&r, "key=\"duplicate_certificate\",severity=\"warning\","
	    "step=\"3\"} 1");
	free(r.out);
}
END_TEST

START_TEST(test_leaf_listeners)
{
	struct run r;

	/* the probe (GnuTLS) accepts a name in the CN; Go would not.  The
	 * CN holds a DNS name, so the target must be that name. */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5),
	    target_port("localhost", g_port[L_CNONLY]), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "WARNING");
	EXPECT_HAS(&r, "only in its subject (CN=localhost)");
	EXPECT_HAS(&r, "Go (1.15 and later)");
	free(r.out);
	probe(&r, L_NOEKU, "ca.pem", "text");
	EXPECT_EXIT(&r, 4);
	EXPECT_HAS(&r, "[no_server_auth]");
	EXPECT_HAS(&r, "wrong key purpose");
	free(r.out);
	probe(&r, L_LONGVALID, "ca.pem", "json");
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "\"key\":\"long_validity\",\"severity\":\"info\"");
	EXPECT_HAS(&r, "\"key_type\":\"EC/ECDSA\",\"key_bits\":256,"
	    "\"signature_algorithm\":\"ECDSA-SHA256\"");
	free(r.out);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5),
	    "--warn-days", "10", target(L_EXPIRING), NULL);
	/* a crossed --warn-days threshold exits 9, in every format */
	EXPECT_EXIT(&r, 9);
	EXPECT_HAS(&r, "[expiring_soon]");
	EXPECT_HAS(&r, "warning under 10 days");
	free(r.out);
	/* -v names each certificate's key and signature */
	probe(&r, L_GOOD, "ca.pem", "text");
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "EC/ECDSA 256-bit key, signed ECDSA-SHA256");
	EXPECT_LACKS(&r, "WARNING");
	EXPECT_LACKS(&r, "ERROR");
	free(r.out);
}
END_TEST

/*
 * A 1024-bit RSA key with a SHA-1 signature: mosquitto (OpenSSL 3) will
 * not even load it, so gnutls-serv serves it, under timeout(1), in its
 * own process group so that stopping it stops both.
 */
static pid_t
gnutls_serv_startv(int *port, const char *cert, const char *key,
    const char *const *extra)
{
	char portbuf[16];
	const char *argv[24];
	size_t n = 0;
	pid_t pid;
	int fd = bind_loopback(port);

	if (fd < 0)
		return -1;
	close(fd);
	snprintf(portbuf, sizeof portbuf, "%d", *port);
	argv[n++] = "timeout";
	argv[n++] = "30";
	argv[n++] = "gnutls-serv";
	argv[n++] = "--x509certfile";
	argv[n++] = pki(cert);
	argv[n++] = "--x509keyfile";
	argv[n++] = pki(key);
	argv[n++] = "-p";
	argv[n++] = portbuf;
	for (size_t i = 0; extra != NULL && extra[i] != NULL &&
	    n < sizeof argv / sizeof argv[0] - 1; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		setpgid(0, 0);
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		signal(SIGALRM, SIG_DFL);
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 200; i++) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
		    .sin_port = htons((uint16_t)*port),
		    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int c = socket(AF_INET, SOCK_STREAM, 0);
		int ok = connect(c, (struct sockaddr *)&sin, sizeof sin) == 0;

		close(c);
		if (ok)
			return pid;
		usleep(50000);
	}
	if (pid > 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

static pid_t
gnutls_serv_start(int *port, const char *cert, const char *key,
    const char *ocsp)
{
	/* the staple as it is: checking it is the client's job, which is
	 * the point */
	const char *staple[] = { "--ocsp-response", ocsp != NULL ? pki(ocsp) :
	    "", "--ignore-ocsp-response-errors", NULL };

	return gnutls_serv_startv(port, cert, key, ocsp != NULL ? staple :
	    NULL);
}

static void
gnutls_serv_stop(pid_t pid)
{
	if (pid > 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

START_TEST(test_weak_key_listener)
{
	struct run r;
	int port = 0;
	pid_t pid = gnutls_serv_start(&port, "weak.pem", "weak.key", NULL);

	ck_assert_msg(pid > 0, "gnutls-serv did not start");
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--steps",
	    "5", target_port("localhost", port), NULL);
	gnutls_serv_stop(pid);
	EXPECT_EXIT(&r, 4);
	EXPECT_HAS(&r, "1024-bit RSA key");
	EXPECT_HAS(&r, "[weak_key]");
	EXPECT_HAS(&r, "[weak_signature]");
	EXPECT_HAS(&r, "insecure algorithm");
	free(r.out);
}
END_TEST

/* ---- --clients --------------------------------------------------------------- */

/* The table line of one client in the text output, or "". */
static const char *
client_line(const struct run *r, const char *name, char *buf, size_t len)
{
	const char *p = strstr(r->out, "Other clients");
	const char *e;

	buf[0] = '\0';
	if (p == NULL || (p = strstr(p, name)) == NULL)
		return buf;
	e = strchr(p, '\n');
	snprintf(buf, len, "%.*s", (int)(e != NULL ? e - p : (long)strlen(p)),
	    p);
	return buf;
}

static void
expect_client(const struct run *r, const char *name, bool yes,
    const char *why)
{
	char line[2048];

	client_line(r, name, line, sizeof line);
	ck_assert_msg(line[0] != '\0', "%s\nno line for %s\n%s", r->cmd,
	    name, r->out);
	ck_assert_msg(strstr(line, yes ? " yes " : " NO ") != NULL,
	    "%s\n%s should %sconnect:\n%s", r->cmd, name, yes ? "" : "not ",
	    line);
	if (why != NULL)
		ck_assert_msg(strstr(line, why) != NULL, "%s\n%s lacks '%s':"
		    "\n%s", r->cmd, name, why, line);
}

START_TEST(test_clients_good_and_cn_only)
{
	struct run r;

	/* ECDSA P-256 with SANs, TLS 1.2 and 1.3: every modern stack;
	 * the RSA-only device has no suite for an ECDSA key */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5),
	    "--clients", target_port("localhost", g_port[L_GOOD]), NULL);
	EXPECT_EXIT(&r, 0);
	expect_client(&r, "OpenSSL 3, security level 2", true, "TLS1.3");
	expect_client(&r, "Go crypto/tls", true, NULL);
	expect_client(&r, "Python ssl", true, NULL);
	expect_client(&r, "Java 17", true, NULL);
	expect_client(&r, "mbedTLS 2.28", true, "TLS1.2");
	expect_client(&r, "Older device", false, "handshake_failure");
	free(r.out);

	/* a name in the CN only: Go alone refuses it */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5),
	    "--clients", target_port("localhost", g_port[L_CNONLY]), NULL);
	EXPECT_EXIT(&r, 0);
	expect_client(&r, "Go crypto/tls", false, "only in the certificate's "
	    "subject CN");
	expect_client(&r, "OpenSSL 3, security level 2", true, NULL);
	expect_client(&r, "Python ssl", true, NULL);
	expect_client(&r, "Java 17", true, NULL);
	expect_client(&r, "mbedTLS 2.28", true, NULL);
	free(r.out);

	/* JSON, under stable keys */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--format",
	    "json", "--clients", target_port("localhost", g_port[L_CNONLY]),
	    NULL);
	EXPECT_HAS(&r, "{\"key\":\"go\",\"name\":\"Go crypto/tls\","
	    "\"connects\":false,\"negotiated\":\"TLS1.3");
	EXPECT_HAS(&r, "{\"key\":\"java17\",\"name\":\"Java 17\","
	    "\"connects\":true");
	free(r.out);
	/* without --clients, nothing */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--format",
	    "json", target(L_GOOD), NULL);
	EXPECT_HAS(&r, "\"clients\":[]");
	free(r.out);
}
END_TEST

START_TEST(test_clients_tls13_only)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5),
	    "--clients", target_port("localhost", g_port[L_TLS13ONLY]), NULL);
	EXPECT_EXIT(&r, 0);
	expect_client(&r, "mbedTLS 2.28", false, "step 3");
	expect_client(&r, "Older device", false, NULL);
	expect_client(&r, "Go crypto/tls", true, "TLS1.3");
	expect_client(&r, "Java 17", true, "TLS1.3");
	free(r.out);
}
END_TEST

START_TEST(test_clients_weak_key)
{
	struct run r;
	int port = 0;
	pid_t pid = gnutls_serv_start(&port, "weak.pem", "weak.key", NULL);

	ck_assert_msg(pid > 0, "gnutls-serv did not start");
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--steps",
	    "5", "--clients", target_port("localhost", port), NULL);
	gnutls_serv_stop(pid);
	EXPECT_EXIT(&r, 4);
	expect_client(&r, "OpenSSL 3, security level 2", false,
	    "1024-bit RSA key");
	expect_client(&r, "Python ssl", false, "1024-bit RSA key");
	expect_client(&r, "mbedTLS 2.28", false, "1024-bit RSA key");
	expect_client(&r, "Go crypto/tls", false, "SHA1");
	/* Java 17 (private CA) and OpenSSL 1.1 at level 1 take it */
	expect_client(&r, "Java 17", true, NULL);
	expect_client(&r, "Older device", true, "TLS1.2");
	free(r.out);
}
END_TEST

/* ---- revocation ---------------------------------------------------------- */

START_TEST(test_crlfile)
{
	struct run r;

	/* crl-revoked.pem revokes server.pem, which the good listener has */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--crlfile",
	    pki("crl-revoked.pem"), target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 4);
	/* the verdict names the target between the step and the reason */
	EXPECT_HAS(&r, "FAIL step 4 (Certificate verification) on ");
	EXPECT_HAS(&r, ": certificate "
	    "revoked: certificate 0 (CN=localhost) was revoked on ");
	/* certtool gives no reason code: RFC 5280 reads that as
	 * unspecified */
	EXPECT_HAS(&r, " UTC, reason unspecified, per --crlfile");
	free(r.out);

	/* openssl's CRL gives each entry its reason (tls_crl_reason.c):
	 * server.pem's is keyCompromise, after expired.pem's superseded */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--crlfile",
	    pki("crl-reason.pem"), target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 4);
	EXPECT_HAS(&r, "revoked: certificate 0 (CN=localhost) was revoked "
	    "on ");
	EXPECT_HAS(&r, " UTC, reason keyCompromise, per --crlfile");
	EXPECT_LACKS(&r, "superseded");
	EXPECT_HAS(&r, "revocation reason");
	free(r.out);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--crlfile",
	    pki("crl-reason.pem"), "--format", "json", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 4);
	EXPECT_HAS(&r, "\"revocation_reason\":\"keyCompromise\"");
	EXPECT_HAS(&r, "\"revoked_on\":\"20");
	itest_expect_schema(&r, "crl-reason.json");
	free(r.out);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--crlfile",
	    pki("crl-empty.pem"), target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	free(r.out);
	/* a file without a CRL is a bad local file */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--crlfile",
	    pki("ca.pem"), target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 66);
	EXPECT_HAS(&r, "--crlfile");
	EXPECT_HAS(&r, "no PEM certificate revocation list");
	free(r.out);
}
END_TEST

/* ---- the CAs the broker accepts client certificates from ---------- */

/*
 * gnutls-serv asking for a client certificate from ca.pem's CA (it lists
 * that CA in its CertificateRequest, as GnuTLS servers do) and refusing
 * any other: ours from that CA matches, one from other-ca is named as
 * refused before the broker's alert, and none is named missing.  Loop:
 * TLS 1.2, 1.3 (where the CA list is an extension and the refusal
 * comes after the handshake).
 */
START_TEST(test_client_ca_list)
{
	const char *version = _i == 0 ? "1.2" : "1.3";
	const char *extra[] = { "--x509cafile", pki("ca.pem"),
	    "--require-client-cert", "--verify-client-cert", NULL };
	struct run r;
	int port = 0;
	pid_t pid = gnutls_serv_startv(&port, "server.pem", "server.key",
	    extra);

	ck_assert_msg(pid > 0, "gnutls-serv did not start");
	/* --steps 5: gnutls-serv is no broker */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5),
	    "--tls-version", version, "--steps", "5", "--cert",
	    pki("client.pem"), "--key", pki("client.key"),
	    target_port("localhost", port), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "client CAs accepted      CN=mqtts-probe test CA,"
	    "O=mqtts-probe tests");
	EXPECT_HAS(&r, "the broker accepts client certificates from "
	    "CN=mqtts-probe test CA,O=mqtts-probe tests; ours "
	    "(CN=mqtts-probe-test) chains to");
	EXPECT_HAS(&r, "[client_ca_match]");
	EXPECT_LACKS(&r, "will be refused");
	free(r.out);

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5),
	    "--tls-version", version, "--cert", pki("client-otherca.pem"),
	    "--key", pki("client-otherca.key"),
	    target_port("localhost", port), NULL);
	EXPECT_EXIT(&r, 5);
	EXPECT_HAS(&r, "ours (CN=mqtts-probe-elsewhere) is issued by "
	    "CN=mqtts-probe untrusted CA,O=elsewhere: it will be refused");
	EXPECT_HAS(&r, "[client_ca_mismatch]");
	/* and then the broker's own word */
	EXPECT_HAS(&r, "FAIL step 5");
	EXPECT_HAS(&r, "alert");
	free(r.out);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5),
	    "--tls-version", version, "--cert", pki("client-otherca.pem"),
	    "--key", pki("client-otherca.key"), "--format", "json",
	    target_port("localhost", port), NULL);
	EXPECT_EXIT(&r, 5);
	EXPECT_HAS(&r, "\"client_ca_check\":\"mismatch\"");
	EXPECT_HAS(&r, "\"key\":\"client_ca_mismatch\"");
	EXPECT_HAS(&r, "\"client_cas\":\"CN=mqtts-probe test CA,"
	    "O=mqtts-probe tests\"");
	itest_expect_schema(&r, "client-ca.json");
	free(r.out);

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5),
	    "--tls-version", version, target_port("localhost", port), NULL);
	EXPECT_EXIT(&r, 5);
	EXPECT_HAS(&r, "the broker asks for a client certificate and accepts "
	    "ones issued by CN=mqtts-probe test CA,O=mqtts-probe tests; none "
	    "was given");
	EXPECT_HAS(&r, "[client_cert_missing]");
	free(r.out);
	gnutls_serv_stop(pid);
}
END_TEST

/*
 * mosquitto 2.0.11 (require_certificate, cafile) asks for a certificate
 * but lists no CA (openssl s_client: "No client certificate CA names
 * sent"): the probe says so, and still sends ours.
 */
START_TEST(test_client_ca_mosquitto_lists_none)
{
	struct run r;

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--cert",
	    pki("client.pem"), "--key", pki("client.key"), target(L_MTLS),
	    NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "names no CA it accepts: whether it takes ours "
	    "(CN=mqtts-probe-test, issued by CN=mqtts-probe test CA");
	EXPECT_HAS(&r, "[client_ca_unlisted]");
	free(r.out);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5),
	    target(L_MTLS), NULL);
	EXPECT_EXIT(&r, 5);
	EXPECT_HAS(&r, "the broker asks for a client certificate (it names no "
	    "CA it accepts); none was given");
	EXPECT_HAS(&r, "[client_cert_missing]");
	free(r.out);
	/* no certificate asked for: nothing said */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--cert",
	    pki("client.pem"), "--key", pki("client.key"), target(L_GOOD),
	    NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_LACKS(&r, "client_ca");
	EXPECT_LACKS(&r, "client CAs");
	free(r.out);
}
END_TEST

/* Run a shell command line in the test directory; it must succeed. */
static void
shell(const char *fmt, ...)
{
	char cmd[8192];
	const char *argv[] = { "sh", "-c", cmd, NULL };
	struct run m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	run_argv(&m, argv, NULL, 60);
	ck_assert_msg(m.status == 0, "%s failed (%d):\n%s", cmd, m.status,
	    m.out);
	free(m.out);
}

START_TEST(test_ocsp_staple)
{
	struct run r;
	int port = 0;
	pid_t pid;

	/* OCSP responses from the test CA: server.pem (serial 0A) revoked
	 * for key compromise, and good */
	shell("cd '%s' && "
	    "printf 'R\\t991231235959Z\\t240101000000Z,keyCompromise\\t0A"
	    "\\tunknown\\t/CN=localhost\\n' >ocsp-revoked.idx && "
	    "printf 'V\\t991231235959Z\\t\\t0A\\tunknown\\t/CN=localhost"
	    "\\n' >ocsp-good.idx && "
	    "openssl ocsp -issuer ca.pem -cert server.pem -no_nonce "
	    "-reqout ocsp.req >/dev/null 2>&1 && "
	    "for s in revoked good; do openssl ocsp -index ocsp-$s.idx "
	    "-rsigner ca.pem -rkey ca.key -CA ca.pem -reqin ocsp.req "
	    "-respout ocsp-$s.der -ndays 30 >/dev/null 2>&1 || exit 1; done",
	    g_dir);
	pid = gnutls_serv_start(&port, "server.pem", "server.key",
	    "ocsp-revoked.der");
	ck_assert_msg(pid > 0, "gnutls-serv did not start");
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--steps",
	    "5", target_port("localhost", port), NULL);
	gnutls_serv_stop(pid);
	EXPECT_EXIT(&r, 4);
	EXPECT_HAS(&r, "OCSP staple              revoked");
	EXPECT_HAS(&r, "the server's own OCSP staple says its certificate was "
	    "revoked on 2024-01-01 00:00 UTC, reason keyCompromise");
	free(r.out);

	pid = gnutls_serv_start(&port, "server.pem", "server.key",
	    "ocsp-good.der");
	ck_assert_msg(pid > 0, "gnutls-serv did not start");
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--steps",
	    "5", target_port("localhost", port), NULL);
	gnutls_serv_stop(pid);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "OCSP staple              good");
	free(r.out);

	/* no staple at all: said as such */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5),
	    target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_HAS(&r, "OCSP staple              none");
	free(r.out);
}
END_TEST

/* ---- local files, before connecting ---------------------------------- */

START_TEST(test_cafile_without_ca)
{
	struct run r;
	char capath[4200];

	/* the server's own certificate as the anchor: a warning, and the
	 * walk still runs (GnuTLS trusts the exact certificate) */
	run_probe(&r, NULL, "--cafile", pki("server.pem"), "-t", T(5),
	    "--format", "text", target(L_GOOD), NULL);
	EXPECT_HAS(&r, "WARNING");
	EXPECT_HAS(&r, "server.pem holds 1 certificate, CN=localhost, which "
	    "is not a CA");
	EXPECT_HAS(&r, "[no_ca_in_anchors]");
	EXPECT_HAS(&r, "[1/8] TCP connect                    ok");
	free(r.out);
	/* a directory of leaves says the same */
	snprintf(capath, sizeof capath, "%s/leaves", g_dir);
	{
		char cmd[9000];
		const char *argv[] = { "sh", "-c", cmd, NULL };
		struct run m;

		snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s' '%s' '%s'",
		    capath, pki("server.pem"), pki("cnonly.pem"), capath);
		run_argv(&m, argv, NULL, 30);
		ck_assert_int_eq(m.status, 0);
		free(m.out);
	}
	run_probe(&r, NULL, "--capath", capath, "-t", T(5), "--format", "json",
	    target(L_GOOD), NULL);
	EXPECT_HAS(&r, "\"key\":\"no_ca_in_anchors\",\"severity\":"
	    "\"warning\",\"step\":0,\"certificate\":null");
	EXPECT_HAS(&r, "holds 2 certificates");
	free(r.out);
	/* a real CA: nothing to say */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5),
	    target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_LACKS(&r, "no_ca_in_anchors");
	free(r.out);
}
END_TEST

START_TEST(test_own_certificate_checked)
{
	struct run r;

	/* warned before connecting, and the broker's answer shown too */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--cert",
	    pki("client-expired.pem"), "--key", pki("client-expired.key"),
	    target(L_MTLS), NULL);
	ck_assert_msg(r.status >= 5 && r.status <= 7, "%s\n%s", r.cmd, r.out);
	EXPECT_HAS(&r, "our own certificate");
	EXPECT_HAS(&r, "expired on 2021-01-01 00:00 UTC");
	EXPECT_HAS(&r, "[client_cert_expired]");
	EXPECT_HAS(&r, "[4/8] Certificate verification       ok");
	free(r.out);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--cert",
	    pki("client-noeku.pem"), "--key", pki("client-noeku.key"),
	    "--format", "prometheus", target(L_MTLS), NULL);
	EXPECT_HAS(&r, "key=\"client_cert_no_client_auth\",severity="
	    "\"warning\",step=\"0\"} 1");
	free(r.out);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--cert",
	    pki("client.pem"), "--key", pki("client.key"), target(L_MTLS),
	    NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_LACKS(&r, "our own certificate");
	free(r.out);
}
END_TEST

/* ---- evidence in hand --------------------------------------------------- */

START_TEST(test_silent_publish_denial)
{
	struct run r;

	/* mosquitto's ACL lets anonymous clients read, not write: under
	 * 3.1.1 the PUBACK comes, the message never does */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(2), "--qos",
	    "1", "--topic", "probe/acl", target(L_ACL), NULL);
	EXPECT_EXIT(&r, 8);
	EXPECT_HAS(&r, "[silent_publish_denial]");
	EXPECT_HAS(&r, "acknowledged our PUBLISH to 'probe/acl' (PUBACK)");
	EXPECT_HAS(&r, "write permission on 'probe/acl'");
	free(r.out);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(2), "--qos",
	    "0", "--format", "json", target(L_ACL), NULL);
	EXPECT_EXIT(&r, 8);
	EXPECT_HAS(&r, "\"key\":\"publish_not_delivered\"");
	free(r.out);
	/* a broker that delivers: no such finding */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "--qos",
	    "1", target(L_GOOD), NULL);
	EXPECT_EXIT(&r, 0);
	EXPECT_LACKS(&r, "silent_publish_denial");
	free(r.out);
}
END_TEST

START_TEST(test_not_authorized_without_sni)
{
	struct run r;

	/* an IP literal sends no SNI */
	run_probe(&r, WRONG_PASSWORD, "--cafile", pki("ca.pem"), "-t", T(5),
	    "-u", "probeuser", target(L_PASSWORD), NULL);
	EXPECT_EXIT(&r, 7);
	EXPECT_HAS(&r, "[no_sni]");
	EXPECT_HAS(&r, "no SNI was sent (127.0.0.1)");
	free(r.out);
	/* by name, SNI is sent: the finding stays away */
	run_probe(&r, WRONG_PASSWORD, "--cafile", pki("ca.pem"), "-t", T(5),
	    "-u", "probeuser", target_port("localhost", g_port[L_PASSWORD]),
	    NULL);
	EXPECT_EXIT(&r, 7);
	EXPECT_LACKS(&r, "no_sni");
	free(r.out);
}
END_TEST

/* ---- follow-up experiments ---------------------------------------------- */

/* tests/hostile_peer in mode (a picky broker that takes several
 * connections); its port in *port.  It bounds itself with alarm(). */
static pid_t
picky_start(const char *mode, int *port)
{
	return itest_hostile_start(mode, pki("server.pem"), pki("server.key"),
	    30, port);
}

START_TEST(test_diagnose_mqtt5_refused)
{
	struct run r;
	int port = 0;
	pid_t pid = picky_start("v311-only", &port);

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "-V", "5",
	    target_port("127.0.0.1", port), NULL);
	talker_stop(pid);
	/* the walk's own verdict and exit status stand */
	EXPECT_EXIT(&r, 7);
	EXPECT_HAS(&r, "FAIL step 7");
	EXPECT_HAS(&r, "Diagnosis");
	EXPECT_HAS(&r, "confirmed");
	EXPECT_HAS(&r, "this broker does not speak MQTT 5: use -V 3.1.1");
	free(r.out);

	pid = picky_start("v311-only", &port);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "-V", "5",
	    "--format", "json", target_port("127.0.0.1", port), NULL);
	talker_stop(pid);
	EXPECT_EXIT(&r, 7);
	EXPECT_HAS(&r, "\"diagnosis\":[{\"key\":\"mqtt_version\","
	    "\"verdict\":\"confirmed\"");
	free(r.out);

	/* --no-diagnose: the walk alone */
	pid = picky_start("v311-only", &port);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "-V", "5",
	    "--no-diagnose", target_port("127.0.0.1", port), NULL);
	talker_stop(pid);
	EXPECT_EXIT(&r, 7);
	EXPECT_LACKS(&r, "Diagnosis");
	EXPECT_LACKS(&r, "MQTT 5: use");
	free(r.out);
}
END_TEST

START_TEST(test_diagnose_client_id)
{
	struct run r;
	int port = 0;
	pid_t pid = picky_start("id-prefix", &port);

	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "-i",
	    "sensor-17", target_port("127.0.0.1", port), NULL);
	talker_stop(pid);
	EXPECT_EXIT(&r, 7);
	EXPECT_HAS(&r, "the broker closed the connection");
	EXPECT_HAS(&r, "the client id 'sensor-17' was the cause");
	free(r.out);

	/* the id is not the cause: the diagnosis says so */
	pid = picky_start("v311-only", &port);
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(5), "-V",
	    "3.1.1", "-i", "mqtts-probe-x", target_port("127.0.0.1", port),
	    NULL);
	talker_stop(pid);
	EXPECT_EXIT(&r, 0);
	EXPECT_LACKS(&r, "Diagnosis");
	free(r.out);
}
END_TEST

START_TEST(test_diagnose_tls_offers)
{
	struct run r;
	double limit;

	/* a TLS 1.3-only broker, and a client that offers only 1.2 */
	run_probe(&r, NULL, "--cafile", pki("ca.pem"), "-t", T(3),
	    "--tls-version", "1.2", target(L_TLS13ONLY), NULL);
	EXPECT_EXIT(&r, 3);
	EXPECT_HAS(&r, "Diagnosis");
	EXPECT_HAS(&r, "tried TLS 1.3 only");
	EXPECT_HAS(&r, "the server accepted it: TLS1.3");
	EXPECT_HAS(&r, "use --tls-version 13");
	/* the walk's 3 s plus at most one more --timeout */
	limit = (3.0 + 3.0 + 2.0) * itest_slowdown();
	ck_assert_msg(r.seconds < limit, "took %.2f s", r.seconds);
	free(r.out);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_checks_good_chain_is_quiet);
	tcase_add_test(tc, test_checks_incomplete);
	tcase_add_test(tc, test_checks_order_root_dup);
	tcase_add_test(tc, test_checks_leaf);
	tcase_add_test(tc, test_checks_key_and_signature_names);
	tcase_add_test(tc, test_checks_client);
	tcase_add_test(tc, test_incomplete_chain_named);
	tcase_add_test(tc, test_chain_order_root_dup_listeners);
	tcase_add_test(tc, test_leaf_listeners);
	tcase_add_test(tc, test_weak_key_listener);
	tcase_add_test(tc, test_cafile_without_ca);
	tcase_add_test(tc, test_own_certificate_checked);
	tcase_add_test(tc, test_silent_publish_denial);
	tcase_add_test(tc, test_not_authorized_without_sni);
	tcase_add_test(tc, test_diagnose_mqtt5_refused);
	tcase_add_test(tc, test_diagnose_client_id);
	tcase_add_test(tc, test_diagnose_tls_offers);
	tcase_add_test(tc, test_crlfile);
	tcase_add_test(tc, test_clients_good_and_cn_only);
	tcase_add_test(tc, test_clients_tls13_only);
	tcase_add_test(tc, test_clients_weak_key);
	tcase_add_test(tc, test_ocsp_staple);
	tcase_add_loop_test(tc, test_client_ca_list, 0, 2);
	tcase_add_test(tc, test_client_ca_mosquitto_lists_none);
}

int
main(void)
{
	return itest_main("diag", add_tests);
}
