#include "config.h"

/*
 * spawn-time FILE PROGRAM [ARG]...: run PROGRAM (found on PATH as execvp
 * does) with this process's environment, standard input, output and error,
 * wait for it, and append its wall time in microseconds, one line, to FILE.
 * The interval holds only posix_spawn (a vfork: no copy of the caller),
 * the program's run and its reaping: no shell, no timer process.  For
 * tests/bench/bench-lib.sh (imed); figures, not a test.  Exit status: the
 * program's, 125 when it could not be run or FILE not written, 128 + n
 * when signal n ended it.
 */

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "bench-clock.h"

extern char **environ;

int
main(int argc, char **argv)
{
	double t0, t1;
	pid_t pid;
	FILE *f;
	int r, st;

	if (argc < 3) {
		fprintf(stderr, "usage: spawn-time FILE PROGRAM [ARG]...\n");
		return 125;
	}
	t0 = bench_now_us();
	if ((r = posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2,
	    environ)) != 0) {
		fprintf(stderr, "spawn-time: cannot run %s: %s\n", argv[2],
		    strerror(r));
		return 125;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "spawn-time: waitpid: %s\n",
			    strerror(errno));
			return 125;
		}
	t1 = bench_now_us();
	if ((f = fopen(argv[1], "a")) == NULL) {
		fprintf(stderr, "spawn-time: cannot open %s: %s\n", argv[1],
		    strerror(errno));
		return 125;
	}
	r = fprintf(f, "%.0f\n", t1 - t0) < 0;
	if (fclose(f) != 0 || r) {
		fprintf(stderr, "spawn-time: cannot write %s\n", argv[1]);
		return 125;
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
