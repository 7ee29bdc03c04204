// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cleanup journal: one text line per side effect, written and
 * fdatasync()ed before the side effect happens, replayed in reverse.
 *
 * A line counts only when it ends in '\n': a crash in the middle of a
 * write leaves a partial last line, which replay ignores (the side effect
 * it announced never started, because the write comes first).  Opening an
 * existing journal cuts such a line off before appending, so records
 * written after a restart stay whole.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libdevmapper.h>
#include <linux/loop.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroup.h"
#include "lib/journal.h"
#include "lib/log.h"
#include "lib/util.h"

#define MAX_ARGS 16
#define DAEMON_TERM_US (5 * MMT_USEC_PER_SEC)
#define POLL_US 20000

struct mmt_journal {
	pthread_mutex_t lock;
	int fd;
	int next_seq;
	char *path;
};

struct record {
	int seq;
	int argc;
	char *kind;
	char *argv[MAX_ARGS + 1];
};

/* ------------------------------------------------------------------------ */
/* escaping                                                                 */

static bool needs_escape(unsigned char c)
{
	return c == '%' || c < 0x20 || c >= 0x7f;
}

void mmt_journal_escape(const char *in, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	if (len == 0)
		return;
	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;

		if (needs_escape(c)) {
			if (n + 3 >= len)
				break;
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		} else {
			if (n + 1 >= len)
				break;
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void mmt_journal_unescape(char *s)
{
	char *w = s;

	while (*s) {
		if (s[0] == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			*w++ = (char)(hexval(s[1]) << 4 | hexval(s[2]));
			s += 3;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

static size_t escaped_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += needs_escape((unsigned char)*s) ? 3 : 1;
	return n;
}

/* ------------------------------------------------------------------------ */
/* parsing                                                                  */

/*
 * Split text (modified in place) into records.  Only complete lines count;
 * a malformed line is skipped with a warning.
 */
static int parse(char *text, struct record **ret_recs, size_t *ret_nr)
{
	struct record *recs = NULL, *nr_recs;
	size_t nr = 0, cap = 0;
	char *line = text, *nl;

	while ((nl = strchr(line, '\n'))) {
		struct record rec = { 0 };
		char *f[MAX_ARGS + 2], *end, *p;
		int nf = 0;
		long seq;

		*nl = '\0';
		/* Split on tabs, keeping empty fields (an empty old value). */
		for (p = line; nf < (int)MMT_ARRAY_SIZE(f);) {
			f[nf++] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = '\0';
		}
		line = nl + 1;
		if (nf == 1 && !f[0][0])
			continue;
		seq = strtol(f[0], &end, 10);
		if (*end || end == f[0] || seq <= 0 || seq > INT32_MAX || nf < 2 || !f[1][0]) {
			log_warn("journal: skipping malformed line \"%.40s\"", f[0]);
			continue;
		}
		rec.seq = (int)seq;
		rec.kind = f[1];
		mmt_journal_unescape(rec.kind);
		for (rec.argc = 0; rec.argc < nf - 2; rec.argc++) {
			rec.argv[rec.argc] = f[rec.argc + 2];
			mmt_journal_unescape(rec.argv[rec.argc]);
		}
		if (nr == cap) {
			cap = cap ? cap * 2 : 32;
			nr_recs = realloc(recs, cap * sizeof(*recs));
			if (!nr_recs) {
				free(recs);
				return -ENOMEM;
			}
			recs = nr_recs;
		}
		recs[nr++] = rec;
	}
	if (*line)
		log_warn("journal: ignoring incomplete last line (interrupted write)");
	*ret_recs = recs;
	*ret_nr = nr;
	return 0;
}

static bool is_done(const struct record *recs, size_t nr, int seq)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (strcmp(recs[i].kind, "done") == 0 && recs[i].argc >= 1 &&
		    atoi(recs[i].argv[0]) == seq)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------------ */
/* writing                                                                  */

int mmt_journal_open(const char *path, struct mmt_journal **ret_jr)
{
	struct record *recs = NULL;
	struct mmt_journal *jr;
	char *text = NULL;
	size_t nr = 0, i;
	ssize_t n;
	int r;

	jr = calloc(1, sizeof(*jr));
	if (!jr)
		return -ENOMEM;
	jr->path = strdup(path);
	if (!jr->path) {
		free(jr);
		return -ENOMEM;
	}
	pthread_mutex_init(&jr->lock, NULL);
	jr->next_seq = 1;
	jr->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (jr->fd < 0) {
		r = -errno;
		goto out_free;
	}
	/* Resume the numbering of an existing journal. */
	n = mmt_read_file_alloc(path, &text);
	if (n < 0) {
		r = (int)n;
		goto out_free;
	}
	if (n > 0 && text[n - 1] != '\n') {
		/*
		 * A line cut short by a crash: its side effect never started
		 * (the record is written first), so drop it, and the next
		 * record starts on a line of its own.
		 */
		char *last = memrchr(text, '\n', (size_t)n);
		off_t keep = last ? (off_t)(last - text + 1) : 0;

		if (ftruncate(jr->fd, keep) < 0) {
			r = -errno;
			goto out_free;
		}
		text[keep] = '\0';
	}
	r = parse(text, &recs, &nr);
	if (r < 0)
		goto out_free;
	for (i = 0; i < nr; i++)
		if (recs[i].seq >= jr->next_seq)
			jr->next_seq = recs[i].seq + 1;
	free(recs);
	free(text);
	*ret_jr = jr;
	return 0;
out_free:
	free(text);
	mmt_journal_close(jr);
	return r;
}

void mmt_journal_close(struct mmt_journal *jr)
{
	if (!jr)
		return;
	if (jr->fd >= 0)
		close(jr->fd);
	pthread_mutex_destroy(&jr->lock);
	free(jr->path);
	free(jr);
}

int mmt_journal_add(struct mmt_journal *jr, const char *kind, int argc,
		    const char *const *argv)
{
	size_t len, n;
	char *line;
	int i, r, seq;

	if (!jr || !kind || !*kind || argc < 0 || argc > MAX_ARGS)
		return -EINVAL;
	len = 16 + escaped_len(kind) + 1;
	for (i = 0; i < argc; i++) {
		if (!argv[i])
			return -EINVAL;
		len += escaped_len(argv[i]) + 1;
	}
	line = malloc(len + 1);
	if (!line)
		return -ENOMEM;

	pthread_mutex_lock(&jr->lock);
	seq = jr->next_seq;
	n = (size_t)snprintf(line, len, "%d\t", seq);
	mmt_journal_escape(kind, line + n, len - n);
	n += strlen(line + n);
	for (i = 0; i < argc; i++) {
		line[n++] = '\t';
		mmt_journal_escape(argv[i], line + n, len - n);
		n += strlen(line + n);
	}
	line[n++] = '\n';
	r = mmt_write_all(jr->fd, line, n);
	if (r == 0 && fdatasync(jr->fd) < 0)
		r = -errno;
	if (r == 0)
		jr->next_seq++;
	pthread_mutex_unlock(&jr->lock);
	free(line);
	if (r < 0)
		return log_err_errno(r, "journal %s: append %s", jr->path, kind);
	return seq;
}

int mmt_journal_addv(struct mmt_journal *jr, const char *kind, ...)
{
	const char *argv[MAX_ARGS + 1];
	const char *a;
	int argc = 0;
	va_list ap;

	va_start(ap, kind);
	while ((a = va_arg(ap, const char *))) {
		if (argc == MAX_ARGS) {
			va_end(ap);
			return -E2BIG;
		}
		argv[argc++] = a;
	}
	va_end(ap);
	return mmt_journal_add(jr, kind, argc, argv);
}

static int mark_done(struct mmt_journal *jr, int seq)
{
	char buf[16];
	const char *argv[1] = { buf };

	snprintf(buf, sizeof(buf), "%d", seq);
	return mmt_journal_add(jr, "done", 1, argv);
}

/* ------------------------------------------------------------------------ */
/* replay                                                                   */

static const struct mmt_journal_kind *find_kind(const struct mmt_journal_kind *kinds,
						const char *kind)
{
	for (; kinds->kind; kinds++)
		if (strcmp(kinds->kind, kind) == 0)
			return kinds;
	return NULL;
}

static int run_undo(const struct mmt_journal_kind *kinds, struct record *rec)
{
	const struct mmt_journal_kind *k = find_kind(kinds, rec->kind);
	int r;

	if (!k)
		return log_err_errno(-EINVAL, "journal: record %d: unknown kind %s",
				     rec->seq, rec->kind);
	if (rec->argc < k->min_args)
		return log_err_errno(-EINVAL, "journal: record %d (%s): %d args, want %d",
				     rec->seq, rec->kind, rec->argc, k->min_args);
	r = k->undo(rec->argc, rec->argv);
	if (r < 0)
		return log_err_errno(r, "journal: undo %d %s %s", rec->seq, rec->kind,
				     rec->argc ? rec->argv[0] : "");
	return 0;
}

static int load(const char *path, char **ret_text, struct record **ret_recs,
		size_t *ret_nr)
{
	ssize_t n;
	int r;

	n = mmt_read_file_alloc(path, ret_text);
	if (n < 0)
		return (int)n;
	r = parse(*ret_text, ret_recs, ret_nr);
	if (r < 0)
		free(*ret_text);
	return r;
}

static void kill_cgroup_tasks(const char *dir)
{
	pid_t *pids = NULL;
	size_t nr = 0;

	if (!mmt_cg_path_is_ours(dir) || mmt_cg_read_pids(dir, &pids, &nr) < 0)
		return;
	for (size_t k = 0; k < nr; k++)
		if (pids[k] > 0 && pids[k] != getpid())
			kill(pids[k], SIGKILL);
	free(pids);
}

int mmt_journal_replay(const char *path, const struct mmt_journal_kind *kinds)
{
	struct mmt_journal *jr = NULL;
	struct record *recs = NULL;
	char *text = NULL;
	int failed = 0, r;
	size_t nr = 0, i;

	if (!kinds)
		kinds = mmt_journal_kinds;
	r = load(path, &text, &recs, &nr);
	if (r < 0)
		return log_err_errno(r, "journal %s: read", path);
	r = mmt_journal_open(path, &jr);
	if (r < 0)
		log_warn("journal %s: cannot append done markers: %s", path, strerror(-r));

	/*
	 * After a crash, first stop every task in our cgroups: a worker still
	 * faulting would keep a swap area busy (swapoff: ENOMEM) or a mount in
	 * use while the records after its cgroup are undone.
	 */
	if (kinds == mmt_journal_kinds)
		for (i = 0; i < nr; i++)
			if (!strcmp(recs[i].kind, "cgroup") && recs[i].argc >= 1 &&
			    !is_done(recs, nr, recs[i].seq))
				kill_cgroup_tasks(recs[i].argv[0]);
	for (i = nr; i-- > 0;) {
		struct record *rec = &recs[i];

		if (strcmp(rec->kind, "done") == 0 || is_done(recs, nr, rec->seq))
			continue;
		if (run_undo(kinds, rec) < 0) {
			failed++;
			continue;
		}
		if (jr)
			mark_done(jr, rec->seq);
	}
	mmt_journal_close(jr);
	free(recs);
	free(text);
	return failed;
}

int mmt_journal_undo(struct mmt_journal *jr, int seq)
{
	struct record *recs = NULL;
	char *text = NULL;
	size_t nr = 0, i;
	int r = -ENOENT;

	if (!jr)
		return -EINVAL;
	r = load(jr->path, &text, &recs, &nr);
	if (r < 0)
		return r;
	r = -ENOENT;
	for (i = 0; i < nr; i++) {
		if (recs[i].seq != seq || strcmp(recs[i].kind, "done") == 0)
			continue;
		if (is_done(recs, nr, seq)) {
			r = 0;
			break;
		}
		r = run_undo(mmt_journal_kinds, &recs[i]);
		if (r == 0)
			r = mark_done(jr, seq) < 0 ? -EIO : 0;
		break;
	}
	free(recs);
	free(text);
	return r;
}

/* ------------------------------------------------------------------------ */
/* the built-in undo handlers                                               */

static bool ours(const char *kind, const char *target)
{
	if (target && strstr(target, MMT_PREFIX) && !strstr(target, "/../"))
		return true;
	log_err("journal: %s: refusing %s: no \"" MMT_PREFIX "\" in it", kind,
		target ? target : "(null)");
	return false;
}

static void sleep_us(uint64_t us)
{
	struct timespec ts = {
		.tv_sec = (time_t)(us / MMT_USEC_PER_SEC),
		.tv_nsec = (long)(us % MMT_USEC_PER_SEC) * 1000,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int undo_cgroup(int argc, char **argv)
{
	(void)argc;
	return mmt_cg_destroy_path(argv[0]);
}

static int undo_sysctl(int argc, char **argv)
{
	int r;

	(void)argc;
	/* /proc/fs/nfsd/threads: the loopback NFS server's thread count */
	if (!mmt_startswith(argv[0], "/proc/sys/") && !mmt_startswith(argv[0], "/sys/") &&
	    strcmp(argv[0], "/proc/fs/nfsd/threads"))
		return log_err_errno(-EPERM, "journal: sysctl: refusing %s", argv[0]);
	if (strstr(argv[0], "/../"))
		return -EPERM;
	r = mmt_write_file(argv[0], argv[1]);
	return r == -ENOENT ? 0 : r;
}

static int undo_swapon(int argc, char **argv)
{
	(void)argc;
	/* zram, loop and dm-N devices carry no name: the record is the proof. */
	if (!mmt_startswith(argv[0], "/dev/zram") && !mmt_startswith(argv[0], "/dev/loop") &&
	    !mmt_startswith(argv[0], "/dev/dm-") && !ours("swapon", argv[0]))
		return -EPERM;
	if (swapoff(argv[0]) == 0 || errno == EINVAL || errno == ENOENT)
		return 0;
	return -errno;
}

static int undo_loop(int argc, char **argv)
{
	char sys[PATH_MAX], back[PATH_MAX];
	const char *name;
	size_t n;
	ssize_t len;
	int fd, r = 0;

	(void)argc;
	if (!mmt_startswith(argv[0], "/dev/loop"))
		return log_err_errno(-EPERM, "journal: loop: refusing %s", argv[0]);
	name = argv[0] + strlen("/dev/");
	snprintf(sys, sizeof(sys), "/sys/block/%s/loop/backing_file", name);
	len = mmt_read_file(sys, back, sizeof(back));
	if (len < 0)
		return len == -ENOENT ? 0 : (int)len;   /* unbound already */
	mmt_strstrip(back);
	n = strlen(back);
	if (n > 10 && strcmp(back + n - 10, " (deleted)") == 0)
		back[n - 10] = '\0';
	if (strcmp(back, argv[1]) != 0) {
		log_info("journal: %s now backs %s, not %s: left alone", argv[0], back,
			 argv[1]);
		return 0;
	}
	fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENXIO ? 0 : -errno;
	if (ioctl(fd, LOOP_CLR_FD, 0) < 0 && errno != ENXIO)
		r = -errno;
	close(fd);
	return r;
}

static int undo_dm(int argc, char **argv)
{
	char version[64];
	struct dm_info info;
	struct dm_task *dmt;
	int r = 0;

	(void)argc;
	if (!ours("dm", argv[0]))
		return -EPERM;
	/* Without the dm driver no device of ours can exist. */
	if (access("/sys/class/misc/device-mapper", F_OK) < 0 ||
	    !dm_driver_version(version, sizeof(version)))
		return 0;
	dmt = dm_task_create(DM_DEVICE_INFO);
	if (!dmt)
		return -ENOMEM;
	if (!dm_task_set_name(dmt, argv[0]) || !dm_task_run(dmt) ||
	    !dm_task_get_info(dmt, &info)) {
		dm_task_destroy(dmt);
		return -EIO;
	}
	dm_task_destroy(dmt);
	if (!info.exists)
		return 0;
	dmt = dm_task_create(DM_DEVICE_REMOVE);
	if (!dmt)
		return -ENOMEM;
	if (!dm_task_set_name(dmt, argv[0]) || !dm_task_retry_remove(dmt)) {
		r = -EIO;
	} else if (!dm_task_run(dmt)) {
		r = -dm_task_get_errno(dmt);
		if (r == -ENXIO || r == -ENODEV)
			r = 0;
		else if (r == 0)
			r = -EIO;
	}
	dm_task_destroy(dmt);
	return r;
}

static int undo_mount(int argc, char **argv)
{
	int i;

	(void)argc;
	if (!ours("mount", argv[0]))
		return -EPERM;
	/* Stacked mounts: detach until nothing is mounted there. */
	for (i = 0; i < 16; i++) {
		if (umount2(argv[0], MNT_DETACH) < 0)
			return errno == EINVAL || errno == ENOENT ? 0 : -errno;
	}
	return -EBUSY;
}

static int run_wait(char *const argv[])
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int undo_export(int argc, char **argv)
{
	static const char *const where[] = { "/usr/sbin/exportfs", "/sbin/exportfs" };
	size_t i;
	int r;

	(void)argc;
	if (!ours("export", argv[0]))
		return -EPERM;
	for (i = 0; i < MMT_ARRAY_SIZE(where); i++) {
		char *args[] = { (char *)where[i], (char *)"-u", argv[0], NULL };

		if (access(where[i], X_OK) < 0)
			continue;
		r = run_wait(args);
		if (r < 0)
			return r;
		/* exportfs -u fails when the export is gone already: done. */
		if (r)
			log_info("journal: exportfs -u %s: exit %d (not exported)", argv[0], r);
		return 0;
	}
	return 0;   /* no exportfs: nothing can have been exported with it */
}

/* Alive and not a zombie (a zombie child of ours is as good as gone). */
static bool alive(pid_t pid)
{
	char path[64], stat[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (mmt_read_file(path, stat, sizeof(stat)) < 0)
		return false;
	p = strrchr(stat, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static int undo_daemon(int argc, char **argv)
{
	char buf[64], path[64], comm[64];
	uint64_t deadline;
	int64_t v;
	pid_t pid;

	if (!ours("daemon", argv[0]))
		return -EPERM;
	if (mmt_read_file(argv[0], buf, sizeof(buf)) < 0)
		return 0;    /* no pidfile: never started or already reaped */
	if (mmt_parse_i64(mmt_strstrip(buf), &v) < 0 || v <= 1 || v > INT32_MAX)
		return log_err_errno(-EINVAL, "journal: daemon: bad pidfile %s", argv[0]);
	pid = (pid_t)v;
	/* A reused pid belongs to somebody else: check the name. */
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (mmt_read_file(path, comm, sizeof(comm)) < 0 || !alive(pid))
		return 0;
	mmt_strstrip(comm);
	if (argc >= 2 && strncmp(comm, argv[1], 15) != 0) {
		log_info("journal: pid %d is %s, not %s: left alone", (int)pid, comm, argv[1]);
		return 0;
	}
	if (kill(pid, SIGTERM) < 0)
		return errno == ESRCH ? 0 : -errno;
	deadline = mmt_now_us() + DAEMON_TERM_US;
	while (alive(pid) && mmt_now_us() < deadline)
		sleep_us(POLL_US);
	if (alive(pid) && kill(pid, SIGKILL) < 0 && errno != ESRCH)
		return -errno;
	return 0;
}

static int undo_file(int argc, char **argv)
{
	(void)argc;
	if (!ours("file", argv[0]))
		return -EPERM;
	if (unlink(argv[0]) == 0 || errno == ENOENT)
		return 0;
	return -errno;
}

static int undo_dir(int argc, char **argv)
{
	(void)argc;
	if (!ours("dir", argv[0]))
		return -EPERM;
	if (rmdir(argv[0]) == 0 || errno == ENOENT)
		return 0;
	return -errno;
}

static int undo_zram(int argc, char **argv)
{
	char path[PATH_MAX];
	int64_t id;
	int r;

	(void)argc;
	if (mmt_parse_i64(argv[0], &id) < 0 || id < 0 || id > 1000000)
		return log_err_errno(-EINVAL, "journal: zram: bad id %s", argv[0]);
	snprintf(path, sizeof(path), "/sys/block/zram%" PRId64 "/reset", id);
	r = mmt_write_file(path, "1");
	if (r == -ENOENT)
		return 0;           /* device gone */
	if (r < 0)
		return r;
	r = mmt_write_file("/sys/class/zram-control/hot_remove", argv[0]);
	return r == -ENOENT || r == -ENODEV ? 0 : r;
}

const struct mmt_journal_kind mmt_journal_kinds[] = {
	{ "cgroup", 1, undo_cgroup },
	{ "sysctl", 2, undo_sysctl },
	{ "swapon", 1, undo_swapon },
	{ "loop", 2, undo_loop },
	{ "dm", 1, undo_dm },
	{ "mount", 1, undo_mount },
	{ "export", 1, undo_export },
	{ "daemon", 1, undo_daemon },
	{ "file", 1, undo_file },
	{ "dir", 1, undo_dir },
	{ "zram", 1, undo_zram },
	{ NULL, 0, NULL },
};
