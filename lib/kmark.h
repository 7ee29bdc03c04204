/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_KMARK_H
#define MMT_KMARK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Marks in the kernel log, as LTP and kselftest write them: short lines
 * into /dev/kmsg at run start, at each phase and at each finding, so that
 * a serial console, netconsole or pstore capture alone tells which run was
 * live and what it had found before a freeze.  Each line is
 *   "mmtorture: <run id> <text>"
 * at KERN_NOTICE; `mmtorture parse-kmsg` recognises them.
 *
 * The kernel rate-limits writers of /dev/kmsg (kernel/printk/printk.c
 * devkmsg_write(): 10 lines per 5 s per open file unless
 * kernel.printk_devkmsg=on); a mark over that would be dropped with
 * "N output lines suppressed".  So marks are rate-limited here first, to
 * MMT_KMARK_BURST at once and one per MMT_KMARK_REFILL_US after; what is
 * held back is counted and said in the next mark that goes through.
 */

#define MMT_KMARK_PREFIX "mmtorture: "
/* At most BURST + 5 s / REFILL = 5 + 5 marks in any 5 s: the kernel's 10. */
#define MMT_KMARK_BURST 5
#define MMT_KMARK_REFILL_US 1000000ULL
#define MMT_KMARK_MAX 256               /* bytes of one mark, without the level */

struct mmt_kmark {
	int fd;                 /* /dev/kmsg for writing, -1 when closed */
	char run_id[96];
	double tokens;          /* 0 .. MMT_KMARK_BURST */
	uint64_t last_us;       /* CLOCK_MONOTONIC of the last refill */
	unsigned suppressed;    /* marks held back since the last one written */
};

/*
 * Open /dev/kmsg for writing; marks name RUN_ID.  Returns 0 or -errno
 * (then every mark is a no-op: a run does not fail for want of marks).
 */
int mmt_kmark_open(struct mmt_kmark *km, const char *run_id);
void mmt_kmark_close(struct mmt_kmark *km);    /* accepts a closed one */

/*
 * Pure: may a mark go at now_us (CLOCK_MONOTONIC microseconds)?  Takes a
 * token when it may; counts the mark as suppressed when not.
 */
int mmt_kmark_admit(struct mmt_kmark *km, uint64_t now_us);

/*
 * Pure: format one mark into buf ("<5>mmtorture: RUNID TEXT[ (N marks
 * suppressed)]\n"), newlines in the text replaced by spaces, cut to
 * MMT_KMARK_MAX.  Returns the length written.
 */
size_t mmt_kmark_format(const char *run_id, unsigned suppressed, const char *text,
			char *buf, size_t len);

/* Write one mark (rate-limited).  0 written, 1 held back, or -errno. */
int mmt_kmark(struct mmt_kmark *km, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
