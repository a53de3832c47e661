/*
 * CUnshareSys: syscall wrappers and the helper children of swift-unshare.
 *
 * Rule for everything below the "Helper children" line: it runs between
 * fork() and exec()/_exit() and must be async-signal-safe. No malloc, no
 * stdio, no Swift. Every buffer it touches was prepared by the Swift side
 * before fork and is passed in a plain struct.
 */
#define _GNU_SOURCE
#include "CUnshareSys.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const int cu_CLONE_NEWNS = CLONE_NEWNS;
const int cu_CLONE_NEWUTS = CLONE_NEWUTS;
const int cu_CLONE_NEWIPC = CLONE_NEWIPC;
const int cu_CLONE_NEWNET = CLONE_NEWNET;
const int cu_CLONE_NEWPID = CLONE_NEWPID;
const int cu_CLONE_NEWUSER = CLONE_NEWUSER;
const int cu_CLONE_NEWCGROUP = CLONE_NEWCGROUP;
const int cu_CLONE_NEWTIME = CLONE_NEWTIME;

const int cu_O_PATH = O_PATH;

const unsigned long cu_MS_REC = MS_REC;
const unsigned long cu_MS_PRIVATE = MS_PRIVATE;
const unsigned long cu_MS_SHARED = MS_SHARED;
const unsigned long cu_MS_SLAVE = MS_SLAVE;
const unsigned long cu_MS_BIND = MS_BIND;
const unsigned long cu_MS_NOSUID = MS_NOSUID;
const unsigned long cu_MS_NOEXEC = MS_NOEXEC;
const unsigned long cu_MS_NODEV = MS_NODEV;

int cu_errno(void) { return errno; }
void cu_set_errno(int value) { errno = value; }

int cu_unshare(int flags) { return unshare(flags); }

int cu_mount(const char *source, const char *target, const char *fstype,
             unsigned long flags)
{
    return mount(source, target, fstype, flags, NULL);
}

int cu_setgroups_none(void) { return setgroups(0, NULL); }

int cu_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int cu_pidfd_ended(int pidfd)
{
    struct pollfd p = { .fd = pidfd, .events = POLLIN };
    int n = poll(&p, 1, 0);
    return n < 0 ? -1 : (n > 0);
}

int cu_set_pdeathsig(int signo) { return prctl(PR_SET_PDEATHSIG, signo, 0, 0, 0); }

int cu_permitted_to_ambient(int last_cap)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2];

    if (syscall(SYS_capget, &hdr, data) != 0)
        return 1;
    /* ambient needs each capability in both permitted and inheritable */
    data[0].inheritable = data[0].permitted;
    data[1].inheritable = data[1].permitted;
    if (syscall(SYS_capset, &hdr, data) != 0)
        return 2;
    for (int cap = 0; cap <= last_cap && cap < 64; cap++) {
        if (!(data[cap / 32].permitted & (1u << (cap % 32))))
            continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
            return 3;
    }
    return 0;
}

int cu_wifexited(int status) { return WIFEXITED(status); }
int cu_wexitstatus(int status) { return WEXITSTATUS(status); }
int cu_wifsignaled(int status) { return WIFSIGNALED(status); }
int cu_wtermsig(int status) { return WTERMSIG(status); }

int cu_sigrtmin(void) { return SIGRTMIN; }
int cu_sigrtmax(void) { return SIGRTMAX; }

static sigset_t saved_mask;
static volatile pid_t forward_target;

int cu_block_int_term(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return sigprocmask(SIG_BLOCK, &set, &saved_mask);
}

int cu_restore_sigmask(void) { return sigprocmask(SIG_SETMASK, &saved_mask, NULL); }

int cu_unblock_signal(int signo)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    return sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int cu_default_signal(int signo)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    return sigaction(signo, &sa, NULL);
}

/* A signal handler: async-signal-safe by construction. */
static void forward_signal(int signo)
{
    if (forward_target > 0)
        kill(forward_target, signo);
}

int cu_forward_int_term(void)
{
    /* Blocked until the parent knows the child's pid (cu_restore_sigmask after
       cu_set_forward_target): a signal that comes in between is held, not lost. */
    if (cu_block_int_term() != 0)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        return -1;
    return 0;
}

void cu_set_forward_target(pid_t pid) { forward_target = pid; }

/* ------------------------------------------------------------------------- */
/* Helper children: async-signal-safe from here on.                           */

static void report(int fd, int step, int err, int index)
{
    struct cu_report r = { .step = step, .err = err, .index = index };
    ssize_t n;
    do {
        n = write(fd, &r, sizeof(r));
    } while (n < 0 && errno == EINTR);
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * In the helper, right after fork: die with the target, make sure the target
 * is still our parent (so its pid has not been recycled), then block until the
 * parent writes the release byte. EOF means the parent went away: stop quietly.
 */
static void await_release(pid_t target, int release_rd)
{
    char byte;
    ssize_t n;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != target)
        _exit(1);
    do {
        n = read(release_rd, &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        _exit(1);
    close(release_rd);
}

/*
 * execvp(3)'s PATH rules over candidates prepared before fork: skip
 * ENOENT/ENOTDIR-like failures, remember EACCES, stop at any other error.
 */
static int exec_candidates(char *const *paths, char *const *argv, char *const *envp)
{
    int got_eacces = 0, last = ENOENT;
    for (; *paths; paths++) {
        execve(*paths, argv, envp);
        switch (errno) {
        case EACCES:
            got_eacces = 1;
            /* fallthrough */
        case ENOENT: case ESTALE: case ENOTDIR: case ENODEV: case ETIMEDOUT:
            last = errno;
            continue;
        default:
            return errno;
        }
    }
    return got_eacces ? EACCES : last;
}

/* Start one newuidmap/newgidmap child; returns its pid or -1.
 * newuidmap names the target by pid (shadow 4.13 has no pidfd form), so the
 * child checks through the target's pidfd, just before exec, that the target
 * is still alive: its pid cannot have been recycled up to that point. The
 * target itself is blocked waiting for this helper, so only a kill from
 * outside could end it in the microseconds between the check and newuidmap's
 * own open of /proc/<pid>; newuidmap then also checks that the process found
 * there belongs to the calling user. */
static pid_t start_idmapper(char *const *argv, char *const *paths, char *const *envp,
                            int target_pidfd, int report_fd, int step)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (target_pidfd >= 0) {
            struct pollfd p = { .fd = target_pidfd, .events = POLLIN };
            if (poll(&p, 1, 0) != 0)
                _exit(1);   /* ended (or cannot tell): name no pid */
        }
        int err = exec_candidates(paths, argv, envp);
        report(report_fd, step, err, 0);
        _exit(err == ENOENT ? 127 : 126);
    }
    if (pid < 0)
        report(report_fd, CU_STEP_FORK, errno, 0);
    return pid;
}

/* 0 when the child exited 0, else the exit code to pass on (1 for a signal). */
static int wait_exit_code(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return 1;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 1;
}

static void write_map(int dirfd, const char *name, const char *text, size_t len,
                      int report_fd, int open_step)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        report(report_fd, open_step, errno, 0);
        _exit(1);
    }
    if (write_all(fd, text, len) != 0) {
        report(report_fd, open_step + 1, errno, 0);
        _exit(1);
    }
    close(fd);
}

static void run_map_helper(const struct cu_map_helper *h, int report_fd)
{
    if (h->privileged) {
        if (h->uid_text)
            write_map(h->proc_dirfd, "uid_map", h->uid_text, h->uid_len,
                      report_fd, CU_STEP_OPEN_UID_MAP);
        if (h->gid_text)
            write_map(h->proc_dirfd, "gid_map", h->gid_text, h->gid_len,
                      report_fd, CU_STEP_OPEN_GID_MAP);
        _exit(0);
    }
    /* Unprivileged: both setuid helpers run at the same time. */
    pid_t upid = -1, gpid = -1;
    int urc = 0, grc = 0;
    if (h->uid_argv && h->uid_paths)
        upid = start_idmapper(h->uid_argv, h->uid_paths, h->envp, h->target_pidfd, report_fd,
                              CU_STEP_EXEC_NEWUIDMAP);
    if (h->gid_argv && h->gid_paths)
        gpid = start_idmapper(h->gid_argv, h->gid_paths, h->envp, h->target_pidfd, report_fd,
                              CU_STEP_EXEC_NEWGIDMAP);
    if (upid > 0)
        urc = wait_exit_code(upid);
    if (gpid > 0)
        grc = wait_exit_code(gpid);
    if ((h->uid_argv && upid < 0) || (h->gid_argv && gpid < 0))
        _exit(1);
    _exit(urc ? urc : grc);
}

static void run_bind_helper(const struct cu_bind_helper *h, int report_fd)
{
    for (size_t i = 0; i < h->count; i++) {
        if (mount(h->sources[i], h->targets[i], NULL, MS_BIND, NULL) != 0) {
            report(report_fd, CU_STEP_BIND, errno, (int)i);
            _exit(1);
        }
    }
    _exit(0);
}

/* Fork a helper; in the child, wait for release and run `body`. */
static int spawn(pid_t target, struct cu_helper_handle *out,
                 void (*body)(const void *, int), const void *arg)
{
    int release[2], rep[2];
    if (pipe2(release, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(rep, O_CLOEXEC) != 0) {
        int e = errno;
        close(release[0]);
        close(release[1]);
        errno = e;
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(release[0]); close(release[1]); close(rep[0]); close(rep[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        close(release[1]);
        close(rep[0]);
        await_release(target, release[0]);
        body(arg, rep[1]);
        _exit(0);
    }
    close(release[0]);
    close(rep[1]);
    out->pid = pid;
    out->release_fd = release[1];
    out->report_fd = rep[0];
    return 0;
}

static void map_body(const void *arg, int report_fd)
{
    run_map_helper((const struct cu_map_helper *)arg, report_fd);
}

static void bind_body(const void *arg, int report_fd)
{
    run_bind_helper((const struct cu_bind_helper *)arg, report_fd);
}

int cu_spawn_map_helper(const struct cu_map_helper *h, struct cu_helper_handle *out)
{
    return spawn(h->target, out, map_body, h);
}

int cu_spawn_bind_helper(const struct cu_bind_helper *h, struct cu_helper_handle *out)
{
    return spawn(h->target, out, bind_body, h);
}

/* In the parent (ordinary code from here on). */
int cu_release_helper(struct cu_helper_handle *h, struct cu_report *rep)
{
    char byte = 1;
    int status;
    ssize_t n;

    memset(rep, 0, sizeof(*rep));
    if (write_all(h->release_fd, &byte, 1) != 0)
        return -1;
    close(h->release_fd);
    h->release_fd = -1;
    while (waitpid(h->pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    /* newuidmap and newgidmap run at once and may both fail: report the
       failure of the lowest step (uid before gid), whichever wrote first. */
    for (;;) {
        struct cu_report r;
        n = read(h->report_fd, &r, sizeof(r));
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof(r))
            break;
        if (r.step != CU_STEP_NONE && (rep->step == CU_STEP_NONE || r.step < rep->step))
            *rep = r;
    }
    close(h->report_fd);
    h->report_fd = -1;
    return status;
}

/* ------------------------------------------------------------------------- */
/* podman mode */

int cu_setns(int fd, int nstype) { return setns(fd, nstype); }

static const int hup_int_term[3] = { SIGHUP, SIGINT, SIGTERM };
static struct sigaction saved_hup_int_term[3];

int cu_forward_hup_int_term(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int i = 0; i < 3; i++) {
        if (sigaction(hup_int_term[i], &sa, &saved_hup_int_term[i]) != 0)
            return -1;
    }
    return 0;
}

int cu_restore_hup_int_term(void)
{
    for (int i = 0; i < 3; i++) {
        if (sigaction(hup_int_term[i], &saved_hup_int_term[i], NULL) != 0)
            return -1;
    }
    return 0;
}
