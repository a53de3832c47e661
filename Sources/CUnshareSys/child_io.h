// SPDX-License-Identifier: Apache-2.0
/*
 * Small async-signal-safe pieces shared by the C files whose code runs in a
 * forked or cloned child (helpers.c, podman_tools.c, podman_calls.c,
 * spawn_child.c; helper_guard.c). Private to this target: Swift does not see
 * this header.
 */
#ifndef CU_CHILD_IO_H
#define CU_CHILD_IO_H

#include <sys/types.h>

/* write(2) until all of buf is written; EINTR is retried. 0, or -1 with errno. */
int cu_write_all(int fd, const void *buf, size_t len);

/* read(2) until len bytes, end of file or an error; EINTR is retried. The count read. */
ssize_t cu_read_full(int fd, void *buf, size_t len);

/* waitpid(2) for pid, EINTR retried. */
pid_t cu_wait_retry(pid_t pid, int *status);

/* Closes descriptors from..to: close_range(2), or one close(2) at a time on
   kernels before 5.9 (up to the descriptor limit). */
void cu_close_span(unsigned int from, unsigned int to);

/* Every signal back to its default action (glibc's own two real-time signals
   too, through the raw system call), and an empty mask. */
void cu_default_all_signals(void);

/* execvp(3)'s rule after a failed execve(2) of one PATH candidate: 1 to go
   on to the next candidate (an EACCES is remembered in *got_eacces), 0 to
   stop and report err. */
int cu_exec_try_next(int err, int *got_eacces);

/* In a helper child that is about to exec newuidmap or newgidmap: start
   it under a guard (helper_guard.c). `run(arg)` (which execs, or reports and
   _exits) runs in a new process that is this one's parent's child; the
   record {CU_GUARD_PID_STEP, its pid, 0} goes to `lifeline` (the write end
   of a pipe whose read end only the parent holds: the report pipe), and a
   guard process waits: should the parent go away while the tool runs, it
   kills the tool and every process below it. This process then exits 0.
   Where that cannot be set up, `run(arg)` runs here. Never returns. */
#define CU_GUARD_PID_STEP 0x7047
__attribute__((noreturn)) void cu_guard_helper(int lifeline, void (*run)(void *), void *arg);

#endif
