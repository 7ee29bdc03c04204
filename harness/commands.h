/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_COMMANDS_H
#define MMT_COMMANDS_H

int mmt_cmd_run(int argc, char **argv);
int mmt_cmd_check(int argc, char **argv);
int mmt_cmd_list(int argc, char **argv);
int mmt_cmd_cleanup(int argc, char **argv);

#endif
