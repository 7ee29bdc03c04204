// SPDX-License-Identifier: GPL-2.0-only
/*
 * nfs: an NFS mount at <run dir>/mmtorture-nfs for the writeback (target=nfs)
 * and swap (backing=nfs) injectors.  Either mount a given export
 * (server:/path), or start a loopback server: the kernel nfsd with rpcbind,
 * rpc.mountd, rpc.nfsd and exportfs from nfs-kernel-server, bound to
 * 127.0.0.1 and exporting a directory under the run to 127.0.0.1 only.
 * Every daemon, export and mount is journalled before it exists.
 *
 * freeze_at (loopback server only): the positive control of the writeback
 * seed over NFS.  At freeze_at the injector's thread stops the nfsd threads
 * ("0" into /proc/fs/nfsd/threads, which closes the server's sockets): the
 * client's RPCs on the hard mount are retried forever, so a task waiting
 * for its pages' writeback (fsync: folio_wait_writeback(), uninterruptible)
 * cannot finish, and an OOM victim among such tasks cannot exit.  The thaw
 * (after freeze_for, else when the run stops, before its workers are
 * stopped: the "stopping" op) runs rpc.nfsd with the
 * start's arguments again, so the server listens on 127.0.0.1 only, and the
 * client's writes complete before the umount.  A crash while frozen leaves
 * the journal's undo: the mount detached (its unwritten pages stay with the
 * kernel's flusher until the next boot) and nfsd stopped.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lib/sysfx/exec.h"
#include "lib/sysfx/fs.h"
#include "lib/sysfx/swap.h"
#include "lib/undo.h"
#include "injectors/nfs.h"
#include "injectors/services.h"
#include "injectors/injectors.h"
#include "lib/journal.h"
#include "lib/log.h"
#include "api/injector.h"
#include "lib/util.h"

#define ETAB "/var/lib/nfs/etab"

#ifndef NFSD_MAGIC
#define NFSD_MAGIC 0x6e667364
#endif

static const char *const vers_names[] = { "3", "4", "4.1", "4.2", NULL };

struct nfs_opts {
	char export[MMT_OPT_STRLEN];
	int vers;
	char mount_opts[MMT_OPT_STRLEN];
	uint64_t grace_us;
	uint64_t lease_us;
	uint64_t threads;
	uint64_t wait_us;
	uint64_t freeze_at_us;
	uint64_t freeze_for_us;
};

#define OFF(f) offsetof(struct nfs_opts, f)
static const struct mmt_opt nfs_opts[] = {
	{ "export", MMT_OPT_STR, OFF(export), 0, 0, "", NULL,
	  "server:/path to mount (the server as an IP address); empty: start a "
	  "loopback server on 127.0.0.1 exporting a directory of the run" },
	{ "vers", MMT_OPT_ENUM, OFF(vers), 0, 0, "3", vers_names,
	  "NFS version (v3 has no grace period to wait out)" },
	{ "mount_opts", MMT_OPT_STR, OFF(mount_opts), 0, 0, "hard", NULL,
	  "extra NFS mount options, comma-separated" },
	{ "grace", MMT_OPT_DURATION, OFF(grace_us), 1000000, 0, "10s", NULL,
	  "loopback server: NFSv4 grace period (rpc.nfsd -G)" },
	{ "lease", MMT_OPT_DURATION, OFF(lease_us), 1000000, 0, "15s", NULL,
	  "loopback server: NFSv4 lease time (rpc.nfsd -L)" },
	{ "threads", MMT_OPT_U64, OFF(threads), 1, 256, "4", NULL,
	  "loopback server: nfsd threads" },
	{ "wait", MMT_OPT_DURATION, OFF(wait_us), 1000000, 0, "60s", NULL,
	  "how long to retry the mount while the server comes up" },
	{ "freeze_at", MMT_OPT_DURATION, OFF(freeze_at_us), 0, 0, "0", NULL,
	  "loopback server: stop the nfsd threads this long after the mount (a "
	  "positive control: writeback to the mount cannot complete); 0: never" },
	{ "freeze_for", MMT_OPT_DURATION, OFF(freeze_for_us), 0, 0, "0", NULL,
	  "how long nfsd stays stopped; 0: until the run stops (the thaw is the "
	  "first step of the stop)" },
	MMT_OPT_END,
};
#undef OFF

static const char *const nfs_columns[] = { "mounted", "frozen", NULL };

/* ---- pure generators (unit-tested) --------------------------------------------- */

int mmt_nfs_export_opts(unsigned fsid, char *buf, size_t len)
{
	int n = snprintf(buf, len, "rw,sync,no_subtree_check,no_root_squash,insecure,fsid=%u",
			 fsid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int mmt_nfs_exports_line(const char *dir, const char *client, unsigned fsid,
			 char *buf, size_t len)
{
	char opts[128];
	int n;

	if (!dir || dir[0] != '/' || !client || !*client || strpbrk(dir, " \t\n"))
		return -EINVAL;
	mmt_nfs_export_opts(fsid, opts, sizeof(opts));
	n = snprintf(buf, len, "%s %s(%s)", dir, client, opts);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool is_v3(const char *vers)
{
	return !strcmp(vers, "3");
}

int mmt_nfs_nfsd_argv(const char *host, unsigned grace_s, unsigned lease_s,
		      const char *vers, unsigned threads, char *buf, size_t len,
		      const char **argv, unsigned max)
{
	unsigned n = 0;
	size_t used = 0;
	const char *words[16];
	unsigned nw = 0;
	char num[4][16];

	snprintf(num[0], sizeof(num[0]), "%u", grace_s);
	snprintf(num[1], sizeof(num[1]), "%u", lease_s);
	snprintf(num[2], sizeof(num[2]), "%u", threads);
	words[nw++] = "rpc.nfsd";
	words[nw++] = "-H";
	words[nw++] = host;
	words[nw++] = "-G";
	words[nw++] = num[0];
	words[nw++] = "-L";
	words[nw++] = num[1];
	words[nw++] = "-N";
	words[nw++] = is_v3(vers) ? "4" : "3";
	words[nw++] = num[2];
	if (nw + 1 > max)
		return -E2BIG;
	/* argv points into buf, which owns the strings. */
	for (unsigned i = 0; i < nw; i++) {
		size_t l = strlen(words[i]) + 1;

		if (used + l > len)
			return -ENAMETOOLONG;
		memcpy(buf + used, words[i], l);
		argv[n++] = buf + used;
		used += l;
	}
	argv[n] = NULL;
	return (int)n;
}

int mmt_nfs_mount_data(const char *vers, const char *addr, const char *extra,
		       char *buf, size_t len)
{
	int n;

	if (!addr || !*addr)
		return -EINVAL;
	if (is_v3(vers))
		n = snprintf(buf, len, "vers=3,addr=%s,proto=tcp,mountproto=tcp,"
			     "mountaddr=%s,nolock%s%s", addr, addr,
			     extra && *extra ? "," : "", extra ? extra : "");
	else
		n = snprintf(buf, len, "vers=%s,addr=%s,clientaddr=%s%s%s", vers, addr,
			     !strcmp(addr, "127.0.0.1") ? "127.0.0.1" : "0.0.0.0",
			     extra && *extra ? "," : "", extra ? extra : "");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ---- the injector ------------------------------------------------------------- */

#define NFS_MAX_DAEMONS 2

struct nfs_state {
	struct mmt_inj *inj;
	const struct nfs_opts *o;
	struct mmt_ith ith;
	struct mmt_undo server_undo;   /* export dir, rpcbind, rpc.mountd */
	struct mmt_undo undo;          /* export, mount point, mount */
	char export_dir[PATH_MAX];
	char mnt[PATH_MAX];
	char src[PATH_MAX + 64];
	char err[256];
	int pidfd[NFS_MAX_DAEMONS];
	unsigned nr_pidfd;
	atomic_bool mounted, failed, frozen;
	unsigned freezes;
	bool nfsd_ours, nfsd_fs_ours, etab_ours;
	bool deferred;                 /* teardown left to the final replay */
	uint64_t mount_us;
};

static int nfs_validate(struct mmt_injector_cfg *cfg, const struct mmt_job *job,
			char *err, size_t err_len)
{
	const struct nfs_opts *o = cfg->opts;
	unsigned n = 0;

	for (unsigned i = 0; i < job->nr_injectors; i++)
		if (job->injectors[i].ops == cfg->ops)
			n++;
	if (n > 1)
		return mmt_svc_verr(cfg, "export", err, err_len,
				    "one [nfs] section per job (its mount is shared)");
	if (o->export[0] && (!strchr(o->export, ':') || strchr(o->export, ':')[1] != '/'))
		return mmt_svc_verr(cfg, "export", err, err_len,
				    "'%s' is not server:/path", o->export);
	if ((o->freeze_at_us || o->freeze_for_us) && o->export[0])
		return mmt_svc_verr(cfg, "freeze_at", err, err_len,
				    "needs the loopback server (export empty): a remote "
				    "server is not ours to stop");
	if (o->freeze_for_us && !o->freeze_at_us)
		return mmt_svc_verr(cfg, "freeze_for", err, err_len, "needs freeze_at");
	return 0;
}

static bool need(const char *prog, const char *pkg, char *why, size_t why_len)
{
	char path[PATH_MAX];

	if (mmt_exec_find_prog(prog, path, sizeof(path)))
		return true;
	snprintf(why, why_len, "%s not found (install %s)", prog, pkg);
	return false;
}

static int nfs_probe(struct mmt_inj *inj, char *why, size_t why_len)
{
	struct nfs_state *s = inj->priv;

	s->inj = inj;
	s->o = inj->opts;
	if (mmt_exec_probe_fs("nfs", "NFS client", why, why_len))
		return 1;
	if (s->o->export[0])
		return 0;
	if (mmt_exec_probe_fs("nfsd", "NFS server", why, why_len))
		return 1;
	{
		char flags[32];
		uint64_t f = 0;

		/* The server is bound to 127.0.0.1: lo must be up (IFF_UP). */
		if (mmt_read_file("/sys/class/net/lo/flags", flags, sizeof(flags)) >= 0 &&
		    sscanf(flags, "%" SCNx64, &f) == 1 && !(f & 1)) {
			snprintf(why, why_len, "the loopback interface lo is down (the NFS "
				 "server listens on 127.0.0.1 only)");
			return 1;
		}
	}
	if (access("/var/lib/nfs", W_OK) < 0) {
		snprintf(why, why_len, "no /var/lib/nfs for the NFS server's tables "
			 "(install nfs-kernel-server)");
		return 1;
	}
	if (!need("rpc.nfsd", "nfs-kernel-server", why, why_len) ||
	    !need("rpc.mountd", "nfs-kernel-server", why, why_len) ||
	    !need("exportfs", "nfs-kernel-server", why, why_len) ||
	    !need("rpcbind", "rpcbind", why, why_len))
		return 1;
	return 0;
}

static int make_path(struct nfs_state *s, const char *suffix, char *buf, size_t len)
{
	char name[NAME_MAX];
	int r = mmt_svc_name(mmt_inj_run_id(s->inj), s->inj->cfg->name, suffix, name, sizeof(name));

	if (r < 0)
		return r;
	if ((size_t)snprintf(buf, len, "%s/%s", mmt_inj_dir(s->inj), name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Start a daemon in the foreground as our (unreaped-by-others) child; its
 * pid file is journalled first ("daemon PIDFILE NAME"). */
static int start_daemon(struct nfs_state *s, const char *name, const char *const *argv)
{
	char pidfile[PATH_MAX], pid_text[32];
	int seq, pid, pidfd, fd, r;

	r = make_path(s, name, pidfile, sizeof(pidfile));
	if (r < 0)
		return r;
	strncat(pidfile, ".pid", sizeof(pidfile) - strlen(pidfile) - 1);
	seq = mmt_journal_addv(mmt_inj_journal(s->inj), "daemon", pidfile, name, NULL);
	if (seq < 0)
		return log_err_errno(seq, "journal daemon %s", name);
	mmt_undo_push(&s->server_undo, seq);
	pid = mmt_exec_spawn(argv, &pidfd);
	if (pid < 0)
		return log_err_errno(pid, "spawn %s", name);
	if (s->nr_pidfd < NFS_MAX_DAEMONS)
		s->pidfd[s->nr_pidfd++] = pidfd;
	else
		close(pidfd);
	snprintf(pid_text, sizeof(pid_text), "%d\n", pid);
	fd = open(pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return log_err_errno(-errno, "create %s", pidfile);
	r = mmt_write_all(fd, pid_text, strlen(pid_text));
	close(fd);
	if (r < 0)
		return log_err_errno(r, "write %s", pidfile);
	return 0;
}

static int run_prog(struct nfs_state *s, const char *const *argv)
{
	int r;

	mmt_ith_busy(&s->ith, argv[0]);
	r = mmt_exec_run(argv, s->err, sizeof(s->err));
	mmt_ith_busy(&s->ith, NULL);
	if (r < 0)
		log_err("%s: %s failed: %s", s->inj->cfg->name, argv[0], s->err);
	return r;
}

/* Does an rpcbind answer on its socket (a stale socket file does not)? */
static bool rpcbind_up(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool up;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/run/rpcbind.sock");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	up = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return up;
}

static unsigned fsid_of(const char *id)
{
	uint32_t h = 2166136261u;

	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return (h & 0x7fffffff) | 1;
}

/* rpc.nfsd with the start's arguments (bound to 127.0.0.1). */
static int run_nfsd(struct nfs_state *s)
{
	char nfsd_buf[256];
	const char *nfsd_argv[16];
	int r;

	r = mmt_nfs_nfsd_argv("127.0.0.1", (unsigned)(s->o->grace_us / MMT_USEC_PER_SEC),
			      (unsigned)(s->o->lease_us / MMT_USEC_PER_SEC),
			      vers_names[s->o->vers], (unsigned)s->o->threads, nfsd_buf,
			      sizeof(nfsd_buf), nfsd_argv, MMT_ARRAY_SIZE(nfsd_argv));
	return r < 0 ? r : run_prog(s, nfsd_argv);
}

static int start_server(struct nfs_state *s)
{
	struct mmt_journal *jr = mmt_inj_journal(s->inj);
	char opts[128], client[PATH_MAX + 16], threads[32];
	struct statfs sf;
	int r, seq = 0;

	r = make_path(s, "export", s->export_dir, sizeof(s->export_dir));
	if (r < 0)
		return r;
	r = mmt_fs_mkdir(jr, s->export_dir, &seq);
	mmt_undo_push(&s->server_undo, seq);
	if (r < 0)
		return r;
	/*
	 * /proc/fs/nfsd and the nfsd threads carry no name of ours, and the
	 * journal refuses such undos ("mount" and "sysctl" want an mmtorture
	 * path or /proc/sys): they are undone by the thread's teardown only.
	 */
	if (statfs("/proc/fs/nfsd", &sf) < 0 || sf.f_type != NFSD_MAGIC) {
		if (mount("nfsd", "/proc/fs/nfsd", "nfsd", 0, NULL) < 0)
			return log_err_errno(-errno, "mount nfsd on /proc/fs/nfsd");
		s->nfsd_fs_ours = true;
	}
	/*
	 * An rpcbind already running is not ours: use it, stop nothing of
	 * it.  Ours gets no "-h 127.0.0.1": Debian 12's rpcbind 1.2.6 aborts
	 * with it (a double free, found in the lab VM); the exports and nfsd
	 * (-H) are what stay on 127.0.0.1.
	 */
	if (!rpcbind_up()) {
		const char *argv[] = { "rpcbind", "-f", NULL };

		r = start_daemon(s, "rpcbind", argv);
		if (r < 0)
			return r;
		for (int i = 0; i < 50 && !rpcbind_up(); i++)
			if (mmt_ith_sleep(&s->ith, 100000))
				return -ECANCELED;
		if (!rpcbind_up())
			return log_err_errno(-ECONNREFUSED, "%s: rpcbind did not come up",
					     s->inj->cfg->name);
	}
	if (mmt_read_file("/proc/fs/nfsd/threads", threads, sizeof(threads)) < 0 ||
	    !strcmp(mmt_strstrip(threads), "0")) {
		const char *argv[] = { "rpc.mountd", "-F", NULL };

		r = start_daemon(s, "rpc.mountd", argv);
		if (r < 0)
			return r;
		s->nfsd_ours = true;
		/* The kernel threads outlive every daemon: after a crash the
		 * journal stops them ("0" into /proc/fs/nfsd/threads). */
		seq = mmt_journal_addv(mmt_inj_journal(s->inj), "sysctl",
				       "/proc/fs/nfsd/threads", "0", NULL);
		if (seq < 0)
			return seq;
		mmt_undo_push(&s->server_undo, seq);
		r = run_nfsd(s);
		if (r < 0)
			return r;
	}
	/*
	 * exportfs refuses to work without its table, which nfs-server's
	 * start creates (found in the lab VM).  An empty one is what it
	 * would create; ours is removed at teardown (not journalled: the
	 * path is not ours, and an empty table is harmless).
	 */
	if (access(ETAB, F_OK) < 0 && errno == ENOENT) {
		int fd = open(ETAB, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (fd < 0)
			return log_err_errno(-errno, "create %s", ETAB);
		close(fd);
		s->etab_ours = true;
	}
	mmt_nfs_export_opts(fsid_of(mmt_inj_run_id(s->inj)), opts, sizeof(opts));
	snprintf(client, sizeof(client), "127.0.0.1:%s", s->export_dir);
	seq = mmt_journal_addv(jr, "export", client, NULL);
	if (seq < 0)
		return seq;
	mmt_undo_push(&s->undo, seq);
	{
		const char *argv[] = { "exportfs", "-o", opts, client, NULL };

		r = run_prog(s, argv);
	}
	if (r < 0)
		return r;
	snprintf(s->src, sizeof(s->src), "127.0.0.1:%s", s->export_dir);
	return 0;
}

/* server:/path -> IPv4 text in addr (mount(2) does not resolve names). */
static int resolve(const char *export, char *addr, size_t len)
{
	char host[256];
	const char *colon = strchr(export, ':');
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	int r;

	snprintf(host, sizeof(host), "%.*s", (int)(colon - export), export);
	r = getaddrinfo(host, NULL, &hints, &ai);
	if (r)
		return log_err_errno(-EHOSTUNREACH, "resolve %s: %s", host, gai_strerror(r));
	inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, addr, (socklen_t)len);
	freeaddrinfo(ai);
	return 0;
}

static int do_mount(struct nfs_state *s, const char *addr)
{
	struct mmt_journal *jr = mmt_inj_journal(s->inj);
	const char *vers = vers_names[s->o->vers];
	char data[512];
	uint64_t t0 = mmt_now_us(), end = t0 + s->o->wait_us;
	int r, seq = 0;

	r = mmt_nfs_mount_data(vers, addr, s->o->mount_opts, data, sizeof(data));
	if (r < 0)
		return r;
	mmt_fs_nfs_dir(mmt_inj_dir(s->inj), s->mnt, sizeof(s->mnt));
	r = mmt_fs_mkdir(jr, s->mnt, &seq);
	mmt_undo_push(&s->undo, seq);
	if (r < 0)
		return r;
	for (;;) {
		mmt_ith_busy(&s->ith, "nfs mount");
		r = mmt_fs_mount(jr, s->src, s->mnt, is_v3(vers) ? "nfs" : "nfs4", 0, data, &seq);
		mmt_ith_busy(&s->ith, NULL);
		if (r == 0) {
			mmt_undo_push(&s->undo, seq);
			break;
		}
		if (seq > 0)
			mmt_journal_undo(jr, seq);      /* nothing mounted */
		if (mmt_now_us() > end)
			return r;
		if (mmt_ith_sleep(&s->ith, 500000))
			return -ECANCELED;
	}
	s->mount_us = mmt_now_us() - t0;
	return 0;
}

struct swaps_under_ctx {
	const char *dir;
	size_t len;
	unsigned left;
};

static void swaps_under_cb(const char *name, uint64_t size_kb, uint64_t used_kb, void *arg)
{
	struct swaps_under_ctx *c = arg;

	if (strncmp(name, c->dir, c->len) || name[c->len] != '/')
		return;
	/* Under our own mount: ours (the journal holds its swapon and file). */
	if (mmt_swap_off_raw(name) < 0)
		c->left++;
	else if (strstr(name, MMT_PREFIX "-"))
		unlink(name);
}

/*
 * Files of this run left in the export directory (a swap file whose undo
 * was deferred, seen from the server side) would keep it from going.
 * Only names of this run are removed.
 */
static void sweep_export(struct nfs_state *s)
{
	char prefix[NAME_MAX], path[PATH_MAX + NAME_MAX];
	struct dirent *de;
	DIR *d;

	if (!s->export_dir[0] || mmt_svc_name(mmt_inj_run_id(s->inj), "", NULL, prefix,
					      sizeof(prefix)) < 0)
		return;
	d = opendir(s->export_dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!mmt_startswith(de->d_name, prefix))
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->export_dir, de->d_name);
		if (unlink(path) == 0)
			log_info("%s: removed %s", s->inj->cfg->name, path);
	}
	closedir(d);
}

/* Swap off every area under dir; true when none is left. */
static bool swaps_under(struct nfs_state *s, const char *dir)
{
	struct swaps_under_ctx c = { .dir = dir, .len = strlen(dir) };
	char text[16384];

	if (mmt_read_file("/proc/swaps", text, sizeof(text)) < 0)
		return true;
	mmt_ith_busy(&s->ith, "teardown (swapoff on NFS)");
	mmt_swap_parse_swaps(text, swaps_under_cb, &c);
	mmt_ith_busy(&s->ith, NULL);
	return c.left == 0;
}

/*
 * Stop our nfsd threads (freeze_at): the write returns once every thread
 * has finished its request and exited.  Only a server this run started.
 */
static void freeze(struct nfs_state *s)
{
	json_object *ex;
	uint64_t t0 = mmt_now_us();
	int r;

	if (!s->nfsd_ours) {
		mmt_inj_finding(s->inj, MMT_F_HARNESS, "%s: freeze_at: nfsd was running before "
				"the run; it is not ours to stop", s->inj->cfg->name);
		return;
	}
	atomic_store(&s->frozen, true);        /* thawed even if the write failed */
	mmt_ith_busy(&s->ith, "nfs freeze (nfsd threads 0)");
	r = mmt_write_file("/proc/fs/nfsd/threads", "0");
	mmt_ith_busy(&s->ith, NULL);
	if (r < 0) {
		mmt_inj_finding(s->inj, MMT_F_HARNESS, "%s: cannot stop nfsd: %s",
				s->inj->cfg->name, strerror(-r));
		return;
	}
	s->freezes++;
	ex = json_object_new_object();
	json_object_object_add(ex, "mount", json_object_new_string(s->mnt));
	json_object_object_add(ex, "stop_us", json_object_new_uint64(mmt_now_us() - t0));
	json_object_object_add(ex, "for_us", json_object_new_uint64(s->o->freeze_for_us));
	mmt_svc_event(s->inj, "freeze", ex);
}

/* Start nfsd again, as at the start; a failure is left to the journal. */
static void thaw(struct nfs_state *s)
{
	int r;

	if (!atomic_load(&s->frozen))
		return;
	mmt_ith_busy(&s->ith, "nfs thaw (rpc.nfsd)");
	r = run_nfsd(s);
	mmt_ith_busy(&s->ith, NULL);
	if (r < 0) {
		mmt_inj_finding(s->inj, MMT_F_HARNESS, "%s: cannot start nfsd again: %s%s%s",
				s->inj->cfg->name, strerror(-r), s->err[0] ? ": " : "", s->err);
		return;
	}
	atomic_store(&s->frozen, false);
	mmt_svc_event(s->inj, "thaw", NULL);
}

static void thaw_cb(void *arg)
{
	thaw(arg);
}

/* Mounted: hold the mount until stop, frozen from freeze_at for freeze_for. */
static void hold_mount(struct nfs_state *s)
{
	const struct nfs_opts *o = s->o;
	uint64_t thaw_at = 0;

	if (o->freeze_at_us) {
		if (mmt_ith_sleep(&s->ith, o->freeze_at_us))
			return;
		/* Woken by "stopping" before freeze_at: the run ends, no freeze. */
		if (!atomic_load(&s->ith.thaw)) {
			freeze(s);
			if (o->freeze_for_us)
				thaw_at = mmt_now_us() + o->freeze_for_us;
		}
	}
	mmt_ith_hold_frozen(&s->ith, thaw_at, thaw_cb, s);
}

static void *nfs_thread(void *arg)
{
	struct nfs_state *s = arg;
	struct mmt_inj *inj = s->inj;
	char addr[64] = "127.0.0.1";
	int r, status;

	if (s->o->export[0]) {
		snprintf(s->src, sizeof(s->src), "%s", s->o->export);
		r = resolve(s->o->export, addr, sizeof(addr));
		if (r == 0) {
			/* The source names the address, like mount.nfs does. */
			snprintf(s->src, sizeof(s->src), "%s%s", addr, strchr(s->o->export, ':'));
		}
	} else {
		r = start_server(s);
	}
	if (r == 0)
		r = do_mount(s, addr);
	if (r < 0) {
		atomic_store(&s->failed, true);
		if (r != -ECANCELED)
			mmt_inj_finding(inj, MMT_F_HARNESS, "%s: NFS %s failed: %s%s%s",
					s->inj->cfg->name, s->src[0] ? "mount" : "server setup",
					strerror(-r),
					s->err[0] ? ": " : "", s->err);
	} else {
		json_object *ex = json_object_new_object();

		json_object_object_add(ex, "source", json_object_new_string(s->src));
		json_object_object_add(ex, "mount", json_object_new_string(s->mnt));
		json_object_object_add(ex, "mount_us", json_object_new_uint64(s->mount_us));
		mmt_svc_event(s->inj, "mounted", ex);
		atomic_store(&s->mounted, true);
		hold_mount(s);
		/* Teardown thaws first: nothing on the mount can finish while frozen. */
		thaw(s);
	}
	/*
	 * A swap area still on under our mount (the swap injector could not
	 * swap it off) would lose its pages with the server: try once more,
	 * and if it stays, leave the server up for the final journal replay,
	 * which swaps off first (newer record) and then undoes ours.
	 */
	if (s->mnt[0] && !swaps_under(s, s->mnt)) {
		s->deferred = true;
		log_warn("%s: a swap area on %s is still on: the NFS server stays up until "
			 "the final cleanup (then stop nfsd with `rpc.nfsd 0`)",
			 s->inj->cfg->name, s->mnt);
		return NULL;
	}
	mmt_ith_busy(&s->ith, "teardown (umount, exportfs -u)");
	mmt_undo_all(mmt_inj_journal(inj), &s->undo);
	mmt_ith_busy(&s->ith, NULL);
	atomic_store(&s->mounted, false);
	if (s->nfsd_ours) {
		const char *argv[] = { "rpc.nfsd", "0", NULL };

		run_prog(s, argv);
	}
	sweep_export(s);
	mmt_undo_all(mmt_inj_journal(inj), &s->server_undo);
	if (s->etab_ours) {
		struct stat st;

		if (stat(ETAB, &st) == 0 && st.st_size == 0)
			unlink(ETAB);
	}
	if (s->nfsd_fs_ours && umount2("/proc/fs/nfsd", MNT_DETACH) < 0)
		log_err_errno(-errno, "umount /proc/fs/nfsd");
	for (unsigned i = 0; i < s->nr_pidfd; i++) {
		/* The daemon's undo signalled it: reap it. */
		for (int t = 0; t < 50 && mmt_exec_waitpidfd(s->pidfd[i], true, &status) == 0; t++)
			usleep(20000);
		close(s->pidfd[i]);
	}
	s->nr_pidfd = 0;
	return NULL;
}

static int nfs_start(struct mmt_inj *inj)
{
	struct nfs_state *s = inj->priv;

	return mmt_ith_start(&s->ith, nfs_thread, s);
}

static void nfs_poll(struct mmt_inj *inj, double *vals)
{
	struct nfs_state *s = inj->priv;

	vals[0] = s && atomic_load(&s->mounted) ? 1 : 0;
	vals[1] = s && atomic_load(&s->frozen) ? 1 : 0;
}

/* The run stops: the thread thaws a frozen server now (hold_mount()). */
static void nfs_stopping(struct mmt_inj *inj)
{
	struct nfs_state *s = inj->priv;

	mmt_ith_thaw(&s->ith);
}

static int nfs_stop(struct mmt_inj *inj)
{
	struct nfs_state *s = inj->priv;

	if (!s)
		return 0;
	return mmt_ith_stop_or_stall(&s->ith, inj, 120 * MMT_USEC_PER_SEC);
}

static void nfs_report(struct mmt_inj *inj, json_object *out)
{
	struct nfs_state *s = inj->priv;

	json_object_object_add(out, "mode", json_object_new_string(s->o->export[0] ?
								   "remote" : "loopback"));
	json_object_object_add(out, "vers", json_object_new_string(vers_names[s->o->vers]));
	json_object_object_add(out, "source", json_object_new_string(s->src));
	json_object_object_add(out, "mount", json_object_new_string(s->mnt));
	json_object_object_add(out, "mount_us", json_object_new_uint64(s->mount_us));
	json_object_object_add(out, "failed", json_object_new_boolean(atomic_load(&s->failed)));
	json_object_object_add(out, "teardown_deferred", json_object_new_boolean(s->deferred));
	json_object_object_add(out, "freezes", json_object_new_uint64(s->freezes));
}

static void nfs_cleanup(struct mmt_inj *inj)
{
	struct nfs_state *s = inj->priv;

	if (!s || mmt_ith_release(&s->ith, inj))
		return;
	for (unsigned i = 0; i < s->nr_pidfd; i++)
		close(s->pidfd[i]);
	s->nr_pidfd = 0;
}

const struct mmt_injector_ops mmt_injector_nfs = {
	.version = MMT_INJECTOR_VERSION,
	.name = "nfs",
	.summary = "an NFS mount (an export, or a loopback kernel nfsd) for writeback and swap",
	.opts = nfs_opts,
	.opts_size = sizeof(struct nfs_opts),
	.priv_size = sizeof(struct nfs_state),
	.columns = nfs_columns,
	.validate = nfs_validate,
	.probe = nfs_probe,
	.start = nfs_start,
	.poll = nfs_poll,
	.stopping = nfs_stopping,
	.stop = nfs_stop,
	.report = nfs_report,
	.cleanup = nfs_cleanup,
};
