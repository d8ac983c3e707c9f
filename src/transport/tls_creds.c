/*
 * tls_creds.c: the GnuTLS layer's credentials, loaded once before any
 * probe, and the system trust store, parsed on a background thread.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "options.h"
#include "tls_checks.h"
#include "tls_internal.h"

const char tls_default_priority[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";

/* Keep what the checks found, as far as there is room. */
static void
tls_creds_keep(struct tls_creds *c, const struct tls_findings *f)
{
	for (size_t i = 0; i < f->n && c->nlocal < sizeof(c->local) /
	    sizeof(c->local[0]); i++)
		c->local[c->nlocal++] = f->v[i];
}

/* An anchor file holding no CA at all, said before connecting. */
static void
tls_creds_check_anchors(struct tls_creds *c, const char *opt,
    const char *path)
{
	gnutls_datum_t d = { NULL, 0 };
	struct tls_findings f = { 0 };

	if (gnutls_load_file(path, &d) < 0)
		return;
	tls_checks_anchors(opt, path, &d, &f);
	gnutls_free(d.data);
	tls_creds_keep(c, &f);
}

/* The same over a directory's files, read as one (bounded: a check, not
 * a second loader). */
static void
tls_creds_check_dir(struct tls_creds *c, const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	char *all = NULL;
	size_t len = 0, files = 0;
	struct tls_findings f = { 0 };

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL && files < 1000 &&
	    len < (4u << 20)) {
		char file[4096];
		gnutls_datum_t d = { NULL, 0 };
		char *grown;

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		if (gnutls_load_file(file, &d) < 0)
			continue;
		files++;
		grown = realloc(all, len + d.size + 2);
		if (grown != NULL) {
			all = grown;
			memcpy(all + len, d.data, d.size);
			len += d.size;
			all[len++] = '\n';
			all[len] = '\0';
		}
		gnutls_free(d.data);
	}
	closedir(dir);
	if (all != NULL) {
		gnutls_datum_t d = { (unsigned char *)all, (unsigned)len };

		tls_checks_anchors("--capath", path, &d, &f);
		tls_creds_keep(c, &f);
	}
	free(all);
}

static int tls_check_readable(const char *opt, const char *path, char *err,
    size_t errlen);

/*
 * --crlfile: GnuTLS checks the chain against it at step 4; the parsed
 * copy only lets step 4 say when a certificate was revoked.
 */
static int
tls_creds_load_crls(struct tls_creds *c, const char *path, char *err,
    size_t errlen)
{
	gnutls_datum_t d = { NULL, 0 };
	int rc;

	if (tls_check_readable("--crlfile", path, err, errlen))
		return -1;
	rc = gnutls_load_file(path, &d);
	if (rc == 0)
		rc = gnutls_x509_crl_list_import2(&c->crls, &c->ncrls, &d,
		    GNUTLS_X509_FMT_PEM, 0);
	gnutls_free(d.data);
	if (rc < 0 || c->ncrls == 0) {
		snprintf(err, errlen, "--crlfile %s: no PEM certificate "
		    "revocation list found in the file%s%s%s", path,
		    rc < 0 ? " (" : "", rc < 0 ? gnutls_strerror(rc) : "",
		    rc < 0 ? ")" : "");
		return -1;
	}
	/* 0 CRLs taken: the file names no issuer we trust */
	rc = gnutls_certificate_set_x509_crl_file(c->cred, path,
	    GNUTLS_X509_FMT_PEM);
	if (rc < 0) {
		snprintf(err, errlen, "--crlfile %s: %s", path,
		    gnutls_strerror(rc));
		return -1;
	}
	c->crlfile = path;
	return 0;
}

/* Our own certificate: expired, not yet valid, not for clients. */
static void
tls_creds_check_cert(struct tls_creds *c, const char *name)
{
	gnutls_datum_t der = { NULL, 0 };
	gnutls_x509_crt_t crt = NULL;
	struct tls_findings f = { 0 };
	struct tls_checks_config cfg = { .now = time(NULL),
	    .warn_days = TLS_CHECKS_WARN_DAYS };

	if (gnutls_certificate_get_crt_raw(c->cred, 0, 0, &der) < 0 ||
	    gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER) == 0)
		tls_checks_client(crt, name, &cfg, &f);
	gnutls_x509_crt_deinit(crt);
	tls_creds_keep(c, &f);
}

size_t
tls_creds_findings(const struct tls_creds *c, const struct report_finding **v)
{
	*v = c->local;
	return c->nlocal;
}

/* Name the file in the message, with the system's own reason. */
static int
tls_check_readable(const char *opt, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	FILE *f;

	if (strncmp(path, "pkcs11:", 7) == 0)
		return 0;
	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s %s: %s", opt, path, strerror(errno));
		return -1;
	}
	/* fopen takes a directory; GnuTLS then only says "Error while
	 * reading file" */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s: %s", opt, path, strerror(EISDIR));
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* The background half of the system trust store (see struct tls_creds). */
static void *
tls_systrust_thread(void *arg)
{
	struct tls_creds *c = arg;

	/* the flag gnutls_certificate_set_x509_system_trust passes */
	c->sys_rc = gnutls_x509_trust_list_add_system_trust(c->sys_tl,
	    GNUTLS_TL_USE_IN_TLS, 0);
	c->sys_end_us = clock_monotonic.now_us(clock_monotonic.ctx);
	return NULL;
}

/*
 * Start loading the system trust store, once, when the first handshake
 * has sent its ClientHello and waits for the answer: the load runs
 * while the flight crosses the network.  Not earlier: beside the
 * resolver's own thread (getaddrinfo_a) it slowed step 1 by up to a few
 * ms on a 2-core machine, and started before the ClientHello, with the
 * other core busy, it sometimes held the probe's thread off for a whole
 * scheduler slice (about 3 ms) before the ClientHello left.
 */
void
tls_systrust_start(struct tls_creds *c)
{
	pthread_mutex_lock(&c->sys_lock);
	if (c->sys_state == TLS_SYS_WANTED) {
		c->sys_start_us = clock_monotonic.now_us(clock_monotonic.ctx);
		if (pthread_create(&c->sys_thread, NULL, tls_systrust_thread,
		    c) == 0)
			c->sys_state = TLS_SYS_LOADING;
		else {
			/* no thread to be had: load it now, only slower */
			tls_systrust_thread(c);
			c->sys_state = TLS_SYS_LOADED;
		}
	}
	pthread_mutex_unlock(&c->sys_lock);
}

/*
 * Wait for the loading thread until deadline_us; 0 once joined, -1 when
 * the deadline came first (the thread goes on, a later call waits
 * again).  pthread_timedjoin_np takes a CLOCK_REALTIME time: the time
 * left on our monotonic clock is carried over to it.
 */
static int
tls_systrust_wait(struct tls_creds *c, uint64_t deadline_us)
{
	uint64_t now = clock_monotonic.now_us(clock_monotonic.ctx);
	uint64_t left = deadline_us > now ? deadline_us - now : 0;
	struct timespec abs;

	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec += (time_t)(left / 1000000u);
	abs.tv_nsec += (long)(left % 1000000u) * 1000L;
	if (abs.tv_nsec >= 1000000000L) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000L;
	}
	return pthread_timedjoin_np(c->sys_thread, NULL, &abs) == 0 ? 0 : -1;
}

/*
 * Make the system trust store ready for verification: wait for the
 * thread, until deadline_us at most, then hand its trust list to the
 * credentials.  Returns 0; -1 with the reason in words when the store
 * gave no anchor; -2 when the deadline came before the store.
 * *waited_us is how long this call waited.  A no-op with --cafile or
 * --capath.
 */
int
tls_systrust_join(struct tls_creds *c, uint64_t deadline_us,
    uint64_t *waited_us, char *why, size_t whylen)
{
	uint64_t t0 = clock_monotonic.now_us(clock_monotonic.ctx);
	int rc = 0;

	/* a session always starts first; this is only in case */
	tls_systrust_start(c);
	pthread_mutex_lock(&c->sys_lock);
	if (c->sys_state == TLS_SYS_LOADING) {
		if (tls_systrust_wait(c, deadline_us) == -1) {
			snprintf(why, whylen, "timed out waiting for the "
			    "system trust store to load (started %.0f ms ago); "
			    "name a CA with --cafile", (double)(clock_monotonic.
			    now_us(clock_monotonic.ctx) - c->sys_start_us) /
			    1e3);
			pthread_mutex_unlock(&c->sys_lock);
			*waited_us = clock_monotonic.now_us(
			    clock_monotonic.ctx) - t0;
			return -2;
		}
		c->sys_state = TLS_SYS_LOADED;
	}
	if (c->sys_state == TLS_SYS_LOADED) {
		if (c->sys_rc > 0) {
			/* the credentials take the list, and free their
			 * own empty one */
			/* --crlfile goes with whatever list verifies */
			if (c->crlfile != NULL)
				gnutls_x509_trust_list_add_trust_file(c->sys_tl,
				    NULL, c->crlfile, GNUTLS_X509_FMT_PEM,
				    GNUTLS_TL_USE_IN_TLS, 0);
			gnutls_certificate_set_trust_list(c->cred, c->sys_tl, 0);
			c->nanchors = (unsigned)c->sys_rc;
		} else
			gnutls_x509_trust_list_deinit(c->sys_tl, 1);
		c->sys_tl = NULL;
		c->sys_state = TLS_SYS_DONE;
	}
	if (c->sys_state == TLS_SYS_DONE && c->sys_rc <= 0) {
		/* a local problem, but found only now: step 4 fails with
		 * it (exit 4), or --insecure goes on, UNVERIFIED */
		snprintf(why, whylen, "the system trust store %s; name a CA "
		    "with --cafile", c->sys_rc == 0 ? "holds no certificates" :
		    gnutls_strerror(c->sys_rc));
		rc = -1;
	}
	pthread_mutex_unlock(&c->sys_lock);
	*waited_us = clock_monotonic.now_us(clock_monotonic.ctx) - t0;
	return rc;
}

static const char *
tls_version_suffix(int v)
{
	switch (v) {
	case 12:
		return ":-VERS-ALL:+VERS-TLS1.2";
	case 13:
		return ":-VERS-ALL:+VERS-TLS1.3";
	default:
		return "";
	}
}

struct tls_creds *
tls_creds_load(const struct tls_config *cfg, char *err, size_t errlen,
    int *status)
{
	struct tls_creds *c;
	char prio[1024];
	const char *errpos = NULL;
	int rc;

	*status = EXIT_NOINPUT;
	c = calloc(1, sizeof(*c));
	if (c == NULL || gnutls_certificate_allocate_credentials(&c->cred) < 0) {
		snprintf(err, errlen, "out of memory");
		*status = EXIT_INTERNAL;
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->sys_lock, NULL);
	c->insecure = cfg->insecure;

	if (cfg->cafile != NULL) {
		if (tls_check_readable("--cafile", cfg->cafile, err, errlen))
			goto fail;
		rc = gnutls_certificate_set_x509_trust_file(c->cred,
		    cfg->cafile, GNUTLS_X509_FMT_PEM);
		/* 0 is what GnuTLS returns for an empty or garbage file */
		if (rc <= 0) {
			snprintf(err, errlen, "--cafile %s: %s", cfg->cafile,
			    rc == 0 ? "no PEM certificate found in the file" :
			    gnutls_strerror(rc));
			goto fail;
		}
		c->nanchors += (unsigned)rc;
		snprintf(c->anchors_from, sizeof(c->anchors_from), "%s",
		    cfg->cafile);
		tls_creds_check_anchors(c, "--cafile", cfg->cafile);
	}
	if (cfg->capath != NULL) {
		/* GnuTLS says "no certificate" for a missing directory too */
		DIR *dir = opendir(cfg->capath);

		if (dir == NULL) {
			snprintf(err, errlen, "--capath %s: %s", cfg->capath,
			    strerror(errno));
			goto fail;
		}
		closedir(dir);
		rc = gnutls_certificate_set_x509_trust_dir(c->cred,
		    cfg->capath, GNUTLS_X509_FMT_PEM);
		if (rc <= 0) {
			snprintf(err, errlen, "--capath %s: %s", cfg->capath,
			    rc == 0 ? "no PEM certificate found in the "
			    "directory" : gnutls_strerror(rc));
			goto fail;
		}
		c->nanchors += (unsigned)rc;
		snprintf(c->anchors_from, sizeof(c->anchors_from), "%s",
		    cfg->capath);
		tls_creds_check_dir(c, cfg->capath);
	}
	if (cfg->cafile == NULL && cfg->capath == NULL)
		snprintf(c->anchors_from, sizeof(c->anchors_from),
		    "the system trust store");	/* loaded last, below */
	if (cfg->psk_identity != NULL && tls_psk_load(c, cfg, err, errlen))
		goto fail;
	if (cfg->crlfile != NULL && tls_creds_load_crls(c, cfg->crlfile, err,
	    errlen) != 0)
		goto fail;

	if (cfg->cert != NULL) {
		const char *key = cfg->key != NULL ? cfg->key : cfg->cert;

		if (tls_check_readable("--cert", cfg->cert, err, errlen) ||
		    tls_check_readable("--key", key, err, errlen))
			goto fail;
		rc = gnutls_certificate_set_x509_key_file2(c->cred, cfg->cert,
		    key, GNUTLS_X509_FMT_PEM, cfg->key_password, 0);
		if (rc < 0) {
			switch (rc) {
			case GNUTLS_E_DECRYPTION_FAILED:
				snprintf(err, errlen, "--key %s: cannot decrypt "
				    "the key: %s", key, cfg->key_password ?
				    "wrong passphrase (--key-password-file)" :
				    "it is encrypted: give --key-password-file");
				break;
			case GNUTLS_E_CERTIFICATE_KEY_MISMATCH:
				snprintf(err, errlen, "--cert %s and --key %s do "
				    "not match", cfg->cert, key);
				break;
			default:
				snprintf(err, errlen, "--cert %s / --key %s: %s",
				    cfg->cert, key, gnutls_strerror(rc));
			}
			goto fail;
		}
		c->client_cert = true;
		tls_creds_check_cert(c, cfg->cert);
	}
	/* with or without --cert: the server's CA list is read either way */
	tls_client_ca_setup(c);

	if (cfg->keylog != NULL) {
		/* each session appends to it at step 2; a path that cannot
		 * be written is the user's to fix, before any connection */
		FILE *kl = tls_keylog_open(cfg->keylog);

		if (kl == NULL) {
			snprintf(err, errlen, "%s %s: %s", cfg->keylog_name !=
			    NULL ? cfg->keylog_name : "--keylog", cfg->keylog,
			    tls_keylog_error(errno));
			goto fail;
		}
		fclose(kl);
	}

	snprintf(prio, sizeof(prio), "%s%s%s", cfg->priority != NULL ?
	    cfg->priority : tls_default_priority,
	    tls_psk_priority_suffix(c, cfg->priority != NULL),
	    tls_version_suffix(cfg->tls_version));
	rc = gnutls_priority_init(&c->prio, prio, &errpos);
	if (rc < 0) {
		*status = EXIT_USAGE;
		if (rc == GNUTLS_E_INVALID_REQUEST && errpos != NULL)
			snprintf(err, errlen, "--priority: syntax error at "
			    "'%s' in '%s'", errpos, prio);
		else
			snprintf(err, errlen, "--priority '%s': %s", prio,
			    gnutls_strerror(rc));
		goto fail;
	}
	/* loaded later, in the background (tls_systrust_start); an empty
	 * store fails step 4.  Under PSK nothing is verified: never. */
	if (cfg->cafile == NULL && cfg->capath == NULL && c->psk == NULL) {
		if (gnutls_x509_trust_list_init(&c->sys_tl, 0) < 0) {
			snprintf(err, errlen, "out of memory");
			*status = EXIT_INTERNAL;
			goto fail;
		}
		c->sys_state = TLS_SYS_WANTED;
	}
	return c;
fail:
	tls_creds_free(c);
	return NULL;
}

void
tls_creds_free(struct tls_creds *c)
{
	if (c == NULL)
		return;
	/* a probe that ended before step 4 never joined the thread */
	if (c->sys_state == TLS_SYS_LOADING)
		pthread_join(c->sys_thread, NULL);
	if (c->sys_tl != NULL)
		gnutls_x509_trust_list_deinit(c->sys_tl, 1);
	for (unsigned i = 0; i < c->ncrls; i++)
		gnutls_x509_crl_deinit(c->crls[i]);
	gnutls_free(c->crls);
	tls_client_ca_free(c);
	pthread_mutex_destroy(&c->sys_lock);
	if (c->prio != NULL)
		gnutls_priority_deinit(c->prio);
	gnutls_certificate_free_credentials(c->cred);
	tls_psk_free(c);
	free(c);
}
