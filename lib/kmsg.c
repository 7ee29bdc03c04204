// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel log: /dev/kmsg records, saved text lines, the table-driven line
 * classifier and the combiner that folds the lines of one OOM report into
 * one "oom_kill" event.
 *
 * Combiner decisions (documented here because callers depend on them):
 *  - An OOM report opens at "invoked oom-killer" (or at a constraint/kill
 *    line when the header was not seen) and collects the node dump, the
 *    memcg usage, the cpuset line, the constraint line and the kill line.
 *  - The kill line completes the report, but the event is held back until
 *    the "oom_reaper: reaped process" line of the same pid arrives, or the
 *    next OOM line, or MMT_KMSG_REAP_WINDOW_US of kernel time /
 *    MMT_KMSG_REAP_WINDOW_RECS records pass, or mmt_kmsg_expire()/flush().
 *    A reaper line that comes later becomes its own "oom_reaped" event.
 *  - An allocation failure without cpuset fields (kernels < 5.0 print them
 *    on the next line) is held for one record to pick up that line.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/kmsg.h"
#include "lib/log.h"

#define NODES MMT_KMSG_NODES

/* ------------------------------------------------------------------ */
/* small string helpers                                                */

static void copy_span(char *dst, size_t n, const char *s, size_t len)
{
	if (!n)
		return;
	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	/* trim trailing blanks */
	while (len && isspace((unsigned char)dst[len - 1]))
		dst[--len] = '\0';
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Decimal integer at s; *end past it.  False if no digit. */
static bool num_at(const char *s, int64_t *v, const char **end)
{
	const char *p = s;
	bool neg = false;
	int64_t x = 0;

	while (*p == ' ')
		p++;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		if (x < INT64_MAX / 10)
			x = x * 10 + (*p - '0');
		p++;
	}
	*v = neg ? -x : x;
	if (end)
		*end = p;
	return true;
}

/* Find key in s at a word boundary (start, blank, ',', '(' or ';' before). */
static const char *find_key(const char *s, const char *key)
{
	const char *p = s;

	while ((p = strstr(p, key))) {
		if (p == s || strchr(" ,(;:\t", p[-1]))
			return p;
		p++;
	}
	return NULL;
}

static void key_i64(const char *s, const char *key, int64_t *v)
{
	const char *p = find_key(s, key);

	if (p && !num_at(p + strlen(key), v, NULL))
		*v = -1;
}

/*
 * Value after key: ends at the end, at whitespace, or at a ',' that is not
 * followed by a digit (node lists like "0,2-3" keep their commas).
 */
static bool key_str(const char *s, const char *key, char *dst, size_t n)
{
	const char *p = find_key(s, key), *e;

	if (!p)
		return false;
	p += strlen(key);
	for (e = p; *e; e++) {
		if (isspace((unsigned char)*e))
			break;
		if (*e == ',' && !isdigit((unsigned char)e[1]))
			break;
	}
	copy_span(dst, n, p, e - p);
	return true;
}

/* "comm" between '(' at or after s and the ')' just before one of anchors. */
static void paren_comm(const char *s, char *dst, size_t n)
{
	static const char *const anchors[] = {
		") total-vm", "), UID", ") score", "), now", ") sacrifice", NULL
	};
	const char *open = strchr(s, '('), *close = NULL;

	if (!open)
		return;
	for (int i = 0; anchors[i] && !close; i++)
		close = strstr(open, anchors[i]);
	if (!close)
		close = strrchr(open, ')');
	if (close && close > open)
		copy_span(dst, n, open + 1, close - open - 1);
}

/* ------------------------------------------------------------------ */
/* extractors: one per line format; false rejects the line              */

typedef bool (*extract_fn)(const char *msg, const char *hit,
			   struct mmt_kmsg_match *m);

static bool ex_text(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	(void)hit;
	(void)msg;
	(void)m;
	return true;
}

static bool ex_invoked(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	copy_span(m->comm, sizeof(m->comm), msg, hit - msg);
	key_str(hit, "gfp_mask=", m->gfp_mask, sizeof(m->gfp_mask));
	key_str(hit, "nodemask=", m->nodemask, sizeof(m->nodemask));
	key_i64(hit, "order=", &m->order);
	key_i64(hit, "oom_score_adj=", &m->oom_score_adj);
	return m->gfp_mask[0] != '\0';
}

static bool ex_constraint(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *t, *e;

	(void)msg;
	key_str(hit, "constraint=", m->constraint, sizeof(m->constraint));
	key_str(hit, "nodemask=", m->nodemask, sizeof(m->nodemask));
	key_str(hit, "cpuset=", m->cpuset, sizeof(m->cpuset));
	key_str(hit, "mems_allowed=", m->mems_allowed, sizeof(m->mems_allowed));
	key_str(hit, "oom_memcg=", m->oom_memcg, sizeof(m->oom_memcg));
	key_str(hit, "task_memcg=", m->task_memcg, sizeof(m->task_memcg));
	m->global_oom = find_key(hit, "global_oom") != NULL;
	/* comm may hold anything: it ends at ",pid=" */
	t = find_key(hit, "task=");
	if (t) {
		t += 5;
		e = strstr(t, ",pid=");
		copy_span(m->comm, sizeof(m->comm), t, e ? (size_t)(e - t) : strlen(t));
	}
	key_i64(hit, "pid=", &m->pid);
	key_i64(hit, "uid=", &m->uid);
	return m->constraint[0] != '\0';
}

static void rss_fields(const char *s, struct mmt_kmsg_match *m)
{
	key_i64(s, "total-vm:", &m->total_vm_kb);
	key_i64(s, "anon-rss:", &m->anon_rss_kb);
	key_i64(s, "file-rss:", &m->file_rss_kb);
	key_i64(s, "shmem-rss:", &m->shmem_rss_kb);
}

static bool ex_killed(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *p = hit + strlen("Killed process "), *end;
	int64_t v;

	(void)msg;
	if (!num_at(p, &m->pid, &end))
		return false;
	/* 2.6.32: "Killed process 21578, UID 503, (redis-server) total-vm:" */
	paren_comm(end, m->comm, sizeof(m->comm));
	rss_fields(end, m);
	key_i64(end, "pgtables:", &m->pgtables_kb);
	key_i64(end, "oom_score_adj:", &m->oom_score_adj);
	key_i64(end, "UID:", &m->uid);
	if (m->uid < 0) {
		const char *u = find_key(end, "UID ");

		if (u && num_at(u + 4, &v, NULL))
			m->uid = v;
	}
	return true;
}

static bool ex_kill_select(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *p = hit + strlen("Kill process "), *end;

	(void)msg;
	if (!num_at(p, &m->pid, &end))
		return false;
	if (!strstr(end, "sacrifice child") && !strstr(end, " score "))
		return false;
	paren_comm(end, m->comm, sizeof(m->comm));
	key_i64(end, "score ", &m->score);
	m->kill_select = true;
	return true;
}

static bool ex_reaped(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *end;

	(void)msg;
	if (!num_at(hit + strlen("oom_reaper: reaped process "), &m->pid, &end))
		return false;
	paren_comm(end, m->comm, sizeof(m->comm));
	rss_fields(end, m);
	return true;
}

static bool ex_memcg_usage(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	(void)msg;
	key_i64(hit, "usage ", &m->usage_kb);
	key_i64(hit, "limit ", &m->limit_kb);
	key_i64(hit, "failcnt ", &m->failcnt);
	return m->usage_kb >= 0;
}

static bool ex_memcg_task(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *p = hit + strlen("Task in "), *k;
	static const char lim[] = " killed as a result of limit of ";

	(void)msg;
	k = strstr(p, lim);
	if (!k)
		return false;
	copy_span(m->task_memcg, sizeof(m->task_memcg), p, k - p);
	copy_span(m->oom_memcg, sizeof(m->oom_memcg), k + strlen(lim),
		  strlen(k + strlen(lim)));
	return true;
}

static bool zone_free(const char *z, struct mmt_kmsg_match *m)
{
	const char *f = strstr(z, " free:");
	size_t zl;

	if (!f)
		return false;
	zl = f - z;
	if (!zl || zl > 16)
		return false;
	for (size_t i = 0; i < zl; i++)
		if (!isalnum((unsigned char)z[i]))
			return false;
	if (!strstr(f, " min:") || !num_at(f + 6, &m->free_kb, NULL))
		return false;
	return true;
}

/* "Node 0 Normal free:1234kB min:..." and "Node 0 active_anon:..." */
static bool ex_node(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *end;

	(void)msg;
	if (!num_at(hit + 5, &m->node, &end) || *end != ' ')
		return false;
	end++;
	if (starts(end, "active_anon:"))
		return true;   /* per-node stats line (4.8+), no free figure */
	return zone_free(end, m);
}

/* "Normal free:1234kB min:..." on !CONFIG_NUMA kernels: node 0 */
static bool ex_zone(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	static const char *const zones[] = {
		"DMA free:", "DMA32 free:", "Normal free:", "HighMem free:",
		"Movable free:", "Device free:", NULL
	};

	(void)hit;
	for (int i = 0; zones[i]; i++) {
		if (starts(msg, zones[i]) && zone_free(msg, m)) {
			m->node = 0;
			return true;
		}
	}
	return false;
}

static bool ex_alloc(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *p = hit + strlen("page allocation failure");

	if (hit >= msg + 2 && hit[-2] == ':')
		copy_span(m->comm, sizeof(m->comm), msg, hit - msg - 2);
	if (!starts(p, ": order:") && !starts(p, ". order:"))
		return false;
	key_i64(p, "order:", &m->order);
	key_str(p, "mode:", m->gfp_mask, sizeof(m->gfp_mask));
	key_str(p, "nodemask=", m->nodemask, sizeof(m->nodemask));
	key_str(p, "cpuset=", m->cpuset, sizeof(m->cpuset));
	key_str(p, "mems_allowed=", m->mems_allowed, sizeof(m->mems_allowed));
	return m->order >= 0;
}

static bool ex_alloc_stall(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *p = hit + strlen("page allocation stalls for ");

	if (hit >= msg + 2 && hit[-2] == ':')
		copy_span(m->comm, sizeof(m->comm), msg, hit - msg - 2);
	if (!num_at(p, &m->stall_ms, NULL))
		return false;
	key_i64(p, "order:", &m->order);
	key_str(p, "mode:", m->gfp_mask, sizeof(m->gfp_mask));
	key_str(p, "nodemask=", m->nodemask, sizeof(m->nodemask));
	return true;
}

/* "comm cpuset=/ mems_allowed=0" (OOM header and warn_alloc, < 5.0) */
static bool ex_cpuset(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *ma = strstr(hit, " mems_allowed=");

	if (!ma || hit == msg)
		return false;
	copy_span(m->comm, sizeof(m->comm), msg, hit - msg);
	copy_span(m->cpuset, sizeof(m->cpuset), hit + 8, ma - hit - 8);
	key_str(ma, "mems_allowed=", m->mems_allowed, sizeof(m->mems_allowed));
	return true;
}

/* "CPU: 1 PID: 7492 Comm: python3 Not tainted ..." */
static bool ex_cpu_line(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	static const char *const stops[] = {
		" Not tainted", " Tainted:", " Kdump:", NULL
	};
	const char *c, *e = NULL;

	(void)msg;
	if (!num_at(hit + 5, &m->cpu, NULL))
		return false;
	key_i64(hit, "PID: ", &m->pid);
	c = strstr(hit, " Comm: ");
	if (m->pid < 0 || !c)
		return false;
	c += 7;
	for (int i = 0; stops[i]; i++) {
		const char *x = strstr(c, stops[i]);

		if (x && (!e || x < e))
			e = x;
	}
	copy_span(m->comm, sizeof(m->comm), c, e ? (size_t)(e - c) : strlen(c));
	return true;
}

/* 3.x: "Pid: 32223, comm: z_wr_iss/2 Tainted: ..." */
static bool ex_pid_line(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *c, *e;

	(void)msg;
	if (!num_at(hit + 5, &m->pid, NULL))
		return false;
	c = strstr(hit, ", comm: ");
	if (!c)
		return false;
	c += 8;
	e = strstr(c, " Tainted:");
	if (!e)
		e = strstr(c, " Not tainted");
	copy_span(m->comm, sizeof(m->comm), c, e ? (size_t)(e - c) : strlen(c));
	return true;
}

/* "INFO: task kworker/1:2:10762 blocked for more than 120 seconds." */
static bool ex_hung(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *p = strstr(hit, "task ") + 5;
	const char *b = strstr(p, " blocked for more than");
	const char *colon = NULL;

	(void)msg;
	if (!b)
		return false;
	for (const char *q = p; q < b; q++)
		if (*q == ':')
			colon = q;
	if (!colon || !num_at(colon + 1, &m->pid, NULL))
		return false;
	copy_span(m->comm, sizeof(m->comm), p, colon - p);
	num_at(b + strlen(" blocked for more than"), &m->seconds, NULL);
	return true;
}

/* "[comm:pid]" at the end of a soft-lockup line */
static void bracket_task(const char *s, struct mmt_kmsg_match *m)
{
	const char *o = strrchr(s, '['), *c, *colon = NULL;

	if (!o || !(c = strchr(o, ']')))
		return;
	for (const char *q = o; q < c; q++)
		if (*q == ':')
			colon = q;
	if (!colon)
		return;
	copy_span(m->comm, sizeof(m->comm), o + 1, colon - o - 1);
	num_at(colon + 1, &m->pid, NULL);
}

static bool ex_soft(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *p = hit + strlen("BUG: soft lockup - CPU#"), *s;

	(void)msg;
	if (!num_at(p, &m->cpu, NULL))
		return false;
	s = strstr(p, "stuck for ");
	if (s)
		num_at(s + 10, &m->seconds, NULL);
	bracket_task(p, m);
	return true;
}

static bool ex_hard(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	(void)msg;
	return num_at(hit + strlen("Watchdog detected hard LOCKUP on cpu "), &m->cpu, NULL);
}

/* rcu_sched / rcu_preempt / rcu_bh / rcu_sched_state, 3.x - 6.x */
static bool ex_rcu(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *p = hit + strlen("INFO: "), *c;

	(void)msg;
	/* "self-detected stall", "detected stall(s)", "detected expedited stalls" */
	if (!strstr(p, " self-detected ") && !strstr(p, " detected "))
		return false;
	c = strstr(p, " on CPU ");
	if (c)
		num_at(c + 8, &m->cpu, NULL);
	return true;
}

static bool ex_warning(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	(void)msg;
	key_i64(hit, "CPU: ", &m->cpu);
	key_i64(hit, "PID: ", &m->pid);
	return true;
}

static bool ex_oops(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	(void)hit;
	(void)m;
	/*
	 * "Oops: 0000 [#1] SMP", "Oops - BUG: ...", "Oops[#1]" (mips); not the
	 * pstore record header "Oops#1 Part1".
	 */
	return msg[4] == ':' || msg[4] == ' ' || msg[4] == '[' ||
	       starts(msg, "Internal error: Oops");
}

enum where {
	AT_START,      /* msg starts with needle */
	ANYWHERE,      /* needle anywhere */
	AT_START_RCU,  /* msg starts with needle, after an optional "rcu: " */
};

struct rule {
	enum mmt_kmsg_kind kind;
	const char *needle;
	enum where where;
	extract_fn extract;
};

/*
 * The classifier table.  Order matters: the first row whose needle is found
 * and whose extractor accepts the line wins.  Kernel versions per format
 * are in tests/data/kmsg/.
 */
static const struct rule rules[] = {
	{ MMT_KMSG_PANIC,           "Kernel panic - not syncing",        AT_START, ex_text },
	{ MMT_KMSG_OOM_INVOKED,     " invoked oom-killer: ",             ANYWHERE, ex_invoked },
	{ MMT_KMSG_OOM_CONSTRAINT,  "oom-kill:",                         AT_START, ex_constraint },
	{ MMT_KMSG_OOM_KILLED,      "Killed process ",                   ANYWHERE, ex_killed },
	{ MMT_KMSG_OOM_KILLED,      "Kill process ",                     ANYWHERE, ex_kill_select },
	{ MMT_KMSG_OOM_REAPED,      "oom_reaper: reaped process ",       AT_START, ex_reaped },
	{ MMT_KMSG_OOM_MEMCG_USAGE, "memory: usage ",                    AT_START, ex_memcg_usage },
	{ MMT_KMSG_OOM_MEMCG_TASK,  "Task in ",                          AT_START, ex_memcg_task },
	{ MMT_KMSG_OOM_NODE_FREE,   "Node ",                             AT_START, ex_node },
	{ MMT_KMSG_OOM_NODE_FREE,   " free:",                            ANYWHERE, ex_zone },
	{ MMT_KMSG_ALLOC_FAIL,      "page allocation failure",           ANYWHERE, ex_alloc },
	{ MMT_KMSG_ALLOC_STALL,     "page allocation stalls for ",       ANYWHERE, ex_alloc_stall },
	{ MMT_KMSG_ALLOC_CPUSET,    " cpuset=",                          ANYWHERE, ex_cpuset },
	{ MMT_KMSG_TASK_CPU,        "CPU: ",                             AT_START, ex_cpu_line },
	{ MMT_KMSG_TASK_CPU,        "Pid: ",                             AT_START, ex_pid_line },
	{ MMT_KMSG_HUNG_TASK,       "INFO: task ",                       AT_START, ex_hung },
	{ MMT_KMSG_HUNG_TASK,       "task ",                             AT_START, ex_hung },
	{ MMT_KMSG_SOFT_LOCKUP,     "BUG: soft lockup - CPU#",           ANYWHERE, ex_soft },
	{ MMT_KMSG_HARD_LOCKUP,     "Watchdog detected hard LOCKUP on cpu ", ANYWHERE, ex_hard },
	{ MMT_KMSG_RCU_STALL,       "INFO: rcu",                         AT_START_RCU, ex_rcu },
	{ MMT_KMSG_GPF,             "general protection fault",          AT_START, ex_text },
	{ MMT_KMSG_GPF,             "Oops: general protection fault",    AT_START, ex_text },
	{ MMT_KMSG_OOPS,            "Oops",                              AT_START, ex_oops },
	{ MMT_KMSG_OOPS,            "Internal error: Oops",              AT_START, ex_oops },
	{ MMT_KMSG_BUG,             "BUG: ",                             AT_START, ex_text },
	{ MMT_KMSG_BUG,             "kernel BUG at ",                    AT_START, ex_text },
	{ MMT_KMSG_WARNING,         "WARNING: ",                         AT_START, ex_warning },
};

static const char *const kind_names[MMT_KMSG_NR_KINDS] = {
	[MMT_KMSG_NONE] = "none",
	[MMT_KMSG_OOM_INVOKED] = "oom_invoked",
	[MMT_KMSG_OOM_NODE_FREE] = "oom_node_free",
	[MMT_KMSG_OOM_CONSTRAINT] = "oom_constraint",
	[MMT_KMSG_OOM_KILLED] = "oom_killed",
	[MMT_KMSG_OOM_REAPED] = "oom_reaped",
	[MMT_KMSG_OOM_MEMCG_USAGE] = "oom_memcg_usage",
	[MMT_KMSG_ALLOC_FAIL] = "alloc_fail",
	[MMT_KMSG_ALLOC_STALL] = "alloc_stall",
	[MMT_KMSG_ALLOC_CPUSET] = "alloc_cpuset",
	[MMT_KMSG_HUNG_TASK] = "hung_task",
	[MMT_KMSG_SOFT_LOCKUP] = "soft_lockup",
	[MMT_KMSG_HARD_LOCKUP] = "hard_lockup",
	[MMT_KMSG_RCU_STALL] = "rcu_stall",
	[MMT_KMSG_BUG] = "bug",
	[MMT_KMSG_WARNING] = "warning",
	[MMT_KMSG_OOPS] = "oops",
	[MMT_KMSG_GPF] = "gpf",
	[MMT_KMSG_PANIC] = "panic",
	[MMT_KMSG_OOM_MEMCG_TASK] = "oom_memcg_task",
	[MMT_KMSG_TASK_CPU] = "task_cpu",
};

const char *mmt_kmsg_kind_name(enum mmt_kmsg_kind kind)
{
	if ((unsigned)kind >= MMT_KMSG_NR_KINDS || !kind_names[kind])
		return "unknown";
	return kind_names[kind];
}

static void match_reset(struct mmt_kmsg_match *m)
{
	memset(m, 0, sizeof(*m));
	m->pid = m->order = m->oom_score_adj = -1;
	m->total_vm_kb = m->anon_rss_kb = m->file_rss_kb = m->shmem_rss_kb = -1;
	m->pgtables_kb = m->uid = m->node = m->free_kb = -1;
	m->usage_kb = m->limit_kb = m->seconds = m->cpu = -1;
	m->score = m->failcnt = m->stall_ms = -1;
}

enum mmt_kmsg_kind mmt_kmsg_classify(const char *msg, struct mmt_kmsg_match *ret)
{
	struct mmt_kmsg_match m;

	match_reset(ret);
	if (!msg)
		return MMT_KMSG_NONE;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *r = &rules[i];
		const char *s = msg, *hit = NULL;

		switch (r->where) {
		case AT_START_RCU:
			if (starts(s, "rcu: "))
				s += 5;
			/* fall through */
		case AT_START:
			if (starts(s, r->needle))
				hit = s;
			break;
		case ANYWHERE:
			hit = strstr(s, r->needle);
			break;
		}
		if (!hit)
			continue;
		match_reset(&m);
		m.kind = r->kind;
		if (!r->extract(s, hit, &m))
			continue;
		copy_span(m.text, sizeof(m.text), msg, strlen(msg));
		*ret = m;
		return r->kind;
	}
	return MMT_KMSG_NONE;
}

/* ------------------------------------------------------------------ */
/* records and text lines                                              */

static void rec_reset(struct mmt_kmsg_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->level = -1;
	r->facility = -1;
}

/* Copy msg, decoding the "\xNN" escapes /dev/kmsg uses (NUL stays escaped). */
static void unescape_into(char *dst, size_t n, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < n; i++) {
		if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'x' &&
		    isxdigit((unsigned char)s[i + 2]) && isxdigit((unsigned char)s[i + 3])) {
			char hex[3] = { s[i + 2], s[i + 3], 0 };
			int c = (int)strtol(hex, NULL, 16);

			if (c) {
				dst[o++] = (char)c;
				i += 3;
				continue;
			}
		}
		dst[o++] = s[i];
	}
	dst[o] = '\0';
}

int mmt_kmsg_parse_record(const char *buf, size_t len, struct mmt_kmsg_rec *ret)
{
	const char *semi, *p, *nl, *end = buf + len;
	int64_t prio, seq, ts;
	const char *q;
	size_t dl = 0;

	rec_reset(ret);
	if (!buf || !len)
		return -EINVAL;
	semi = memchr(buf, ';', len);
	if (!semi)
		return -EINVAL;
	/* header: prio,seq,ts_us,flags[,more];  */
	if (!num_at(buf, &prio, &q) || *q != ',' || prio < 0)
		return -EINVAL;
	if (!num_at(q + 1, &seq, &q) || *q != ',' || seq < 0)
		return -EINVAL;
	if (!num_at(q + 1, &ts, &q) || *q != ',' || ts < 0 || q > semi)
		return -EINVAL;
	for (p = q + 1; p < semi && *p != ','; p++)
		if (*p == 'c')
			ret->cont = true;
	ret->facility = (int)(prio >> 3);
	ret->level = (int)(prio & 7);
	ret->seq = (uint64_t)seq;
	ret->has_seq = true;
	ret->ts_us = (uint64_t)ts;
	ret->has_ts = true;

	p = semi + 1;
	nl = memchr(p, '\n', end - p);
	unescape_into(ret->msg, sizeof(ret->msg), p, (nl ? nl : end) - p);
	/* trailing blanks go, as in text lines */
	for (size_t l = strlen(ret->msg); l && isspace((unsigned char)ret->msg[l - 1]); l--)
		ret->msg[l - 1] = '\0';
	/* dictionary: following lines that start with a blank */
	while (nl && nl + 1 < end) {
		const char *l = nl + 1, *le;

		nl = memchr(l, '\n', end - l);
		le = nl ? nl : end;
		if (*l != ' ')
			break;
		l++;
		if (dl && dl + 1 < sizeof(ret->dict))
			ret->dict[dl++] = '\n';
		for (; l < le && dl + 1 < sizeof(ret->dict); l++)
			ret->dict[dl++] = *l;
		ret->dict[dl] = '\0';
	}
	return 0;
}

static const char *const months[] = {
	"Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ",
	"Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec ", NULL
};

/* "[   12.345678]": returns past ']' or NULL */
static const char *parse_ts(const char *s, uint64_t *ts_us)
{
	const char *p = s + 1;
	uint64_t sec = 0, frac = 0;
	int nd = 0;

	if (*s != '[')
		return NULL;
	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p) && sec < UINT64_MAX / 100)
		sec = sec * 10 + (uint64_t)(*p++ - '0');
	if (*p != '.')
		return NULL;
	p++;
	while (isdigit((unsigned char)*p)) {
		if (nd < 6) {
			frac = frac * 10 + (uint64_t)(*p - '0');
			nd++;
		}
		p++;
	}
	if (*p != ']')
		return NULL;
	while (nd++ < 6)
		frac *= 10;
	*ts_us = sec * 1000000 + frac;
	return p + 1;
}

/*
 * syslog/journal prefix: "Nov 22 00:53:13 host kernel: " or an ISO time
 * ("2026-05-28T12:21:57.303295+00:00 host kernel: ").  Returns the text
 * after it, s itself when there is no such prefix, or NULL for a line some
 * other program logged (not kernel text).
 */
static const char *skip_syslog(const char *s)
{
	bool date = false;
	const char *k;
	size_t n = strlen(s);

	for (int i = 0; months[i]; i++)
		if (starts(s, months[i]) && n > 16 && s[9] == ':' && s[12] == ':')
			date = true;
	if (n > 20 && isdigit((unsigned char)s[0]) && s[4] == '-' && s[7] == '-' &&
	    s[10] == 'T' && s[13] == ':')
		date = true;
	if (!date)
		return s;
	k = strstr(s, " kernel:");
	if (!k || k - s > 200)
		return NULL;
	k += 8;
	if (*k == ' ')
		k++;
	return k;
}

int mmt_kmsg_parse_text_line(const char *line, struct mmt_kmsg_rec *ret)
{
	const char *s = line, *t;
	uint64_t ts;
	size_t len;
	int64_t v;

	rec_reset(ret);
	if (!line)
		return -EINVAL;
	len = strcspn(line, "\r\n");
	for (t = line; t < line + len && isspace((unsigned char)*t); t++)
		;
	if (t == line + len)
		return -EINVAL;

	/* a raw /dev/kmsg record saved to a file */
	if (isdigit((unsigned char)*s) && memchr(s, ';', len) &&
	    mmt_kmsg_parse_record(s, len, ret) == 0)
		return 0;
	rec_reset(ret);

	s = skip_syslog(s);
	if (!s)
		return 0;   /* userspace line in a syslog file: empty msg */
	/* syslogd wall message: "kernel:[55716.328117] watchdog: ..." */
	if (starts(s, "kernel:") && (s[7] == '[' || s[7] == ' '))
		s += s[7] == ' ' ? 8 : 7;
	/* our own kmsg.log: "[seq] [   12.345678] <4> text", "-" when unknown */
	if (*s == '[' && num_at(s + 1, &v, &t) && *t == ']' && t[1] == ' ' && t[2] == '[' &&
	    v >= 0) {
		ret->seq = (uint64_t)v;
		ret->has_seq = true;
		s = t + 2;
	} else if (starts(s, "[-] [")) {
		s += 4;
	}
	if (starts(s, "[-] <") && isdigit((unsigned char)s[5])) {
		/* no timestamp: "<N> " follows, with exactly one blank */
		if (num_at(s + 5, &v, &t) && *t == '>' && t[1] == ' ') {
			ret->level = (int)(v & 7);
			s = t + 2;
		}
	}
	/* console/pstore "<4>" */
	if (*s == '<' && isdigit((unsigned char)s[1])) {
		if (num_at(s + 1, &v, &t) && *t == '>') {
			ret->level = (int)(v & 7);
			ret->facility = (int)(v >> 3);
			s = t + 1;
		}
	}
	if ((t = parse_ts(s, &ts))) {
		ret->ts_us = ts;
		ret->has_ts = true;
		s = t;
		/* CONFIG_PRINTK_CALLER "[  T123]" / "[    C1]" */
		if (s[0] == '[' || (s[0] == ' ' && s[1] == '[')) {
			const char *b = s[0] == '[' ? s : s + 1, *q = b + 1;

			while (*q == ' ')
				q++;
			if ((*q == 'T' || *q == 'C') && isdigit((unsigned char)q[1])) {
				while (isdigit((unsigned char)*++q))
					;
				if (*q == ']')
					s = q + 1;
			}
		}
		if (*s == ' ')
			s++;
		/* journalctl -o short-monotonic: "[ 12.3] host kernel: text" */
		t = strstr(s, " kernel: ");
		if (t && !memchr(s, ' ', t - s) && t > s)
			s = t + 9;
	} else if (*s == '[' && (t = strchr(s, ']')) && t - s < 40 && t - s > 10 &&
		   strchr(s, ':') && strchr(s, ':') < t) {
		/* dmesg -T: "[Mon Dec  8 17:51:31 2025] text" */
		s = t + 1;
		if (*s == ' ')
			s++;
	}
	/* "<4>" after the timestamp ("dmesg -x" style is not handled) */
	if (ret->level < 0 && *s == '<' && num_at(s + 1, &v, &t) && *t == '>') {
		ret->level = (int)(v & 7);
		s = t + 1;
		if (*s == ' ')
			s++;
	}
	len = strcspn(s, "\r\n");
	copy_span(ret->msg, sizeof(ret->msg), s, len);
	return 0;
}

/* ------------------------------------------------------------------ */
/* combiner                                                            */

struct oom_report {
	bool active, killed;
	struct mmt_kmsg_rec first;      /* record that opened the report */
	struct mmt_kmsg_rec kill_rec;   /* record of the kill line */
	struct mmt_kmsg_match inv, cons, kill, sel, reap, usage, mtask, cpuset, cpu;
	bool has_inv, has_cons, has_sel, has_reap, has_usage, has_mtask, has_cpuset, has_cpu;
	uint64_t reap_ts_us;
	bool has_reap_ts;
	int64_t node_free_kb[NODES];
	unsigned recs_since_kill;
};

struct mmt_kmsg_state {
	bool has_last_seq;
	uint64_t last_seq;
	bool epipe;
	struct oom_report oom;
	bool has_held;
	struct mmt_kevent held;       /* alloc_fail waiting for its cpuset line */
};

struct mmt_kmsg_state *mmt_kmsg_state_new(void)
{
	return calloc(1, sizeof(struct mmt_kmsg_state));
}

void mmt_kmsg_state_free(struct mmt_kmsg_state *st)
{
	free(st);
}

static const char *const kev_names[] = {
	[MMT_KEV_OOM_KILL] = "oom_kill",
	[MMT_KEV_OOM_REAPED] = "oom_reaped",
	[MMT_KEV_HUNG_TASK] = "hung_task",
	[MMT_KEV_LOCKUP] = "lockup",
	[MMT_KEV_RCU_STALL] = "rcu_stall",
	[MMT_KEV_BUG] = "bug",
	[MMT_KEV_WARN] = "warn",
	[MMT_KEV_PANIC] = "panic",
	[MMT_KEV_ALLOC_FAIL] = "alloc_fail",
	[MMT_KEV_ALLOC_STALL] = "alloc_stall",
	[MMT_KEV_KMSG_LOST] = "kmsg_lost",
};
_Static_assert(sizeof(kev_names) / sizeof(kev_names[0]) == MMT_KEV_NR, "one name per type");

const char *mmt_kev_type_name(enum mmt_kev_type type)
{
	if ((unsigned)type >= MMT_KEV_NR)
		return "unknown";
	return kev_names[type];
}

struct out {
	struct mmt_kevent *ev;
	size_t max, n;
};

static void kev_init(struct mmt_kevent *ev, enum mmt_kev_type type,
		     const struct mmt_kmsg_rec *rec)
{
	memset(ev, 0, offsetof(struct mmt_kevent, line));
	memset(&ev->u, 0, sizeof(ev->u));
	ev->type = type;
	ev->has_seq = rec && rec->has_seq;
	ev->seq = ev->has_seq ? rec->seq : 0;
	ev->has_ts = rec && rec->has_ts;
	ev->kernel_ts_us = ev->has_ts ? rec->ts_us : 0;
	snprintf(ev->line, sizeof(ev->line), "%s", rec ? rec->msg : "");
}

/* The next free slot of the output, initialized; NULL (logged) when full. */
static struct mmt_kevent *slot(struct out *o, enum mmt_kev_type type,
			       const struct mmt_kmsg_rec *rec)
{
	if (o->n >= o->max) {
		log_warn("kmsg: event buffer full, dropping %s event", mmt_kev_type_name(type));
		return NULL;
	}
	kev_init(&o->ev[o->n], type, rec);
	return &o->ev[o->n++];
}

static void push(struct out *o, const struct mmt_kevent *ev)
{
	struct mmt_kevent *s = slot(o, ev->type, NULL);

	if (s)
		*s = *ev;
}

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

static void oom_start(struct oom_report *r, const struct mmt_kmsg_rec *rec)
{
	memset(r, 0, sizeof(*r));
	r->active = true;
	r->first = *rec;
	for (int i = 0; i < NODES; i++)
		r->node_free_kb[i] = -1;
}

static void oom_report(struct oom_report *r, struct mmt_oom_report *e)
{
	const struct mmt_kmsg_match *k = &r->kill, *c = &r->cons;

	e->complete = r->killed;
	e->pid = -1;
	if (r->killed) {
		e->pid = k->pid;
		COPY(e->comm, k->comm);
	} else if (r->has_sel) {
		e->pid = r->sel.pid;
		COPY(e->comm, r->sel.comm);
	} else if (r->has_cons) {
		e->pid = c->pid;
		COPY(e->comm, c->comm);
	}
	e->uid = r->killed && k->uid >= 0 ? k->uid : r->has_cons ? c->uid : -1;

	if (r->has_cons) {
		COPY(e->constraint, c->constraint);
		COPY(e->nodemask, c->nodemask);
		COPY(e->cpuset, c->cpuset);
		COPY(e->mems_allowed, c->mems_allowed);
		COPY(e->oom_memcg, c->oom_memcg);
		COPY(e->task_memcg, c->task_memcg);
		e->has_global_oom = true;
		e->global_oom = c->global_oom;
	} else {
		if (r->has_cpuset) {
			COPY(e->cpuset, r->cpuset.cpuset);
			COPY(e->mems_allowed, r->cpuset.mems_allowed);
		}
		if (r->has_mtask) {
			COPY(e->oom_memcg, r->mtask.oom_memcg);
			COPY(e->task_memcg, r->mtask.task_memcg);
		}
		if (r->has_inv)
			COPY(e->nodemask, r->inv.nodemask);
	}
	e->order = e->oom_score_adj = -1;
	if (r->has_inv) {
		e->has_header = true;
		COPY(e->gfp_mask, r->inv.gfp_mask);
		e->order = r->inv.order;
		e->has_oom_score_adj = strstr(r->inv.text, "oom_score_adj=") != NULL;
		e->oom_score_adj = e->has_oom_score_adj ? r->inv.oom_score_adj : -1;
		COPY(e->invoker_comm, r->inv.comm);
		e->has_header_seq = r->first.has_seq;
		e->header_seq = r->first.seq;
		e->has_header_ts = r->first.has_ts;
		e->header_ts_us = r->first.ts_us;
	}
	e->invoker_pid = r->has_cpu ? r->cpu.pid : -1;
	e->total_vm_kb = e->anon_rss_kb = e->file_rss_kb = -1;
	e->shmem_rss_kb = e->pgtables_kb = e->victim_oom_score_adj = -1;
	if (r->killed) {
		e->total_vm_kb = k->total_vm_kb;
		e->anon_rss_kb = k->anon_rss_kb;
		e->file_rss_kb = k->file_rss_kb;
		e->shmem_rss_kb = k->shmem_rss_kb;
		e->pgtables_kb = k->pgtables_kb;
		e->has_victim_oom_score_adj = strstr(k->text, "oom_score_adj:") != NULL;
		if (e->has_victim_oom_score_adj)
			e->victim_oom_score_adj = k->oom_score_adj;
	}
	e->score = e->selected_pid = -1;
	if (r->has_sel) {
		e->score = r->sel.score;
		if (r->killed && r->sel.pid != k->pid) {
			e->selected_pid = r->sel.pid;
			COPY(e->selected_comm, r->sel.comm);
		}
	}
	e->memcg_usage_kb = r->has_usage ? r->usage.usage_kb : -1;
	e->memcg_limit_kb = r->has_usage ? r->usage.limit_kb : -1;
	e->memcg_failcnt = r->has_usage ? r->usage.failcnt : -1;
	for (int i = 0; i < NODES; i++)
		e->node_free_kb[i] = r->node_free_kb[i];
	e->reaped = r->has_reap;
	e->reaped_ts_us = r->has_reap && r->has_reap_ts ? (int64_t)r->reap_ts_us : -1;
	e->reaped_anon_rss_kb = r->has_reap ? r->reap.anon_rss_kb : -1;
	e->reaped_file_rss_kb = r->has_reap ? r->reap.file_rss_kb : -1;
	e->reaped_shmem_rss_kb = r->has_reap ? r->reap.shmem_rss_kb : -1;
}

static void oom_emit(struct mmt_kmsg_state *st, struct out *o)
{
	struct oom_report *r = &st->oom;
	struct mmt_kevent *ev;

	if (!r->active)
		return;
	ev = slot(o, MMT_KEV_OOM_KILL, r->killed ? &r->kill_rec : &r->first);
	if (ev) {
		oom_report(r, &ev->u.oom);
		ev->u.oom.ts_us = ev->has_ts ? (int64_t)ev->kernel_ts_us : -1;
	}
	r->active = false;
}

/* Fill ev (already initialized with its type) from one line's match. */
static void simple_fill(struct mmt_kevent *ev, const struct mmt_kmsg_match *m)
{
	switch (ev->type) {
	case MMT_KEV_HUNG_TASK:
		ev->u.task.pid = m->pid;
		COPY(ev->u.task.comm, m->comm);
		ev->u.task.seconds = m->seconds;
		break;
	case MMT_KEV_LOCKUP:
		ev->u.lockup.hard = m->kind == MMT_KMSG_HARD_LOCKUP;
		ev->u.lockup.cpu = m->cpu;
		ev->u.lockup.seconds = m->seconds;
		ev->u.lockup.pid = m->pid;
		COPY(ev->u.lockup.comm, m->comm);
		break;
	case MMT_KEV_RCU_STALL:
		ev->u.cpu = m->cpu;
		break;
	case MMT_KEV_BUG:
		ev->u.bug = m->kind;
		break;
	case MMT_KEV_WARN:
		ev->u.warn.cpu = m->cpu;
		ev->u.warn.pid = m->pid;
		break;
	case MMT_KEV_ALLOC_FAIL:
	case MMT_KEV_ALLOC_STALL:
		COPY(ev->u.alloc.comm, m->comm);
		ev->u.alloc.order = m->order;
		COPY(ev->u.alloc.gfp_mask, m->gfp_mask);
		COPY(ev->u.alloc.nodemask, m->nodemask);
		COPY(ev->u.alloc.cpuset, m->cpuset);
		COPY(ev->u.alloc.mems_allowed, m->mems_allowed);
		ev->u.alloc.stall_ms = m->stall_ms;
		break;
	case MMT_KEV_OOM_REAPED:
		ev->u.reaped.pid = m->pid;
		COPY(ev->u.reaped.comm, m->comm);
		ev->u.reaped.anon_rss_kb = m->anon_rss_kb;
		ev->u.reaped.file_rss_kb = m->file_rss_kb;
		ev->u.reaped.shmem_rss_kb = m->shmem_rss_kb;
		break;
	default:
		break;
	}
}

/* The event a line that is not part of an OOM report makes, if any. */
static bool simple_type(enum mmt_kmsg_kind kind, enum mmt_kev_type *ret)
{
	static const struct {
		enum mmt_kmsg_kind kind;
		enum mmt_kev_type type;
	} map[] = {
		{ MMT_KMSG_HUNG_TASK, MMT_KEV_HUNG_TASK },
		{ MMT_KMSG_SOFT_LOCKUP, MMT_KEV_LOCKUP },
		{ MMT_KMSG_HARD_LOCKUP, MMT_KEV_LOCKUP },
		{ MMT_KMSG_RCU_STALL, MMT_KEV_RCU_STALL },
		{ MMT_KMSG_BUG, MMT_KEV_BUG },
		{ MMT_KMSG_OOPS, MMT_KEV_BUG },
		{ MMT_KMSG_GPF, MMT_KEV_BUG },
		{ MMT_KMSG_WARNING, MMT_KEV_WARN },
		{ MMT_KMSG_PANIC, MMT_KEV_PANIC },
		{ MMT_KMSG_ALLOC_FAIL, MMT_KEV_ALLOC_FAIL },
		{ MMT_KMSG_ALLOC_STALL, MMT_KEV_ALLOC_STALL },
		{ MMT_KMSG_OOM_REAPED, MMT_KEV_OOM_REAPED },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].kind == kind) {
			*ret = map[i].type;
			return true;
		}
	}
	return false;
}

static void simple_event(struct out *o, const struct mmt_kmsg_rec *rec,
			 const struct mmt_kmsg_match *m)
{
	enum mmt_kev_type type;
	struct mmt_kevent *ev;

	if (!simple_type(m->kind, &type))
		return;
	ev = slot(o, type, rec);
	if (ev)
		simple_fill(ev, m);
}

/* Should a finished report stop waiting for its reaper line? */
static bool reap_window_over(const struct oom_report *r, const struct mmt_kmsg_rec *rec)
{
	if (r->recs_since_kill > MMT_KMSG_REAP_WINDOW_RECS)
		return true;
	return rec->has_ts && r->kill_rec.has_ts &&
	       rec->ts_us > r->kill_rec.ts_us + MMT_KMSG_REAP_WINDOW_US;
}

static void feed_oom(struct mmt_kmsg_state *st, const struct mmt_kmsg_rec *rec,
		     const struct mmt_kmsg_match *m, struct out *o)
{
	struct oom_report *r = &st->oom;

	switch (m->kind) {
	case MMT_KMSG_OOM_INVOKED:
		oom_emit(st, o);
		oom_start(r, rec);
		r->inv = *m;
		r->has_inv = true;
		break;
	case MMT_KMSG_OOM_CONSTRAINT:
		if (r->active && (r->killed || r->has_cons))
			oom_emit(st, o);
		if (!r->active)
			oom_start(r, rec);
		r->cons = *m;
		r->has_cons = true;
		break;
	case MMT_KMSG_OOM_KILLED:
		if (r->active && (r->killed || (m->kill_select && r->has_sel)))
			oom_emit(st, o);
		if (!r->active)
			oom_start(r, rec);
		if (m->kill_select) {
			r->sel = *m;
			r->has_sel = true;
		} else {
			r->kill = *m;
			r->kill_rec = *rec;
			r->killed = true;
			r->recs_since_kill = 0;
		}
		break;
	case MMT_KMSG_OOM_REAPED:
		if (r->active && r->killed && r->kill.pid == m->pid) {
			r->reap = *m;
			r->has_reap = true;
			r->has_reap_ts = rec->has_ts;
			r->reap_ts_us = rec->ts_us;
			oom_emit(st, o);
		} else {
			simple_event(o, rec, m);
		}
		break;
	default:
		break;
	}
}

/* Lines that only add to an open report (before its kill line). */
static void attach_oom(struct oom_report *r, const struct mmt_kmsg_match *m)
{
	if (!r->active || r->killed)
		return;
	switch (m->kind) {
	case MMT_KMSG_OOM_NODE_FREE:
		if (m->node >= 0 && m->node < NODES && m->free_kb >= 0) {
			if (r->node_free_kb[m->node] < 0)
				r->node_free_kb[m->node] = 0;
			r->node_free_kb[m->node] += m->free_kb;
		}
		break;
	case MMT_KMSG_OOM_MEMCG_USAGE:
		if (!r->has_usage) {
			r->usage = *m;
			r->has_usage = true;
		}
		break;
	case MMT_KMSG_OOM_MEMCG_TASK:
		r->mtask = *m;
		r->has_mtask = true;
		break;
	case MMT_KMSG_ALLOC_CPUSET:
		if (!r->has_cpuset) {
			r->cpuset = *m;
			r->has_cpuset = true;
		}
		break;
	case MMT_KMSG_TASK_CPU:
		if (!r->has_cpu) {
			r->cpu = *m;
			r->has_cpu = true;
		}
		break;
	default:
		break;
	}
}

/* Give out an allocation failure held for its cpuset line. */
static void release_held(struct mmt_kmsg_state *st, struct out *o)
{
	if (st->has_held)
		push(o, &st->held);
	st->has_held = false;
}

int mmt_kmsg_feed(struct mmt_kmsg_state *st, const struct mmt_kmsg_rec *rec,
		  struct mmt_kevent *ret_events, size_t max)
{
	struct out o = { ret_events, max, 0 };
	struct mmt_kmsg_match m;
	enum mmt_kmsg_kind kind;
	struct oom_report *r;

	if (!st || !rec || (!ret_events && max))
		return -EINVAL;
	r = &st->oom;

	if (rec->has_seq) {
		if (st->has_last_seq && rec->seq > st->last_seq + 1) {
			struct mmt_kevent *ev = slot(&o, MMT_KEV_KMSG_LOST, rec);

			if (ev) {
				ev->line[0] = '\0';
				ev->u.lost.missing = rec->seq - st->last_seq - 1;
				ev->u.lost.epipe = st->epipe;
			}
		}
		st->has_last_seq = true;
		st->last_seq = rec->seq;
	}
	st->epipe = false;

	kind = mmt_kmsg_classify(rec->msg, &m);

	if (st->has_held && kind == MMT_KMSG_ALLOC_CPUSET) {
		COPY(st->held.u.alloc.cpuset, m.cpuset);
		COPY(st->held.u.alloc.mems_allowed, m.mems_allowed);
		release_held(st, &o);
		return (int)o.n;
	}
	release_held(st, &o);

	if (r->active && r->killed) {
		r->recs_since_kill++;
		if (kind == MMT_KMSG_OOM_REAPED && m.pid == r->kill.pid) {
			feed_oom(st, rec, &m, &o);
			return (int)o.n;
		}
		if (kind == MMT_KMSG_OOM_INVOKED || kind == MMT_KMSG_OOM_KILLED ||
		    kind == MMT_KMSG_OOM_CONSTRAINT || reap_window_over(r, rec))
			oom_emit(st, &o);
	}

	switch (kind) {
	case MMT_KMSG_NONE:
		break;
	case MMT_KMSG_OOM_INVOKED:
	case MMT_KMSG_OOM_CONSTRAINT:
	case MMT_KMSG_OOM_KILLED:
	case MMT_KMSG_OOM_REAPED:
		feed_oom(st, rec, &m, &o);
		break;
	case MMT_KMSG_OOM_NODE_FREE:
	case MMT_KMSG_OOM_MEMCG_USAGE:
	case MMT_KMSG_OOM_MEMCG_TASK:
	case MMT_KMSG_ALLOC_CPUSET:
	case MMT_KMSG_TASK_CPU:
		attach_oom(r, &m);
		break;
	case MMT_KMSG_ALLOC_FAIL:
	case MMT_KMSG_ALLOC_STALL:
		if (m.cpuset[0]) {
			simple_event(&o, rec, &m);
		} else {
			kev_init(&st->held, kind == MMT_KMSG_ALLOC_FAIL ? MMT_KEV_ALLOC_FAIL :
				 MMT_KEV_ALLOC_STALL, rec);
			simple_fill(&st->held, &m);
			st->has_held = true;
		}
		break;
	default:
		simple_event(&o, rec, &m);
		break;
	}
	return (int)o.n;
}

int mmt_kmsg_flush(struct mmt_kmsg_state *st, struct mmt_kevent *ret_events, size_t max)
{
	struct out o = { ret_events, max, 0 };

	if (!st || (!ret_events && max))
		return -EINVAL;
	release_held(st, &o);
	oom_emit(st, &o);
	return (int)o.n;
}

int mmt_kmsg_expire(struct mmt_kmsg_state *st, uint64_t now_us,
		    struct mmt_kevent *ret_events, size_t max)
{
	struct out o = { ret_events, max, 0 };
	struct oom_report *r;

	if (!st || (!ret_events && max))
		return -EINVAL;
	r = &st->oom;
	release_held(st, &o);
	/* a finished report, or one whose kill line never came (no victim) */
	if (r->active) {
		const struct mmt_kmsg_rec *last = r->killed ? &r->kill_rec : &r->first;

		if (!last->has_ts || now_us > last->ts_us + MMT_KMSG_REAP_WINDOW_US)
			oom_emit(st, &o);
	}
	return (int)o.n;
}

int mmt_kmsg_lost(struct mmt_kmsg_state *st)
{
	if (!st)
		return -EINVAL;
	/* the count is known at the next record: the sequence gap */
	st->epipe = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* /dev/kmsg                                                           */

int mmt_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return log_err_errno(-errno, "open /dev/kmsg");
	if (lseek(fd, 0, SEEK_END) < 0) {
		int r = -errno;

		close(fd);
		return log_err_errno(r, "seek /dev/kmsg");
	}
	return fd;
}

int mmt_kmsg_read(int fd, struct mmt_kmsg_rec *rec)
{
	char buf[MMT_KMSG_MAX + 1024];
	ssize_t n;

	/* raw read(): /dev/kmsg hands out exactly one record per read */
	do {
		n = read(fd, buf, sizeof(buf) - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		return 0;
	buf[n] = '\0';
	if (mmt_kmsg_parse_record(buf, (size_t)n, rec) < 0)
		return -EINVAL;
	return 1;
}

void mmt_kmsg_format_log(const struct mmt_kmsg_rec *rec, char *buf, size_t len)
{
	char seq[32] = "-", ts[40] = "[-]";

	if (!buf || !len)
		return;
	if (rec->has_seq)
		snprintf(seq, sizeof(seq), "%" PRIu64, rec->seq);
	if (rec->has_ts)
		snprintf(ts, sizeof(ts), "[%5" PRIu64 ".%06" PRIu64 "]",
			 rec->ts_us / 1000000, rec->ts_us % 1000000);
	snprintf(buf, len, "[%s] %s <%d> %s", seq, ts, rec->level < 0 ? 6 : rec->level,
		 rec->msg);
}
