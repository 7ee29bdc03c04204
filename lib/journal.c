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
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/journal.h"
#include "lib/log.h"
#include "lib/sysfx/ident.h"
#include "lib/util.h"

#define MAX_ARGS 16

struct mmt_journal {
	const struct mmt_journal_kind *kinds;
	pthread_mutex_t lock;
	int fd;
	int next_seq;
	char *path;
	char owner[128];
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

/* The whole journal, never through a symlink (one planted in a shared
 * results directory must not feed a replay another file's records). */
static ssize_t read_journal(const char *path, char **ret_text)
{
	return mmt_read_file_alloc_flags(path, O_NOFOLLOW, ret_text);
}

/* ------------------------------------------------------------------------ */
/* writing                                                                  */

int mmt_journal_open(const char *path, const struct mmt_journal_kind *kinds,
		     struct mmt_journal **ret_jr)
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
	jr->kinds = kinds;
	jr->next_seq = 1;
	jr->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (jr->fd < 0) {
		r = -errno;
		goto out_free;
	}
	/* Resume the numbering of an existing journal. */
	n = read_journal(path, &text);
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

int mmt_journal_set_owner(struct mmt_journal *jr, const char *owner)
{
	if (!jr || !owner || !*owner || strlen(owner) >= sizeof(jr->owner) ||
	    strpbrk(owner, "\n\r"))
		return -EINVAL;
	snprintf(jr->owner, sizeof(jr->owner), "%s", owner);
	return 0;
}

const char *mmt_journal_owner(const struct mmt_journal *jr)
{
	return jr && jr->owner[0] ? jr->owner : NULL;
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
	return r == MMT_JOURNAL_LEFT_ALONE ? r : 0;
}

static int load(const char *path, char **ret_text, struct record **ret_recs,
		size_t *ret_nr)
{
	ssize_t n;
	int r;

	n = read_journal(path, ret_text);
	if (n < 0)
		return (int)n;
	r = parse(*ret_text, ret_recs, ret_nr);
	if (r < 0)
		free(*ret_text);
	return r;
}

int mmt_journal_pending(const char *path)
{
	struct record *recs = NULL;
	char *text = NULL;
	size_t nr = 0, i;
	int r;

	r = load(path, &text, &recs, &nr);
	if (r < 0)
		return r;
	for (i = 0; i < nr && r == 0; i++)
		if (strcmp(recs[i].kind, "done") && !is_done(recs, nr, recs[i].seq))
			r = 1;
	free(recs);
	free(text);
	return r;
}

int mmt_journal_replay(const char *path, const struct mmt_journal_kind *kinds,
		       struct mmt_journal_summary *ret)
{
	struct mmt_journal_summary sum = { 0 };
	struct mmt_journal *jr = NULL;
	struct record *recs = NULL;
	char *text = NULL;
	size_t nr = 0, i;
	int r;

	if (ret)
		*ret = sum;
	if (!kinds)
		return -EINVAL;
	r = load(path, &text, &recs, &nr);
	if (r < 0)
		return log_err_errno(r, "journal %s: read", path);
	r = mmt_journal_open(path, kinds, &jr);
	if (r < 0)
		log_warn("journal %s: cannot append done markers: %s", path, strerror(-r));

	/*
	 * First the quiesce of every live record, oldest first (the kinds
	 * that hold others busy, e.g. the tasks of a cgroup), then the undos.
	 * A quiesce that is the record's own undo (a thaw: a suspended device
	 * resumed) goes first of all, so that the tasks waiting on it can die.
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < nr; i++) {
			const struct mmt_journal_kind *k = find_kind(kinds, recs[i].kind);

			if (!k || !k->quiesce || (k->quiesce == k->undo) != (pass == 0) ||
			    recs[i].argc < k->min_args || is_done(recs, nr, recs[i].seq))
				continue;
			r = k->quiesce(recs[i].argc, recs[i].argv);
			if (r < 0)
				log_debug_errno(r, "journal: quiesce %d %s", recs[i].seq,
						recs[i].kind);
		}
	}
	for (i = nr; i-- > 0;) {
		struct record *rec = &recs[i];

		if (strcmp(rec->kind, "done") == 0 || is_done(recs, nr, rec->seq))
			continue;
		sum.live++;
		r = run_undo(kinds, rec);
		if (r < 0) {
			sum.failed++;
			continue;
		}
		if (r == MMT_JOURNAL_LEFT_ALONE)
			sum.left_alone++;
		else
			sum.undone++;
		if (jr)
			mark_done(jr, rec->seq);
	}
	mmt_journal_close(jr);
	free(recs);
	free(text);
	if (ret)
		*ret = sum;
	return sum.failed;
}

int mmt_journal_undo(struct mmt_journal *jr, int seq)
{
	struct record *recs = NULL;
	char *text = NULL;
	size_t nr = 0, i;
	int r = -ENOENT;

	if (!jr || !jr->kinds)
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
		r = run_undo(jr->kinds, &recs[i]);
		if (r >= 0)
			r = mark_done(jr, seq) < 0 ? -EIO : 0;
		break;
	}
	free(recs);
	free(text);
	return r;
}

int mmt_journal_drop(struct mmt_journal *jr, int seq)
{
	if (!jr || seq <= 0)
		return -EINVAL;
	return mark_done(jr, seq) < 0 ? -EIO : 0;
}

/* ------------------------------------------------------------------------ */
/* the index of live journals                                               */

const char *mmt_journal_index_dir(void)
{
	const char *env = getenv("MMT_JOURNAL_INDEX");

	return env && *env ? env : MMT_JOURNAL_INDEX_DIR;
}

/* The entry of an absolute journal path: a 64-bit FNV-1a hash in hex. */
static void index_entry(const char *abs, char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const char *p = abs; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ULL;
	}
	snprintf(buf, len, "%s/%016llx", mmt_journal_index_dir(), (unsigned long long)h);
}

/* The journal's absolute path, whether or not the file exists yet. */
static int absolute(const char *journal, char *buf, size_t len)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(journal, '/');

	if (realpath(journal, real)) {
		snprintf(buf, len, "%s", real);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - journal) : 1,
		 slash ? journal : ".");
	if (slash == journal)
		snprintf(dir, sizeof(dir), "/");
	if (!realpath(dir, real))
		return -errno;
	if ((size_t)snprintf(buf, len, "%s/%s", strcmp(real, "/") ? real : "",
			     slash ? slash + 1 : journal) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int mmt_journal_index_add(const char *journal)
{
	char abs[PATH_MAX], entry[PATH_MAX], boot[MMT_BOOT_ID_MAX];
	char text[PATH_MAX + 128], tmp[PATH_MAX + 16];
	int fd, r;

	r = absolute(journal, abs, sizeof(abs));
	if (r < 0)
		return r;
	if (strchr(abs, '\n'))
		return -EINVAL;
	r = mmt_mkdir_p(mmt_journal_index_dir(), 0700);
	if (r < 0)
		return r;
	mmt_ident_boot_id(boot, sizeof(boot));
	index_entry(abs, entry, sizeof(entry));
	snprintf(text, sizeof(text), "boot %s\njournal %s\n", boot, abs);
	/* Whole or not at all: a tmp file renamed into place. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", entry);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = mmt_write_all(fd, text, strlen(text));
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, entry) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int mmt_journal_index_drop(const char *journal)
{
	char abs[PATH_MAX], entry[PATH_MAX];
	int r = absolute(journal, abs, sizeof(abs));

	if (r < 0)
		return r;
	index_entry(abs, entry, sizeof(entry));
	if (unlink(entry) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Read one entry: its journal if of this boot, else -ESTALE. */
static int index_read(const char *entry, const char *this_boot, char *ret, size_t len)
{
	char text[PATH_MAX + 128], *journal, *boot;
	ssize_t n = mmt_read_file(entry, text, sizeof(text));

	if (n < 0)
		return (int)n;
	boot = strstr(text, "boot ");
	journal = strstr(text, "\njournal ");
	if (!boot || !journal)
		return -EINVAL;
	boot += 5;
	journal += 9;
	journal[strcspn(journal, "\n")] = '\0';
	if (strncmp(boot, this_boot, strlen(this_boot)) || boot[strlen(this_boot)] != '\n')
		return -ESTALE;
	snprintf(ret, len, "%s", journal);
	return 0;
}

int mmt_journal_index_list(char ***ret_paths, size_t *ret_nr)
{
	const char *dir = mmt_journal_index_dir();
	char boot[MMT_BOOT_ID_MAX], entry[PATH_MAX], journal[PATH_MAX];
	struct { char *path; long long mtime; } *items = NULL;
	struct dirent **names = NULL;
	char **paths = NULL;
	size_t nr = 0;
	int n, r = 0;

	*ret_paths = NULL;
	*ret_nr = 0;
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	mmt_ident_boot_id(boot, sizeof(boot));
	items = calloc((size_t)n + 1, sizeof(*items));
	if (!items)
		r = -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct stat st;
		int e;

		if (r == 0 && names[i]->d_name[0] != '.' && !strchr(names[i]->d_name, '.')) {
			snprintf(entry, sizeof(entry), "%s/%s", dir, names[i]->d_name);
			e = index_read(entry, boot, journal, sizeof(journal));

			if (e == -ESTALE || e == -EINVAL) {
				log_debug("journal index: %s is of another boot or unreadable: dropped",
					  entry);
				unlink(entry);
			} else if (e == 0 && stat(entry, &st) == 0) {
				items[nr].path = strdup(journal);
				items[nr].mtime = (long long)st.st_mtim.tv_sec * 1000000000LL +
						  st.st_mtim.tv_nsec;
				if (!items[nr].path)
					r = -ENOMEM;
				else
					nr++;
			}
		}
		free(names[i]);
	}
	free(names);
	/* Oldest first: the order the runs started in. */
	for (size_t i = 1; i < nr; i++)
		for (size_t j = i; j > 0 && items[j - 1].mtime > items[j].mtime; j--) {
			char *p = items[j].path;
			long long m = items[j].mtime;

			items[j] = items[j - 1];
			items[j - 1].path = p;
			items[j - 1].mtime = m;
		}
	if (r == 0) {
		paths = calloc(nr + 1, sizeof(*paths));
		if (!paths)
			r = -ENOMEM;
	}
	for (size_t i = 0; i < nr; i++) {
		if (paths)
			paths[i] = items[i].path;
		else
			free(items[i].path);
	}
	free(items);
	if (r < 0) {
		free(paths);
		return r;
	}
	*ret_paths = paths;
	*ret_nr = nr;
	return 0;
}
