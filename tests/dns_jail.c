/*
 * dns_jail.c -- run a command whose name lookups go to a DNS server that
 * never answers: check_resolver's way to hold glibc's resolver thread
 * busy past the probe's deadline, on this machine only.
 *
 * usage: dns_jail SECONDS DIR COMMAND [ARG...]
 *
 * In a new mount and network namespace (so nothing outside changes and
 * no packet leaves the machine) it brings up the loopback interface,
 * binds UDP 127.0.0.1:53 and never reads it, writes resolv.conf (that
 * server, resolver timeout SECONDS, one attempt), nsswitch.conf (files,
 * then dns) and hosts (localhost only) into DIR, binds them over the
 * ones in /etc, and runs COMMAND there.  The socket is inherited, so it
 * stays bound, silent, for as long as COMMAND runs.
 *
 * Exit 77 (skip) when the namespaces cannot be made: not root, or
 * unshare refused by the container; 99 on any other setup failure;
 * otherwise COMMAND's own status (it is exec'd).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#define SKIP 77
#define HARD 99

static int
jail_write(const char *dir, const char *name, const char *text, char *path,
    size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int
jail_bind(const char *from, const char *onto)
{
	if (mount(from, onto, NULL, MS_BIND, NULL) == 0)
		return 0;
	fprintf(stderr, "dns_jail: cannot bind %s onto %s: %s\n", from, onto,
	    strerror(errno));
	return -1;
}

/* The loopback interface of a new network namespace starts down. */
static int
jail_loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

int
main(int argc, char *argv[])
{
	char conf[512], path[4096];
	struct sockaddr_in sin;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: dns_jail SECONDS DIR COMMAND [ARG...]\n");
		return HARD;
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) == -1) {
		printf("SKIP: cannot make a mount and network namespace: %s\n",
		    strerror(errno));
		return SKIP;
	}
	/* Our bind mounts must not leak into the parent's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1) {
		printf("SKIP: cannot make / private in the namespace: %s\n",
		    strerror(errno));
		return SKIP;
	}
	if (jail_loopback_up() == -1) {
		fprintf(stderr, "dns_jail: cannot bring lo up: %s\n",
		    strerror(errno));
		return HARD;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);	/* no CLOEXEC: kept bound */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(53);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		fprintf(stderr, "dns_jail: cannot bind 127.0.0.1:53: %s\n",
		    strerror(errno));
		return HARD;
	}

	snprintf(conf, sizeof(conf), "nameserver 127.0.0.1\n"
	    "options timeout:%d attempts:1\n", atoi(argv[1]));
	if (jail_write(argv[2], "resolv.conf", conf, path, sizeof(path)) ||
	    jail_bind(path, "/etc/resolv.conf") ||
	    jail_write(argv[2], "nsswitch.conf", "hosts: files dns\n", path,
	    sizeof(path)) || jail_bind(path, "/etc/nsswitch.conf") ||
	    jail_write(argv[2], "hosts", "127.0.0.1 localhost\n", path,
	    sizeof(path)) || jail_bind(path, "/etc/hosts")) {
		fprintf(stderr, "dns_jail: cannot set up the resolver files "
		    "in %s\n", argv[2]);
		return HARD;
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "dns_jail: exec %s: %s\n", argv[3], strerror(errno));
	return HARD;
}
