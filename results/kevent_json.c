// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel events and OOM verdicts to JSON (results/kevent_json.h): the one
 * place their keys are written, for events.jsonl and parse-kmsg alike.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
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

/* A plain field of struct mmt_kevent: left out when unknown (-1 or ""). */
struct kfield {
	const char *key;
	bool str;
	size_t off, size;
};

#define KI64(k, m) { k, false, offsetof(struct mmt_kevent, u.m), 0 }
#define KSTR(k, m) { k, true, offsetof(struct mmt_kevent, u.m), \
		     sizeof(((struct mmt_kevent *)0)->u.m) }
#define KEND { NULL, false, 0, 0 }

/* The oom_kill fields that are neither flags nor objects (mmt_oom_report). */
static const struct kfield oom_fields[] = {
	KI64("pid", oom.pid), KSTR("comm", oom.comm), KI64("uid", oom.uid),
	KSTR("constraint", oom.constraint), KSTR("nodemask", oom.nodemask),
	KSTR("cpuset", oom.cpuset), KSTR("mems_allowed", oom.mems_allowed),
	KSTR("oom_memcg", oom.oom_memcg), KSTR("task_memcg", oom.task_memcg),
	KSTR("gfp_mask", oom.gfp_mask), KI64("order", oom.order),
	KSTR("invoker_comm", oom.invoker_comm), KI64("invoker_pid", oom.invoker_pid),
	KI64("total_vm_kb", oom.total_vm_kb), KI64("anon_rss_kb", oom.anon_rss_kb),
	KI64("file_rss_kb", oom.file_rss_kb), KI64("shmem_rss_kb", oom.shmem_rss_kb),
	KI64("pgtables_kb", oom.pgtables_kb), KI64("score", oom.score),
	KI64("selected_pid", oom.selected_pid), KSTR("selected_comm", oom.selected_comm),
	KI64("memcg_usage_kb", oom.memcg_usage_kb), KI64("memcg_limit_kb", oom.memcg_limit_kb),
	KI64("memcg_failcnt", oom.memcg_failcnt), KI64("reaped_ts_us", oom.reaped_ts_us),
	KI64("reaped_anon_rss_kb", oom.reaped_anon_rss_kb),
	KI64("reaped_file_rss_kb", oom.reaped_file_rss_kb),
	KI64("reaped_shmem_rss_kb", oom.reaped_shmem_rss_kb),
	KEND
};

/* The other events' fields, by type (lockup, bug and kmsg_lost add more). */
static const struct kfield *const fields[MMT_KEV_NR] = {
	[MMT_KEV_OOM_KILL] = oom_fields,
	[MMT_KEV_HUNG_TASK] = (const struct kfield[]){
		KI64("pid", task.pid), KSTR("comm", task.comm), KI64("seconds", task.seconds),
		KI64("tgid", task.tgid), KEND },
	[MMT_KEV_LOCKUP] = (const struct kfield[]){
		KI64("cpu", lockup.cpu), KI64("seconds", lockup.seconds),
		KI64("pid", lockup.pid), KSTR("comm", lockup.comm), KEND },
	[MMT_KEV_RCU_STALL] = (const struct kfield[]){ KI64("cpu", rcu.cpu), KEND },
	[MMT_KEV_WARN] = (const struct kfield[]){
		KI64("cpu", warn.cpu), KI64("pid", warn.pid), KSTR("comm", warn.comm),
		KSTR("where", warn.where), KEND },
	[MMT_KEV_PANIC] = (const struct kfield[]){
		KI64("cpu", warn.cpu), KI64("pid", warn.pid), KSTR("comm", warn.comm), KEND },
	[MMT_KEV_ALLOC_FAIL] = (const struct kfield[]){
		KSTR("comm", alloc.comm), KI64("pid", alloc.pid), KI64("order", alloc.order),
		KSTR("gfp_mask", alloc.gfp_mask), KSTR("nodemask", alloc.nodemask),
		KSTR("cpuset", alloc.cpuset), KSTR("mems_allowed", alloc.mems_allowed),
		KI64("stall_ms", alloc.stall_ms), KEND },
	[MMT_KEV_OOM_REAPED] = (const struct kfield[]){
		KI64("pid", reaped.pid), KSTR("comm", reaped.comm),
		KI64("anon_rss_kb", reaped.anon_rss_kb), KI64("file_rss_kb", reaped.file_rss_kb),
		KI64("shmem_rss_kb", reaped.shmem_rss_kb), KI64("kill_seq", reaped.kill_seq), KEND },
	[MMT_KEV_WQ_LOCKUP] = (const struct kfield[]){
		KSTR("pool", wq.pool), KI64("seconds", wq.seconds), KEND },
	[MMT_KEV_PF_OOM_LEAK] = (const struct kfield[]){
		KI64("count", leak.count), KI64("suppressed", leak.suppressed), KEND },
	[MMT_KEV_MARK] = (const struct kfield[]){
		KSTR("run_id", mark.run_id), KSTR("text", mark.text), KEND },
};

static const struct kfield *fields_of(enum mmt_kev_type type)
{
	if (type == MMT_KEV_ALLOC_STALL)
		type = MMT_KEV_ALLOC_FAIL;
	return (unsigned)type < MMT_KEV_NR ? fields[type] : NULL;
}

static void fields_to_json(const struct mmt_kevent *ev, json_object *o)
{
	for (const struct kfield *f = fields_of(ev->type); f && f->key; f++) {
		const char *p = (const char *)ev + f->off;

		if (f->str)
			add_str(o, f->key, p);
		else
			add_i64(o, f->key, *(const int64_t *)p);
	}
}

static void fields_from_json(json_object *o, struct mmt_kevent *ev)
{
	for (const struct kfield *f = fields_of(ev->type); f && f->key; f++) {
		char *p = (char *)ev + f->off;
		const char *s;

		if (f->str) {
			s = mmt_json_str(o, f->key);
			snprintf(p, f->size, "%s", s ? s : "");
		} else {
			*(int64_t *)p = -1;
			mmt_json_i64(o, f->key, (int64_t *)p);
		}
	}
}

static void oom_to_json(const struct mmt_oom_report *r, json_object *o)
{
	add(o, "complete", json_object_new_boolean(r->complete));
	if (r->has_global_oom)
		add(o, "global_oom", json_object_new_boolean(r->global_oom));
	if (r->has_oom_score_adj)
		add(o, "oom_score_adj", json_object_new_int64(r->oom_score_adj));
	if (r->has_header) {
		add(o, "header_seq", i64_or_null(r->has_header_seq, (int64_t)r->header_seq));
		add(o, "header_ts_us", i64_or_null(r->has_header_ts, (int64_t)r->header_ts_us));
	}
	if (r->has_victim_oom_score_adj)
		add(o, "victim_oom_score_adj", json_object_new_int64(r->victim_oom_score_adj));
	add(o, "node_free_kb", per_node(r->node_free_kb, MMT_KMSG_NODES));
	add(o, "node_wmark_high_kb", per_node(r->node_wmark_high_kb, MMT_KMSG_NODES));
	add(o, "reaped", json_object_new_boolean(r->reaped));
	add(o, "memcg_oom", json_object_new_boolean(r->memcg_oom));
}

/* "top_function" and "stack" (innermost first), when a call trace was read */
static void stack_to_json(const struct mmt_kevent *ev, json_object *o)
{
	json_object *a;

	if (!ev->nr_stack)
		return;
	add_str(o, "top_function", ev->stack[0]);
	a = json_object_new_array();
	for (unsigned i = 0; i < ev->nr_stack && i < MMT_KEV_STACK; i++)
		json_object_array_add(a, json_object_new_string(ev->stack[i]));
	add(o, "stack", a);
}

/* "cpus" (the stalled CPUs, in the report's order) and "reports" */
static void rcu_to_json(const struct mmt_kevent *ev, json_object *o)
{
	json_object *a;

	add_i64(o, "reports", ev->u.rcu.reports);
	if (!ev->u.rcu.nr_cpus)
		return;
	a = json_object_new_array();
	for (unsigned i = 0; i < ev->u.rcu.nr_cpus && i < MMT_KEV_RCU_CPUS; i++)
		json_object_array_add(a, json_object_new_int64(ev->u.rcu.cpus[i]));
	add(o, "cpus", a);
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
	fields_to_json(ev, o);
	stack_to_json(ev, o);
	switch (ev->type) {
	case MMT_KEV_RCU_STALL:
		rcu_to_json(ev, o);
		break;
	case MMT_KEV_OOM_KILL:
		oom_to_json(&ev->u.oom, o);
		break;
	case MMT_KEV_LOCKUP:
		add_str(o, "lockup", ev->u.lockup.hard ? "hard" : "soft");
		break;
	case MMT_KEV_BUG:
		add_str(o, "bug", mmt_kmsg_kind_name(ev->u.bug));
		break;
	case MMT_KEV_KMSG_LOST:
		add(o, "missing", json_object_new_int64((int64_t)ev->u.lost.missing));
		add(o, "epipe", json_object_new_boolean(ev->u.lost.epipe));
		break;
	default:
		break;
	}
	return o;
}

/* ---- reading an oom_kill event back --------------------------------------- */

/* {"node": kB, ...} into per[MMT_KMSG_NODES]; -1 where absent. */
static void per_node_from_json(json_object *nf, int64_t *per)
{
	for (unsigned i = 0; i < MMT_KMSG_NODES; i++)
		per[i] = -1;
	if (!json_object_is_type(nf, json_type_object))
		return;
	json_object_object_foreach(nf, key, val) {
		char *end;
		unsigned long n = strtoul(key, &end, 10);

		if (*key && !*end && n < MMT_KMSG_NODES)
			per[n] = json_object_get_int64(val);
	}
}

int mmt_oom_report_from_json(json_object *o, struct mmt_oom_report *r)
{
	const char *type = mmt_json_str(o, "type");
	struct mmt_kevent *ev;

	if (!type || strcmp(type, mmt_kev_type_name(MMT_KEV_OOM_KILL)))
		return -EINVAL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->type = MMT_KEV_OOM_KILL;
	fields_from_json(o, ev);
	*r = ev->u.oom;
	free(ev);
	r->complete = mmt_json_bool(o, "complete", false);
	r->ts_us = -1;
	mmt_json_i64(o, "kernel_ts_us", &r->ts_us);
	r->has_global_oom = json_object_object_get_ex(o, "global_oom", NULL);
	r->global_oom = mmt_json_bool(o, "global_oom", false);
	r->has_header = json_object_object_get_ex(o, "header_seq", NULL) ||
			json_object_object_get_ex(o, "header_ts_us", NULL);
	r->has_oom_score_adj = mmt_json_i64(o, "oom_score_adj", &r->oom_score_adj);
	if (!r->has_oom_score_adj)
		r->oom_score_adj = -1;
	r->has_header_seq = mmt_json_i64(o, "header_seq", (int64_t *)&r->header_seq);
	r->has_header_ts = mmt_json_i64(o, "header_ts_us", (int64_t *)&r->header_ts_us);
	r->has_victim_oom_score_adj = mmt_json_i64(o, "victim_oom_score_adj",
						   &r->victim_oom_score_adj);
	if (!r->has_victim_oom_score_adj)
		r->victim_oom_score_adj = -1;
	per_node_from_json(mmt_json_get(o, "node_free_kb"), r->node_free_kb);
	per_node_from_json(mmt_json_get(o, "node_wmark_high_kb"), r->node_wmark_high_kb);
	r->reaped = mmt_json_bool(o, "reaped", false);
	r->memcg_oom = mmt_json_bool(o, "memcg_oom", false);
	r->invoker_tgid = 0;
	mmt_json_i64(o, "invoker_tgid", &r->invoker_tgid);   /* a run's record only */
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
		add(o, "allowed_wmark_high_kb_sample",
		    i64_or_null(e->allowed_wmark_high_kb_sample >= 0, e->allowed_wmark_high_kb_sample));
		add(o, "allowed_wmark_high_kb_kernel",
		    i64_or_null(e->allowed_wmark_high_kb_kernel >= 0, e->allowed_wmark_high_kb_kernel));
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
	if (v->by_invoker)
		add(ev, "cell_of", json_object_new_string("invoker"));
	add(ev, "evidence", evidence_to_json(v));
}
