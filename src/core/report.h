/*
 * report.h: what a probe found, step by step.
 *
 * The engine records everything through report_apply(), the one function
 * that changes a report; the small helpers below only build a change and
 * call it.  Layer states are not set by the engine: report_apply derives
 * them from step outcomes, so the status tracker cannot disagree with the
 * steps.  Renderers read the report (and may watch it live through the
 * listener) but never change it.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum report_step {
	STEP_TCP = 1,
	STEP_CLIENT_HELLO = 2,
	STEP_SERVER_CERT = 3,
	STEP_VERIFY = 4,
	STEP_KEYS = 5,
	STEP_CONNECT = 6,
	STEP_CONNACK = 7,
	STEP_PUBSUB = 8,
};
#define REPORT_STEPS 8

enum step_status {
	STEP_NOT_REACHED = 0,	/* never started: no time */
	STEP_RUNNING,
	STEP_OK,
	STEP_FAILED,
	STEP_SKIPPED,		/* not requested (--steps) */
};

enum report_layer { LAYER_TCP, LAYER_TLS, LAYER_MQTT };
#define REPORT_LAYERS 3

/* Values of each layer; the names are the walkthrough's vocabulary. */
enum tcp_state { ST_TCP_CLOSED, ST_TCP_ESTABLISHED, ST_TCP_FAILED };
enum tls_state {
	ST_TLS_NOT_STARTED, ST_TLS_IN_PROGRESS, ST_TLS_CERT_VERIFIED, ST_TLS_SECURE,
	ST_TLS_FAILED,
	ST_TLS_NONE,		/* mqtt:// and ws://: no TLS in the stack */
	ST_TLS_UNVERIFIED	/* step 4 under --insecure: NOT trusted */
};
enum mqtt_state {
	ST_MQTT_DISCONNECTED, ST_MQTT_CONNACKED, ST_MQTT_SECURE, ST_MQTT_FAILED,
	ST_MQTT_UNENCRYPTED,	/* the round trip worked, in the clear */
	ST_MQTT_UNVERIFIED	/* it worked, with an untrusted broker */
};

/* Why a failure happened, beyond the step: lets exit codes and hints key
 * on the kind of failure rather than on message text. */
enum report_cause {
	CAUSE_NONE = 0,
	CAUSE_TIMEOUT,		/* the deadline passed inside this step */
	CAUSE_NETWORK,		/* errno-level failure */
	CAUSE_RESOLVE,		/* DNS */
	CAUSE_TLS,		/* TLS error or alert */
	CAUSE_VERIFY,		/* certificate rejected */
	CAUSE_PROTOCOL,		/* peer spoke something else / malformed */
	CAUSE_REFUSED,		/* CONNACK or SUBACK said no */
	CAUSE_CLOSED,		/* peer closed */
	CAUSE_LOCAL,		/* local file or setup problem */
	CAUSE_INTERRUPTED,	/* signal */
};

#define REPORT_TEXT_MAX 512
#define REPORT_KEY_MAX 32
#define REPORT_MAX_CERTS 8
#define REPORT_MAX_FINDINGS 32
#define REPORT_PSK_IDENTITY_MAX 128	/* as psk_key.h's, GnuTLS's most */

/*
 * What a peer can make a report hold is bounded, so that memory stays
 * flat whatever it sends: each step keeps its first REPORT_MAX_EVENTS
 * events and only counts the rest (events_dropped), and the bytes kept
 * for --hexdump are at most REPORT_MAX_EVENT_BYTES per event and
 * REPORT_MAX_HEX_BYTES per report.
 */
#define REPORT_MAX_EVENTS 200
#define REPORT_MAX_EVENT_BYTES (64 * 1024)
#define REPORT_MAX_HEX_BYTES (256 * 1024)

/* What an event is about, for --trace and the JSON streams. */
enum report_event_kind {
	EVK_INFO,		/* a remark: addresses, hints on the way */
	EVK_NET,		/* socket reads and writes */
	EVK_TLS_MSG,		/* a TLS handshake message */
	EVK_TLS_RECORD,		/* a TLS record on the wire */
	EVK_KEYS,		/* keys came into being */
	EVK_MQTT,		/* an MQTT packet */
	EVK_WS,			/* WebSocket upgrade and frames */
	EVK_PROXY,		/* a proxy's handshake */
};

enum report_dir { DIR_NONE, DIR_OUT, DIR_IN };

/* One certificate of the server's chain, as renderers show it. */
struct report_cert {
	char subject[256];
	char issuer[256];
	char sans[512];			/* "DNS:a, IP:127.0.0.1" */
	int64_t not_before;		/* Unix time */
	int64_t not_after;
	char sha256[100];		/* certificate fingerprint, AA:BB:.. */
	char spki_sha256[100];		/* public key pin */
	char key_type[16];		/* "RSA", "EC/ECDSA", "" unknown */
	unsigned key_bits;
	char sig_alg[32];		/* "RSA-SHA256" */
};

/* How much a finding matters; the names are the JSON values. */
enum report_severity { SEV_INFO, SEV_WARNING, SEV_ERROR };

/*
 * Something wrong (or worth knowing) that the probe found beside the
 * walk itself: a chain the broker sends incomplete, a key other clients
 * refuse, our own certificate expired.  key is stable (JSON, Prometheus
 * labels, tests); step is where it shows (0 = before connecting).
 */
struct report_finding {
	int step;
	enum report_severity severity;
	int cert;			/* chain index it is about, -1 none */
	char key[REPORT_KEY_MAX];
	char text[REPORT_TEXT_MAX];
};

/*
 * A stage: a timed part of a step that only some transports have (the
 * proxy tunnel inside step 1, the WebSocket upgrade before CONNECT).
 * The id is stable for JSON and Prometheus ("ws_upgrade").
 */
#define REPORT_MAX_STAGES 16
struct report_stage {
	char id[REPORT_KEY_MAX];
	char name[64];
	int step;
	bool ok;
	uint64_t start_us;		/* offsets from probe start */
	uint64_t end_us;
};

/*
 * One capability experiment of --capabilities (caps.c): what the broker
 * was seen to do, the evidence (packets and reason codes) and its time.
 * name is a stable key ("retain", "max_packet_size") for JSON,
 * Prometheus and --require.
 */
enum cap_result {
	CAP_UNDECIDED = 0,	/* could not be decided in time */
	CAP_YES,
	CAP_NO,
	CAP_PARTIAL,		/* e.g. QoS 2 accepted but downgraded */
	CAP_NA,			/* does not apply (5.0 only, on 3.1.1) */
};
#define REPORT_MAX_CAPS 48

/*
 * --trace: one packet of an experiment's connections, kept under the
 * capability it helped decide.  at_us is monotonic in the change and an
 * offset from probe start in the report.  A capability keeps the first
 * REPORT_MAX_CAP_PACKETS and counts the rest (the packet size search
 * alone sends dozens).
 */
#define REPORT_MAX_CAP_PACKETS 64
struct report_cap_packet {
	uint64_t at_us;
	enum report_dir dir;
	size_t size;			/* bytes of the whole packet */
	char text[160];			/* as the trace describes it */
};

struct report_capability {
	char name[REPORT_KEY_MAX];
	enum cap_result result;
	bool has_value;
	long long value;		/* QoS, bytes, seconds: see name */
	char evidence[REPORT_TEXT_MAX];
	char advertised[128];		/* 5.0 CONNACK's claim, or "" */
	bool mismatch;			/* the claim and the observation differ */
	bool required;			/* named in --require */
	uint64_t start_us;		/* offsets from probe start */
	uint64_t end_us;
	/* --trace only: the packets that decided it (the report keeps a
	 * copy of its own), and how many more were not kept */
	struct report_cap_packet *packets;
	size_t npackets;
	uint64_t packets_dropped;
};

/*
 * A follow-up experiment run after a failure (diagnose.c): what was
 * tried, whether it confirmed a cause or ruled one out, and the
 * conclusion in words.  key is stable ("mqtt_version", "client_id",
 * "tls_1_2_only", ...).
 */
enum report_diag_verdict { DIAG_CONFIRMED, DIAG_RULED_OUT, DIAG_INCONCLUSIVE };
#define REPORT_MAX_DIAGNOSES 8
struct report_diagnosis {
	char key[REPORT_KEY_MAX];
	enum report_diag_verdict verdict;
	char tried[256];
	char text[REPORT_TEXT_MAX];
	uint64_t duration_us;
};

/*
 * --clients: whether a common client stack would connect (steps 1-5 as
 * it would do them, and its certificate policy), and why not.
 */
#define REPORT_MAX_CLIENTS 8
struct report_client {
	char key[REPORT_KEY_MAX];	/* "openssl3_level2" */
	char name[64];			/* "OpenSSL 3, security level 2" */
	bool connects;
	char negotiated[128];		/* "TLS1.3 TLS_AES_256_GCM_SHA384" */
	char why[REPORT_TEXT_MAX];	/* why not, "" when it connects */
};

/* A fact about a step: a stable key (for JSON and tests) and its text. */
struct report_detail {
	char key[REPORT_KEY_MAX];
	char text[REPORT_TEXT_MAX];
};

/* Something that happened, in order, with time: addresses tried,
 * handshake messages, packets.  level 0 = always shown, 1 = -v. */
struct report_event {
	uint64_t at_us;			/* since probe start */
	int step;
	int level;			/* 0 always, 1 -v, 2 -vv and --trace */
	enum report_event_kind kind;
	enum report_dir dir;
	size_t size;			/* bytes on the wire, 0 if none */
	uint8_t *bytes;			/* packet bytes for --hexdump, or NULL */
	size_t nbytes;			/* kept; below size when cut short */
	/* the bytes end where CONNECT's password field begins: the rest
	 * (its two length bytes included) is neither kept nor counted */
	bool secret_cut;
	char text[REPORT_TEXT_MAX];
};

struct report_step_rec {
	enum step_status status;
	uint64_t start_us;		/* offset from probe start */
	uint64_t end_us;
	enum report_cause cause;
	char reason[REPORT_TEXT_MAX];	/* why it failed, in words */
	size_t ndetails;
	struct report_detail *details;
	/* layer states right after this step ended (or failed) */
	int state[REPORT_LAYERS];
	size_t nevents;			/* events kept for this step */
	uint64_t events_dropped;	/* beyond REPORT_MAX_EVENTS: counted */
};

enum report_change_kind {
	RC_BEGIN,		/* probe starts: time origin */
	RC_STEP_START,
	RC_STEP_OK,
	RC_STEP_FAIL,		/* cause + text = reason */
	RC_STEP_SKIP,
	RC_DETAIL,		/* key + text on step */
	RC_EVENT,		/* text on step at level */
	RC_HINT,		/* advice for the user on the failure */
	RC_UNVERIFIED,		/* --insecure let an untrusted peer through */
	RC_CERT,		/* one certificate of the chain, in order */
	RC_UNENCRYPTED,		/* mqtt:// or ws://: no TLS at all */
	RC_PSK,			/* TLS-PSK: text = the identity */
	RC_STAGE,		/* a timed stage inside a step, once ended */
	RC_FINDING,		/* a finding (see struct report_finding) */
	RC_CAPABILITY,		/* one --capabilities result (cap) */
	RC_DIAGNOSIS,		/* a follow-up experiment's result */
	RC_CLIENT,		/* a --clients profile's answer */
	RC_HELD,		/* --pause held the walk for start_us us */
	RC_STOPPED,		/* the user stopped the walk before step */
	RC_END,			/* probe over */
};

struct report_change {
	enum report_change_kind kind;
	int step;
	uint64_t now_us;		/* monotonic, absolute */
	enum report_cause cause;
	int level;			/* RC_EVENT: level; RC_STEP_FAIL: layer
					 * that failed, -1 = the step's own */
	const char *key;
	const char *text;
	/* RC_EVENT */
	enum report_event_kind ev_kind;
	enum report_dir ev_dir;
	size_t ev_size;
	bool ev_secret_cut;		/* RC_EVENT: see report_event */
	const uint8_t *bytes;
	size_t nbytes;
	/* RC_BEGIN: wall clock, for "started at" */
	int64_t wall_us;
	/* RC_CERT */
	const struct report_cert *cert;
	/* RC_CAPABILITY: times are monotonic, absolute */
	const struct report_capability *cap;
	/* RC_STAGE: key = id, text = name, cause = CAUSE_NONE if it
	 * succeeded; it began at start_us (monotonic, absolute) */
	uint64_t start_us;
	/* RC_FINDING */
	const struct report_finding *finding;
	/* RC_CLIENT */
	const struct report_client *client;
	/* RC_DIAGNOSIS */
	const struct report_diagnosis *diagnosis;
};

struct report;
typedef void (*report_listener)(const struct report *r,
    const struct report_change *c, void *ctx);

struct report {
	uint64_t origin_us;		/* monotonic time of RC_BEGIN */
	int64_t started_wall_us;	/* wall clock at RC_BEGIN */
	uint64_t end_us;		/* offset of RC_END */
	int current;			/* step running, 0 if none */
	int failed_step;		/* 0 if none */
	uint64_t held_us;		/* time --pause held the walk: left
					 * out of every time in the report */
	int stopped;			/* the user stopped the walk at the
					 * --pause prompt before this step;
					 * 0: not stopped */
	bool unverified;
	bool unencrypted;		/* mqtt:// or ws://: steps 2-5 skipped */
	/* TLS-PSK: a pre-shared key authenticates the server, no
	 * certificate does (step 4 is skipped); the identity is no secret,
	 * the key never reaches a report */
	bool psk;
	char psk_identity[REPORT_PSK_IDENTITY_MAX + 1];
	bool ended;
	struct report_step_rec steps[REPORT_STEPS + 1];	/* [0] = Start */
	size_t nevents;
	struct report_event *events;
	size_t hex_bytes;		/* bytes kept for --hexdump, in all */
	size_t ncerts;
	struct report_cert *certs;
	size_t nhints;
	char (*hints)[REPORT_TEXT_MAX];
	size_t nstages;
	struct report_stage stages[REPORT_MAX_STAGES];
	size_t nfindings;		/* at most REPORT_MAX_FINDINGS */
	struct report_finding *findings;
	bool caps_ran;			/* --capabilities ran */
	size_t ncaps;
	struct report_capability *caps;
	size_t caps_missing;		/* required ones that are not there */
	size_t nclients;		/* --clients ran: at most 8 */
	struct report_client clients[REPORT_MAX_CLIENTS];
	size_t ndiagnoses;		/* at most REPORT_MAX_DIAGNOSES */
	struct report_diagnosis diagnoses[REPORT_MAX_DIAGNOSES];
	report_listener listener;
	void *listener_ctx;
	bool oom;			/* an allocation failed: report incomplete */
};

void report_init(struct report *r, report_listener l, void *ctx);
void report_free(struct report *r);

/* The one function that changes a report. */
void report_apply(struct report *r, const struct report_change *c);

/* Builders over report_apply. */
void report_begin(struct report *r, uint64_t now, int64_t wall_us);
void report_step_start(struct report *r, int step, uint64_t now);
void report_step_ok(struct report *r, int step, uint64_t now);
void report_step_fail(struct report *r, int step, uint64_t now,
    enum report_cause cause, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A failure that belongs to another layer than the step's own, e.g. a
 * TLS alert read while waiting for CONNACK. */
void report_step_fail_layer(struct report *r, int step, int layer,
    uint64_t now, enum report_cause cause, const char *text);
void report_step_skip(struct report *r, int step);
/* Skipped for a reason other than --steps ("skipped: no TLS"). */
void report_step_skip_why(struct report *r, int step, const char *why);
void report_detail(struct report *r, int step, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void report_event(struct report *r, int step, uint64_t now, int level,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* An event with its kind, direction, wire size and (for --hexdump) the
 * bytes, which the report copies. */
void report_event_io(struct report *r, int step, uint64_t now, int level,
    enum report_event_kind kind, enum report_dir dir, size_t size,
    const uint8_t *bytes, size_t nbytes, const char *text);
/* An outgoing MQTT packet whose bytes stop before a secret. */
void report_event_secret(struct report *r, int step, uint64_t now,
    int level, size_t size, const uint8_t *bytes, size_t nbytes,
    const char *text);
void report_cert(struct report *r, const struct report_cert *cert);
void report_hint(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void report_finding(struct report *r, const struct report_finding *f);
void report_diagnosis(struct report *r, const struct report_diagnosis *d);
void report_client(struct report *r, const struct report_client *cl);
/* A finding built from its parts; cert -1 when about no certificate. */
void report_findingf(struct report *r, int step, enum report_severity sev,
    int cert, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void report_unverified(struct report *r);
void report_unencrypted(struct report *r);
/* TLS-PSK authenticates this probe's TLS, under identity. */
void report_psk(struct report *r, const char *identity);
/* "certificate", "psk" or "none" (no TLS): the JSON and Prometheus
 * value of the authentication mode. */
const char *report_auth_mode(const struct report *r);
/* A stage of step that began at start and ends now; ok or not. */
void report_stage(struct report *r, int step, const char *id,
    const char *name, uint64_t start, uint64_t now, bool ok);
/* A capability result; its start_us and end_us are monotonic. */
void report_capability(struct report *r, const struct report_capability *c);
/* --pause held the walk for us microseconds, between two steps: no
 * time in the report counts it (the origin moves on by as much). */
void report_held(struct report *r, uint64_t us);
/* The user stopped the walk (q at the --pause prompt) before step: a
 * state of its own, neither success nor a failure of the broker's. */
void report_stopped(struct report *r, int step);
void report_end(struct report *r, uint64_t now);

/* Lookups for renderers. */
const char *report_step_name(int step);		/* "TCP connect" */
const char *report_step_id(int step);		/* "tcp_connect" */
const char *report_layer_name(int layer);	/* "TCP" */
const char *report_state_name(int layer, int state);	/* "Established" */
const char *report_status_name(enum step_status s);	/* "ok" */
const char *report_cause_name(enum report_cause c);	/* "timeout" */
const char *report_severity_name(enum report_severity s);	/* "warning" */
const char *report_cap_result_name(enum cap_result c);	/* "yes" */
const struct report_capability *report_find_cap(const struct report *r,
    const char *name);
/* "confirmed", "ruled_out", "inconclusive" */
const char *report_diag_verdict_name(enum report_diag_verdict v);
const char *report_find_detail(const struct report *r, int step,
    const char *key);
/* The exit status of a walk the user stopped at a --pause prompt: above
 * the steps (1-8) and the thresholds (9, 10), below the usage errors. */
#define REPORT_EXIT_STOPPED 11

/* Exit status for the run: 0 or the failed step's number; 8 when a
 * capability named in --require is missing; REPORT_EXIT_STOPPED when
 * the user stopped the walk. */
int report_exit_status(const struct report *r);

#endif
