/*
 * CUnshareSys: the small C part of swift-unshare.
 *
 * Two kinds of things live here:
 *  - one-line wrappers for what Swift cannot import (macros, variadic calls,
 *    functions hidden behind _GNU_SOURCE);
 *  - the helper children that swift-unshare forks before unshare(2). They run
 *    only async-signal-safe C, driven by a plain struct the Swift side fills in
 *    before fork, and report failures as {step, errno, index} records on a
 *    close-on-exec pipe so that the parent prints util-linux's message.
 */
#ifndef CUNSHARESYS_H
#define CUNSHARESYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

int cu_errno(void);
void cu_set_errno(int value);

int cu_unshare(int flags);
int cu_mount(const char *_Nullable source, const char *_Nonnull target,
             const char *_Nullable fstype, unsigned long flags);
int cu_setgroups_none(void);
int cu_pidfd_open(pid_t pid);
/* 1 if the pidfd is readable (the process has ended), 0 if not, -1 on error. */
int cu_pidfd_ended(int pidfd);
int cu_set_pdeathsig(int signo);
/* Raise every permitted capability up to last_cap into inheritable and ambient.
   0, or the failing step with errno set: 1 capget, 2 capset, 3 prctl. */
int cu_permitted_to_ambient(int last_cap);

int cu_wifexited(int status);
int cu_wexitstatus(int status);
int cu_wifsignaled(int status);
int cu_wtermsig(int status);

int cu_sigrtmin(void);
int cu_sigrtmax(void);
/* Block SIGINT and SIGTERM, saving the previous mask for cu_restore_sigmask(). */
int cu_block_int_term(void);
int cu_restore_sigmask(void);
int cu_unblock_signal(int signo);
int cu_default_signal(int signo);
/* --forward-signals: SIGTERM and SIGINT sent to us go to the forward target
   (SA_RESTART). Also blocks both, saving the mask, as cu_block_int_term does. */
int cu_forward_int_term(void);
void cu_set_forward_target(pid_t pid);

/* ------------------------------------------------------------------------- */
/* Helper children                                                            */

enum cu_step {
    CU_STEP_NONE = 0,
    CU_STEP_OPEN_UID_MAP = 1,   /* index unused */
    CU_STEP_WRITE_UID_MAP = 2,
    CU_STEP_OPEN_GID_MAP = 3,
    CU_STEP_WRITE_GID_MAP = 4,
    CU_STEP_EXEC_NEWUIDMAP = 5,
    CU_STEP_EXEC_NEWGIDMAP = 6,
    CU_STEP_FORK = 7,
    CU_STEP_BIND = 8,           /* index: which bind */
};

/* One failure, as a helper reports it on its report pipe. */
struct cu_report {
    int32_t step;
    int32_t err;
    int32_t index;
};

/* Everything a map helper needs, prepared before fork. */
struct cu_map_helper {
    pid_t target;               /* the process whose maps are written (our parent) */
    int proc_dirfd;             /* O_PATH fd of /proc/<target>, opened before fork */
    int target_pidfd;           /* pidfd of the target, or -1: checked before newuidmap runs */
    int privileged;             /* 1: write the files directly; 0: run newuidmap/newgidmap */
    /* privileged: the whole map text for each file, or NULL to leave it */
    const char *_Nullable uid_text;
    size_t uid_len;
    const char *_Nullable gid_text;
    size_t gid_len;
    /* unprivileged: argv for each helper (or NULL), and the execvp candidates
       (full paths, in PATH order, NULL-terminated) */
    char *_Nullable const *_Nullable uid_argv;
    char *_Nullable const *_Nullable uid_paths;
    char *_Nullable const *_Nullable gid_argv;
    char *_Nullable const *_Nullable gid_paths;
    char *_Nullable const *_Nullable envp;
};

/* Everything a persistence helper needs: bind sources[i] onto targets[i]. */
struct cu_bind_helper {
    pid_t target;
    size_t count;
    const char *_Nonnull const *_Nonnull sources;
    const char *_Nonnull const *_Nonnull targets;
};

/* A forked helper, waiting to be released. */
struct cu_helper_handle {
    pid_t pid;
    int release_fd;             /* write end: one byte releases the helper */
    int report_fd;              /* read end of the report pipe */
};

/* Fork a helper that waits for release, then writes the maps. 0 or -1/errno. */
int cu_spawn_map_helper(const struct cu_map_helper *_Nonnull h,
                        struct cu_helper_handle *_Nonnull out);
/* Fork a helper that waits for release, then makes the bind mounts. */
int cu_spawn_bind_helper(const struct cu_bind_helper *_Nonnull h,
                         struct cu_helper_handle *_Nonnull out);
/* Release the helper, wait for it; returns its wait status, or -1/errno.
   *report is filled with its first failure record (step 0 when none). */
int cu_release_helper(struct cu_helper_handle *_Nonnull h,
                      struct cu_report *_Nonnull report);

/* ------------------------------------------------------------------------- */
/* podman mode                                                                */

/* setns(2). */
int cu_setns(int fd, int nstype);
/* SIGHUP, SIGINT and SIGTERM sent to us go to the cu_set_forward_target pid
   (SA_RESTART); the previous actions are saved for cu_restore_hup_int_term(). */
int cu_forward_hup_int_term(void);
int cu_restore_hup_int_term(void);

/* The library's spawn path (its own header). */
#include "cu_spawn.h"

#endif
