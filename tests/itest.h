/*
 * itest.h -- shared harness of the integration tests (see itest.c).
 */
#ifndef ITEST_H
#define ITEST_H

#include <check.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#define SKIP_CODE 77
#define HARD_ERROR_CODE 99
#ifndef RUN_LIMIT_SECONDS
#define RUN_LIMIT_SECONDS 30
#endif
#define OUTPUT_LIMIT (1024 * 1024)

#define GOOD_PASSWORD "S3cret-Pa55"
#define WRONG_PASSWORD "Wr0ng-Guess-77"

/* Listener order shared with tests/lib/broker.sh. */
enum listener {
	L_GOOD,
	L_PASSWORD,
	L_MTLS,
	L_EXPIRED,
	L_NOTYET,
	L_WRONGNAME,
	L_SELFSIGNED,
	L_UNTRUSTED,
	L_PLAINTEXT,
	L_TLS13ONLY,
	L_CHAIN_INCOMPLETE,	/* chain-pki.sh: the leaf without its issuer */
	L_CHAIN_FULL,
	L_CHAIN_OUTOFORDER,
	L_CHAIN_WITHROOT,
	L_CHAIN_DUP,
	L_CNONLY,
	L_NOEKU,
	L_LONGVALID,
	L_EXPIRING,
	L_ACL,			/* anonymous may read, not write */
	L_COUNT
};

extern const char *g_probe;
extern const char *g_lib;
extern char g_dir[4096];
extern int g_port[L_COUNT];
extern volatile sig_atomic_t g_broker_pid;
extern pid_t g_parent_pid;

struct run {
	int status;		/* exit code, 128+signal, or -1 if killed by us */
	char *out;		/* stdout + stderr, NUL-terminated */
	size_t len;
	double seconds;
	double signal_at;	/* seconds from the start to the signal, 0: none */
	long maxrss_kb;		/* peak resident memory of the child (wait4);
				   the wrapper's under MQTTS_PROBE_WRAPPER */
	char cmd[2048];		/* command line, for messages */
};

#define MAX_ARGS 32

#define EXPECT_EXIT(r, code)						\
	ck_assert_msg((r)->status == (code),				\
		      "%s\nexit status %d, expected %d\n--- output ---\n%s", \
		      (r)->cmd, (r)->status, (code), (r)->out)
#define EXPECT_HAS(r, text)						\
	ck_assert_msg(contains_ci((r)->out, (text)),			\
		      "%s\noutput lacks \"%s\"\n--- output ---\n%s",	\
		      (r)->cmd, (text), (r)->out)
#define EXPECT_LACKS(r, text)						\
	ck_assert_msg(!contains_ci((r)->out, (text)),			\
		      "%s\noutput contains \"%s\"\n--- output ---\n%s", \
		      (r)->cmd, (text), (r)->out)
#define EXPECT_LAST_LINE_STARTS(r, prefix)				\
	ck_assert_msg(strncmp(last_line(r), (prefix), strlen(prefix)) == 0, \
		      "%s\nlast line does not start with \"%s\"\n--- output ---\n%s", \
		      (r)->cmd, (prefix), (r)->out)

double now_seconds(void);
void run_argv(struct run *r, const char *const *argv, const char *password,
    int limit_seconds);
void run_argv_signal(struct run *r, const char *const *argv,
    const char *password, int limit_seconds, int sig, double after_seconds);
/* The same, but after_seconds counts from the moment the output first
 * holds marker. */
void run_argv_signal_after(struct run *r, const char *const *argv,
    const char *password, int limit_seconds, int sig, const char *marker,
    double after_seconds);
/* How much slower the probe runs: 3 under MQTTS_PROBE_WRAPPER, else 1. */
double itest_slowdown(void);
void run_probe(struct run *r, const char *password, ...)
    __attribute__((sentinel));
int contains_ci(const char *hay, const char *needle);
const char *last_line(const struct run *r);
/* Columns of the widest line of the output (UTF-8 characters). */
size_t widest_line(const struct run *r);
size_t count_lines(const struct run *r);
const char *pki(const char *name);
const char *target_port(const char *host, int port);
const char *target(enum listener l);
int bind_loopback(int *port);
pid_t talker_start(int *port, const char *say, size_t len, int read_first);
void talker_stop(pid_t pid);
int executable(const char *path);
/* r's output (--format json/jsonl) holds to doc/report.schema.json;
 * kept in the test directory as name. */
void itest_expect_schema(const struct run *r, const char *name);
/* tests/hostile_peer ($HOSTILE_PEER) in mode with cert and key, alive
 * lifetime seconds at most; its port in *port.  Stop it with talker_stop. */
pid_t itest_hostile_start(const char *mode, const char *cert,
    const char *key, int lifetime, int *port);

/* Run the suite `name` with the broker fixture; returns main's status. */
/* The port a helper prints on its first line to fd, within seconds; -1
 * when it says none. */
int itest_read_port(int fd, double seconds);
int itest_main(const char *name, void (*add_tests)(TCase *));

#endif
