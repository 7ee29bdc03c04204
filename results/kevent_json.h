/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_KEVENT_JSON_H
#define MMT_KEVENT_JSON_H

#include <json-c/json.h>

#include "lib/kmsg.h"
#include "lib/oomclass.h"

/*
 * Kernel events as JSON, made once at the results boundary for both
 * events.jsonl (a run) and `mmtorture parse-kmsg`.  The keys are those
 * documented at struct mmt_kevent: every event has "type", "kmsg_seq",
 * "kernel_ts_us" (null when unknown) and "line"; unknown numbers and
 * strings are left out.
 */

/* A new object (caller owns it), or NULL on allocation failure. */
json_object *mmt_kevent_to_json(const struct mmt_kevent *ev);

/*
 * An oom_kill event read back (events.jsonl, the test cases) into ret:
 * the keys mmt_kevent_to_json() writes; what is absent stays unknown.
 * Returns 0, or -EINVAL when o is no "oom_kill" object.
 */
int mmt_oom_report_from_json(json_object *o, struct mmt_oom_report *ret);

/*
 * Add a classified kill to an oom_kill event object: "cell" (or null),
 * "race", "rebind_in_flight" {...} (null for a foreign kill),
 * "policy_api", "mode_flags", "class" and "evidence" {..., "rule"}.
 */
void mmt_oom_verdict_to_json(const struct mmt_oom_verdict *v, json_object *ev);

#endif
