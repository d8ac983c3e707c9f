/*
 * benchrun.c: run commands many times, interleaved, and summarise them.
 *
 *   benchrun [-n ROUNDS] [-w WARMUP] [-t SECONDS] [-o RAW] SPECFILE
 *   benchrun -p PORT [-n COUNT]
 *
 * SPECFILE has one command a line: a label, then the argv, all separated
 * by tabs ('#' lines are comments).  Each round runs every command once,
 * in file order (A B C A B C ...), so a slow drift of the machine hits
 * all of them alike.  For each run it measures what the shell cannot:
 * the wall time from fork to the end of wait4, the child's user+system
 * CPU time and peak RSS from wait4's rusage; and it reads the probe's
 * own figures from its text output (each "[k/8] ... X ms" line and the
 * "steps in X ms" total), so they can be set against the wall clock.
 *
 * Output, one line per label, tab-separated (medians unless named):
 *   label runs ok status wall_ms wall_min_ms cpu_ms rss_kb rss_max_kb
 *   total_ms s1_ms ... s8_ms
 * "-" where there is nothing to show; status is the exit status seen
 * most often.  -o writes every run as a line too.
 *
 * With -p it is a ping: COUNT one-byte exchanges with an echo server
 * (delayproxy -e) on 127.0.0.1:PORT, printing the median and minimum
 * round trip in ms, i.e. the link's own round-trip time.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCHRUN_MAX_CMDS 32
#define BENCHRUN_MAX_ARGS 64
#define BENCHRUN_OUTPUT_MAX (1 << 20)
#define BENCHRUN_STEPS 8

struct benchrun_sample {
	double wall_ms, cpu_ms, total_ms;	/* total_ms < 0: none */
	double step_ms[BENCHRUN_STEPS];		/* < 0: none */
	long rss_kb;
	int status;				/* exit status, 128+sig */
};

struct benchrun_cmd {
	char *label;
	char *argv[BENCHRUN_MAX_ARGS + 1];
	struct benchrun_sample *samples;
	size_t n;
};

static double
benchrun_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void __attribute__((noreturn))
benchrun_die(const char *what)
{
	fprintf(stderr, "benchrun: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The number just before the " ms" that ends line [p, end), or -1. */
static double
benchrun_ms_at_end(const char *p, const char *end)
{
	const char *q;

	if (end - p < 4 || memcmp(end - 3, " ms", 3) != 0)
		return -1;
	q = end - 3;
	while (q > p && (q[-1] == '.' || (q[-1] >= '0' && q[-1] <= '9')))
		q--;
	return q == end - 3 ? -1 : strtod(q, NULL);
}

/* The probe's figures from its text output (no colour: not a tty). */
static void
benchrun_parse(const char *out, struct benchrun_sample *s)
{
	const char *line = out;

	s->total_ms = -1;
	for (int i = 0; i < BENCHRUN_STEPS; i++)
		s->step_ms[i] = -1;
	while (*line != '\0') {
		const char *end = strchr(line, '\n');
		const char *in;

		if (end == NULL)
			end = line + strlen(line);
		if (end - line > 5 && line[0] == '[' && line[1] >= '1' &&
		    line[1] <= '8' && line[2] == '/' && line[4] == ']')
			s->step_ms[line[1] - '1'] = benchrun_ms_at_end(line,
			    end);
		in = memmem(line, (size_t)(end - line), " steps in ", 10);
		if (in != NULL)
			s->total_ms = strtod(in + 10, NULL);
		line = *end == '\0' ? end : end + 1;
	}
}

static void
benchrun_one(struct benchrun_cmd *c, double timeout_s, int devnull,
    struct benchrun_sample *s)
{
	static char out[BENCHRUN_OUTPUT_MAX + 1];
	size_t len = 0;
	struct rusage ru;
	double t0, deadline;
	int p[2], st = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		benchrun_die("pipe");
	t0 = benchrun_now_ms();
	deadline = t0 + timeout_s * 1e3;
	pid = fork();
	if (pid == -1)
		benchrun_die("fork");
	if (pid == 0) {
		dup2(devnull, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(c->argv[0], c->argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		double left = deadline - benchrun_now_ms();
		char scratch[4096];
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left + 1) == 0) {
			/* a hung command must not hang the benchmark */
			kill(pid, SIGKILL);
			break;
		}
		n = read(p[0], len < BENCHRUN_OUTPUT_MAX ? out + len : scratch,
		    len < BENCHRUN_OUTPUT_MAX ? BENCHRUN_OUTPUT_MAX - len :
		    sizeof(scratch));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len < BENCHRUN_OUTPUT_MAX)
			len += (size_t)n;
	}
	while (wait4(pid, &st, 0, &ru) == -1)
		if (errno != EINTR)
			benchrun_die("wait4");
	s->wall_ms = benchrun_now_ms() - t0;
	close(p[0]);
	out[len] = '\0';
	s->cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	s->rss_kb = ru.ru_maxrss;
	s->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	benchrun_parse(out, s);
}

static int
benchrun_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of the n values v[i] that are >= 0; -1 if none. */
static double
benchrun_median(const double *v, size_t n)
{
	double *tmp = malloc((n + 1) * sizeof(*tmp)), m;
	size_t k = 0;

	if (tmp == NULL)
		benchrun_die("malloc");
	for (size_t i = 0; i < n; i++)
		if (v[i] >= 0)
			tmp[k++] = v[i];
	if (k == 0) {
		free(tmp);
		return -1;
	}
	qsort(tmp, k, sizeof(*tmp), benchrun_cmp);
	m = k % 2 ? tmp[k / 2] : (tmp[k / 2 - 1] + tmp[k / 2]) / 2;
	free(tmp);
	return m;
}

/* Median of one double field (at byte offset off) over the samples. */
static double
benchrun_median_of(const struct benchrun_sample *s, size_t n, size_t off)
{
	double *v = malloc((n + 1) * sizeof(*v)), m;

	if (v == NULL)
		benchrun_die("malloc");
	for (size_t i = 0; i < n; i++)
		memcpy(&v[i], (const char *)&s[i] + off, sizeof(double));
	m = benchrun_median(v, n);
	free(v);
	return m;
}

static void
benchrun_put(double v)
{
	if (v < 0)
		printf("\t-");
	else
		printf("\t%.3f", v);
}

static void
benchrun_summary(const struct benchrun_cmd *c)
{
	size_t n = c->n, ok = 0;
	const struct benchrun_sample *s = c->samples;
	double wall_min = -1, rss_med, *rssv = malloc((n + 1) * sizeof(double));
	long rss_max = 0;
	int status = 0, best = 0;

	if (rssv == NULL)
		benchrun_die("malloc");
	for (size_t i = 0; i < n; i++) {
		int same = 0;

		ok += s[i].status == 0;
		if (wall_min < 0 || s[i].wall_ms < wall_min)
			wall_min = s[i].wall_ms;
		rssv[i] = (double)s[i].rss_kb;
		if (s[i].rss_kb > rss_max)
			rss_max = s[i].rss_kb;
		for (size_t j = 0; j < n; j++)
			same += s[j].status == s[i].status;
		if (same > best) {
			best = same;
			status = s[i].status;
		}
	}
	rss_med = benchrun_median(rssv, n);
	free(rssv);
	printf("%s\t%zu\t%zu\t%d", c->label, n, ok, status);
	benchrun_put(benchrun_median_of(s, n, offsetof(struct benchrun_sample,
	    wall_ms)));
	benchrun_put(wall_min);
	benchrun_put(benchrun_median_of(s, n, offsetof(struct benchrun_sample,
	    cpu_ms)));
	printf("\t%.0f\t%ld", rss_med, rss_max);
	benchrun_put(benchrun_median_of(s, n, offsetof(struct benchrun_sample,
	    total_ms)));
	for (size_t k = 0; k < BENCHRUN_STEPS; k++)
		benchrun_put(benchrun_median_of(s, n, offsetof(struct
		    benchrun_sample, step_ms) + k * sizeof(double)));
	putchar('\n');
}

static size_t
benchrun_read_spec(const char *path, struct benchrun_cmd *cmds)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		benchrun_die(path);
	while (getline(&line, &cap, f) != -1) {
		char *save = NULL, *tok;
		size_t a = 0;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (n == BENCHRUN_MAX_CMDS) {
			fprintf(stderr, "benchrun: too many commands\n");
			exit(1);
		}
		tok = strtok_r(line, "\t", &save);
		cmds[n].label = strdup(tok);
		while ((tok = strtok_r(NULL, "\t", &save)) != NULL &&
		    a < BENCHRUN_MAX_ARGS)
			cmds[n].argv[a++] = strdup(tok);
		cmds[n].argv[a] = NULL;
		if (a == 0) {
			fprintf(stderr, "benchrun: %s: no command\n",
			    cmds[n].label);
			exit(1);
		}
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

/* Round trips of one byte through an echo server: the link's RTT. */
static int
benchrun_ping(unsigned short port, size_t count)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(port) };
	double *rtt = calloc(count + 1, sizeof(*rtt)), min = -1;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (rtt == NULL || fd == -1)
		benchrun_die("ping");
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		benchrun_die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (size_t i = 0; i < count; i++) {
		char b = 'x';
		double t0 = benchrun_now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		if (send(fd, &b, 1, 0) != 1 || poll(&pfd, 1, 10000) != 1 ||
		    recv(fd, &b, 1, 0) != 1)
			benchrun_die("ping exchange");
		rtt[i] = benchrun_now_ms() - t0;
		if (min < 0 || rtt[i] < min)
			min = rtt[i];
	}
	close(fd);
	printf("%.3f\t%.3f\n", benchrun_median(rtt, count), min);
	free(rtt);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct benchrun_cmd cmds[BENCHRUN_MAX_CMDS];
	size_t rounds = 20, warmup = 2, ncmds;
	double timeout_s = 60;
	unsigned short ping_port = 0;
	const char *raw_path = NULL;
	FILE *raw = NULL;
	int opt, devnull;

	while ((opt = getopt(argc, argv, "n:w:t:o:p:")) != -1) {
		switch (opt) {
		case 'n':
			rounds = strtoul(optarg, NULL, 10);
			break;
		case 'w':
			warmup = strtoul(optarg, NULL, 10);
			break;
		case 't':
			timeout_s = strtod(optarg, NULL);
			break;
		case 'o':
			raw_path = optarg;
			break;
		case 'p':
			ping_port = (unsigned short)strtoul(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (rounds == 0 || timeout_s <= 0)
		goto usage;
	if (ping_port != 0)
		return benchrun_ping(ping_port, rounds);
	if (optind != argc - 1)
		goto usage;
	ncmds = benchrun_read_spec(argv[optind], cmds);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull == -1)
		benchrun_die("/dev/null");
	if (raw_path != NULL && (raw = fopen(raw_path, "w")) == NULL)
		benchrun_die(raw_path);
	for (size_t i = 0; i < ncmds; i++) {
		cmds[i].samples = calloc(rounds, sizeof(*cmds[i].samples));
		if (cmds[i].samples == NULL)
			benchrun_die("calloc");
	}
	for (size_t r = 0; r < warmup + rounds; r++)
		for (size_t i = 0; i < ncmds; i++) {
			struct benchrun_sample s;

			benchrun_one(&cmds[i], timeout_s, devnull, &s);
			if (r < warmup)
				continue;
			cmds[i].samples[cmds[i].n++] = s;
			if (raw != NULL) {
				fprintf(raw, "%s\t%zu\t%d\t%.3f\t%.3f\t%ld\t%.3f",
				    cmds[i].label, r - warmup, s.status,
				    s.wall_ms, s.cpu_ms, s.rss_kb, s.total_ms);
				for (int k = 0; k < BENCHRUN_STEPS; k++)
					fprintf(raw, "\t%.3f", s.step_ms[k]);
				fputc('\n', raw);
			}
		}
	for (size_t i = 0; i < ncmds; i++) {
		benchrun_summary(&cmds[i]);
		free(cmds[i].samples);
		free(cmds[i].label);
		for (size_t a = 0; cmds[i].argv[a] != NULL; a++)
			free(cmds[i].argv[a]);
	}
	if (raw != NULL)
		fclose(raw);
	close(devnull);
	return 0;
usage:
	fprintf(stderr, "usage: benchrun [-n ROUNDS] [-w WARMUP] [-t SECONDS] "
	    "[-o RAW] SPECFILE\n       benchrun -p PORT [-n COUNT]\n");
	return 64;
}
