// SPDX-License-Identifier: GPL-2.0-only
/* Marks in the kernel log (see kmark.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/kmark.h"
#include "lib/util.h"

int mmt_kmark_open(struct mmt_kmark *km, const char *run_id)
{
	memset(km, 0, sizeof(*km));
	snprintf(km->run_id, sizeof(km->run_id), "%s", run_id ? run_id : "?");
	km->tokens = MMT_KMARK_BURST;
	km->last_us = mmt_now_us();
	km->fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NONBLOCK);
	return km->fd < 0 ? -errno : 0;
}

void mmt_kmark_close(struct mmt_kmark *km)
{
	if (km->fd >= 0)
		close(km->fd);
	km->fd = -1;
}

int mmt_kmark_admit(struct mmt_kmark *km, uint64_t now_us)
{
	if (now_us > km->last_us) {
		km->tokens += (double)(now_us - km->last_us) / (double)MMT_KMARK_REFILL_US;
		if (km->tokens > MMT_KMARK_BURST)
			km->tokens = MMT_KMARK_BURST;
		km->last_us = now_us;
	}
	if (km->tokens < 1.0) {
		km->suppressed++;
		return 0;
	}
	km->tokens -= 1.0;
	return 1;
}

size_t mmt_kmark_format(const char *run_id, unsigned suppressed, const char *text,
			char *buf, size_t len)
{
	char tail[48] = "";
	size_t n;
	int r;

	if (len < 8)
		return 0;
	if (suppressed)
		snprintf(tail, sizeof(tail), " (%u marks suppressed)", suppressed);
	/* <5>: KERN_NOTICE; the facility is the kernel's user default. */
	r = snprintf(buf, len < MMT_KMARK_MAX + 4 ? len : MMT_KMARK_MAX + 4, "<5>%s%s %s%s",
		     MMT_KMARK_PREFIX, run_id, text, tail);
	n = r < 0 ? 0 : (size_t)r;
	if (n >= len || n > MMT_KMARK_MAX + 2)
		n = (len < MMT_KMARK_MAX + 4 ? len : MMT_KMARK_MAX + 4) - 2;
	/* One record: the kernel ends a record at a newline. */
	for (size_t i = 3; i < n; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

int mmt_kmark(struct mmt_kmark *km, const char *fmt, ...)
{
	char text[MMT_KMARK_MAX], buf[MMT_KMARK_MAX + 8];
	size_t n;
	va_list ap;

	if (km->fd < 0)
		return -EBADF;
	if (!mmt_kmark_admit(km, mmt_now_us()))
		return 1;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = mmt_kmark_format(km->run_id, km->suppressed, text, buf, sizeof(buf));
	km->suppressed = 0;
	/* One write() is one record: never split it. */
	if (write(km->fd, buf, n) < 0)
		return -errno;
	return 0;
}
