/*
 * probe_io.h: the narrow interfaces the engine reaches the world through.
 *
 * The engine never calls the clock, the socket layer or GnuTLS directly:
 * it goes through these tables, so tests can drive every step with a
 * scripted clock, network and TLS peer (tests/check_engine.c), and the
 * real implementations (clock.c, net.c, tls.c) stay small and separate.
 */
#ifndef PROBE_IO_H
#define PROBE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"

/* --- clock ----------------------------------------------------------- */

struct probe_clock {
	uint64_t (*now_us)(void *ctx);	/* monotonic microseconds */
	void *ctx;
	int64_t (*wall_us)(void *ctx);	/* Unix time in microseconds, or
					 * NULL: "started at" unknown */
};

extern const struct probe_clock clock_monotonic;

/* --- waiting ------------------------------------------------------------ */

#include <signal.h>

/*
 * Set by the SIGINT/SIGTERM handler main.c installs: every wait below
 * returns IOWAIT_INTERRUPTED promptly once it is set, so an interrupted
 * probe can still report the step it was in.
 */
extern volatile sig_atomic_t iowait_interrupted;

enum { IOWAIT_INTERRUPTED = -2, IOWAIT_ERROR = -1, IOWAIT_DEADLINE = 0,
    IOWAIT_READY = 1 };

/* Wait until fd is ready for events (POLLIN/POLLOUT) or the deadline. */
int iowait(int fd, short events, uint64_t deadline_us);

/* --- results shared by network and TLS --------------------------------- */

/* How an I/O call ended, when it did not succeed. */
struct io_error {
	enum report_cause cause;
	int sys_errno;			/* 0 if none */
	char text[REPORT_TEXT_MAX];	/* the exact reason, in words */
	/* A fatal alert after our side of the handshake was done and
	 * before any data: under TLS 1.3 the server judges our client
	 * certificate only then, so the TLS layer never became usable. */
	bool tls_rejected;
	char alert[48];			/* its name ("certificate_required") */
};

/* Something worth an event line, as the I/O layers see it. */
struct io_event {
	int level;			/* 0 always, 1 -v, 2 -vv / --trace */
	enum report_event_kind kind;
	enum report_dir dir;
	size_t size;			/* bytes on the wire, 0 if none */
	const char *text;
};

/* Observer the I/O layers tell about things worth an event line. */
struct io_observer {
	void (*event)(void *ctx, const struct io_event *ev);
	void *ctx;
};

/* Format and send one event to obs (which may be NULL). */
void io_say(const struct io_observer *obs, int level,
    enum report_event_kind kind, enum report_dir dir, size_t size,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* --- byte streams --------------------------------------------------------- */

/*
 * One layer of the stack under the MQTT codec: TCP (with a proxy tunnel
 * set up on it), TLS, WebSocket framing.  Each layer is reached through
 * this table only and sits on the one below through the same table, so
 * the engine walks the steps over whatever stack the target needs.
 */
struct probe_stream {
	/* Send all of buf; 0 or -1 with err. */
	int (*send)(void *ctx, const uint8_t *buf, size_t len,
	    uint64_t deadline_us, struct io_error *err);
	/* Receive up to cap bytes; >0 bytes, 0 on clean close, -1 error. */
	long (*recv)(void *ctx, uint8_t *buf, size_t cap, uint64_t deadline_us,
	    struct io_error *err);
	/* Say goodbye (close frame, close_notify) within the deadline and
	 * free the layer; NULL: nothing to do. */
	void (*close)(void *ctx, uint64_t deadline_us);
	void *ctx;
	const char *name;		/* "TCP", "TLS", "WebSocket" */
};

/* --- network ------------------------------------------------------------ */

struct net_ops {
	/*
	 * Resolve host (numeric or name) and connect to port, trying every
	 * address in order until one answers or the deadline passes.  Each
	 * attempt is reported to obs.  Returns a connected non-blocking
	 * socket and its peer in words ("127.0.0.1 port 8883"), or -1.
	 */
	int (*connect)(void *ctx, const char *host, unsigned port,
	    uint64_t deadline_us, const struct io_observer *obs,
	    char *peer, size_t peerlen, struct io_error *err);
	void (*close)(void *ctx, int fd);
	/* Plain bytes on the connected socket, for mqtt:// and ws:// and
	 * for a proxy's handshake: as probe_stream's send and recv. */
	int (*send)(void *ctx, int fd, const uint8_t *buf, size_t len,
	    uint64_t deadline_us, struct io_error *err);
	long (*recv)(void *ctx, int fd, uint8_t *buf, size_t cap,
	    uint64_t deadline_us, struct io_error *err);
	void *ctx;
	/* The first address of host (4 or 16 bytes in addr, *addrlen),
	 * resolved as connect does, for a socks5:// proxy to be sent;
	 * 0 or -1 with err.  NULL: no resolver (then socks5:// fails). */
	int (*resolve)(void *ctx, const char *host, uint64_t deadline_us,
	    uint8_t addr[16], size_t *addrlen, struct io_error *err);
};

extern const struct net_ops net_system;

/* net_io.c: net_system's send and recv. */
int net_io_send(void *ctx, int fd, const uint8_t *buf, size_t len,
    uint64_t deadline_us, struct io_error *err);
long net_io_recv(void *ctx, int fd, uint8_t *buf, size_t cap,
    uint64_t deadline_us, struct io_error *err);

/* --- TLS ------------------------------------------------------------- */

/* Milestones the TLS layer reaches inside one handshake call. */
enum tls_milestone_kind {
	TLSM_HELLO_SENT,	/* a ClientHello left (again after an HRR) */
	TLSM_SERVER_HELLO,	/* ServerHello (or HRR) arrived */
	TLSM_CERTIFICATE,	/* server chain received and parsed */
	TLSM_PSK,		/* TLS-PSK: the server's flight is in and
				   holds no certificate (step 3 ends, 4
				   does not apply) */
	TLSM_VERIFIED,		/* verification ran: see ok */
	TLSM_DONE,		/* handshake complete: keys in place */
	TLSM_CLIENT_CA,		/* step 5: the CAs the server accepts client
				   certificates from, against ours (at the
				   end of the handshake, failed or not) */
};

#define TLSM_MAX_DETAILS 24
#define TLSM_MAX_FINDINGS 16
struct tls_milestone {
	/* TLSM_CERTIFICATE: the chain as received, leaf first */
	size_t ncerts;
	struct report_cert certs[REPORT_MAX_CERTS];
	enum tls_milestone_kind kind;
	bool ok;			/* TLSM_VERIFIED: chain trusted */
	bool retry;			/* TLSM_HELLO_SENT after HelloRetryRequest */
	size_t ndetails;
	struct {
		const char *key;
		char text[REPORT_TEXT_MAX];
	} details[TLSM_MAX_DETAILS];
	const char *reason;		/* TLSM_VERIFIED && !ok: one line */
	bool timed_out;			/* TLSM_VERIFIED: verification could
					   not run before the deadline */
	/* TLSM_CERTIFICATE, TLSM_VERIFIED: what the chain checks found */
	size_t nfindings;
	struct report_finding findings[TLSM_MAX_FINDINGS];
};

/* Parameters of one TLS session: all plain data, no options struct. */
struct tls_params {
	const char *sni;		/* NULL: send none */
	const char *verify_host;	/* name (or IP) checked against the cert */
	const char *alpn;		/* comma-separated, NULL: none */
	const char *keylog;		/* file for NSS key log lines, or NULL */
	int warn_days;			/* chain expiring within: a finding;
					 * 0: the built-in default */
	const char *priority;		/* NULL: the credentials' offer; else
					 * this session's own (diagnosis) */
};

struct tls_hooks {
	/* Return false to end the handshake there (a rejected chain, or
	 * --steps reached); the handshake call then fails. */
	bool (*milestone)(void *ctx, const struct tls_milestone *m);
	struct io_observer obs;
	void *ctx;
	/* The engine's deadline, which a milestone may move (--pause
	 * holds before steps 3-5 inside the handshake); NULL: the
	 * handshake's own argument stands. */
	const uint64_t *deadline;
};

struct tls_session;

struct tls_ops {
	struct tls_session *(*start)(void *ctx, int fd,
	    const struct tls_params *p, const struct tls_hooks *h,
	    struct io_error *err);
	/* Runs the whole handshake; 0 or -1 with err. */
	int (*handshake)(struct tls_session *s, uint64_t deadline_us,
	    struct io_error *err);
	/* Send all of buf; 0 or -1. */
	int (*send)(struct tls_session *s, const uint8_t *buf, size_t len,
	    uint64_t deadline_us, struct io_error *err);
	/* Receive up to cap bytes; >0 bytes, 0 on clean close, -1 error. */
	long (*recv)(struct tls_session *s, uint8_t *buf, size_t cap,
	    uint64_t deadline_us, struct io_error *err);
	/* close_notify, bounded by the deadline; then free. */
	void (*close)(struct tls_session *s, uint64_t deadline_us);
	void *ctx;
};

#endif
