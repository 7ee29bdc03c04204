// SPDX-License-Identifier: GPL-2.0-only
/* mmtorture: stress-test and fault-inject Linux memory management. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "harness/commands.h"
#include "harness/registry.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", mmt_cmd_run, "run jobs (default: the built-in default job)" },
	{ "check", mmt_cmd_check, "show what this machine offers" },
	{ "list", mmt_cmd_list, "list jobs, workloads, injectors and their options" },
	{ "cleanup", mmt_cmd_cleanup, "replay run journals after a crash" },
	{ "parse-kmsg", mmt_cmd_parse_kmsg, "classify a saved kernel log (FILE or -)" },
	{ "report", mmt_cmd_report, "render a run as one HTML page (--compare RUNDIR2)" },
	{ "export", mmt_cmd_export, "render runs as KTAP, JUnit or KernelCI KCIDB JSON" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mmtorture COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n`mmtorture COMMAND --help` for a command's options.\n");
}

int main(int argc, char **argv)
{
	char err[256];

	/* A plugin built against another contract must not run (exit 125:
	 * this build cannot test, for `git bisect run`). */
	if (mmt_plugins_check(&mmt_registry, err, sizeof(err)) < 0) {
		fprintf(stderr, "mmtorture: plugin contract broken: %s\n", err);
		return 125;
	}
	if (argc < 2) {
		usage(stderr);
		return MMT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "mmtorture: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return MMT_EXIT_USAGE;
}
