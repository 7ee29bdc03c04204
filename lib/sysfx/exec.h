/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_SYSFX_EXEC_H
#define MMT_SYSFX_EXEC_H

/*
 * Running programs: lookup, run-and-wait, children the orchestrator must
 * not reap, daemons, modprobe, the kernel config.  Owns the undo of the
 * journal kinds "daemon" and "export" (the programs it started).
 */

#include <stdbool.h>
#include <stddef.h>

/* Find a program in PATH, /usr/sbin and /sbin; true and its path if found. */
bool mmt_exec_find_prog(const char *name, char *ret_path, size_t len);
/*
 * Run argv[0] (looked up like mmt_exec_find_prog) and wait.  stdout and stderr
 * go to out (the last out_len-1 bytes, NUL-terminated; out may be NULL).
 * Returns 0 on exit status 0, -ENOENT when the program is missing, -EIO
 * when it failed (out says why), or -errno.
 */
int mmt_exec_run(const char *const *argv, char *out, size_t out_len);
/*
 * fork() for children that the orchestrator must not reap: clone3 with
 * exit_signal 0 and CLONE_PIDFD, so a waitpid(-1) elsewhere (which waits
 * only for SIGCHLD children) never takes our status.  Returns the pid in
 * the parent with *ret_pidfd set, 0 in the child, or -errno.  The child
 * must only make system calls and then execve() or _exit().  Note that
 * execve() resets exit_signal to SIGCHLD: a child that execs becomes
 * visible to waitpid(-1) again (mmt_exec_run works around that).
 */
int mmt_exec_clone(int *ret_pidfd);
/* Wait for the child of pidfd (blocking unless nohang); *ret_status gets a
 * wait status.  Returns 1 when it exited, 0 when still running (nohang),
 * or -errno.  Closes nothing. */
int mmt_exec_waitpidfd(int pidfd, bool nohang, int *ret_status);
/* Start argv (a daemon, in the foreground) with stdio on /dev/null as a
 * child from mmt_exec_clone; returns its pid, *ret_pidfd set, or -errno.
 * Its undo is the journal kind "daemon PIDFILE NAME". */
int mmt_exec_spawn(const char *const *argv, int *ret_pidfd);
/* modprobe -q NAME; 0 when it succeeded. */
int mmt_exec_modprobe(const char *module);
/*
 * Is FSTYPE in /proc/filesystems, after `modprobe MODULE` if it was not?
 * (lib/kfeat.h: the kernel's own registry, not a node.)
 */
bool mmt_exec_load_fs(const char *fstype, const char *module);
/*
 * A probe's answer for file system FSTYPE (module of the same name): 0
 * when the kernel has it (after modprobe), 1 (CONF) with why saying
 * "kernel has no WHAT (modprobe FSTYPE failed; /proc/filesystems has no
 * FSTYPE)".
 */
int mmt_exec_probe_fs(const char *fstype, const char *what, char *why, size_t why_len);
/* The same for any kfeat probe, e.g. mmt_exec_load(mmt_kfeat_loop, "loop"). */
bool mmt_exec_load(bool (*have)(void), const char *module);
/* Is CONFIG_<opt> =y or =m in /proc/config.gz?  1 yes, 0 no, -ENOENT when
 * the kernel does not expose its config. */
int mmt_exec_kconfig(const char *opt);

/*
 * Journal undo of "daemon PIDFILE [NAME]": SIGTERM, then after 5 s SIGKILL,
 * the pid in PIDFILE if it is alive and its comm is NAME.  0 or -errno.
 */
int mmt_exec_undo_daemon(int argc, char **argv);
/* Journal undo of "export CLIENT:DIR": exportfs -u CLIENT:DIR (an export
 * that is gone already is done).  0 or -errno. */
int mmt_exec_undo_export(int argc, char **argv);

#endif
