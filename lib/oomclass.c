// SPDX-License-Identifier: GPL-2.0-only
/*
 * OOM classification (docs/design.md section 4): a pure function of one
 * kernel OOM report (struct mmt_oom_report) and what the orchestrator knew
 * at the time; and the judge, the one place that turns a kill into a
 * finding (rules J1-J4 at mmt_oom_judge()).
 *
 * Rules, first match wins (the rule that fired is evidence.rule):
 *  1a. spurious "invoker_free_above_threshold_kernel_dump": the victim is
 *     not a cell's, but a cell worker invoked the killer, in a policy or
 *     cpuset OOM, with free memory on the allocation's nodes (see
 *     invoker_spurious()): the race took a hog instead of the worker.
 *  1. foreign "victim_not_ours": neither the pid nor the memcg is a cell's.
 *  2. expected "memcg_limit": the kernel says it was a memcg OOM
 *     (CONSTRAINT_MEMCG; before 5.0: an oom_memcg from "Task in ... limit
 *     of", or "memory: usage" at the limit).
 *  3. spurious "free_above_threshold_kernel_dump" / "..._sample": the
 *     cell's allowed nodes held more free memory than the threshold (the
 *     job's, else one worker region), in the kernel's own per-node dump of
 *     this report, or else in our last sample before the kill.
 *  4. expected "budget_exceeds_nodes": the cell asked for more than its
 *     nodes could give (free + what the cell already held).
 *  5. expected "declared_expected": the job expects kills here and the
 *     memcg evidence (oom_kill counter, usage at the limit) supports it.
 *  6. unexpected "no_rule": ours, not expected, not provably spurious.
 * "race" is set for CONSTRAINT_MEMORY_POLICY/CPUSET under a rebinding cell
 * whatever the class.  A rebind is "in flight" when the cell's last
 * cpuset.mems write lies within REBIND_WINDOW_US before the kill; the two
 * clocks (CLOCK_BOOTTIME and the printk clock) agree unless the machine
 * suspended, so the raw numbers are kept in the event too.
 *
 * The judge, first match wins:
 *  J1. a kill seen only through the memcg counter: expected if the cell
 *      expects kills, else unexpected (FAIL; why not BROK: at J1).
 *  J2. foreign, but the memcg is in the run's cgroup tree: expected
 *      "injector_memcg" (an injector's hog).
 *  J3. expected (memcg limit, budget) in a cell that expects no kill:
 *      MMT_F_HARNESS (BROK).
 *  J4. class -> finding; foreign is a FAIL only when the job says so.
 *  J5. no kill at all (mmt_oom_judge_no_kill()): a #PF that returned
 *      VM_FAULT_OOM, or a page allocation failure of a worker, while its
 *      cell is being rebound: spurious "no_kill_under_rebind" (FAIL).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/oomclass.h"
#include "lib/set.h"

#define REBIND_WINDOW_US 1000000LL

static const char *const class_names[] = {
	[MMT_OOM_EXPECTED] = "expected",
	[MMT_OOM_SPURIOUS] = "spurious",
	[MMT_OOM_FOREIGN] = "foreign",
	[MMT_OOM_UNEXPECTED] = "unexpected",
};

const char *mmt_oom_class_name(enum mmt_oom_class c)
{
	if ((unsigned)c >= sizeof(class_names) / sizeof(class_names[0]))
		return "unknown";
	return class_names[c];
}

/* "/a/b" matches cg "a/b", its descendants, and ".../a/b" deeper mounts */
static bool memcg_matches(const char *path, const char *cg)
{
	size_t pl, cl;

	while (*path == '/')
		path++;
	while (*cg == '/')
		cg++;
	pl = strlen(path);
	cl = strlen(cg);
	while (cl && cg[cl - 1] == '/')
		cl--;
	if (!cl || !pl)
		return false;
	for (const char *p = path; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (!strncmp(p, cg, cl) && (p[cl] == '\0' || p[cl] == '/'))
			return true;
	}
	return false;
}

int mmt_oom_find_cell(const struct mmt_oom_ctx *ctx, pid_t pid, const char *memcg)
{
	if (!ctx || !ctx->cells)
		return -1;
	if (pid > 0) {
		for (unsigned i = 0; i < ctx->nr_cells; i++) {
			const struct mmt_oom_cell *c = &ctx->cells[i];

			for (unsigned j = 0; j < c->nr_pids && j < MMT_OOM_MAX_PIDS; j++)
				if (c->pids[j] == pid)
					return (int)i;
		}
	}
	if (memcg && *memcg) {
		for (unsigned i = 0; i < ctx->nr_cells; i++) {
			const char *cg = ctx->cells[i].cg_name;

			if (cg && memcg_matches(memcg, cg))
				return (int)i;
		}
	}
	return -1;
}

/* Within 2% or 1 MiB of the limit. */
static bool near_limit(int64_t usage, int64_t limit)
{
	int64_t slack = limit / 50 > 1024 ? limit / 50 : 1024;

	return usage >= 0 && limit > 0 && usage + slack >= limit;
}

static bool node_allowed(const struct mmt_oom_cell *c, unsigned n)
{
	bool allowed = c->nr_nodes == 0;

	for (unsigned i = 0; i < c->nr_nodes && i < 64; i++)
		allowed |= c->nodes[i] == n;
	return allowed;
}

/*
 * Sum free kB over the cell's allowed nodes (all known nodes if unset) into
 * per_node (the allowed ones, -1 elsewhere); returns -1 if none is known.
 */
static int64_t sum_free(const int64_t *free_kb, unsigned nr, const struct mmt_oom_cell *c,
			int64_t *per_node)
{
	int64_t sum = -1;

	for (unsigned n = 0; n < MMT_MAX_NODES; n++) {
		per_node[n] = -1;
		if (n >= nr || free_kb[n] < 0 || !node_allowed(c, n))
			continue;
		per_node[n] = free_kb[n];
		sum = (sum < 0 ? 0 : sum) + free_kb[n];
	}
	return sum;
}

static void rebind_info(const struct mmt_oom_report *rep, const struct mmt_oom_cell *c,
			struct mmt_oom_rebind *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->rebinding = c->rebinding;
	ret->rebind_count = c->rebind_count;
	ret->last_rebind_us = c->last_rebind_us;
	ret->kill_ts_us = rep->ts_us >= 0 ? rep->ts_us : -1;
	ret->window_us = REBIND_WINDOW_US;
	if (ret->kill_ts_us >= 0 && c->rebind_count) {
		ret->has_delta = true;
		ret->delta_us = ret->kill_ts_us - (int64_t)c->last_rebind_us;
		ret->in_flight = ret->delta_us >= 0 && ret->delta_us <= REBIND_WINDOW_US;
	}
}

static enum mmt_oom_class finish(struct mmt_oom_verdict *v, enum mmt_oom_class cls,
				 const char *rule)
{
	v->cls = cls;
	v->rule = rule;
	return cls;
}

/*
 * Which nodes the failing allocation could use: a policy OOM names them in
 * nodemask=, a cpuset OOM in mems_allowed=.  The victim's cell may span
 * more nodes than the allocation that failed (the victim is chosen among
 * tasks with memory there), so the free-memory test looks at the
 * allocation's nodes when the report gives them.  Returns the mask used,
 * or NULL (then *alloc is untouched).
 */
static const char *allocation_nodes(const struct mmt_oom_report *rep,
				    const struct mmt_oom_cell *c, struct mmt_oom_cell *alloc)
{
	const char *mask = "", *why;
	hwloc_bitmap_t bm;
	bool ok;
	int id;

	if (!strcmp(rep->constraint, "CONSTRAINT_MEMORY_POLICY"))
		mask = rep->nodemask;
	else if (!strcmp(rep->constraint, "CONSTRAINT_CPUSET"))
		mask = rep->mems_allowed;
	if (!*mask || !strcmp(mask, "(null)"))
		return NULL;
	bm = hwloc_bitmap_alloc();
	ok = bm && mmt_set_parse(mask, bm, &why) == 0 && !hwloc_bitmap_iszero(bm);
	if (ok) {
		*alloc = *c;
		alloc->nr_nodes = 0;
		hwloc_bitmap_foreach_begin(id, bm)
			if (alloc->nr_nodes < 64)
				alloc->nodes[alloc->nr_nodes++] = (unsigned)id;
		hwloc_bitmap_foreach_end();
	}
	hwloc_bitmap_free(bm);
	return ok ? mask : NULL;
}

/*
 * Free memory (kB, -1 unknown) above the nodes' high watermarks (kB, -1
 * unknown: 0) by more than threshold_kb (0: never).  A node the allocator
 * really exhausted still shows about its min watermark free, so a free
 * figure alone is not evidence; free above "high" is (the allocator would
 * have taken it: it only fails below "min").
 */
static bool above_threshold(int64_t free_kb, int64_t wmark_high_kb, uint64_t threshold_kb)
{
	if (!threshold_kb || free_kb < 0)
		return false;
	return free_kb - (wmark_high_kb > 0 ? wmark_high_kb : 0) > (int64_t)threshold_kb;
}

/* Nothing known yet; -1 for the unknown figures. */
static void verdict_reset(struct mmt_oom_verdict *ret, const struct mmt_oom_report *rep)
{
	struct mmt_oom_evidence *e = &ret->evidence;

	memset(ret, 0, sizeof(*ret));
	ret->cell = -1;
	e->allowed_free_kb_sample = e->allowed_free_kb_kernel = -1;
	e->allowed_wmark_high_kb_sample = e->allowed_wmark_high_kb_kernel = -1;
	e->memcg_usage_kb = e->memcg_limit_kb = e->available_kb = -1;
	e->pid = rep ? rep->pid : -1;
	e->task_memcg = rep ? rep->task_memcg : "";
}

/* A policy or cpuset OOM: the kind the cpuset x mempolicy race causes. */
static bool race_constraint(const struct mmt_oom_report *rep)
{
	return !strcmp(rep->constraint, "CONSTRAINT_MEMORY_POLICY") ||
	       !strcmp(rep->constraint, "CONSTRAINT_CPUSET");
}

/* The verdict is about cell idx: fill what the classifier knew of it. */
static const struct mmt_oom_cell *cell_evidence(const struct mmt_oom_report *rep,
						const struct mmt_oom_ctx *ctx, int idx,
						struct mmt_oom_verdict *ret)
{
	struct mmt_oom_evidence *e = &ret->evidence;
	const struct mmt_oom_cell *c = &ctx->cells[idx], *c_nodes;
	struct mmt_oom_cell alloc_cell;
	int64_t per_node[MMT_MAX_NODES];

	ret->cell = idx;
	ret->cell_name = c->name;
	ret->race = c->rebinding && race_constraint(rep);
	rebind_info(rep, c, &ret->rebind);
	ret->policy_api = c->policy_api;
	ret->mode_flags = c->mode_flags;

	e->allocation_nodes = allocation_nodes(rep, c, &alloc_cell);
	c_nodes = e->allocation_nodes ? &alloc_cell : c;

	/* what we knew */
	e->threshold_kb = ctx->spurious_threshold_kb ? ctx->spurious_threshold_kb :
			  c->region_bytes / 1024;
	for (unsigned i = 0; i < c_nodes->nr_nodes && i < 64; i++)
		e->allowed_nodes[e->nr_allowed_nodes++] = c_nodes->nodes[i];
	e->allowed_free_kb_sample = sum_free(ctx->node_free_kb, MMT_MAX_NODES, c_nodes,
					     e->node_free_kb_sample);
	e->sample_ts_us = ctx->sample_ts_us;
	e->allowed_free_kb_kernel = sum_free(rep->node_free_kb, MMT_KMSG_NODES, c_nodes,
					     e->node_free_kb_kernel);
	e->allowed_wmark_high_kb_sample = sum_free(ctx->node_wmark_high_kb, MMT_MAX_NODES,
						   c_nodes, per_node);
	e->allowed_wmark_high_kb_kernel = sum_free(rep->node_wmark_high_kb, MMT_KMSG_NODES,
						   c_nodes, per_node);
	e->constraint = *rep->constraint ? rep->constraint : NULL;
	e->mem_free_kb = ctx->mem_free_kb;
	e->memcg_usage_kb = rep->memcg_usage_kb >= 0 ? rep->memcg_usage_kb : -1;
	e->memcg_limit_kb = rep->memcg_limit_kb >= 0 ? rep->memcg_limit_kb : -1;
	e->cell_memory_max = c->memory_max;
	e->cell_memory_usage = c->memory_usage;
	e->cell_memcg_oom_kills = c->memcg_oom_kills;
	e->budget_kb = c->budget_bytes / 1024;
	e->oom_expected = c->oom_expected;
	return c;
}

/*
 * Rule 1a: the victim is not a cell's (an injector's hog, oom_score_adj
 * 1000, is the killer's first choice), but the allocation that failed was
 * a cell worker's: the invoker (rep->invoker_tgid, else invoker_pid) is
 * one of its pids, and the OOM is a policy or cpuset one.  The kill is
 * then judged from the invoker's side: spurious when the kernel's own
 * per-node dump of this report shows more free memory than the threshold
 * on the allocation's nodes.  Only the kernel's dump counts here, never
 * our sample: a hog holding its node at the watermark makes the sample
 * stale within one control step.  Otherwise the kill stays the victim's.
 */
static bool invoker_spurious(const struct mmt_oom_report *rep, const struct mmt_oom_ctx *ctx,
			     struct mmt_oom_verdict *ret)
{
	int64_t who = rep->invoker_tgid > 0 ? rep->invoker_tgid : rep->invoker_pid;
	const struct mmt_oom_evidence *e = &ret->evidence;
	int idx;

	if (who <= 0 || who > INT32_MAX || !race_constraint(rep))
		return false;
	idx = mmt_oom_find_cell(ctx, (pid_t)who, NULL);
	if (idx < 0)
		return false;
	cell_evidence(rep, ctx, idx, ret);
	ret->by_invoker = true;
	if (above_threshold(e->allowed_free_kb_kernel, e->allowed_wmark_high_kb_kernel,
			    e->threshold_kb)) {
		finish(ret, MMT_OOM_SPURIOUS, "invoker_free_above_threshold_kernel_dump");
		return true;
	}
	return false;
}

enum mmt_oom_class mmt_oom_classify(const struct mmt_oom_report *rep,
				    const struct mmt_oom_ctx *ctx,
				    struct mmt_oom_verdict *ret)
{
	struct mmt_oom_evidence *e = &ret->evidence;
	const struct mmt_oom_cell *c;
	bool at_limit_sample;
	int idx;

	verdict_reset(ret, rep);
	if (!rep || !ctx)
		/* not a report: a harness bug, never hidden as "foreign" */
		return finish(ret, MMT_OOM_UNEXPECTED, "no_report");
	idx = mmt_oom_find_cell(ctx, rep->pid > 0 && rep->pid <= INT32_MAX ? (pid_t)rep->pid : 0,
				*rep->task_memcg ? rep->task_memcg : rep->oom_memcg);
	if (idx < 0) {
		if (invoker_spurious(rep, ctx, ret))
			return ret->cls;
		verdict_reset(ret, rep);
		return finish(ret, MMT_OOM_FOREIGN, "victim_not_ours");
	}
	c = cell_evidence(rep, ctx, idx, ret);

	/* 2: the kernel's own verdict that a memcg limit was hit */
	/*
	 * Without the constraint line (a report the kernel ratelimited, 10 per
	 * 5 s in oom_kill_process(), or a kernel before 4.19), the kill line
	 * itself says it: __oom_kill_process() prints "Memory cgroup out of
	 * memory" for is_memcg_oom() (rep->memcg_oom, lib/kmsg.c).
	 */
	if (*rep->constraint)
		e->memcg_oom = !strcmp(rep->constraint, "CONSTRAINT_MEMCG");
	else
		e->memcg_oom = rep->memcg_oom || *rep->oom_memcg ||
			       near_limit(rep->memcg_usage_kb, rep->memcg_limit_kb);
	if (e->memcg_oom)
		return finish(ret, MMT_OOM_EXPECTED, "memcg_limit");

	/* 3: free memory where the victim was allowed to allocate */
	if (above_threshold(e->allowed_free_kb_kernel, e->allowed_wmark_high_kb_kernel,
			    e->threshold_kb))
		return finish(ret, MMT_OOM_SPURIOUS, "free_above_threshold_kernel_dump");
	if (above_threshold(e->allowed_free_kb_sample, e->allowed_wmark_high_kb_sample,
			    e->threshold_kb))
		return finish(ret, MMT_OOM_SPURIOUS, "free_above_threshold_sample");

	/* 4: the cell asked for more than its nodes could give (known only
	 * once a sample was taken: a kill in the run's first second has none) */
	if (c->budget_bytes && (e->allowed_free_kb_sample >= 0 || ctx->mem_free_kb > 0)) {
		int64_t avail = e->allowed_free_kb_sample >= 0 ? e->allowed_free_kb_sample :
				(int64_t)ctx->mem_free_kb;

		avail += (int64_t)(c->memory_usage / 1024);
		e->available_kb = avail;
		if ((int64_t)e->budget_kb > avail)
			return finish(ret, MMT_OOM_EXPECTED, "budget_exceeds_nodes");
	}

	/* 5: declared, and the memcg agrees */
	at_limit_sample = c->memory_max &&
			  near_limit((int64_t)(c->memory_usage / 1024),
				     (int64_t)(c->memory_max / 1024));
	if (c->oom_expected && (c->memcg_oom_kills > 0 || at_limit_sample))
		return finish(ret, MMT_OOM_EXPECTED, "declared_expected");

	return finish(ret, MMT_OOM_UNEXPECTED, "no_rule");
}

/* ---- the judge ------------------------------------------------------------ */

/* Is the victim's memcg inside the run's cgroup tree "/<run_cgroup>/"? */
static bool in_run_tree(const struct mmt_oom_report *rep, const char *run_cgroup)
{
	const char *const memcgs[] = { rep->task_memcg, rep->oom_memcg };
	size_t n = run_cgroup ? strlen(run_cgroup) : 0;

	if (!n)
		return false;
	for (unsigned i = 0; i < 2; i++)
		if (memcgs[i][0] == '/' && !strncmp(memcgs[i] + 1, run_cgroup, n) &&
		    memcgs[i][1 + n] == '/')
			return true;
	return false;
}

static enum mmt_finding class_finding(const struct mmt_oom_ctx *ctx, enum mmt_oom_class cls)
{
	switch (cls) {
	case MMT_OOM_EXPECTED:
		return MMT_F_OOM_EXPECTED;
	case MMT_OOM_SPURIOUS:
		return MMT_F_OOM_SPURIOUS;
	case MMT_OOM_FOREIGN:
		return ctx->foreign_fails ? MMT_F_OOM_FOREIGN_FAIL : MMT_F_OOM_FOREIGN;
	case MMT_OOM_UNEXPECTED:
		break;
	}
	return MMT_F_OOM_UNEXPECTED;
}

/* The verdict is about cell ci (a valid index): its name, policy and expectation. */
static const struct mmt_oom_cell *verdict_cell(struct mmt_oom_verdict *ret,
					       const struct mmt_oom_ctx *ctx, int ci)
{
	const struct mmt_oom_cell *c = &ctx->cells[ci];

	ret->cell = ci;
	ret->cell_name = c->name;
	ret->policy_api = c->policy_api;
	ret->mode_flags = c->mode_flags;
	ret->evidence.oom_expected = c->oom_expected;
	return c;
}

enum mmt_finding mmt_oom_judge(const struct mmt_oom_report *rep, int counter_cell,
			       const struct mmt_oom_ctx *ctx, struct mmt_oom_verdict *ret)
{
	const struct mmt_oom_cell *c;

	if (!rep) {
		/*
		 * J1, counter only: a worker died of SIGKILL, its memcg's
		 * oom_kill counter went up, and no kernel report came.  The
		 * counter (v2 memory.events, v1 memory.oom_control) counts
		 * every OOM kill of a task in the memcg, a global, cpuset or
		 * mempolicy one as much as one at the memcg limit, so it
		 * cannot tell the kernel's fault from the job's: in a cell
		 * that expects no kill it stays a FAIL (unexpected), never
		 * the BROK of J3, which needs the kernel's own word that
		 * the limit was hit.  A spurious kill must not hide as
		 * "untestable" in a bisection.
		 */
		memset(ret, 0, sizeof(*ret));
		ret->cell = -1;
		ret->evidence.pid = -1;
		ret->evidence.task_memcg = "";
		if (!ctx || counter_cell < 0 || (unsigned)counter_cell >= ctx->nr_cells) {
			finish(ret, MMT_OOM_UNEXPECTED, "no_report");
			return MMT_F_OOM_UNEXPECTED;
		}
		c = verdict_cell(ret, ctx, counter_cell);
		ret->evidence.cell_memcg_oom_kills = c->memcg_oom_kills;
		finish(ret, c->oom_expected ? MMT_OOM_EXPECTED : MMT_OOM_UNEXPECTED,
		       "memcg_counter");
		return class_finding(ctx, ret->cls);
	}

	mmt_oom_classify(rep, ctx, ret);
	if (!ctx)
		return MMT_F_OOM_UNEXPECTED;
	/*
	 * J2: not a cell's, but inside this run's cgroup tree: an injector's
	 * hog in its own limited memcg, whose kills are its purpose.
	 */
	if (ret->cls == MMT_OOM_FOREIGN && in_run_tree(rep, ctx->run_cgroup))
		finish(ret, MMT_OOM_EXPECTED, "injector_memcg");
	/*
	 * J3: the kernel says a cell's memcg limit was hit (or the cell
	 * asked for more than its nodes hold) in a job that expects no kill:
	 * the kernel did its job, the cell was too small for its workload.
	 * That is the harness's (or the job's) fault: BROK, not FAIL.
	 */
	if (ret->cls == MMT_OOM_EXPECTED && ret->cell >= 0 &&
	    !ctx->cells[ret->cell].oom_expected)
		return MMT_F_HARNESS;
	/* J4: the class says the rest */
	return class_finding(ctx, ret->cls);
}


int mmt_oom_judge_no_kill(int64_t pid, int64_t ts_us, const struct mmt_oom_ctx *ctx,
			  struct mmt_oom_verdict *ret)
{
	struct mmt_oom_report rep = { .ts_us = ts_us, .pid = pid };
	const struct mmt_oom_cell *c;
	int ci = -1;

	if (!ctx || !ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->cell = -1;
	ret->evidence.pid = pid;
	ret->evidence.task_memcg = "";
	ret->cls = MMT_OOM_UNEXPECTED;
	ret->rule = "no_kill";
	if (pid > 0) {
		ci = mmt_oom_find_cell(ctx, (pid_t)pid, NULL);
	} else {
		/* nobody named: the cell a rebind hit last before the line */
		int64_t best = INT64_MAX;

		for (unsigned i = 0; i < ctx->nr_cells; i++) {
			int64_t d;

			c = &ctx->cells[i];
			if (!c->rebinding)
				continue;
			if (ci < 0)
				ci = (int)i;
			d = ts_us - (int64_t)c->last_rebind_us;
			if (ts_us >= 0 && c->rebind_count && d >= 0 && d < best) {
				best = d;
				ci = (int)i;
			}
		}
	}
	if (ci < 0)
		return -ENOENT;
	c = verdict_cell(ret, ctx, ci);
	rebind_info(&rep, c, &ret->rebind);
	if (!c->rebinding)
		return -ENOENT;
	ret->race = true;
	finish(ret, MMT_OOM_SPURIOUS, "no_kill_under_rebind");
	return MMT_F_OOM_SPURIOUS;
}
