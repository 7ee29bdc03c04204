// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loop devices: attach (journalled before the bind) and the one detach,
 * which is also the journal's undo.  See loop.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/journal.h"
#include "lib/log.h"
#include "lib/sysfx/ident.h"
#include "lib/sysfx/loop.h"
#include "lib/util.h"

static int loop_bind(int lfd, int bfd, const char *backing, bool direct_io)
{
	struct loop_config cfg;
	struct loop_info64 info;

	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)bfd;
	cfg.info.lo_flags = direct_io ? LO_FLAGS_DIRECT_IO : 0;
	snprintf((char *)cfg.info.lo_file_name, LO_NAME_SIZE, "%s", backing);
	if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOTTY)
		return -errno;
	/* Kernels before 5.8: the two-step way. */
	if (ioctl(lfd, LOOP_SET_FD, bfd) < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	snprintf((char *)info.lo_file_name, LO_NAME_SIZE, "%s", backing);
	if (ioctl(lfd, LOOP_SET_STATUS64, &info) < 0) {
		int r = -errno;

		ioctl(lfd, LOOP_CLR_FD, 0);
		return r;
	}
	return 0;
}

int mmt_loop_attach(struct mmt_journal *jr, const char *backing,
		    bool direct_io, char *ret_dev, size_t len, int *ret_seq)
{
	char boot[MMT_BOOT_ID_MAX];
	int ctl, bfd, r = -EBUSY;

	if (!strstr(backing, MMT_PREFIX "-"))
		return log_err_errno(-EPERM, "refusing a loop device over %s: no %s- in its name",
				     backing, MMT_PREFIX);
	r = mmt_ident_boot_id(boot, sizeof(boot));
	if (r < 0)
		return log_err_errno(r, "read the boot id");
	r = -EBUSY;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return log_err_errno(-errno, "open /dev/loop-control");
	bfd = open(backing, O_RDWR | O_CLOEXEC);
	if (bfd < 0) {
		r = log_err_errno(-errno, "open %s", backing);
		goto out_ctl;
	}
	for (int tries = 0; tries < 16 && r == -EBUSY; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		int seq, lfd;

		if (n < 0) {
			r = log_err_errno(-errno, "LOOP_CTL_GET_FREE");
			break;
		}
		snprintf(ret_dev, len, "/dev/loop%d", n);
		seq = mmt_journal_addv(jr, "loop", ret_dev, backing, boot, NULL);
		if (seq < 0) {
			r = log_err_errno(seq, "journal loop %s", ret_dev);
			break;
		}
		lfd = open(ret_dev, O_RDWR | O_CLOEXEC);
		if (lfd < 0) {
			r = -errno;
			mmt_journal_undo(jr, seq);
			if (r == -ENOENT || r == -ENXIO)
				r = -EBUSY;    /* raced with a removal: next */
			continue;
		}
		r = loop_bind(lfd, bfd, backing, direct_io);
		close(lfd);
		if (r == 0) {
			*ret_seq = seq;
			break;
		}
		/* Someone else took it: that record undoes nothing (the
		 * undo checks the backing file). */
		mmt_journal_undo(jr, seq);
	}
	if (r < 0)
		log_err_errno(r, "attach a loop device to %s", backing);
	close(bfd);
out_ctl:
	close(ctl);
	return r;
}

int mmt_loop_detach(const char *dev, const char *backing)
{
	char back[PATH_MAX];
	int fd, r = 0;

	if (!mmt_startswith(dev, "/dev/loop"))
		return log_err_errno(-EPERM, "journal: loop: refusing %s", dev);
	r = mmt_ident_read(dev, back, sizeof(back));
	if (r < 0)
		return r == -ENOENT ? 0 : r;    /* unbound already */
	if (strcmp(back, backing) != 0) {
		log_info("journal: %s now backs %s, not %s: left alone", dev, back,
			 backing);
		return MMT_JOURNAL_LEFT_ALONE;
	}
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENXIO ? 0 : -errno;
	if (ioctl(fd, LOOP_CLR_FD, 0) < 0 && errno != ENXIO)
		r = -errno;
	close(fd);
	return r;
}

int mmt_loop_undo(int argc, char **argv)
{
	char why[PATH_MAX + 128];

	if (argc < 3 || !mmt_ident_this_boot(argv[2])) {
		mmt_ident_check(argv[0], argc >= 3 ? argv[2] : NULL, argv[1], why, sizeof(why));
		log_info("journal: loop %s: %s: left alone", argv[0], why);
		return MMT_JOURNAL_LEFT_ALONE;
	}
	if (!strstr(argv[1], MMT_PREFIX "-")) {
		log_info("journal: loop %s: backing %s is not ours: left alone", argv[0], argv[1]);
		return MMT_JOURNAL_LEFT_ALONE;
	}
	return mmt_loop_detach(argv[0], argv[1]);
}
