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
 *   lazytlb-bench plugin-test       counts known exactly: instructions,
 *                                   atomics, barriers, and the coherence
 *                                   model's transfers and misses
 *   lazytlb-bench smoke [SCALE]     that, and a few round trips (make check)
 *   lazytlb-bench counts [SCALE]    all counted workloads
 *   lazytlb-bench wide [SCALE]      the context switches and exits only
 *   lazytlb-bench scan [SCALE]      the exit workloads only (make bench's
 *                                   per-free costs at several -smp)
 *   lazytlb-bench time ROUNDS       round trips per second, ROUNDS times
 * A third argument, PARAMS with ':' for ' ', goes to the module
 * (record=ADDR:csq=ADDR:cfd=ADDR: the per-CPU lines it watches).
 *
 * The round trips and the watched lines need lazytlb_kbench.ko next to
 * this program; it is loaded with finit_module().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
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
}

/*
 * Exactly known user barriers: 3 DMB, 2 DSB, 1 ISB, 4 LDAR, 5 STLR and
 * 6 LDAPR between the markers of phase @id.
 */
static void barrier_test(int id)
{
	static uint64_t word __attribute__((aligned(64)));
	uint64_t *w = &word;

	pin(0);
	word = 0;
	asm volatile(
		"	.arch_extension rcpc\n"
		"	stclrb	wzr, [%[b]]\n"
		"	b	1f\n"
		"1:	dmb	ish\n	dmb ishld\n	dmb ishst\n"
		"	dsb	ish\n	dsb sy\n"
		"	isb\n"
		"	ldar	x10, [%[w]]\n	ldar x10, [%[w]]\n	ldarb w10, [%[w]]\n	ldarh w10, [%[w]]\n"
		"	stlr	x10, [%[w]]\n	stlr x10, [%[w]]\n	stlr w10, [%[w]]\n	stlrb w10, [%[w]]\n	stlrh w10, [%[w]]\n"
		"	ldapr	x10, [%[w]]\n	ldapr x10, [%[w]]\n	ldapr x10, [%[w]]\n	ldapr w10, [%[w]]\n	ldaprb w10, [%[w]]\n	ldaprh w10, [%[w]]\n"
		"	b	2f\n"
		"2:	steorb	wzr, [%[b]]\n"
		"	b	3f\n"
		"3:\n"
		: : [b] "r" (marks + id), [w] "r" (w) : "x10", "memory");
	printf("bench: plugin-test phase=%d expect user_dmb=3 user_dsb=2 user_isb=1 user_ldar=4 user_stlr=5 user_ldapr=6\n",
	       id);
}

/*
 * The coherence model, exactly: lines of class 'test' (watched with
 * 'stumaxb wzr, [marks + 5]; stsetb wzr, [line]'), touched only by the
 * threads below between the markers; their synchronisation uses other,
 * unwatched lines.
 */
#define W_TEST		5
#define ROUNDS_XFER	100
#define READS_EACH	20

static struct {
	uint64_t alt[8], shared[8], priv[8];	/* one line each */
	volatile int turn __attribute__((aligned(64)));
	volatile int ready __attribute__((aligned(64)));
	volatile int go __attribute__((aligned(64)));
	volatile int done __attribute__((aligned(64)));
} ct __attribute__((aligned(64)));

static void watch_test(void *addr)
{
	asm volatile("stumaxb wzr, [%0]\n	stsetb wzr, [%1]"
		     : : "r" (marks + W_TEST), "r" (addr) : "memory");
}

struct ct_arg {
	int cpu, role;
};

/*
 * Wait in the kernel, not spinning: with one host thread running the
 * vCPUs in turn, a spinning vCPU keeps its turn until the next timer.
 */
static void ct_wait(volatile int *v, int want)
{
	int cur;

	while ((cur = __atomic_load_n(v, __ATOMIC_ACQUIRE)) != want)
		syscall(SYS_futex, v, FUTEX_WAIT_PRIVATE, cur, NULL, NULL, 0);
}

static void ct_set(volatile int *v, int val)
{
	__atomic_store_n(v, val, __ATOMIC_RELEASE);
	syscall(SYS_futex, v, FUTEX_WAKE_PRIVATE, 64, NULL, NULL, 0);
}

static void ct_inc(volatile int *v)
{
	__atomic_add_fetch(v, 1, __ATOMIC_ACQ_REL);
	syscall(SYS_futex, v, FUTEX_WAKE_PRIVATE, 64, NULL, NULL, 0);
}

/* What the two alternating roles do to ct.alt on their turn. */
enum { CT_STORE, CT_LOAD_STORE, CT_LDADD };
static int ct_op;
static volatile uint64_t *ct_read;	/* what the readers read */

/* role 0 and 1: alternate on ct.alt; 2..: read *ct_read. */
static void *ct_thread(void *arg)
{
	struct ct_arg *a = arg;
	volatile uint64_t *alt = ct.alt;
	uint64_t sum = 0;

	pin(a->cpu);
	if (a->role == 0)
		*alt = 1;	/* vCPU of role 0 owns the line before the phase */
	ct_inc(&ct.ready);
	ct_wait(&ct.go, 1);
	if (a->role < 2) {
		for (int r = 0; r < ROUNDS_XFER; r++) {
			ct_wait(&ct.turn, 2 * r + 1 - a->role);
			switch (ct_op) {
			case CT_STORE:
				*alt = r;
				break;
			case CT_LOAD_STORE:
				*alt = *alt + 1;
				break;
			case CT_LDADD:
				asm volatile("ldadd %x1, xzr, [%0]"
					     : : "r" (alt), "r" (1UL) : "memory");
				break;
			}
			ct_set(&ct.turn, 2 * r + 2 - a->role);
		}
	} else {
		for (int r = 0; r < READS_EACH; r++)
			sum += *ct_read;
	}
	ct_inc(&ct.done);
	return (void *)(uintptr_t)sum;
}

static int ct_start(struct ct_arg *args, pthread_t *t, int nt)
{
	ct.turn = ct.ready = ct.go = ct.done = 0;
	for (int k = 0; k < nt; k++)
		if (pthread_create(&t[k], NULL, ct_thread, &args[k]))
			die("pthread_create");
	ct_wait(&ct.ready, nt);
	return nt;
}

static void ct_run(int id, int nt)
{
	mark(id, 0);
	ct_set(&ct.go, 1);
	ct_wait(&ct.done, nt);
}

/*
 * Phases @id .. @id + 2: vCPUs 0 and 1 take turns on one line, vCPU 1
 * first, 2 * ROUNDS_XFER turns: stores (a transfer each), loads then
 * stores (a miss and a transfer each), LDADD (a transfer each: QEMU's
 * load and store callbacks of one atomic take the line once).
 */
static void coherence_pingpong(int id)
{
	static const int op[] = { CT_STORE, CT_LOAD_STORE, CT_LDADD };
	static const int miss[] = { 0, 2 * ROUNDS_XFER, 0 };
	struct ct_arg args[2] = { { .cpu = 0, .role = 0 }, { .cpu = 1, .role = 1 } };
	pthread_t t[2];

	for (int k = 0; k < 3; k++) {
		ct_op = op[k];
		ct_start(args, t, 2);
		ct_run(id + k, 2);
		mark(id + k, 1);
		for (int j = 0; j < 2; j++)
			pthread_join(t[j], NULL);
		printf("bench: plugin-test phase=%d expect xfer_test=%d miss_test=%d\n",
		       id + k, 2 * ROUNDS_XFER, miss[k]);
	}
}

/*
 * The coherence model, exactly: lines of class 'test' (watched with
 * 'stumaxb wzr, [marks + 5]; stsetb wzr, [line]'), touched only by the
 * threads below between the markers; their synchronisation uses other,
 * unwatched lines, and futexes. Phases @id .. @id + 5.
 */
static void coherence_test(int id)
{
	int nread = ncpus - 1 > 3 ? 3 : ncpus - 1;
	struct ct_arg args[4];
	pthread_t t[4];
	volatile uint64_t *one, *two;
	int fd;

	if (ncpus < 2)
		die("coherence test: needs 2 CPUs");
	memset(&ct, 0, sizeof(ct));
	watch_test(ct.alt);
	watch_test(ct.shared);
	watch_test(ct.priv);
	coherence_pingpong(id);

	/* phase id + 3: a line vCPU 0 wrote, read by vCPUs 1 .. n, then
	 * written by vCPU 0 again: n misses, one transfer */
	pin(0);
	*(volatile uint64_t *)ct.shared = 42;
	ct_read = ct.shared;
	for (int r = 0; r < nread; r++)
		args[r] = (struct ct_arg){ .cpu = r + 1, .role = 2 };
	ct_start(args, t, nread);
	ct_run(id + 3, nread);
	*(volatile uint64_t *)ct.shared = 43;
	mark(id + 3, 1);
	for (int k = 0; k < nread; k++)
		pthread_join(t[k], NULL);
	printf("bench: plugin-test phase=%d expect xfer_test=1 miss_test=%d\n", id + 3, nread);

	/* phase id + 4: vCPU 0 reads and writes its own line: nothing */
	*(volatile uint64_t *)ct.priv = 0;
	mark(id + 4, 0);
	for (int r = 0; r < 100; r++)
		((volatile uint64_t *)ct.priv)[r % 8] += r;
	mark(id + 4, 1);
	printf("bench: plugin-test phase=%d expect xfer_test=0 miss_test=0\n", id + 4);

	/* phase id + 5: one page mapped twice; vCPU 0 writes through one
	 * mapping, vCPU 1 reads through the other: one miss (the model
	 * keys lines by physical address) */
	fd = memfd_create("lazytlb-bench", 0);
	if (fd < 0 || ftruncate(fd, 4096))
		die("memfd: %s", strerror(errno));
	one = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	two = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (one == MAP_FAILED || two == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	close(fd);
	*one = 1;	/* fault both in on vCPU 0 */
	(void)*two;
	watch_test((void *)one);
	ct_read = two;
	args[0] = (struct ct_arg){ .cpu = 1, .role = 2 };
	ct_start(args, t, 1);
	*one = 2;
	ct_run(id + 5, 1);
	mark(id + 5, 1);
	pthread_join(t[0], NULL);
	printf("bench: plugin-test phase=%d expect xfer_test=0 miss_test=1\n", id + 5);
	munmap((void *)one, 4096);
	munmap((void *)two, 4096);
}

static int kbench_fd = -1;
static const char *kbench_params = "";

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
	if (syscall(SYS_finit_module, fd, kbench_params, 0) && errno != EEXIST)
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

/*
 * A workload that watches no mm line of its own: the lines watched for an
 * earlier one (their mm_structs freed and maybe reused) are not its own.
 */
static void watch_no_mm(void)
{
	if (kbench_fd >= 0)
		kbench('f');
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
 * will-it-scale's context_switch1: @pairs pairs, pair k's two ends on CPUs
 * 2k and 2k + 1, so that each end's CPU goes idle while the other runs:
 * every switch goes through the idle task, which borrows the mm lazily.
 * Each task pins itself and says so on its pair's 'done' pipe, the phase
 * begins, each pair starts when the parent writes to its 'go' pipe and
 * reports on 'done' again when through: the phase counts the ping-pong,
 * not the forks, migrations and exits around it, and no two pairs share a
 * pipe (whose mutex would have tasks on other CPUs spin for as long as the
 * host takes).
 */
static int threads_mode;

struct pair {
	int a[2], b[2], go[2], done[2], cpu[2];
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

/* Through: say so, then wait to be let go after the phase has ended. */
static void report_done(struct pair *p)
{
	char c = 0;

	if (write(p->done[1], &c, 1) != 1)
		die("write done: %s", strerror(errno));
	if (read(p->go[0], &c, 1) != 1)
		die("read go: %s", strerror(errno));
}

static void *pong(void *arg)
{
	struct pair *p = arg;
	char c;

	pin(p->cpu[1]);
	if (!threads_mode)
		kbench('M');
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

	pin(p->cpu[0]);
	if (!threads_mode)
		kbench('M');
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
		p[k].cpu[0] = (2 * k) % ncpus;
		p[k].cpu[1] = (2 * k + 1) % ncpus;
		p[k].n = n;
	}
	threads_mode = threads;
	/* the pairs' mm_count lines: the threads' one mm, or each process's */
	kbench(threads ? 'm' : 'f');
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
	/* the tasks exit (and processes free their mm) after the phase */
	for (int k = 0; k < pairs; k++)
		if (write(p[k].go[1], "gg", 2) != 2)
			die("%s: write go: %s", name, strerror(errno));
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
 * with its status, then @settle_us of quiet: each mm ran on at most every
 * CPU, and its last one sends no IPI. A process that had threads is freed
 * later than its exit: its private futex hash holds the mm until an RCU
 * grace period has passed (futex_ref_drop(), mmput_async()); without the
 * pause the next child would already have taken the CPUs.
 */
static long settle_us;

static void exits(int id, const char *name, long n, int (*child)(void))
{
	struct phase ph;

	watch_no_mm();
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
		if (settle_us)
			usleep(settle_us);
	}
	end(&ph, n, ncpus - 1);
}

/*
 * Phase @id: @workers processes, unpinned, each doing @n / @workers
 * fork/exec/exit of /bin/true at once.
 */
static void exits_parallel(int id, const char *name, long n, int workers)
{
	struct phase ph;
	pid_t pid[64];

	watch_no_mm();
	begin(&ph, id, name);
	for (int w = 0; w < workers; w++) {
		pid[w] = fork();
		if (pid[w] < 0)
			die("fork: %s", strerror(errno));
		if (!pid[w]) {
			for (long i = 0; i < n / workers; i++) {
				pid_t c = fork();
				int st;

				if (c < 0)
					_exit(1);
				if (!c) {
					execl("/bin/true", "true", (char *)NULL);
					_exit(127);
				}
				if (waitpid(c, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int w = 0; w < workers; w++) {
		int st;

		if (waitpid(pid[w], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			die("%s: a worker failed", name);
	}
	/* the workers exit too: n / workers * workers children and workers */
	end(&ph, n / workers * workers + workers, ncpus - 1);
}

/* A thread per CPU, each pinned there, spins a little; then all exit. */
static void *threads_spin(void *arg)
{
	pin((int)(intptr_t)arg);
	for (volatile int i = 0; i < 2000; i++)
		;
	return NULL;
}

static int threads_everywhere(void)
{
	pthread_t t[64];

	for (int c = 0; c < ncpus; c++)
		if (pthread_create(&t[c], NULL, threads_spin, (void *)(intptr_t)c))
			return 1;
	for (int c = 0; c < ncpus; c++)
		pthread_join(t[c], NULL);
	return 0;
}

/*
 * Phase @id: threads_everywhere() @n times, each time followed by a
 * helper process pinned to every CPU that runs there once (another mm)
 * before the process exits: no CPU stays lazily on the exiting mm.
 */
static int helper_pipe[64][2], ack_pipe[2];

static int threads_then_helpers(void)
{
	char c = 0;

	if (threads_everywhere())
		return 1;
	for (int k = 0; k < ncpus; k++)
		if (write(helper_pipe[k][1], &c, 1) != 1)
			return 1;
	for (int k = 0; k < ncpus; k++)
		if (read(ack_pipe[0], &c, 1) != 1)
			return 1;
	return 0;
}

static void threads_exit_busy(int id, long n)
{
	pid_t helper[64];
	char c;

	if (pipe(ack_pipe))
		die("pipe: %s", strerror(errno));
	for (int k = 0; k < ncpus; k++) {
		if (pipe(helper_pipe[k]))
			die("pipe: %s", strerror(errno));
		helper[k] = fork();
		if (helper[k] < 0)
			die("fork: %s", strerror(errno));
		if (!helper[k]) {
			/* no write end of its own or an earlier pipe: EOF ends it */
			for (int j = 0; j <= k; j++)
				close(helper_pipe[j][1]);
			close(ack_pipe[0]);
			pin(k);
			while (read(helper_pipe[k][0], &c, 1) == 1)
				if (write(ack_pipe[1], &c, 1) != 1)
					_exit(1);
			_exit(0);
		}
	}
	settle_us = 100000;
	exits(id, "threads_exit_busy", n, threads_then_helpers);
	settle_us = 0;
	for (int k = 0; k < ncpus; k++) {
		close(helper_pipe[k][1]);
		waitpid(helper[k], NULL, 0);
		close(helper_pipe[k][0]);
	}
	close(ack_pipe[0]);
	close(ack_pipe[1]);
}

/*
 * tlb_flush2_threads-style: a thread per CPU maps, touches and unmaps
 * 64 KiB @n times in one mm: TLB invalidation, no lazy switch needed.
 */
static long munmap_rounds;

static void *munmap_thread(void *arg)
{
	pin((int)(intptr_t)arg);
	for (long i = 0; i < munmap_rounds; i++) {
		char *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap: %s", strerror(errno));
		for (int k = 0; k < 65536; k += 4096)
			p[k] = 1;
		munmap(p, 65536);
	}
	return NULL;
}

static void munmap_storm(int id, long n)
{
	pthread_t t[64];
	struct phase ph;

	munmap_rounds = n;
	watch_no_mm();
	begin(&ph, id, "munmap_threads");
	for (int c = 0; c < ncpus; c++)
		if (pthread_create(&t[c], NULL, munmap_thread, (void *)(intptr_t)c))
			die("pthread_create");
	for (int c = 0; c < ncpus; c++)
		pthread_join(t[c], NULL);
	end(&ph, n * ncpus, 0);
}

/* fork, exec /bin/true, exit */
static int exec_true(void)
{
	execl("/bin/true", "true", (char *)NULL);
	return 127;
}


static void storm(int id, long n)
{
	exits(id, "fork_exec_exit", n, exec_true);
}


/* Phases 40 to 43: the workloads that free mms. */
static void exit_workloads(long scale)
{
	storm(40, 20 * scale);
	exits_parallel(41, "fork_exec_exit_par", 20 * scale * ncpus, ncpus);
	settle_us = 100000;
	exits(42, "threads_exit_idle", 20 * scale, threads_everywhere);
	settle_us = 0;
	threads_exit_busy(43, 20 * scale);
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
	/*
	 * Nothing leaves the guest until the end (or an error): output
	 * written while the workloads run would end in interrupts from the
	 * console device at host-timed moments, and the counts would no
	 * longer repeat from boot to boot.
	 */
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	memset(marks, 0, sizeof(marks));
	printf("bench: start mode=%s scale=%ld cpus=%d\n", mode, scale, ncpus);
	if (argc > 3) {
		char *p = strdup(argv[3]);

		for (char *q = p; *q; q++)
			if (*q == ':')
				*q = ' ';
		kbench_params = p;
	}
	if (ncpus > 64)
		die("at most 64 CPUs, not %d", ncpus);
	if (!strcmp(mode, "plugin-test") || !strcmp(mode, "smoke")) {
		plugin_test(1);
		plugin_test(2);
		barrier_test(3);
		coherence_test(4);
		if (!strcmp(mode, "smoke")) {
			kbench_load();
			round_trips(10, 0, 200 * scale);
		}
	} else if (!strcmp(mode, "counts") || !strcmp(mode, "wide")) {
		int wide = !strcmp(mode, "wide");
		char name[32];
		int k = 0;

		if (!wide) {
			plugin_test(1);
			barrier_test(3);
			coherence_test(4);
		}
		kbench_load();
		if (!wide)
			round_trips(10, 0, 500 * scale);
		for (int pairs = 1; pairs <= ncpus / 2 && k < 10; pairs *= 2, k++) {
			snprintf(name, sizeof(name), "cs1_threads_%d", pairs);
			pingpong(20 + k, strdup(name), 1, pairs, 500 * scale);
			snprintf(name, sizeof(name), "cs1_procs_%d", pairs);
			pingpong(30 + k, strdup(name), 0, pairs, 500 * scale);
		}
		exit_workloads(scale);
		if (!wide)
			munmap_storm(50, 10 * scale);
	} else if (!strcmp(mode, "scan")) {
		kbench_load();	/* the watched lines */
		exit_workloads(scale);
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
		die("unknown mode '%s' (plugin-test, smoke, counts, wide, scan, time)", mode);
	}
	printf("bench: done\n");
	return 0;
}
