/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_CGROUP_H
#define MMT_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The one layer that knows about cgroup v1 and v2.  Everything else speaks
 * v2 file names ("cpuset.mems", "memory.max", "cgroup.procs",
 * "memory.events"); the name table maps them to v1 where the controller is
 * mounted on a v1 hierarchy.  libcgroup creates, configures, attaches and
 * deletes.  Only hot paths open files directly (mmt_cg_open).
 */

enum mmt_cg_mode {
	MMT_CG_NONE = 0,  /* controller not available */
	MMT_CG_V1,
	MMT_CG_V2,
};

enum mmt_cg_ctrl {
	MMT_CG_CPUSET,
	MMT_CG_MEMORY,
	MMT_CG_NR_CTRLS,
};

/* Name table entry: v2 name -> v1 name ("" when v1 has no equivalent). */
struct mmt_cg_name {
	enum mmt_cg_ctrl ctrl;
	const char *v2;
	const char *v1;
};

/*
 * Translate a v2 file name to the one used in mode.  Returns NULL when mode
 * has no such file (e.g. "memory.swap.max" in v1 maps to
 * "memory.memsw.limit_in_bytes" and needs a different value, see
 * mmt_cg_translate_value).  Pure: unit-tested.
 */
const char *mmt_cg_file_name(enum mmt_cg_mode mode, const char *v2_name);
/* Translate a value written to a v2 file into the v1 form ("max" -> "-1"). */
const char *mmt_cg_translate_value(enum mmt_cg_mode mode, const char *v2_name,
				   const char *value, char *buf, size_t len);
/*
 * Controller that owns a v2 file name.  Returns 0 for a controller file,
 * 1 for a core "cgroup.*" file that every hierarchy has (*ret_ctrl is then
 * MMT_CG_CPUSET, a valid index), -EINVAL for anything else.
 */
int mmt_cg_ctrl_of(const char *v2_name, enum mmt_cg_ctrl *ret_ctrl);
const char *mmt_cg_ctrl_name(enum mmt_cg_ctrl ctrl);

/* What this machine offers. */
struct mmt_cg_sys {
	enum mmt_cg_mode mode[MMT_CG_NR_CTRLS];
	char mount[MMT_CG_NR_CTRLS][PATH_MAX];  /* hierarchy root per controller */
	bool libcgroup_ok;
};

/* Probe mounts (libcgroup + statfs); returns 0 or -errno. */
int mmt_cg_probe(struct mmt_cg_sys *ret_sys);
/* "v1" / "v2" / "none" */
const char *mmt_cg_mode_name(enum mmt_cg_mode mode);

struct mmt_journal;

/* One cgroup that we created, e.g. "mmtorture-<runid>/cellA". */
struct mmt_cg {
	char name[PATH_MAX];            /* relative to each hierarchy root */
	const struct mmt_cg_sys *sys;
	bool has[MMT_CG_NR_CTRLS];
	struct cgroup *lcg;             /* libcgroup handle */
};

/*
 * Create cgroup name (relative path) with the given controllers, each
 * initial value given by v2 name in keys/values (translated for v1; in v1
 * cpuset.cpus and cpuset.mems are written first as the kernel requires).
 * The undo is journalled before the cgroup exists.  In v2 the parent's
 * cgroup.subtree_control gets +cpuset/+memory.
 * Returns 0 or -errno (logged).
 */
int mmt_cg_create(const struct mmt_cg_sys *sys, struct mmt_journal *jr,
		  const char *name, const bool ctrls[MMT_CG_NR_CTRLS],
		  const char *const *keys, const char *const *values,
		  size_t nr_values, struct mmt_cg **ret_cg);

/*
 * Write one value by v2 name (through libcgroup).  v1 specifics: "max" is
 * written as -1; memory.swap.max becomes memory.memsw.limit_in_bytes =
 * current memory limit + value, so set memory.max first (the kernel also
 * refuses a memory limit above the memsw limit).
 */
int mmt_cg_set(struct mmt_cg *cg, const char *v2_name, const char *value);
/*
 * Read one value by v2 name into buf (trailing newline stripped).  In v1,
 * memory.max and memory.swap.max read back in v2 form ("max", or bytes;
 * swap = memsw - memory).
 */
int mmt_cg_get(struct mmt_cg *cg, const char *v2_name, char *buf, size_t len);
/* Absolute path of a file by v2 name; returns 0 or -ENOENT. */
int mmt_cg_path(const struct mmt_cg *cg, const char *v2_name, char *buf,
		size_t len);
/*
 * Open a control file by v2 name for the hot path (the rebinder's held-open
 * pwrite()).  Returns an fd or -errno.
 */
int mmt_cg_open(const struct mmt_cg *cg, const char *v2_name, int flags);

/* Move a process (all of it) into the cgroup, every controller. */
int mmt_cg_attach(struct mmt_cg *cg, pid_t pid);
/* Move one thread (v1 "tasks"; v2 needs threaded mode and is refused). */
int mmt_cg_attach_thread(struct mmt_cg *cg, pid_t tid);

/*
 * Delete the cgroup in every hierarchy: ENOENT is done; EBUSY kills its
 * tasks with SIGKILL and retries a bounded number of times.  Frees cg.
 * Accepts NULL.
 */
int mmt_cg_destroy(struct mmt_cg *cg);

/*
 * Delete by absolute directory path (journal replay after a crash).  Refuses
 * any path without an "mmtorture-" component.  Same ENOENT/EBUSY rules.
 */
int mmt_cg_destroy_path(const char *abs_path);

/*
 * SIGKILL the tasks of directory abs_dir (the caller checked it is ours),
 * never the calling process: cgroup.kill where the kernel has it (v2,
 * 5.14+: the subtree, forks included), else each pid of cgroup.procs and
 * (v1) tasks.  Returns how many tasks were there (0: empty).
 */
size_t mmt_cg_kill_tasks(const char *abs_dir);
/*
 * mmt_cg_kill_tasks() until abs_dir has no task left, for at most 5 s: a
 * task leaves cgroup.procs in do_exit() after its mm is torn down, so once
 * it is empty the tasks' memory and swap entries are freed (a swapoff
 * while they die would swap their pages in, charged to a memcg at its
 * limit: ENOMEM).  0, or -EBUSY when tasks remain.
 */
int mmt_cg_drain(const char *abs_dir);

/*
 * Safety checks (pure, unit-tested).  A relative cgroup name is ours when
 * its first component starts with "mmtorture-" and no component is "." or
 * "..".  An absolute path is ours when one component starts with
 * "mmtorture-" and none is "." or "..".
 */
bool mmt_cg_name_is_ours(const char *name);
bool mmt_cg_path_is_ours(const char *abs_path);

/*
 * Number of OOM kills inside the cgroup: v2 memory.events "oom_kill", v1
 * memory.oom_control "oom_kill".  Returns 0 or -errno (-ENOENT when the
 * cgroup has no memory controller or the kernel lacks the counter).
 */
int mmt_cg_oom_kills(const struct mmt_cg *cg, uint64_t *ret_n);

/*
 * The memory cgroup path of a task from the text of /proc/<pid>/cgroup
 * (kernel/cgroup/cgroup.c proc_cgroup_show(): "ID:CONTROLLERS:PATH" per
 * hierarchy): the v1 line whose controllers include "memory", else the v2
 * line "0::PATH".  PATH ("/a/b") goes to buf.  0, or -ENOENT (no such
 * line), -ENAMETOOLONG (buf too small).
 */
int mmt_cg_memcg_of_text(const char *text, char *buf, size_t len);
/* The same for a live task: reads /proc/<pid>/cgroup.  0 or -errno
 * (-ESRCH: the task is gone). */
int mmt_cg_memcg_of(int64_t pid, char *buf, size_t len);

#endif
