// SPDX-License-Identifier: GPL-2.0
/*
 * init.c - PID 1 of the test guest.
 *
 * Mounts the pseudo file systems, installs busybox's applets, runs the
 * kselftests named in /etc/kselftest-args with the kernel's own
 * run_kselftest.sh and copies their KTAP output to the console and to the
 * virtio console /dev/hvc0 (the host parses the latter; harness_ktap
 * names another), then powers off.
 * After each test's result line it adds "# harness: time COLL: TEST: N s".
 * The tests of /etc/kselftest-isolated (those whose kernel reports are
 * expected: selftests/expect-reports) run after the others, each on its
 * own, after "# harness: isolated TEST" in the KTAP and between "harness:
 * begin TEST" and "harness: end TEST" lines in the kernel log, which tell
 * scripts/results.py which reports were printed during that test.
 * Before the tests it copies the kernel log to /dev/hvc1 (boot messages).
 *
 * Kernel command line switches (passed to init as environment):
 *   harness=shell          start an interactive shell instead of the tests
 *   harness_tests=A:B,C:D  run these tests instead of /etc/kselftest-args
 *   harness_run=DIR/PROG   run /kselftest/DIR/PROG instead (make bench)
 *   harness_args=A,B,C     with harness_run: its arguments (make quick)
 *   harness_repeat=N       run the tests N times (1 to 9) in this boot, each
 *                          pass after a line "# harness: run K of N"
 *   harness_soak=SECS      run the tests again and again until SECS seconds
 *                          have passed (at most 99 passes), each pass after
 *                          a line "# harness: run K of soak" (make soak)
 *   harness_ktap=DEV       the KTAP's virtio console instead of /dev/hvc0,
 *   harness_klog=DEV       the boot log's instead of /dev/hvc1 (on pseries
 *                          the console itself is hvc0)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/klog.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 256

static int tap_fd = -1;

/* Copy @buf to the console and, once it is open, to the KTAP channel. */
static void tee_write(const char *buf, size_t n)
{
	if (write(STDOUT_FILENO, buf, n) < 0)
		return;
	if (tap_fd >= 0 && write(tap_fd, buf, n) < 0)
		return;
}

static void out(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	tee_write(buf, n);
}

/*
 * A line in the kernel log. /dev/kmsg is opened for each line: a writer
 * gets 10 lines per 5 s per open file, and drops the rest silently.
 */
static void kmsg(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1) < 0)
		out("# harness: cannot write to /dev/kmsg: %s\n", strerror(errno));
	close(fd);
}

/* Counters the kernel's debug options keep, as comments after the run. */
static void dump_stats(const char *name)
{
	char path[128], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s", name);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		out("# harness: %s: %s\n", name, line);
	}
	fclose(f);
}

/*
 * The kernel log so far, all levels (the console shows only those below
 * loglevel), to the second virtio console /dev/hvc1 if there is one: the
 * host checks the boot messages there (CPU features, EFI).
 */
static void save_boot_log(void)
{
	static char buf[1 << 20];
	const char *dev = getenv("harness_klog") ?: "/dev/hvc1";
	int fd, n;

	fd = open(dev, O_WRONLY | O_NOCTTY);
	if (fd < 0)
		return;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf));
	if (n > 0 && write(fd, buf, n) < 0)
		out("# harness: %s: %s\n", dev, strerror(errno));
	fsync(fd);
	close(fd);
}

static void do_mount(const char *src, const char *dst, const char *type)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, 0, NULL) && errno != EBUSY)
		out("# harness: mount %s on %s: %s\n", type, dst, strerror(errno));
}

static int run(char *const argv[], int out_fd)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (out_fd >= 0) {
			dup2(out_fd, STDOUT_FILENO);
			dup2(out_fd, STDERR_FILENO);
			close(out_fd);
		}
		execv(argv[0], argv);
		fprintf(stderr, "# harness: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Split the contents of @path into words (one argument per line). */
/*
 * The lines of @path that are neither empty nor comments, read into @buf:
 * how many (at most @max, in @argv), or -1 if it cannot be read.
 */
static int read_lines(const char *path, char *buf, size_t size, char **argv, int max)
{
	int fd, n, argc = 0;
	char *s, *save;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	for (s = strtok_r(buf, "\n", &save); s && argc < max;
	     s = strtok_r(NULL, "\n", &save))
		if (*s && *s != '#')
			argv[argc++] = s;
	return argc;
}

static int read_args(const char *path, char **argv, int max)
{
	static char buf[16384];

	return read_lines(path, buf, sizeof(buf), argv, max);
}

/* The comma-separated words of @list. */
static int split_words(char *list, char **argv, int max)
{
	char *s, *save;
	int argc = 0;

	for (s = strtok_r(list, ",", &save); s && argc < max;
	     s = strtok_r(NULL, ",", &save))
		argv[argc++] = s;
	return argc;
}

/* "-t" and a test for each comma-separated COLLECTION:TEST of @list. */
static int split_tests(char *list, char **argv, int max)
{
	char *s, *save;
	int argc = 0;

	for (s = strtok_r(list, ",", &save); s && argc + 2 <= max;
	     s = strtok_r(NULL, ",", &save)) {
		argv[argc++] = "-t";
		argv[argc++] = s;
	}
	return argc;
}

static struct timespec test_start;

#define MAX_ISOLATED 32

/* The tests of /etc/kselftest-isolated, one per line (there may be none). */
static int read_isolated(char **tests, int max)
{
	static char buf[4096];
	int nr = read_lines("/etc/kselftest-isolated", buf, sizeof(buf), tests, max);

	return nr < 0 ? 0 : nr;
}

/*
 * After each top-level result line of run_kselftest.sh ("ok N selftests:
 * COLL: TEST", or "not ok"), a comment with the seconds the test took.
 */
static void time_line(const char *line)
{
	const char *name = line;
	struct timespec now;
	int len;

	if (!strncmp(name, "not ", 4))
		name += 4;
	if (strncmp(name, "ok ", 3))
		return;
	name = strstr(name, " selftests: ");
	if (!name)
		return;
	name += strlen(" selftests: ");
	len = strcspn(name, "#\n");
	while (len > 0 && name[len - 1] == ' ')
		len--;
	clock_gettime(CLOCK_MONOTONIC, &now);
	out("# harness: time %.*s: %ld s\n", len, name,
	    (long)(now.tv_sec - test_start.tv_sec));
	test_start = now;
}

/* Feed the output, a piece at a time, to time_line() a line at a time. */
static void scan_lines(const char *buf, size_t n)
{
	static char line[512];
	static size_t len;
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = buf[i];
			continue;
		}
		line[len] = '\0';
		time_line(line);
		len = 0;
	}
}

/*
 * Run the tests with their output on a pipe, and copy every byte to the
 * console and to the KTAP channel.
 */
static int run_tests(char **argv)
{
	int pfd[2], status;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		close(pfd[1]);
		if (chdir("/kselftest"))
			_exit(127);
		execv(argv[0], argv);
		printf("# harness: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	clock_gettime(CLOCK_MONOTONIC, &test_start);
	while ((n = read(pfd[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		tee_write(buf, n);
		scan_lines(buf, n);
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Each test of @tests on its own, in a run_kselftest.sh of its own, between
 * "harness: begin TEST" and "harness: end TEST" in the kernel log.
 */
static void run_isolated(char **tests, int n)
{
	char *argv[] = { "/kselftest/run_kselftest.sh", "-t", NULL, NULL };
	int i, rc;

	for (i = 0; i < n; i++) {
		argv[2] = tests[i];
		out("# harness: isolated %s\n", tests[i]);
		kmsg("harness: begin %s\n", tests[i]);
		rc = run_tests(argv);
		kmsg("harness: end %s\n", tests[i]);
		if (rc)
			out("# harness: run_kselftest.sh -t %s exit %d\n", tests[i], rc);
	}
}

int main(void)
{
	char *install[] = { "/bin/busybox", "--install", "-s", "/bin", NULL };
	char *shell[] = { "/bin/sh", NULL };
	char *argv[MAX_ARGS + 2];
	const char *mode = getenv("harness");
	const char *tap_dev = getenv("harness_ktap") ?: "/dev/hvc0";
	struct timespec start, t0, t1;
	char *isolated[MAX_ISOLATED];
	int argc, rc, pass, repeat = 1, nisolated = 0;
	long soak = 0;

	do_mount("proc", "/proc", "proc");
	do_mount("sysfs", "/sys", "sysfs");
	do_mount("devtmpfs", "/dev", "devtmpfs");
	do_mount("debugfs", "/sys/kernel/debug", "debugfs");
	do_mount("cgroup2", "/sys/fs/cgroup", "cgroup2");
	do_mount("tmpfs", "/tmp", "tmpfs");
	do_mount("tmpfs", "/run", "tmpfs");
	/* devtmpfs has no /dev/fd or /dev/std*; kselftest's runner writes to /dev/stdout. */
	symlink("/proc/self/fd", "/dev/fd");
	symlink("/proc/self/fd/0", "/dev/stdin");
	symlink("/proc/self/fd/1", "/dev/stdout");
	symlink("/proc/self/fd/2", "/dev/stderr");
	if (fcntl(STDOUT_FILENO, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR);

		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
	}
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	setenv("TERM", "vt100", 1);
	run(install, -1);

	if (mode && !strcmp(mode, "shell")) {
		run(shell, -1);
		goto off;
	}

	save_boot_log();
	tap_fd = open(tap_dev, O_WRONLY | O_NOCTTY);
	if (tap_fd < 0)
		out("# harness: no %s (%s): KTAP on the console only\n",
		    tap_dev, strerror(errno));

	argv[0] = "/kselftest/run_kselftest.sh";
	if (getenv("harness_run")) {
		/* One program of /kselftest instead of the tests (make bench). */
		argv[0] = getenv("harness_run");
		argc = 0;
		if (getenv("harness_args"))
			argc = split_words(getenv("harness_args"), argv + 1, MAX_ARGS);
	} else if (getenv("harness_tests"))
		argc = split_tests(getenv("harness_tests"), argv + 1, MAX_ARGS);
	else {
		argc = read_args("/etc/kselftest-args", argv + 1, MAX_ARGS);
		nisolated = read_isolated(isolated, MAX_ISOLATED);
	}
	if (argc < 0) {
		out("# harness: cannot read /etc/kselftest-args\n");
		goto off;
	}
	argv[argc + 1] = NULL;

	if (getenv("harness_repeat"))
		repeat = atoi(getenv("harness_repeat"));
	if (repeat < 1 || repeat > 9) {
		out("# harness: harness_repeat=%s: not a count from 1 to 9\n",
		    getenv("harness_repeat"));
		goto off;
	}
	if (getenv("harness_soak")) {
		soak = atol(getenv("harness_soak"));
		if (soak < 1) {
			out("# harness: harness_soak=%s: not a number of seconds\n",
			    getenv("harness_soak"));
			goto off;
		}
		repeat = 99;
	}
	out("# harness: start\n");
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (pass = 1; pass <= repeat; pass++) {
		if (soak)
			out("# harness: run %d of soak\n", pass);
		else if (repeat > 1)
			out("# harness: run %d of %d\n", pass, repeat);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = argc || !nisolated ? run_tests(argv) : 0;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		out("# harness: run_kselftest.sh exit %d after %ld s\n", rc,
		    (long)(t1.tv_sec - t0.tv_sec));
		run_isolated(isolated, nisolated);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (soak && t1.tv_sec - start.tv_sec >= soak)
			break;
	}
	if (soak)
		out("# harness: soak: %d passes in %ld s\n", pass > repeat ? repeat : pass,
		    (long)(t1.tv_sec - start.tv_sec));
	dump_stats("active_mm/violations");
	dump_stats("active_mm/lazy_refs");
	dump_stats("arm64_asid/bits");
	dump_stats("arm64_asid/rollovers");
	out("# harness: done\n");
off:
	sync();
	if (tap_fd >= 0)
		fsync(tap_fd);
	reboot(RB_POWER_OFF);
	return 0;
}
