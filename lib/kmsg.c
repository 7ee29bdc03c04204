// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel log: /dev/kmsg records, saved text lines, the table-driven line
 * classifier and the combiner that folds the lines of one OOM report into
 * one "oom_kill" event.
 *
 * Why one file of ~2500 lines: the rule table, the two readers and the
 * combiner share the line helpers and the match kinds, and every change to
 * one of them has been a change to the others (issue 12 touched all four).
 * The seams, should it be split: the rules (mmt_kmsg_classify), the
 * readers (mmt_kmsg_parse_record/_text_line/_text_push), the combiner
 * (mmt_kmsg_feed and its queue), and /dev/kmsg I/O.
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
	/* mm/page_alloc.c show_free_areas(): "... min:%lukB low:%lukB high:%lukB" */
	f = strstr(f, " high:");
	if (!f || !num_at(f + 6, &m->high_kb, NULL))
		m->high_kb = -1;
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

/* "BUG: workqueue lockup - pool cpus=2 node=0 flags=0x0 nice=0 stuck for 242s!"
 * (kernel/workqueue.c, wq_watchdog_timer_fn() and pr_cont_pool_info()) */
static bool ex_wq_lockup(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *p = hit + strlen("BUG: workqueue lockup - pool"), *s;
	size_t n;

	(void)msg;
	while (*p == ' ')
		p++;
	n = strcspn(p, " !");
	copy_span(m->pool, sizeof(m->pool), p, n);
	s = strstr(p, "stuck for ");
	if (s)
		num_at(s + 10, &m->seconds, NULL);
	return m->pool[0] != '\0';
}

/* "mmtorture: <run id> <text>": a run's own mark (lib/kmark.c). */
static bool ex_mark(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *p = hit + strlen("mmtorture: ");
	size_t n = strcspn(p, " ");

	(void)msg;
	if (n == 0 || p[n] != ' ')
		return false;
	copy_span(m->run_id, sizeof(m->run_id), p, n);
	return true;
}

/* "pagefault_out_of_memory: 95 callbacks suppressed" (lib/ratelimit.c) */
static bool ex_suppressed(const char *msg, const char *hit, struct mmt_kmsg_match *m)
{
	const char *p = hit;

	while (p > msg && p[-1] != ':')
		p--;
	if (p <= msg + 1 || p[-1] != ':' || memchr(msg, ' ', p - msg - 1))
		return false;
	copy_span(m->comm, sizeof(m->comm), msg, p - msg - 1);
	return num_at(p, &m->count, NULL);
}

enum where {
	AT_START,      /* msg starts with needle */
	ANYWHERE,      /* needle anywhere */
	AT_START_RCU,  /* msg starts with needle, after an optional "rcu: " */
};

/*
 * What may stand before an ANYWHERE needle when the classifier looks for
 * where a kernel message starts in a line with an unknown prefix.
 */
enum before {
	B_NOTHING,     /* the needle starts the message */
	B_COMM,        /* a task's comm, one word ("java invoked oom-killer:") */
	B_LEADIN,      /* the kernel's own lead-in ("Out of memory: ", "watchdog: ") */
};

struct rule {
	enum mmt_kmsg_kind kind;
	const char *needle;
	enum where where;
	extract_fn extract;
	enum before before;
};

/*
 * The classifier table.  Order matters: the first row whose needle is found
 * and whose extractor accepts the line wins.  Kernel versions per format
 * are in tests/data/kmsg/.
 */
static const struct rule rules[] = {
	{ MMT_KMSG_PANIC,           "Kernel panic - not syncing",        AT_START, ex_text, B_NOTHING },
	{ MMT_KMSG_OOM_INVOKED,     " invoked oom-killer: ",             ANYWHERE, ex_invoked, B_COMM },
	{ MMT_KMSG_OOM_CONSTRAINT,  "oom-kill:",                         AT_START, ex_constraint, B_NOTHING },
	{ MMT_KMSG_OOM_KILLED,      "Killed process ",                   ANYWHERE, ex_killed, B_LEADIN },
	{ MMT_KMSG_OOM_KILLED,      "Kill process ",                     ANYWHERE, ex_kill_select, B_LEADIN },
	{ MMT_KMSG_OOM_REAPED,      "oom_reaper: reaped process ",       AT_START, ex_reaped, B_NOTHING },
	{ MMT_KMSG_OOM_MEMCG_USAGE, "memory: usage ",                    AT_START, ex_memcg_usage, B_NOTHING },
	{ MMT_KMSG_OOM_MEMCG_TASK,  "Task in ",                          AT_START, ex_memcg_task, B_NOTHING },
	{ MMT_KMSG_OOM_NODE_FREE,   "Node ",                             AT_START, ex_node, B_NOTHING },
	{ MMT_KMSG_OOM_NODE_FREE,   " free:",                            ANYWHERE, ex_zone, B_NOTHING },
	{ MMT_KMSG_ALLOC_FAIL,      "page allocation failure",           ANYWHERE, ex_alloc, B_COMM },
	{ MMT_KMSG_ALLOC_STALL,     "page allocation stalls for ",       ANYWHERE, ex_alloc_stall, B_COMM },
	{ MMT_KMSG_ALLOC_CPUSET,    " cpuset=",                          ANYWHERE, ex_cpuset, B_COMM },
	{ MMT_KMSG_TASK_CPU,        "CPU: ",                             AT_START, ex_cpu_line, B_NOTHING },
	{ MMT_KMSG_TASK_CPU,        "Pid: ",                             AT_START, ex_pid_line, B_NOTHING },
	{ MMT_KMSG_HUNG_TASK,       "INFO: task ",                       AT_START, ex_hung, B_NOTHING },
	{ MMT_KMSG_HUNG_TASK,       "task ",                             AT_START, ex_hung, B_NOTHING },
	{ MMT_KMSG_SOFT_LOCKUP,     "BUG: soft lockup - CPU#",           ANYWHERE, ex_soft, B_LEADIN },
	{ MMT_KMSG_HARD_LOCKUP,     "Watchdog detected hard LOCKUP on cpu ", ANYWHERE, ex_hard, B_LEADIN },
	{ MMT_KMSG_RCU_STALL,       "INFO: rcu",                         AT_START_RCU, ex_rcu, B_NOTHING },
	{ MMT_KMSG_GPF,             "general protection fault",          AT_START, ex_text, B_NOTHING },
	{ MMT_KMSG_GPF,             "Oops: general protection fault",    AT_START, ex_text, B_NOTHING },
	{ MMT_KMSG_OOPS,            "Oops",                              AT_START, ex_oops, B_NOTHING },
	{ MMT_KMSG_OOPS,            "Internal error: Oops",              AT_START, ex_oops, B_NOTHING },
	{ MMT_KMSG_WQ_LOCKUP,       "BUG: workqueue lockup - pool",      AT_START, ex_wq_lockup, B_NOTHING },
	{ MMT_KMSG_MARK,            "mmtorture: ",                       AT_START, ex_mark, B_NOTHING },
	{ MMT_KMSG_BUG,             "BUG: ",                             AT_START, ex_text, B_NOTHING },
	{ MMT_KMSG_BUG,             "kernel BUG at ",                    AT_START, ex_text, B_NOTHING },
	{ MMT_KMSG_WARNING,         "WARNING: ",                         AT_START, ex_warning, B_NOTHING },
	{ MMT_KMSG_PF_OOM_LEAK,     "Huh VM_FAULT_OOM leaked out to the #PF handler", AT_START, ex_text, B_NOTHING },
	{ MMT_KMSG_SUPPRESSED,      " callbacks suppressed",             ANYWHERE, ex_suppressed, B_NOTHING },
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
	[MMT_KMSG_WQ_LOCKUP] = "workqueue_lockup",
	[MMT_KMSG_PF_OOM_LEAK] = "pagefault_oom_leak",
	[MMT_KMSG_SUPPRESSED] = "suppressed",
	[MMT_KMSG_MARK] = "mark",
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
	m->pgtables_kb = m->uid = m->node = m->free_kb = m->high_kb = -1;
	m->usage_kb = m->limit_kb = m->seconds = m->cpu = -1;
	m->score = m->failcnt = m->stall_ms = m->count = -1;
}

/* Lead-ins the kernel itself prints before a needle (mm/oom_kill.c, kernel/watchdog*.c). */
static bool kernel_leadin(const char *s, const char *hit)
{
	static const char *const leadins[] = {
		"Out of memory: ", "Memory cgroup out of memory: ",
		"Out of memory (oom_kill_allocating_task): ", "watchdog: ", "NMI watchdog: ",
		NULL
	};

	for (int i = 0; leadins[i]; i++)
		if ((size_t)(hit - s) == strlen(leadins[i]) && starts(s, leadins[i]))
			return true;
	return false;
}

/* For a message start: does what stands before an ANYWHERE hit fit the rule? */
static bool before_fits(const struct rule *r, const char *s, const char *hit)
{
	const char *e = hit;

	if (hit == s)
		return true;
	switch (r->before) {
	case B_COMM:
		/* "comm invoked", "comm: page allocation", "comm cpuset=" */
		if (e > s && e[-1] == ' ')
			e--;
		if (e > s && e[-1] == ':')
			e--;
		if (e == s || e - s > 63)
			return false;
		for (const char *q = s; q < e; q++)
			if (isspace((unsigned char)*q))
				return false;
		return true;
	case B_LEADIN:
		return kernel_leadin(s, hit);
	default:
		return false;
	}
}

/*
 * Classify msg.  anchored: only if a kernel message starts right at msg
 * (what stands before an ANYWHERE needle must fit its rule).
 */
static enum mmt_kmsg_kind classify(const char *msg, bool anchored, struct mmt_kmsg_match *ret)
{
	struct mmt_kmsg_match m;

	match_reset(ret);
	if (!msg)
		return MMT_KMSG_NONE;
	/* indentation (a quoting mail client, a pasted console) is not text */
	while (*msg == ' ' || *msg == '\t')
		msg++;
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
			if (hit && anchored && !before_fits(r, s, hit))
				hit = NULL;
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

enum mmt_kmsg_kind mmt_kmsg_classify(const char *msg, struct mmt_kmsg_match *ret)
{
	return classify(msg, false, ret);
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

/* A syslog date at s: "Nov 22 00:53:13 " or an ISO time "2026-05-28T12:21:57..." */
static bool syslog_date(const char *s)
{
	size_t n = strnlen(s, 32);

	for (int i = 0; months[i]; i++)
		if (starts(s, months[i]) && n > 16 && s[9] == ':' && s[12] == ':')
			return true;
	return n > 20 && isdigit((unsigned char)s[0]) && s[4] == '-' && s[7] == '-' &&
	       (s[10] == 'T' || s[10] == ' ') && s[13] == ':';
}

/* Past the next blank-separated word of s (and the blanks after it). */
static const char *next_word(const char *s)
{
	while (*s && !isspace((unsigned char)*s))
		s++;
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* "prog[123]:" or "prog:": a syslog tag of a program other than the kernel */
static bool program_tag(const char *w)
{
	size_t n = strcspn(w, " \t");

	if (n < 2 || w[n - 1] != ':')
		return false;
	if (n > 3 && w[n - 2] == ']' && memchr(w, '[', n))
		return true;
	for (size_t i = 0; i + 1 < n; i++)
		if (!isalnum((unsigned char)w[i]) && !strchr("-_.", w[i]))
			return false;
	return true;
}

/* One of names, then blanks and ':' (a "dmesg -x" field): past it, index in *ret. */
static const char *dmesg_x_field(const char *p, const char *const *names, int *ret)
{
	size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789");

	*ret = -1;
	for (int i = 0; names[i]; i++)
		if (n == strlen(names[i]) && !strncmp(p, names[i], n))
			*ret = i;
	if (*ret < 0)
		return NULL;
	p += n;
	while (*p == ' ')
		p++;
	if (*p++ != ':')
		return NULL;
	while (*p == ' ')
		p++;
	return p;
}

/* dmesg -x "kern  :warn  : " (util-linux, facility and level names) */
static const char *parse_dmesg_x(const char *s, int *ret_fac, int *ret_lvl)
{
	static const char *const facs[] = {
		"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
		"uucp", "cron", "authpriv", "ftp", "res0", "res1", "res2", "res3",
		"local0", "local1", "local2", "local3", "local4", "local5", "local6",
		"local7", NULL
	};
	static const char *const lvls[] = {
		"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug", NULL
	};
	const char *p = dmesg_x_field(s, facs, ret_fac);

	return p ? dmesg_x_field(p, lvls, ret_lvl) : NULL;
}

#define PREFIX_SCAN 256   /* how far into a line its prefix may reach */

/*
 * The first printk timestamp of s (within PREFIX_SCAN), where a word
 * starts: at s, after a blank, ':', '>' or ']'.  Returns it or NULL.
 */
static const char *find_ts(const char *s)
{
	uint64_t ts;

	for (const char *p = s; *p && p - s < PREFIX_SCAN; p++) {
		if (*p != '[')
			continue;
		if (p > s && !strchr(" \t:>]", p[-1]))
			continue;
		if (parse_ts(p, &ts))
			return p;
	}
	return NULL;
}

/* The syslog "kernel:" tag (within PREFIX_SCAN): returns past it, or NULL. */
static const char *find_kernel_tag(const char *s)
{
	for (const char *p = s; (p = strstr(p, "kernel:")) && p - s < PREFIX_SCAN; p++) {
		if (p > s && p[-1] != ' ')
			continue;
		if (p[7] && p[7] != ' ' && p[7] != '[')
			continue;
		p += 7;
		return *p == ' ' ? p + 1 : p;
	}
	return NULL;
}

/*
 * The first word of s (within PREFIX_SCAN) where a kernel message the
 * classifier knows starts; NULL if none.
 */
static const char *find_message_start(const char *s)
{
	struct mmt_kmsg_match m;

	for (const char *p = s; *p && p - s < PREFIX_SCAN; p = next_word(p))
		if (classify(p, true, &m) != MMT_KMSG_NONE)
			return p;
	return NULL;
}

static void keep_prefix(struct mmt_kmsg_rec *ret, const char *line, const char *s)
{
	copy_span(ret->prefix, sizeof(ret->prefix), line, s - line);
}

int mmt_kmsg_parse_text_line(const char *line, struct mmt_kmsg_rec *ret)
{
	const char *s = line, *t, *k;
	int fac, lvl;
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
	    mmt_kmsg_parse_record(s, len, ret) == 0) {
		ret->kernel = true;
		return 0;
	}
	rec_reset(ret);

	/* our own kmsg.log: "[seq] [   12.345678] <4> text", "-" when unknown */
	if (*s == '[' && num_at(s + 1, &v, &t) && *t == ']' && t[1] == ' ' && t[2] == '[' &&
	    v >= 0) {
		ret->seq = (uint64_t)v;
		ret->has_seq = true;
		ret->kernel = true;
		s = t + 2;
	} else if (starts(s, "[-] [")) {
		ret->kernel = true;
		s += 4;
	}
	if (starts(s, "[-] <") && isdigit((unsigned char)s[5])) {
		/* no timestamp: "<N> " follows, with exactly one blank */
		if (num_at(s + 5, &v, &t) && *t == '>' && t[1] == ' ') {
			ret->level = (int)(v & 7);
			ret->kernel = true;
			s = t + 2;
		}
	}

	/* dmesg -x: "kern  :warn  : [ts] text"; another facility is not the kernel's */
	if ((t = parse_dmesg_x(s, &fac, &lvl))) {
		keep_prefix(ret, line, t);
		if (fac != 0)
			return 0;
		ret->facility = fac;
		ret->level = lvl;
		ret->kernel = true;
		s = t;
	}

	/*
	 * Where the kernel's record begins: the first printk timestamp, else a
	 * "kernel:" tag, else (for a line of some other syslog program or a
	 * bare paste) the first known message start.
	 */
	t = find_ts(s);
	if (t && t > s) {
		/* "<4>" just before the timestamp is the console's level */
		const char *lt = t;

		if (t - s >= 3 && t[-1] == '>') {
			const char *o = t - 2;

			while (o > s && isdigit((unsigned char)*o))
				o--;
			if (*o == '<' && num_at(o + 1, &v, NULL)) {
				ret->level = (int)(v & 7);
				ret->facility = (int)(v >> 3);
				lt = o;
			}
		}
		keep_prefix(ret, line, lt);
		s = t;
	} else if (!t && (k = find_kernel_tag(s))) {
		keep_prefix(ret, line, k);
		ret->kernel = true;
		s = k;
	} else if (!t && syslog_date(s)) {
		/* a dated line with no "kernel:": another program's, unless a
		 * kernel message starts after the date and host */
		const char *host = next_word(next_word(next_word(s)));
		const char *w = isdigit((unsigned char)*s) ? next_word(s) : host;

		k = find_message_start(w);
		if (!k || (k != w && k != next_word(w) && program_tag(next_word(w)))) {
			keep_prefix(ret, line, line + len);
			return 0;
		}
		keep_prefix(ret, line, k);
		ret->kernel = true;
		s = k;
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
		ret->kernel = true;
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
		keep_prefix(ret, line, s);
		ret->kernel = true;
	} else if (!ret->kernel && (k = find_message_start(s))) {
		/* bare text, or an unknown prefix before a known message */
		struct mmt_kmsg_match m;

		if (k > s && classify(s, true, &m) == MMT_KMSG_NONE) {
			keep_prefix(ret, line, k);
			s = k;
		}
		ret->kernel = true;
	}
	/* "<4>" after the timestamp */
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
/* saved text: learned prefixes, wrapped lines                         */

struct mmt_kmsg_text {
	bool has_pending;
	struct mmt_kmsg_rec pending;
	size_t pending_len;        /* physical length of its last line; 0: no join */
	bool pending_prefixed;
	bool raw_prev;             /* the last line was a raw record (dict lines follow) */
	char learned_first[64];    /* first word of the prefix learned */
	unsigned learned_words;    /* and how many words it has */
	uint64_t records;
	struct mmt_kmsg_rec cur;
};

struct mmt_kmsg_text *mmt_kmsg_text_new(void)
{
	return calloc(1, sizeof(struct mmt_kmsg_text));
}

void mmt_kmsg_text_free(struct mmt_kmsg_text *t)
{
	free(t);
}

uint64_t mmt_kmsg_text_records(const struct mmt_kmsg_text *t)
{
	return t ? t->records : 0;
}

static unsigned count_words(const char *s, const char *end)
{
	unsigned n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	for (const char *p = s; p < end && *p; p = next_word(p))
		n++;
	return n;
}

/* A record of its own line: a prefix (timestamp, tag), a raw record, a known message. */
static bool prefixed(const struct mmt_kmsg_rec *r)
{
	return r->has_ts || r->has_seq || r->prefix[0];
}

/* Strip the learned prefix from a line that had no anchor of its own. */
static void apply_learned(struct mmt_kmsg_text *t, const char *line, struct mmt_kmsg_rec *r)
{
	size_t fl = strlen(t->learned_first);
	const char *p = line;

	if (!t->learned_words || strncmp(line, t->learned_first, fl) ||
	    (line[fl] != ' ' && line[fl] != '\t'))
		return;
	for (unsigned i = 0; i < t->learned_words; i++) {
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '\r' || *p == '\n')
			return;
		if (i + 1 < t->learned_words)
			while (*p == ' ' || *p == '\t')
				p++;
	}
	if (*p == ' ')
		p++;
	keep_prefix(r, line, p);
	copy_span(r->msg, sizeof(r->msg), p, strcspn(p, "\r\n"));
	r->kernel = true;
}

static void learn(struct mmt_kmsg_text *t, const char *line, const struct mmt_kmsg_rec *r)
{
	size_t pl = strlen(r->prefix);

	if (r->has_ts || !pl || r->level >= 0 || strncmp(line, r->prefix, pl))
		return;
	copy_span(t->learned_first, sizeof(t->learned_first), line, strcspn(line, " \t"));
	t->learned_words = count_words(line, line + pl);
}

static void append(struct mmt_kmsg_rec *r, const char *s, size_t n)
{
	size_t have = strlen(r->msg);

	if (have + n >= sizeof(r->msg))
		n = sizeof(r->msg) - have - 1;
	memcpy(r->msg + have, s, n);
	r->msg[have + n] = '\0';
}

int mmt_kmsg_text_push(struct mmt_kmsg_text *t, const char *line, struct mmt_kmsg_rec *ret)
{
	struct mmt_kmsg_rec *cur;
	size_t len;
	int out = 0;

	if (!t || !line || !ret)
		return -EINVAL;
	cur = &t->cur;
	len = strcspn(line, "\r\n");
	/* dictionary lines of a saved raw /dev/kmsg dump */
	if (t->raw_prev && line[0] == ' ' && memchr(line, '=', len))
		return 0;
	if (mmt_kmsg_parse_text_line(line, cur) < 0) {
		t->pending_len = 0;     /* a blank line ends any wrap */
		return 0;
	}
	t->raw_prev = cur->has_seq && isdigit((unsigned char)line[0]);
	if (!prefixed(cur) && !cur->kernel)
		apply_learned(t, line, cur);
	else if (cur->kernel)
		learn(t, line, cur);
	if (!prefixed(cur) && !cur->kernel && t->has_pending && t->pending_prefixed &&
	    t->pending_len >= MMT_KMSG_WRAP_MIN) {
		/* the rest of the line above, cut by a terminal or mail client */
		append(&t->pending, line, len);
		t->pending_len = len;
		return 0;
	}
	if (cur->kernel)
		t->records++;
	if (t->has_pending) {
		*ret = t->pending;
		out = 1;
	}
	t->pending = *cur;
	t->has_pending = true;
	t->pending_len = len;
	t->pending_prefixed = prefixed(cur) && cur->msg[0];
	return out;
}

int mmt_kmsg_text_finish(struct mmt_kmsg_text *t, struct mmt_kmsg_rec *ret)
{
	if (!t || !ret)
		return -EINVAL;
	if (!t->has_pending)
		return 0;
	*ret = t->pending;
	t->has_pending = false;
	t->pending_len = 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* combiner                                                            */

struct oom_report {
	bool active, killed;
	uint64_t id;                    /* its place in the output queue */
	struct mmt_kmsg_rec first;      /* record that opened the report */
	struct mmt_kmsg_rec kill_rec;   /* record of the kill line */
	struct mmt_kmsg_match inv, cons, kill, sel, reap, usage, mtask, cpuset, cpu;
	bool has_inv, has_cons, has_sel, has_reap, has_usage, has_mtask, has_cpuset, has_cpu;
	uint64_t reap_ts_us;
	bool has_reap_ts;
	int64_t node_free_kb[NODES];
	int64_t node_wmark_high_kb[NODES];
	unsigned recs_since_kill;
};

/*
 * An event still being gathered, by its id in the queue: where it opened
 * (record count and timestamp) to close it after a window.
 */
struct open_ev {
	bool on;
	uint64_t id;
	uint64_t rec;               /* st->nrec when it opened */
	bool has_ts;
	uint64_t ts_us;
};

/* How long (kernel time, records) an event waits for its follow-up lines. */
#define HOLD_US 1000000ULL
#define HOLD_RECS 256
/* How far apart the lines of one burst of "#PF leaked" lines may be. */
#define LEAK_WINDOW_US 10000000ULL

struct qent {
	bool done;
	struct mmt_kevent ev;
};

#define EARLY_KILLS 8U

struct mmt_kmsg_state {
	bool has_last_seq;
	uint64_t last_seq;
	bool epipe;
	uint64_t nrec;
	struct oom_report oom;
	/* the output queue: ids head_id .. next_id - 1, slot id % MMT_KMSG_QUEUE */
	struct qent q[MMT_KMSG_QUEUE];
	uint64_t head_id, next_id;
	/*
	 * Events being gathered: an allocation failure/stall waiting for its
	 * cpuset line (matched by comm), the event whose stack is being read,
	 * an RCU stall (per-CPU lines, the same header from other CPUs) and a
	 * burst of "#PF leaked" lines.
	 */
	struct open_ev alloc, stack, rcu, leak;
	bool alloc_waiting;          /* for its cpuset or CPU line */
	char alloc_comm[64];
	bool stack_started;          /* a frame was seen */
	int64_t leak_suppressed;     /* "pagefault_out_of_memory: N callbacks suppressed" */
	bool early_kill;             /* emit an OOM report at its kill line */
	/* The last kills emitted early (pid, kill line's seq): the reaper line
	 * that follows names the event it updates. */
	struct { int64_t pid; int64_t seq; } early[EARLY_KILLS];
	unsigned early_next;
};

void mmt_kmsg_state_set_early_kill(struct mmt_kmsg_state *st, bool early)
{
	st->early_kill = early;
}

struct mmt_kmsg_state *mmt_kmsg_state_new(void)
{
	struct mmt_kmsg_state *st = calloc(1, sizeof(struct mmt_kmsg_state));

	if (st)
		st->leak_suppressed = -1;
	return st;
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
	[MMT_KEV_WQ_LOCKUP] = "workqueue_lockup",
	[MMT_KEV_PF_OOM_LEAK] = "pagefault_oom_leak",
	[MMT_KEV_MARK] = "mark",
};
_Static_assert(sizeof(kev_names) / sizeof(kev_names[0]) == MMT_KEV_NR, "one name per type");
_Static_assert(MMT_KMSG_QUEUE < MMT_KMSG_MAX_EVENTS, "a flush gives out the whole queue");

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
	memset(ev->stack, 0, sizeof(ev->stack));
	ev->nr_stack = 0;
	ev->type = type;
	ev->has_seq = rec && rec->has_seq;
	ev->seq = ev->has_seq ? rec->seq : 0;
	ev->has_ts = rec && rec->has_ts;
	ev->kernel_ts_us = ev->has_ts ? rec->ts_us : 0;
	snprintf(ev->line, sizeof(ev->line), "%s", rec ? rec->msg : "");
}

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

/* ---- the output queue ---------------------------------------------------- */

static struct qent *qent(struct mmt_kmsg_state *st, uint64_t id)
{
	if (id < st->head_id || id >= st->next_id)
		return NULL;
	return &st->q[id % MMT_KMSG_QUEUE];
}

/* Give out the finished events at the head of the queue, in order. */
static void release(struct mmt_kmsg_state *st, struct out *o)
{
	while (st->head_id < st->next_id) {
		struct qent *e = &st->q[st->head_id % MMT_KMSG_QUEUE];

		if (!e->done || o->n >= o->max)
			break;
		o->ev[o->n++] = e->ev;
		st->head_id++;
	}
}

static void close_id(struct mmt_kmsg_state *st, struct out *o, uint64_t id);

/* A new queue entry (of a finished event when done), initialized; its id. */
static uint64_t enqueue(struct mmt_kmsg_state *st, struct out *o, enum mmt_kev_type type,
			const struct mmt_kmsg_rec *rec, bool done)
{
	struct qent *e;

	while (st->next_id - st->head_id >= MMT_KMSG_QUEUE) {
		uint64_t head = st->head_id;

		/* full: the oldest stops gathering and goes out */
		close_id(st, o, head);
		release(st, o);
		if (st->head_id == head) {
			log_warn("kmsg: event buffer full, dropping %s event",
				 mmt_kev_type_name(st->q[head % MMT_KMSG_QUEUE].ev.type));
			st->head_id++;
		}
	}
	e = &st->q[st->next_id % MMT_KMSG_QUEUE];
	kev_init(&e->ev, type, rec);
	e->done = done;
	return st->next_id++;
}

static struct mmt_kevent *qev(struct mmt_kmsg_state *st, uint64_t id)
{
	struct qent *e = qent(st, id);

	return e ? &e->ev : NULL;
}

static void finish(struct mmt_kmsg_state *st, uint64_t id)
{
	struct qent *e = qent(st, id);

	if (e)
		e->done = true;
}

static void open_at(struct mmt_kmsg_state *st, struct open_ev *op, uint64_t id,
		    const struct mmt_kmsg_rec *rec)
{
	op->on = true;
	op->id = id;
	op->rec = st->nrec;
	op->has_ts = rec->has_ts;
	op->ts_us = rec->ts_us;
}

/* Is an open event past its window at rec (or, rec NULL, at now_us)? */
static bool window_over(const struct mmt_kmsg_state *st, const struct open_ev *op,
			const struct mmt_kmsg_rec *rec, uint64_t now_us, uint64_t window_us)
{
	if (!rec)
		return !op->has_ts || now_us > op->ts_us + window_us;
	if (st->nrec - op->rec > HOLD_RECS)
		return true;
	return rec->has_ts && op->has_ts && rec->ts_us > op->ts_us + window_us;
}

/* ---- OOM reports ---------------------------------------------------------- */

static void oom_start(struct mmt_kmsg_state *st, struct out *o, const struct mmt_kmsg_rec *rec)
{
	struct oom_report *r = &st->oom;
	/* first: a full queue closes its oldest, which must not be this one */
	uint64_t id = enqueue(st, o, MMT_KEV_OOM_KILL, rec, false);

	memset(r, 0, sizeof(*r));
	r->active = true;
	r->id = id;
	r->first = *rec;
	for (int i = 0; i < NODES; i++)
		r->node_free_kb[i] = r->node_wmark_high_kb[i] = -1;
}

static bool memcg_line(const struct mmt_kmsg_match *m)
{
	return starts(m->text, "Memory cgroup out of memory");
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
	e->memcg_oom = (r->has_cons && !strcmp(c->constraint, "CONSTRAINT_MEMCG")) ||
		       r->has_mtask || r->has_usage ||
		       (r->killed && memcg_line(k)) || (r->has_sel && memcg_line(&r->sel));
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
	for (int i = 0; i < NODES; i++) {
		e->node_free_kb[i] = r->node_free_kb[i];
		e->node_wmark_high_kb[i] = r->node_wmark_high_kb[i];
	}
	e->reaped = r->has_reap;
	e->reaped_ts_us = r->has_reap && r->has_reap_ts ? (int64_t)r->reap_ts_us : -1;
	e->reaped_anon_rss_kb = r->has_reap ? r->reap.anon_rss_kb : -1;
	e->reaped_file_rss_kb = r->has_reap ? r->reap.file_rss_kb : -1;
	e->reaped_shmem_rss_kb = r->has_reap ? r->reap.shmem_rss_kb : -1;
}

static void oom_emit(struct mmt_kmsg_state *st)
{
	struct oom_report *r = &st->oom;
	struct mmt_kevent *ev;

	if (!r->active)
		return;
	r->active = false;
	ev = qev(st, r->id);
	if (!ev)
		return;
	kev_init(ev, MMT_KEV_OOM_KILL, r->killed ? &r->kill_rec : &r->first);
	oom_report(r, &ev->u.oom);
	ev->u.oom.ts_us = ev->has_ts ? (int64_t)ev->kernel_ts_us : -1;
	finish(st, r->id);
}

/* ---- events of one line, and what follows them ---------------------------- */

/* "WARNING: CPU: 22 PID: 536 at fs/xfs/xfs_message.c:89 asswarn (...)": "file:line func" */
static void warn_where(const char *text, char *dst, size_t n)
{
	const char *a = strstr(text, " at "), *e;

	if (!a)
		return;
	a += 4;
	e = strstr(a, " (");
	if (!e)
		e = a + strcspn(a, "[");
	copy_span(dst, n, a, e - a);
	/* "func+0x1b/0x20()" of 3.x: the function only */
	e = strchr(dst, '+');
	if (e)
		*(char *)e = '\0';
}

/* Fill ev (already initialized with its type) from one line's match. */
static void simple_fill(struct mmt_kevent *ev, const struct mmt_kmsg_match *m)
{
	switch (ev->type) {
	case MMT_KEV_HUNG_TASK:
		ev->u.task.pid = m->pid;
		COPY(ev->u.task.comm, m->comm);
		ev->u.task.seconds = m->seconds;
		ev->u.task.tgid = -1;
		break;
	case MMT_KEV_LOCKUP:
		ev->u.lockup.hard = m->kind == MMT_KMSG_HARD_LOCKUP;
		ev->u.lockup.cpu = m->cpu;
		ev->u.lockup.seconds = m->seconds;
		ev->u.lockup.pid = m->pid;
		COPY(ev->u.lockup.comm, m->comm);
		break;
	case MMT_KEV_RCU_STALL:
		ev->u.rcu.cpu = m->cpu;
		ev->u.rcu.reports = 1;
		break;
	case MMT_KEV_BUG:
		ev->u.bug = m->kind;
		break;
	case MMT_KEV_WARN:
	case MMT_KEV_PANIC:
		ev->u.warn.cpu = m->cpu;
		ev->u.warn.pid = m->pid;
		if (ev->type == MMT_KEV_WARN)
			warn_where(m->text, ev->u.warn.where, sizeof(ev->u.warn.where));
		break;
	case MMT_KEV_ALLOC_FAIL:
	case MMT_KEV_ALLOC_STALL:
		COPY(ev->u.alloc.comm, m->comm);
		ev->u.alloc.pid = -1;
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
	case MMT_KEV_WQ_LOCKUP:
		COPY(ev->u.wq.pool, m->pool);
		ev->u.wq.seconds = m->seconds;
		break;
	case MMT_KEV_PF_OOM_LEAK:
		ev->u.leak.count = 1;
		ev->u.leak.suppressed = -1;
		break;
	case MMT_KEV_MARK: {
		/* The mark's own text: the line after "mmtorture: <run id> ". */
		const char *t = strstr(ev->line, m->run_id);

		COPY(ev->u.mark.run_id, m->run_id);
		t = t ? t + strlen(m->run_id) : ev->line;
		COPY(ev->u.mark.text, t + strspn(t, " "));
		break;
	}
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
		{ MMT_KMSG_WQ_LOCKUP, MMT_KEV_WQ_LOCKUP },
		{ MMT_KMSG_PF_OOM_LEAK, MMT_KEV_PF_OOM_LEAK },
		{ MMT_KMSG_MARK, MMT_KEV_MARK },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].kind == kind) {
			*ret = map[i].type;
			return true;
		}
	}
	return false;
}

/* Does this event read the call trace (and the "CPU:" line) after it? */
static bool reads_stack(enum mmt_kev_type type)
{
	return type == MMT_KEV_HUNG_TASK || type == MMT_KEV_LOCKUP || type == MMT_KEV_WARN ||
	       type == MMT_KEV_PANIC || type == MMT_KEV_ALLOC_FAIL ||
	       type == MMT_KEV_ALLOC_STALL;
}

/* A one-line event, finished at once or opened for its follow-up lines. */
/* The seq of the early-emitted kill of pid (newest first), or -1. */
static int64_t early_kill_seq(const struct mmt_kmsg_state *st, int64_t pid)
{
	for (unsigned n = 0; n < EARLY_KILLS && n < st->early_next; n++) {
		unsigned i = (st->early_next - 1 - n) % EARLY_KILLS;

		if (st->early[i].pid == pid)
			return st->early[i].seq;
	}
	return -1;
}

static uint64_t simple_event(struct mmt_kmsg_state *st, struct out *o,
			     const struct mmt_kmsg_rec *rec, const struct mmt_kmsg_match *m,
			     bool done)
{
	enum mmt_kev_type type;
	uint64_t id;

	if (!simple_type(m->kind, &type))
		return UINT64_MAX;
	id = enqueue(st, o, type, rec, done);
	simple_fill(qev(st, id), m);
	if (type == MMT_KEV_OOM_REAPED && qev(st, id))
		qev(st, id)->u.reaped.kill_seq = early_kill_seq(st, m->pid);
	return id;
}

/* ---- stacks --------------------------------------------------------------- */

/*
 * Functions that say nothing of why a task waits or where a CPU is stuck:
 * the scheduler and wait primitives (kernel/sched/core.c, completion.c,
 * wait_bit.c, locking/ slow paths; get_wchan() skips them), the stack
 * dumpers (lib/dump_stack.c, arch unwinders, warn_alloc(), dump_header())
 * and the page allocator's entry points (mm/page_alloc.c).
 */
static bool frame_skipped(const char *f)
{
	static const char *const skip[] = {
		"__schedule", "schedule", "io_schedule", "schedule_timeout",
		"schedule_preempt_disabled", "schedule_hrtimeout", "schedule_hrtimeout_range",
		"schedule_timeout_uninterruptible", "schedule_timeout_interruptible",
		"schedule_timeout_killable", "io_schedule_timeout", "preempt_schedule",
		"preempt_schedule_common", "__wait_for_common", "wait_for_common",
		"wait_for_common_io", "do_wait_for_common", "wait_for_completion",
		"wait_for_completion_io", "wait_for_completion_timeout",
		"wait_for_completion_killable", "wait_for_completion_interruptible",
		"__switch_to", "__switch_to_asm", "context_switch", "__cond_resched",
		"_cond_resched", "bit_wait", "bit_wait_io", "bit_wait_timeout",
		"__wait_on_bit", "__wait_on_bit_lock", "out_of_line_wait_on_bit",
		"out_of_line_wait_on_bit_lock", "folio_wait_bit_common",
		"wait_on_page_bit_common", "__mutex_lock", "__mutex_lock_common",
		"__mutex_lock_slowpath", "mutex_lock", "rwsem_down_read_slowpath",
		"rwsem_down_write_slowpath", "__down", "__down_common",
		"dump_stack", "dump_stack_lvl", "__dump_stack", "show_stack",
		"unwind_backtrace", "dump_backtrace", "show_stack_log_lvl", "show_trace_log_lvl",
		"warn_alloc", "warn_alloc_show_mem", "dump_header", "__warn", "report_bug",
		"__alloc_pages_slowpath", "__alloc_pages_nodemask", "__alloc_pages",
		"__alloc_pages_noprof", "alloc_pages_current", "__alloc_pages_may_oom",
		"ret_from_fork", "ret_from_fork_asm", "kthread",
		NULL
	};

	for (int i = 0; skip[i]; i++)
		if (!strcmp(f, skip[i]))
			return true;
	return false;
}

static bool fname_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/*
 * One call-trace line: x86/arm64 "[<addr>] func+0x1/0x2", " func+0x1/0x2
 * [mod]", decoded " func (file.c:12)", ARM "[<a>] (func) from [<b>] (g)",
 * and "RIP: 0010:func+0x1/0x2".  The function, without a ".cold" or
 * ".constprop.0" suffix, goes to ret.  Returns 1 for a frame, 2 for an
 * unreliable one ("? func"), 0 for no frame.
 */
static int stack_frame(const char *s, char *ret, size_t n)
{
	const char *p = s, *f, *e;
	bool unreliable = false, arm = false;

	while (*p == ' ' || *p == '\t')
		p++;
	if (starts(p, "RIP: ") || starts(p, "pc : ") || starts(p, "PC is at ")) {
		p = strchr(p, ':');
		p = starts(s, "PC is at ") ? strstr(s, "at ") + 3 : p + 1;
		while (*p == ' ')
			p++;
		/* "RIP: 0010:func" */
		if (isxdigit((unsigned char)p[0]) && strchr(p, ':') &&
		    strchr(p, ':') < p + 6)
			p = strchr(p, ':') + 1;
	}
	if (starts(p, "[<")) {
		p = strchr(p, ']');
		if (!p)
			return 0;
		p++;
		while (*p == ' ')
			p++;
		if (*p == '(') {
			arm = true;
			p++;
		}
	}
	if (starts(p, "? ")) {
		unreliable = true;
		p += 2;
	}
	f = p;
	while (fname_char(*p))
		p++;
	if (p == f || isdigit((unsigned char)*f))
		return 0;
	e = p;
	if (arm) {
		/* "(func+0x1/0x2)", "(func)", "(func [module])" */
		if (*p != ')' && *p != '+' && !starts(p, " ["))
			return 0;
	} else if (starts(p, "+0x")) {
		if (!strchr(p, '/'))
			return 0;
	} else if (!(starts(p, " (") && strstr(p, ".c:")) && !(starts(p, " (") && strstr(p, ".S:"))) {
		return 0;
	}
	/* "oom_kill_process.cold", "out_of_memory.part.0": the function */
	for (const char *q = f; q < e; q++)
		if (*q == '.' && q > f) {
			e = q;
			break;
		}
	copy_span(ret, n, f, e - f);
	return unreliable ? 2 : 1;
}

static void add_frame(struct mmt_kevent *ev, const char *f)
{
	if (frame_skipped(f) || ev->nr_stack >= MMT_KEV_STACK)
		return;
	COPY(ev->stack[ev->nr_stack], f);
	ev->nr_stack++;
}

static void close_stack(struct mmt_kmsg_state *st)
{
	if (!st->stack.on)
		return;
	st->stack.on = false;
	if (st->alloc.on && st->alloc.id == st->stack.id)
		st->alloc.on = false;
	finish(st, st->stack.id);
}

static void open_stack(struct mmt_kmsg_state *st, uint64_t id, const struct mmt_kmsg_rec *rec)
{
	close_stack(st);
	open_at(st, &st->stack, id, rec);
	st->stack_started = false;
}

/* "task:P[x]  state:D stack:0  pid:1624  tgid:1344  ppid:1 flags:..." (5.14+) */
static void task_line(struct mmt_kevent *ev, const char *msg)
{
	const char *p = msg;
	int64_t pid = -1, tgid = -1;

	while (*p == ' ')
		p++;
	if (!starts(p, "task:") || !strstr(p, " state:"))
		return;
	key_i64(p, "pid:", &pid);
	key_i64(p, "tgid:", &tgid);
	if (pid >= 0 && pid == ev->u.task.pid)
		ev->u.task.tgid = tgid;
}

/* The "CPU: N PID: P Comm: C" line of the event whose stack is read. */
static void cpu_line(struct mmt_kevent *ev, const struct mmt_kmsg_match *m)
{
	switch (ev->type) {
	case MMT_KEV_LOCKUP:
		if (ev->u.lockup.pid < 0 || ev->u.lockup.pid == m->pid) {
			ev->u.lockup.pid = m->pid;
			COPY(ev->u.lockup.comm, m->comm);
			if (ev->u.lockup.cpu < 0)
				ev->u.lockup.cpu = m->cpu;
		}
		break;
	case MMT_KEV_WARN:
	case MMT_KEV_PANIC:
		if (ev->u.warn.pid < 0 || ev->u.warn.pid == m->pid) {
			ev->u.warn.pid = m->pid;
			ev->u.warn.cpu = m->cpu;
			COPY(ev->u.warn.comm, m->comm);
		}
		break;
	case MMT_KEV_ALLOC_FAIL:
	case MMT_KEV_ALLOC_STALL:
		if (!strcmp(ev->u.alloc.comm, m->comm))
			ev->u.alloc.pid = m->pid;
		break;
	default:
		break;
	}
}

/*
 * A line while an event reads its stack.  Returns true when the line was
 * taken (a frame, its CPU or task line).
 */
static bool stack_line(struct mmt_kmsg_state *st, const struct mmt_kmsg_rec *rec,
		       enum mmt_kmsg_kind kind, const struct mmt_kmsg_match *m)
{
	struct mmt_kevent *ev = qev(st, st->stack.id);
	const char *p = rec->msg;
	char f[64];
	int r;

	if (!ev) {
		st->stack.on = false;
		return false;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (kind == MMT_KMSG_TASK_CPU) {
		cpu_line(ev, m);
		return true;
	}
	if (kind != MMT_KMSG_NONE && kind != MMT_KMSG_SUPPRESSED)
		return false;
	if (starts(p, "</TASK>") || starts(p, "---[ end")) {
		close_stack(st);
		return true;
	}
	if (ev->type == MMT_KEV_HUNG_TASK)
		task_line(ev, p);
	r = stack_frame(p, f, sizeof(f));
	if (r)
		st->stack_started = true;
	if (r == 1)
		add_frame(ev, f);
	return r != 0;
}

/* ---- RCU stalls and #PF leaks --------------------------------------------- */

/* A stalled CPU of an RCU report: "\t0-...: (1 GPs behind) idle=..." (kernel/rcu/tree_stall.h) */
static bool rcu_cpu(const char *msg, int64_t *cpu)
{
	const char *p = msg, *e;
	size_t n;

	if (starts(p, "rcu: "))
		p += 5;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!num_at(p, cpu, &e) || *e != '-' || *cpu < 0)
		return false;
	n = strspn(e + 1, ".OoNDd!");
	return n >= 3 && n <= 6 && e[1 + n] == ':';
}

static void close_rcu(struct mmt_kmsg_state *st)
{
	if (st->rcu.on)
		finish(st, st->rcu.id);
	st->rcu.on = false;
}

static void close_leak(struct mmt_kmsg_state *st)
{
	if (st->leak.on)
		finish(st, st->leak.id);
	st->leak.on = false;
}

static void close_alloc(struct mmt_kmsg_state *st)
{
	if (st->alloc.on && !(st->stack.on && st->stack.id == st->alloc.id))
		finish(st, st->alloc.id);
	st->alloc.on = false;
	st->alloc_waiting = false;
}

/* Close whatever gathers event id (the queue is full, or the log ended). */
static void close_id(struct mmt_kmsg_state *st, struct out *o, uint64_t id)
{
	(void)o;
	if (st->oom.active && st->oom.id == id)
		oom_emit(st);
	if (st->stack.on && st->stack.id == id)
		close_stack(st);
	if (st->alloc.on && st->alloc.id == id)
		close_alloc(st);
	if (st->rcu.on && st->rcu.id == id)
		close_rcu(st);
	if (st->leak.on && st->leak.id == id)
		close_leak(st);
}

static void close_all(struct mmt_kmsg_state *st)
{
	oom_emit(st);
	close_stack(st);
	close_alloc(st);
	close_rcu(st);
	close_leak(st);
}

static void feed_rcu(struct mmt_kmsg_state *st, struct out *o, const struct mmt_kmsg_rec *rec,
		     const struct mmt_kmsg_match *m)
{
	struct mmt_kevent *ev = st->rcu.on ? qev(st, st->rcu.id) : NULL;

	/* the same header printed by several CPUs at once is one stall */
	if (ev && !strcmp(ev->line, rec->msg) && rec->has_ts == ev->has_ts &&
	    (!rec->has_ts || (rec->ts_us >= ev->kernel_ts_us &&
			      rec->ts_us <= ev->kernel_ts_us + HOLD_US))) {
		ev->u.rcu.reports++;
		return;
	}
	close_rcu(st);
	open_at(st, &st->rcu, simple_event(st, o, rec, m, false), rec);
}

static void rcu_add_cpu(struct mmt_kmsg_state *st, int64_t cpu)
{
	struct mmt_kevent *ev = qev(st, st->rcu.id);

	if (!ev)
		return;
	for (unsigned i = 0; i < ev->u.rcu.nr_cpus; i++)
		if (ev->u.rcu.cpus[i] == cpu)
			return;
	if (ev->u.rcu.nr_cpus < MMT_KEV_RCU_CPUS)
		ev->u.rcu.cpus[ev->u.rcu.nr_cpus++] = cpu;
}

static void feed_leak(struct mmt_kmsg_state *st, struct out *o, const struct mmt_kmsg_rec *rec,
		      const struct mmt_kmsg_match *m)
{
	struct mmt_kevent *ev = st->leak.on ? qev(st, st->leak.id) : NULL;

	if (ev && !window_over(st, &st->leak, rec, 0, LEAK_WINDOW_US)) {
		ev->u.leak.count++;
		return;
	}
	close_leak(st);
	open_at(st, &st->leak, simple_event(st, o, rec, m, false), rec);
	ev = qev(st, st->leak.id);
	if (ev && st->leak_suppressed >= 0)
		ev->u.leak.suppressed = st->leak_suppressed;
	st->leak_suppressed = -1;
}

static void feed_suppressed(struct mmt_kmsg_state *st, const struct mmt_kmsg_match *m)
{
	struct mmt_kevent *ev = st->leak.on ? qev(st, st->leak.id) : NULL;

	if (strcmp(m->comm, "pagefault_out_of_memory"))
		return;
	if (ev) {
		ev->u.leak.suppressed = (ev->u.leak.suppressed > 0 ? ev->u.leak.suppressed : 0) +
					m->count;
		return;
	}
	st->leak_suppressed = m->count;
}

/* ---- allocation failures and stalls --------------------------------------- */

static void feed_alloc(struct mmt_kmsg_state *st, struct out *o, const struct mmt_kmsg_rec *rec,
		       const struct mmt_kmsg_match *m)
{
	uint64_t id;

	close_alloc(st);
	id = simple_event(st, o, rec, m, false);
	if (m->cpuset[0]) {
		/* 5.0+: cpuset on the line; the "CPU:" line and the stack follow */
		open_stack(st, id, rec);
		return;
	}
	open_at(st, &st->alloc, id, rec);
	st->alloc_waiting = true;
	COPY(st->alloc_comm, m->comm);
}

/*
 * "comm cpuset=/ mems_allowed=0": of the waiting allocation failure of that
 * comm, or of the open OOM report -- whichever opened last, when both fit.
 * Returns true when the allocation took it.
 */
static bool alloc_cpuset(struct mmt_kmsg_state *st, const struct mmt_kmsg_rec *rec,
			 const struct mmt_kmsg_match *m)
{
	struct oom_report *r = &st->oom;
	struct mmt_kevent *ev;

	if (!st->alloc.on || !st->alloc_waiting || strcmp(st->alloc_comm, m->comm))
		return false;
	if (r->active && !r->killed && !r->has_cpuset && r->id > st->alloc.id &&
	    r->has_inv && !strcmp(r->inv.comm, m->comm))
		return false;
	ev = qev(st, st->alloc.id);
	if (!ev)
		return false;
	COPY(ev->u.alloc.cpuset, m->cpuset);
	COPY(ev->u.alloc.mems_allowed, m->mems_allowed);
	st->alloc_waiting = false;
	open_stack(st, st->alloc.id, rec);
	return true;
}

/* "CPU: N PID: P Comm: C" (or 3.x "Pid: P, comm: C") of a waiting allocation */
static bool alloc_cpu(struct mmt_kmsg_state *st, const struct mmt_kmsg_rec *rec,
		      const struct mmt_kmsg_match *m)
{
	struct oom_report *r = &st->oom;
	struct mmt_kevent *ev;

	if (!st->alloc.on || !st->alloc_waiting || strcmp(st->alloc_comm, m->comm))
		return false;
	if (r->active && !r->killed && !r->has_cpu && r->id > st->alloc.id)
		return false;
	ev = qev(st, st->alloc.id);
	if (!ev)
		return false;
	ev->u.alloc.pid = m->pid;
	st->alloc_waiting = false;
	open_stack(st, st->alloc.id, rec);
	return true;
}

/* ---- feeding -------------------------------------------------------------- */

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
		oom_emit(st);
		oom_start(st, o, rec);
		r->inv = *m;
		r->has_inv = true;
		break;
	case MMT_KMSG_OOM_CONSTRAINT:
		if (r->active && (r->killed || r->has_cons))
			oom_emit(st);
		if (!r->active)
			oom_start(st, o, rec);
		r->cons = *m;
		r->has_cons = true;
		break;
	case MMT_KMSG_OOM_KILLED:
		if (r->active && (r->killed || (m->kill_select && r->has_sel)))
			oom_emit(st);
		if (!r->active)
			oom_start(st, o, rec);
		if (m->kill_select) {
			r->sel = *m;
			r->has_sel = true;
		} else {
			r->kill = *m;
			r->kill_rec = *rec;
			r->killed = true;
			r->recs_since_kill = 0;
			/* A run records the kill now: a freeze right after it must
			 * not lose it; the reaper line follows as "oom_reaped". */
			if (st->early_kill) {
				unsigned i = st->early_next++ % EARLY_KILLS;

				st->early[i].pid = m->pid;
				st->early[i].seq = rec->has_seq ? (int64_t)rec->seq : -1;
				oom_emit(st);
			}
		}
		break;
	case MMT_KMSG_OOM_REAPED:
		if (r->active && r->killed && r->kill.pid == m->pid) {
			r->reap = *m;
			r->has_reap = true;
			r->has_reap_ts = rec->has_ts;
			r->reap_ts_us = rec->ts_us;
			oom_emit(st);
		} else {
			simple_event(st, o, rec, m, true);
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
			if (m->high_kb >= 0) {
				if (r->node_wmark_high_kb[m->node] < 0)
					r->node_wmark_high_kb[m->node] = 0;
				r->node_wmark_high_kb[m->node] += m->high_kb;
			}
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

/* Close what waited too long for its follow-up lines (rec, or now_us when NULL). */
static void expire_open(struct mmt_kmsg_state *st, const struct mmt_kmsg_rec *rec, uint64_t now_us)
{
	if (st->alloc.on && window_over(st, &st->alloc, rec, now_us, HOLD_US))
		close_alloc(st);
	if (st->stack.on && window_over(st, &st->stack, rec, now_us, HOLD_US))
		close_stack(st);
	if (st->rcu.on && window_over(st, &st->rcu, rec, now_us, HOLD_US))
		close_rcu(st);
	if (st->leak.on && window_over(st, &st->leak, rec, now_us, LEAK_WINDOW_US))
		close_leak(st);
}

static void feed_line(struct mmt_kmsg_state *st, const struct mmt_kmsg_rec *rec, struct out *o)
{
	struct oom_report *r = &st->oom;
	struct mmt_kmsg_match m;
	enum mmt_kmsg_kind kind;
	int64_t cpu;

	kind = mmt_kmsg_classify(rec->msg, &m);
	expire_open(st, rec, 0);

	/* lines of what is being gathered */
	if (kind == MMT_KMSG_NONE && st->rcu.on && rcu_cpu(rec->msg, &cpu)) {
		rcu_add_cpu(st, cpu);
		return;
	}
	if (kind == MMT_KMSG_ALLOC_CPUSET && alloc_cpuset(st, rec, &m))
		return;
	if (kind == MMT_KMSG_TASK_CPU && alloc_cpu(st, rec, &m))
		return;
	if (st->stack.on && stack_line(st, rec, kind, &m))
		return;
	if (kind == MMT_KMSG_NONE)
		return;
	if (kind == MMT_KMSG_SUPPRESSED) {
		feed_suppressed(st, &m);
		return;
	}
	/* another message: what read a stack or gathered a burst is complete */
	if (kind != MMT_KMSG_TASK_CPU) {
		close_stack(st);
		if (kind != MMT_KMSG_RCU_STALL)
			close_rcu(st);
		if (kind != MMT_KMSG_PF_OOM_LEAK)
			close_leak(st);
	}

	if (r->active && r->killed) {
		r->recs_since_kill++;
		if (kind == MMT_KMSG_OOM_REAPED && m.pid == r->kill.pid) {
			feed_oom(st, rec, &m, o);
			return;
		}
		if (kind == MMT_KMSG_OOM_INVOKED || kind == MMT_KMSG_OOM_KILLED ||
		    kind == MMT_KMSG_OOM_CONSTRAINT || reap_window_over(r, rec))
			oom_emit(st);
	}

	switch (kind) {
	case MMT_KMSG_OOM_INVOKED:
	case MMT_KMSG_OOM_CONSTRAINT:
	case MMT_KMSG_OOM_KILLED:
	case MMT_KMSG_OOM_REAPED:
		feed_oom(st, rec, &m, o);
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
		feed_alloc(st, o, rec, &m);
		break;
	case MMT_KMSG_RCU_STALL:
		feed_rcu(st, o, rec, &m);
		break;
	case MMT_KMSG_PF_OOM_LEAK:
		feed_leak(st, o, rec, &m);
		break;
	default: {
		enum mmt_kev_type type;
		uint64_t id;

		if (!simple_type(kind, &type))
			break;
		id = simple_event(st, o, rec, &m, !reads_stack(type));
		if (reads_stack(type))
			open_stack(st, id, rec);
		break;
	}
	}
}

int mmt_kmsg_feed(struct mmt_kmsg_state *st, const struct mmt_kmsg_rec *rec,
		  struct mmt_kevent *ret_events, size_t max)
{
	struct out o = { ret_events, max, 0 };

	if (!st || !rec || (!ret_events && max))
		return -EINVAL;

	if (rec->has_seq) {
		if (st->has_last_seq && rec->seq > st->last_seq + 1) {
			uint64_t id = enqueue(st, &o, MMT_KEV_KMSG_LOST, rec, true);
			struct mmt_kevent *ev = qev(st, id);

			ev->line[0] = '\0';
			ev->u.lost.missing = rec->seq - st->last_seq - 1;
			ev->u.lost.epipe = st->epipe;
		}
		st->has_last_seq = true;
		st->last_seq = rec->seq;
	}
	st->epipe = false;
	st->nrec++;
	feed_line(st, rec, &o);
	release(st, &o);
	return (int)o.n;
}

int mmt_kmsg_flush(struct mmt_kmsg_state *st, struct mmt_kevent *ret_events, size_t max)
{
	struct out o = { ret_events, max, 0 };

	if (!st || (!ret_events && max))
		return -EINVAL;
	close_all(st);
	release(st, &o);
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
	expire_open(st, NULL, now_us);
	/* a finished report, or one whose kill line never came (no victim) */
	if (r->active) {
		const struct mmt_kmsg_rec *last = r->killed ? &r->kill_rec : &r->first;

		if (!last->has_ts || now_us > last->ts_us + MMT_KMSG_REAP_WINDOW_US)
			oom_emit(st);
	}
	release(st, &o);
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
