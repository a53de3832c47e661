// SPDX-License-Identifier: Apache-2.0
/*
 * cu_spawn: everything between clone and exec for the SwiftUnshare library's
 * spawn API (docs/library.md).
 *
 * The Swift side fills a cu_spawn_attr with buffers it built before the call;
 * cu_spawn_start() clones (clone3 with CLONE_PIDFD, or clone + pidfd_open on
 * kernels without clone3) and the child runs only async-signal-safe code from
 * that struct until exec (child_spawn.c). A failing step comes back over a
 * close-on-exec pipe as one struct cu_report record (cu_report.h); end of
 * file means exec succeeded.
 * No global state: any number of threads may spawn at once.
 */
#ifndef CU_SPAWN_H
#define CU_SPAWN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cu_report.h"

/* The step of the child that failed (a cu_report's step). */
enum cu_spawn_step {
    CU_SPAWN_STEP_NONE = 0,
    CU_SPAWN_STEP_PDEATHSIG = 1,     /* prctl(PR_SET_PDEATHSIG) */
    CU_SPAWN_STEP_OPEN = 2,          /* index: which entry of writes */
    CU_SPAWN_STEP_WRITE = 3,         /* index: which entry of writes */
    CU_SPAWN_STEP_UNSHARE = 4,
    CU_SPAWN_STEP_PROPAGATION = 5,
    CU_SPAWN_STEP_STDIO = 6,         /* index: 0, 1 or 2 */
    CU_SPAWN_STEP_CLOSE_FDS = 7,
    CU_SPAWN_STEP_CHDIR = 8,
    CU_SPAWN_STEP_EXEC = 9,
    CU_SPAWN_STEP_SESSION = 10,      /* setsid(2) */
};

/* A file the child writes after the namespaces exist (its own maps, setgroups). */
struct cu_spawn_write {
    const char *_Nonnull path;
    const char *_Nonnull text;
    size_t len;
    int ignore_missing;         /* ENOENT on open is no error (/proc/self/setgroups) */
};

/* Everything the child needs, prepared before the clone. */
struct cu_spawn_attr {
    uint64_t clone_flags;       /* CLONE_NEW* given to clone3 */
    int unshare_flags;          /* unshare(2) in the child after the writes (0: none) */
    int wait_for_parent;        /* 1: block until the parent has written the maps */
    const struct cu_spawn_write *_Nullable writes;
    size_t write_count;
    unsigned long propagation;  /* mount flags for "/" (0: leave it) */
    int stdio[3];               /* the descriptor that becomes 0, 1, 2; -1 inherits */
    const char *_Nullable workdir;
    /* execvp over candidates: full paths in PATH order, NULL-terminated */
    char *_Nullable const *_Nonnull paths;
    char *_Nullable const *_Nonnull argv;
    /* argc + 2 free slots, for the /bin/sh retry of a file without #! (ENOEXEC) */
    char *_Nullable *_Nonnull sh_argv;
    char *_Nullable const *_Nonnull envp;
    int pdeath_signal;          /* 0: none */
    int parent_pidfd;           /* pidfd of the caller's process (kill on parent death), or -1 */
    pid_t parent_pid;           /* the caller's pid, for kernels without pidfds */
    int force_fallback;         /* tests: clone(2) + pidfd_open even where clone3 exists */
    int new_session;            /* 1: setsid(2) before exec */
    uint64_t ignored_signals;   /* bit (s - 1): signal s is SIG_IGN across exec */
    uint64_t blocked_signals;   /* bit (s - 1): signal s is in the mask the program starts with */
    /* Package-internal, for podman mode (a single-threaded caller):
       keep_fds: descriptors the caller left open without close-on-exec reach
       the program (no close_range), as Go's exec passes them on;
       no_sh_retry: a file without #! is an error (ENOEXEC), as in Go's exec;
       idle_name: when no candidate can be executed, the child does not fail
       but closes its report pipe, takes this name and waits for signals forever. */
    int keep_fds;
    int no_sh_retry;
    const char *_Nullable idle_name;
    /* 1: the program is newuidmap or newgidmap, run under a guard
       (child_guard.c): when the caller dies before it ends, it is killed
       with everything it started. The guard holds the report pipe until the
       program has ended, so cu_spawn_finish returns only then. */
    int guard_helper;
};

/* A started child, in the parent. */
struct cu_spawn_handle {
    pid_t pid;
    int pidfd;                  /* -1 on kernels without pidfds */
    int release_fd;             /* parent's end of the release socket pair; -1 when not waiting */
    int report_fd;              /* read end of the report pipe */
    /* The child's own mapping (its stack, the copy of the attributes it
       reads, its scratch), shared with the caller until the child execs or
       exits: unmapped at the report pipe's end of file (cu_spawn_finish)
       or by cu_spawn_free once the child is reaped.
       NULL for a child with memory of its own. */
    void *_Nullable region;
    size_t region_len;
};

/* Clone and start the child: CLONE_VM on a stack of its own (with
   CLONE_VFORK unless the child waits for the parent), docs/library.md.
   The buffers the attributes point to must stay valid until the report
   pipe's end of file (the attributes themselves are copied). 0, or -1 with
   errno (nothing was started). */
int cu_spawn_start(const struct cu_spawn_attr *_Nonnull attr,
                   struct cu_spawn_handle *_Nonnull out);
/* Let a child waiting for its maps go on (go = 1) or give up (go = 0: it exits 1). */
int cu_spawn_release(struct cu_spawn_handle *_Nonnull h, int go);
/* Wait for exec: 0 when it happened, 1 with *report filled when a step failed
   (read to the end of file: the child has exited), -1 on a read error.
   Closes the report pipe; after its end of file, frees the child's mapping. */
int cu_spawn_finish(struct cu_spawn_handle *_Nonnull h, struct cu_report *_Nonnull report);

/* Unmaps the child's mapping, if any is left: only once the child has
   exec'd or ended (it is reaped, or the report pipe said end of file). */
void cu_spawn_free(struct cu_spawn_handle *_Nonnull h);

/* waitid(2) on a pidfd (or the pid, when pidfd < 0), reaping the child.
   1: ended, *exited is 1 for an exit (value: status) or 0 for a signal (value:
   signal number; *dumped, when asked for, 1 if it dumped core); 0: still
   running (nohang); -1: error (errno). */
int cu_spawn_wait(int pidfd, pid_t pid, int nohang, int *_Nonnull exited, int *_Nonnull value,
                  int *_Nullable dumped);
/* Blocks until the child has ended, leaving it unreaped (WNOWAIT): its pid
   cannot be taken by another process yet. 0, or -1 with errno. */
int cu_spawn_wait_nowait(int pidfd, pid_t pid);
/* pidfd_send_signal(2), or kill(2) when pidfd < 0. */
int cu_spawn_signal(int pidfd, pid_t pid, int signo);
/* cu_pidfd_open(getpid()): -1 when the kernel has no pidfds. */
int cu_spawn_own_pidfd(void);
/* cu_pipe_cloexec, and O_NONBLOCK on the read end when asked. */
int cu_spawn_pipe(int *_Nonnull fds, int nonblock_read);
/* Block every signal in the calling thread (the library's waiter thread). */
int cu_spawn_block_signals(void);

#endif
