// SPDX-License-Identifier: GPL-2.0-only
/*
 * race_repro: a stand-alone reproducer for the two positive-control kernels
 * of tests/vm/patches/, without the harness.
 *
 *   race_repro [-m race|static] [-t SECONDS] [-n THREADS] [-s KIB]
 *
 * One cgroup, mmtorture-repro-<pid> (cpuset + memory, v2 or v1; it creates
 * and removes nothing else), memory.max 64 MiB.  A child joins it and runs
 * THREADS threads, each bound with set_mempolicy(MPOL_BIND) and looping:
 * mmap SIZE, MADV_POPULATE_WRITE, (static: where did the pages land?),
 * munmap.  MADV_POPULATE_WRITE turns a fault's VM_FAULT_OOM into ENOMEM
 * instead of the silent retry a plain touch gets, so each failed allocation
 * is counted.  Meanwhile the parent rewrites cpuset.mems through one held
 * fd as fast as it can:
 *   race:   policy {0,1}, mems 0-1, 1, 0, ...       (needs 2 memory nodes)
 *           a stock kernel never fails; race-widen-mems.patch makes some
 *           populates fail with ENOMEM although every node has free memory.
 *   static: policy MPOL_F_STATIC_NODES {1}, mems 0-1, 1, 0-1, ... (2 nodes)
 *           the documented rule keeps every page on node 1 (named by the
 *           user and allowed by every mems of the sequence);
 *           static-nodes-remap.patch remaps {1} by position: 0-1 -> 1
 *           keeps {1}, 1 -> 0-1 makes it {0}, so pages land on node 0.
 *           (A user mask {0,1} with mems 0-2/1-2 would not show it: the
 *           remapped {1,2} still starts with node 1, which BIND fills first.)
 * A child the OOM killer takes (oom_score_adj 1000; the parent is -1000)
 * counts as a failure and is replaced.
 * Prints one line of counts and a rate per minute.
 * Exit: 0 no failure seen, 1 the bug was seen, 2 usage, 77 cannot run here
 * (not root, no cpuset/memory controller, too few memory nodes, no
 * MADV_POPULATE_WRITE), 3 a setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define MPOL_BIND_	     2
#define MPOL_F_STATIC_NODES_ (1 << 15)
#define MAX_PAGES	     4096

struct shared {
	atomic_bool stop;
	atomic_ulong populates, enomem, other_err, pages, misplaced;
	atomic_int ready;
};
static unsigned long child_kills;

static struct shared *sh;
static int mode_static;
static size_t region;
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static void die77(const char *why)
{
	fprintf(stderr, "race_repro: SKIP: %s\n", why);
	exit(77);
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Highest memory node + 1 and count, from has_memory ("0-3", "0,2"). */
static int nr_memory_nodes(void)
{
	char buf[256], *p = buf;
	int n = 0;

	if (read_file("/sys/devices/system/node/has_memory", buf, sizeof(buf)) < 0)
		return 1;
	while (*p) {
		long a = strtol(p, &p, 10), b = a;

		if (*p == '-')
			b = strtol(p + 1, &p, 10);
		n += (int)(b - a + 1);
		if (*p == ',')
			p++;
		else
			break;
	}
	return n;
}

static void *worker(void *arg)
{
	unsigned long mask = mode_static ? 0x2 : 0x3; /* {1} or {0,1} */
	int flags = mode_static ? MPOL_F_STATIC_NODES_ : 0;
	size_t np = region / 4096;
	void **pages = calloc(np, sizeof(*pages));
	int *status = calloc(np, sizeof(*status));

	(void)arg;
	if (!pages || !status || syscall(SYS_set_mempolicy, MPOL_BIND_ | flags, &mask, 64) < 0) {
		perror("race_repro: set_mempolicy");
		atomic_fetch_add(&sh->other_err, 1);
		return NULL;
	}
	atomic_fetch_add(&sh->ready, 1);
	while (!atomic_load(&sh->stop)) {
		char *p =
		    mmap(NULL, region, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			atomic_fetch_add(&sh->other_err, 1);
			continue;
		}
		(void)madvise(p, region, MADV_NOHUGEPAGE);
		atomic_fetch_add(&sh->populates, 1);
		if (madvise(p, region, MADV_POPULATE_WRITE) < 0) {
			if (errno == ENOMEM)
				atomic_fetch_add(&sh->enomem, 1);
			else
				atomic_fetch_add(&sh->other_err, 1);
		} else if (mode_static) {
			unsigned long bad = 0;

			for (size_t i = 0; i < np; i++)
				pages[i] = p + i * 4096;
			if (syscall(SYS_move_pages, 0, np, pages, NULL, status, 0) == 0) {
				for (size_t i = 0; i < np; i++)
					if (status[i] >= 0 && status[i] != 1)
						bad++;
				atomic_fetch_add(&sh->pages, np);
				atomic_fetch_add(&sh->misplaced, bad);
			}
		}
		munmap(p, region);
	}
	free(pages);
	free(status);
	return NULL;
}

static int child_main(const char *const procs[], int nthreads)
{
	pthread_t th[64];
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	for (int i = 0; procs[i]; i++)
		if (write_file(procs[i], pid) < 0) {
			fprintf(stderr, "race_repro: cannot join %s: %s\n", procs[i],
				strerror(errno));
			return 3;
		}
	for (int i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	return 0;
}

static pid_t spawn_child(const char *const procs[], int nthreads)
{
	pid_t pid;

	atomic_store(&sh->ready, 0);
	pid = fork();
	if (pid == 0) {
		(void)write_file("/proc/self/oom_score_adj", "1000");
		_exit(child_main(procs, nthreads));
	}
	return pid;
}

int main(int argc, char **argv)
{
	int seconds = 60, nthreads = 4, opt, nodes, v2, rc = 0, status;
	size_t kib = 1024;
	char cs[256], mem[256], path[512], buf[256];
	const char *procs[3] = {NULL, NULL, NULL};
	const char *const *seq;
	static const char *const race_seq[] = {"0-1", "1", "0", NULL};
	static const char *const static_seq[] = {"0-1", "1", NULL};
	unsigned long writes = 0, wfail = 0;
	struct timespec t0, t1;
	double secs;
	pid_t child;
	int fd;

	while ((opt = getopt(argc, argv, "m:t:n:s:h")) != -1) {
		switch (opt) {
		case 'm':
			if (!strcmp(optarg, "static"))
				mode_static = 1;
			else if (strcmp(optarg, "race"))
				goto usage;
			break;
		case 't':
			seconds = atoi(optarg);
			break;
		case 'n':
			nthreads = atoi(optarg);
			break;
		case 's':
			kib = (size_t)atol(optarg);
			break;
		default:
		usage:
			fprintf(stderr, "usage: race_repro [-m race|static] [-t SECONDS] [-n "
					"THREADS 1-64] [-s KIB]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (seconds < 1 || nthreads < 1 || nthreads > 64 || kib < 4 || kib / 4 > MAX_PAGES)
		goto usage;
	region = kib * 1024;
	seq = mode_static ? static_seq : race_seq;
	if (geteuid() != 0)
		die77("not root");
	nodes = nr_memory_nodes();
	if (nodes < 2)
		die77("needs 2 memory nodes");

	/* cgroup v2 with cpuset+memory enabled at the root, else v1. */
	v2 = read_file("/sys/fs/cgroup/cgroup.subtree_control", buf, sizeof(buf)) == 0 &&
	     strstr(buf, "cpuset") && strstr(buf, "memory");
	if (v2) {
		snprintf(cs, sizeof(cs), "/sys/fs/cgroup/mmtorture-repro-%d", getpid());
		snprintf(mem, sizeof(mem), "%s", cs);
	} else {
		if (access("/sys/fs/cgroup/cpuset/cpuset.mems", F_OK) ||
		    access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK))
			die77("neither cgroup v2 with cpuset+memory nor v1 cpuset and memory");
		snprintf(cs, sizeof(cs), "/sys/fs/cgroup/cpuset/mmtorture-repro-%d", getpid());
		snprintf(mem, sizeof(mem), "/sys/fs/cgroup/memory/mmtorture-repro-%d", getpid());
	}
	if (mkdir(cs, 0755) < 0 || (!v2 && mkdir(mem, 0755) < 0)) {
		fprintf(stderr, "race_repro: mkdir %s: %s\n", cs, strerror(errno));
		rmdir(cs);
		return 3;
	}
	/* The cpus of the parent cpuset; mems are the sequence's first. */
	snprintf(path, sizeof(path), "%s/cpuset.cpus", cs);
	if (read_file(v2 ? "/sys/fs/cgroup/cpuset.cpus.effective"
			 : "/sys/fs/cgroup/cpuset/cpuset.cpus",
		      buf, sizeof(buf)) < 0 ||
	    write_file(path, buf) < 0) {
		fprintf(stderr, "race_repro: cannot set %s\n", path);
		rc = 3;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", mem, v2 ? "memory.max" : "memory.limit_in_bytes");
	if (write_file(path, "67108864") < 0) {
		fprintf(stderr, "race_repro: cannot set %s\n", path);
		rc = 3;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/cpuset.mems", cs);
	fd = open(path, O_WRONLY);
	if (fd < 0 || pwrite(fd, seq[0], strlen(seq[0]), 0) < 0) {
		fprintf(stderr, "race_repro: cannot write %s\n", path);
		rc = 3;
		goto out;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		rc = 3;
		goto out;
	}
	{
		static char p1[600], p2[600];

		snprintf(p1, sizeof(p1), "%s/cgroup.procs", cs);
		procs[0] = p1;
		if (!v2) {
			snprintf(p2, sizeof(p2), "%s/cgroup.procs", mem);
			procs[1] = p2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* The child is the OOM victim of choice, never the parent. */
	(void)write_file("/proc/self/oom_score_adj", "-1000");
	child = spawn_child(procs, nthreads);
	if (child < 0) {
		rc = 3;
		goto out;
	}
	for (int i = 0; i < 500 && atomic_load(&sh->ready) < nthreads && !sh->other_err; i++)
		usleep(10000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 1; !got_signal; i++) {
		const char *m = seq[i % (mode_static ? 2 : 3)];

		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec >= seconds)
			break;
		if (pwrite(fd, m, strlen(m), 0) < 0)
			wfail++;
		else
			writes++;
		/* A child killed (the OOM killer) is counted and replaced. */
		if ((i & 63) == 0 && waitpid(child, &status, WNOHANG) == child) {
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
				child_kills++;
			else
				break;
			child = spawn_child(procs, nthreads);
			if (child < 0)
				break;
		}
	}
	atomic_store(&sh->stop, true);
	close(fd);
	if (child > 0)
		waitpid(child, &status, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (mode_static)
		printf("race_repro: mode=static cgroup=%s seconds=%.1f threads=%d mems_writes=%lu "
		       "write_errors=%lu populates=%lu pages=%lu misplaced_pages=%lu "
		       "misplaced_per_min=%.1f enomem=%lu child_oom_kills=%lu other_errors=%lu\n",
		       v2 ? "v2" : "v1", secs, nthreads, writes, wfail, atomic_load(&sh->populates),
		       atomic_load(&sh->pages), atomic_load(&sh->misplaced),
		       atomic_load(&sh->misplaced) * 60.0 / secs, atomic_load(&sh->enomem),
		       child_kills, atomic_load(&sh->other_err));
	else
		printf("race_repro: mode=race cgroup=%s seconds=%.1f threads=%d mems_writes=%lu "
		       "write_errors=%lu populates=%lu enomem=%lu child_oom_kills=%lu "
		       "failures_per_min=%.1f other_errors=%lu\n",
		       v2 ? "v2" : "v1", secs, nthreads, writes, wfail, atomic_load(&sh->populates),
		       atomic_load(&sh->enomem), child_kills,
		       (atomic_load(&sh->enomem) + child_kills) * 60.0 / secs,
		       atomic_load(&sh->other_err));
	rc = (atomic_load(&sh->enomem) || atomic_load(&sh->misplaced) || child_kills) ? 1 : 0;
	if (child < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		rc = rc ? rc : 3;
out:
	if (rmdir(cs) < 0)
		fprintf(stderr, "race_repro: rmdir %s: %s\n", cs, strerror(errno));
	if (!v2 && rmdir(mem) < 0)
		fprintf(stderr, "race_repro: rmdir %s: %s\n", mem, strerror(errno));
	return rc;
}
