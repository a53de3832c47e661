// SPDX-License-Identifier: Apache-2.0
/*
 * CUnshareSys: the small C part of swift-unshare. What Swift calls, by the
 * process it runs in:
 *
 *  In the caller (ordinary code):
 *  - wrappers.c: one-line wrappers for what Swift cannot import (macros,
 *    variadic calls, functions hidden behind _GNU_SOURCE);
 *  - signals.c: signal masks and the one signal-forwarding entry point;
 *  - nss.c: name services in the static binary;
 *  - helpers.c: forking, releasing and waiting for the CLI's helper
 *    children (this header); spawn.c: the library's clone, release and wait
 *    (cu_spawn.h); podman_calls.c, podman_tools.c: podman mode's (cu_podman.h).
 *
 *  In a child, between fork or clone and exec (async-signal-safe C over a
 *  plain struct the Swift side fills in before the fork, no Swift):
 *  - child_helpers.c: the CLI's helpers (map writer, newuidmap/newgidmap,
 *    bind), child_spawn.c: the library's child, child_guard.c: the guard
 *    newuidmap and newgidmap run under on both paths;
 *  - child.c, with the private headers child.h and child_sys.h: the engine
 *    they share (exec, records, signals, descriptors) and every system call
 *    a child makes.
 *  A child reports a failed step as one struct cu_report (cu_report.h) on a
 *  close-on-exec pipe, so that the parent prints the message.
 */
#ifndef CUNSHARESYS_H
#define CUNSHARESYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cu_report.h"

/* Clone flags, as Swift sees them without _GNU_SOURCE. */
extern const int cu_CLONE_NEWNS;
extern const int cu_CLONE_NEWUTS;
extern const int cu_CLONE_NEWIPC;
extern const int cu_CLONE_NEWNET;
extern const int cu_CLONE_NEWPID;
extern const int cu_CLONE_NEWUSER;
extern const int cu_CLONE_NEWCGROUP;
extern const int cu_CLONE_NEWTIME;

/* open(2) flags hidden behind _GNU_SOURCE. */
extern const int cu_O_PATH;

/* Mount flags used by the executor. */
extern const unsigned long cu_MS_REC;
extern const unsigned long cu_MS_PRIVATE;
extern const unsigned long cu_MS_SHARED;
extern const unsigned long cu_MS_SLAVE;
extern const unsigned long cu_MS_BIND;
extern const unsigned long cu_MS_NOSUID;
extern const unsigned long cu_MS_NOEXEC;
extern const unsigned long cu_MS_NODEV;
/* statvfs(3)'s flag of a file system mounted noexec. */
extern const unsigned long cu_ST_NOEXEC;

/* ------------------------------------------------------------------------- */
/* wrappers.c: each returns what the call returns, errno set on failure.     */

int cu_unshare(int flags);
int cu_setns(int fd, int nstype);
int cu_mount(const char *_Nullable source, const char *_Nonnull target,
             const char *_Nullable fstype, unsigned long flags);
int cu_setgroups_none(void);
/* pipe2(fds, O_CLOEXEC). */
int cu_pipe_cloexec(int fds[_Nonnull 2]);
/* pidfd_open(pid) (close-on-exec). */
int cu_pidfd_open(pid_t pid);
/* 1 if the pidfd is readable (the process has ended), 0 if not, -1 on error. */
int cu_pidfd_ended(int pidfd);
/* getxattr(path, "security.capability") into buf (size 0: only its length;
   > 0 when the file carries file capabilities). */
ssize_t cu_file_capability(const char *_Nonnull path, void *_Nullable buf, size_t size);
int cu_set_pdeathsig(int signo);
/* prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants become our children (--check). */
int cu_set_child_subreaper(void);
/* memfd_create(name, MFD_CLOEXEC): a nameless file for what a --check trial writes back. */
int cu_memfd(const char *_Nonnull name);
/* Raise every permitted capability up to last_cap into inheritable and ambient.
   0, or the failing step with errno set: 1 capget, 2 capset, 3 prctl. */
int cu_permitted_to_ambient(int last_cap);

int cu_wifexited(int status);
int cu_wexitstatus(int status);
int cu_wifsignaled(int status);
int cu_wtermsig(int status);

int cu_sigrtmin(void);
int cu_sigrtmax(void);

/* ------------------------------------------------------------------------- */
/* signals.c (its header comment gives the forwarding contract)              */

/* Block `signals`, saving the previous mask for cu_restore_sigmask(). */
int cu_block_signals(const int *_Nonnull signals, int count);
int cu_restore_sigmask(void);
int cu_unblock_signal(int signo);
int cu_default_signal(int signo);
/* Block `signals` (saving the mask) and send each one that arrives to the
   forward target (SA_RESTART). At most 8. */
int cu_forward_signals(const int *_Nonnull signals, int count);
void cu_set_forward_target(pid_t pid);
/* In the --fork child: the forwarded signals back to SIG_DFL. */
int cu_reset_forwarded_signals(void);

/* ------------------------------------------------------------------------- */
/* helpers.c: helper children (their side: child_helpers.c)                  */

/* The steps a helper reports (a cu_report's step); the Swift enum HelperStep
   mirrors them, and a unit test pins each number. */
enum cu_step {
    CU_STEP_NONE = 0,
    CU_STEP_OPEN_UID_MAP = 1,   /* index unused */
    CU_STEP_WRITE_UID_MAP = 2,
    CU_STEP_OPEN_GID_MAP = 3,
    CU_STEP_WRITE_GID_MAP = 4,
    CU_STEP_EXEC_NEWUIDMAP = 5,
    CU_STEP_EXEC_NEWGIDMAP = 6,
    CU_STEP_BIND = 8,           /* index: which bind */
};

/* Root: one helper writes both map files of the target. */
struct cu_map_writer {
    pid_t target;               /* the process whose maps are written (our parent) */
    int proc_dirfd;             /* O_PATH fd of /proc/<target>, opened before fork */
    const char *_Nullable uid_text;   /* the whole file text, or NULL to leave it */
    size_t uid_len;
    const char *_Nullable gid_text;
    size_t gid_len;
};

/* Unprivileged: one newuidmap or newgidmap process (under a guard, child_guard.c). */
struct cu_idmapper {
    pid_t target;
    int target_pidfd;           /* pidfd of the target, or -1: checked before exec */
    int step;                   /* CU_STEP_EXEC_NEWUIDMAP or CU_STEP_EXEC_NEWGIDMAP */
    int hold_stderr;            /* 1: stderr into a pipe the parent reads (stderr_fd) */
    char *_Nullable const *_Nonnull argv;
    /* the execvp candidates: full paths, in PATH order, NULL-terminated */
    char *_Nullable const *_Nonnull paths;
    char *_Nullable const *_Nonnull envp;
};

/* Persistence: bind sources[i] onto targets[i]. */
struct cu_bind_helper {
    pid_t target;
    size_t count;
    const char *_Nonnull const *_Nonnull sources;
    const char *_Nonnull const *_Nonnull targets;
};

/* A started helper, waiting to be released. */
struct cu_helper_handle {
    pid_t pid;
    int release_fd;             /* write end: one byte per helper on it releases them;
                                   -1 when another handle's release_fd releases this one */
    int report_fd;              /* read end of the report pipe */
    int stderr_fd;              /* read end of its held stderr, or -1 */
    int release_count;          /* the helpers release_fd releases (0 counts as 1) */
};

/* Start a helper that waits for release, then acts. 0 or -1/errno. */
int cu_spawn_map_writer(const struct cu_map_writer *_Nonnull h, struct cu_helper_handle *_Nonnull out);
/* n idmappers started back to back (n >= 1), all released by one write on
   out[0].release_fd (the others' are -1), so that the first one woken cannot
   hold back the release of the next; every one after the first holds its
   stderr (hold_stderr is set here). 0, or -1/errno at the first failed start
   (those before it stay started and held; out[i] is filled for each of them,
   and out[0].release_fd releases or, closed, ends them all). */
int cu_spawn_idmappers(struct cu_idmapper *_Nonnull list, size_t n, struct cu_helper_handle *_Nonnull out);
int cu_spawn_bind_helper(const struct cu_bind_helper *_Nonnull h, struct cu_helper_handle *_Nonnull out);
/* Write the release bytes and close the release end (nothing to do when
   release_fd is -1). 0 or -1/errno. */
int cu_release_helper(struct cu_helper_handle *_Nonnull h);
/* Wait for a released helper (EINTR retried): its wait status (an
   idmapper's is the tool's: it execs the tool itself), and its failure record
   (step 0 when none). Closes the report end. 0 or -1/errno. */
int cu_wait_helper(struct cu_helper_handle *_Nonnull h, int *_Nonnull status,
                   struct cu_report *_Nonnull report);

/* podman mode's children: cu_podman.h. */
#include "cu_podman.h"
/* The library's spawn path (its own header). */
#include "cu_spawn.h"

/* 1 when this program is a fully static executable (no dynamic loader). */
int cu_is_static(void);

/*
 * In a static executable: passwd and group lookups read the /etc files only
 * (glibc's built-in service), set up once; returns 1. In a dynamic one: does
 * nothing and returns 0 (every service of nsswitch.conf works there). nss.c.
 */
int cu_nss_files_only(void);

#endif
