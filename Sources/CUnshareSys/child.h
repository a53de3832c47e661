// SPDX-License-Identifier: Apache-2.0
/*
 * The child-side engine (child.c): the steps every child of this target takes
 * between fork or clone and exec, written once for the CLI's helpers
 * (child_helpers.c, child_guard.c), the library's clone child
 * (child_spawn.c) and podman mode's small children (podman_calls.c,
 * podman_tools.c). Private to the target: Swift does not see this header.
 *
 * Rules for all of it: async-signal-safe (it runs in a copy of a possibly
 * multi-threaded process), no allocation, no locks, no stdio, only buffers
 * prepared before the fork; every system call through child_sys.h; a failure
 * is returned as a negated errno, never through errno. A failed step reaches
 * the parent as one struct cu_report record on the child's close-on-exec
 * report pipe; end of file without a record means the child exec'd.
 */
#ifndef CU_CHILD_H
#define CU_CHILD_H

/* Before any system header: a file that includes this one includes it first. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "CUnshareSys.h"
#include "child_sys.h"

#define CU_PRIVATE __attribute__((visibility("hidden")))

/* How the CLI's helpers and the newuidmap/newgidmap guard are started: in
 * this process's memory (CLONE_VM). valgrind runs no CLONE_VM process that is
 * not a thread, so the build `make startup-order` traces under it
 * (-DCU_TRACE_FORKED_HELPERS) forks them instead: the same code, in a copy,
 * and their path gets into the start-up order (scripts/startup-order.sh). */
#ifdef CU_TRACE_FORKED_HELPERS
#define CU_SHARED_CLONE SIGCHLD
#else
#define CU_SHARED_CLONE (CLONE_VM | SIGCHLD)
#endif

/* ---- Records on the report pipe ----------------------------------------- */

/* Writes {step, err, index} to fd. A lost record is not retried: the parent
 * then sees the child's exit status alone. */
CU_PRIVATE void cu_child_report(int fd, int step, int err, int index);
/* cu_child_report, then _exit(code). */
CU_PRIVATE __attribute__((noreturn)) void cu_child_fail(int fd, int step, int err, int index, int code);

/* ---- Reading and writing ------------------------------------------------ */

/* write(2) until all of buf is written, EINTR retried. 0 or -errno. */
CU_PRIVATE int cu_write_all(int fd, const void *buf, size_t len);
/* read(2) until len bytes or end of file, EINTR retried: the count read, or
 * -errno when an error came before any byte. */
CU_PRIVATE ssize_t cu_read_full(int fd, void *buf, size_t len);
/* Opens path (relative to dir, or AT_FDCWD) for writing and writes text:
 * 0; 1 when the open failed, 2 when the write did (*err: the errno). */
CU_PRIVATE int cu_child_write_file(int dir, const char *path, const char *text, size_t len, int *err);

/* ---- Tied to the parent ------------------------------------------------- */

/* PR_SET_PDEATHSIG signo, then whether the parent died before that
 * call (the signal would never come): asked through parent_pidfd when >= 0,
 * else getppid() must be parent_pid (0, in a new PID namespace: cannot tell).
 * A dead parent ends this process (_exit 1). 0, or -errno from prctl. */
CU_PRIVATE int cu_child_tie_to_parent(int signo, int parent_pidfd, pid_t parent_pid);
/* Waits for the parent's one-byte word on fd: anything but the byte 1 (end
 * of file: the parent went away or gave up) ends this process (_exit 1).
 * Closes fd. */
CU_PRIVATE void cu_child_await_release(int fd);
/* 1 when the process behind pidfd has ended, 0 while it runs, or -errno. */
CU_PRIVATE int cu_child_ended(int pidfd);

/* ---- Descriptors -------------------------------------------------------- */

/* Closes from..to: close_range(2), or one close(2) at a time on kernels
 * before 5.9 (up to the descriptor limit). */
CU_PRIVATE void cu_close_span(unsigned int from, unsigned int to);
/* Closes every descriptor from `from` up except the n in keep (sorted here). */
CU_PRIVATE void cu_close_except(unsigned int from, int *keep, int n);

/* ---- Signals ------------------------------------------------------------ */

/* Every signal's action back to SIG_DFL (the mask is left as it is). */
CU_PRIVATE void cu_child_default_signals(void);
/* SIG_IGN for each signal in set (bit s - 1: signal s). */
CU_PRIVATE void cu_child_ignore_signals(uint64_t set);
/* The mask to exactly set (bit s - 1: signal s). */
CU_PRIVATE void cu_child_mask_signals(uint64_t set);

/* ---- Exec --------------------------------------------------------------- */

/* A program to execute, and how to say it could not be. */
struct cu_exec_job {
    char *const *paths;         /* candidates: full paths in PATH order, NULL-terminated */
    char *const *argv;          /* argv[0] always there */
    char *const *envp;
    char **sh_argv;             /* argc + 2 free slots for the /bin/sh retry, or NULL: none */
    int report_fd;              /* where the failure goes (and a guard's lifeline) */
    int step;                   /* the failure record's step */
};
/* execvp(3) over the candidates: go on past ENOENT-like failures, remember
 * EACCES, stop at any other error; with sh_argv, a file without #!
 * (ENOEXEC) is retried through /bin/sh. Returns only when nothing was
 * executed: the errno to report. */
CU_PRIVATE int cu_child_exec(const struct cu_exec_job *job);
/* cu_child_exec; when nothing ran, the record {job->step, errno} and the
 * exit status a shell gives (cu_exec_status). */
CU_PRIVATE __attribute__((noreturn)) void cu_child_exec_or_fail(const struct cu_exec_job *job);
/* The exit status of a command that could not be executed, as a shell's:
 * 127 not found, 126 not executable. */
static inline int cu_exec_status(int err) { return err == ENOENT ? 127 : 126; }

/* ---- The other end, in the parent (ordinary code: -1 and errno) --------- */

/* Reads records from fd until end of file, a short record, nothing waiting
 * (a non-blocking fd) or max records (max < 0: no limit). The first failure
 * goes to *failure (left alone while failure->step is set). 1 when *failure
 * holds one, 0 when not, -1 on a read error. */
CU_PRIVATE int cu_read_reports(int fd, int max, struct cu_report *failure);
/* waitpid(2) for pid, EINTR retried. */
CU_PRIVATE pid_t cu_wait_retry(pid_t pid, int *status);
/* Closes *fd when it is open and sets it to -1, leaving errno as it was. */
CU_PRIVATE void cu_close_quietly(int *fd);
/* cu_close_quietly on both ends of a pipe. */
CU_PRIVATE void cu_close_pair(int p[2]);

/* ---- The children's entry points ---------------------------------------- */

/* The CLI's helper after its fork (child_helpers.c): never returns. */
enum cu_helper_kind { CU_HELPER_MAP_WRITER, CU_HELPER_IDMAPPER, CU_HELPER_BIND };
struct cu_guard_mem;
struct cu_helper_child {
    enum cu_helper_kind kind;
    const void *arg;            /* its struct: cu_map_writer, cu_idmapper or cu_bind_helper */
    pid_t target;               /* the parent, which the helper acts on */
    int release_r, report_w;    /* its ends of the release and report pipes */
    int stderr_w;               /* stderr becomes this (a pipe the parent reads), or -1 */
    int parent_fds[5];          /* the parent's ends and a sibling's, closed first (-1: none) */
    struct cu_guard_mem *guard; /* an idmapper's guard's memory (helpers.c's mapping) */
};
CU_PRIVATE __attribute__((noreturn)) void cu_helper_child_main(const struct cu_helper_child *c);

/* Where a guard (below) runs: its stack and its state, in memory of its own
 * that outlives its starter's exec: inside the library child's mapping
 * (spawn.c, unmapped only after the report pipe's end of file, once the
 * guard has exited) or a CLI helper's (helpers.c, never unmapped). */
struct cu_guard_state {
    int lifeline;
    int pidfd;
    pid_t tool;
};
#define CU_GUARD_STACK_SIZE 32768
struct cu_guard_mem {
    char stack[CU_GUARD_STACK_SIZE] __attribute__((aligned(16)));  /* grows down from the end */
    struct cu_guard_state state;
};

/* The library's child after the clone (child_spawn.c): never returns.
 * guard: the memory a newuidmap/newgidmap guard runs in (NULL: none). */
CU_PRIVATE __attribute__((noreturn))
void cu_spawn_child_main(const struct cu_spawn_attr *a, int report_w, int release_r, int unshare_flags,
                         struct cu_guard_mem *guard);

/* A child about to exec newuidmap or newgidmap starts its guard first
 * (child_guard.c), in mem: a process that watches this one, and the tool it
 * becomes, through a pidfd, and the lifeline, a report pipe whose read end
 * only the parent holds. Should the parent go away while the tool runs, the
 * guard kills the tool and every process below it. 0, or -errno when no
 * guard could be started (the tool then runs unguarded). */
CU_PRIVATE int cu_guard_start(int lifeline, struct cu_guard_mem *mem);

#endif
