// SPDX-License-Identifier: Apache-2.0
/*
 * Every system call a child of this target makes between fork (or clone) and
 * exec, one small inline function each. Private to the target (Swift does not
 * see this header); only the children's C includes it (child.h).
 *
 * Each returns what the kernel returns: the result, or the negated errno on
 * failure. They are raw system calls (inline asm for x86_64 and aarch64):
 * no glibc wrapper, so no errno and nothing else of glibc's thread state is
 * written. That is what lets the library's child share its caller's memory
 * (CLONE_VM: errno and the thread pointer are the calling thread's; see
 * docs/library.md, "Sharing the caller's memory"); a forked child gets the
 * same calls. Nothing above this header reads or writes errno.
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
#include <time.h>
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

/* ---- The raw system call ------------------------------------------------ */

#if defined(__x86_64__)
static inline long cs_sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
static inline long cs_sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
    return x0;
}
#endif
#define CS_SYS(n, a, b, c, d, e, f) \
    cs_sys6((long)(n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* A new process (clone or clone3: `n` and its arguments a..e) that runs
 * fn(arg) on the stack the arguments give it, then exit_group(2) with fn's
 * value (fn is expected not to return). In the parent: the child's pid, or
 * -errno. The child starts on the new stack and never returns into this
 * function's caller, whose frames (on the parent's stack) it must not touch:
 * fn and arg travel in registers. */
#if defined(__x86_64__)
static inline long cs_clone_run(long n, long a, long b, long c, long d, long e, int (*fn)(void *), void *arg)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register int (*r12)(void *) __asm__("r12") = fn;
    register void *r13 __asm__("r13") = arg;
    long ret;
    __asm__ volatile("syscall\n\t"
                     "testq %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "xorl %%ebp, %%ebp\n\t"      /* the child: no frame below */
                     "andq $-16, %%rsp\n\t"
                     "movq %%r13, %%rdi\n\t"
                     "callq *%%r12\n\t"
                     "movl %%eax, %%edi\n\t"
                     "movl %[exit_group], %%eax\n\t"
                     "syscall\n\t"
                     "hlt\n\t"
                     "1:"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r12), "r"(r13),
                       [exit_group] "i"(SYS_exit_group)
                     : "rcx", "r11", "memory", "cc");
    return ret;
}
#elif defined(__aarch64__)
static inline long cs_clone_run(long n, long a, long b, long c, long d, long e, int (*fn)(void *), void *arg)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register int (*x9)(void *) __asm__("x9") = fn;
    register void *x10 __asm__("x10") = arg;
    __asm__ volatile("svc #0\n\t"
                     "cbnz x0, 1f\n\t"
                     "mov x29, xzr\n\t"           /* the child: no frame below */
                     "mov x30, xzr\n\t"
                     "mov x0, x10\n\t"
                     "blr x9\n\t"
                     "mov x8, %[exit_group]\n\t"
                     "svc #0\n\t"
                     "brk #0\n\t"
                     "1:"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x9), "r"(x10),
                       [exit_group] "i"(SYS_exit_group)
                     : "x30", "memory", "cc");
    return x0;
}
#endif

/* ---- The calls ------------------------------------------------------------ */

static inline long cs_read(int fd, void *buf, size_t n) { return CS_SYS(SYS_read, fd, buf, n, 0, 0, 0); }
static inline long cs_write(int fd, const void *buf, size_t n) { return CS_SYS(SYS_write, fd, buf, n, 0, 0, 0); }
/* No O_CREAT: a child opens only what exists. */
static inline int cs_openat(int dir, const char *path, int flags)
{
    return (int)CS_SYS(SYS_openat, dir, path, flags, 0, 0, 0);
}
static inline int cs_close(int fd) { return (int)CS_SYS(SYS_close, fd, 0, 0, 0, 0, 0); }
static inline int cs_fcntl(int fd, int cmd, int arg) { return (int)CS_SYS(SYS_fcntl, fd, cmd, arg, 0, 0, 0); }
/* dup2(2) through dup3(2) (aarch64 has no dup2), which refuses from == to. */
static inline int cs_dup2(int from, int to)
{
    if (from == to) {
        int rc = cs_fcntl(from, F_GETFD, 0);
        return rc < 0 ? rc : to;
    }
    return (int)CS_SYS(SYS_dup3, from, to, 0, 0, 0, 0);
}
static inline int cs_close_range(unsigned int from, unsigned int to, unsigned int flags)
{
    return (int)CS_SYS(SYS_close_range, from, to, flags, 0, 0, 0);
}
static inline int cs_fd_limit(struct rlimit *rl)
{
    return (int)CS_SYS(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, rl, 0, 0);
}
static inline long cs_getdents64(int fd, void *buf, size_t n) { return CS_SYS(SYS_getdents64, fd, buf, n, 0, 0, 0); }
/* poll(2) through ppoll(2) (aarch64 has no poll): timeout in ms, -1 waits. */
static inline int cs_poll(struct pollfd *fds, nfds_t n, int timeout)
{
    struct timespec ts = { .tv_sec = timeout / 1000, .tv_nsec = (long)(timeout % 1000) * 1000000L };
    return (int)CS_SYS(SYS_ppoll, fds, n, timeout < 0 ? NULL : &ts, NULL, 8, 0);
}

static inline int cs_execve(const char *path, char *const *argv, char *const *envp)
{
    return (int)CS_SYS(SYS_execve, path, argv, envp, 0, 0, 0);
}
/* exit_group(2): the whole of this process (a CLONE_VM child without
 * CLONE_THREAD is a thread group of its own: its caller goes on). No atexit
 * handler, no stdio: nothing of the caller's runs. */
__attribute__((noreturn)) static inline void cs_exit(int code)
{
    for (;;)
        (void)CS_SYS(SYS_exit_group, code, 0, 0, 0, 0, 0);
}

/* One signal's action (SIG_DFL or SIG_IGN): the system call itself, which,
 * unlike glibc's sigaction(3), also reaches glibc's own signals 32 and 33. */
static inline int cs_sigaction(int sig, void (*handler)(int))
{
    struct cs_kernel_sigaction ksa = { .handler = handler };
    return (int)CS_SYS(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask), 0, 0);
}
/* The signal mask, as the kernel's bit set (bit s - 1: signal s). */
static inline int cs_sigmask(uint64_t mask)
{
    return (int)CS_SYS(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof(mask), 0, 0);
}
/* The same, the mask it replaces in *old (when old is not NULL). The
 * library's caller uses it around its clone (spawn.c): unlike
 * pthread_sigmask(3) it also blocks glibc's signals 32 and 33. */
static inline int cs_sigmask_swap(uint64_t mask, uint64_t *old)
{
    return (int)CS_SYS(SYS_rt_sigprocmask, SIG_SETMASK, &mask, old, sizeof(mask), 0, 0);
}

static inline int cs_prctl(int option, unsigned long arg) { return (int)CS_SYS(SYS_prctl, option, arg, 0, 0, 0, 0); }
static inline pid_t cs_getppid(void) { return (pid_t)CS_SYS(SYS_getppid, 0, 0, 0, 0, 0, 0); }
static inline pid_t cs_getpid(void) { return (pid_t)CS_SYS(SYS_getpid, 0, 0, 0, 0, 0, 0); }
/* A pidfd on pid, close-on-exec (pidfd_open(2), Linux 5.3), or -errno. */
static inline int cs_pidfd_open(pid_t pid) { return (int)CS_SYS(SYS_pidfd_open, pid, 0, 0, 0, 0, 0); }
static inline int cs_setsid(void) { return (int)CS_SYS(SYS_setsid, 0, 0, 0, 0, 0, 0); }
static inline int cs_setpgid(pid_t pid, pid_t group) { return (int)CS_SYS(SYS_setpgid, pid, group, 0, 0, 0, 0); }
static inline int cs_unshare(int flags) { return (int)CS_SYS(SYS_unshare, flags, 0, 0, 0, 0, 0); }
static inline int cs_mount(const char *source, const char *target, const char *type, unsigned long flags)
{
    return (int)CS_SYS(SYS_mount, source, target, type, flags, NULL, 0);
}
static inline int cs_chdir(const char *path) { return (int)CS_SYS(SYS_chdir, path, 0, 0, 0, 0, 0); }
/* pause(2) through ppoll(2) of nothing (aarch64 has no pause): until a signal. */
static inline void cs_pause(void) { (void)CS_SYS(SYS_ppoll, NULL, 0, NULL, NULL, 8, 0); }
static inline void cs_yield(void) { (void)CS_SYS(SYS_sched_yield, 0, 0, 0, 0, 0, 0); }
static inline int cs_kill(pid_t pid, int sig) { return (int)CS_SYS(SYS_kill, pid, sig, 0, 0, 0, 0); }
static inline int cs_pidfd_kill(int pidfd, int sig)
{
    return (int)CS_SYS(SYS_pidfd_send_signal, pidfd, sig, NULL, 0, 0, 0);
}
/* A new process running fn(arg) on the stack whose top is stack_top
 * (clone(2): flags with the exit signal in the low byte); with CLONE_PIDFD,
 * *pidfd. The child's pid, or -errno. */
static inline pid_t cs_clone(int (*fn)(void *), void *stack_top, int flags, void *arg, int *pidfd)
{
    return (pid_t)cs_clone_run(SYS_clone, (unsigned long)(unsigned int)flags, (long)stack_top, (long)pidfd, 0, 0,
                               fn, arg);
}

#endif
