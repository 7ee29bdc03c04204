/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_RESULTS_KCIDB_H
#define MMT_RESULTS_KCIDB_H

#include <stddef.h>

#include <json-c/json.h>

/*
 * KernelCI's KCIDB I/O data, schema version 5.0 (kernelci/kcidb-io,
 * kcidb_io/schema/v05_00.py; valid against every 5.x), for finished runs:
 *  - one checkout and one build per run, id "mmtorture:<run id>", described
 *    from run.json's "kernel" (release, version, machine, cmdline; the
 *    build's config_name when run.json has "kernel"."config");
 *  - one test per check (results.h), id "mmtorture:<run id>:<n>" (n from
 *    1, the KTAP number), path "mmtorture.<job>.<check>" with each part
 *    sanitised to [A-Za-z0-9_-], status PASS/FAIL/ERROR/SKIP, the run's
 *    start_time and duration (s), the check's message as comment and its
 *    reasons as log_excerpt, and the run's figures under misc (faults/s,
 *    rebinds, OOM kills, verdict, seed).
 * Returns a new object (the caller puts it), NULL when out of memory.
 */
json_object *mmt_kcidb_render(json_object *const *runs, size_t nr);

#endif
