// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pure parsers of lib/kfeat.c over the kernel's own registries:
 * /proc/misc and /proc/filesystems as the kernel prints them.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/kfeat.h"

/* /proc/misc of this 6.18 host and of the Debian 6.1 lab guest (dm loaded). */
static const char misc_host[] =
	"234 btrfs-control\n259 cpu_dma_latency\n258 vsock\n200 tun\n"
	"237 loop-control\n229 fuse\n235 autofs\n257 userfaultfd\n";
static const char misc_guest[] =
	"236 device-mapper\n237 loop-control\n 60 nvram\n183 hw_random\n";

static void test_misc(void **state)
{
	(void)state;
	assert_true(mmt_kfeat_misc_parse(misc_host, "loop-control"));
	assert_false(mmt_kfeat_misc_parse(misc_host, "device-mapper"));
	assert_true(mmt_kfeat_misc_parse(misc_guest, "device-mapper"));
	assert_true(mmt_kfeat_misc_parse(misc_guest, "nvram"));     /* "%3i": padded */
	/* Whole names only: a prefix or a suffix is not the device. */
	assert_false(mmt_kfeat_misc_parse(misc_host, "loop"));
	assert_false(mmt_kfeat_misc_parse(misc_host, "control"));
	assert_false(mmt_kfeat_misc_parse("236 device-mapper2\n", "device-mapper"));
	/* A line without a minor is not an entry; no final newline is fine. */
	assert_false(mmt_kfeat_misc_parse("device-mapper\n", "device-mapper"));
	assert_true(mmt_kfeat_misc_parse("236 device-mapper", "device-mapper"));
	assert_false(mmt_kfeat_misc_parse("", "device-mapper"));
}

static void test_filesystems(void **state)
{
	static const char fs[] =
		"nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\tnfs\nnodev\tnfs4\n"
		"nodev\tnfsd\n\txfs\nnodev\tfuse\n\tfuseblk\n";

	(void)state;
	assert_true(mmt_kfeat_fs_parse(fs, "ext4"));
	assert_true(mmt_kfeat_fs_parse(fs, "nfs"));
	assert_true(mmt_kfeat_fs_parse(fs, "nfsd"));
	assert_true(mmt_kfeat_fs_parse(fs, "xfs"));
	assert_false(mmt_kfeat_fs_parse(fs, "btrfs"));
	/* "nfs" must not match nfs4 or nfsd alone, nor "fuse" fuseblk. */
	assert_false(mmt_kfeat_fs_parse("nodev\tnfs4\nnodev\tnfsd\n", "nfs"));
	assert_true(mmt_kfeat_fs_parse("\tfuseblk\nnodev\tfuse\n", "fuse"));
	assert_false(mmt_kfeat_fs_parse("\tfuseblk\n", "fuse"));
	/* The "nodev" column is not a file system. */
	assert_false(mmt_kfeat_fs_parse(fs, "nodev"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_filesystems),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
