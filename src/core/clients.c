/*
 * clients.c: --clients (see clients.h).
 *
 * The profiles are approximations, written down so a reader can check
 * them: each offer is the stack's default as its documentation and
 * sources give it (testssl.sh's client simulation data was read for the
 * versions and groups), and the man page says where every value comes
 * from.  What a stack would negotiate with a given server can still
 * differ in detail (suite order, extensions); whether it connects at
 * all is what the table answers.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "clients.h"

/* An experiment with less time than this left is not started. */
#define CLIENTS_MIN_US 50000u

#define CLIENTS_MODERN "+VERS-TLS1.3:+VERS-TLS1.2"
#define CLIENTS_EC_GROUPS "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:" \
	"+GROUP-SECP384R1:+GROUP-SECP521R1"

const struct clients_profile clients_profiles[] = {
	{ "openssl3_level2", "OpenSSL 3, security level 2",
	    /* GnuTLS's MEDIUM profile is the same 112-bit floor */
	    "NORMAL:-VERS-ALL:" CLIENTS_MODERN ":%PROFILE_MEDIUM",
	    2048, 224, false, true,
	    "Debian 12, Ubuntu 22.04 and RHEL 9 default to SECLEVEL=2: keys "
	    "of 112 bits of security or more (RSA 2048), no SHA-1; hostname "
	    "checks by X509_check_host, which falls back to the CN" },
	{ "go", "Go crypto/tls",
	    "NORMAL:-VERS-ALL:" CLIENTS_MODERN ":-KX-ALL:+ECDHE-ECDSA:"
	    "+ECDHE-RSA:" CLIENTS_EC_GROUPS,
	    1024, 256, false, false,
	    "Go 1.22 and later: TLS 1.2 and 1.3, ECDHE only (no RSA key "
	    "exchange), X25519 and NIST P curves; SHA-1 certificates refused "
	    "since 1.18, the CN ignored since 1.15" },
	{ "python_ssl", "Python ssl (OpenSSL 3)",
	    "NORMAL:-VERS-ALL:" CLIENTS_MODERN ":%PROFILE_MEDIUM",
	    2048, 224, false, true,
	    "Python 3.10 and later: at least TLS 1.2 over the system's "
	    "OpenSSL 3 at SECLEVEL=2; hostname_checks_common_name is true by "
	    "default, so a name in the CN is still accepted" },
	{ "java17", "Java 17",
	    "NORMAL:-VERS-ALL:" CLIENTS_MODERN ":-GROUP-ALL:+GROUP-X25519:"
	    "+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-SECP521R1:+GROUP-X448:"
	    "+GROUP-FFDHE2048:+GROUP-FFDHE3072:+GROUP-FFDHE4096",
	    1024, 224, true, true,
	    "java.security of JDK 17: TLS 1.0/1.1 disabled, RSA keySize < "
	    "1024 and EC keySize < 224 disabled, SHA-1 refused only under "
	    "the JDK's own CAs; HTTPS endpoint identification falls back to "
	    "the CN" },
	{ "mbedtls_esp_idf", "mbedTLS 2.28 (ESP-IDF 4.x)",
	    "NORMAL:-VERS-ALL:+VERS-TLS1.2:" CLIENTS_EC_GROUPS,
	    2048, 256, false, true,
	    "ESP-IDF 4.x's mbedTLS 2.28: TLS 1.2 only (1.3 is not built), its "
	    "default suites and curves; the default X.509 profile wants RSA "
	    "2048 and SHA-256 or better; the CN is checked when there is no "
	    "SAN" },
	{ "openssl11_rsa_tls12", "Older device: OpenSSL 1.1, TLS 1.2, RSA",
	    "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+RSA:+ECDHE-RSA:+DHE-RSA",
	    1024, 160, true, true,
	    "An embedded client built on OpenSSL 1.1 at SECLEVEL=1, offering "
	    "TLS 1.2 and RSA suites only (RSA key transport, ECDHE-RSA, "
	    "DHE-RSA): it cannot use an ECDSA certificate" },
	{ NULL, NULL, NULL, 0, 0, false, false, NULL },
};

/* The profile's certificate policy over the chain: "" when it passes. */
static void
clients_policy(const struct clients_profile *p, const struct report *sub,
    char *why, size_t len)
{
	const char *problems = report_find_detail(sub, STEP_VERIFY, "problems");

	why[0] = '\0';
	for (size_t i = 0; i < sub->ncerts; i++) {
		const struct report_cert *c = &sub->certs[i];
		bool rsa = strncmp(c->key_type, "RSA", 3) == 0 ||
		    strcmp(c->key_type, "DSA") == 0;
		bool ec = strncmp(c->key_type, "EC", 2) == 0;
		unsigned min = rsa ? p->min_rsa_bits : ec ? p->min_ec_bits : 0;
		bool root = strcmp(c->subject, c->issuer) == 0;

		if (min > 0 && c->key_bits > 0 && c->key_bits < min) {
			snprintf(why, len, "certificate %zu has a %u-bit %s "
			    "key; it wants at least %u bits", i, c->key_bits,
			    c->key_type, min);
			return;
		}
		if (!p->sha1_ok && !root && (strstr(c->sig_alg, "SHA1") ||
		    strstr(c->sig_alg, "MD5"))) {
			snprintf(why, len, "certificate %zu is signed with %s, "
			    "which it refuses", i, c->sig_alg);
			return;
		}
	}
	if (!p->cn_fallback && sub->ncerts > 0 && sub->certs[0].sans[0] == '\0') {
		snprintf(why, len, "the name is only in the certificate's "
		    "subject CN, with no subjectAltName, and it ignores the CN");
		return;
	}
	/* what GnuTLS refused, unless this stack accepts it: SHA-1 */
	if (problems != NULL && problems[0] != '\0') {
		char rest[REPORT_TEXT_MAX] = "";
		size_t used = 0;
		char copy[REPORT_TEXT_MAX], *save = NULL;

		snprintf(copy, sizeof(copy), "%s", problems);
		for (char *w = strtok_r(copy, ",", &save); w != NULL;
		    w = strtok_r(NULL, ",", &save)) {
			if (p->sha1_ok && strcmp(w, "insecure-algorithm") == 0)
				continue;
			if (used < sizeof(rest))
				used += (size_t)snprintf(rest + used,
				    sizeof(rest) - used, "%s%s",
				    used > 0 ? ", " : "", w);
		}
		if (rest[0] != '\0')
			snprintf(why, len, "it would not trust the certificate "
			    "either (%s)", rest);
	}
}

void
clients_run(const struct engine_config *cfg, const struct engine_io *base,
    uint64_t budget_us, struct report *r)
{
	struct engine_io io = *base;
	uint64_t deadline = io.clock.now_us(io.clock.ctx) + budget_us;

	io.before_step = NULL;
	io.step_ctx = NULL;
	for (const struct clients_profile *p = clients_profiles; p->key != NULL;
	    p++) {
		struct engine_config c = *cfg;
		struct report sub;
		struct report_client out = { .connects = false };
		uint64_t now = io.clock.now_us(io.clock.ctx);
		int f;

		snprintf(out.key, sizeof(out.key), "%s", p->key);
		snprintf(out.name, sizeof(out.name), "%s", p->name);
		if (now + CLIENTS_MIN_US >= deadline) {
			snprintf(out.why, sizeof(out.why), "not tried: the time "
			    "for --clients (one more --timeout) ran out");
			report_client(r, &out);
			continue;
		}
		c.timeout_us = deadline - now < cfg->timeout_us ?
		    deadline - now : cfg->timeout_us;
		c.tls.priority = p->priority;
		c.tls.keylog = NULL;
		c.insecure = true;	/* the policy decides, below */
		c.steps = STEP_KEYS;
		c.packet_bytes = false;
		report_init(&sub, NULL, NULL);
		engine_run(&c, &io, &sub);
		f = sub.failed_step;
		if (f != 0)
			snprintf(out.why, sizeof(out.why), "the handshake failed "
			    "at step %d (%s): %s", f, report_step_name(f),
			    sub.steps[f].reason);
		else
			clients_policy(p, &sub, out.why, sizeof(out.why));
		out.connects = out.why[0] == '\0';
		{
			const char *v = report_find_detail(&sub, STEP_KEYS,
			    "tls_version");
			const char *cs = report_find_detail(&sub, STEP_KEYS,
			    "cipher_suite");

			if (f == 0 && v != NULL)
				snprintf(out.negotiated, sizeof(out.negotiated),
				    "%s %s", v, cs != NULL ? cs : "");
		}
		report_client(r, &out);
		report_free(&sub);
	}
}
