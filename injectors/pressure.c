// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pressure injector: hold free memory on chosen nodes just above a
 * watermark, so that the cells' bound allocations on those nodes keep
 * entering the allocator's slow path (kswapd wake-ups below `low`, direct
 * reclaim and compaction below `min`, mm/page_alloc.c) while their cpuset
 * is rewritten.  The cpuset x mempolicy race bites only in that window: a
 * fault served from the per-cpu lists in the fast path barely touches it.
 *
 * Per node, `hogs` hog processes in a cgroup of their own,
 * mmtorture-<run>/pressure-<inst>-node<N>, with cpuset.mems = N (so every
 * page they fault is on N) and memory.max = max_hold (a hog never runs
 * without a limit).  Each holds what a control page shared with it says.
 * The injector's thread reads /proc/zoneinfo every `interval` and moves
 * the node's target by at most `step` toward free = watermark + margin;
 * the node's hogs hold an equal share of it.  Being OOM-killed is a hog's
 * expected fate (its own memcg, or the node running out under a cell): it
 * is counted and respawned.  Why several hogs per node: the OOM killer
 * takes a hog (oom_score_adj 1000) for a cell's spurious OOM too, and a
 * victim holding the whole node takes seconds to exit under TCG, during
 * which every other OOM on the node waits for it; a slice exits quickly.
 *
 * Per node it reports the time spent below `low` and below `min` (as the
 * sampler saw it), the most it held and its kills; run-wide, the slow-path
 * counters of /proc/vmstat over the run (allocstall_*, compact_stall,
 * pgscan_direct).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/injector.h"
#include "injectors/injectors.h"
#include "injectors/services.h"
#include "lib/cgroup.h"
#include "lib/log.h"
#include "lib/monitor.h"
#include "lib/sysfx/exec.h"
#include "lib/topo.h"
#include "lib/util.h"
#include "lib/zoneinfo.h"

enum wmark { WM_MIN, WM_LOW, WM_HIGH };

#define MAX_HOGS 32                     /* per node */
static const char *const wmark_names[] = { "min", "low", "high", NULL };

struct pressure_opts {
	struct mmt_setopt nodes;
	int wmark;
	uint64_t margin;
	uint64_t interval_us;
	uint64_t step;
	uint64_t max_hold;
	int64_t oom_score_adj;
	uint64_t respawn_delay_us;
	int64_t hogs;
};

#define OFF(f) offsetof(struct pressure_opts, f)
static const struct mmt_opt pressure_opts[] = {
	{ "nodes", MMT_OPT_NODES, OFF(nodes), 0, 0, "all", NULL,
	  "nodes to hold near the watermark (all: every node with memory)" },
	{ "wmark", MMT_OPT_ENUM, OFF(wmark), 0, 0, "low", wmark_names,
	  "the zone watermark free memory is held above: min (direct reclaim), low "
	  "(kswapd) or high" },
	{ "margin", MMT_OPT_SIZE, OFF(margin), 0, 1LL << 40, "8M", NULL,
	  "free memory kept above the node's watermark (summed over its zones)" },
	{ "interval", MMT_OPT_DURATION, OFF(interval_us), 10000, 60 * 1000000LL, "100ms", NULL,
	  "how often the control loop reads /proc/zoneinfo and moves the targets" },
	{ "step", MMT_OPT_SIZE, OFF(step), 1 << 20, 1LL << 40, "64M", NULL,
	  "most a hog grows or shrinks per interval" },
	{ "max_hold", MMT_OPT_SIZE, OFF(max_hold), 0, 1LL << 42, "0", NULL,
	  "most one node's hog holds, its memory.max; 0: the node's memory less 1/16" },
	{ "oom_score_adj", MMT_OPT_INT, OFF(oom_score_adj), -1000, 1000, "1000", NULL,
	  "oom_score_adj of the hogs (the OOM killer should pick them first)" },
	{ "respawn_delay", MMT_OPT_DURATION, OFF(respawn_delay_us), 0, 0, "200ms", NULL,
	  "wait this long before restarting a killed hog" },
	{ "hogs", MMT_OPT_INT, OFF(hogs), 1, MAX_HOGS, "1", NULL,
	  "hog processes per node, each holding an equal share: an OOM kill of one "
	  "frees a slice, and a small victim exits fast" },
	MMT_OPT_END,
};
#undef OFF

static const char *const pressure_columns[] = { "held_mb", "nodes_below_low", "kills", NULL };

/* Shared with a hog process (MAP_SHARED, made before it is cloned). */
struct pressure_ctl {
	_Atomic uint64_t target;        /* bytes the hog should hold */
	_Atomic uint64_t held;          /* bytes it holds (touched) */
};

/* One hog process: a slice of its node's target. */
struct pressure_hog {
	struct pressure_ctl *ctl;       /* in its node's shared mapping */
	int pidfd;
	_Atomic pid_t pid;
	uint64_t respawn_at_us;         /* 0: running or not yet due */
};

struct pressure_node {
	unsigned node;
	struct mmt_cg *cg;
	char cg_name[PATH_MAX];
	struct pressure_ctl *ctl;       /* nr_hogs of them, one shared mapping */
	struct pressure_hog hog[MAX_HOGS];
	unsigned nr_hogs;
	uint64_t target;                /* what the node's hogs hold together */
	uint64_t limit;                 /* most the node's hogs hold, bytes */
	uint64_t memory_max;            /* their cgroup's limit: limit + headroom */
	_Atomic uint64_t kills, spawns;
	uint64_t held_max;
	uint64_t below_low_us, below_min_us;
	_Atomic bool below_low;
};

struct pressure_state {
	struct mmt_inj *inj;
	const struct pressure_opts *o;
	struct mmt_ith ith;
	unsigned nr;
	struct pressure_node n[MMT_MAX_NODES];
	uint64_t slow0[5], slow1[5];    /* slow_keys at start and stop */
	bool have_slow;
	size_t page;
};

/* The allocator's slow path, machine-wide (per-node vmstat has none). */
static const char *const slow_keys[] = { "allocstall_dma32", "allocstall_normal",
					 "allocstall_movable", "compact_stall", "pgscan_direct" };
#define NR_SLOW (sizeof(slow_keys) / sizeof(slow_keys[0]))

/* Most node's hog holds (bytes): max_hold, or the node less 1/16. */
static uint64_t node_limit(const struct pressure_opts *o, const struct mmt_node *node)
{
	uint64_t l = o->max_hold ? o->max_hold : node->mem_bytes - node->mem_bytes / 16;

	return l - l % 4096;
}

/* Its cgroup's memory.max: room for page tables and stack above what it
 * holds, so that its own memcg is not what kills it. */
static uint64_t node_memory_max(uint64_t limit)
{
	return limit + (16 << 20) + limit / 64;
}

static bool node_wanted(const struct pressure_opts *o, const struct mmt_topo *topo,
			const struct mmt_node *node)
{
	if (!node->mem_bytes || !hwloc_bitmap_isset(topo->mem_nodes, node->id))
		return false;
	return o->nodes.all || (o->nodes.set && hwloc_bitmap_isset(o->nodes.set, node->id));
}

/* Elastic: the hogs give memory back as free memory falls. */
static uint64_t pressure_memory_budget(const struct mmt_injector_cfg *cfg,
				       const struct mmt_topo *topo, bool *ret_elastic)
{
	const struct pressure_opts *o = cfg->opts;
	uint64_t sum = 0;

	for (unsigned i = 0; i < topo->nr_nodes; i++)
		if (node_wanted(o, topo, &topo->nodes[i]))
			sum += node_memory_max(node_limit(o, &topo->nodes[i]));
	*ret_elastic = true;
	return sum;
}

static int pressure_probe(struct mmt_inj *inj, char *why, size_t why_len)
{
	const struct mmt_cg_sys *cgsys = mmt_inj_cgsys(inj);
	struct mmt_zone z[64];

	if (cgsys->mode[MMT_CG_MEMORY] == MMT_CG_NONE || cgsys->mode[MMT_CG_CPUSET] == MMT_CG_NONE) {
		snprintf(why, why_len, "the pressure hogs need the memory and cpuset controllers");
		return 1;
	}
	if (mmt_zoneinfo_read(z, 64) < 0) {
		snprintf(why, why_len, "no /proc/zoneinfo to read the watermarks from");
		return 1;
	}
	return 0;
}

/* The hog of one node.  A child of a threaded process: system calls only. */
static void __attribute__((noreturn)) hog_child(int go_fd, struct pressure_ctl *ctl,
						 uint64_t limit, uint64_t interval_us,
						 const char *adj, size_t adj_len, const char *comm)
{
	struct timespec nap = { 0, (long)(interval_us * 1000 / 4) };
	size_t page = 4096;
	uint64_t held = 0;
	char *base;

	mmt_svc_child_enter(go_fd, comm, adj, adj_len);
	/* Address space for the limit; pages come only as they are touched. */
	base = mmap(NULL, limit, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		_exit(3);
	for (;;) {
		uint64_t target = atomic_load(&ctl->target);

		if (target > limit)
			target = limit;
		target -= target % page;
		if (held < target) {
			/* Grow in 2 MiB bites, publishing as it goes. */
			uint64_t to = held + (2 << 20) < target ? held + (2 << 20) : target;

			for (; held < to; held += page)
				base[held] = 1;
			atomic_store(&ctl->held, held);
		} else if (held > target) {
			madvise(base + target, held - target, MADV_DONTNEED);
			held = target;
			atomic_store(&ctl->held, held);
		} else {
			nanosleep(&nap, NULL);
		}
	}
}

static int hog_spawn(struct pressure_state *s, struct pressure_node *pn, struct pressure_hog *h)
{
	char adj[32], comm[16];
	int pfd[2], pidfd = -1, pid, r;

	snprintf(adj, sizeof(adj), "%" PRId64 "\n", s->o->oom_score_adj);
	snprintf(comm, sizeof(comm), "mmt-press-%u", pn->node);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	atomic_store(&h->ctl->held, 0);
	pid = mmt_exec_clone(&pidfd);
	if (pid == 0)
		hog_child(pfd[0], h->ctl, pn->limit / pn->nr_hogs, s->o->interval_us, adj,
			  strlen(adj), comm);
	close(pfd[0]);
	if (pid < 0) {
		close(pfd[1]);
		return pid;
	}
	r = mmt_svc_child_go(pn->cg, pid, pidfd, pfd[1]);
	if (r < 0) {
		mmt_exec_waitpidfd(pidfd, false, &(int){ 0 });
		close(pidfd);
		return r;
	}
	h->pidfd = pidfd;
	atomic_store(&h->pid, pid);
	atomic_fetch_add(&pn->spawns, 1);
	return 0;
}

/* A hog that died: count it, and schedule its respawn. */
static void hog_reap(struct pressure_state *s, struct pressure_node *pn, struct pressure_hog *h,
		     uint64_t now_us)
{
	int status = 0;

	if (h->pidfd < 0 || mmt_exec_waitpidfd(h->pidfd, true, &status) != 1)
		return;
	close(h->pidfd);
	h->pidfd = -1;
	atomic_store(&h->pid, 0);
	if (WIFSIGNALED(status)) {
		json_object *ex = json_object_new_object();

		atomic_fetch_add(&pn->kills, 1);
		json_object_object_add(ex, "node", json_object_new_int((int)pn->node));
		json_object_object_add(ex, "signal", json_object_new_int(WTERMSIG(status)));
		json_object_object_add(ex, "held", json_object_new_uint64(atomic_load(&h->ctl->held)));
		mmt_svc_event(s->inj, "pressure_hog_killed", ex);
	}
	h->respawn_at_us = now_us + s->o->respawn_delay_us;
}

/* What a node's hogs hold together (bytes). */
static uint64_t node_held(const struct pressure_node *pn)
{
	uint64_t held = 0;

	for (unsigned k = 0; pn->ctl && k < pn->nr_hogs; k++)
		held += atomic_load(&pn->hog[k].ctl->held);
	return held;
}

/*
 * The control law, pure: the next target of a hog that holds `target`
 * bytes on a node with free and want (bytes): close the gap by at most
 * step, within 0..limit.
 */
static uint64_t next_target(uint64_t target, uint64_t free, uint64_t want, uint64_t step,
			    uint64_t limit)
{
	if (free > want) {
		uint64_t d = free - want < step ? free - want : step;

		target = target + d < limit ? target + d : limit;
	} else {
		uint64_t d = want - free < step ? want - free : step;

		target = target > d ? target - d : 0;
	}
	return target;
}

static void control_step(struct pressure_state *s, uint64_t now_us)
{
	struct mmt_zone z[64];
	int nr = mmt_zoneinfo_read(z, 64);

	for (unsigned i = 0; i < s->nr; i++) {
		struct pressure_node *pn = &s->n[i];
		struct mmt_node_wmark w;
		uint64_t held = node_held(pn), wm, want, free;

		for (unsigned k = 0; k < pn->nr_hogs; k++) {
			struct pressure_hog *h = &pn->hog[k];

			if (h->pidfd >= 0)
				hog_reap(s, pn, h, now_us);
			if (h->pidfd < 0 && h->respawn_at_us && now_us >= h->respawn_at_us) {
				h->respawn_at_us = 0;
				if (hog_spawn(s, pn, h) < 0)
					h->respawn_at_us = now_us + s->o->respawn_delay_us;
			}
		}
		if (held > pn->held_max)
			pn->held_max = held;
		if (nr <= 0 || !mmt_zoneinfo_node(z, (size_t)nr, pn->node, &w))
			continue;
		wm = s->o->wmark == WM_MIN ? w.min : s->o->wmark == WM_HIGH ? w.high : w.low;
		free = w.free * s->page;
		want = wm * s->page + s->o->margin;
		atomic_store(&pn->below_low, w.free < w.low);
		if (w.free < w.low)
			pn->below_low_us += s->o->interval_us;
		if (w.free < w.min)
			pn->below_min_us += s->o->interval_us;
		/*
		 * One target for the node, an equal share for each hog; a
		 * dead hog's share waits for the new one, which starts
		 * afresh (the free memory its death gave back lets the
		 * others' shares grow meanwhile).
		 */
		pn->target = next_target(pn->target, free, want, s->o->step, pn->limit);
		for (unsigned k = 0; k < pn->nr_hogs; k++)
			atomic_store(&pn->hog[k].ctl->target,
				     pn->hog[k].pidfd < 0 ? 0 : pn->target / pn->nr_hogs);
	}
}

static void *pressure_thread(void *arg)
{
	struct pressure_state *s = arg;

	while (!mmt_ith_stopping(&s->ith)) {
		control_step(s, mmt_now_us());
		if (mmt_ith_sleep(&s->ith, s->o->interval_us))
			break;
	}
	return NULL;
}

static int node_start(struct pressure_state *s, struct pressure_node *pn,
		      const struct mmt_node *node, const char *cpus)
{
	struct mmt_inj *inj = s->inj;
	bool ctrls[MMT_CG_NR_CTRLS] = { false };
	const char *keys[3], *vals[3];
	char mems[16], max[32], got[32];
	uint64_t limit = 0;
	int r;

	pn->node = node->id;
	pn->nr_hogs = (unsigned)s->o->hogs;
	pn->limit = node_limit(s->o, node);
	pn->ctl = mmap(NULL, pn->nr_hogs * sizeof(*pn->ctl), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pn->ctl == MAP_FAILED) {
		pn->ctl = NULL;
		return -errno;
	}
	for (unsigned k = 0; k < pn->nr_hogs; k++)
		pn->hog[k] = (struct pressure_hog){ .ctl = &pn->ctl[k], .pidfd = -1 };
	snprintf(pn->cg_name, sizeof(pn->cg_name), "%s/pressure-%s-node%u",
		 mmt_inj_cgroup_top(inj), strchr(inj->cfg->name, ':') ?
		 strchr(inj->cfg->name, ':') + 1 : "default", node->id);
	ctrls[MMT_CG_CPUSET] = ctrls[MMT_CG_MEMORY] = true;
	snprintf(mems, sizeof(mems), "%u", node->id);
	pn->memory_max = node_memory_max(pn->limit);
	snprintf(max, sizeof(max), "%" PRIu64, pn->memory_max);
	keys[0] = "cpuset.cpus", vals[0] = cpus;
	keys[1] = "cpuset.mems", vals[1] = mems;
	keys[2] = "memory.max", vals[2] = max;
	r = mmt_cg_create(mmt_inj_cgsys(inj), mmt_inj_journal(inj), pn->cg_name, ctrls, keys, vals,
			  3, &pn->cg);
	if (r < 0)
		return r;
	/* A hog never runs without a limit: read it back. */
	if (mmt_cg_get(pn->cg, "memory.max", got, sizeof(got)) < 0 ||
	    mmt_parse_u64(mmt_strstrip(got), &limit) < 0 || limit > pn->memory_max)
		return log_err_errno(-EPERM, "%s: %s has no memory limit (memory.max '%s')",
				     inj->cfg->name, pn->cg_name, got);
	for (unsigned k = 0; k < pn->nr_hogs && r == 0; k++)
		r = hog_spawn(s, pn, &pn->hog[k]);
	return r;
}

static int pressure_start(struct mmt_inj *inj)
{
	struct pressure_state *s = inj->priv;
	const struct mmt_topo *topo = mmt_inj_topo(inj);
	char cpus[512];
	int r = 0;

	s->inj = inj;
	s->o = inj->opts;
	s->page = (size_t)sysconf(_SC_PAGESIZE);
	/* Any CPU will do for a hog (cpuset.cpus must not be empty in v1). */
	hwloc_bitmap_list_snprintf(cpus, sizeof(cpus), topo->all_cpus);
	s->have_slow = mmt_mon_vmstat_keys(slow_keys, s->slow0, NR_SLOW) >= 0;
	for (unsigned i = 0; i < topo->nr_nodes && r == 0; i++) {
		const struct mmt_node *node = &topo->nodes[i];

		if (node_wanted(s->o, topo, node))
			r = node_start(s, &s->n[s->nr++], node, cpus);
	}
	if (r == 0 && s->nr == 0)
		r = log_err_errno(-ENOENT, "%s: none of nodes=%s has memory", inj->cfg->name,
				  s->o->nodes.text);
	if (r == 0)
		r = mmt_ith_start(&s->ith, pressure_thread, s);
	return r;
}

static void pressure_poll(struct mmt_inj *inj, double *vals)
{
	struct pressure_state *s = inj->priv;
	uint64_t held = 0, kills = 0;
	unsigned below = 0;

	vals[0] = vals[1] = vals[2] = NAN;
	if (!s || !s->nr)
		return;
	for (unsigned i = 0; i < s->nr; i++) {
		held += node_held(&s->n[i]);
		kills += atomic_load(&s->n[i].kills);
		below += atomic_load(&s->n[i].below_low);
	}
	vals[0] = (double)held / (1 << 20);
	vals[1] = below;
	vals[2] = (double)kills;
}

/* Kill and reap every hog; remove their cgroups.  Idempotent. */
static int hogs_down(struct pressure_state *s)
{
	int r = 0;

	for (unsigned i = 0; i < s->nr; i++) {
		struct pressure_node *pn = &s->n[i];

		for (unsigned k = 0; k < pn->nr_hogs; k++) {
			struct pressure_hog *h = &pn->hog[k];

			if (h->pidfd < 0)
				continue;
			mmt_svc_kill_pidfd(h->pidfd);
			mmt_exec_waitpidfd(h->pidfd, false, &(int){ 0 });
			close(h->pidfd);
			h->pidfd = -1;
			atomic_store(&h->pid, 0);
		}
		if (pn->cg) {
			int d = mmt_cg_destroy(pn->cg);

			pn->cg = NULL;
			if (d < 0 && r == 0)
				r = d;
		}
	}
	return r;
}

static int pressure_stop(struct mmt_inj *inj)
{
	struct pressure_state *s = inj->priv;
	int r;

	if (!s)
		return 0;
	r = mmt_ith_stop_or_stall(&s->ith, inj, 10 * MMT_USEC_PER_SEC);
	if (r < 0)
		return r;
	if (s->have_slow)
		s->have_slow = mmt_mon_vmstat_keys(slow_keys, s->slow1, NR_SLOW) >= 0;
	return hogs_down(s);
}

static void pressure_report(struct mmt_inj *inj, json_object *out)
{
	struct pressure_state *s = inj->priv;
	json_object *nodes = json_object_new_array(), *slow = json_object_new_object();

	json_object_object_add(out, "wmark", json_object_new_string(wmark_names[s->o->wmark]));
	json_object_object_add(out, "margin", json_object_new_uint64(s->o->margin));
	for (unsigned i = 0; i < s->nr; i++) {
		struct pressure_node *pn = &s->n[i];
		json_object *n = json_object_new_object();

		json_object_object_add(n, "node", json_object_new_int((int)pn->node));
		json_object_object_add(n, "hogs", json_object_new_int((int)pn->nr_hogs));
		json_object_object_add(n, "limit", json_object_new_uint64(pn->limit));
		json_object_object_add(n, "memory_max", json_object_new_uint64(pn->memory_max));
		json_object_object_add(n, "held_max", json_object_new_uint64(pn->held_max));
		json_object_object_add(n, "below_low_us", json_object_new_uint64(pn->below_low_us));
		json_object_object_add(n, "below_min_us", json_object_new_uint64(pn->below_min_us));
		json_object_object_add(n, "kills", json_object_new_uint64(atomic_load(&pn->kills)));
		json_object_object_add(n, "spawns", json_object_new_uint64(atomic_load(&pn->spawns)));
		json_object_array_add(nodes, n);
	}
	json_object_object_add(out, "nodes", nodes);
	/* The allocator's slow path over the run, machine-wide. */
	for (size_t k = 0; s->have_slow && k < NR_SLOW; k++)
		json_object_object_add(slow, slow_keys[k],
				       json_object_new_uint64(s->slow1[k] - s->slow0[k]));
	json_object_object_add(out, "slow_path", slow);
}

static void pressure_cleanup(struct mmt_inj *inj)
{
	struct pressure_state *s = inj->priv;

	if (!s || mmt_ith_release(&s->ith, inj))
		return;
	hogs_down(s);
	for (unsigned i = 0; i < s->nr; i++)
		if (s->n[i].ctl)
			munmap(s->n[i].ctl, s->n[i].nr_hogs * sizeof(*s->n[i].ctl));
}

const struct mmt_injector_ops mmt_injector_pressure = {
	.version = MMT_INJECTOR_VERSION,
	.name = "pressure",
	.summary = "hold free memory on chosen nodes just above a watermark (a bound hog per "
		   "node in its own limited memcg), so bound faults enter the slow path",
	.opts = pressure_opts,
	.opts_size = sizeof(struct pressure_opts),
	.memory_budget = pressure_memory_budget,
	.priv_size = sizeof(struct pressure_state),
	.columns = pressure_columns,
	.probe = pressure_probe,
	.start = pressure_start,
	.poll = pressure_poll,
	.stop = pressure_stop,
	.report = pressure_report,
	.cleanup = pressure_cleanup,
};
