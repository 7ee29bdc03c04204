// SPDX-License-Identifier: GPL-2.0-only
/* samples.csv: per-interval telemetry of the machine, the cells and injectors. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/results.h"
#include "api/workload.h"
#include "harness/orch.h"
#include "lib/util.h"
#include "lib/zoneinfo.h"

uint64_t mmt_orch_cell_pages(const struct mmt_cell_rt *c, uint64_t *ret_loops)
{
	uint64_t pages = c->pages_carry, loops = c->loops_carry;

	if (c->sh) {
		for (unsigned i = 0; i < MMT_MAX_THREADS; i++) {
			pages += atomic_load(&c->sh->t[i].pages);
			loops += atomic_load(&c->sh->t[i].loops);
		}
	}
	if (ret_loops)
		*ret_loops = loops;
	return pages;
}

/* ---- samples -------------------------------------------------------------- */

int mmt_orch_samples_header(struct orch *o)
{
	struct mmt_run *run = o->run;
	const char **cols;
	char **owned;
	unsigned n = 0, cap = 64 + mmt_vmstat_count + run->topo->nr_nodes +
			       3 * run->nr_cells + MMT_INJ_MAX_COLUMNS * run->nr_inj;
	int r;

	cols = calloc(cap, sizeof(*cols));
	owned = calloc(cap, sizeof(*owned));
	if (!cols || !owned) {
		free(cols);
		free(owned);
		return -ENOMEM;
	}
#define ADD(fmt, ...) do { \
		if (asprintf(&owned[n], fmt, ##__VA_ARGS__) < 0) owned[n] = NULL; \
		cols[n] = owned[n] ? owned[n] : "?"; n++; \
	} while (0)
	ADD("t_s");
	for (unsigned i = 0; i < run->topo->nr_nodes; i++)
		ADD("node%u_free_kb", run->topo->nodes[i].id);
	for (unsigned i = 0; i < mmt_vmstat_count; i++)
		ADD("%s", mmt_vmstat_names[i]);
	ADD("psi_some_avg10");
	ADD("psi_full_avg10");
	for (unsigned i = 0; i < run->nr_cells; i++) {
		ADD("%s_pages", run->cells[i].cfg->name);
		ADD("%s_pages_per_s", run->cells[i].cfg->name);
		ADD("%s_mem_kb", run->cells[i].cfg->name);
	}
	for (unsigned i = 0; i < run->nr_inj; i++) {
		const struct mmt_injector_ops *ops = run->inj[i].ops;

		for (unsigned k = 0; ops->columns && ops->columns[k] && k < MMT_INJ_MAX_COLUMNS; k++)
			ADD("%s_%s", run->inj[i].cfg->name, ops->columns[k]);
	}
#undef ADD
	o->nr_cols = n;
	o->row = calloc(n, sizeof(double));
	r = o->row ? mmt_results_samples_header(run->res, cols, n) : -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		free(owned[i]);
	free(owned);
	free(cols);
	return r;
}

static void sample_placement(struct orch *o, struct mmt_cell_rt *c)
{
	pid_t pid = atomic_load(&c->pid);
	uint64_t bound[MMT_MAX_NODES] = { 0 }, anon[MMT_MAX_NODES] = { 0 };
	char path[64], *text = NULL;

	if (pid <= 0 || c->cfg->wl->no_placement)
		return;
	snprintf(path, sizeof(path), "/proc/%d/numa_maps", (int)pid);
	if (mmt_read_file_alloc(path, &text) < 0)
		return;
	if (mmt_mon_parse_numa_maps(text, bound, anon, MMT_MAX_NODES) > 0) {
		o->placement_samples[c->index]++;
		for (unsigned n = 0; n < MMT_MAX_NODES; n++) {
			o->placement[c->index][n] += bound[n];
			o->placement_anon[c->index][n] += anon[n];
			/* Only bound mappings must follow the binding. */
			if (bound[n] && !hwloc_bitmap_isset(c->mems, n))
				o->placement_outside[c->index] += bound[n];
		}
	}
	free(text);
}

void mmt_orch_sample_free(struct orch *o)
{
	struct mmt_run *run = o->run;
	struct mmt_zone z[64];
	uint64_t avail;
	int nr;

	mmt_mon_node_free(run->topo, o->node_free_kb);
	o->node_free_boot_us = mmt_boottime_us();
	mmt_mon_meminfo(&o->mem_free_kb, &avail);
	/* /proc/zoneinfo: a few hundred lines, once per sample interval */
	nr = mmt_zoneinfo_read(z, MMT_ARRAY_SIZE(z));
	for (unsigned n = 0; n < MMT_MAX_NODES; n++) {
		struct mmt_node_wmark w;

		o->node_wmark_high_kb[n] = nr > 0 && mmt_zoneinfo_node(z, (size_t)nr, n, &w) ?
					   (int64_t)(w.high * ((uint64_t)mmt_page_size() / 1024)) : -1;
	}
}

void mmt_orch_sample(struct orch *o, uint64_t now)
{
	struct mmt_run *run = o->run;
	struct mmt_vmstat vm;
	struct mmt_psi psi;
	double dt = (double)(now - o->tick_prev_us) / 1e6;
	unsigned n = 0;

	if (dt <= 0)
		dt = 1e-6;
	o->row[n++] = (double)(now - run->start_mono_us) / 1e6;
	mmt_orch_sample_free(o);
	for (unsigned i = 0; i < run->topo->nr_nodes; i++)
		o->row[n++] = (double)o->node_free_kb[i];
	if (mmt_mon_vmstat(&vm) < 0)
		memset(&vm, 0, sizeof(vm));
	for (unsigned i = 0; i < mmt_vmstat_count; i++) {
		uint64_t cur = mmt_mon_vmstat_get(&vm, i), base = mmt_mon_vmstat_get(&o->vm_start, i);

		/* nr_* are gauges, the rest counters since the run started */
		o->row[n++] = mmt_startswith(mmt_vmstat_names[i], "nr_") ? (double)cur
									  : (double)(cur - base);
	}
	o->vm_prev = vm;
	if (mmt_mon_psi("/proc/pressure/memory", &psi) == 0) {
		o->row[n++] = psi.some_avg10;
		o->row[n++] = psi.full_avg10;
	} else {
		o->row[n++] = NAN;
		o->row[n++] = NAN;
	}
	for (unsigned i = 0; i < run->nr_cells; i++) {
		struct mmt_cell_rt *c = &run->cells[i];
		uint64_t pages = mmt_orch_cell_pages(c, NULL);
		char buf[64];
		uint64_t cur = 0;

		o->row[n++] = (double)pages;
		o->row[n++] = (double)(pages - c->pages_prev) / dt;
		c->pages_prev = pages;
		if (mmt_cg_get(c->cg, "memory.current", buf, sizeof(buf)) == 0 &&
		    mmt_parse_u64(mmt_strstrip(buf), &cur) == 0) {
			o->mem_usage[i] = cur;
			o->row[n++] = (double)(cur >> 10);
		} else {
			o->row[n++] = NAN;
		}
		if (mmt_cg_oom_kills(c->cg, &o->memcg_kills[i]) < 0)
			o->memcg_kills[i] = 0;
		sample_placement(o, c);
	}
	for (unsigned i = 0; i < run->nr_inj; i++) {
		struct mmt_inj *inj = &run->inj[i];
		unsigned k = 0;
		double vals[MMT_INJ_MAX_COLUMNS];

		while (inj->ops->columns && inj->ops->columns[k] && k < MMT_INJ_MAX_COLUMNS)
			vals[k++] = NAN;
		if (inj->started && inj->ops->poll && k)
			inj->ops->poll(inj, vals);
		for (unsigned j = 0; j < k; j++)
			o->row[n++] = vals[j];
	}
	mmt_results_sample(run->res, o->row, n);
	o->tick_prev_us = now;
}
