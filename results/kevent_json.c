// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel events and OOM verdicts to JSON (results/kevent_json.h): the one
 * place their keys are written, for events.jsonl and parse-kmsg alike.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonget.h"
#include "results/kevent_json.h"

static void add(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

/* Unknown numbers are -1 and left out. */
static void add_i64(json_object *o, const char *k, int64_t v)
{
	if (v >= 0)
		add(o, k, json_object_new_int64(v));
}

static void add_str(json_object *o, const char *k, const char *v)
{
	if (v && *v)
		add(o, k, json_object_new_string(v));
}

/* A number, or null when unknown (the key is kept). */
static json_object *i64_or_null(bool known, int64_t v)
{
	return known ? json_object_new_int64(v) : NULL;
}

/* {"node": kB, ...} for the known entries of a per-node array. */
static json_object *per_node(const int64_t *kb, unsigned nr)
{
	json_object *o = json_object_new_object();

	for (unsigned i = 0; i < nr; i++) {
		char key[16];

		if (kb[i] < 0)
			continue;
		snprintf(key, sizeof(key), "%u", i);
		add(o, key, json_object_new_int64(kb[i]));
	}
	return o;
}

static void oom_to_json(const struct mmt_oom_report *r, json_object *o)
{
	add(o, "complete", json_object_new_boolean(r->complete));
	add_i64(o, "pid", r->pid);
	add_str(o, "comm", r->comm);
	add_i64(o, "uid", r->uid);
	add_str(o, "constraint", r->constraint);
	add_str(o, "nodemask", r->nodemask);
	add_str(o, "cpuset", r->cpuset);
	add_str(o, "mems_allowed", r->mems_allowed);
	add_str(o, "oom_memcg", r->oom_memcg);
	add_str(o, "task_memcg", r->task_memcg);
	if (r->has_global_oom)
		add(o, "global_oom", json_object_new_boolean(r->global_oom));
	if (r->has_header) {
		add_str(o, "gfp_mask", r->gfp_mask);
		add_i64(o, "order", r->order);
		if (r->has_oom_score_adj)
			add(o, "oom_score_adj", json_object_new_int64(r->oom_score_adj));
		add_str(o, "invoker_comm", r->invoker_comm);
		add(o, "header_seq", i64_or_null(r->has_header_seq, (int64_t)r->header_seq));
		add(o, "header_ts_us", i64_or_null(r->has_header_ts, (int64_t)r->header_ts_us));
	}
	add_i64(o, "invoker_pid", r->invoker_pid);
	add_i64(o, "total_vm_kb", r->total_vm_kb);
	add_i64(o, "anon_rss_kb", r->anon_rss_kb);
	add_i64(o, "file_rss_kb", r->file_rss_kb);
	add_i64(o, "shmem_rss_kb", r->shmem_rss_kb);
	add_i64(o, "pgtables_kb", r->pgtables_kb);
	if (r->has_victim_oom_score_adj)
		add(o, "victim_oom_score_adj", json_object_new_int64(r->victim_oom_score_adj));
	add_i64(o, "score", r->score);
	add_i64(o, "selected_pid", r->selected_pid);
	add_str(o, "selected_comm", r->selected_comm);
	add_i64(o, "memcg_usage_kb", r->memcg_usage_kb);
	add_i64(o, "memcg_limit_kb", r->memcg_limit_kb);
	add_i64(o, "memcg_failcnt", r->memcg_failcnt);
	add(o, "node_free_kb", per_node(r->node_free_kb, MMT_KMSG_NODES));
	add(o, "reaped", json_object_new_boolean(r->reaped));
	if (r->reaped) {
		add_i64(o, "reaped_ts_us", r->reaped_ts_us);
		add_i64(o, "reaped_anon_rss_kb", r->reaped_anon_rss_kb);
		add_i64(o, "reaped_file_rss_kb", r->reaped_file_rss_kb);
		add_i64(o, "reaped_shmem_rss_kb", r->reaped_shmem_rss_kb);
	}
}

json_object *mmt_kevent_to_json(const struct mmt_kevent *ev)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add(o, "type", json_object_new_string(mmt_kev_type_name(ev->type)));
	add(o, "kmsg_seq", i64_or_null(ev->has_seq, (int64_t)ev->seq));
	add(o, "kernel_ts_us", i64_or_null(ev->has_ts, (int64_t)ev->kernel_ts_us));
	add(o, "line", json_object_new_string(ev->line));
	switch (ev->type) {
	case MMT_KEV_OOM_KILL:
		oom_to_json(&ev->u.oom, o);
		break;
	case MMT_KEV_HUNG_TASK:
		add_i64(o, "pid", ev->u.task.pid);
		add_str(o, "comm", ev->u.task.comm);
		add_i64(o, "seconds", ev->u.task.seconds);
		break;
	case MMT_KEV_LOCKUP:
		add_str(o, "lockup", ev->u.lockup.hard ? "hard" : "soft");
		add_i64(o, "cpu", ev->u.lockup.cpu);
		add_i64(o, "seconds", ev->u.lockup.seconds);
		add_i64(o, "pid", ev->u.lockup.pid);
		add_str(o, "comm", ev->u.lockup.comm);
		break;
	case MMT_KEV_RCU_STALL:
		add_i64(o, "cpu", ev->u.cpu);
		break;
	case MMT_KEV_BUG:
		add_str(o, "bug", mmt_kmsg_kind_name(ev->u.bug));
		break;
	case MMT_KEV_WARN:
		add_i64(o, "cpu", ev->u.warn.cpu);
		add_i64(o, "pid", ev->u.warn.pid);
		break;
	case MMT_KEV_ALLOC_FAIL:
	case MMT_KEV_ALLOC_STALL:
		add_str(o, "comm", ev->u.alloc.comm);
		add_i64(o, "order", ev->u.alloc.order);
		add_str(o, "gfp_mask", ev->u.alloc.gfp_mask);
		add_str(o, "nodemask", ev->u.alloc.nodemask);
		add_str(o, "cpuset", ev->u.alloc.cpuset);
		add_str(o, "mems_allowed", ev->u.alloc.mems_allowed);
		add_i64(o, "stall_ms", ev->u.alloc.stall_ms);
		break;
	case MMT_KEV_OOM_REAPED:
		add_i64(o, "pid", ev->u.reaped.pid);
		add_str(o, "comm", ev->u.reaped.comm);
		add_i64(o, "anon_rss_kb", ev->u.reaped.anon_rss_kb);
		add_i64(o, "file_rss_kb", ev->u.reaped.file_rss_kb);
		add_i64(o, "shmem_rss_kb", ev->u.reaped.shmem_rss_kb);
		break;
	case MMT_KEV_KMSG_LOST:
		add(o, "missing", json_object_new_int64((int64_t)ev->u.lost.missing));
		add(o, "epipe", json_object_new_boolean(ev->u.lost.epipe));
		break;
	case MMT_KEV_PANIC:
	case MMT_KEV_NR:
		break;
	}
	return o;
}

/* ---- reading an oom_kill event back --------------------------------------- */

static int64_t get_i64(json_object *o, const char *k)
{
	int64_t v = -1;

	mmt_json_i64(o, k, &v);
	return v;
}

static void get_str(json_object *o, const char *k, char *dst, size_t n)
{
	const char *v = mmt_json_str(o, k);

	snprintf(dst, n, "%s", v ? v : "");
}

#define GET_STR(o, k, r) get_str((o), #k, (r)->k, sizeof((r)->k))
#define GET_I64(o, k, r) ((r)->k = get_i64((o), #k))

int mmt_oom_report_from_json(json_object *o, struct mmt_oom_report *r)
{
	const char *type = mmt_json_str(o, "type");
	json_object *nf;

	if (!type || strcmp(type, mmt_kev_type_name(MMT_KEV_OOM_KILL)))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->complete = mmt_json_bool(o, "complete", false);
	r->ts_us = get_i64(o, "kernel_ts_us");
	GET_I64(o, pid, r);
	GET_STR(o, comm, r);
	GET_I64(o, uid, r);
	GET_STR(o, constraint, r);
	GET_STR(o, nodemask, r);
	GET_STR(o, cpuset, r);
	GET_STR(o, mems_allowed, r);
	GET_STR(o, oom_memcg, r);
	GET_STR(o, task_memcg, r);
	r->has_global_oom = json_object_object_get_ex(o, "global_oom", NULL);
	r->global_oom = mmt_json_bool(o, "global_oom", false);
	r->has_header = json_object_object_get_ex(o, "header_seq", NULL) ||
			json_object_object_get_ex(o, "header_ts_us", NULL);
	GET_STR(o, gfp_mask, r);
	GET_I64(o, order, r);
	r->has_oom_score_adj = mmt_json_i64(o, "oom_score_adj", &r->oom_score_adj);
	GET_STR(o, invoker_comm, r);
	r->has_header_seq = mmt_json_i64(o, "header_seq", (int64_t *)&r->header_seq);
	r->has_header_ts = mmt_json_i64(o, "header_ts_us", (int64_t *)&r->header_ts_us);
	GET_I64(o, invoker_pid, r);
	GET_I64(o, total_vm_kb, r);
	GET_I64(o, anon_rss_kb, r);
	GET_I64(o, file_rss_kb, r);
	GET_I64(o, shmem_rss_kb, r);
	GET_I64(o, pgtables_kb, r);
	r->has_victim_oom_score_adj = mmt_json_i64(o, "victim_oom_score_adj",
						   &r->victim_oom_score_adj);
	GET_I64(o, score, r);
	GET_I64(o, selected_pid, r);
	GET_STR(o, selected_comm, r);
	GET_I64(o, memcg_usage_kb, r);
	GET_I64(o, memcg_limit_kb, r);
	GET_I64(o, memcg_failcnt, r);
	for (unsigned i = 0; i < MMT_KMSG_NODES; i++)
		r->node_free_kb[i] = -1;
	nf = mmt_json_get(o, "node_free_kb");
	if (json_object_is_type(nf, json_type_object)) {
		json_object_object_foreach(nf, key, val) {
			char *end;
			unsigned long n = strtoul(key, &end, 10);

			if (*key && !*end && n < MMT_KMSG_NODES)
				r->node_free_kb[n] = json_object_get_int64(val);
		}
	}
	r->reaped = mmt_json_bool(o, "reaped", false);
	GET_I64(o, reaped_ts_us, r);
	GET_I64(o, reaped_anon_rss_kb, r);
	GET_I64(o, reaped_file_rss_kb, r);
	GET_I64(o, reaped_shmem_rss_kb, r);
	return 0;
}

/* ---- a classified kill ------------------------------------------------------ */

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *rebind_to_json(const struct mmt_oom_rebind *rb)
{
	json_object *o = json_object_new_object();

	add(o, "rebinding", json_object_new_boolean(rb->rebinding));
	add(o, "rebind_count", json_object_new_int64((int64_t)rb->rebind_count));
	add(o, "last_rebind_us", i64_or_null(rb->rebind_count, (int64_t)rb->last_rebind_us));
	add(o, "kill_ts_us", i64_or_null(rb->kill_ts_us >= 0, rb->kill_ts_us));
	add(o, "delta_us", i64_or_null(rb->has_delta, rb->delta_us));
	add(o, "window_us", json_object_new_int64(rb->window_us));
	add(o, "in_flight", json_object_new_boolean(rb->in_flight));
	return o;
}

static json_object *evidence_to_json(const struct mmt_oom_verdict *v)
{
	const struct mmt_oom_evidence *e = &v->evidence;
	json_object *o = json_object_new_object(), *nodes;

	add(o, "pid", json_object_new_int64(e->pid));
	add(o, "task_memcg", json_object_new_string(e->task_memcg ? e->task_memcg : ""));
	if (v->cell >= 0) {
		if (e->allocation_nodes)
			add(o, "allocation_nodes", json_object_new_string(e->allocation_nodes));
		add(o, "constraint", str_or_null(e->constraint));
		add(o, "threshold_kb", json_object_new_int64((int64_t)e->threshold_kb));
		nodes = json_object_new_array();
		for (unsigned i = 0; i < e->nr_allowed_nodes; i++)
			json_object_array_add(nodes, json_object_new_int64(e->allowed_nodes[i]));
		add(o, "allowed_nodes", nodes);
		add(o, "node_free_kb_sample", per_node(e->node_free_kb_sample, MMT_MAX_NODES));
		add(o, "allowed_free_kb_sample", i64_or_null(e->allowed_free_kb_sample >= 0,
							     e->allowed_free_kb_sample));
		add(o, "sample_ts_us", i64_or_null(e->sample_ts_us, (int64_t)e->sample_ts_us));
		add(o, "node_free_kb_kernel", per_node(e->node_free_kb_kernel, MMT_MAX_NODES));
		add(o, "allowed_free_kb_kernel", i64_or_null(e->allowed_free_kb_kernel >= 0,
							     e->allowed_free_kb_kernel));
		add(o, "mem_free_kb", json_object_new_int64((int64_t)e->mem_free_kb));
		add(o, "memcg_usage_kb", i64_or_null(e->memcg_usage_kb >= 0, e->memcg_usage_kb));
		add(o, "memcg_limit_kb", i64_or_null(e->memcg_limit_kb >= 0, e->memcg_limit_kb));
		add(o, "cell_memory_max", json_object_new_int64((int64_t)e->cell_memory_max));
		add(o, "cell_memory_usage", json_object_new_int64((int64_t)e->cell_memory_usage));
		add(o, "cell_memcg_oom_kills",
		    json_object_new_int64((int64_t)e->cell_memcg_oom_kills));
		add(o, "budget_kb", json_object_new_int64((int64_t)e->budget_kb));
		add(o, "oom_expected", json_object_new_boolean(e->oom_expected));
		add(o, "memcg_oom", json_object_new_boolean(e->memcg_oom));
		add_i64(o, "available_kb", e->available_kb);
	}
	add(o, "rule", json_object_new_string(v->rule ? v->rule : "?"));
	return o;
}

void mmt_oom_verdict_to_json(const struct mmt_oom_verdict *v, json_object *ev)
{
	add(ev, "cell", str_or_null(v->cell >= 0 ? v->cell_name : NULL));
	add(ev, "race", json_object_new_boolean(v->race));
	add(ev, "rebind_in_flight", v->cell >= 0 ? rebind_to_json(&v->rebind) : NULL);
	add(ev, "policy_api", str_or_null(v->policy_api));
	add(ev, "mode_flags", str_or_null(v->mode_flags));
	add(ev, "class", json_object_new_string(mmt_oom_class_name(v->cls)));
	add(ev, "evidence", evidence_to_json(v));
}
