// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one cgroup v1/v2 layer.  (Over 1000 lines because it is the whole
 * layer: the name table, probing, create/configure/attach, reads with v1->v2
 * translation and bounded destroy belong together, behind one header.)
 *
 * The rest of mmtorture speaks v2 file names.  A small table maps them to
 * v1 (the idea of LTP's tst_cgroup.c); the mode is decided per controller,
 * because a hybrid host mounts cpuset and memory on v1 hierarchies next to
 * an (often empty) cgroup2 mount.
 *
 * libcgroup creates, configures, reads and deletes.  Three things are done
 * by hand, each for a reason given where it happens: attaching a whole
 * process in v1 (libcgroup writes "tasks", which moves one thread), the
 * hot-path fd of mmt_cg_open, and tearing down a tree after a crash, when
 * only a directory path is known (the destroy rules of the kernel
 * selftests' cgroup_util.c: ENOENT is done, EBUSY kills and retries).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libcgroup.h>
#include <linux/magic.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroup.h"
#include "lib/journal.h"
#include "lib/log.h"
#include "lib/util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define CG_PREFIX MMT_PREFIX "-"
/* Bounded wait for killed tasks to leave a cgroup being removed. */
#define DESTROY_TIMEOUT_US (5 * MMT_USEC_PER_SEC)
#define DESTROY_POLL_US 10000
/* v1 reports "no limit" as PAGE_COUNTER_MAX pages; anything this big is. */
#define V1_UNLIMITED_MIN (1ULL << 62)

enum name_avail {
	IN_BOTH,
	V2_ONLY,
	V1_ONLY,
};

struct name_entry {
	enum mmt_cg_ctrl ctrl;
	const char *v2;
	const char *v1;
	enum name_avail avail;
};

/*
 * v2 name -> v1 name.  Names not listed here pass through unchanged when
 * their prefix names a known controller (e.g. "memory.stat").
 * memory.swap.max: v1 memory.memsw.limit_in_bytes is memory + swap, so its
 * value cannot be translated alone; mmt_cg_set/mmt_cg_get add/subtract the
 * current memory limit.  memory.events has no v1 file: use
 * mmt_cg_oom_kills() for the one counter we need.
 */
static const struct name_entry names[] = {
	{ MMT_CG_CPUSET, "cpuset.cpus", "cpuset.cpus", IN_BOTH },
	{ MMT_CG_CPUSET, "cpuset.mems", "cpuset.mems", IN_BOTH },
	{ MMT_CG_CPUSET, "cpuset.cpus.effective", "cpuset.effective_cpus", IN_BOTH },
	{ MMT_CG_CPUSET, "cpuset.mems.effective", "cpuset.effective_mems", IN_BOTH },
	{ MMT_CG_CPUSET, "cpuset.memory_migrate", "cpuset.memory_migrate", V1_ONLY },
	{ MMT_CG_MEMORY, "memory.max", "memory.limit_in_bytes", IN_BOTH },
	{ MMT_CG_MEMORY, "memory.current", "memory.usage_in_bytes", IN_BOTH },
	{ MMT_CG_MEMORY, "memory.swap.max", "memory.memsw.limit_in_bytes", IN_BOTH },
	{ MMT_CG_MEMORY, "memory.peak", "memory.max_usage_in_bytes", IN_BOTH },
	{ MMT_CG_MEMORY, "memory.events", "", V2_ONLY },
	{ MMT_CG_MEMORY, "memory.pressure", "", V2_ONLY },
	{ MMT_CG_MEMORY, "memory.oom.group", "", V2_ONLY },
};

static const char *const ctrl_names[MMT_CG_NR_CTRLS] = {
	[MMT_CG_CPUSET] = "cpuset",
	[MMT_CG_MEMORY] = "memory",
};

static const struct name_entry *lookup(const char *v2_name)
{
	size_t i;

	for (i = 0; i < MMT_ARRAY_SIZE(names); i++)
		if (strcmp(names[i].v2, v2_name) == 0)
			return &names[i];
	return NULL;
}

const char *mmt_cg_ctrl_name(enum mmt_cg_ctrl ctrl)
{
	if ((unsigned)ctrl >= MMT_CG_NR_CTRLS)
		return NULL;
	return ctrl_names[ctrl];
}

const char *mmt_cg_mode_name(enum mmt_cg_mode mode)
{
	switch (mode) {
	case MMT_CG_V1:
		return "v1";
	case MMT_CG_V2:
		return "v2";
	default:
		return "none";
	}
}

int mmt_cg_ctrl_of(const char *v2_name, enum mmt_cg_ctrl *ret_ctrl)
{
	const struct name_entry *e;
	int i;

	if (!v2_name)
		return -EINVAL;
	e = lookup(v2_name);
	if (e) {
		*ret_ctrl = e->ctrl;
		return 0;
	}
	if (mmt_startswith(v2_name, "cgroup.") && v2_name[7]) {
		*ret_ctrl = MMT_CG_CPUSET;
		return 1;
	}
	for (i = 0; i < MMT_CG_NR_CTRLS; i++) {
		size_t n = strlen(ctrl_names[i]);

		if (strncmp(v2_name, ctrl_names[i], n) == 0 && v2_name[n] == '.' &&
		    v2_name[n + 1]) {
			*ret_ctrl = (enum mmt_cg_ctrl)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *mmt_cg_file_name(enum mmt_cg_mode mode, const char *v2_name)
{
	const struct name_entry *e;
	enum mmt_cg_ctrl ctrl;

	if (!v2_name || mode == MMT_CG_NONE)
		return NULL;
	e = lookup(v2_name);
	if (!e)
		return mmt_cg_ctrl_of(v2_name, &ctrl) < 0 ? NULL : v2_name;
	if (mode == MMT_CG_V2)
		return e->avail == V1_ONLY ? NULL : e->v2;
	if (e->avail == V2_ONLY)
		return NULL;
	return e->v1;
}

const char *mmt_cg_translate_value(enum mmt_cg_mode mode, const char *v2_name,
				   const char *value, char *buf, size_t len)
{
	if (!value || !v2_name || !mmt_cg_file_name(mode, v2_name))
		return NULL;
	if (mode == MMT_CG_V2)
		return value;
	/* v1 memsw is memory + swap: needs the memory limit (mmt_cg_set). */
	if (strcmp(v2_name, "memory.swap.max") == 0)
		return NULL;
	if (strcmp(v2_name, "memory.max") == 0 && strcmp(value, "max") == 0) {
		if (!buf || len < 3)
			return NULL;
		snprintf(buf, len, "-1");
		return buf;
	}
	return value;
}

/* No component may be "." or ".." (so no path can climb out). */
static bool components_ok(const char *p, bool *ret_has_prefix, bool first_only)
{
	bool first = true;

	*ret_has_prefix = false;
	while (*p) {
		const char *end;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if ((first || !first_only) && n > strlen(CG_PREFIX) &&
		    strncmp(p, CG_PREFIX, strlen(CG_PREFIX)) == 0)
			*ret_has_prefix = true;
		first = false;
		p += n;
	}
	return true;
}

bool mmt_cg_name_is_ours(const char *name)
{
	bool has;

	if (!name || name[0] == '/')
		return false;
	return components_ok(name, &has, true) && has;
}

bool mmt_cg_path_is_ours(const char *abs_path)
{
	bool has;

	if (!abs_path || abs_path[0] != '/')
		return false;
	return components_ok(abs_path, &has, false) && has;
}

/* ------------------------------------------------------------------------ */
/* libcgroup glue                                                           */

/*
 * libcgroup keeps one process-wide mount table filled by cgroup_init();
 * the once-flag and its result mirror that global state (unavoidable).
 */
static pthread_once_t lcg_once = PTHREAD_ONCE_INIT;
static int lcg_init_ret;

static void lcg_init(void)
{
	lcg_init_ret = cgroup_init();
}

static int lcg_errno(int ret)
{
	int e;

	switch (ret) {
	case 0:
		return 0;
	case ECGROUPNOTEXIST:
	case ECGROUPVALUENOTEXIST:
		return -ENOENT;
	case ECGROUPNOTMOUNTED:
	case ECGROUPSUBSYSNOTMOUNTED:
		return -ENODEV;
	case ECGROUPNOTOWNER:
	case ECGROUPNOTALLOWED:
		return -EPERM;
	case ECGNONEMPTY:
		return -EBUSY;
	case ECGINVAL:
		return -EINVAL;
	case ECGROUPUNSUPP:
		return -EOPNOTSUPP;
	default:
		e = cgroup_get_last_errno();
		return e > 0 ? -e : -EIO;
	}
}

int mmt_cg_probe(struct mmt_cg_sys *ret_sys)
{
	int i;

	memset(ret_sys, 0, sizeof(*ret_sys));
	pthread_once(&lcg_once, lcg_init);
	if (lcg_init_ret) {
		log_warn("libcgroup: cgroup_init: %s", cgroup_strerror(lcg_init_ret));
		return 0;
	}
	ret_sys->libcgroup_ok = true;
	for (i = 0; i < MMT_CG_NR_CTRLS; i++) {
		char *mp = NULL, path[PATH_MAX + 32], ctrls[512];
		struct statfs sfs;
		int r;

		r = cgroup_get_subsys_mount_point(ctrl_names[i], &mp);
		if (r || !mp) {
			free(mp);
			continue;
		}
		if (statfs(mp, &sfs) < 0 || strlen(mp) >= PATH_MAX) {
			log_warn("cgroup: statfs %s: %s", mp, strerror(errno));
			free(mp);
			continue;
		}
		snprintf(ret_sys->mount[i], PATH_MAX, "%s", mp);
		/* v1 or v2 by the file system's magic: libcgroup 2.0.2 (Debian 12)
		 * declares no cgroup_get_controller_version(). */
		if (sfs.f_type != CGROUP2_SUPER_MAGIC) {
			ret_sys->mode[i] = MMT_CG_V1;
			free(mp);
			continue;
		}
		/* v2: usable only if the root offers the controller. */
		snprintf(path, sizeof(path), "%s/cgroup.controllers", mp);
		free(mp);
		if (mmt_read_file(path, ctrls, sizeof(ctrls)) < 0)
			continue;
		for (char *save = NULL, *tok = strtok_r(ctrls, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save)) {
			if (strcmp(tok, ctrl_names[i]) == 0)
				ret_sys->mode[i] = MMT_CG_V2;
		}
		if (ret_sys->mode[i] == MMT_CG_NONE)
			ret_sys->mount[i][0] = '\0';
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* paths                                                                    */

static int join(char *buf, size_t len, const char *a, const char *b, const char *c)
{
	int n;

	if (c)
		n = snprintf(buf, len, "%s/%s/%s", a, b, c);
	else
		n = snprintf(buf, len, "%s/%s", a, b);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Which controller's hierarchy holds v2_name for this cgroup. */
static int resolve(const struct mmt_cg *cg, const char *v2_name,
		   enum mmt_cg_ctrl *ret_ctrl, const char **ret_file)
{
	enum mmt_cg_ctrl ctrl;
	const char *file;
	int r, i;

	r = mmt_cg_ctrl_of(v2_name, &ctrl);
	if (r < 0)
		return r;
	if (r == 1) {
		/* cgroup.* exists in every hierarchy: take the first we use. */
		for (i = 0; i < MMT_CG_NR_CTRLS && !cg->has[i]; i++)
			;
		if (i == MMT_CG_NR_CTRLS)
			return -ENOENT;
		ctrl = (enum mmt_cg_ctrl)i;
	}
	if (!cg->has[ctrl])
		return -ENOENT;
	file = mmt_cg_file_name(cg->sys->mode[ctrl], v2_name);
	if (!file)
		return -ENOENT;
	*ret_ctrl = ctrl;
	*ret_file = file;
	return 0;
}

int mmt_cg_path(const struct mmt_cg *cg, const char *v2_name, char *buf, size_t len)
{
	enum mmt_cg_ctrl ctrl;
	const char *file;
	int r;

	r = resolve(cg, v2_name, &ctrl, &file);
	if (r < 0)
		return -ENOENT;
	return join(buf, len, cg->sys->mount[ctrl], cg->name, file);
}

int mmt_cg_open(const struct mmt_cg *cg, const char *v2_name, int flags)
{
	char path[PATH_MAX];
	int fd, r;

	r = mmt_cg_path(cg, v2_name, path, sizeof(path));
	if (r < 0)
		return r;
	/*
	 * Raw fd on purpose: the rebinder keeps it open and pwrite()s it
	 * thousands of times a second; reopening (or going through libcgroup,
	 * which fopen()s per write) costs 4x or more (docs/design.md section 3).
	 */
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* ------------------------------------------------------------------------ */
/* create / set / get                                                       */

static bool value_first(const char *key)
{
	return strcmp(key, "cpuset.cpus") == 0 || strcmp(key, "cpuset.mems") == 0;
}

/* Unique hierarchy directories of cg (v2 controllers share one mount). */
static size_t cg_dirs(const struct mmt_cg_sys *sys, const bool has[MMT_CG_NR_CTRLS],
		      const char *rel, char dirs[MMT_CG_NR_CTRLS][PATH_MAX])
{
	size_t n = 0, j;
	int i;

	for (i = 0; i < MMT_CG_NR_CTRLS; i++) {
		char tmp[PATH_MAX];
		bool dup = false;

		if (!has[i])
			continue;
		if (join(tmp, sizeof(tmp), sys->mount[i], rel, NULL) < 0)
			continue;
		for (j = 0; j < n; j++)
			dup |= strcmp(dirs[j], tmp) == 0;
		if (!dup)
			memcpy(dirs[n++], tmp, sizeof(tmp));
	}
	return n;
}

static int lcg_write(const char *rel, const char *ctrl, const char *file,
		     const char *value)
{
	struct cgroup_controller *c;
	struct cgroup *t;
	int r;

	t = cgroup_new_cgroup(rel);
	if (!t)
		return -ENOMEM;
	c = cgroup_add_controller(t, ctrl);
	if (!c) {
		cgroup_free(&t);
		return -ENOMEM;
	}
	r = cgroup_add_value_string(c, file, value);
	if (!r)
		r = cgroup_modify_cgroup(t);
	r = lcg_errno(r);
	cgroup_free(&t);
	return r;
}

static int lcg_read(const char *rel, const char *ctrl, const char *file, char *buf,
		    size_t len)
{
	char line[4096];
	void *h = NULL;
	size_t n = 0;
	int r;

	if (len == 0)
		return -EINVAL;
	buf[0] = '\0';
	r = cgroup_read_value_begin(ctrl, rel, (char *)file, &h, line, sizeof(line));
	while (r == 0) {
		size_t l = strlen(line);

		if (n + l >= len) {
			r = -ENOBUFS;
			break;
		}
		memcpy(buf + n, line, l + 1);
		n += l;
		r = cgroup_read_value_next(&h, line, sizeof(line));
	}
	if (h)
		cgroup_read_value_end(&h);
	if (r == ECGEOF)
		r = 0;
	else if (r > 0)
		r = lcg_errno(r);
	if (r < 0)
		return r;
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/* Parent of rel ("" for the hierarchy root). */
static void parent_of(const char *rel, char *buf, size_t len)
{
	const char *slash = strrchr(rel, '/');
	size_t n = slash ? (size_t)(slash - rel) : 0;

	if (n >= len)
		n = len - 1;
	memcpy(buf, rel, n);
	buf[n] = '\0';
}

/* v2: "+ctrl" in the parent's subtree_control, unless already there. */
static int v2_enable(const char *mount, const char *parent_rel, const char *ctrl)
{
	char path[PATH_MAX], cur[512], val[64];
	int r;

	r = parent_rel[0] ? join(path, sizeof(path), mount, parent_rel,
				 "cgroup.subtree_control")
			  : join(path, sizeof(path), mount, "cgroup.subtree_control", NULL);
	if (r < 0)
		return r;
	if (mmt_read_file(path, cur, sizeof(cur)) >= 0) {
		for (char *s = NULL, *t = strtok_r(cur, " \n", &s); t;
		     t = strtok_r(NULL, " \n", &s))
			if (strcmp(t, ctrl) == 0)
				return 0;
	}
	snprintf(val, sizeof(val), "+%s", ctrl);
	r = mmt_write_file(path, val);
	if (r < 0)
		return log_err_errno(r, "cgroup: write %s to %s", val, path);
	return 0;
}

static bool given(const char *const *keys, size_t nr, const char *key)
{
	size_t k;

	for (k = 0; k < nr; k++)
		if (strcmp(keys[k], key) == 0)
			return true;
	return false;
}

/*
 * Create one level.  In v1 a new cpuset starts with empty cpus and mems: it
 * could hold no task and no child could get any.  So what the caller does
 * not give is copied from the parent (intermediate levels get both), and
 * what is given is written before anything else.
 */
static int create_level(const struct mmt_cg_sys *sys, struct mmt_journal *jr,
			const char *rel, const bool has[MMT_CG_NR_CTRLS],
			const char *const *keys, const char *const *values,
			size_t nr_values, struct cgroup **ret_lcg)
{
	char dirs[MMT_CG_NR_CTRLS][PATH_MAX], parent[PATH_MAX];
	struct cgroup_controller *ctl[MMT_CG_NR_CTRLS] = { NULL };
	char inherit[2][256];
	struct cgroup *lcg;
	size_t nd, d, k;
	int i, pass, r;

	nd = cg_dirs(sys, has, rel, dirs);
	for (d = 0; d < nd; d++) {
		struct stat st;

		if (stat(dirs[d], &st) == 0)
			continue;
		/* The undo goes to disk before the directory exists. */
		if (jr) {
			r = mmt_journal_addv(jr, "cgroup", dirs[d], NULL);
			if (r < 0)
				return log_err_errno(r, "cgroup %s: journal", rel);
		}
	}
	parent_of(rel, parent, sizeof(parent));
	for (i = 0; i < MMT_CG_NR_CTRLS; i++) {
		if (has[i] && sys->mode[i] == MMT_CG_V2) {
			r = v2_enable(sys->mount[i], parent, ctrl_names[i]);
			if (r < 0)
				return r;
		}
	}

	lcg = cgroup_new_cgroup(rel);
	if (!lcg)
		return -ENOMEM;
	for (i = 0; i < MMT_CG_NR_CTRLS; i++) {
		if (!has[i])
			continue;
		ctl[i] = cgroup_add_controller(lcg, ctrl_names[i]);
		if (!ctl[i]) {
			r = -ENOMEM;
			goto out_free;
		}
	}
	if (has[MMT_CG_CPUSET] && sys->mode[MMT_CG_CPUSET] == MMT_CG_V1) {
		static const char *const files[2] = { "cpuset.cpus", "cpuset.mems" };

		for (k = 0; k < 2; k++) {
			if (given(keys, nr_values, files[k]))
				continue;
			r = lcg_read(parent, "cpuset", files[k], inherit[k],
				     sizeof(inherit[k]));
			if (r < 0)
				goto out_free;
			r = lcg_errno(cgroup_add_value_string(ctl[MMT_CG_CPUSET], files[k],
							      inherit[k]));
			if (r < 0)
				goto out_free;
		}
	}
	/* Two passes: cpuset.cpus and cpuset.mems before anything else. */
	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < nr_values; k++) {
			enum mmt_cg_ctrl c;
			const char *file, *v;
			char vbuf[64];

			if (value_first(keys[k]) != (pass == 0))
				continue;
			r = mmt_cg_ctrl_of(keys[k], &c);
			if (r < 0 || !has[c]) {
				log_err("cgroup %s: %s: no such controller here", rel, keys[k]);
				r = -EINVAL;
				goto out_free;
			}
			file = mmt_cg_file_name(sys->mode[c], keys[k]);
			v = mmt_cg_translate_value(sys->mode[c], keys[k], values[k], vbuf,
						   sizeof(vbuf));
			if (!file) {
				log_err("cgroup %s: %s: not available in %s", rel, keys[k],
					mmt_cg_mode_name(sys->mode[c]));
				r = -EOPNOTSUPP;
				goto out_free;
			}
			if (!v)
				continue;   /* set after creation (memory.swap.max v1) */
			r = lcg_errno(cgroup_add_value_string(ctl[c], file, v));
			if (r < 0)
				goto out_free;
		}
	}
	r = cgroup_create_cgroup(lcg, 0);
	if (r) {
		r = lcg_errno(r);
		log_err_errno(r, "cgroup %s: create", rel);
		goto out_free;
	}
	if (ret_lcg) {
		*ret_lcg = lcg;
		return 0;
	}
	r = 0;
out_free:
	cgroup_free(&lcg);
	return r;
}

int mmt_cg_create(const struct mmt_cg_sys *sys, struct mmt_journal *jr,
		  const char *name, const bool ctrls[MMT_CG_NR_CTRLS],
		  const char *const *keys, const char *const *values,
		  size_t nr_values, struct mmt_cg **ret_cg)
{
	char rel[PATH_MAX];
	struct mmt_cg *cg;
	bool any = false;
	size_t k, n;
	int i, r;

	if (!mmt_cg_name_is_ours(name))
		return log_err_errno(-EPERM, "cgroup %s: not an " CG_PREFIX "* name",
				     name ? name : "(null)");
	if (!sys->libcgroup_ok)
		return log_err_errno(-ENODEV, "cgroup %s: libcgroup unavailable", name);
	for (i = 0; i < MMT_CG_NR_CTRLS; i++) {
		if (!ctrls[i])
			continue;
		if (sys->mode[i] == MMT_CG_NONE)
			return log_err_errno(-ENODEV, "cgroup %s: controller %s", name,
					     ctrl_names[i]);
		any = true;
	}
	if (!any)
		return log_err_errno(-EINVAL, "cgroup %s: no controller", name);
	while (*name == '/')
		name++;
	if (strlen(name) >= sizeof(rel))
		return -ENAMETOOLONG;

	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return -ENOMEM;
	snprintf(cg->name, sizeof(cg->name), "%s", name);
	cg->sys = sys;
	memcpy(cg->has, ctrls, sizeof(cg->has));

	/* Ancestors first, each one journalled and prepared for children. */
	n = strlen(name);
	for (k = 0; k < n; k++) {
		if (name[k] != '/' || (k > 0 && name[k - 1] == '/'))
			continue;
		memcpy(rel, name, k);
		rel[k] = '\0';
		r = create_level(sys, jr, rel, cg->has, NULL, NULL, 0, NULL);
		if (r < 0)
			goto out_free;
	}
	r = create_level(sys, jr, cg->name, cg->has, keys, values, nr_values, &cg->lcg);
	if (r < 0)
		goto out_free;
	/* Values libcgroup could not take as they were (v1 memsw). */
	for (k = 0; k < nr_values; k++) {
		enum mmt_cg_ctrl c;
		char vbuf[64];

		if (mmt_cg_ctrl_of(keys[k], &c) < 0)
			continue;
		if (mmt_cg_translate_value(sys->mode[c], keys[k], values[k], vbuf,
					   sizeof(vbuf)))
			continue;
		r = mmt_cg_set(cg, keys[k], values[k]);
		if (r < 0)
			goto out_destroy;
	}
	*ret_cg = cg;
	return 0;
out_destroy:
	mmt_cg_destroy(cg);
	return r;
out_free:
	free(cg);
	return r;
}

/* v1 memsw limit = memory limit + swap. */
static int v1_swap_value(struct mmt_cg *cg, const char *value, char *buf, size_t len)
{
	char cur[64];
	uint64_t mem, swap;
	int r;

	if (strcmp(value, "max") == 0) {
		snprintf(buf, len, "-1");
		return 0;
	}
	r = mmt_parse_size(value, &swap);
	if (r < 0)
		return r;
	r = lcg_read(cg->name, "memory", "memory.limit_in_bytes", cur, sizeof(cur));
	if (r < 0)
		return r;
	r = mmt_parse_u64(cur, &mem);
	if (r < 0)
		return r;
	if (mem >= V1_UNLIMITED_MIN) {
		snprintf(buf, len, "-1");
		return 0;
	}
	snprintf(buf, len, "%" PRIu64, mem + swap);
	return 0;
}

int mmt_cg_set(struct mmt_cg *cg, const char *v2_name, const char *value)
{
	enum mmt_cg_ctrl ctrl;
	const char *file, *v;
	char vbuf[64];
	int r;

	if (!cg || !value)
		return -EINVAL;
	r = resolve(cg, v2_name, &ctrl, &file);
	if (r < 0)
		return log_err_errno(r, "cgroup %s: %s", cg->name, v2_name);
	v = mmt_cg_translate_value(cg->sys->mode[ctrl], v2_name, value, vbuf,
				   sizeof(vbuf));
	if (!v && cg->sys->mode[ctrl] == MMT_CG_V1 &&
	    strcmp(v2_name, "memory.swap.max") == 0) {
		r = v1_swap_value(cg, value, vbuf, sizeof(vbuf));
		if (r < 0)
			return log_err_errno(r, "cgroup %s: %s=%s", cg->name, v2_name, value);
		v = vbuf;
	}
	if (!v)
		return log_err_errno(-EINVAL, "cgroup %s: %s=%s", cg->name, v2_name, value);
	r = lcg_write(cg->name, ctrl_names[ctrl], file, v);
	if (r < 0)
		return log_err_errno(r, "cgroup %s: write %s=%s", cg->name, file, v);
	return 0;
}

int mmt_cg_get(struct mmt_cg *cg, const char *v2_name, char *buf, size_t len)
{
	enum mmt_cg_ctrl ctrl;
	const char *file;
	uint64_t v, mem;
	char mbuf[64];
	int r;

	if (!cg || !buf || len == 0)
		return -EINVAL;
	r = resolve(cg, v2_name, &ctrl, &file);
	if (r < 0)
		return r;
	r = lcg_read(cg->name, ctrl_names[ctrl], file, buf, len);
	if (r < 0 || cg->sys->mode[ctrl] != MMT_CG_V1)
		return r;
	/* Back to v2 form: "max" for no limit, swap alone for memsw. */
	if (strcmp(v2_name, "memory.max") && strcmp(v2_name, "memory.swap.max"))
		return 0;
	if (mmt_parse_u64(buf, &v) < 0)
		return 0;
	if (v >= V1_UNLIMITED_MIN) {
		snprintf(buf, len, "max");
		return 0;
	}
	if (strcmp(v2_name, "memory.swap.max") == 0) {
		r = lcg_read(cg->name, "memory", "memory.limit_in_bytes", mbuf,
			     sizeof(mbuf));
		if (r < 0 || mmt_parse_u64(mbuf, &mem) < 0)
			return r < 0 ? r : -EIO;
		snprintf(buf, len, "%" PRIu64, v > mem ? v - mem : 0);
	}
	return 0;
}

int mmt_cg_oom_kills(const struct mmt_cg *cg, uint64_t *ret_n)
{
	char path[PATH_MAX], text[2048];
	const char *file;
	ssize_t n;
	int r;

	if (!cg || !cg->has[MMT_CG_MEMORY])
		return -ENOENT;
	file = cg->sys->mode[MMT_CG_MEMORY] == MMT_CG_V2 ? "memory.events"
						       : "memory.oom_control";
	r = join(path, sizeof(path), cg->sys->mount[MMT_CG_MEMORY], cg->name, file);
	if (r < 0)
		return r;
	n = mmt_read_file(path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	return mmt_kv_lookup(text, "oom_kill", ret_n);
}

/* ------------------------------------------------------------------------ */
/* attach                                                                   */

int mmt_cg_attach(struct mmt_cg *cg, pid_t pid)
{
	char dirs[MMT_CG_NR_CTRLS][PATH_MAX], path[PATH_MAX + 16], val[32];
	size_t nd, d;
	int r;

	if (!cg || pid <= 0)
		return -EINVAL;
	/*
	 * By hand: libcgroup 2.0.2's cgroup_attach_task_pid() writes the v1
	 * "tasks" file, which moves a single thread.  cgroup.procs moves the
	 * whole thread group atomically, in v1 and v2 alike.
	 */
	nd = cg_dirs(cg->sys, cg->has, cg->name, dirs);
	snprintf(val, sizeof(val), "%d", (int)pid);
	for (d = 0; d < nd; d++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", dirs[d]);
		r = mmt_write_file(path, val);
		if (r < 0)
			return log_err_errno(r, "cgroup %s: attach pid %d", dirs[d], (int)pid);
	}
	return 0;
}

int mmt_cg_attach_thread(struct mmt_cg *cg, pid_t tid)
{
	int i, r;

	if (!cg || !cg->lcg || tid <= 0)
		return -EINVAL;
	for (i = 0; i < MMT_CG_NR_CTRLS; i++)
		if (cg->has[i] && cg->sys->mode[i] == MMT_CG_V2)
			return log_err_errno(-EOPNOTSUPP, "cgroup %s: v2 thread attach",
					     cg->name);
	r = lcg_errno(cgroup_attach_task_pid(cg->lcg, tid));
	if (r < 0)
		return log_err_errno(r, "cgroup %s: attach tid %d", cg->name, (int)tid);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* destroy                                                                  */

static int parse_pids(const char *text, pid_t **ret_pids, size_t *ret_nr)
{
	size_t nr = 0, cap = 0;
	pid_t *pids = NULL, *np;
	const char *p = text;

	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p) {
			p++;
			continue;
		}
		p = end;
		if (v <= 0)
			continue;
		if (nr == cap) {
			cap = cap ? cap * 2 : 16;
			np = realloc(pids, cap * sizeof(*pids));
			if (!np) {
				free(pids);
				return -ENOMEM;
			}
			pids = np;
		}
		pids[nr++] = (pid_t)v;
	}
	*ret_pids = pids;
	*ret_nr = nr;
	return 0;
}

static int read_pid_file(const char *abs_dir, const char *file, pid_t **ret_pids,
			 size_t *ret_nr)
{
	char path[PATH_MAX];
	char *text = NULL;
	ssize_t n;
	int r;

	r = join(path, sizeof(path), abs_dir, file, NULL);
	if (r < 0)
		return r;
	n = mmt_read_file_alloc(path, &text);
	if (n < 0)
		return (int)n;
	r = parse_pids(text, ret_pids, ret_nr);
	free(text);
	return r;
}

size_t mmt_cg_kill_tasks(const char *abs_dir)
{
	static const char *const files[] = { "cgroup.procs", "tasks" };
	char kill_path[PATH_MAX];
	size_t found = 0, f, i, nr;
	bool self = false;
	pid_t *pids;

	/* Who is there: the count the caller waits on, and never ourselves. */
	for (f = 0; f < MMT_ARRAY_SIZE(files); f++) {
		if (read_pid_file(abs_dir, files[f], &pids, &nr) < 0)
			continue;
		for (i = 0; i < nr; i++) {
			if (pids[i] == getpid())
				self = true;
			else
				found++;
		}
		free(pids);
	}
	if (!found)
		return 0;
	/* v2 (5.14+): one write kills the whole subtree, forks included. */
	if (!self && join(kill_path, sizeof(kill_path), abs_dir, "cgroup.kill", NULL) == 0 &&
	    mmt_write_file(kill_path, "1") == 0)
		return found;
	found = 0;
	for (f = 0; f < MMT_ARRAY_SIZE(files); f++) {
		if (read_pid_file(abs_dir, files[f], &pids, &nr) < 0)
			continue;
		for (i = 0; i < nr; i++) {
			if (pids[i] == getpid())
				continue;   /* never ourselves */
			if (kill(pids[i], SIGKILL) == 0)
				found++;
		}
		free(pids);
	}
	return found;
}

int mmt_cg_drain(const char *abs_dir)
{
	uint64_t deadline = mmt_now_us() + DESTROY_TIMEOUT_US;

	while (mmt_cg_kill_tasks(abs_dir) > 0) {
		if (mmt_now_us() >= deadline)
			return -EBUSY;
		mmt_sleep_us(DESTROY_POLL_US);
	}
	return 0;
}

/*
 * Our own recursive delete, not libcgroup's cgroup_delete_cgroup_ext(
 * CGFLAG_DELETE_RECURSIVE): that one migrates the tasks to the parent
 * group, and a hog must never leave its memory limit; we kill the tasks
 * (cgroup.kill first) and remove the groups bottom-up, bounded in time.
 */
static int destroy_tree(const char *abs_path, int depth);

/* Remove every child directory of abs_path, depth-first. */
static int destroy_children(const char *abs_path, int depth)
{
	char child[PATH_MAX];
	struct dirent *de;
	int r = 0, rc;
	DIR *dir;

	if (depth > 64)
		return -ELOOP;
	dir = opendir(abs_path);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (join(child, sizeof(child), abs_path, de->d_name, NULL) < 0)
			continue;
		rc = destroy_tree(child, depth + 1);
		if (rc < 0 && r == 0)
			r = rc;
	}
	closedir(dir);
	return r;
}

/* Children first, then kill-and-rmdir; the caller checked the path is ours. */
static int destroy_tree(const char *abs_path, int depth)
{
	uint64_t deadline;
	int r;

	r = destroy_children(abs_path, depth);
	if (r < 0)
		return r;
	deadline = mmt_now_us() + DESTROY_TIMEOUT_US;
	for (;;) {
		if (rmdir(abs_path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return log_err_errno(-errno, "cgroup: rmdir %s", abs_path);
		if (mmt_now_us() >= deadline)
			return log_err_errno(-EBUSY, "cgroup: rmdir %s: tasks remain",
					     abs_path);
		mmt_cg_kill_tasks(abs_path);
		mmt_sleep_us(DESTROY_POLL_US);
	}
}

int mmt_cg_destroy_path(const char *abs_path)
{
	if (!mmt_cg_path_is_ours(abs_path))
		return log_err_errno(-EPERM, "cgroup: refusing to remove %s",
				     abs_path ? abs_path : "(null)");
	return destroy_tree(abs_path, 0);
}

int mmt_cg_destroy(struct mmt_cg *cg)
{
	char dirs[MMT_CG_NR_CTRLS][PATH_MAX];
	bool empty = true;
	size_t nd, d;
	int r = 0, rc;

	if (!cg)
		return 0;
	nd = cg_dirs(cg->sys, cg->has, cg->name, dirs);
	if (cg->lcg && mmt_cg_name_is_ours(cg->name)) {
		/*
		 * libcgroup's delete moves leftover tasks to the parent: remove
		 * the children and kill our tasks first so that nothing of
		 * ours escapes, then let it remove the empty group from every
		 * hierarchy.
		 */
		for (d = 0; d < nd; d++) {
			if (destroy_children(dirs[d], 0) < 0 || mmt_cg_drain(dirs[d]) < 0)
				empty = false;
		}
		if (empty) {
			rc = cgroup_delete_cgroup(cg->lcg, 0);
			if (rc && rc != ECGROUPNOTEXIST)
				log_debug("cgroup %s: libcgroup delete: %s", cg->name,
					  cgroup_strerror(rc));
		}
	}
	/* Whatever is left (or all of it, without a handle): by path. */
	for (d = 0; d < nd; d++) {
		rc = mmt_cg_destroy_path(dirs[d]);
		if (rc < 0 && r == 0)
			r = rc;
	}
	if (cg->lcg)
		cgroup_free(&cg->lcg);
	free(cg);
	return r;
}

int mmt_cg_memcg_of_text(const char *text, char *buf, size_t len)
{
	const char *v2 = NULL, *v2_end = NULL;

	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n'), *c1 = strchr(line, ':'), *c2;

		if (!end)
			end = line + strlen(line);
		c2 = c1 && c1 < end ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2) {
			const char *ctrl = c1 + 1;
			bool memory = false;

			/* "memory" among the comma-separated controllers */
			for (const char *p = ctrl; p < c2;) {
				const char *q = memchr(p, ',', (size_t)(c2 - p));

				if (!q)
					q = c2;
				memory |= q - p == 6 && !strncmp(p, "memory", 6);
				p = q + 1;
			}
			if (memory || (c2 == ctrl && !strncmp(line, "0:", 2))) {
				size_t n = (size_t)(end - c2 - 1);

				if (memory) {
					if (n >= len)
						return -ENAMETOOLONG;
					memcpy(buf, c2 + 1, n);
					buf[n] = '\0';
					return 0;
				}
				v2 = c2 + 1;
				v2_end = end;
			}
		}
		line = *end ? end + 1 : NULL;
	}
	if (!v2)
		return -ENOENT;
	if ((size_t)(v2_end - v2) >= len)
		return -ENAMETOOLONG;
	memcpy(buf, v2, (size_t)(v2_end - v2));
	buf[v2_end - v2] = '\0';
	return 0;
}

int mmt_cg_memcg_of(int64_t pid, char *buf, size_t len)
{
	char path[48], text[4096], *lcg_path = NULL;
	ssize_t r;

	if (pid <= 0 || pid > INT32_MAX)
		return -EINVAL;
	/* libcgroup first (v1 hierarchies) ... */
	pthread_once(&lcg_once, lcg_init);
	if (lcg_init_ret == 0 &&
	    cgroup_get_current_controller_path((pid_t)pid, "memory", &lcg_path) == 0 && lcg_path) {
		int n = snprintf(buf, len, "%s%s", *lcg_path == '/' ? "" : "/", lcg_path);

		free(lcg_path);
		return n >= 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
	}
	free(lcg_path);
	/* ... our parse where 2.0.2 does not read the v2 "0::" line */
	snprintf(path, sizeof(path), "/proc/%" PRId64 "/cgroup", pid);
	r = mmt_read_file(path, text, sizeof(text));
	if (r < 0)
		return r == -ENOENT ? -ESRCH : (int)r;
	return mmt_cg_memcg_of_text(text, buf, len);
}
