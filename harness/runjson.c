// SPDX-License-Identifier: GPL-2.0-only
/* run.json, result.ktap and junit.xml of a run. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "results/report.h"
#include "results/results.h"
#include "harness/orch.h"
#include "lib/util.h"
#include "workloads/workloads.h"

/* ---- run.json ------------------------------------------------------------- */

/* {"node id": count} for the non-zero entries. */
/* run.json "oracle" keys, in the order of struct orch_oracle v[]. */
static const struct {
	const char *key;
	size_t off;     /* in struct mmt_thread_stats; 0: rewrites published */
} oracle_keys[MMT_ORCH_ORACLE_NR] = {
	{ "checks", offsetof(struct mmt_thread_stats, oracle_checks) },
	{ "in_rewrite", offsetof(struct mmt_thread_stats, oracle_in_rewrite) },
	{ "transient", offsetof(struct mmt_thread_stats, oracle_transient) },
	{ "policy_drift", offsetof(struct mmt_thread_stats, oracle_drift) },
	{ "resyncs", offsetof(struct mmt_thread_stats, oracle_resyncs) },
	{ "placement_pages", offsetof(struct mmt_thread_stats, placement_pages) },
	{ "placement_outside", offsetof(struct mmt_thread_stats, placement_outside) },
	{ "rewrites_published", 0 },
};

void mmt_orch_oracle_keep(struct orch *o, unsigned i)
{
	const struct mmt_shared *sh = o->run->cells[i].sh;
	struct orch_oracle *k = &o->oracle[i];

	if (!sh)
		return;
	for (unsigned t = 0; t < MMT_MAX_THREADS; t++)
		k->on |= atomic_load(&sh->t[t].oracle_on) != 0;
	for (size_t n = 0; n < MMT_ORCH_ORACLE_NR; n++) {
		uint64_t sum = 0;

		if (!oracle_keys[n].off) {
			k->v[n] = atomic_load(&sh->mems.seq);
			continue;
		}
		for (unsigned t = 0; t < MMT_MAX_THREADS; t++)
			sum += atomic_load((const _Atomic uint64_t *)((const char *)&sh->t[t] +
								     oracle_keys[n].off));
		k->v[n] = sum;
	}
}

/*
 * The rebind oracle's counters of the cell's last worker, summed over its
 * threads (workloads/oracle.h), as "oracle": {...}; nothing when no thread
 * ran it.
 */
static void oracle_json(const struct orch_oracle *k, json_object *cj)
{
	json_object *oj;

	if (!k->on)
		return;
	oj = json_object_new_object();
	for (size_t n = 0; n < MMT_ORCH_ORACLE_NR; n++)
		json_object_object_add(oj, oracle_keys[n].key, json_object_new_uint64(k->v[n]));
	json_object_object_add(cj, "oracle", oj);
}

static json_object *node_counts(const uint64_t *per_node)
{
	json_object *per = json_object_new_object();
	char key[16];

	for (unsigned n = 0; n < MMT_MAX_NODES; n++) {
		if (!per_node[n])
			continue;
		snprintf(key, sizeof(key), "%u", n);
		json_object_object_add(per, key, json_object_new_int64((int64_t)per_node[n]));
	}
	return per;
}

static json_object *run_json(struct orch *o)
{
	struct mmt_run *run = o->run;
	struct mmt_job *job = run->job;
	json_object *j = json_object_new_object(), *x, *arr;
	struct utsname un;
	char buf[4096];
	uint64_t elapsed = (run->end_real_us ? run->end_real_us : mmt_realtime_us()) -
			   run->start_real_us;

	x = json_object_new_object();
	json_object_object_add(x, "name", jstr(PACKAGE_NAME));
	json_object_object_add(x, "version", jstr(PACKAGE_VERSION));
	json_object_object_add(j, "harness", x);
	json_object_object_add(j, "id", jstr(run->id));
	json_object_object_add(j, "dir", jstr(run->dir));
	x = json_object_new_object();
	if (uname(&un) == 0) {
		json_object_object_add(x, "release", jstr(un.release));
		json_object_object_add(x, "version", jstr(un.version));
		json_object_object_add(x, "machine", jstr(un.machine));
		json_object_object_add(x, "hostname", jstr(un.nodename));
	}
	if (mmt_read_file("/proc/cmdline", buf, sizeof(buf)) >= 0)
		json_object_object_add(x, "cmdline", jstr(mmt_strstrip(buf)));
	json_object_object_add(j, "kernel", x);

	x = json_object_new_object();
	mmt_topo_summary(run->topo, buf, sizeof(buf));
	json_object_object_add(x, "summary", jstr(buf));
	json_object_object_add(x, "cpus", jset(run->topo->all_cpus));
	json_object_object_add(x, "mem_nodes", jset(run->topo->mem_nodes));
	arr = json_object_new_array();
	for (unsigned i = 0; i < run->topo->nr_nodes; i++) {
		json_object *n = json_object_new_object();

		json_object_object_add(n, "id", json_object_new_int((int)run->topo->nodes[i].id));
		json_object_object_add(n, "mem_bytes",
				       json_object_new_int64((int64_t)run->topo->nodes[i].mem_bytes));
		json_object_object_add(n, "cpus", jset(run->topo->nodes[i].cpuset));
		json_object_array_add(arr, n);
	}
	json_object_object_add(x, "nodes", arr);
	json_object_object_add(j, "topology", x);

	x = json_object_new_object();
	for (int k = 0; k < MMT_CG_NR_CTRLS; k++)
		json_object_object_add(x, mmt_cg_ctrl_name(k),
				       jstr(mmt_cg_mode_name(run->cgsys.mode[k])));
	json_object_object_add(x, "top", jstr(run->top_name));
	json_object_object_add(j, "cgroup", x);

	x = json_object_new_object();
	json_object_object_add(x, "name", jstr(job->name));
	json_object_object_add(x, "path", jstr(job->path));
	json_object_object_add(x, "description", jstr(job->g.description));
	json_object_object_add(x, "text", jstr(job->text));
	json_object_object_add(j, "job", x);
	json_object_object_add(j, "seed", json_object_new_uint64(run->seed));
	json_object_object_add(j, "duration_us", json_object_new_int64((int64_t)job->g.duration_us));
	mmt_format_utc(run->start_real_us, false, buf, sizeof(buf));
	json_object_object_add(j, "start", jstr(buf));
	if (run->end_real_us) {
		mmt_format_utc(run->end_real_us, false, buf, sizeof(buf));
		json_object_object_add(j, "end", jstr(buf));
	}
	/* false in the run.json written at the start: its verdict is so far */
	json_object_object_add(j, "decided", json_object_new_boolean(run->end_real_us != 0));
	json_object_object_add(j, "elapsed_s", json_object_new_double((double)elapsed / 1e6));

	arr = json_object_new_array();
	for (unsigned i = 0; i < run->nr_cells; i++) {
		struct mmt_cell_rt *c = &run->cells[i];
		json_object *cj = json_object_new_object(), *pids = json_object_new_array();
		uint64_t loops, pages = mmt_orch_cell_pages(c, &loops);

		json_object_object_add(cj, "name", jstr(c->cfg->name));
		json_object_object_add(cj, "workload", jstr(c->cfg->wl->name));
		json_object_object_add(cj, "threads", json_object_new_int((int)c->cfg->o.threads));
		json_object_object_add(cj, "cpus", jset(c->cpus));
		json_object_object_add(cj, "mems", jset(c->mems));
		json_object_object_add(cj, "cgroup", jstr(c->cg_name));
		json_object_object_add(cj, "memory_max", json_object_new_int64((int64_t)c->memory_max));
		json_object_object_add(cj, "oom_score_adj", json_object_new_int(c->oom_score_adj));
		json_object_object_add(cj, "expect_oom",
				       jstr(c->expect_oom == MMT_EXPECT_OOM_NONE ? "none" :
					    c->expect_oom == MMT_EXPECT_OOM_MEMCG ? "memcg" : "any"));
		json_object_object_add(cj, "pages", json_object_new_int64((int64_t)pages));
		json_object_object_add(cj, "loops", json_object_new_int64((int64_t)loops));
		json_object_object_add(cj, "pages_per_s",
				       json_object_new_double(elapsed ? (double)pages * 1e6 / (double)elapsed : 0));
		json_object_object_add(cj, "spawns", json_object_new_int((int)c->spawns));
		json_object_object_add(cj, "oom_kills", json_object_new_int64((int64_t)c->oom_kills));
		/* Of those: victims whose threads were read at the kill, and of
		 * them the ones with a thread in the writeback path (lib/kstack.h). */
		json_object_object_add(cj, "oom_victims_seen_alive",
				       json_object_new_uint64(o->victims_seen_alive[i]));
		json_object_object_add(cj, "oom_victims_in_writeback",
				       json_object_new_uint64(o->victims_in_writeback[i]));
		json_object_object_add(cj, "rebinds", json_object_new_int64(
				       (int64_t)mmt_run_cell_disturbances(c, NULL)));
		for (unsigned k = 0; k < c->nr_pids; k++)
			json_object_array_add(pids, json_object_new_int(c->pids[k]));
		json_object_object_add(cj, "pids", pids);
		if (c->cfg->wl->describe) {
			json_object *d = json_object_new_object();

			c->cfg->wl->describe(c->cfg, d);
			json_object_object_add(cj, "workload_options", d);
		}
		{
			/* numa_maps of the worker, summed over the samples: shows
			 * that the bound pages follow the binding. */
			json_object *pl = json_object_new_object();

			json_object_object_add(pl, "pages_per_node", node_counts(o->placement[i]));
			json_object_object_add(pl, "other_anon_pages_per_node",
					       node_counts(o->placement_anon[i]));
			json_object_object_add(pl, "outside_mems",
					       json_object_new_int64((int64_t)o->placement_outside[i]));
			json_object_object_add(pl, "samples",
					       json_object_new_int((int)o->placement_samples[i]));
			json_object_object_add(cj, "placement", pl);
		}
		if (c->sh)
			mmt_orch_oracle_keep(o, i);
		oracle_json(&o->oracle[i], cj);
		json_object_array_add(arr, cj);
	}
	json_object_object_add(j, "cells", arr);
	/* OOM victims followed: how many slots of exited ones were reused */
	json_object_object_add(j, "oom_victims_recycled", json_object_new_uint64(o->victims_recycled));

	x = json_object_new_object();
	for (unsigned i = 0; i < run->nr_inj; i++) {
		struct mmt_inj *inj = &run->inj[i];
		json_object *ij = json_object_new_object();

		json_object_object_add(ij, "type", jstr(inj->ops->name));
		json_object_object_add(ij, "started", json_object_new_boolean(inj->started));
		if (inj->started && inj->ops->report)
			inj->ops->report(inj, ij);
		json_object_object_add(x, inj->cfg->name, ij);
	}
	json_object_object_add(j, "injectors", x);
	/* The job-level exposure to the race (results/report.h), from the
	 * rebind injectors' reports just written; null without a rebinder. */
	json_object_object_add(j, "exposure", mmt_report_exposure(j));

	x = json_object_new_object();
	json_object_object_add(x, "records", json_object_new_int64((int64_t)o->kmsg_records));
	json_object_object_add(x, "lost", json_object_new_int64((int64_t)o->kmsg_lost));
	json_object_object_add(x, "available", json_object_new_boolean(o->kmsgfd >= 0));
	json_object_object_add(j, "kmsg", x);

	x = json_object_new_object();
	for (unsigned i = 0; i < mmt_vmstat_count; i++)
		json_object_object_add(x, mmt_vmstat_names[i],
				       json_object_new_int64((int64_t)(mmt_mon_vmstat_get(&o->vm_prev, i) -
								       (mmt_startswith(mmt_vmstat_names[i], "nr_") ? 0 :
									mmt_mon_vmstat_get(&o->vm_start, i)))));
	json_object_object_add(j, "vmstat", x);

	pthread_mutex_lock(&run->lock);
	json_object_object_add(j, "facts", json_object_get(run->facts));
	mmt_verdict_decide(&run->verdict);
	json_object_object_add(j, "verdict", mmt_verdict_to_json(&run->verdict));
	pthread_mutex_unlock(&run->lock);
	if (o->interrupted)
		json_object_object_add(j, "interrupted_by", jstr(strsignal(o->interrupted)));
	return j;
}

void mmt_orch_write_outputs(struct orch *o)
{
	json_object *j = run_json(o);
	char *s;

	mmt_results_write_run_json(o->run->res, j);
	if (!o->run->end_real_us) {
		/*
		 * The first run.json, "in case we die": no result.ktap or
		 * junit.xml yet, whose "ok" a lab would take for a PASS of a
		 * run that never ended.
		 */
		json_object_put(j);
		return;
	}
	s = mmt_ktap_render(j);
	if (s) {
		mmt_results_write_file(o->run->res, "result.ktap", s);
		free(s);
	}
	s = mmt_junit_render(j);
	if (s) {
		mmt_results_write_file(o->run->res, "junit.xml", s);
		free(s);
	}
	json_object_put(j);
}
