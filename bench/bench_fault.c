// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_fault: the fault workload's thread_run() against a bare loop doing
 * the same thing with nothing around it, side by side in one run.
 *
 *   bare:   mmap, MADV_NOHUGEPAGE, mbind(MPOL_BIND, every allowed node),
 *           one 64-bit store per page, munmap
 *   fault:  mmt_workload_fault.thread_run() with the same size and policy,
 *           verify=false (the touch path alone) and verify=true (as jobs run)
 *   fault+oracle: fault (verify=false) with the rebind oracle on
 *           (workloads/oracle.h), fed by a publisher thread that announces
 *           a rewrite of the mems to the same nodes every PUBLISH_US (no
 *           cgroup is written, so the policy must match): the follow,
 *           get_mempolicy and move_pages sampling cost of each rewrite, at
 *           the default oracle_every/oracle_interval.  Its ratio is against
 *           fault, side by side.
 *
 * The bare loop stores one word per page rather than memset()ing it: the
 * kernel hands out zeroed pages anyway, and a memset would slow the
 * baseline and flatter the ratio.  The variants alternate in short rounds
 * so that drift (frequency, other load) hits all of them alike.
 *
 * The ratios compare pages per CPU-second of the threads themselves
 * (CLOCK_THREAD_CPUTIME_ID, user + system: the fault's kernel time counts),
 * so that other load on the machine does not move them; pages per
 * wall-clock second are printed too.  A run with any workload error or
 * message fails, so time spent sleeping in a backoff cannot flatter it.
 *
 * Output protocol of every bench/ program, read by bench/run:
 *   ratio <name> <value> <floor>
 * one line per ratio (value and floor as decimals; the bench fails when
 * value < floor), plus any free text on other lines.  Exit 0 when it ran,
 * 77 when the machine cannot run it, anything else when it broke.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "api/shared.h"
#include "lib/set.h"
#include "lib/util.h"
#include "workloads/workloads.h"

#define BATCH_PAGES 64
#define MASK_LONGS 64
#define FLOOR_FAULT 0.90        /* touch path: measured 0.99-1.01 here */
#define FLOOR_FAULT_VERIFY 0.80 /* plus reading every page back: 0.95-0.98 */
#define FLOOR_ORACLE 0.75       /* oracle on vs off: measured 0.83 here */
#define PUBLISH_US 1000         /* a rewrite announced every millisecond */

enum variant { V_BARE, V_FAULT, V_FAULT_VERIFY, V_FAULT_ORACLE, NR_VARIANTS };
static const char *const variant_names[] = { "bare", "fault", "fault+verify", "fault+oracle" };

struct bench {
	uint64_t size;
	unsigned threads;
	unsigned rounds;
	uint64_t round_us;
	hwloc_bitmap_t cpus;
	hwloc_bitmap_t mems;
	unsigned long mask[MASK_LONGS];
	unsigned long maxnode;
	struct mmt_cell_cfg cell;
	struct mmt_topo topo;           /* mem_nodes only, for the oracle */
	struct mmt_mems_pub pub;        /* the publisher's announcements */
	_Atomic uint32_t stop;
	int msg_pipe[2];
	uint64_t pages[NR_VARIANTS];
	uint64_t elapsed_us[NR_VARIANTS];
	uint64_t cpu_us[NR_VARIANTS];   /* summed over the threads */
	uint64_t errors;
	uint64_t oracle_checks, oracle_drift;
};

struct worker {
	struct bench *b;
	enum variant v;
	struct mmt_fault_opts opts;
	struct mmt_thread_stats stats;
	struct mmt_wctx ctx;
	uint64_t pages;
	uint64_t cpu_us;
	int ret;
};

static uint64_t thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * MMT_USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static void *bare_thread(void *arg)
{
	struct worker *w = arg;
	struct bench *b = w->b;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t nr_pages = b->size / pg;
	uint64_t cpu0 = thread_cpu_us();

	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		unsigned char *p = mmap(NULL, b->size, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			w->ret = -errno;
			break;
		}
		(void)madvise(p, b->size, MADV_NOHUGEPAGE);
		if (mbind(p, b->size, MPOL_BIND, b->mask, b->maxnode, 0) < 0) {
			w->ret = -errno;
			munmap(p, b->size);
			break;
		}
		for (size_t i = 0; i < nr_pages; i++) {
			*(volatile uint64_t *)(p + i * pg) = i;
			if ((i + 1) % BATCH_PAGES == 0) {
				w->pages += BATCH_PAGES;
				if (atomic_load_explicit(&b->stop, memory_order_relaxed))
					break;
			}
		}
		munmap(p, b->size);
	}
	w->cpu_us = thread_cpu_us() - cpu0;
	return NULL;
}

static void *fault_thread(void *arg)
{
	struct worker *w = arg;
	uint64_t cpu0 = thread_cpu_us();

	w->ret = mmt_workload_fault.thread_run(&w->ctx);
	w->cpu_us = thread_cpu_us() - cpu0;
	w->pages = atomic_load(&w->stats.pages);
	return NULL;
}

/*
 * Announce a rewrite of the mems to b->mems every PUBLISH_US, as
 * injectors/rebind.c publishes one (api/shared.h), without the write.
 */
static void *publisher_thread(void *arg)
{
	struct bench *b = arg;
	struct timespec ts = { 0, PUBLISH_US * 1000L };

	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		uint64_t sc = atomic_load_explicit(&b->pub.seqcount, memory_order_relaxed);
		uint64_t seq = atomic_load_explicit(&b->pub.seq, memory_order_relaxed) + 1;
		struct mmt_mems_rewrite *e = &b->pub.ring[seq % MMT_MEMS_RING];

		atomic_store_explicit(&b->pub.seqcount, sc + 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
		atomic_store_explicit(&e->seq, seq, memory_order_relaxed);
		for (size_t k = 0; k < MMT_MASK_LONGS; k++)
			atomic_store_explicit(&e->mask[k], k < MASK_LONGS ? b->mask[k] : 0,
					      memory_order_relaxed);
		atomic_store_explicit(&b->pub.seq, seq, memory_order_relaxed);
		atomic_store_explicit(&b->pub.seqcount, sc + 2, memory_order_release);
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	}
	return NULL;
}

static int run_round(struct bench *b, enum variant v, struct worker *ws)
{
	pthread_t tids[MMT_MAX_THREADS];
	struct timespec ts = { b->round_us / MMT_USEC_PER_SEC,
			       (b->round_us % MMT_USEC_PER_SEC) * 1000 };
	pthread_t publisher;
	bool publishing = false;
	uint64_t start;
	unsigned i, started = 0;
	int r = 0;

	atomic_store(&b->stop, 0);
	if (v == V_FAULT_ORACLE) {
		r = -pthread_create(&publisher, NULL, publisher_thread, b);
		if (r < 0)
			return r;
		publishing = true;
	}
	start = mmt_now_us();
	for (i = 0; i < b->threads; i++) {
		struct worker *w = &ws[i];

		memset(w, 0, sizeof(*w));
		w->b = b;
		w->v = v;
		w->opts = (struct mmt_fault_opts){
			.size = b->size,
			.policy_api = MMT_API_MBIND,
			.mode_flags = MMT_FLAGS_NONE,
			.verify = v == V_FAULT_VERIFY,
			/* The defaults of the fault workload's table. */
			.oracle = v == V_FAULT_ORACLE,
			.oracle_settle = 50000,
			.oracle_every = 1024,
			.oracle_interval = 5000,
			.placement_tolerance = 16,
		};
		w->ctx = (struct mmt_wctx){
			.cell = &b->cell,
			.opts = &w->opts,
			.cpus = b->cpus,
			.mems = b->mems,
			.thread = i,
			.seed = 0x5eed0000ULL + i,
			.stats = &w->stats,
			.stop = &b->stop,
			.msg_fd = b->msg_pipe[1],
			.topo = &b->topo,
			.mems_pub = &b->pub,
		};
		r = -pthread_create(&tids[i], NULL, v == V_BARE ? bare_thread : fault_thread, w);
		if (r < 0)
			break;
		started++;
	}
	/* This thread is the timer. */
	if (r == 0)
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	atomic_store(&b->stop, 1);
	for (i = 0; i < started; i++) {
		pthread_join(tids[i], NULL);
		b->pages[v] += ws[i].pages;
		b->cpu_us[v] += ws[i].cpu_us;
		b->errors += atomic_load(&ws[i].stats.errors);
		if (ws[i].ret < 0 && r == 0)
			r = ws[i].ret;
	}
	b->elapsed_us[v] += mmt_now_us() - start;
	if (publishing)
		pthread_join(publisher, NULL);
	if (v == V_FAULT_ORACLE)
		for (i = 0; i < started; i++) {
			b->oracle_checks += atomic_load(&ws[i].stats.oracle_checks);
			b->oracle_drift += atomic_load(&ws[i].stats.oracle_drift);
		}
	return r;
}

/* Corruption or error messages from the workload: there must be none. */
static unsigned drain_messages(struct bench *b)
{
	struct mmt_wmsg m;
	unsigned n = 0;

	while (read(b->msg_pipe[0], &m, sizeof(m)) == (ssize_t)sizeof(m)) {
		printf("message: type %u thread %d: %s\n", m.type, m.thread, m.text);
		n++;
	}
	return n;
}

static int mems_allowed(hwloc_bitmap_t ret_mems)
{
	struct bitmask *bm = numa_get_mems_allowed();

	if (!bm)
		return -ENOMEM;
	hwloc_bitmap_zero(ret_mems);
	for (unsigned i = 0; i < bm->size; i++)
		if (numa_bitmask_isbitset(bm, i))
			hwloc_bitmap_set(ret_mems, i);
	numa_bitmask_free(bm);
	return hwloc_bitmap_iszero(ret_mems) ? -ENODEV : 0;
}

/* Pages per wall-clock second of the run (all threads). */
static double rate(const struct bench *b, enum variant v)
{
	return b->elapsed_us[v] ? b->pages[v] * 1e6 / b->elapsed_us[v] : 0;
}

/* Pages per CPU-second of the threads: what the ratios compare. */
static double cpu_rate(const struct bench *b, enum variant v)
{
	return b->cpu_us[v] ? b->pages[v] * 1e6 / b->cpu_us[v] : 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: bench_fault [-s SIZE] [-j THREADS] [-r ROUNDS] [-t ROUND]\n"
		     "  -s SIZE     region per thread (default 64M)\n"
		     "  -j THREADS  threads per variant (default 1)\n"
		     "  -r ROUNDS   rounds of each variant, interleaved (default 6)\n"
		     "  -t ROUND    duration of one round (default 500ms)\n");
}

int main(int argc, char **argv)
{
	static struct worker ws[MMT_MAX_THREADS];
	struct bench b = { .size = 64ULL << 20, .threads = 1, .rounds = 6,
			   .round_us = MMT_USEC_PER_SEC / 2 };
	char mems_text[64];
	long maxnode;
	unsigned msgs;
	int c, r;

	while ((c = getopt(argc, argv, "s:j:r:t:h")) != -1) {
		uint64_t v;

		switch (c) {
		case 's':
			if (mmt_parse_size(optarg, &b.size) < 0 || b.size < 4096)
				goto out_usage;
			break;
		case 'j':
			if (mmt_parse_u64(optarg, &v) < 0 || v < 1 || v > MMT_MAX_THREADS)
				goto out_usage;
			b.threads = (unsigned)v;
			break;
		case 'r':
			if (mmt_parse_u64(optarg, &v) < 0 || v < 1 || v > 1000)
				goto out_usage;
			b.rounds = (unsigned)v;
			break;
		case 't':
			if (mmt_parse_duration_us(optarg, &b.round_us) < 0 || !b.round_us)
				goto out_usage;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto out_usage;
		}
	}
	b.size = (b.size + 4095) / 4096 * 4096;
	if (numa_available() < 0) {
		fprintf(stderr, "bench_fault: no NUMA support in this kernel\n");
		return 77;
	}
	b.cpus = hwloc_bitmap_alloc();
	b.mems = hwloc_bitmap_alloc();
	if (!b.cpus || !b.mems)
		return 1;
	hwloc_bitmap_set_range(b.cpus, 0, (int)sysconf(_SC_NPROCESSORS_ONLN) - 1);
	r = mems_allowed(b.mems);
	if (r < 0) {
		fprintf(stderr, "bench_fault: allowed nodes: %s\n", strerror(-r));
		return 1;
	}
	maxnode = mmt_set_to_ulongs(b.mems, b.mask, MASK_LONGS);
	if (maxnode < 0)
		return 1;
	b.maxnode = (unsigned long)maxnode;
	b.topo.mem_nodes = b.mems;
	snprintf(b.cell.name, sizeof(b.cell.name), "bench");
	if (pipe2(b.msg_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		perror("bench_fault: pipe");
		return 1;
	}
	mmt_set_format(b.mems, mems_text, sizeof(mems_text));
	printf("bench_fault: %u thread(s), %llu MiB each, MPOL_BIND to nodes %s, "
	       "%u rounds of %.2fs per variant\n",
	       b.threads, (unsigned long long)(b.size >> 20), mems_text, b.rounds,
	       b.round_us / 1e6);

	for (unsigned i = 0; i < b.rounds; i++) {
		for (enum variant v = 0; v < NR_VARIANTS; v++) {
			r = run_round(&b, v, ws);
			if (r < 0) {
				fprintf(stderr, "bench_fault: %s: %s\n", variant_names[v],
					strerror(-r));
				return 1;
			}
		}
	}
	msgs = drain_messages(&b);

	for (enum variant v = 0; v < NR_VARIANTS; v++)
		printf("%-14s %10.0f pages/s %10.0f pages/cpu-s  (%llu pages, %.2fs, cpu %.2fs)\n",
		       variant_names[v], rate(&b, v), cpu_rate(&b, v),
		       (unsigned long long)b.pages[v], b.elapsed_us[v] / 1e6, b.cpu_us[v] / 1e6);
	printf("workload errors %llu, messages %u; oracle checks %llu, drift %llu\n",
	       (unsigned long long)b.errors, msgs, (unsigned long long)b.oracle_checks,
	       (unsigned long long)b.oracle_drift);
	if (!cpu_rate(&b, V_BARE)) {
		fprintf(stderr, "bench_fault: the bare loop made no progress\n");
		return 1;
	}
	printf("wall-clock ratios (free text): fault %.3f, fault+verify %.3f\n",
	       rate(&b, V_FAULT) / rate(&b, V_BARE), rate(&b, V_FAULT_VERIFY) / rate(&b, V_BARE));
	printf("ratio fault_vs_bare %.3f %.2f\n", cpu_rate(&b, V_FAULT) / cpu_rate(&b, V_BARE),
	       FLOOR_FAULT);
	printf("ratio fault_verify_vs_bare %.3f %.2f\n",
	       cpu_rate(&b, V_FAULT_VERIFY) / cpu_rate(&b, V_BARE), FLOOR_FAULT_VERIFY);
	printf("ratio oracle_on_vs_off %.3f %.2f\n",
	       cpu_rate(&b, V_FAULT) ? cpu_rate(&b, V_FAULT_ORACLE) / cpu_rate(&b, V_FAULT) : 0,
	       FLOOR_ORACLE);
	close(b.msg_pipe[0]);
	close(b.msg_pipe[1]);
	hwloc_bitmap_free(b.cpus);
	hwloc_bitmap_free(b.mems);
	/* A corruption or a harness error during a bench is not a slow run. */
	return msgs || b.errors || b.oracle_drift || !b.oracle_checks ? 1 : 0;

out_usage:
	usage(stderr);
	return 2;
}
