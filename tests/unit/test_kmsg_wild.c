// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel logs as people save them (issue 12): the team's cases in
 * tests/data/kmsg-wild/ (NN-*.log, with NN-*.expect.json: the source and a
 * kernel engineer's reading), fed as `mmtorture parse-kmsg` feeds them
 * (mmt_kmsg_text_push(), the combiner, mmt_kevent_to_json()).  Each case's
 * findings are written below in this test's own terms: one line per
 * event, in log order, "type key=value ..." where key is a JSON member,
 * "a.b" looks inside an object, "a.N" is the N-th element of an array,
 * "a#" an array's length, "a~" an element an array holds, and "null"
 * means left out.  A difference names the case, the event and the field.
 *
 * Then the kinds one by one, on lines built the way each kind looks in
 * the wild (prefixes, wrapping, interleaving), so that a fix covers its
 * kind and not the one file.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/commands.h"
#include "lib/kmsg.h"
#include "lib/oomclass.h"
#include "results/kevent_json.h"
#include "tests/unit/kmsg_spec.h"

/* ------------------------------------------------------------------ */
/* feeding text as parse-kmsg does                                     */

struct events {
	json_object *ev[256];
	size_t n;
	uint64_t records;
};

static void collect(struct events *out, struct mmt_kevent *kev, int r)
{
	assert_true(r >= 0);
	for (int i = 0; i < r; i++) {
		assert_true(out->n < sizeof(out->ev) / sizeof(out->ev[0]));
		out->ev[out->n] = mmt_kevent_to_json(&kev[i]);
		assert_non_null(out->ev[out->n]);
		out->n++;
	}
}

/* Feed text (lines separated by '\n') through the reader and the combiner. */
static void feed_text(const char *text, struct events *out)
{
	struct mmt_kmsg_state *st = mmt_kmsg_state_new();
	struct mmt_kmsg_text *tx = mmt_kmsg_text_new();
	struct mmt_kevent *kev = calloc(MMT_KMSG_MAX_EVENTS, sizeof(*kev));
	struct mmt_kmsg_rec *rec = malloc(sizeof(*rec));
	char *dup = strdup(text), *p = dup;

	assert_non_null(st);
	assert_non_null(tx);
	assert_non_null(kev);
	assert_non_null(rec);
	assert_non_null(dup);
	memset(out, 0, sizeof(*out));
	while (p && *p) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		if (mmt_kmsg_text_push(tx, p, rec) == 1)
			collect(out, kev, mmt_kmsg_feed(st, rec, kev, MMT_KMSG_MAX_EVENTS));
		p = nl ? nl + 1 : NULL;
	}
	if (mmt_kmsg_text_finish(tx, rec) == 1)
		collect(out, kev, mmt_kmsg_feed(st, rec, kev, MMT_KMSG_MAX_EVENTS));
	collect(out, kev, mmt_kmsg_flush(st, kev, MMT_KMSG_MAX_EVENTS));
	out->records = mmt_kmsg_text_records(tx);
	free(dup);
	free(rec);
	free(kev);
	mmt_kmsg_text_free(tx);
	mmt_kmsg_state_free(st);
}

static void events_free(struct events *e)
{
	for (size_t i = 0; i < e->n; i++)
		json_object_put(e->ev[i]);
	e->n = 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap * 2 + 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, 4096, f);
		n += r;
	} while (r > 0);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ------------------------------------------------------------------ */
/* expectations                                                        */

/* The value at path ("a.b", "a.N"), or NULL with *found false. */
static json_object *at_path(json_object *ev, const char *path, bool *found)
{
	char *dup = strdup(path), *save = NULL, *tok;
	json_object *cur = ev;

	*found = true;
	for (char *p = dup; (tok = strtok_r(p, ".", &save)); p = NULL) {
		if (json_object_is_type(cur, json_type_array)) {
			char *end;
			long i = strtol(tok, &end, 10);

			if (*end || i < 0 || (size_t)i >= json_object_array_length(cur)) {
				cur = NULL;
			} else {
				cur = json_object_array_get_idx(cur, (size_t)i);
			}
		} else if (!cur || !json_object_object_get_ex(cur, tok, &cur)) {
			cur = NULL;
		}
		if (!cur) {
			*found = false;
			break;
		}
	}
	free(dup);
	return cur;
}

/* One field; prints "case: event N (type): field: expected X, got Y". */
static int check_field(const char *where, json_object *ev, const char *key, const char *val)
{
	size_t kl = strlen(key);
	char k[128];
	json_object *v;
	const char *got;
	bool found;

	snprintf(k, sizeof(k), "%s", key);
	if (kl && key[kl - 1] == '#') {
		k[kl - 1] = '\0';
		v = at_path(ev, k, &found);
		char n[24];

		snprintf(n, sizeof(n), "%zu", json_object_is_type(v, json_type_array) ?
			 json_object_array_length(v) : 0);
		if (strcmp(n, val)) {
			print_error("%s: %s: expected %s elements, got %s\n", where, k, val, n);
			return 1;
		}
		return 0;
	}
	if (kl && key[kl - 1] == '~') {
		k[kl - 1] = '\0';
		v = at_path(ev, k, &found);
		for (size_t i = 0; json_object_is_type(v, json_type_array) &&
				   i < json_object_array_length(v); i++)
			if (!strcmp(json_object_get_string(json_object_array_get_idx(v, i)), val))
				return 0;
		print_error("%s: %s: expected to hold '%s', got %s\n", where, k, val,
			    v ? json_object_to_json_string(v) : "(absent)");
		return 1;
	}
	v = at_path(ev, k, &found);
	if (!strcmp(val, "null")) {
		if (v) {
			print_error("%s: %s: expected null, got '%s'\n", where, k,
				    json_object_get_string(v));
			return 1;
		}
		return 0;
	}
	got = v ? json_object_get_string(v) : "(absent)";
	if (strcmp(got, val)) {
		print_error("%s: %s: expected '%s', got '%s'\n", where, k, val, got);
		return 1;
	}
	return 0;
}

/* Compare events with specs (NULL-terminated); returns the differences. */
static int check_events(const char *name, const struct events *e, const char *const *specs)
{
	size_t nspec = 0;
	int bad = 0;

	while (specs[nspec])
		nspec++;
	if (e->n != nspec) {
		print_error("%s: expected %zu findings, got %zu:\n", name, nspec, e->n);
		for (size_t i = 0; i < e->n; i++)
			print_error("  %s\n", json_object_to_json_string(e->ev[i]));
		bad++;
	}
	for (size_t i = 0; i < nspec && i < e->n; i++) {
		char *s = strdup(specs[i]), *p = s, *type, *key, *val, where[256];
		const char *got = json_object_get_string(json_object_object_get(e->ev[i], "type"));

		type = strsep(&p, " ");
		snprintf(where, sizeof(where), "%s: finding %zu (%s)", name, i + 1, type);
		if (strcmp(got, type)) {
			print_error("%s: type: expected '%s', got '%s'\n", where, type, got);
			bad++;
		}
		while (p && next_kv(&p, &key, &val))
			bad += check_field(where, e->ev[i], key, val);
		free(s);
	}
	return bad;
}

/* ------------------------------------------------------------------ */
/* the team's cases                                                    */

static const struct wild_case {
	const char *file;
	const char *const *expect;
} cases[] = {
	{ "02-rhel7-310-dmesg-T-memcg", (const char *const[]){
		"oom_kill complete=true pid=28438 comm=java selected_pid=24572 selected_comm=java "
		"score=0 memcg_oom=true",
		"oom_kill complete=false pid=null invoker_comm=java invoker_pid=14881 "
		"cpuset=1e479e759020fa0b6c72def90973540a2d33982fea2ad67a96373b4da751a820 "
		"mems_allowed=0 gfp_mask=0xd0 order=0 oom_score_adj=-998",
		NULL } },
	{ "04-v410-console-stall-oom-interleaved", (const char *const[]){
		"alloc_stall comm=kworker/1:1 pid=51 stall_ms=10079 order=0 "
		"gfp_mask=0x14001c2(GFP_KERNEL|__GFP_HIGHMEM|__GFP_COLD) nodemask=(null) "
		"cpuset=/ mems_allowed=0 kernel_ts_us=540039842 top_function=pcpu_populate_chunk",
		"oom_kill pid=10688 comm=a.out invoker_comm=kthreadd invoker_pid=2 order=2 "
		"gfp_mask=0x16040c0(GFP_KERNEL|__GFP_COMP|__GFP_NOTRACK) nodemask=(null) cpuset=/ "
		"mems_allowed=0 constraint=null reaped=true node_free_kb.0=50792",
		"oom_kill pid=10689 comm=a.out invoker_comm=kworker/1:1 invoker_pid=51 order=0 "
		"gfp_mask=0x14001c2(GFP_KERNEL|__GFP_HIGHMEM|__GFP_COLD) cpuset=/ mems_allowed=0 "
		"reaped=true",
		"workqueue_lockup pool=cpus=2 seconds=242",
		"workqueue_lockup pool=cpus=2 seconds=272",
		NULL } },
	{ "05-v414-rpi-syslog-stall-wrapped", (const char *const[]){
		"alloc_stall comm=python3 pid=530 stall_ms=10060 order=1 "
		"gfp_mask=0x15080c0(GFP_KERNEL_ACCOUNT|__GFP_ZERO) nodemask=(null) cpuset=/ "
		"mems_allowed=0 top_function=copy_process",
		NULL } },
	{ "07-v58-cpuset-oom-dmesg-t", (const char *const[]){
		"oom_kill pid=4100 comm=containerd uid=0 constraint=CONSTRAINT_CPUSET "
		"nodemask=(null) "
		"cpuset=docker-9976a269caec812c134fa317f27487ee36e1129beba7278a463dd53e5fb9997b.scope "
		"mems_allowed=4 global_oom=true task_memcg=/system.slice/containerd.service "
		"invoker_comm=runc:[2:INIT] invoker_pid=8291 "
		"gfp_mask=0x500cc2(GFP_HIGHUSER|__GFP_ACCOUNT) order=0 "
		"node_free_kb.4=130021408 reaped=false",
		"oom_reaped pid=8248 comm=docker",
		"oom_reaped pid=2054 comm=node_exporter",
		"oom_reaped pid=1452 comm=systemd-journal",
		"oom_reaped pid=2146 comm=munin-node",
		"oom_reaped pid=8291 comm=runc:[2:INIT]",
		NULL } },
	{ "09-v612-journalctl-hung-bracket-comm", (const char *const[]){
		"hung_task pid=1624 comm=P[cgroupsdisc] seconds=122 tgid=1344 "
		"top_function=folio_wait_writeback stack.1=shmem_swapin_folio",
		NULL } },
	{ "10-v414-rpi-arm-hung-loop-nfs", (const char *const[]){
		"hung_task pid=9479 comm=loop0 seconds=120 top_function=wait_on_page_bit "
		"stack~=filemap_write_and_wait_range stack~=nfs_file_fsync stack~=loop_queue_work",
		NULL } },
	{ "11-v66-arm64-hung-kthreadd-reclaim", (const char *const[]){
		"hung_task pid=2 comm=kthreadd seconds=120 top_function=rq_qos_wait "
		"stack.1=wbt_wait stack~=swap_writepage stack~=try_to_free_pages",
		NULL } },
	{ "12-vmm-prefixed-console-rcu-softlockup", (const char *const[]){
		"rcu_stall kernel_ts_us=740316315",
		"lockup lockup=soft cpu=0 seconds=79 pid=1 comm=systemd kernel_ts_us=764649502",
		"lockup lockup=soft cpu=0 seconds=105 pid=1 comm=systemd",
		"lockup lockup=soft cpu=0 seconds=23 pid=642 comm=systemd-hostnam",
		"lockup lockup=soft cpu=0 seconds=49 pid=642 comm=systemd-hostnam",
		"lockup lockup=soft cpu=0 seconds=75 pid=642 comm=systemd-hostnam",
		"lockup lockup=soft cpu=0 seconds=101 pid=642 comm=systemd-hostnam",
		NULL } },
	{ "13-v44-docker-vm-syslog-rcu-interleaved", (const char *const[]){
		"rcu_stall cpus#=3 cpus.0=0 cpus.1=5 cpus.2=1 reports=4",
		NULL } },
	{ "17-v611-vm-fault-oom-leak", (const char *const[]){
		"pagefault_oom_leak suppressed=95 count=8 kernel_ts_us=101048599",
		NULL } },
	{ "18-v610-dmesg-x-warn", (const char *const[]){
		"warn cpu=22 pid=536 comm=kworker/22:1 where=\"fs/xfs/xfs_message.c:89 asswarn\" "
		"kernel_ts_us=101848538",
		NULL } },
};

static void test_wild_cases(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = NULL, *text, *exp = NULL;
		struct events e;

		assert_true(asprintf(&path, "%s/kmsg-wild/%s.log", datadir(), cases[i].file) > 0);
		text = slurp(path);
		feed_text(text, &e);
		if (!e.records) {
			print_error("%s: no kernel record found\n", cases[i].file);
			bad++;
		}
		bad += check_events(cases[i].file, &e, cases[i].expect);
		/* the team's expectation is there beside it */
		assert_true(asprintf(&exp, "%s/kmsg-wild/%s.expect.json", datadir(),
				     cases[i].file) > 0);
		assert_int_equal(access(exp, R_OK), 0);
		events_free(&e);
		free(text);
		free(path);
		free(exp);
	}
	assert_int_equal(bad, 0);
}

/* ------------------------------------------------------------------ */
/* kind 1: a prefix before the kernel's part of the line               */

static void test_prefix_kind(void **state)
{
	static const struct {
		const char *line, *msg, *prefix;
		long long ts_us;
	} lines[] = {
		/* a VMM's capture of the guest console */
		{ "cloud-hypervisor [  740.316315] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:",
		  "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:", "cloud-hypervisor",
		  740316315 },
		{ "qemu-serial: <4>[   12.000001] Out of memory: Killed process 9 (x)",
		  "Out of memory: Killed process 9 (x)", "qemu-serial:", 12000001 },
		/* syslog variants with "kernel:" after a foreign prefix */
		{ "<Error>: VM: 2016-08-03 04:35:57 +0000 UTC kern.error kernel: INFO: rcu_sched "
		  "self-detected stall on CPU", "INFO: rcu_sched self-detected stall on CPU",
		  "<Error>: VM: 2016-08-03 04:35:57 +0000 UTC kern.error kernel:", -1 },
		{ "host7 kern.warning kernel: [  9.5] java invoked oom-killer: gfp_mask=0xcc0, order=0",
		  "java invoked oom-killer: gfp_mask=0xcc0, order=0", "host7 kern.warning kernel:",
		  9500000 },
		/* ISO-dated lines without " kernel:" */
		{ "2024-05-01T12:00:00.123456+00:00 node1 INFO: task kworker/0:1:12 blocked for more "
		  "than 120 seconds.", "INFO: task kworker/0:1:12 blocked for more than 120 seconds.",
		  "2024-05-01T12:00:00.123456+00:00 node1", -1 },
		{ "2024-05-01 12:00:00 Out of memory: Killed process 1 (x) total-vm:1kB",
		  "Out of memory: Killed process 1 (x) total-vm:1kB", "2024-05-01 12:00:00", -1 },
		/* remote collectors: host and facility first */
		{ "192.0.2.11: kern: warning: [2024-05-01T12:00:00] java invoked oom-killer: "
		  "gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
		  "java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
		  "192.0.2.11: kern: warning: [2024-05-01T12:00:00]", -1 },
		{ "collector01 kern err watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [a:5]",
		  "watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [a:5]", "collector01 kern err",
		  -1 },
		/* kind 2: dmesg -x */
		{ "kern  :warn  : [  101.848538] WARNING: CPU: 22 PID: 536 at a.c:1 f",
		  "WARNING: CPU: 22 PID: 536 at a.c:1 f", "kern  :warn  :", 101848538 },
		{ "kern  :err   : [    5.000000] oom-kill:constraint=CONSTRAINT_NONE,task=a,pid=1",
		  "oom-kill:constraint=CONSTRAINT_NONE,task=a,pid=1", "kern  :err   :", 5000000 },
		/* kind 3: indentation from quoting stays, the classifier ignores it */
		{ "  oom-kill:constraint=CONSTRAINT_MEMCG,task=a,pid=1",
		  "  oom-kill:constraint=CONSTRAINT_MEMCG,task=a,pid=1", "", -1 },
	};
	struct mmt_kmsg_rec r;
	struct mmt_kmsg_match m;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(mmt_kmsg_parse_text_line(lines[i].line, &r), 0);
		if (strcmp(r.msg, lines[i].msg))
			fail_msg("'%s': msg '%s', expected '%s'", lines[i].line, r.msg,
				 lines[i].msg);
		if (strcmp(r.prefix, lines[i].prefix))
			fail_msg("'%s': prefix '%s', expected '%s'", lines[i].line, r.prefix,
				 lines[i].prefix);
		assert_true(r.kernel);
		assert_int_equal(r.has_ts, lines[i].ts_us >= 0);
		if (lines[i].ts_us >= 0)
			assert_int_equal(r.ts_us, lines[i].ts_us);
		if (mmt_kmsg_classify(r.msg, &m) == MMT_KMSG_NONE)
			fail_msg("'%s': not classified", r.msg);
		if (m.comm[0] && strchr(m.comm, ' '))
			fail_msg("'%s': a prefix taken for the comm '%s'", lines[i].line, m.comm);
	}
	/* dmesg -x: the level is kept; a user-space facility is not the kernel's */
	assert_int_equal(mmt_kmsg_parse_text_line("kern  :warn  : [ 1.0] x", &r), 0);
	assert_int_equal(r.level, 4);
	assert_int_equal(r.facility, 0);
	assert_int_equal(mmt_kmsg_parse_text_line("user  :err   : [   88.899876] [ perf record: "
						  "Woken up 5 times ]", &r), 0);
	assert_string_equal(r.msg, "");
	assert_false(r.kernel);
	/* another program's syslog line, ISO-dated: not the kernel's */
	assert_int_equal(mmt_kmsg_parse_text_line("2026-05-28T12:22:43+00:00 vm-1 "
						  "systemd[1]: Killed process 2 (y)", &r), 0);
	assert_string_equal(r.msg, "");
	/* a line of nothing the kernel prints */
	assert_int_equal(mmt_kmsg_parse_text_line("hello world", &r), 0);
	assert_false(r.kernel);
}

/* The reader learns an unknown prefix and strips it from the stack lines. */
static void test_prefix_learned(void **state)
{
	static const char text[] =
		"192.0.2.11: kern: warning: [2024-05-01T12:00:00] INFO: task loop0:9479 blocked "
		"for more than 120 seconds.\n"
		"192.0.2.11: kern: warning: [2024-05-01T12:00:00] Call Trace:\n"
		"192.0.2.11: kern: warning: [2024-05-01T12:00:00]  __schedule+0x1/0x2\n"
		"192.0.2.11: kern: warning: [2024-05-01T12:00:00]  io_schedule+0x1/0x2\n"
		"192.0.2.11: kern: warning: [2024-05-01T12:00:00]  mempool_alloc+0x1/0x2\n"
		"192.0.2.11: kern: warning: [2024-05-01T12:00:00]  dm_submit_bio+0x1/0x2 [dm_mod]\n";
	struct events e;

	(void)state;
	feed_text(text, &e);
	assert_int_equal(check_events("learned prefix", &e, (const char *const[]){
		"hung_task pid=9479 comm=loop0 seconds=120 top_function=mempool_alloc "
		"stack.1=dm_submit_bio stack#=2", NULL }), 0);
	events_free(&e);
}

/* ------------------------------------------------------------------ */
/* kind 3: wrapped lines                                               */

static void test_wrapped(void **state)
{
	/* a mail client's wrap at 72 columns, between words and inside one */
	static const char text[] =
		"[  100.000001] w invoked oom-killer: gfp_mask=0x6200ca(GFP_HIGHUSER_MOVABLE),\n"
		"order=0, oom_score_adj=1000\n"
		"[  100.000002] oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,nodemask=1,cpuset=mmt\n"
		"orture-a,mems_allowed=0-1,global_oom,task_memcg=/x,task=w,pid=77,uid=0\n"
		"[  100.000003] Out of memory: Killed process 77 (w) total-vm:10kB, anon-rss:5kB,\n"
		" file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:1000\n"
		"[  100.000004] a short line\n"
		"not a continuation: the line above was short\n";
	struct events e;

	(void)state;
	feed_text(text, &e);
	assert_int_equal(check_events("wrapped", &e, (const char *const[]){
		"oom_kill pid=77 comm=w order=0 oom_score_adj=1000 "
		"constraint=CONSTRAINT_MEMORY_POLICY cpuset=mmtorture-a mems_allowed=0-1 "
		"file_rss_kb=0 victim_oom_score_adj=1000", NULL }), 0);
	events_free(&e);
}

/* ------------------------------------------------------------------ */
/* kinds 4 and 6: interleaved reports, log order                       */

static void test_interleaved(void **state)
{
	/* a failure header, another CPU's whole report, then the failure's own lines */
	static const char text[] =
		"[  10.000000] w1: page allocation failure: order:2, mode:0x40cc0(GFP_KERNEL|__GFP_COMP), nodemask=(null)\n"
		"[  10.000100] w2 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), nodemask=(null), order=0, oom_score_adj=0\n"
		"[  10.000101] w2 cpuset=/ mems_allowed=0\n"
		"[  10.000102] CPU: 1 PID: 20 Comm: w2 Not tainted 4.19.0 #1\n"
		"[  10.000103] Out of memory: Kill process 21 (v) score 900 or sacrifice child\n"
		"[  10.000104] Killed process 21 (v) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n"
		"[  10.170000] w1 cpuset=mmtorture-c0 mems_allowed=1\n"
		"[  10.170001] CPU: 0 PID: 10 Comm: w1 Not tainted 4.19.0 #1\n"
		"[  10.170002] Call Trace:\n"
		"[  10.170003]  dump_stack+0x1/0x2\n"
		"[  10.170004]  warn_alloc+0x1/0x2\n"
		"[  10.170005]  __alloc_pages_slowpath+0x1/0x2\n"
		"[  10.170006]  kmalloc_order+0x1/0x2\n"
		"[  10.170007]  oom_reaper: reaped process 21 (v), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n";
	struct events e;

	(void)state;
	feed_text(text, &e);
	assert_int_equal(check_events("interleaved", &e, (const char *const[]){
		"alloc_fail comm=w1 pid=10 order=2 cpuset=mmtorture-c0 mems_allowed=1 "
		"top_function=kmalloc_order",
		"oom_kill pid=21 invoker_comm=w2 invoker_pid=20 cpuset=/ mems_allowed=0 reaped=true",
		NULL }), 0);
	events_free(&e);
}

/* A kill comes out before a reaper line (of an earlier report) printed after it. */
static void test_log_order(void **state)
{
	static const char text[] =
		"Out of memory: Killed process 5 (a) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n"
		"oom_reaper: reaped process 4 (z), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n"
		"INFO: task b:6 blocked for more than 120 seconds.\n"
		"oom_reaper: reaped process 5 (a), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n";
	struct events e;

	(void)state;
	feed_text(text, &e);
	assert_int_equal(check_events("log order", &e, (const char *const[]){
		"oom_kill pid=5 reaped=true", "oom_reaped pid=4", "hung_task pid=6",
		NULL }), 0);
	events_free(&e);
}

/*
 * Found by tests/fuzz/fuzz_kmsg.c: the queue full of events behind an
 * allocation failure still waiting for its cpuset line, an OOM report
 * opened then must neither close the wrong entry nor be lost.
 */
static void test_queue_full(void **state)
{
	char text[4096] = "[ 1.000000] w1: page allocation failure: order:0, mode:0x0\n";
	const char *expect[MMT_KMSG_QUEUE + 3] = { "alloc_fail comm=w1" };
	struct events e;
	unsigned n = 1;

	(void)state;
	for (; n < MMT_KMSG_QUEUE; n++) {
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "[ 1.%06u] BUG: number %u\n", n, n);
		expect[n] = "bug";
	}
	strcat(text, "[ 1.100000] Out of memory: Killed process 5 (a) total-vm:1kB, "
	       "anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n");
	expect[n++] = "oom_kill pid=5 complete=true";
	expect[n] = NULL;
	feed_text(text, &e);
	assert_int_equal(check_events("queue full", &e, expect), 0);
	events_free(&e);
}

/* ------------------------------------------------------------------ */
/* kind 5: workqueue lockups, the task that panicked                   */

static void test_kinds(void **state)
{
	static const char text[] =
		"[  5.0] BUG: workqueue lockup - pool cpus=0-3 flags=0x4 nice=0 stuck for 31s!\n"
		"[  6.0] BUG: workqueue lockup - pool 256 flags=0x4 nice=0 stuck for 40s!\n"
		"[  7.0] Kernel panic - not syncing: Out of memory and no killable processes...\n"
		"[  7.1] CPU: 2 PID: 3141 Comm: stress Not tainted 6.1.0 #1\n"
		"[  7.2] Call Trace:\n"
		"[  7.3]  <TASK>\n"
		"[  7.4]  dump_stack_lvl+0x1/0x2\n"
		"[  7.5]  panic+0x1/0x2\n"
		"[  7.6]  out_of_memory.cold+0x1/0x2\n";
	struct events e;
	struct mmt_kmsg_match m;

	(void)state;
	assert_int_equal(mmt_kmsg_classify("BUG: workqueue lockup - pool cpus=2 node=0 "
					   "flags=0x0 nice=0 stuck for 242s!", &m),
			 MMT_KMSG_WQ_LOCKUP);
	assert_string_equal(m.pool, "cpus=2");
	assert_int_equal(m.seconds, 242);
	feed_text(text, &e);
	assert_int_equal(check_events("kinds", &e, (const char *const[]){
		"workqueue_lockup pool=cpus=0-3 seconds=31",
		"workqueue_lockup pool=256 seconds=40",
		"panic pid=3141 comm=stress cpu=2 top_function=panic stack.1=out_of_memory",
		NULL }), 0);
	events_free(&e);
}

/* ------------------------------------------------------------------ */
/* kind 7: the fault path returning OOM without a kill                 */

static void test_pf_leak(void **state)
{
	static const char text[] =
		"[ 1.000000] pagefault_out_of_memory: 12 callbacks suppressed\n"
		"[ 1.000001] Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF\n"
		"[ 1.000002] Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF\n"
		"[ 30.000000] Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF\n";
	struct events e;

	(void)state;
	feed_text(text, &e);
	assert_int_equal(check_events("pf leak", &e, (const char *const[]){
		"pagefault_oom_leak count=2 suppressed=12 kernel_ts_us=1000001",
		"pagefault_oom_leak count=1 suppressed=null kernel_ts_us=30000000",
		NULL }), 0);
	events_free(&e);
}

/* During a run (J5 of lib/oomclass.c): a FAIL only in a cell being rebound. */
static void test_no_kill_judge(void **state)
{
	struct mmt_oom_cell cells[2] = {
		{ .name = "quiet", .pids = { 100 }, .nr_pids = 1 },
		{ .name = "rebound", .pids = { 200 }, .nr_pids = 1, .rebinding = true,
		  .rebind_count = 7, .last_rebind_us = 5000000 },
	};
	struct mmt_oom_ctx ctx = { .cells = cells, .nr_cells = 2 };
	struct mmt_oom_verdict v;

	(void)state;
	/* the #PF line names nobody: the rebinding cell, the write 0.2 s before */
	assert_int_equal(mmt_oom_judge_no_kill(-1, 5200000, &ctx, &v), MMT_F_OOM_SPURIOUS);
	assert_int_equal(v.cell, 1);
	assert_true(v.race);
	assert_true(v.rebind.in_flight);
	assert_int_equal(v.rebind.delta_us, 200000);
	assert_string_equal(v.rule, "no_kill_under_rebind");
	assert_int_equal(v.cls, MMT_OOM_SPURIOUS);
	/* an allocation failure of the rebound cell's worker */
	assert_int_equal(mmt_oom_judge_no_kill(200, 9000000, &ctx, &v), MMT_F_OOM_SPURIOUS);
	assert_false(v.rebind.in_flight);        /* 4 s after the write: recorded, not in flight */
	/* of the quiet cell's worker, of a foreign task: no finding */
	assert_int_equal(mmt_oom_judge_no_kill(100, 5200000, &ctx, &v), -ENOENT);
	assert_int_equal(v.cell, 0);
	assert_false(v.race);
	assert_int_equal(mmt_oom_judge_no_kill(999, 5200000, &ctx, &v), -ENOENT);
	assert_int_equal(v.cell, -1);
	/* nobody rebinding: a #PF leak is no finding of the spurious family */
	cells[1].rebinding = false;
	assert_int_equal(mmt_oom_judge_no_kill(-1, 5200000, &ctx, &v), -ENOENT);
	assert_int_equal(mmt_oom_judge_no_kill(-1, 0, NULL, &v), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* kind 8: the top of the stack                                        */

static void test_stack_top(void **state)
{
	static const char text[] =
		/* x86 with "?" entries: unreliable, skipped as stack_trace_save() does */
		"[ 1.0] INFO: task kworker/u8:2:99 blocked for more than 122 seconds.\n"
		"[ 1.1] task:kworker/u8:2 state:D stack:0 pid:99 tgid:99 ppid:2 flags:0x4000\n"
		"[ 1.2] Call Trace:\n"
		"[ 1.3]  <TASK>\n"
		"[ 1.4]  __schedule+0x1/0x2\n"
		"[ 1.5]  ? nfs_file_fsync+0x1/0x2 [nfs]\n"
		"[ 1.6]  schedule+0x1/0x2\n"
		"[ 1.7]  schedule_timeout+0x1/0x2\n"
		"[ 1.8]  __wait_for_common+0x1/0x2\n"
		"[ 1.9]  folio_wait_writeback+0x1/0x2\n"
		"[ 2.0]  </TASK>\n"
		"[ 2.1]  mempool_alloc+0x1/0x2\n"
		/* 3.x: addresses first */
		"[ 3.0] INFO: task dd:7 blocked for more than 120 seconds.\n"
		"[ 3.1]  [<ffffffff8163a909>] schedule+0x29/0x70\n"
		"[ 3.2]  [<ffffffff81638599>] schedule_preempt_disabled+0x29/0x70\n"
		"[ 3.3]  [<ffffffff811d0cf0>] ? mempool_alloc_slab+0x15/0x20\n"
		"[ 3.4]  [<ffffffff811d0e2e>] mempool_alloc+0x6e/0x170\n"
		/* ARM */
		"[ 4.0] INFO: task loop0:9 blocked for more than 120 seconds.\n"
		"[ 4.1] [<808c4124>] (__schedule) from [<808c47d4>] (schedule+0x58/0xb8)\n"
		"[ 4.2] [<808c47d4>] (schedule) from [<8014be98>] (io_schedule+0x20/0x40)\n"
		"[ 4.3] [<8014be98>] (io_schedule) from [<80221fb8>] (wbt_wait+0x108/0x128)\n"
		"[ 4.4] [<80221fb8>] (wbt_wait) from [<802220bc>] (blk_mq_submit_bio+0xe4/0x114)\n"
		/* a soft lockup: where the CPU is stuck (RIP) first */
		"[ 5.0] watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [kswapd0:80]\n"
		"[ 5.1] CPU: 1 PID: 80 Comm: kswapd0 Not tainted 6.6.0 #1\n"
		"[ 5.2] RIP: 0010:shrink_slab+0x1/0x2\n"
		"[ 5.3] Call Trace:\n"
		"[ 5.4]  <IRQ>\n"
		"[ 5.5]  ? watchdog_timer_fn+0x1/0x2\n"
		"[ 5.6]  </IRQ>\n";
	struct events e;

	(void)state;
	feed_text(text, &e);
	assert_int_equal(check_events("stack top", &e, (const char *const[]){
		"hung_task pid=99 tgid=99 top_function=folio_wait_writeback stack#=1",
		"hung_task pid=7 top_function=mempool_alloc stack#=1",
		"hung_task pid=9 top_function=wbt_wait stack#=1",
		"lockup cpu=1 pid=80 comm=kswapd0 top_function=shrink_slab stack#=1",
		NULL }), 0);
	events_free(&e);
}

/* ------------------------------------------------------------------ */
/* kind 9 and --text: the command                                      */

static int run_cmd(char **argv, int argc, char **ret_out, char **ret_err)
{
	char otmpl[] = "/tmp/test_kmsg_wild.XXXXXX", etmpl[] = "/tmp/test_kmsg_wild.XXXXXX";
	int ofd = mkstemp(otmpl), efd = mkstemp(etmpl), so, se, r;

	assert_true(ofd >= 0 && efd >= 0);
	fflush(stdout);
	fflush(stderr);
	so = dup(STDOUT_FILENO);
	se = dup(STDERR_FILENO);
	assert_true(dup2(ofd, STDOUT_FILENO) >= 0);
	assert_true(dup2(efd, STDERR_FILENO) >= 0);
	r = mmt_cmd_parse_kmsg(argc, argv);
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(so, STDOUT_FILENO) >= 0);
	assert_true(dup2(se, STDERR_FILENO) >= 0);
	close(so);
	close(se);
	close(ofd);
	close(efd);
	*ret_out = slurp(otmpl);
	*ret_err = slurp(etmpl);
	unlink(otmpl);
	unlink(etmpl);
	return r;
}

static void test_cmd(void **state)
{
	char tmpl[] = "/tmp/test_kmsg_wild_in.XXXXXX";
	char *file = NULL, *out, *err, *nl;
	int fd = mkstemp(tmpl);
	static const char nothing[] = "hello\nthis is no kernel log\n\n";

	(void)state;
	/* a file with no kernel record: said on stderr, exit 3 */
	assert_true(fd >= 0);
	assert_int_equal(write(fd, nothing, strlen(nothing)), (ssize_t)strlen(nothing));
	close(fd);
	{
		char *a[] = { "parse-kmsg", tmpl };

		assert_int_equal(run_cmd(a, 2, &out, &err), 3);
		assert_string_equal(out, "");
		assert_non_null(strstr(err, "no kernel log record"));
		free(out);
		free(err);
	}
	unlink(tmpl);

	/* --text marks the report whose kill line never came */
	assert_true(asprintf(&file, "%s/kmsg-wild/02-rhel7-310-dmesg-T-memcg.log",
			     datadir()) > 0);
	{
		char *a[] = { "parse-kmsg", file, "--text" };

		assert_int_equal(run_cmd(a, 3, &out, &err), 0);
		nl = strchr(out, '\n');
		assert_non_null(nl);
		assert_null(memmem(out, (size_t)(nl - out), "incomplete", 10));
		assert_non_null(strstr(nl + 1, "oom_kill incomplete"));
		free(out);
		free(err);
	}
	free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wild_cases),
		cmocka_unit_test(test_prefix_kind),
		cmocka_unit_test(test_prefix_learned),
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_log_order),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_pf_leak),
		cmocka_unit_test(test_no_kill_judge),
		cmocka_unit_test(test_stack_top),
		cmocka_unit_test(test_cmd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
