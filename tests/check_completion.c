/*
 * check_completion.c -- the shell completions in completions/: every
 * option of options_table() is in both scripts, and a real interactive
 * bash (and zsh) under a pseudo-terminal completes "--form<TAB>" to
 * --format, lists the formats for "--format <TAB><TAB>" and completes a
 * file name after --cafile.
 *
 * COMPLETIONS_DIR (compile time) is the source tree's completions/.
 * The shells run under a deadline and are killed at the end; bash needs
 * bash-completion (scripts/deps installs both shells and it).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "options.h"

#ifndef COMPLETIONS_DIR
#error "COMPLETIONS_DIR must name the completions/ directory"
#endif

#define BASH_COMPLETION "/usr/share/bash-completion/bash_completion"
/* Generous: each step waits for its answer, never for a fixed time. */
#define STEP_LIMIT_S 30.0

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* "--name" as a whole word (not a prefix of a longer option). */
static int
has_option(const char *text, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = text; (p = strstr(p, opt)) != NULL; p++) {
		char after = p[n];

		if (after != '-' && !(after >= 'a' && after <= 'z'))
			return 1;
	}
	return 0;
}

START_TEST(test_every_option_in_both)
{
	static const char *const files[] = { "mqtts-probe", "_mqtts-probe" };
	size_t checked = 0;

	for (size_t i = 0; i < 2; i++) {
		char path[4096], *text;

		snprintf(path, sizeof path, "%s/%s", COMPLETIONS_DIR, files[i]);
		text = slurp(path);
		for (const struct option *o = options_table(); o->name != NULL;
		     o++) {
			char opt[64];

			snprintf(opt, sizeof opt, "--%s", o->name);
			ck_assert_msg(has_option(text, opt), "%s lacks %s",
				      files[i], opt);
			if (o->val > ' ' && o->val < 127) {
				snprintf(opt, sizeof opt, "-%c", o->val);
				ck_assert_msg(has_option(text, opt),
					      "%s lacks %s", files[i], opt);
			}
			checked++;
		}
		free(text);
	}
	ck_assert_uint_ge(checked, 2 * 40);
}
END_TEST

/* ---- an interactive shell under a pseudo-terminal ---------------------- */

struct shell {
	pid_t pid;
	int fd;
	char out[65536];	/* what the terminal showed since the mark */
	size_t len;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
shell_start(struct shell *sh, const char *const *argv)
{
	memset(sh, 0, sizeof *sh);
	sh->pid = forkpty(&sh->fd, NULL, NULL, NULL);
	ck_assert_int_ge(sh->pid, 0);
	if (sh->pid == 0) {
		/* no user setup, no colours, no terminal queries */
		setenv("TERM", "dumb", 1);
		setenv("INPUTRC", "/dev/null", 1);
		unsetenv("PROMPT_COMMAND");
		signal(SIGALRM, SIG_DFL);
		alarm(120);
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
}

/* Read until the terminal showed every one of want (NULL-ended). */
static void
shell_expect(struct shell *sh, const char *what, const char *const *want)
{
	double end = now() + STEP_LIMIT_S;

	for (;;) {
		struct pollfd pfd = { .fd = sh->fd, .events = POLLIN };
		int all = 1;
		ssize_t n;

		sh->out[sh->len] = '\0';
		for (size_t i = 0; want[i] != NULL; i++)
			all &= strstr(sh->out, want[i]) != NULL;
		if (all)
			return;
		ck_assert_msg(now() < end, "%s: the terminal never showed what "
			      "was expected (first: \"%s\"); it showed:\n%s",
			      what, want[0], sh->out);
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(sh->fd, sh->out + sh->len, sizeof sh->out - 1 - sh->len);
		ck_assert_msg(n > 0, "%s: the shell went away:\n%s", what,
			      sh->out);
		sh->len += (size_t)n;
		ck_assert_uint_lt(sh->len, sizeof sh->out - 1);
	}
}

/* Type text; what the terminal shows from now on is looked at. */
static void
shell_type(struct shell *sh, const char *text)
{
	sh->len = 0;
	sh->out[0] = '\0';
	ck_assert_int_eq(write(sh->fd, text, strlen(text)),
			 (ssize_t)strlen(text));
}

static void
shell_stop(struct shell *sh)
{
	double end = now() + 10;
	int st;

	/* Ctrl-U, then exit; killed if it does not go */
	if (write(sh->fd, "\025exit\n", 6) < 0)
		kill(sh->pid, SIGKILL);
	while (waitpid(sh->pid, &st, WNOHANG) == 0) {
		if (now() > end) {
			kill(sh->pid, SIGKILL);
			waitpid(sh->pid, &st, 0);
			break;
		}
		usleep(20000);
	}
	close(sh->fd);
}

/* A scratch directory with one file whose name only we would pick. */
static void
scratch_file(char *dir, size_t len)
{
	char path[4200];
	int fd;

	snprintf(dir, len, "/tmp/check_completion.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/trust-anchors-7q.pem", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void
scratch_remove(const char *dir)
{
	char path[4200];

	snprintf(path, sizeof path, "%s/trust-anchors-7q.pem", dir);
	unlink(path);
	rmdir(dir);
}

/* Both shells: the same three completions. */
static void
drive(struct shell *sh, const char *setup, const char *dir)
{
	char line[4400];

	/* $((1+1)): the answer, not the echo of what was typed */
	shell_type(sh, setup);
	shell_expect(sh, "setup", (const char *const[]){ "READY-2", NULL });

	shell_type(sh, "mqtts-probe --form\t");
	shell_expect(sh, "--form<TAB>", (const char *const[]){ "--format",
							       NULL });

	shell_type(sh, "\025mqtts-probe --format \t\t");
	shell_expect(sh, "--format <TAB><TAB>", (const char *const[]){
		"json", "jsonl", "nagios", "prometheus", "text", NULL });

	snprintf(line, sizeof line, "\025mqtts-probe --cafile %s/trust-an\t",
		 dir);
	shell_type(sh, line);
	shell_expect(sh, "--cafile FILE<TAB>", (const char *const[]){
		"trust-anchors-7q.pem", NULL });
}

START_TEST(test_bash_completes)
{
	struct shell sh;
	char dir[64], setup[8192];

	ck_assert_msg(access(BASH_COMPLETION, R_OK) == 0, "%s is missing: "
		      "scripts/deps installs bash-completion", BASH_COMPLETION);
	scratch_file(dir, sizeof dir);
	snprintf(setup, sizeof setup, "PS1='$ '; source %s; source "
		 "%s/mqtts-probe; echo READY-$((1+1))\n", BASH_COMPLETION,
		 COMPLETIONS_DIR);
	shell_start(&sh, (const char *const[]){ "bash", "--norc",
						"--noprofile", "-i", NULL });
	drive(&sh, setup, dir);
	shell_stop(&sh);
	scratch_remove(dir);
}
END_TEST

START_TEST(test_zsh_completes)
{
	struct shell sh;
	char dir[64], setup[8192];

	scratch_file(dir, sizeof dir);
	/* -f: no user files; compinit -D: no dump file to write */
	snprintf(setup, sizeof setup, "fpath=(%s $fpath); autoload -Uz "
		 "compinit; compinit -u -D; PS1='$ '; echo READY-$((1+1))\n",
		 COMPLETIONS_DIR);
	shell_start(&sh, (const char *const[]){ "zsh", "-f", "-i", NULL });
	drive(&sh, setup, dir);
	shell_stop(&sh);
	scratch_remove(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("completion");
	TCase *tc = tcase_create("scripts");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_every_option_in_both);
	tcase_add_test(tc, test_bash_completes);
	tcase_add_test(tc, test_zsh_completes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
