/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_COMMANDS_H
#define MMT_COMMANDS_H

/*
 * Exit codes of every command, chosen for `git bisect run` (git-bisect(1):
 * 0 marks the commit good, 125 skips it, 1..127 otherwise mark it bad, and
 * any code of 128 or more aborts the bisection).  Nothing that is the fault
 * of the command line, the job file or the machine's state may mark a
 * kernel bad, so those abort.  README "Exit codes" and mmtorture(1) carry
 * the same table.
 */
#define MMT_EXIT_PASS 0
#define MMT_EXIT_FAIL 1          /* the kernel misbehaved */
#define MMT_EXIT_UNTESTABLE 125  /* CONF or BROK: git bisect skip */
#define MMT_EXIT_USAGE 128       /* the command line or a job file is wrong */
#define MMT_EXIT_MACHINE 129     /* the run lock is held or cannot be taken, or
				  * the results directory cannot be made */

int mmt_cmd_run(int argc, char **argv);
int mmt_cmd_check(int argc, char **argv);
int mmt_cmd_list(int argc, char **argv);
int mmt_cmd_cleanup(int argc, char **argv);
/* `mmtorture parse-kmsg FILE|- [--text]` (parse_kmsg.c) */
int mmt_cmd_parse_kmsg(int argc, char **argv);
/*
 * mmtorture report RUNDIR [--compare RUNDIR2] [-o FILE]
 * Writes RUNDIR/report.html (or FILE).  Returns the exit code: 0, 1 when the
 * page cannot be written, MMT_EXIT_USAGE on a usage error or an unreadable
 * run directory.
 */
int mmt_cmd_report(int argc, char **argv);
/* `mmtorture export (--ktap | --junit | --kcidb) [-o FILE] RUNDIR...` (export.c) */
int mmt_cmd_export(int argc, char **argv);
/* Create or replace path (NULL: stdout) with text.  Returns 0 or -errno. */
int mmt_cmd_write_text(const char *path, const char *text);

#endif
