/*
 * check_tls.c: the system trust store is loaded in the background.
 *
 * The first handshake starts loading the system store on a thread once
 * its ClientHello is out, and the verify callback waits for it.  To watch that from outside, this file
 * defines its own gnutls_x509_trust_list_add_system_trust: the linker
 * binds tls.o's call to the executable's definition before the shared
 * library's, so each test decides what the "system store" holds (the
 * server's own certificate, an unrelated one, or nothing), how slow it
 * is, and sees on which thread and how often it was called.  The
 * handshakes run for real, against a GnuTLS server thread at the other
 * end of a socketpair, with a certificate made here.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "options.h"
#include "probe_io.h"
#include "tls.h"

/* --- the fake system store ------------------------------------------------ */

enum check_sys_content { SYS_SERVER_CERT, SYS_OTHER_CERT, SYS_EMPTY };

static struct {
	enum check_sys_content content;
	unsigned delay_ms;
	unsigned calls;
	pthread_t caller;
	uint64_t ended_us;
} check_sys;

static gnutls_datum_t check_server_pem, check_other_pem, check_key_pem;

static uint64_t
check_now(void)
{
	return clock_monotonic.now_us(clock_monotonic.ctx);
}

/* Replaces GnuTLS's own for every caller in this executable. */
int
gnutls_x509_trust_list_add_system_trust(gnutls_x509_trust_list_t list,
    unsigned int tl_flags, unsigned int tl_vflags)
{
	gnutls_x509_crt_t crt;
	int rc = 0;

	(void)tl_vflags;
	check_sys.calls++;
	check_sys.caller = pthread_self();
	if (check_sys.delay_ms > 0)
		nanosleep(&(struct timespec){ check_sys.delay_ms / 1000,
		    (long)(check_sys.delay_ms % 1000) * 1000000L }, NULL);
	if (check_sys.content != SYS_EMPTY) {
		ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
		ck_assert_int_eq(gnutls_x509_crt_import(crt,
		    check_sys.content == SYS_SERVER_CERT ? &check_server_pem :
		    &check_other_pem, GNUTLS_X509_FMT_PEM), 0);
		/* the list owns crt from here */
		rc = gnutls_x509_trust_list_add_cas(list, &crt, 1, tl_flags);
		ck_assert_int_eq(rc, 1);
	}
	check_sys.ended_us = check_now();
	return rc;
}

/* --- certificates ------------------------------------------------------- */

/* A self-signed certificate for name; PEM of it, and of its key if asked. */
static void
check_make_cert(const char *name, gnutls_datum_t *cert_pem,
    gnutls_datum_t *key_pem)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	time_t now = time(NULL);
	unsigned char serial[4] = { 0x01, 0x02, 0x03, (unsigned char)name[0] };

	ck_assert_int_eq(gnutls_x509_privkey_init(&key), 0);
	ck_assert_int_eq(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
	gnutls_x509_crt_set_version(crt, 3);
	gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	gnutls_x509_crt_set_activation_time(crt, now - 3600);
	gnutls_x509_crt_set_expiration_time(crt, now + 86400);
	ck_assert_int_eq(gnutls_x509_crt_set_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, name, (unsigned)strlen(name)), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_subject_alt_name(crt,
	    GNUTLS_SAN_DNSNAME, name, (unsigned)strlen(name),
	    GNUTLS_FSAN_SET), 0);
	gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
	gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
	ck_assert_int_eq(gnutls_x509_crt_set_key(crt, key), 0);
	ck_assert_int_eq(gnutls_x509_crt_sign2(crt, crt, key,
	    GNUTLS_DIG_SHA256, 0), 0);
	ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM,
	    cert_pem), 0);
	if (key_pem != NULL)
		ck_assert_int_eq(gnutls_x509_privkey_export2(key,
		    GNUTLS_X509_FMT_PEM, key_pem), 0);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

static char check_cafile[64];

static void
check_setup(void)
{
	FILE *f;
	int fd;

	/* the server thread writes with plain send(): a client that has
	 * already gone must not kill the test */
	signal(SIGPIPE, SIG_IGN);
	/* each test starts from a clean fake (CK_FORK=no shares globals) */
	memset(&check_sys, 0, sizeof(check_sys));
	check_make_cert("localhost", &check_server_pem, &check_key_pem);
	check_make_cert("other.example", &check_other_pem, NULL);
	snprintf(check_cafile, sizeof(check_cafile), "/tmp/check_tls.XXXXXX");
	fd = mkstemp(check_cafile);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fwrite(check_server_pem.data, 1, check_server_pem.size, f);
	fclose(f);
}

static void
check_teardown(void)
{
	unlink(check_cafile);
	gnutls_free(check_server_pem.data);
	gnutls_free(check_other_pem.data);
	gnutls_free(check_key_pem.data);
}

/* --- a server at the other end of a socketpair ----------------------------- */

static void *
check_server(void *arg)
{
	int fd = *(int *)arg;
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	int rc;

	gnutls_certificate_allocate_credentials(&cred);
	gnutls_certificate_set_x509_key_mem(cred, &check_server_pem,
	    &check_key_pem, GNUTLS_X509_FMT_PEM);
	gnutls_init(&s, GNUTLS_SERVER);
	gnutls_set_default_priority(s);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, 10000);
	/* answer late, as any real network does: the client then always
	 * waits once after its ClientHello, which is where the background
	 * load starts (on a busy machine it could otherwise find the whole
	 * answer already there and never wait) */
	nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
	do
		rc = gnutls_handshake(s);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	/* the client may leave at step 4: a failed handshake is fine */
	if (rc == 0)
		gnutls_bye(s, GNUTLS_SHUT_WR);
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	close(fd);
	return NULL;
}

/* What the client saw at step 4. */
struct check_seen {
	int stop_at;		/* milestone kind to stop at, -1: none */
	bool verified;
	bool ok;
	uint64_t at_us;
	char trust_store[REPORT_TEXT_MAX];
	char reason[REPORT_TEXT_MAX];
};

static bool
check_milestone(void *ctx, const struct tls_milestone *m)
{
	struct check_seen *seen = ctx;

	if ((int)m->kind == seen->stop_at)
		return false;	/* like --steps */
	if (m->kind != TLSM_VERIFIED)
		return true;
	seen->verified = true;
	seen->ok = m->ok;
	seen->at_us = check_now();
	for (size_t i = 0; i < m->ndetails; i++)
		if (strcmp(m->details[i].key, "trust_store") == 0)
			snprintf(seen->trust_store, sizeof(seen->trust_store),
			    "%s", m->details[i].text);
	if (m->reason != NULL)
		snprintf(seen->reason, sizeof(seen->reason), "%s", m->reason);
	return true;	/* go on, like --insecure: the verdict is recorded */
}

/* One handshake over these credentials, verifying "localhost";
 * stop_at: a milestone to end it at, like --steps, or -1. */
static void
check_handshake_until(struct tls_creds *creds, struct check_seen *seen,
    int stop_at)
{
	struct tls_ops ops = tls_gnutls_ops(creds);
	struct tls_params p = { .sni = "localhost", .verify_host = "localhost" };
	struct tls_hooks h = { .milestone = check_milestone, .ctx = seen };
	struct tls_session *t;
	struct io_error err = { 0 };
	pthread_t server;
	int sv[2];

	memset(seen, 0, sizeof(*seen));
	seen->stop_at = stop_at;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(pthread_create(&server, NULL, check_server, &sv[1]),
	    0);
	t = ops.start(ops.ctx, sv[0], &p, &h, &err);
	ck_assert_msg(t != NULL, "start: %s", err.text);
	ck_assert_msg((ops.handshake(t, check_now() + 10000000u, &err) == 0) ==
	    (stop_at == -1), "handshake: %s", err.text);
	ops.close(t, check_now() + 1000000u);
	close(sv[0]);
	pthread_join(server, NULL);
	ck_assert(seen->verified == (stop_at == -1));
}

static void
check_handshake(struct tls_creds *creds, struct check_seen *seen)
{
	check_handshake_until(creds, seen, -1);
}

static struct tls_creds *
check_load(const char *cafile)
{
	struct tls_config cfg = { .cafile = cafile };
	struct tls_creds *c;
	char err[512];
	int status;

	c = tls_creds_load(&cfg, err, sizeof(err), &status);
	ck_assert_msg(c != NULL, "tls_creds_load: %s", err);
	return c;
}

/* --- tests -------------------------------------------------------------- */

START_TEST(test_cafile_never_loads_system_store)
{
	struct tls_creds *c = check_load(check_cafile);
	struct check_seen seen;

	check_handshake(c, &seen);
	tls_creds_free(c);
	ck_assert(seen.ok);
	ck_assert_msg(strstr(seen.trust_store, check_cafile) != NULL &&
	    strstr(seen.trust_store, "background") == NULL, "%s",
	    seen.trust_store);
	ck_assert_uint_eq(check_sys.calls, 0);
}
END_TEST

/* Loading does not wait; verification does, and uses what was loaded. */
START_TEST(test_system_store_deferred_then_used)
{
	struct tls_creds *c;
	struct check_seen seen;
	uint64_t t0;

	check_sys.content = SYS_SERVER_CERT;
	check_sys.delay_ms = 300;
	t0 = check_now();
	c = check_load(NULL);
	ck_assert_msg(check_now() - t0 < 150000u, "tls_creds_load took %llu "
	    "us: the load is not in the background",
	    (unsigned long long)(check_now() - t0));
	/* nothing before a session: the resolver runs undisturbed */
	ck_assert_uint_eq(check_sys.calls, 0);
	check_handshake(c, &seen);
	ck_assert_uint_eq(check_sys.calls, 1);
	ck_assert(!pthread_equal(check_sys.caller, pthread_self()));
	/* verified after the load ended, and trusted only because the
	 * "system store" holds the server's certificate */
	ck_assert(seen.at_us >= check_sys.ended_us);
	ck_assert_msg(seen.ok, "%s", seen.reason);
	ck_assert_msg(strstr(seen.trust_store, "the system trust store (1 "
	    "anchors, loaded in the background") != NULL, "%s",
	    seen.trust_store);

	/* a second probe over the same credentials neither loads nor waits */
	check_handshake(c, &seen);
	ck_assert(seen.ok);
	ck_assert_uint_eq(check_sys.calls, 1);
	ck_assert_msg(strstr(seen.trust_store, "waited 0.0") != NULL, "%s",
	    seen.trust_store);
	tls_creds_free(c);
}
END_TEST

START_TEST(test_system_store_unknown_issuer)
{
	struct tls_creds *c;
	struct check_seen seen;

	check_sys.content = SYS_OTHER_CERT;
	c = check_load(NULL);
	check_handshake(c, &seen);
	tls_creds_free(c);
	ck_assert(!seen.ok);
	ck_assert_msg(strstr(seen.reason, "issuer unknown") != NULL, "%s",
	    seen.reason);
	ck_assert_msg(strstr(seen.reason, "the system trust store") != NULL,
	    "%s", seen.reason);
}
END_TEST

/* An empty store is found only at step 4, and fails it in words. */
START_TEST(test_system_store_empty_fails_step4)
{
	struct tls_creds *c;
	struct check_seen seen;

	check_sys.content = SYS_EMPTY;
	c = check_load(NULL);
	check_handshake(c, &seen);
	tls_creds_free(c);
	ck_assert(!seen.ok);
	ck_assert_msg(strstr(seen.reason, "the system trust store holds no "
	    "certificates; name a CA with --cafile") != NULL, "%s",
	    seen.reason);
}
END_TEST

/* A probe that never reached TLS (step 1 failed) never loads it. */
START_TEST(test_no_session_no_load)
{
	check_sys.content = SYS_SERVER_CERT;
	tls_creds_free(check_load(NULL));
	ck_assert_uint_eq(check_sys.calls, 0);
}
END_TEST

/* A probe that ends before step 4 (--steps 3, a reset) still waits for
 * the thread, and frees its list (the sanitizer build checks leaks). */
START_TEST(test_free_before_verify_joins)
{
	struct tls_creds *c;
	struct check_seen seen;

	check_sys.content = SYS_SERVER_CERT;
	check_sys.delay_ms = 100;
	c = check_load(NULL);
	check_handshake_until(c, &seen, TLSM_CERTIFICATE);
	tls_creds_free(c);
	ck_assert_uint_eq(check_sys.calls, 1);
	ck_assert_uint_ne(check_sys.ended_us, 0);
}
END_TEST

/* --steps 2 ends before the first wait: nothing to load. */
START_TEST(test_steps2_loads_nothing)
{
	struct tls_creds *c;
	struct check_seen seen;

	check_sys.content = SYS_SERVER_CERT;
	c = check_load(NULL);
	check_handshake_until(c, &seen, TLSM_HELLO_SENT);
	tls_creds_free(c);
	ck_assert_uint_eq(check_sys.calls, 0);
}
END_TEST

/*
 * A system store slower than the deadline: step 4 waits for it only
 * until the deadline, then fails with a named timeout; the thread is
 * still joined when the credentials go.
 */
START_TEST(test_system_store_join_bounded)
{
	struct tls_creds *c;
	struct check_seen seen;
	struct tls_ops ops;
	struct tls_params p = { .sni = "localhost", .verify_host = "localhost" };
	struct tls_hooks h = { .milestone = check_milestone, .ctx = &seen };
	struct tls_session *t;
	struct io_error err = { 0 };
	pthread_t server;
	uint64_t t0;
	int sv[2];

	check_sys.content = SYS_SERVER_CERT;
	check_sys.delay_ms = 4000;
	c = check_load(NULL);
	ops = tls_gnutls_ops(c);
	memset(&seen, 0, sizeof(seen));
	seen.stop_at = -1;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(pthread_create(&server, NULL, check_server, &sv[1]),
	    0);
	t = ops.start(ops.ctx, sv[0], &p, &h, &err);
	ck_assert_msg(t != NULL, "start: %s", err.text);
	t0 = check_now();
	ck_assert_int_eq(ops.handshake(t, t0 + 500000u, &err), -1);
	/* the deadline, not the 4 s load; generous for a busy machine */
	ck_assert_msg(check_now() - t0 < 2500000u, "the handshake took %llu "
	    "us", (unsigned long long)(check_now() - t0));
	ck_assert(seen.verified);
	ck_assert(!seen.ok);
	ck_assert_msg(strstr(seen.reason, "timed out waiting for the system "
	    "trust store") != NULL, "%s", seen.reason);
	ops.close(t, check_now() + 1000000u);
	close(sv[0]);
	pthread_join(server, NULL);
	tls_creds_free(c);
	ck_assert_uint_eq(check_sys.calls, 1);
	ck_assert_uint_ne(check_sys.ended_us, 0);
}
END_TEST

/* A bad option fails before the load starts: no thread to wait for. */
START_TEST(test_bad_priority_starts_nothing)
{
	struct tls_config cfg = { .priority = "NORMAL:+NO-SUCH-THING" };
	char err[512];
	int status;

	ck_assert_ptr_null(tls_creds_load(&cfg, err, sizeof(err), &status));
	ck_assert_int_eq(status, EXIT_USAGE);
	ck_assert_uint_eq(check_sys.calls, 0);
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("system trust store");

	tcase_add_checked_fixture(tc, check_setup, check_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_cafile_never_loads_system_store);
	tcase_add_test(tc, test_system_store_deferred_then_used);
	tcase_add_test(tc, test_system_store_unknown_issuer);
	tcase_add_test(tc, test_system_store_empty_fails_step4);
	tcase_add_test(tc, test_no_session_no_load);
	tcase_add_test(tc, test_free_before_verify_joins);
	tcase_add_test(tc, test_steps2_loads_nothing);
	tcase_add_test(tc, test_bad_priority_starts_nothing);
	tcase_add_test(tc, test_system_store_join_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tls_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
