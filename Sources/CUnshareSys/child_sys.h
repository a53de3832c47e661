// SPDX-License-Identifier: Apache-2.0
/*
 * Every system call a child of this target makes between fork (or clone) and
 * exec, one small inline function each. Private to the target (Swift does not
 * see this header); only the children's C includes it (child.h).
 *
 * Each returns what the kernel returns: the result, or the negated errno on
 * failure. Nothing above this header reads or writes errno, so a child that
 * shares its parent's memory (CLONE_VM, where errno and glibc's thread state
 * belong to the parent's thread) can have these bodies swapped for raw
 * system calls, here and nowhere else. Today the bodies are glibc's
 * wrappers, which is safe in a forked child.
 */
#ifndef CU_CHILD_SYS_H
#define CU_CHILD_SYS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* The kernel's struct sigaction (not glibc's): x86_64 and arm64 both have
 * sa_restorer, and a 64-bit mask. */
#if !defined(__x86_64__) && !defined(__aarch64__)
#error "child_sys.h: check struct cs_kernel_sigaction against this architecture's kernel"
#endif
struct cs_kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

/* The one place errno is read on the children's side: -errno after a failed wrapper. */
static inline long cs_ret(long r) { return r < 0 ? -(long)errno : r; }

static inline long cs_read(int fd, void *buf, size_t n) { return cs_ret(read(fd, buf, n)); }
static inline long cs_write(int fd, const void *buf, size_t n) { return cs_ret(write(fd, buf, n)); }
/* No O_CREAT: a child opens only what exists. */
static inline int cs_openat(int dir, const char *path, int flags) { return (int)cs_ret(openat(dir, path, flags)); }
static inline int cs_close(int fd) { return (int)cs_ret(close(fd)); }
static inline int cs_dup2(int from, int to) { return (int)cs_ret(dup2(from, to)); }
static inline int cs_fcntl(int fd, int cmd, int arg) { return (int)cs_ret(fcntl(fd, cmd, arg)); }
static inline int cs_close_range(unsigned int from, unsigned int to, unsigned int flags)
{
    return (int)cs_ret(syscall(SYS_close_range, from, to, flags));
}
static inline int cs_fd_limit(struct rlimit *rl) { return (int)cs_ret(getrlimit(RLIMIT_NOFILE, rl)); }
static inline long cs_getdents64(int fd, void *buf, size_t n) { return cs_ret(syscall(SYS_getdents64, fd, buf, n)); }
static inline int cs_poll(struct pollfd *fds, nfds_t n, int timeout) { return (int)cs_ret(poll(fds, n, timeout)); }

static inline int cs_execve(const char *path, char *const *argv, char *const *envp)
{
    return (int)cs_ret(execve(path, argv, envp));
}
__attribute__((noreturn)) static inline void cs_exit(int code) { _exit(code); }

/* One signal's action (SIG_DFL or SIG_IGN): the system call itself, which,
 * unlike glibc's sigaction(3), also reaches glibc's own signals 32 and 33. */
static inline int cs_sigaction(int sig, void (*handler)(int))
{
    struct cs_kernel_sigaction ksa = { .handler = handler };
    return (int)cs_ret(syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask)));
}
/* The signal mask, as the kernel's bit set (bit s - 1: signal s). */
static inline int cs_sigmask(uint64_t mask)
{
    return (int)cs_ret(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof(mask)));
}

static inline int cs_prctl(int option, unsigned long arg) { return (int)cs_ret(prctl(option, arg, 0, 0, 0)); }
static inline pid_t cs_getppid(void) { return getppid(); }
static inline int cs_setsid(void) { return (int)cs_ret(setsid()); }
static inline int cs_setpgid(pid_t pid, pid_t group) { return (int)cs_ret(setpgid(pid, group)); }
static inline int cs_unshare(int flags) { return (int)cs_ret(unshare(flags)); }
static inline int cs_mount(const char *source, const char *target, const char *type, unsigned long flags)
{
    return (int)cs_ret(mount(source, target, type, flags, NULL));
}
static inline int cs_chdir(const char *path) { return (int)cs_ret(chdir(path)); }
static inline void cs_pause(void) { (void)pause(); }
static inline void cs_yield(void) { (void)sched_yield(); }
static inline int cs_kill(pid_t pid, int sig) { return (int)cs_ret(kill(pid, sig)); }
static inline int cs_pidfd_kill(int pidfd, int sig)
{
    return (int)cs_ret(syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0));
}
/* A new process running fn(arg) on the stack whose top is stack_top (glibc's
 * clone(2) wrapper: the one call that needs it); with CLONE_PIDFD, *pidfd. */
static inline pid_t cs_clone(int (*fn)(void *), void *stack_top, int flags, void *arg, int *pidfd)
{
    return (pid_t)cs_ret(clone(fn, stack_top, flags, arg, pidfd));
}

#endif
