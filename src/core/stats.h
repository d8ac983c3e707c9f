/*
 * stats.h: the numbers every output format takes from a report, the
 * monitoring thresholds, and the statistics of a series of probes.
 *
 * Reading the report in one place keeps the formats from disagreeing:
 * the text warning, the JSON "expiry" object, the Nagios state and the
 * Prometheus expiry metric all come from stats_facts().
 */
#ifndef STATS_H
#define STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"

/* Monitoring thresholds, as the options give them. */
struct stats_limits {
	int warn_days;			/* -1: unset */
	int crit_days;			/* -1: unset */
	uint64_t warn_rtt_us;		/* 0: unset */
	uint64_t crit_rtt_us;		/* 0: unset */
};

/* Ordered by how bad they are; the numbers are the Nagios states. */
enum stats_level {
	LEVEL_OK = 0,
	LEVEL_WARNING = 1,
	LEVEL_CRITICAL = 2,
	LEVEL_UNKNOWN = 3,
};

/* What one finished probe found, as plain numbers. */
struct stats_facts {
	int exit_status;		/* 0, the failed step, or 70 (report
					   incomplete: out of memory) */
	int failed_step;		/* 0 if none */
	bool interrupted;		/* failed because of Ctrl-C */
	bool unverified;		/* step 4 did not find it trusted */
	bool unencrypted;		/* mqtt:// or ws://: no TLS at all */
	int steps_ok;			/* steps that succeeded */
	uint64_t total_us;
	bool step_ended[REPORT_STEPS + 1];	/* ok or failed: has a time */
	uint64_t step_us[REPORT_STEPS + 1];
	bool has_rtt;
	uint64_t rtt_us;
	bool has_expiry;		/* a chain was received */
	int64_t expiry_s;		/* earliest not_after, Unix time */
	long days_left;			/* whole days to it, towards zero */
	bool expired;			/* expiry_s has passed */
	bool has_connack;
	long connack_code;
	const char *tls_version;	/* into the report, or NULL */
	const char *cipher;		/* into the report, or NULL */
	const char *proxy;		/* its URL (no secrets), or NULL */
	const char *proxy_kind;		/* "http", "socks5", "socks5h" */
};

/* A running series: Welford's method, so thousands of probes neither
 * lose precision nor need memory. */
struct stats_series {
	uint64_t n;
	double min, max, mean, m2;
};

/* One target over all its probes. */
struct stats_target {
	unsigned probes;		/* counted (interrupted ones are not) */
	unsigned failed;
	unsigned failed_at[REPORT_STEPS + 1];
	unsigned unverified;
	unsigned unencrypted;
	/* stages that succeeded (proxy tunnel, WebSocket upgrade), by id */
	size_t nstages;
	struct {
		char id[REPORT_KEY_MAX];
		int step;
		struct stats_series s;
	} stage[REPORT_MAX_STAGES];
	int worst_status;		/* highest exit status of a probe */
	bool interrupted;		/* the series was cut short */
	struct stats_series step[REPORT_STEPS + 1];	/* steps that succeeded */
	struct stats_series total;	/* probes that succeeded */
	struct stats_series rtt;
	bool has_expiry;		/* the earliest expiry seen */
	int64_t expiry_s;
	long days_left;
	bool expired;
	bool has_connack;		/* the last ones seen */
	long connack_code;
	char tls_version[32];
	char cipher[96];
	char proxy[600];		/* the last probe's proxy, "" none */
	char proxy_kind[16];
	/* how the last probe's TLS authenticated the server: "certificate",
	 * "psk" or "none" (report_auth_mode), and the PSK identity */
	char auth[16];
	char psk_identity[REPORT_PSK_IDENTITY_MAX + 1];
	int last_failed_step;		/* the last failure, for Nagios */
	char last_reason[REPORT_TEXT_MAX];
	/* the last reason seen at each step, for the commonest failure */
	char reason_at[REPORT_STEPS + 1][REPORT_TEXT_MAX];
	int steps_ok_last;		/* of the last probe */
	/* the last probe's findings, for Prometheus: key and severity */
	size_t nfindings;
	struct stats_finding {
		char key[REPORT_KEY_MAX];
		enum report_severity severity;
		int step;
	} findings[REPORT_MAX_FINDINGS];
	/* the last probe's --capabilities, for Prometheus and Nagios */
	unsigned caps_missing;		/* probes that lacked a required one */
	size_t ncaps;
	struct stats_cap {
		char name[REPORT_KEY_MAX];
		enum cap_result result;
		bool has_value;
		long long value;
		bool required;		/* named in --require */
		bool advertised;	/* a 5.0 CONNACK claimed something */
		bool mismatch;		/* and it was not what was seen */
	} caps[REPORT_MAX_CAPS];
	/* events a flooding peer caused beyond a report's bound, by step */
	uint64_t events_dropped[REPORT_STEPS + 1];
};

void stats_facts(const struct report *r, struct stats_facts *f);

/* The step's duration as JSON and the text show it: never 0 for a
 * step that ran, since a step cannot take no time at all. */
uint64_t stats_step_us(const struct report *r, int step);

/* An expired chain is critical whatever the thresholds say. */
enum stats_level stats_days_level(const struct stats_limits *l, long days,
    bool expired);
enum stats_level stats_rtt_level(const struct stats_limits *l, uint64_t us);

void stats_series_add(struct stats_series *s, double v);
/* Population standard deviation; 0 for fewer than two values. */
double stats_series_stddev(const struct stats_series *s);

/* The p-th percentile (0 to 100) of n values sorted in ascending
 * order, interpolated between ranks; 0 for no value. */
double stats_percentile(const double *sorted, size_t n, double p);

/*
 * The exit statuses of crossed thresholds (--warn-*, --crit-*), in
 * every format but nagios: below the step numbers in precedence.
 */
#define STATS_EXIT_WARNING 9
#define STATS_EXIT_CRITICAL 10

/* 0, STATS_EXIT_WARNING or STATS_EXIT_CRITICAL for a target's series:
 * only thresholds that were given count. */
int stats_threshold_status(const struct stats_limits *l,
    const struct stats_target *t);
/* The worse of two exit statuses: a failed step (1-8) over critical
 * (10) over warning (9) over 0; anything else (64, 66, 70, 128+) is
 * worse than them all, the higher the worse. */
int stats_worse_status(int a, int b);
/* The step that failed most often (the later one on a tie), or 0. */
int stats_commonest_failure(const struct stats_target *t);

void stats_target_init(struct stats_target *t);
/* Count one probe; r is the report the facts came from. */
void stats_target_add(struct stats_target *t, const struct report *r,
    const struct stats_facts *f);

#endif
