/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_KMSG_H
#define MMT_KMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Kernel log: record parsing, a pure table-driven line classifier and the
 * combiner that turns the lines of one OOM report into one oom_kill event.
 * Nothing here does I/O except mmt_kmsg_open()/mmt_kmsg_read().
 */

#define MMT_KMSG_MAX 8192

struct mmt_kmsg_rec {
	uint64_t seq;        /* /dev/kmsg sequence number; 0 when unknown */
	bool has_seq;
	uint64_t ts_us;      /* kernel timestamp (CLOCK_BOOTTIME-ish, us) */
	bool has_ts;
	int level;           /* syslog level 0..7; -1 when unknown */
	int facility;
	bool cont;           /* 'c' flag / continuation of the previous line */
	char msg[MMT_KMSG_MAX];   /* the text, without prefix; dict lines
				     (" KEY=value") are not included */
	char dict[1024];     /* continuation " KEY=value" lines, '\n'-joined */
	/*
	 * Saved text only: what came before the kernel's part of the line
	 * (a syslog, VMM, collector or "dmesg -x" prefix), kept as it was,
	 * and whether the line was found to hold a kernel record at all (a
	 * printk timestamp, a "kernel:" tag, a raw record, or a known kernel
	 * message start).
	 */
	char prefix[256];
	bool kernel;
};

/* Parse one record as read() from /dev/kmsg ("6,1234,5678,-;text\n KEY=v").
 * Returns 0 or -EINVAL. */
int mmt_kmsg_parse_record(const char *buf, size_t len, struct mmt_kmsg_rec *ret);

/*
 * Parse one line of saved text: dmesg ("[   12.345678] text"), console
 * ("<4>[   12.345678] text"), journalctl -k ("Nov 22 00:53:13 host kernel:
 * text"), "dmesg -x" ("kern  :warn  : [  1.2] text"), pstore, or bare text.
 *
 * One prefix-finding step decides where the kernel record begins, whatever
 * came before it (a VMM's or collector's tag, a foreign syslog format):
 * the first printk timestamp "[ 123.456789]" (kernel/printk/printk.c,
 * print_time()), else a syslog "kernel:" tag, else a dmesg -T date, else
 * the first known kernel message start (the classifier's, and stack
 * frames).  What it stripped is kept in ret->prefix; ret->kernel says
 * whether any of these was found.  Lines another program logged (syslog
 * "prog[pid]:", "dmesg -x" facility other than kern) give an empty msg.
 * Returns 0, or -EINVAL for an empty line.
 */
int mmt_kmsg_parse_text_line(const char *line, struct mmt_kmsg_rec *ret);

/*
 * Saved text as people save it: lines fed one by one through
 * mmt_kmsg_parse_text_line(), with
 *  - the prefix learned: a line with no anchor of its own (a stack frame
 *    behind an unknown collector prefix) loses the prefix the last
 *    anchored line had, when it starts with the same first word and has
 *    at least as many words;
 *  - wrapped lines joined: in a file whose lines carry a prefix (printk
 *    timestamp or syslog tag), a line with none that follows a physical
 *    line of MMT_KMSG_WRAP_MIN characters or more is the rest of that
 *    line, cut by a terminal or mail client; it is appended as it is.
 * mmt_kmsg_text_push() returns 1 with ret filled when a record is complete
 * (the one before line), 0 when none is, -EINVAL on bad arguments;
 * mmt_kmsg_text_finish() gives the last one (1) or 0.
 * mmt_kmsg_text_records() counts the records that held kernel text.
 */
#define MMT_KMSG_WRAP_MIN 60
struct mmt_kmsg_text;
struct mmt_kmsg_text *mmt_kmsg_text_new(void);
void mmt_kmsg_text_free(struct mmt_kmsg_text *t);   /* accepts NULL */
int mmt_kmsg_text_push(struct mmt_kmsg_text *t, const char *line, struct mmt_kmsg_rec *ret);
int mmt_kmsg_text_finish(struct mmt_kmsg_text *t, struct mmt_kmsg_rec *ret);
uint64_t mmt_kmsg_text_records(const struct mmt_kmsg_text *t);

/* What one line is. */
enum mmt_kmsg_kind {
	MMT_KMSG_NONE = 0,
	MMT_KMSG_OOM_INVOKED,     /* "X invoked oom-killer: gfp_mask=..." */
	MMT_KMSG_OOM_NODE_FREE,   /* "Node 0 Normal free:1234kB ..." */
	MMT_KMSG_OOM_CONSTRAINT,  /* "oom-kill:constraint=...,pid=..." */
	MMT_KMSG_OOM_KILLED,      /* "Out of memory: Killed process ..." */
	MMT_KMSG_OOM_REAPED,      /* "oom_reaper: reaped process ..." */
	MMT_KMSG_OOM_MEMCG_USAGE, /* "memory: usage 1234kB, limit 1234kB" */
	MMT_KMSG_ALLOC_FAIL,      /* "page allocation failure: order:..." */
	MMT_KMSG_ALLOC_STALL,     /* "page allocation stalls for ...ms" */
	MMT_KMSG_ALLOC_CPUSET,    /* "cpuset=... mems_allowed=..." */
	MMT_KMSG_HUNG_TASK,
	MMT_KMSG_SOFT_LOCKUP,
	MMT_KMSG_HARD_LOCKUP,
	MMT_KMSG_RCU_STALL,
	MMT_KMSG_BUG,
	MMT_KMSG_WARNING,
	MMT_KMSG_OOPS,
	MMT_KMSG_GPF,
	MMT_KMSG_PANIC,
	MMT_KMSG_OOM_MEMCG_TASK,  /* "Task in /a killed as a result of limit of /b" (<4.19) */
	MMT_KMSG_TASK_CPU,        /* "CPU: 1 PID: 123 Comm: x ..." (no event by itself) */
	MMT_KMSG_WQ_LOCKUP,       /* "BUG: workqueue lockup - pool cpus=2 ... stuck for 242s!" */
	MMT_KMSG_PF_OOM_LEAK,     /* "Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF" */
	MMT_KMSG_SUPPRESSED,      /* "func: 95 callbacks suppressed" (comm = func, count) */
	MMT_KMSG_MARK,            /* "mmtorture: <run id> <text>" (our own, lib/kmark.h) */
	MMT_KMSG_NR_KINDS,
};

const char *mmt_kmsg_kind_name(enum mmt_kmsg_kind kind);

/* Fields pulled out of one line; unset numbers are -1, strings "". */
struct mmt_kmsg_match {
	enum mmt_kmsg_kind kind;
	int64_t pid;
	char comm[64];
	char constraint[48];
	char nodemask[64];
	char cpuset[256];
	char mems_allowed[64];
	char oom_memcg[256];      /* oom_memcg= (or "" for global_oom) */
	char task_memcg[256];
	bool global_oom;
	char gfp_mask[96];
	int64_t order;
	int64_t oom_score_adj;
	int64_t total_vm_kb, anon_rss_kb, file_rss_kb, shmem_rss_kb;
	int64_t pgtables_kb;
	int64_t uid;
	int64_t node;             /* NODE_FREE */
	int64_t free_kb;          /* NODE_FREE: free of that zone line */
	int64_t high_kb;          /* NODE_FREE: its high watermark; -1: none */
	int64_t usage_kb, limit_kb;
	int64_t seconds;          /* hung task, lockup */
	int64_t cpu;              /* lockup */
	char text[256];           /* short summary for --text and reasons */
	/* additions */
	int64_t score;            /* "Kill process N (x) score S or sacrifice child" */
	bool kill_select;         /* that line: victim chosen, "Killed process" follows */
	int64_t failcnt;          /* MEMCG_USAGE */
	int64_t stall_ms;         /* ALLOC_STALL */
	char pool[64];            /* WQ_LOCKUP: "cpus=2" (or "256" for an unbound pool id) */
	int64_t count;            /* SUPPRESSED */
	char run_id[96];          /* MARK: the run that wrote it; the rest in text */
};

/*
 * Classify one line.  Pure and table-driven: recognizes the formats of
 * kernels 3.x to 6.x.  Returns the kind (also stored in ret).
 */
enum mmt_kmsg_kind mmt_kmsg_classify(const char *msg, struct mmt_kmsg_match *ret);

/* Nodes a kernel OOM report's per-node free dump is kept for. */
#define MMT_KMSG_NODES 64

/*
 * One OOM report, gathered by the combiner from the lines of the kernel's
 * dump_header()/oom_kill_process()/__oom_kill_process() (mm/oom_kill.c),
 * __show_mem() (mm/show_mem.c) and mem_cgroup_print_oom_meminfo()
 * (mm/memcontrol.c).  Unknown numbers are -1, unknown strings "".  The
 * seq/ts/line of the event are those of the kill line, or of the header
 * when the kill line never came (complete = false).
 * Before 5.0 cpuset/mems_allowed come from the "comm cpuset=... mems_allowed="
 * line and the memcgs from "Task in ... killed as a result of limit of ...".
 */
struct mmt_oom_report {
	bool complete;             /* the kill line was seen */
	int64_t ts_us;             /* the event's kernel_ts_us; -1: unknown */
	int64_t pid;               /* victim (else selected, else constraint pid) */
	char comm[64];
	int64_t uid;
	/* from "oom-kill:constraint=..." (5.0+), or the older lines */
	char constraint[48];       /* "CONSTRAINT_MEMCG", ... */
	char nodemask[64];
	char cpuset[256];
	char mems_allowed[64];
	char oom_memcg[256];
	char task_memcg[256];
	bool has_global_oom;       /* the constraint line was seen */
	bool global_oom;
	/* from "X invoked oom-killer: gfp_mask=..., order=..., oom_score_adj=" */
	bool has_header;
	char gfp_mask[96];
	int64_t order;
	bool has_oom_score_adj;
	int64_t oom_score_adj;     /* of the invoking task */
	char invoker_comm[64];
	bool has_header_seq, has_header_ts;
	uint64_t header_seq, header_ts_us;
	int64_t invoker_pid;       /* "CPU: n PID: p Comm: ..." after the header */
	int64_t invoker_tgid;      /* its thread group, when the orchestrator could
				      read it while the task lived; 0: unknown */
	/* from the kill line (kB) */
	int64_t total_vm_kb, anon_rss_kb, file_rss_kb, shmem_rss_kb, pgtables_kb;
	bool has_victim_oom_score_adj;
	int64_t victim_oom_score_adj;
	/* < 5.1 "Kill process N (x) score S or sacrifice child" */
	int64_t score;
	int64_t selected_pid;      /* only when a child was sacrificed */
	char selected_comm[64];
	/* "memory: usage NkB, limit NkB, failcnt N" */
	int64_t memcg_usage_kb, memcg_limit_kb, memcg_failcnt;
	/* a memcg OOM: "Memory cgroup out of memory:", CONSTRAINT_MEMCG, or
	 * the memcg lines of the report */
	bool memcg_oom;
	/* the sum of the zones of each node in the kernel's dump (kB) */
	int64_t node_free_kb[MMT_KMSG_NODES];
	/* and of their high watermarks ("high:" of the same lines; -1: none) */
	int64_t node_wmark_high_kb[MMT_KMSG_NODES];
	/* "oom_reaper: reaped process ..." of the same pid */
	bool reaped;
	int64_t reaped_ts_us;
	int64_t reaped_anon_rss_kb, reaped_file_rss_kb, reaped_shmem_rss_kb;
};

/* What a kernel event is; its JSON "type" is mmt_kev_type_name(). */
enum mmt_kev_type {
	MMT_KEV_OOM_KILL,          /* "oom_kill": u.oom */
	MMT_KEV_OOM_REAPED,        /* "oom_reaped": u.reaped (reaper line after the window) */
	MMT_KEV_HUNG_TASK,         /* "hung_task": u.task (pid, comm, seconds) */
	MMT_KEV_LOCKUP,            /* "lockup": u.lockup */
	MMT_KEV_RCU_STALL,         /* "rcu_stall": u.cpu */
	MMT_KEV_BUG,               /* "bug": u.bug (BUG, Oops, general protection) */
	MMT_KEV_WARN,              /* "warn": u.warn */
	MMT_KEV_PANIC,             /* "panic" */
	MMT_KEV_ALLOC_FAIL,        /* "alloc_fail": u.alloc */
	MMT_KEV_ALLOC_STALL,       /* "alloc_stall": u.alloc */
	MMT_KEV_KMSG_LOST,         /* "kmsg_lost": u.lost */
	MMT_KEV_WQ_LOCKUP,         /* "workqueue_lockup": u.wq (pool, seconds) */
	MMT_KEV_PF_OOM_LEAK,       /* "pagefault_oom_leak": u.leak */
	MMT_KEV_MARK,              /* "mark": u.mark (a run's mark in the kernel log) */
	MMT_KEV_NR,
};

const char *mmt_kev_type_name(enum mmt_kev_type type);

/*
 * One kernel event.  Numbers unknown are -1, strings unknown "".
 * hung_task: pid, comm, seconds, tgid.  lockup: soft/hard, cpu, seconds,
 * pid, comm.  rcu_stall: cpu (of the header), the stalled CPUs of the
 * per-CPU lines and how many identical headers several CPUs printed at
 * once.  bug: kind (MMT_KMSG_BUG/OOPS/GPF).  warn: cpu, pid, comm.
 * panic: the task that panicked (its "CPU: N PID: P Comm: C" line).
 * alloc_fail/alloc_stall: comm, pid, order, gfp_mask, nodemask, cpuset,
 * mems_allowed, stall_ms.  oom_reaped: pid, comm, rss.  kmsg_lost: missing
 * (count of skipped sequence numbers), epipe (read() gave EPIPE); its line
 * is "".  workqueue_lockup: pool, seconds.  pagefault_oom_leak: how many
 * lines in a row, and the callbacks the ratelimit suppressed before them.
 *
 * stack: hung_task, lockup, alloc_fail, alloc_stall and warn carry the top
 * meaningful functions of the call trace that follows them, innermost
 * first: x86/arm64 "func+0x1/0x2" and ARM "[<a>] (func) from [<b>] (g)"
 * lines.  Scheduler and wait primitives (what get_wchan() skips: the
 * __sched functions of .sched.text, and the *_common wait helpers), the
 * stack dumpers and the page allocator's own entry points are skipped, as
 * are the "? func" entries the unwinder marks unreliable (the kernel's
 * stack_trace_save() leaves them out too).
 */
#define MMT_KEV_STACK 24
#define MMT_KEV_RCU_CPUS 16
struct mmt_kevent {
	enum mmt_kev_type type;
	bool has_seq, has_ts;
	uint64_t seq;              /* /dev/kmsg sequence number */
	uint64_t kernel_ts_us;     /* printk timestamp (local_clock, us) */
	char line[MMT_KMSG_MAX];   /* the record's text */
	char stack[MMT_KEV_STACK][64];
	unsigned nr_stack;
	union {
		struct mmt_oom_report oom;
		struct {
			int64_t pid, seconds, tgid;
			char comm[64];
		} task;
		struct {
			bool hard;
			int64_t cpu, seconds, pid;
			char comm[64];
		} lockup;
		struct {
			int64_t cpu;
			int64_t cpus[MMT_KEV_RCU_CPUS];
			unsigned nr_cpus;
			int64_t reports;
		} rcu;
		enum mmt_kmsg_kind bug;
		struct {
			int64_t cpu, pid;
			char comm[64];
			char where[128];   /* warn: "fs/xfs/xfs_message.c:89 asswarn" */
		} warn;        /* also panic */
		struct {
			char comm[64];
			int64_t pid;
			int64_t order, stall_ms;
			char gfp_mask[96];
			char nodemask[64];
			char cpuset[256];
			char mems_allowed[64];
		} alloc;
		struct {
			int64_t pid, anon_rss_kb, file_rss_kb, shmem_rss_kb;
			char comm[64];
			/* the kmsg seq of the kill line of an oom_kill event
			 * already out (early kills): this updates it; -1 */
			int64_t kill_seq;
		} reaped;
		struct {
			uint64_t missing;
			bool epipe;
		} lost;
		struct {
			char pool[64];
			int64_t seconds;
		} wq;
		struct {
			int64_t count, suppressed;
		} leak;
		struct {
			char run_id[96];
			char text[256];
		} mark;
	} u;
};

/*
 * The combiner: feed records in order; it returns finished events.
 * An oom_kill event gathers the invoked header, the per-node free dump, the
 * constraint line, the kill line and the reaper line.  Other kinds become
 * one event each.
 *
 * The kill line completes a report, but it is held back for the reaper line
 * of the same pid (MMT_KMSG_REAP_WINDOW_US / _RECS, the next OOM line,
 * mmt_kmsg_expire() or mmt_kmsg_flush()); a reaper line that comes later is
 * an oom_reaped event.
 */
struct mmt_kmsg_state;

/*
 * Early kills (a run sets it; parse-kmsg does not): an OOM report goes out
 * at its kill line instead of waiting up to MMT_KMSG_REAP_WINDOW_US for the
 * reaper line, which then becomes its own "oom_reaped" event (same pid).
 * The kill is on disk within milliseconds of the kernel's record; the
 * verdict does not need the reaper line.
 */
void mmt_kmsg_state_set_early_kill(struct mmt_kmsg_state *st, bool early);
struct mmt_kmsg_state *mmt_kmsg_state_new(void);
void mmt_kmsg_state_free(struct mmt_kmsg_state *st);   /* accepts NULL */

/*
 * Feed one record.  Up to max finished events are stored in ret_events.
 * Returns how many, or -EINVAL.  Sequence gaps produce a kmsg_lost event.
 */
int mmt_kmsg_feed(struct mmt_kmsg_state *st, const struct mmt_kmsg_rec *rec,
		  struct mmt_kevent *ret_events, size_t max);
/* Flush an OOM report still being assembled (end of input). */
int mmt_kmsg_flush(struct mmt_kmsg_state *st, struct mmt_kevent *ret_events,
		   size_t max);
/*
 * Emit what is only being held back for a possible follow-up line: an OOM
 * report whose kill line (or, if no kill line came, header) is older than
 * MMT_KMSG_REAP_WINDOW_US (now_us, in the kernel's timestamp clock, minus
 * that line's timestamp), and a held allocation failure.  Call it from the
 * event loop when /dev/kmsg is idle.
 */
int mmt_kmsg_expire(struct mmt_kmsg_state *st, uint64_t now_us,
		    struct mmt_kevent *ret_events, size_t max);

/*
 * Events one feed/flush/expire/lost call can return at most.  Events come
 * out in the order their first line had in the log: one still being
 * gathered (an OOM report, an allocation stall waiting for its cpuset
 * line, a stack, a burst of RCU or #PF lines) holds back the ones after
 * it, at most MMT_KMSG_QUEUE of them.
 */
#define MMT_KMSG_MAX_EVENTS 16
#define MMT_KMSG_QUEUE 12
/*
 * How long a finished OOM report waits for its "oom_reaper:" line (5.18+
 * delays reaping by 2 s, and the reaper retries for about 1 s).
 */
#define MMT_KMSG_REAP_WINDOW_US 5000000ULL
/* ... or for how many records. */
#define MMT_KMSG_REAP_WINDOW_RECS 256

/*
 * Tell the combiner that records were overwritten (read() gave EPIPE).
 * Returns 0, or -EINVAL for a NULL st: the kmsg_lost event, with the count,
 * comes with the next record fed (its sequence gap), with u.lost.epipe set.
 */
int mmt_kmsg_lost(struct mmt_kmsg_state *st);

/*
 * /dev/kmsg reader.  mmt_kmsg_open() opens it non-blocking and seeks to the
 * end (SEEK_END), so a run sees only its own window.  mmt_kmsg_read() reads
 * one record: returns 1 with rec filled, 0 when none is pending (EAGAIN),
 * -EPIPE when records were overwritten (call again), or -errno.
 */
int mmt_kmsg_open(void);
int mmt_kmsg_read(int fd, struct mmt_kmsg_rec *rec);

/* Format a record as a kmsg.log line: "[seq] [   12.345678] <4> text". */
void mmt_kmsg_format_log(const struct mmt_kmsg_rec *rec, char *buf, size_t len);


#endif
