/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_UTIL_H
#define MMT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MMT_PREFIX "mmtorture"
#define MMT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MMT_USEC_PER_SEC 1000000ULL

/* Times are uint64_t microseconds; the unit is in every name. */
uint64_t mmt_now_us(void);      /* CLOCK_MONOTONIC */
uint64_t mmt_boottime_us(void); /* CLOCK_BOOTTIME: same clock as /dev/kmsg */
uint64_t mmt_realtime_us(void); /* CLOCK_REALTIME */
/*
 * Microseconds from then to now, 0 when then is not before now. A time
 * taken later in the same pass (a victim's kill stamped while the kernel
 * log is drained) can be after a loop's "now"; a plain now - then would
 * wrap to 2^64 and make a just-killed victim look stuck for 585 000 years.
 */
static inline uint64_t mmt_us_since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}
/* Sleep us microseconds on CLOCK_MONOTONIC, resumed after signals. */
void mmt_sleep_us(uint64_t us);
/* "2026-11-22T00:53:13Z" (or "20261122T005313Z" when compact) */
void mmt_format_utc(uint64_t realtime_us, bool compact, char *buf, size_t len);

/*
 * Read a whole small file (sysfs, procfs, cgroupfs) into buf, NUL-terminated.
 * Returns bytes read or -errno.
 */
ssize_t mmt_read_file(const char *path, char *buf, size_t len);
/* Read a file of any size; *ret_buf is malloc()ed and NUL-terminated. */
ssize_t mmt_read_file_alloc(const char *path, char **ret_buf);
/* The same, open(2)ed with O_RDONLY | O_CLOEXEC | oflags (e.g. O_NOFOLLOW). */
ssize_t mmt_read_file_alloc_flags(const char *path, int oflags, char **ret_buf);
/*
 * The thread group (process) of task tid, from "Tgid:" in
 * /proc/<tid>/status (a thread's own entry, readable though not listed).
 * Returns the tgid (> 0), -ESRCH when the task is gone, or -errno.
 */
int64_t mmt_tgid_of(int64_t tid);
/* Open, write the whole string, close.  Returns 0 or -errno. */
int mmt_write_file(const char *path, const char *value);
/* Read one unsigned integer from a file; returns 0 or -errno. */
int mmt_read_u64(const char *path, uint64_t *ret_value);
/* Write all of buf to fd, retrying on EINTR and short writes. 0 or -errno. */
int mmt_write_all(int fd, const void *buf, size_t len);
/* mkdir -p; returns 0 or -errno. */
int mmt_mkdir_p(const char *path, mode_t mode);

/*
 * Number parsers shared by the option tables.  All return 0 or -EINVAL /
 * -ERANGE and never accept trailing garbage.
 *   size:     "4096", "64k", "64K", "64KiB", "1.5G"  (binary units)
 *   duration: "30", "30s", "500ms", "2m", "1h", "250us" -> microseconds
 *             (a bare number is seconds)
 */
int mmt_parse_u64(const char *s, uint64_t *ret);
int mmt_parse_i64(const char *s, int64_t *ret);
int mmt_parse_size(const char *s, uint64_t *ret_bytes);
int mmt_parse_duration_us(const char *s, uint64_t *ret_us);
int mmt_parse_bool(const char *s, bool *ret);
/* "64M" style rendering used in messages and run.json. */
void mmt_format_size(uint64_t bytes, char *buf, size_t len);
void mmt_format_duration(uint64_t us, char *buf, size_t len);

/* Strip leading and trailing whitespace in place; returns s. */
char *mmt_strstrip(char *s);
bool mmt_startswith(const char *s, const char *prefix);

/* Look up "key" in a "key value\n" file such as /proc/vmstat. */
int mmt_kv_lookup(const char *text, const char *key, uint64_t *ret_value);

/* A splitmix64 PRNG: deterministic from the job seed, per thread. */
uint64_t mmt_rand_next(uint64_t *state);

#endif
