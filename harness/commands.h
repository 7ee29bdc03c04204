/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_COMMANDS_H
#define MMT_COMMANDS_H

int mmt_cmd_run(int argc, char **argv);
int mmt_cmd_check(int argc, char **argv);
int mmt_cmd_list(int argc, char **argv);
int mmt_cmd_cleanup(int argc, char **argv);
/* `mmtorture parse-kmsg FILE|- [--text]` (parse_kmsg.c) */
int mmt_cmd_parse_kmsg(int argc, char **argv);
/*
 * mmtorture report RUNDIR [--compare RUNDIR2] [-o FILE]
 * Writes RUNDIR/report.html (or FILE).  Returns the exit code: 0, 1 when the
 * page cannot be written, 2 on a usage error or an unreadable run directory.
 */
int mmt_cmd_report(int argc, char **argv);

#endif
