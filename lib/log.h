/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_LOG_H
#define MMT_LOG_H

#include <stdarg.h>

enum mmt_log_level {
	MMT_LOG_ERR,
	MMT_LOG_WARN,
	MMT_LOG_INFO,
	MMT_LOG_DEBUG,
};

/* Messages at or below this level are printed (default MMT_LOG_INFO). */
void mmt_log_set_level(enum mmt_log_level level);

/*
 * One log helper for every thread: the message is formatted into a stack
 * buffer and emitted with a single write(2) to stderr, so lines from
 * concurrent threads never interleave.  Never call it from a signal handler.
 */
void mmt_log(enum mmt_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Log at LEVEL with strerror(-err) appended and return err, so that one
 * line both logs and returns, at any level (as systemd's log_*_errno):
 *   return log_debug_errno(r, "cell %s: set mems", name);
 * err must be a negative errno.  The rule: lower layers (lib/, the
 * services plugins call) log at debug and return the error; the layer
 * that decides what it means (a finding, a command's exit) says it once.
 */
int mmt_log_errno(enum mmt_log_level level, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Plain message with no prefix at all (used for "file:line: ..." errors). */
void mmt_log_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_err(...)   mmt_log(MMT_LOG_ERR, __VA_ARGS__)
#define log_warn(...)  mmt_log(MMT_LOG_WARN, __VA_ARGS__)
#define log_info(...)  mmt_log(MMT_LOG_INFO, __VA_ARGS__)
#define log_debug(...) mmt_log(MMT_LOG_DEBUG, __VA_ARGS__)
#define log_err_errno(err, ...)   mmt_log_errno(MMT_LOG_ERR, err, __VA_ARGS__)
#define log_warn_errno(err, ...)  mmt_log_errno(MMT_LOG_WARN, err, __VA_ARGS__)
#define log_debug_errno(err, ...) mmt_log_errno(MMT_LOG_DEBUG, err, __VA_ARGS__)

#endif
