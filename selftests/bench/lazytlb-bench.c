// SPDX-License-Identifier: GPL-2.0
/*
 * lazytlb-bench - the guest half of 'make bench' (not part of the series).
 *
 * Runs workloads between phase markers that the counting plugin
 * (tests/plugin/lazytlb-count.c) reads: 'stclrb wzr, [buf + ID]' begins
 * phase ID, 'steorb wzr, [buf + ID]' ends it (atomics that change nothing). For each phase it prints
 *   bench: phase=ID name=NAME ops=N ipis=N resched=N cpus=N bound=N
 * where ipis and resched are the function call and rescheduling IPIs of
 * /proc/interrupts over the phase, and bound, for the exit workloads, the
 * CPUs other than its last one that each exiting mm ran on: no more of
 * them can hold it lazily. Usage:
 *
 *   lazytlb-bench plugin-test       instructions and atomics known exactly
 *   lazytlb-bench smoke [SCALE]     that, and a few round trips (make check)
 *   lazytlb-bench counts [SCALE]    all counted workloads
 *   lazytlb-bench scan [SCALE]      the exit workloads only (make bench's
 *                                   per-free scan at several -smp)
 *   lazytlb-bench time ROUNDS       round trips per second, ROUNDS times
 *
 * The round trips need lazytlb_kbench.ko next to this program; it is
 * loaded with finit_module().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KBENCH "/sys/kernel/debug/lazytlb_kbench"

static unsigned char marks[8192] __attribute__((aligned(4096)));
static int ncpus;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("bench: error: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	exit(1);
}

static void mark(int id, int end)
{
	unsigned char *p = marks + id;

	if (end)
		asm volatile("steorb wzr, [%0]" : : "r" (p) : "memory");
	else
		asm volatile("stclrb wzr, [%0]" : : "r" (p) : "memory");
}

/* Sum of the per-CPU counts of the /proc/interrupts line naming @what. */
static long long irq_count(const char *what)
{
	char line[4096];
	long long n = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		die("/proc/interrupts: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (!strstr(line, what))
			continue;
		p = strchr(line, ':');
		if (!p)
			continue;
		for (p++;; p = end) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			n += v;
		}
	}
	fclose(f);
	return n;
}

struct phase {
	int id;
	const char *name;
	long long ipi0, res0;
};

static void begin(struct phase *ph, int id, const char *name)
{
	ph->id = id;
	ph->name = name;
	ph->ipi0 = irq_count("Function call interrupts");
	ph->res0 = irq_count("Rescheduling interrupts");
	mark(id, 0);
}

static void end(struct phase *ph, long ops, int bound)
{
	mark(ph->id, 1);
	printf("bench: phase=%d name=%s ops=%ld ipis=%lld resched=%lld cpus=%d bound=%d\n",
	       ph->id, ph->name, ops,
	       irq_count("Function call interrupts") - ph->ipi0,
	       irq_count("Rescheduling interrupts") - ph->res0, ncpus, bound);
	fflush(stdout);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(%d): %s", cpu, strerror(errno));
}

/*
 * Exactly known user work: 3556 instructions, 1150 atomics (1000 LDADD and
 * 50 LDXR/STXR pairs on the marked line, 100 CAS elsewhere), 1050 of them
 * on the marked line. Branches end translation blocks around the markers
 * so that the plugin's per-block counts start and stop exactly there.
 */
static void plugin_test(int id)
{
	static uint32_t words[32] __attribute__((aligned(64)));
	uint32_t *line = &words[0], *other = &words[16];

	pin(0);		/* one vCPU runs it all: the plugin checks that one */
	line[0] = other[0] = 0;	/* fault the page in first */
	asm volatile("stsetb wzr, [%0]" : : "r" (line) : "memory");
	asm volatile(
		"	stclrb	wzr, [%[b]]\n"
		"	b	1f\n"
		"1:	mov	x9, #1000\n"
		"2:	ldadd	w10, w11, [%[l]]\n"
		"	subs	x9, x9, #1\n"
		"	b.ne	2b\n"
		"	mov	x9, #100\n"
		"3:	cas	w10, w11, [%[o]]\n"
		"	subs	x9, x9, #1\n"
		"	b.ne	3b\n"
		"	mov	x9, #50\n"
		"4:	ldxr	w10, [%[l]]\n"
		"	add	w10, w10, #1\n"
		"	stxr	w12, w10, [%[l]]\n"
		"	subs	x9, x9, #1\n"
		"	b.ne	4b\n"
		"	b	5f\n"
		"5:	steorb	wzr, [%[b]]\n"
		"	b	6f\n"
		"6:\n"
		: : [b] "r" (marks + id), [l] "r" (line), [o] "r" (other)
		: "x9", "x10", "x11", "x12", "memory", "cc");
	printf("bench: plugin-test phase=%d expect user_insns=3556 user_atomics=1150 line_atomics=1050\n",
	       id);
	fflush(stdout);
}

static int kbench_fd = -1;

static void kbench_load(void)
{
	char path[4096], *slash;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	int fd;

	if (n < 0)
		die("readlink /proc/self/exe: %s", strerror(errno));
	path[n] = 0;
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "lazytlb_kbench.ko");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
		die("finit_module %s: %s", path, strerror(errno));
	close(fd);
	kbench_fd = open(KBENCH, O_WRONLY | O_CLOEXEC);
	if (kbench_fd < 0)
		die("%s: %s", KBENCH, strerror(errno));
}

static void kbench(char c)
{
	if (write(kbench_fd, &c, 1) != 1)
		die("write '%c' to %s: %s", c, KBENCH, strerror(errno));
}

/* user -> kthread -> user round trips on CPU @cpu, counted. */
static void round_trips(int id, int cpu, long n)
{
	struct phase ph;

	pin(cpu);
	kbench('m');
	for (long i = 0; i < 100; i++)
		kbench('r');	/* warm up */
	begin(&ph, id, "round_trip");
	for (long i = 0; i < n; i++)
		kbench('r');
	end(&ph, n, 0);
}

/*
 * The same in batches of @per, each its own phase from @first on: a
 * batch that a timer tick or another CPU's work lands in counts more,
 * and the median batch is the round trip's own cost.
 */
static void round_trip_batches(int first, int batches, int per)
{
	for (int b = 0; b < batches; b++) {
		mark(first + b, 0);
		for (int i = 0; i < per; i++)
			kbench('r');
		mark(first + b, 1);
	}
	printf("bench: batches name=round_trip first=%d count=%d per=%d\n", first, batches, per);
}

/*
 * A context_switch1-style pipe ping-pong: @pairs pairs, pair k on CPU k.
 * Each task pins itself and says so on its pair's 'done' pipe, the phase
 * begins, each pair starts when the parent writes to its 'go' pipe and
 * reports on 'done' again when through: the phase counts the ping-pong,
 * not the forks, migrations and exits around it, and no two pairs share a
 * pipe (whose mutex would have tasks on other CPUs spin for as long as the
 * host takes).
 */
struct pair {
	int a[2], b[2], go[2], done[2], cpu;
	long n;
};

/* Pinned and ready: say so on 'done', then wait for the parent's go. */
static void wait_go(struct pair *p)
{
	char c = 0;

	if (write(p->done[1], &c, 1) != 1)
		die("write ready: %s", strerror(errno));
	if (read(p->go[0], &c, 1) != 1)
		die("read go: %s", strerror(errno));
}

static void report_done(struct pair *p)
{
	char c = 0;

	if (write(p->done[1], &c, 1) != 1)
		die("write done: %s", strerror(errno));
}

static void *pong(void *arg)
{
	struct pair *p = arg;
	char c;

	pin(p->cpu);
	wait_go(p);
	for (long i = 0; i < p->n; i++) {
		if (read(p->a[0], &c, 1) != 1 || write(p->b[1], &c, 1) != 1)
			die("pong: %s", strerror(errno));
	}
	report_done(p);
	return NULL;
}

static void *ping(void *arg)
{
	struct pair *p = arg;
	char c = 0;

	pin(p->cpu);
	wait_go(p);
	for (long i = 0; i < p->n; i++) {
		if (write(p->a[1], &c, 1) != 1 || read(p->b[0], &c, 1) != 1)
			die("ping: %s", strerror(errno));
	}
	report_done(p);
	return NULL;
}

static void pingpong(int id, const char *name, int threads, int pairs, long n)
{
	struct pair p[64];
	pthread_t t[128];
	pid_t pid[128];
	int nt = 0, np = 0;
	struct phase ph;
	char c;

	for (int k = 0; k < pairs; k++) {
		if (pipe(p[k].a) || pipe(p[k].b) || pipe(p[k].go) || pipe(p[k].done))
			die("pipe: %s", strerror(errno));
		p[k].cpu = k % ncpus;
		p[k].n = n;
	}
	for (int k = 0; k < pairs; k++) {
		void *(*fn[2])(void *) = { ping, pong };

		for (int j = 0; j < 2; j++) {
			if (threads) {
				if (pthread_create(&t[nt++], NULL, fn[j], &p[k]))
					die("pthread_create");
				continue;
			}
			pid[np] = fork();
			if (pid[np] < 0)
				die("fork: %s", strerror(errno));
			if (!pid[np]) {
				fn[j](&p[k]);
				_exit(0);
			}
			np++;
		}
	}
	/* every task pinned and waiting before the phase begins */
	for (int k = 0; k < pairs; k++)
		for (int j = 0; j < 2; j++)
			if (read(p[k].done[0], &c, 1) != 1)
				die("%s: a task did not start", name);
	begin(&ph, id, name);
	c = 0;
	for (int k = 0; k < pairs; k++)
		if (write(p[k].go[1], "gg", 2) != 2)
			die("%s: write go: %s", name, strerror(errno));
	for (int k = 0; k < pairs; k++)
		for (int j = 0; j < 2; j++)
			if (read(p[k].done[0], &c, 1) != 1)
				die("%s: a task did not finish", name);
	end(&ph, (long)pairs * n, 0);
	for (int k = 0; k < nt; k++)
		pthread_join(t[k], NULL);
	for (int k = 0; k < np; k++) {
		int st;

		if (waitpid(pid[k], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			die("%s: a child failed", name);
	}
	for (int k = 0; k < pairs; k++) {
		int *fds[] = { p[k].a, p[k].b, p[k].go, p[k].done };

		for (int j = 0; j < 4; j++) {
			close(fds[j][0]);
			close(fds[j][1]);
		}
	}
}

/*
 * Phase @id: @n children, one at a time, each running @child and exiting
 * with its status; each mm ran on at most every CPU, and its last one
 * sends no IPI.
 */
static void exits(int id, const char *name, long n, int (*child)(void))
{
	struct phase ph;

	begin(&ph, id, name);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		int st;

		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (!pid)
			_exit(child());
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			die("%s: a child failed", name);
	}
	end(&ph, n, ncpus - 1);
}

/* fork, exec /bin/true, exit */
static int exec_true(void)
{
	execl("/bin/true", "true", (char *)NULL);
	return 127;
}

/* run on every CPU in turn, then exit */
static int visit_cpus(void)
{
	for (int c = 0; c < ncpus; c++)
		pin(c);
	return 0;
}

static void storm(int id, long n)
{
	exits(id, "fork_exec_exit", n, exec_true);
}

static void migrate(int id, long n)
{
	exits(id, "migrate_exit", n, visit_cpus);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "counts";
	long scale = argc > 2 ? atol(argv[2]) : 1;

	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (scale < 1)
		die("scale %s: a positive number", argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(marks, 0, sizeof(marks));
	printf("bench: start mode=%s scale=%ld cpus=%d\n", mode, scale, ncpus);
	if (!strcmp(mode, "plugin-test") || !strcmp(mode, "smoke")) {
		plugin_test(1);
		plugin_test(2);
		if (!strcmp(mode, "smoke")) {
			kbench_load();
			round_trips(10, 0, 200 * scale);
		}
	} else if (!strcmp(mode, "counts")) {
		static const int npairs[] = { 1, 2, 4, 8 };
		char name[32];

		plugin_test(1);
		kbench_load();
		round_trips(10, 0, 2000 * scale);
		round_trip_batches(100, 200, 10);
		for (int k = 0; k < 4; k++) {
			if (npairs[k] > ncpus)
				break;
			snprintf(name, sizeof(name), "pipe_procs_%d", npairs[k]);
			pingpong(20 + k, strdup(name), 0, npairs[k], 2000 * scale);
			snprintf(name, sizeof(name), "pipe_threads_%d", npairs[k]);
			pingpong(30 + k, strdup(name), 1, npairs[k], 2000 * scale);
		}
		storm(40, 50 * scale);
		migrate(41, 50 * scale);
	} else if (!strcmp(mode, "scan")) {
		storm(40, 50 * scale);
		migrate(41, 50 * scale);
	} else if (!strcmp(mode, "time")) {
		kbench_load();
		pin(0);
		for (long r = 0; r < scale; r++) {
			long n = 0;
			double t0 = now(), t;

			do {
				for (int i = 0; i < 1000; i++)
					kbench('r');
				n += 1000;
				t = now();
			} while (t - t0 < 2.0);
			printf("bench: time round=%ld round_trips=%ld seconds=%.3f per_sec=%.0f\n",
			       r, n, t - t0, n / (t - t0));
		}
	} else {
		die("unknown mode '%s' (plugin-test, smoke, counts, scan, time)", mode);
	}
	printf("bench: done\n");
	return 0;
}
