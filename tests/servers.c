/*
 * servers.c: test servers in their own process groups, bounded in time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"
#include "servers.h"

int
server_start(struct server *s, const char *const *argv, int limit)
{
	return server_start_for(s, argv, limit, 90);
}

int
server_start_for(struct server *s, const char *const *argv, int limit,
    int lifetime)
{
	int fds[2];
	size_t n = 0, len = 0;
	const char *full[40];
	char life[24];
	double end;

	memset(s, 0, sizeof(*s));
	snprintf(life, sizeof(life), "%d", lifetime);
	full[n++] = "timeout";
	full[n++] = life;
	for (size_t i = 0; argv[i] != NULL && n < 39; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	s->pid = fork();
	if (s->pid < 0) {
		s->pid = 0;
		return -1;
	}
	if (s->pid == 0) {
		setpgid(0, 0);
		signal(SIGALRM, SIG_DFL);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		{
			/* execvp wants char *const[]: copy the words */
			char *copy[40];

			for (size_t i = 0; i <= n; i++)
				copy[i] = full[i] != NULL ? strdup(full[i]) :
				    NULL;
			execvp(copy[0], copy);
		}
		_exit(127);
	}
	setpgid(s->pid, s->pid);
	close(fds[1]);
	end = now_seconds() + limit * itest_slowdown();
	while (now_seconds() < end && len + 1 < sizeof(s->log)) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		char *nl;
		ssize_t got;

		if (poll(&p, 1, 200) <= 0)
			continue;
		got = read(fds[0], s->log + len, sizeof(s->log) - 1 - len);
		if (got <= 0)
			break;
		len += (size_t)got;
		s->log[len] = '\0';
		nl = strchr(s->log, '\n');
		if (nl != NULL && atoi(s->log) > 0) {
			s->port = atoi(s->log);
			close(fds[0]);
			return 0;
		}
	}
	close(fds[0]);
	server_stop(s);
	return -1;
}

void
server_stop(struct server *s)
{
	if (s->pid <= 0)
		return;
	kill(-s->pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		struct timespec ts = { 0, 20000000 };

		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			kill(-s->pid, SIGKILL);
			s->pid = 0;
			return;
		}
		nanosleep(&ts, NULL);
	}
	kill(-s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

int
server_wait_port(int port, int limit)
{
	double end = now_seconds() + limit * itest_slowdown();

	while (now_seconds() < end) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
		    .sin_port = htons((uint16_t)port),
		    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct timespec ts = { 0, 50000000 };

		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa,
		    sizeof(sa)) == 0) {
			close(fd);
			return 0;
		}
		if (fd >= 0)
			close(fd);
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* A loopback port nothing listens on now (bound, then released). */
static int
servers_free_port(struct server *s, const char *what)
{
	int port = 0, fd = bind_loopback(&port);

	memset(s, 0, sizeof(*s));
	if (fd < 0) {
		snprintf(s->log, sizeof(s->log), "%s: no free port: %s", what,
		    strerror(errno));
		return -1;
	}
	close(fd);
	return port;
}

/* sh -c script with port as $0 and arg as $1: the script echoes $0
 * first, so server_start learns the port, then execs the proxy in the
 * foreground, so that its process group holds it. */
static int
servers_proxy_run(struct server *s, const char *what, const char *script,
    int port, const char *arg)
{
	char p[16];
	const char *argv[] = { "sh", "-c", script, p, arg, NULL };

	snprintf(p, sizeof(p), "%d", port);
	if (server_start(s, argv, 20) != 0)
		return -1;
	if (server_wait_port(s->port, 20) != 0) {
		server_stop(s);
		snprintf(s->log, sizeof(s->log), "%s does not listen on port "
		    "%d (not installed? scripts/deps installs it)", what, port);
		return -1;
	}
	return 0;
}

int
server_tinyproxy(struct server *s, const char *dir, const int *ports,
    size_t nports, const char *user, const char *password, char *log,
    size_t loglen)
{
	char conf[4200];
	int port = servers_free_port(s, "tinyproxy");
	FILE *f;

	if (port < 0)
		return -1;
	/* named by a port just free: tests in processes of their own do
	 * not overwrite each other's */
	snprintf(conf, sizeof(conf), "%s/tinyproxy-%d.conf", dir, port);
	snprintf(log, loglen, "%s/tinyproxy-%d.log", dir, port);
	unlink(log);
	f = fopen(conf, "w");
	if (f == NULL) {
		snprintf(s->log, sizeof(s->log), "%s: %s", conf,
		    strerror(errno));
		return -1;
	}
	fprintf(f, "Port %d\nListen 127.0.0.1\nTimeout 20\nMaxClients 40\n"
	    "LogLevel Connect\nLogFile \"%s\"\n", port, log);
	/* tinyproxy refuses CONNECT to any port not listed (403) */
	for (size_t i = 0; i < nports; i++)
		fprintf(f, "ConnectPort %d\n", ports[i]);
	if (user != NULL)
		fprintf(f, "BasicAuth %s %s\n", user, password);
	if (fclose(f) != 0) {
		snprintf(s->log, sizeof(s->log), "%s: %s", conf,
		    strerror(errno));
		return -1;
	}
	return servers_proxy_run(s, "tinyproxy", "echo $0; exec tinyproxy -d "
	    "-c \"$1\" >/dev/null 2>&1", port, conf);
}

int
server_microsocks(struct server *s, const char *user, const char *password)
{
	char script[512];
	int port = servers_free_port(s, "microsocks");

	if (port < 0)
		return -1;
	/* the test's own words, not user input: quoting them is enough */
	if (user != NULL)
		snprintf(script, sizeof(script), "echo $0; exec microsocks -i "
		    "127.0.0.1 -p $0 -u '%s' -P '%s' >/dev/null 2>&1", user,
		    password);
	else
		snprintf(script, sizeof(script), "echo $0; exec microsocks -i "
		    "127.0.0.1 -p $0 >/dev/null 2>&1");
	return servers_proxy_run(s, "microsocks", script, port, "");
}
