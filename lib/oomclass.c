// SPDX-License-Identifier: GPL-2.0-only
/*
 * OOM classification (docs/design.md section 4): a pure function of one
 * "oom_kill" event and what the orchestrator knew at the time.
 *
 * Rules, first match wins (the rule that fired is evidence.rule):
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
 */
#include "config.h"

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

static int64_t ev_i64(json_object *ev, const char *key, int64_t def)
{
	json_object *v;

	if (!json_object_object_get_ex(ev, key, &v) || !v)
		return def;
	return json_object_get_int64(v);
}

static const char *ev_str(json_object *ev, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(ev, key, &v) || !v)
		return "";
	return json_object_get_string(v);
}

static void set(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static void set_str_or_null(json_object *o, const char *k, const char *v)
{
	set(o, k, v ? json_object_new_string(v) : NULL);
}

/* Within 2% or 1 MiB of the limit. */
static bool near_limit(int64_t usage, int64_t limit)
{
	int64_t slack = limit / 50 > 1024 ? limit / 50 : 1024;

	return usage >= 0 && limit > 0 && usage + slack >= limit;
}

struct free_sum {
	int64_t kb;     /* -1: no allowed node known */
	json_object *per_node;
};

/* Sum free kB over the cell's allowed nodes (all known nodes if unset). */
static struct free_sum sum_sample(const struct mmt_oom_ctx *ctx, const struct mmt_oom_cell *c)
{
	struct free_sum s = { -1, json_object_new_object() };

	for (unsigned n = 0; n < MMT_MAX_NODES; n++) {
		bool allowed = c->nr_nodes == 0;
		char key[16];

		for (unsigned i = 0; i < c->nr_nodes && i < 64; i++)
			allowed |= c->nodes[i] == n;
		if (!allowed || ctx->node_free_kb[n] < 0)
			continue;
		snprintf(key, sizeof(key), "%u", n);
		set(s.per_node, key, json_object_new_int64(ctx->node_free_kb[n]));
		s.kb = (s.kb < 0 ? 0 : s.kb) + ctx->node_free_kb[n];
	}
	return s;
}

static struct free_sum sum_kernel(json_object *ev, const struct mmt_oom_cell *c)
{
	struct free_sum s = { -1, json_object_new_object() };
	json_object *nf;

	if (!json_object_object_get_ex(ev, "node_free_kb", &nf) ||
	    !json_object_is_type(nf, json_type_object))
		return s;
	json_object_object_foreach(nf, key, val) {
		unsigned n;
		bool allowed;

		if (sscanf(key, "%u", &n) != 1 || n >= MMT_MAX_NODES)
			continue;
		allowed = c->nr_nodes == 0;
		for (unsigned i = 0; i < c->nr_nodes && i < 64; i++)
			allowed |= c->nodes[i] == n;
		if (!allowed)
			continue;
		set(s.per_node, key, json_object_new_int64(json_object_get_int64(val)));
		s.kb = (s.kb < 0 ? 0 : s.kb) + json_object_get_int64(val);
	}
	return s;
}

static json_object *rebind_info(json_object *ev, const struct mmt_oom_cell *c)
{
	json_object *o = json_object_new_object();
	int64_t kill_ts = ev_i64(ev, "kernel_ts_us", -1);
	bool in_flight = false;

	set(o, "rebinding", json_object_new_boolean(c->rebinding));
	set(o, "rebind_count", json_object_new_int64((int64_t)c->rebind_count));
	set(o, "last_rebind_us", c->rebind_count ?
	    json_object_new_int64((int64_t)c->last_rebind_us) : NULL);
	set(o, "kill_ts_us", kill_ts >= 0 ? json_object_new_int64(kill_ts) : NULL);
	if (kill_ts >= 0 && c->rebind_count) {
		int64_t delta = kill_ts - (int64_t)c->last_rebind_us;

		set(o, "delta_us", json_object_new_int64(delta));
		in_flight = delta >= 0 && delta <= REBIND_WINDOW_US;
	} else {
		set(o, "delta_us", NULL);
	}
	set(o, "window_us", json_object_new_int64(REBIND_WINDOW_US));
	set(o, "in_flight", json_object_new_boolean(in_flight));
	return o;
}

static enum mmt_oom_class finish(json_object *ev, json_object *evidence,
				 enum mmt_oom_class cls, const char *rule)
{
	set(evidence, "rule", json_object_new_string(rule));
	set(ev, "class", json_object_new_string(mmt_oom_class_name(cls)));
	set(ev, "evidence", evidence);
	return cls;
}

enum mmt_oom_class mmt_oom_classify(json_object *ev, const struct mmt_oom_ctx *ctx)
{
	const char *constraint = ev_str(ev, "constraint");
	const char *task_memcg = ev_str(ev, "task_memcg");
	const char *oom_memcg = ev_str(ev, "oom_memcg");
	int64_t pid = ev_i64(ev, "pid", -1);
	int64_t usage_kb = ev_i64(ev, "memcg_usage_kb", -1);
	int64_t limit_kb = ev_i64(ev, "memcg_limit_kb", -1);
	json_object *evidence = json_object_new_object(), *nodes;
	const struct mmt_oom_cell *c, *c_nodes;
	struct mmt_oom_cell alloc_cell;
	struct free_sum sample, kernel;
	uint64_t threshold_kb;
	bool memcg_oom, at_limit_sample, race;
	int idx;

	if (!json_object_is_type(ev, json_type_object)) {
		/* not an event: a harness bug, never hidden as "foreign" */
		json_object_put(evidence);
		return MMT_OOM_UNEXPECTED;
	}
	set(evidence, "pid", json_object_new_int64(pid));
	set(evidence, "task_memcg", json_object_new_string(task_memcg));
	idx = mmt_oom_find_cell(ctx, pid > 0 && pid <= INT32_MAX ? (pid_t)pid : 0,
				*task_memcg ? task_memcg : oom_memcg);
	if (idx < 0) {
		set(ev, "cell", NULL);
		set(ev, "race", json_object_new_boolean(false));
		set(ev, "rebind_in_flight", NULL);
		set(ev, "policy_api", NULL);
		set(ev, "mode_flags", NULL);
		return finish(ev, evidence, MMT_OOM_FOREIGN, "victim_not_ours");
	}
	c = &ctx->cells[idx];
	c_nodes = c;

	race = c->rebinding && (!strcmp(constraint, "CONSTRAINT_MEMORY_POLICY") ||
				!strcmp(constraint, "CONSTRAINT_CPUSET"));
	set_str_or_null(ev, "cell", c->name);
	set(ev, "race", json_object_new_boolean(race));
	set(ev, "rebind_in_flight", rebind_info(ev, c));
	set_str_or_null(ev, "policy_api", c->policy_api);
	set_str_or_null(ev, "mode_flags", c->mode_flags);

	/*
	 * Which nodes the failing allocation could use: a policy OOM names
	 * them in nodemask=, a cpuset OOM in mems_allowed=.  The victim's
	 * cell may span more nodes than the allocation that failed (the
	 * victim is chosen among tasks with memory there), so the free-memory
	 * test looks at the allocation's nodes when the report gives them.
	 */
	{
		const char *mask = "";

		if (!strcmp(constraint, "CONSTRAINT_MEMORY_POLICY"))
			mask = ev_str(ev, "nodemask");
		else if (!strcmp(constraint, "CONSTRAINT_CPUSET"))
			mask = ev_str(ev, "mems_allowed");
		if (*mask && strcmp(mask, "(null)")) {
			hwloc_bitmap_t bm = hwloc_bitmap_alloc();
			const char *why;
			int id;

			if (bm && mmt_set_parse(mask, bm, &why) == 0 && !hwloc_bitmap_iszero(bm)) {
				alloc_cell = *c;
				alloc_cell.nr_nodes = 0;
				hwloc_bitmap_foreach_begin(id, bm)
					if (alloc_cell.nr_nodes < 64)
						alloc_cell.nodes[alloc_cell.nr_nodes++] = (unsigned)id;
				hwloc_bitmap_foreach_end();
				set(evidence, "allocation_nodes", json_object_new_string(mask));
				c_nodes = &alloc_cell;
			}
			hwloc_bitmap_free(bm);
		}
	}

	/* what we knew */
	threshold_kb = ctx->spurious_threshold_kb ? ctx->spurious_threshold_kb :
		       c->region_bytes / 1024;
	nodes = json_object_new_array();
	for (unsigned i = 0; i < c_nodes->nr_nodes && i < 64; i++)
		json_object_array_add(nodes, json_object_new_int64(c_nodes->nodes[i]));
	sample = sum_sample(ctx, c_nodes);
	kernel = sum_kernel(ev, c_nodes);
	set(evidence, "constraint", *constraint ? json_object_new_string(constraint) : NULL);
	set(evidence, "threshold_kb", json_object_new_int64((int64_t)threshold_kb));
	set(evidence, "allowed_nodes", nodes);
	set(evidence, "node_free_kb_sample", sample.per_node);
	set(evidence, "allowed_free_kb_sample", sample.kb >= 0 ?
	    json_object_new_int64(sample.kb) : NULL);
	set(evidence, "sample_ts_us", ctx->sample_ts_us ?
	    json_object_new_int64((int64_t)ctx->sample_ts_us) : NULL);
	set(evidence, "node_free_kb_kernel", kernel.per_node);
	set(evidence, "allowed_free_kb_kernel", kernel.kb >= 0 ?
	    json_object_new_int64(kernel.kb) : NULL);
	set(evidence, "mem_free_kb", json_object_new_int64((int64_t)ctx->mem_free_kb));
	set(evidence, "memcg_usage_kb", usage_kb >= 0 ? json_object_new_int64(usage_kb) : NULL);
	set(evidence, "memcg_limit_kb", limit_kb >= 0 ? json_object_new_int64(limit_kb) : NULL);
	set(evidence, "cell_memory_max", json_object_new_int64((int64_t)c->memory_max));
	set(evidence, "cell_memory_usage", json_object_new_int64((int64_t)c->memory_usage));
	set(evidence, "cell_memcg_oom_kills", json_object_new_int64((int64_t)c->memcg_oom_kills));
	set(evidence, "budget_kb", json_object_new_int64((int64_t)(c->budget_bytes / 1024)));
	set(evidence, "oom_expected", json_object_new_boolean(c->oom_expected));

	/* 2: the kernel's own verdict that a memcg limit was hit */
	if (*constraint)
		memcg_oom = !strcmp(constraint, "CONSTRAINT_MEMCG");
	else
		memcg_oom = *oom_memcg || near_limit(usage_kb, limit_kb);
	set(evidence, "memcg_oom", json_object_new_boolean(memcg_oom));
	if (memcg_oom)
		return finish(ev, evidence, MMT_OOM_EXPECTED, "memcg_limit");

	/* 3: free memory where the victim was allowed to allocate */
	if (threshold_kb && kernel.kb > (int64_t)threshold_kb)
		return finish(ev, evidence, MMT_OOM_SPURIOUS, "free_above_threshold_kernel_dump");
	if (threshold_kb && sample.kb > (int64_t)threshold_kb)
		return finish(ev, evidence, MMT_OOM_SPURIOUS, "free_above_threshold_sample");

	/* 4: the cell asked for more than its nodes could give */
	if (c->budget_bytes) {
		int64_t avail = sample.kb >= 0 ? sample.kb : (int64_t)ctx->mem_free_kb;

		avail += (int64_t)(c->memory_usage / 1024);
		set(evidence, "available_kb", json_object_new_int64(avail));
		if ((int64_t)(c->budget_bytes / 1024) > avail)
			return finish(ev, evidence, MMT_OOM_EXPECTED, "budget_exceeds_nodes");
	}

	/* 5: declared, and the memcg agrees */
	at_limit_sample = c->memory_max &&
			  near_limit((int64_t)(c->memory_usage / 1024),
				     (int64_t)(c->memory_max / 1024));
	if (c->oom_expected && (c->memcg_oom_kills > 0 || at_limit_sample))
		return finish(ev, evidence, MMT_OOM_EXPECTED, "declared_expected");

	return finish(ev, evidence, MMT_OOM_UNEXPECTED, "no_rule");
}
