// SPDX-License-Identifier: GPL-2.0-only
/*
 * The run directory writers (docs/design.md section 5).
 *
 * events.jsonl, samples.csv and kmsg.log are opened O_APPEND and every line
 * is built in memory first and written with one write(2), under a mutex, so
 * lines from concurrent threads never interleave and a killed harness leaves
 * whole lines behind.  These are raw fds on purpose: stdio buffering would
 * lose the tail of the file when the harness dies.  run.json and the other
 * whole files are replaced atomically (tmp file, fsync, rename, fsync dir).
 *
 * A run's results also have a syncer thread (mmt_results_start_syncer()):
 * after every line written to events.jsonl or kmsg.log it fdatasync()s
 * both, off the event loop, coalescing the lines written while it syncs,
 * so that a kernel that freezes or panics a moment later finds them on
 * disk (the lab VM's freeze test).  Critical events are still synced by
 * the caller before it goes on (mmt_results_sync()).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/utf8.h"
#include "results/results.h"
#include "lib/util.h"

#define FILE_MODE 0644
#define DIR_MODE 0755
#define MAX_SUFFIX 1000

struct mmt_results {
	pthread_mutex_t lock;
	int dir_fd;
	int events_fd;
	int samples_fd;
	int kmsg_fd;
	size_t nr_cols;         /* 0 until samples.csv has a header */
	uint64_t start_mono_us;
	uint64_t start_real_us;
	unsigned tmp_seq;       /* unique tmp names for atomic writes */
	char dir[PATH_MAX];
	/* the syncer: sync_mu guards the flags and the two line counts */
	pthread_t syncer;
	pthread_mutex_t sync_mu;
	pthread_cond_t sync_cv;
	bool syncer_on, sync_dirty, sync_stop;
	uint64_t lines_written;  /* to events.jsonl and kmsg.log */
	uint64_t lines_synced;   /* of those, on stable storage */
};

/* Job names become part of a path: keep [A-Za-z0-9._-], map the rest to '_'. */
static void sanitize_name(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; in && *in && n + 1 < len; in++) {
		char c = *in;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';

		out[n++] = ok ? c : '_';
	}
	if (n == 0 && len > 3) {
		memcpy(out, "job", 3);
		n = 3;
	}
	out[n] = '\0';
}

/*
 * Nothing inside a run directory is followed through a symlink: a link
 * planted in a shared results directory cannot redirect our writes.
 */
static int open_append(int dir_fd, const char *name)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
			FILE_MODE);

	return fd < 0 ? -errno : fd;
}

/* Learn the column count of an existing samples.csv (open_dir). */
static size_t existing_columns(const char *dir)
{
	char path[PATH_MAX], line[8192];
	size_t cols = 1;
	bool quoted = false;
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/samples.csv", dir) >= sizeof(path))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f) || !strchr(line, '\n')) {
		fclose(f);
		return 0;
	}
	fclose(f);
	for (const char *p = line; *p && *p != '\n'; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ',' && !quoted)
			cols++;
	}
	return cols;
}

static int open_files(struct mmt_results *res)
{
	int fd;

	fd = open_append(res->dir_fd, "events.jsonl");
	if (fd < 0)
		return fd;
	res->events_fd = fd;
	fd = open_append(res->dir_fd, "samples.csv");
	if (fd < 0)
		return fd;
	res->samples_fd = fd;
	fd = open_append(res->dir_fd, "kmsg.log");
	if (fd < 0)
		return fd;
	res->kmsg_fd = fd;
	return 0;
}

static struct mmt_results *results_new(void)
{
	struct mmt_results *res = calloc(1, sizeof(*res));

	if (!res)
		return NULL;
	pthread_mutex_init(&res->lock, NULL);
	pthread_mutex_init(&res->sync_mu, NULL);
	pthread_cond_init(&res->sync_cv, NULL);
	res->dir_fd = res->events_fd = res->samples_fd = res->kmsg_fd = -1;
	res->start_mono_us = mmt_now_us();
	res->start_real_us = mmt_realtime_us();
	return res;
}

int mmt_results_open_dir(const char *dir, struct mmt_results **ret_res)
{
	struct mmt_results *res;
	int r;

	if (strlen(dir) >= sizeof(res->dir))
		return -ENAMETOOLONG;
	res = results_new();
	if (!res)
		return -ENOMEM;
	strcpy(res->dir, dir);
	res->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (res->dir_fd < 0) {
		r = -errno;
		goto out_close;
	}
	r = open_files(res);
	if (r < 0)
		goto out_close;
	res->nr_cols = existing_columns(dir);
	*ret_res = res;
	return 0;
out_close:
	mmt_results_close(res);
	return r;
}

int mmt_results_create(const char *base_dir, const char *job_name,
		       uint64_t realtime_us, char *ret_dir, size_t dir_len,
		       char *ret_id, size_t id_len, struct mmt_results **ret_res)
{
	char stamp[32], job[128], id[192], dir[PATH_MAX];
	struct mmt_results *res;
	int r;

	if (!base_dir || !*base_dir)
		return -EINVAL;
	r = mmt_mkdir_p(base_dir, DIR_MODE);
	if (r < 0)
		return r;
	mmt_format_utc(realtime_us, true, stamp, sizeof(stamp));
	sanitize_name(job_name, job, sizeof(job));
	/* mkdir is the claim: an existing directory is never reused. */
	for (unsigned n = 1;; n++) {
		if (n > MAX_SUFFIX)
			return -EEXIST;
		if (n == 1)
			snprintf(id, sizeof(id), "%s-%s", stamp, job);
		else
			snprintf(id, sizeof(id), "%s-%s-%u", stamp, job, n);
		if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", base_dir, id) >= sizeof(dir))
			return -ENAMETOOLONG;
		if ((ret_dir && strlen(dir) >= dir_len) || (ret_id && strlen(id) >= id_len))
			return -ENAMETOOLONG;
		if (mkdir(dir, DIR_MODE) == 0)
			break;
		if (errno != EEXIST)
			return -errno;
	}
	r = mmt_results_open_dir(dir, &res);
	if (r < 0) {
		rmdir(dir);
		return r;
	}
	res->start_real_us = realtime_us;
	if (ret_dir)
		strcpy(ret_dir, dir);
	if (ret_id)
		strcpy(ret_id, id);
	*ret_res = res;
	return 0;
}

void mmt_results_close(struct mmt_results *res)
{
	if (!res)
		return;
	if (res->syncer_on) {
		pthread_mutex_lock(&res->sync_mu);
		res->sync_stop = true;
		pthread_cond_signal(&res->sync_cv);
		pthread_mutex_unlock(&res->sync_mu);
		pthread_join(res->syncer, NULL);
		res->syncer_on = false;
	}
	if (res->kmsg_fd >= 0)
		close(res->kmsg_fd);
	if (res->samples_fd >= 0)
		close(res->samples_fd);
	if (res->events_fd >= 0)
		close(res->events_fd);
	if (res->dir_fd >= 0)
		close(res->dir_fd);
	pthread_mutex_destroy(&res->lock);
	pthread_cond_destroy(&res->sync_cv);
	pthread_mutex_destroy(&res->sync_mu);
	free(res);
}

const char *mmt_results_dir(const struct mmt_results *res)
{
	return res->dir;
}

void mmt_results_set_start(struct mmt_results *res, uint64_t start_mono_us,
			   uint64_t start_real_us)
{
	pthread_mutex_lock(&res->lock);
	res->start_mono_us = start_mono_us;
	res->start_real_us = start_real_us;
	pthread_mutex_unlock(&res->lock);
}

/* One line, one write(2), under the lock. */
/*
 * The results boundary's one sanitising step (lib/utf8.h): whatever bytes
 * came from outside (job text, file and cell names, kernel lines, comms),
 * what reaches a results file is valid UTF-8.  JSON text needs no more
 * (json-c escapes the controls); XML also loses its forbidden controls.
 * *ret_fixed is NULL when text was fine as it is.
 */
static int sanitize(const char *text, size_t len, unsigned flags, char **ret_fixed)
{
	*ret_fixed = NULL;
	if (mmt_utf8_ok(text, len, flags))
		return (int)len;
	return mmt_utf8_sanitize(text, len, flags, ret_fixed);
}

static int write_line(struct mmt_results *res, int fd, const char *buf, size_t len)
{
	char *fixed;
	int r;

	r = sanitize(buf, len, 0, &fixed);
	if (r < 0)
		return r;
	pthread_mutex_lock(&res->lock);
	r = mmt_write_all(fd, fixed ? fixed : buf, fixed ? (size_t)r : len);
	pthread_mutex_unlock(&res->lock);
	free(fixed);
	if (fd == res->events_fd || fd == res->kmsg_fd) {
		pthread_mutex_lock(&res->sync_mu);
		res->lines_written++;
		if (res->syncer_on) {
			res->sync_dirty = true;
			pthread_cond_signal(&res->sync_cv);
		}
		pthread_mutex_unlock(&res->sync_mu);
	}
	return r;
}

static void *syncer_main(void *arg)
{
	struct mmt_results *res = arg;

	pthread_mutex_lock(&res->sync_mu);
	for (;;) {
		while (!res->sync_dirty && !res->sync_stop)
			pthread_cond_wait(&res->sync_cv, &res->sync_mu);
		if (!res->sync_dirty)
			break;
		res->sync_dirty = false;
		pthread_mutex_unlock(&res->sync_mu);
		mmt_results_sync(res);
		pthread_mutex_lock(&res->sync_mu);
	}
	pthread_mutex_unlock(&res->sync_mu);
	return NULL;
}

int mmt_results_start_syncer(struct mmt_results *res)
{
	sigset_t all, old;
	int r;

	if (res->syncer_on)
		return 0;
	/* No signal is ever delivered to it: the run reads them (signalfd). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&res->syncer, NULL, syncer_main, res);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	pthread_setname_np(res->syncer, "mmt-syncer");
	pthread_mutex_lock(&res->sync_mu);
	res->syncer_on = true;
	pthread_mutex_unlock(&res->sync_mu);
	return 0;
}

int mmt_results_sync(struct mmt_results *res)
{
	uint64_t n;
	bool synced;
	int r = 0;

	/* Nothing written since the last sync (the syncer's after a critical
	 * event's, or the reverse): no second fdatasync of the same lines. */
	pthread_mutex_lock(&res->sync_mu);
	n = res->lines_written;
	synced = n == res->lines_synced;
	pthread_mutex_unlock(&res->sync_mu);
	if (synced)
		return 0;
	if (fdatasync(res->events_fd) < 0)
		r = -errno;
	if (fdatasync(res->kmsg_fd) < 0 && r == 0)
		r = -errno;
	if (r == 0) {
		pthread_mutex_lock(&res->sync_mu);
		if (n > res->lines_synced)
			res->lines_synced = n;
		pthread_mutex_unlock(&res->sync_mu);
	}
	return r;
}

void mmt_results_sync_counts(struct mmt_results *res, uint64_t *ret_written,
			     uint64_t *ret_synced)
{
	pthread_mutex_lock(&res->sync_mu);
	if (ret_written)
		*ret_written = res->lines_written;
	if (ret_synced)
		*ret_synced = res->lines_synced;
	pthread_mutex_unlock(&res->sync_mu);
}

/* "2026-11-22T00:53:13.123456Z" */
static void format_time_us(uint64_t realtime_us, char *buf, size_t len)
{
	time_t t = (time_t)(realtime_us / MMT_USEC_PER_SEC);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06uZ", (unsigned)(realtime_us % MMT_USEC_PER_SEC));
}

int mmt_results_event(struct mmt_results *res, const char *type, json_object *ev)
{
	return mmt_results_event_at(res, type, ev, 0);
}

int mmt_results_event_at(struct mmt_results *res, const char *type, json_object *ev,
			 uint64_t happened_mono_us)
{
	char when[40];
	json_object *line;
	uint64_t start_mono_us, start_real_us, now_mono_us = mmt_now_us(), at_us;
	const char *s;
	size_t len;
	char *buf;
	int r;

	if (!type || (ev && !json_object_is_type(ev, json_type_object))) {
		json_object_put(ev);
		return -EINVAL;
	}
	pthread_mutex_lock(&res->lock);
	start_mono_us = res->start_mono_us;
	start_real_us = res->start_real_us;
	pthread_mutex_unlock(&res->lock);
	/* When it happened: never later than now, never before the run. */
	at_us = happened_mono_us && happened_mono_us <= now_mono_us ? happened_mono_us
								    : now_mono_us;
	if (at_us < start_mono_us)
		at_us = start_mono_us;
	format_time_us(start_real_us + (at_us - start_mono_us), when, sizeof(when));

	/* type, time and t_us lead the line; the caller's fields follow. */
	line = json_object_new_object();
	if (!line) {
		json_object_put(ev);
		return -ENOMEM;
	}
	json_object_object_add(line, "type", json_object_new_string(type));
	json_object_object_add(line, "time", json_object_new_string(when));
	json_object_object_add(line, "t_us", json_object_new_int64((int64_t)(at_us - start_mono_us)));
	json_object_object_add(line, "recorded_t_us", json_object_new_int64(
		(int64_t)(now_mono_us >= start_mono_us ? now_mono_us - start_mono_us : 0)));
	if (ev) {
		json_object_object_foreach(ev, key, val) {
			if (!strcmp(key, "type") || !strcmp(key, "time") || !strcmp(key, "t_us") ||
			    !strcmp(key, "recorded_t_us"))
				continue;
			json_object_object_add(line, key, json_object_get(val));
		}
		json_object_put(ev);
	}
	s = json_object_to_json_string_ext(line, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	len = s ? strlen(s) : 0;
	buf = s ? malloc(len + 1) : NULL;
	if (!buf) {
		json_object_put(line);
		return -ENOMEM;
	}
	memcpy(buf, s, len);
	buf[len++] = '\n';
	json_object_put(line);
	r = write_line(res, res->events_fd, buf, len);
	free(buf);
	return r;
}

/* Growable line buffer for the CSV writers. */
struct linebuf {
	char *p;
	size_t len, cap;
};

static int lb_put(struct linebuf *lb, const char *s, size_t n)
{
	if (lb->len + n + 1 > lb->cap) {
		size_t cap = lb->cap ? lb->cap : 256;
		char *np;

		while (lb->len + n + 1 > cap)
			cap *= 2;
		np = realloc(lb->p, cap);
		if (!np)
			return -ENOMEM;
		lb->p = np;
		lb->cap = cap;
	}
	memcpy(lb->p + lb->len, s, n);
	lb->len += n;
	lb->p[lb->len] = '\0';
	return 0;
}

static int lb_puts(struct linebuf *lb, const char *s)
{
	return lb_put(lb, s, strlen(s));
}

/* A CSV field, quoted when it holds a comma, quote or line break. */
static int lb_csv_field(struct linebuf *lb, const char *s)
{
	int r = 0;

	if (!strpbrk(s, ",\"\r\n"))
		return lb_puts(lb, s);
	r = lb_put(lb, "\"", 1);
	for (; *s && r == 0; s++)
		r = *s == '"' ? lb_put(lb, "\"\"", 2) : lb_put(lb, s, 1);
	return r ? r : lb_put(lb, "\"", 1);
}

/* Integral values as integers, others with 3 decimals, NaN empty. */
static void format_value(double v, char *buf, size_t len)
{
	if (isnan(v))
		buf[0] = '\0';
	else if (v == floor(v) && fabs(v) < 9.0e18)
		snprintf(buf, len, "%" PRId64, (int64_t)v);
	else
		snprintf(buf, len, "%.3f", v);
}

int mmt_results_samples_header(struct mmt_results *res, const char *const *cols,
			       size_t nr_cols)
{
	struct linebuf lb = { 0 };
	int r = 0;

	if (nr_cols == 0)
		return -EINVAL;
	for (size_t i = 0; i < nr_cols && r == 0; i++) {
		if (i)
			r = lb_put(&lb, ",", 1);
		if (r == 0)
			r = lb_csv_field(&lb, cols[i]);
	}
	if (r == 0)
		r = lb_put(&lb, "\n", 1);
	if (r < 0)
		goto out_free;
	pthread_mutex_lock(&res->lock);
	r = res->nr_cols ? -EEXIST : 0;
	pthread_mutex_unlock(&res->lock);
	if (r == 0)
		r = write_line(res, res->samples_fd, lb.p, lb.len);
	if (r == 0) {
		pthread_mutex_lock(&res->lock);
		res->nr_cols = nr_cols;
		pthread_mutex_unlock(&res->lock);
	}
out_free:
	free(lb.p);
	return r;
}

int mmt_results_sample(struct mmt_results *res, const double *vals, size_t nr_vals)
{
	struct linebuf lb = { 0 };
	char num[48];
	size_t nr_cols;
	int r = 0;

	/* The column count is set once (0 -> N) and never changes after. */
	pthread_mutex_lock(&res->lock);
	nr_cols = res->nr_cols;
	pthread_mutex_unlock(&res->lock);
	if (nr_cols == 0 || nr_vals != nr_cols)
		return -EINVAL;
	for (size_t i = 0; i < nr_vals && r == 0; i++) {
		if (i)
			r = lb_put(&lb, ",", 1);
		format_value(vals[i], num, sizeof(num));
		if (r == 0)
			r = lb_puts(&lb, num);
	}
	if (r == 0)
		r = lb_put(&lb, "\n", 1);
	if (r < 0)
		goto out_free;
	r = write_line(res, res->samples_fd, lb.p, lb.len);
out_free:
	free(lb.p);
	return r;
}

int mmt_results_kmsg(struct mmt_results *res, const char *line)
{
	size_t len = strlen(line);
	char *buf;
	int r;

	while (len && line[len - 1] == '\n')
		len--;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, line, len);
	buf[len] = '\n';
	r = write_line(res, res->kmsg_fd, buf, len + 1);
	free(buf);
	return r;
}

static bool valid_file_name(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

static bool is_xml(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcmp(name + n - 4, ".xml");
}

int mmt_results_write_file(struct mmt_results *res, const char *name, const char *text)
{
	char tmp[NAME_MAX + 1], *fixed;
	unsigned seq;
	int fd, r;

	if (!text || !valid_file_name(name))
		return -EINVAL;
	r = sanitize(text, strlen(text), is_xml(name) ? MMT_UTF8_NO_CONTROLS : 0, &fixed);
	if (r < 0)
		return r;
	if (fixed)
		text = fixed;
	pthread_mutex_lock(&res->lock);
	seq = res->tmp_seq++;
	pthread_mutex_unlock(&res->lock);
	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp.%d.%u", name, (int)getpid(), seq) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(res->dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FILE_MODE);
	if (fd < 0)
		return -errno;
	r = mmt_write_all(fd, text, strlen(text));
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(res->dir_fd, tmp, res->dir_fd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(res->dir_fd, tmp, 0);
		return r;
	}
	/* The rename itself must reach the disk too. */
	if (fsync(res->dir_fd) < 0)
		return -errno;
	return 0;
}

int mmt_results_write_run_json(struct mmt_results *res, json_object *run)
{
	const char *s;
	char *text;
	size_t len;
	int r;

	s = json_object_to_json_string_ext(run, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		return -ENOMEM;
	len = strlen(s);
	text = malloc(len + 2);
	if (!text)
		return -ENOMEM;
	memcpy(text, s, len);
	memcpy(text + len, "\n", 2);
	r = mmt_results_write_file(res, "run.json", text);
	free(text);
	return r;
}
