// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

static atomic_int log_level = MMT_LOG_INFO;

static const char *const level_name[] = {
	[MMT_LOG_ERR] = "error: ",
	[MMT_LOG_WARN] = "warning: ",
	[MMT_LOG_INFO] = "",
	[MMT_LOG_DEBUG] = "debug: ",
};

void mmt_log_set_level(enum mmt_log_level level)
{
	atomic_store(&log_level, level);
}

static void emit(const char *prefix, const char *fmt, va_list ap,
		 const char *suffix)
{
	char buf[2048];
	size_t n = 0;
	int r;

	r = snprintf(buf, sizeof(buf), "%s", prefix);
	if (r > 0)
		n = (size_t)r < sizeof(buf) ? (size_t)r : sizeof(buf) - 1;
	r = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (r > 0)
		n += (size_t)r < sizeof(buf) - n ? (size_t)r : sizeof(buf) - n - 1;
	if (suffix) {
		r = snprintf(buf + n, sizeof(buf) - n, "%s", suffix);
		if (r > 0)
			n += (size_t)r < sizeof(buf) - n ? (size_t)r
							 : sizeof(buf) - n - 1;
	}
	if (n >= sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* One write: lines from different threads never interleave. */
	while (write(STDERR_FILENO, buf, n) < 0 && errno == EINTR)
		;
}

void mmt_log(enum mmt_log_level level, const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	if ((int)level > atomic_load(&log_level))
		return;
	snprintf(prefix, sizeof(prefix), "mmtorture: %s", level_name[level]);
	va_start(ap, fmt);
	emit(prefix, fmt, ap, NULL);
	va_end(ap);
}

int mmt_log_errno(enum mmt_log_level level, int err, const char *fmt, ...)
{
	char prefix[64], suffix[160];
	va_list ap;
	int saved = errno;

	if ((int)level > atomic_load(&log_level))
		return err;
	snprintf(prefix, sizeof(prefix), "mmtorture: %s", level_name[level]);
	snprintf(suffix, sizeof(suffix), ": %s", strerror(err < 0 ? -err : err));
	va_start(ap, fmt);
	emit(prefix, fmt, ap, suffix);
	va_end(ap);
	errno = saved;
	return err;
}

void mmt_log_raw(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", fmt, ap, NULL);
	va_end(ap);
}
