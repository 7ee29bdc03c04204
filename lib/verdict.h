/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_VERDICT_H
#define MMT_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/*
 * Verdicts after LTP: PASS; FAIL (the kernel misbehaved); BROK (the harness
 * could not do its job); CONF (this machine lacks what the job needs).
 * Findings are added as the run goes; the rule table maps each to a
 * verdict level.  Precedence: FAIL > BROK > CONF > PASS, because a kernel
 * failure seen is a fact even when the harness later broke.
 */
enum mmt_verdict_kind {
	MMT_PASS,
	MMT_CONF,
	MMT_BROK,
	MMT_FAIL,
};

enum mmt_finding {
	MMT_F_OOM_UNEXPECTED,   /* worker killed, job expects none */
	MMT_F_OOM_SPURIOUS,     /* killed with memory free on allowed nodes */
	MMT_F_OOM_FOREIGN,      /* a kill outside our cells */
	MMT_F_OOM_FOREIGN_FAIL, /* ditto, and the job says that fails */
	MMT_F_OOM_EXPECTED,     /* informational */
	MMT_F_STALL,
	MMT_F_HUNG_TASK,
	MMT_F_LOCKUP,
	MMT_F_RCU_STALL,
	MMT_F_KERNEL_BUG,       /* BUG, Oops, GPF, panic */
	MMT_F_KERNEL_WARN,
	MMT_F_CORRUPTION,
	MMT_F_UNKILLABLE,
	MMT_F_VICTIM_STUCK,
	MMT_F_WORKER_LOST,      /* died, not by an OOM kill and not stopped */
	MMT_F_HARNESS,          /* the harness failed */
	MMT_F_MISSING,          /* CONF: this machine lacks something */
	MMT_F_KMSG_LOST,        /* warning */
	MMT_F_NOTE,             /* informational */
	MMT_F_POLICY_DRIFT,     /* a policy's nodes differ from the rebind rules
				 * past the settle window (workloads/oracle.h) */
	MMT_F_PLACEMENT_VIOLATION, /* fresh pages outside the policy's nodes */
	MMT_F_NR,
};

enum mmt_level { MMT_LVL_INFO, MMT_LVL_WARN, MMT_LVL_CONF, MMT_LVL_BROK, MMT_LVL_FAIL };

#define MMT_VERDICT_MAX_REASONS 64

struct mmt_verdict {
	enum mmt_verdict_kind kind;
	unsigned counts[MMT_F_NR];
	unsigned nr_reasons;
	struct {
		enum mmt_finding finding;
		enum mmt_level level;
		char text[256];
	} reasons[MMT_VERDICT_MAX_REASONS];
	unsigned dropped;           /* reasons beyond the array (counted) */
};

void mmt_verdict_init(struct mmt_verdict *v);
/* Record a finding; the reason text is kept (first 64).  Thread-safe only
 * under the caller's lock. */
void mmt_verdict_add(struct mmt_verdict *v, enum mmt_finding f,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The rule table. */
enum mmt_level mmt_finding_level(enum mmt_finding f);
const char *mmt_finding_name(enum mmt_finding f);
/* Compute v->kind from the findings and return it. */
enum mmt_verdict_kind mmt_verdict_decide(struct mmt_verdict *v);
const char *mmt_verdict_name(enum mmt_verdict_kind k);   /* "PASS" ... */
/* Exit code for git bisect run: PASS 0, FAIL 1, CONF/BROK 125. */
int mmt_verdict_exit_code(enum mmt_verdict_kind k);
/* {"verdict":"FAIL","reasons":[{"finding":"stall","level":"FAIL","text":..}],
 *  "counts":{...}} */
json_object *mmt_verdict_to_json(const struct mmt_verdict *v);
/*
 * to_json in full: {"verdict":"FAIL","exit_code":1,"reasons":[{"finding":
 * "stall","level":"FAIL","text":".."}],"counts":{<every finding name>:n},
 * "dropped_reasons":n}.  "verdict" is computed from the counts, so it is
 * right even if mmt_verdict_decide() was not called.  When the reasons are
 * full, a new reason evicts the latest one of a lower level (counted in
 * dropped), so expected kills never hide a stall.
 */
/* "INFO", "WARN", "CONF", "BROK", "FAIL" */
const char *mmt_level_name(enum mmt_level l);
/* Reverse of mmt_finding_name(): the finding, or -EINVAL. */
int mmt_finding_from_name(const char *name);

#endif
