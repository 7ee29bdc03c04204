// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"

static uint64_t clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * MMT_USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t mmt_now_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

void mmt_sleep_us(uint64_t us)
{
	struct timespec ts = {
		.tv_sec = (time_t)(us / MMT_USEC_PER_SEC),
		.tv_nsec = (long)(us % MMT_USEC_PER_SEC) * 1000,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

uint64_t mmt_boottime_us(void)
{
	return clock_us(CLOCK_BOOTTIME);
}

uint64_t mmt_realtime_us(void)
{
	return clock_us(CLOCK_REALTIME);
}

void mmt_format_utc(uint64_t realtime_us, bool compact, char *buf, size_t len)
{
	time_t t = (time_t)(realtime_us / MMT_USEC_PER_SEC);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

ssize_t mmt_read_file(const char *path, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	int fd;

	if (len == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n < len - 1) {
		r = read(fd, buf + n, len - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	close(fd);
	return (ssize_t)n;
}

ssize_t mmt_read_file_alloc_flags(const char *path, int oflags, char **ret_buf)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *nb;
	ssize_t r;
	int fd;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | oflags);
	if (fd < 0) {
		r = -errno;
		free(buf);
		return r;
	}
	for (;;) {
		if (cap - n < 2) {
			nb = realloc(buf, cap * 2);
			if (!nb) {
				r = -ENOMEM;
				goto out_free;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out_free;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*ret_buf = buf;
	return (ssize_t)n;
out_free:
	close(fd);
	free(buf);
	return r;
}

int64_t mmt_tgid_of(int64_t tid)
{
	char path[48], buf[2048];
	const char *p;
	ssize_t r;

	if (tid <= 0 || tid > INT32_MAX)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%" PRId64 "/status", tid);
	r = mmt_read_file(path, buf, sizeof(buf));
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	p = strstr(buf, "\nTgid:");
	if (!p)
		return -EIO;
	r = strtol(p + 6, NULL, 10);
	return r > 0 ? r : -EIO;
}

ssize_t mmt_read_file_alloc(const char *path, char **ret_buf)
{
	return mmt_read_file_alloc_flags(path, 0, ret_buf);
}

int mmt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t r = write(fd, p, len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

int mmt_write_file(const char *path, const char *value)
{
	int fd, r;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = mmt_write_all(fd, value, strlen(value));
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int mmt_read_u64(const char *path, uint64_t *ret_value)
{
	char buf[64];
	ssize_t n = mmt_read_file(path, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return mmt_parse_u64(mmt_strstrip(buf), ret_value);
}

int mmt_mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int mmt_parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	/* Decimal, or hex with 0x: "010" is ten, not eight. */
	v = strtoull(s, &end, mmt_startswith(s, "0x") || mmt_startswith(s, "0X") ? 16 : 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int mmt_parse_i64(const char *s, int64_t *ret)
{
	long long v;
	char *end;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_scaled(const char *s, const char *const *units,
			const double *scale, size_t nr_units, double dflt,
			uint64_t *ret)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE || end == s || !isfinite(v))
		return -EINVAL;
	if (*end == '\0') {
		v *= dflt;
	} else {
		size_t i;

		for (i = 0; i < nr_units; i++)
			if (!strcmp(end, units[i]))
				break;
		if (i == nr_units)
			return -EINVAL;
		v *= scale[i];
	}
	if (v < 0 || v >= 18446744073709551615.0)
		return -ERANGE;
	*ret = (uint64_t)llround(v);
	return 0;
}

int mmt_parse_size(const char *s, uint64_t *ret_bytes)
{
	static const char *const units[] = {
		"b", "B", "k", "K", "KB", "KiB", "m", "M", "MB", "MiB",
		"g", "G", "GB", "GiB", "t", "T", "TB", "TiB",
	};
	static const double scale[] = {
		1, 1, 0x1p10, 0x1p10, 0x1p10, 0x1p10, 0x1p20, 0x1p20, 0x1p20, 0x1p20,
		0x1p30, 0x1p30, 0x1p30, 0x1p30, 0x1p40, 0x1p40, 0x1p40, 0x1p40,
	};

	return parse_scaled(s, units, scale, MMT_ARRAY_SIZE(units), 1, ret_bytes);
}

int mmt_parse_duration_us(const char *s, uint64_t *ret_us)
{
	static const char *const units[] = { "us", "ms", "s", "m", "min", "h" };
	static const double scale[] = { 1, 1e3, 1e6, 60e6, 60e6, 3600e6 };

	return parse_scaled(s, units, scale, MMT_ARRAY_SIZE(units), 1e6, ret_us);
}

int mmt_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (size_t i = 0; i < MMT_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

void mmt_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, bytes);
	else
		snprintf(buf, len, "%" PRIu64 "%c", bytes, units[u]);
}

void mmt_format_duration(uint64_t us, char *buf, size_t len)
{
	if (us % 1000000 == 0)
		snprintf(buf, len, "%" PRIu64 "s", us / 1000000);
	else if (us % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "ms", us / 1000);
	else
		snprintf(buf, len, "%" PRIu64 "us", us);
}

char *mmt_strstrip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

bool mmt_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int mmt_kv_lookup(const char *text, const char *key, uint64_t *ret_value)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && (p[klen] == ' ' || p[klen] == '\t' ||
					       p[klen] == ':')) {
			const char *v = p + klen + 1;
			char *end;

			while (*v == ' ' || *v == '\t')
				v++;
			errno = 0;
			*ret_value = strtoull(v, &end, 10);
			return end == v ? -EINVAL : 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

uint64_t mmt_rand_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
