// SPDX-License-Identifier: GPL-2.0
/*
 * cow-lost-write.c - a store lost across fork()'s copy-on-write, in user
 * space alone: no kernel thread, no module, nothing of the lazy TLB series.
 *
 * Usage: cow-lost-write [SECONDS (default 20)]
 *
 * One writer thread per CPU but the first, each pinned, stores an
 * increasing count into its own word of one private anonymous page and,
 * before the next store, checks that the word still holds the last one.
 * The main thread, on the first CPU, forks again and again; each child
 * exits at once. Every fork write-protects the page and flushes the TLBs
 * of the CPUs the threads run on; the first writer to store after it
 * copies the page (the child still maps the old one) and the others store
 * into the copy. A CPU that kept a writable translation of the old page
 * after the fork's flush completed stores into the page the child got:
 * the writer's next check finds its own store gone.
 *
 * On a machine that keeps the architecture's TLB rules no store is lost.
 * It prints "forks=N checks=N lost=N" and exits 1 when a store was lost.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WRITERS 64

static volatile unsigned long *page;
static atomic_int stop;
static unsigned long checks[MAX_WRITERS], lost[MAX_WRITERS];

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(2);
	}
}

static void *writer(void *arg)
{
	long w = (long)arg;
	volatile unsigned long *slot = page + w;
	unsigned long i = 0;

	pin(w + 1);
	*slot = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (*slot != i) {
			lost[w]++;
			fprintf(stderr, "# writer %ld on cpu %d: stored %lu, read back %lu\n",
				w, sched_getcpu(), i, *slot);
		}
		*slot = ++i;
		checks[w]++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 20;
	long ncpu, w, nw;
	unsigned long forks = 0, nchecks = 0, nlost = 0;
	pthread_t t[MAX_WRITERS];
	struct timespec start, now;
	cpu_set_t all;

	/* The CPUs it may run on: no /sys needed (it can run as init). */
	if (sched_getaffinity(0, sizeof(all), &all)) {
		perror("sched_getaffinity");
		return 2;
	}
	ncpu = CPU_COUNT(&all);
	nw = ncpu - 1;
	if (nw < 2 || nw > MAX_WRITERS || secs < 1) {
		fprintf(stderr, "needs 3 to %d CPUs (has %ld) and SECONDS >= 1\n",
			MAX_WRITERS + 1, ncpu);
		return 2;
	}
	page = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	pin(0);
	for (w = 0; w < nw; w++)
		if (pthread_create(&t[w], NULL, writer, (void *)w)) {
			perror("pthread_create");
			return 2;
		}
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
			perror("fork");
			return 2;
		}
		forks++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < secs);
	atomic_store(&stop, 1);
	for (w = 0; w < nw; w++) {
		pthread_join(t[w], NULL);
		nchecks += checks[w];
		nlost += lost[w];
	}
	printf("cow-lost-write: cpus=%ld forks=%lu checks=%lu lost=%lu\n",
	       ncpu, forks, nchecks, nlost);
	return nlost ? 1 : 0;
}
