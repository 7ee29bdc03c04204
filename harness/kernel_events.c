// SPDX-License-Identifier: GPL-2.0-only
/* The kernel log during a run: records to kmsg.log, events, OOM kills. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/oomclass.h"
#include "results/results.h"
#include "harness/orch.h"
#include "lib/util.h"
#include "workloads/workloads.h"

struct victim *mmt_orch_victim_find(struct orch *o, pid_t pid)
{
	for (unsigned i = 0; i < o->nr_victims; i++)
		if (o->victims[i].pid == pid)
			return &o->victims[i];
	return NULL;
}

/* ---- kernel log ---------------------------------------------------------- */

static void fill_oom_ctx(struct orch *o, struct mmt_oom_cell *cells,
			 struct mmt_oom_ctx *ctx)
{
	struct mmt_run *run = o->run;

	memset(ctx, 0, sizeof(*ctx));
	for (unsigned i = 0; i < run->nr_cells; i++) {
		struct mmt_cell_rt *c = &run->cells[i];
		struct mmt_oom_cell *oc = &cells[i];
		json_object *d = json_object_new_object();
		int id;

		memset(oc, 0, sizeof(*oc));
		oc->name = c->cfg->name;
		oc->cg_name = c->cg_name;
		for (unsigned k = 0; k < c->nr_pids && k < MMT_OOM_MAX_PIDS; k++)
			oc->pids[oc->nr_pids++] = c->pids[k];
		oc->memory_max = c->memory_max;
		oc->memory_usage = o->mem_usage[i];
		oc->memcg_oom_kills = o->memcg_kills[i];
		oc->region_bytes = c->cfg->wl->thread_footprint ?
				   c->cfg->wl->thread_footprint(c->cfg) : 0;
		oc->budget_bytes = oc->region_bytes * c->cfg->o.threads;
		hwloc_bitmap_foreach_begin(id, c->mems)
			if (oc->nr_nodes < 64)
				oc->nodes[oc->nr_nodes++] = (unsigned)id;
		hwloc_bitmap_foreach_end();
		oc->oom_expected = c->expect_oom != MMT_EXPECT_OOM_NONE;
		oc->rebinding = c->rebinding;
		oc->rebind_count = atomic_load(&c->rebinds);
		oc->last_rebind_us = atomic_load(&c->last_rebind_boot_us);
		if (c->cfg->wl->describe) {
			json_object *v;

			c->cfg->wl->describe(c->cfg, d);
			if (json_object_object_get_ex(d, "policy_api", &v))
				oc->policy_api = strdup(json_object_get_string(v));
			if (json_object_object_get_ex(d, "mode_flags", &v))
				oc->mode_flags = strdup(json_object_get_string(v));
		}
		json_object_put(d);
	}
	ctx->cells = cells;
	ctx->nr_cells = run->nr_cells;
	for (unsigned i = 0; i < MMT_MAX_NODES; i++)
		ctx->node_free_kb[i] = -1;
	for (unsigned i = 0; i < run->topo->nr_nodes; i++) {
		unsigned id = run->topo->nodes[i].id;

		if (id < MMT_MAX_NODES)
			ctx->node_free_kb[id] = o->node_free_kb[i];
	}
	ctx->sample_ts_us = o->node_free_boot_us;
	ctx->spurious_threshold_kb = run->job->g.spurious_threshold >> 10;
	ctx->mem_free_kb = o->mem_free_kb;
}

static void free_oom_ctx(struct mmt_oom_cell *cells, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free((char *)cells[i].policy_api);
		free((char *)cells[i].mode_flags);
	}
}

/* Is the victim's memcg inside "/mmtorture-<run>/"? */
static bool in_run_tree(const struct mmt_run *run, json_object *ev)
{
	static const char *const keys[] = { "task_memcg", "oom_memcg" };
	char prefix[PATH_MAX];
	json_object *v;

	snprintf(prefix, sizeof(prefix), "/%s/", run->top_name);
	for (unsigned i = 0; i < MMT_ARRAY_SIZE(keys); i++)
		if (json_object_object_get_ex(ev, keys[i], &v) &&
		    mmt_startswith(json_object_get_string(v), prefix))
			return true;
	return false;
}

static void on_oom_kill(struct orch *o, json_object *ev)
{
	struct mmt_run *run = o->run;
	struct mmt_oom_cell cells[MMT_MAX_CELLS];
	struct mmt_oom_ctx ctx;
	enum mmt_oom_class cls;
	json_object *v;
	pid_t pid = 0;
	int ci;
	const char *comm = "?";

	if (json_object_object_get_ex(ev, "pid", &v))
		pid = json_object_get_int(v);
	if (json_object_object_get_ex(ev, "comm", &v))
		comm = json_object_get_string(v);
	if (pid <= 0) {
		/* A report whose kill line never came (cut short, or the
		 * killer found no victim): nobody to classify. */
		json_object_object_add(ev, "class", json_object_new_string("incomplete"));
		mmt_run_finding(run, MMT_F_NOTE, "an OOM report without a victim (kmsg seq %s)",
				json_object_object_get_ex(ev, "kmsg_seq", &v) ?
				json_object_get_string(v) : "?");
		return;
	}
	fill_oom_ctx(o, cells, &ctx);
	cls = mmt_oom_classify(ev, &ctx);
	free_oom_ctx(cells, run->nr_cells);
	if (cls == MMT_OOM_FOREIGN && in_run_tree(run, ev)) {
		/* Not a cell, but inside this run's cgroup tree: an injector's
		 * hog in its own limited memcg, whose kills are its purpose. */
		json_object *evd;

		cls = MMT_OOM_EXPECTED;
		json_object_object_add(ev, "class", json_object_new_string("expected"));
		if (json_object_object_get_ex(ev, "evidence", &evd))
			json_object_object_add(evd, "rule", json_object_new_string("injector_memcg"));
	}
	ci = mmt_oom_find_cell(&ctx, pid, NULL);
	if (pid > 0 && mmt_orch_victim_find(o, pid) && mmt_orch_victim_find(o, pid)->counted) {
		/* Its death was already accounted from the memcg counter. */
		json_object_object_add(ev, "accounted_earlier", json_object_new_boolean(true));
		return;
	}
	if (pid > 0 && o->nr_victims < MAX_VICTIMS && !mmt_orch_victim_find(o, pid)) {
		/* printk's clock (local_clock) runs with CLOCK_MONOTONIC, so the
		 * kill's own timestamp measures the victim's time to exit. */
		uint64_t kill_us = mmt_now_us();

		if (json_object_object_get_ex(ev, "kernel_ts_us", &v) &&
		    json_object_get_int64(v) > 0 && (uint64_t)json_object_get_int64(v) <= kill_us)
			kill_us = (uint64_t)json_object_get_int64(v);
		o->victims[o->nr_victims++] = (struct victim){
			.pid = pid, .cell = ci, .kill_mono_us = kill_us,
			.exited = false,
		};
	}
	if (ci >= 0) {
		run->cells[ci].oom_kills++;
		o->memcg_kills_matched[ci]++;
	}
	switch (cls) {
	case MMT_OOM_EXPECTED:
		if (ci >= 0 && run->cells[ci].expect_oom == MMT_EXPECT_OOM_NONE) {
			/* The kernel did its job: the cell's memcg was too small
			 * for its workload.  That is the harness's (or the job's)
			 * fault, not a kernel failure. */
			char lim[32];

			mmt_format_size(run->cells[ci].memory_max, lim, sizeof(lim));
			mmt_run_finding(run, MMT_F_HARNESS,
					"cell %s: worker %d hit its memcg limit (%s) in a job that expects no OOM kill: raise memory_max",
					run->cells[ci].cfg->name, (int)pid, lim);
			break;
		}
		mmt_run_finding(run, MMT_F_OOM_EXPECTED, "OOM kill of %s (pid %d) in cell %s: expected",
				comm, (int)pid, ci >= 0 ? run->cells[ci].cfg->name : "?");
		break;
	case MMT_OOM_SPURIOUS:
		mmt_run_finding(run, MMT_F_OOM_SPURIOUS,
				"spurious OOM kill of %s (pid %d) in cell %s: its nodes had free memory",
				comm, (int)pid, ci >= 0 ? run->cells[ci].cfg->name : "?");
		break;
	case MMT_OOM_UNEXPECTED:
		mmt_run_finding(run, MMT_F_OOM_UNEXPECTED,
				"OOM kill of worker %s (pid %d) in cell %s, which expects none",
				comm, (int)pid, ci >= 0 ? run->cells[ci].cfg->name : "?");
		break;
	case MMT_OOM_FOREIGN:
		mmt_run_finding(run, run->job->g.foreign_oom == MMT_FOREIGN_OOM_FAIL ?
				MMT_F_OOM_FOREIGN_FAIL : MMT_F_OOM_FOREIGN,
				"OOM kill of %s (pid %d), not one of ours", comm, (int)pid);
		break;
	}
}

static void on_kernel_event(struct orch *o, json_object *ev)
{
	struct mmt_run *run = o->run;
	json_object *v;
	const char *type = "kernel", *line = "";
	char type_copy[32];

	if (json_object_object_get_ex(ev, "type", &v))
		type = json_object_get_string(v);
	snprintf(type_copy, sizeof(type_copy), "%s", type);
	if (json_object_object_get_ex(ev, "line", &v))
		line = json_object_get_string(v);

	if (!strcmp(type_copy, "oom_kill"))
		on_oom_kill(o, ev);
	else if (!strcmp(type_copy, "hung_task"))
		mmt_run_finding(run, MMT_F_HUNG_TASK, "%s", line);
	else if (!strcmp(type_copy, "lockup"))
		mmt_run_finding(run, MMT_F_LOCKUP, "%s", line);
	else if (!strcmp(type_copy, "rcu_stall"))
		mmt_run_finding(run, MMT_F_RCU_STALL, "%s", line);
	else if (!strcmp(type_copy, "bug") || !strcmp(type_copy, "oops") ||
		 !strcmp(type_copy, "gpf") || !strcmp(type_copy, "panic"))
		mmt_run_finding(run, MMT_F_KERNEL_BUG, "%s", line);
	else if (!strcmp(type_copy, "warn"))
		mmt_run_finding(run, MMT_F_KERNEL_WARN, "%s", line);
	else if (!strcmp(type_copy, "kmsg_lost")) {
		int64_t missing = 0;

		if (json_object_object_get_ex(ev, "missing", &v))
			missing = json_object_get_int64(v);
		o->kmsg_lost += (uint64_t)missing;
		mmt_run_finding(run, MMT_F_KMSG_LOST, "%" PRId64 " kernel log records were lost",
				missing);
	}
	/* How late we learnt of it: printk's clock runs with CLOCK_MONOTONIC. */
	if (json_object_object_get_ex(ev, "kernel_ts_us", &v) && json_object_get_int64(v) > 0 &&
	    (uint64_t)json_object_get_int64(v) <= mmt_now_us())
		json_object_object_add(ev, "latency_us",
				       json_object_new_int64((int64_t)(mmt_now_us() -
								       (uint64_t)json_object_get_int64(v))));
	json_object_get(ev);
	json_object_object_del(ev, "type");
	mmt_run_event(run, type_copy, ev);
}

void mmt_orch_kmsg_dispatch(struct orch *o, json_object **evs, int n)
{
	for (int i = 0; i < n; i++) {
		on_kernel_event(o, evs[i]);
		json_object_put(evs[i]);
	}
}

void mmt_orch_kmsg_drain(struct orch *o)
{
	struct mmt_kmsg_rec *rec;
	json_object *evs[KMSG_BATCH];
	char line[MMT_KMSG_MAX + 128];

	if (o->kmsgfd < 0)
		return;
	rec = malloc(sizeof(*rec));
	if (!rec)
		return;
	for (;;) {
		int r = mmt_kmsg_read(o->kmsgfd, rec), n;

		if (r == -EPIPE) {
			n = mmt_kmsg_lost(o->kst, evs, KMSG_BATCH);
			if (n > 0)
				mmt_orch_kmsg_dispatch(o, evs, n);
			continue;
		}
		if (r <= 0)
			break;
		o->kmsg_records++;
		mmt_kmsg_format_log(rec, line, sizeof(line));
		mmt_results_kmsg(o->run->res, line);
		n = mmt_kmsg_feed(o->kst, rec, evs, KMSG_BATCH);
		if (n > 0)
			mmt_orch_kmsg_dispatch(o, evs, n);
	}
	free(rec);
}
