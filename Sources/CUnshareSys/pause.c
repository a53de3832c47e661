/*
 * podman mode's children (see cu_pause.h). Everything after fork() here is
 * async-signal-safe: no malloc, no stdio, only buffers prepared before fork.
 */
#define _GNU_SOURCE
#include "cu_pause.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static int write_full(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static ssize_t read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static pid_t wait_retry(pid_t pid, int *status)
{
    pid_t r;
    do {
        r = waitpid(pid, status, 0);
    } while (r < 0 && errno == EINTR);
    return r;
}

/* Every signal back to its default action, and an empty mask. */
static void default_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int s = 1; s < NSIG; s++) {
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &sa, NULL);
    }
    /* glibc refuses its own two real-time signals (32, 33) in sigaction(3);
       an inherited SIG_IGN on them is reset with the raw system call. */
    struct { void (*handler)(int); unsigned long flags; void (*restorer)(void); unsigned long mask; } k;
    memset(&k, 0, sizeof(k));
    k.handler = SIG_DFL;
    for (int s = 32; s < SIGRTMIN; s++)
        syscall(SYS_rt_sigaction, s, &k, NULL, sizeof(k.mask));
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Closes every descriptor from `from` up. */
static void close_from(int from)
{
    if (syscall(SYS_close_range, from, ~0U, 0) == 0)
        return;
    for (int fd = from; fd < 65536; fd++)
        close(fd);
}

static int format_pid(char *buf, pid_t pid)
{
    char tmp[16];
    int n = 0, len = 0;
    unsigned v = (unsigned)pid;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

/* ------------------------------------------------------------------------- */
/* The pause process                                                          */

/* In the grandchild: podman's pause process. Ignores what podman's ignores,
   blocks all but SIGCHLD and SIGTERM, then becomes catatonit or waits. */
static void become_pause(const struct cu_pause_spawn *p)
{
    static const int ignored[] = { SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGPOLL,
                                   SIGPROF, SIGVTALRM, SIGXCPU, SIGXFSZ, 0 };
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int s = 1; s < NSIG; s++) {
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &sa, NULL);
    }
    sa.sa_handler = SIG_IGN;
    for (int i = 0; ignored[i]; i++)
        sigaction(ignored[i], &sa, NULL);
    sigset_t mask;
    sigfillset(&mask);
    sigdelset(&mask, SIGCHLD);
    sigdelset(&mask, SIGTERM);
    sigprocmask(SIG_SETMASK, &mask, NULL);

    dup2(p->devnull, 0);
    dup2(p->devnull, 1);
    dup2(p->devnull, 2);
    close_from(3);
    for (char *const *c = p->candidates; *c; c++)
        execve(*c, p->argv, p->envp);
    prctl(PR_SET_NAME, "podman pause", 0, 0, 0);
    for (;;)
        pause();
}

/* In the intermediate child: the pid file, written through a fresh temporary
   file and renamed only if no pid file is there. */
static int write_pid_file(const struct cu_pause_spawn *p, pid_t pid, int *err)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    size_t len = strlen(p->tmp_path);
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        unsigned char rnd[6];
        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
            for (int i = 0; i < 6; i++)
                rnd[i] = (unsigned char)(pid * 31 + attempt * 7 + i);
        for (int i = 0; i < 6; i++)
            p->tmp_path[len - 6 + i] = letters[rnd[i] % (sizeof(letters) - 1)];
        fd = open(p->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) {
            *err = errno;
            return 2;
        }
    }
    if (fd < 0) {
        *err = EEXIST;
        return 2;
    }
    char text[16];
    int n = format_pid(text, pid);
    if (write_full(fd, text, (size_t)n) != 0) {
        *err = errno;
        close(fd);
        unlink(p->tmp_path);
        return 2;
    }
    close(fd);
    if (cu_rename_noreplace(p->tmp_path, p->pid_file) != 0) {
        *err = errno;
        unlink(p->tmp_path);
        return *err == EEXIST ? 1 : 2;
    }
    return 0;
}

int cu_spawn_pause(const struct cu_pause_spawn *p, struct cu_pause_result *out)
{
    int pipefd[2];
    memset(out, 0, sizeof(*out));
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return -1;
    pid_t mid = fork();
    if (mid < 0) {
        int e = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        errno = e;
        return -1;
    }
    if (mid == 0) {
        struct cu_pause_result r = { .status = 2, .err = 0, .pid = 0 };
        close(pipefd[0]);
        setsid();
        pid_t pause_pid = fork();
        if (pause_pid == 0)
            become_pause(p);
        if (pause_pid < 0) {
            r.err = errno;
        } else {
            r.status = write_pid_file(p, pause_pid, &r.err);
            if (r.status != 0)
                kill(pause_pid, SIGKILL);
            else
                r.pid = pause_pid;
        }
        write_full(pipefd[1], &r, sizeof(r));
        _exit(r.status == 0 ? 0 : 1);
    }
    close(pipefd[1]);
    out->status = 2;
    out->err = EPIPE;
    struct cu_pause_result r;
    if (read_full(pipefd[0], &r, sizeof(r)) == (ssize_t)sizeof(r))
        *out = r;
    close(pipefd[0]);
    int status;
    wait_retry(mid, &status);
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Programs run with their output captured                                   */

/* Forks and execs path with stdout and stderr on out_fd; the exec errno goes
   on a close-on-exec pipe. Returns the pid (or -1) and sets *exec_err. */
static pid_t start_captured(const char *path, char *const *argv, char *const *envp,
                            int devnull, int out_fd, int *exec_err)
{
    int errpipe[2];
    *exec_err = 0;
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        *exec_err = errno;
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(errpipe[0]);
        default_signals();
        dup2(devnull, 0);
        dup2(out_fd, 1);
        dup2(out_fd, 2);
        execve(path, argv, envp);
        int e = errno;
        write_full(errpipe[1], &e, sizeof(e));
        _exit(127);
    }
    close(errpipe[1]);
    if (pid < 0) {
        *exec_err = errno;
        close(errpipe[0]);
        return -1;
    }
    int e;
    if (read_full(errpipe[0], &e, sizeof(e)) == (ssize_t)sizeof(e))
        *exec_err = e;
    close(errpipe[0]);
    return pid;
}

/* Reads fd to its end, keeping the first `size` bytes. */
static size_t drain(int fd, char *buf, size_t size)
{
    size_t kept = 0;
    char scratch[512];
    for (;;) {
        char *dst = kept < size ? buf + kept : scratch;
        size_t room = kept < size ? size - kept : sizeof(scratch);
        ssize_t n = read(fd, dst, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (dst != scratch)
            kept += (size_t)n;
    }
    return kept;
}

int cu_run_captured(const char *path, char *const *argv, char *const *envp, int devnull,
                    char *buf, size_t size, struct cu_captured *out)
{
    int outpipe[2];
    int exec_err;
    memset(out, 0, sizeof(*out));
    if (pipe2(outpipe, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = start_captured(path, argv, envp, devnull, outpipe[1], &exec_err);
    close(outpipe[1]);
    out->length = drain(outpipe[0], buf, size);
    close(outpipe[0]);
    if (pid < 0) {
        out->exec_err = exec_err;
        return 0;
    }
    int status = 0;
    if (wait_retry(pid, &status) < 0)
        return -1;
    out->exec_err = exec_err;
    out->status = status;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* The map runner                                                             */

static char map_output[65536];

static void run_map_tools(const struct cu_map_runner *r, int report_fd)
{
    const struct cu_map_tool *tools[2] = { &r->uid, &r->gid };
    for (int i = 0; i < 2; i++) {
        if (!tools[i]->path || !tools[i]->argv)
            continue;
        if (r->target_pidfd >= 0) {
            struct pollfd p = { .fd = r->target_pidfd, .events = POLLIN };
            if (poll(&p, 1, 0) != 0)
                _exit(1);   /* the target ended: name no pid */
        }
        struct cu_captured c;
        if (cu_run_captured(tools[i]->path, tools[i]->argv, r->envp, r->devnull,
                            map_output, sizeof(map_output), &c) != 0) {
            c.exec_err = errno;
            c.length = 0;
        }
        write_full(report_fd, &c, sizeof(c));
        write_full(report_fd, map_output, c.length);
        if (c.exec_err != 0 || c.status != 0)
            _exit(1);
    }
    _exit(0);
}

int cu_spawn_map_runner(const struct cu_map_runner *r, struct cu_runner_handle *out)
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
        char byte;
        ssize_t n;
        close(release[1]);
        close(rep[0]);
        /* Die with the target; make sure it is still our parent. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != r->target)
            _exit(1);
        do {
            n = read(release[0], &byte, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1)
            _exit(1);
        close(release[0]);
        run_map_tools(r, rep[1]);
    }
    close(release[0]);
    close(rep[1]);
    out->pid = pid;
    out->release_fd = release[1];
    out->report_fd = rep[0];
    return 0;
}

int cu_release_map_runner(struct cu_runner_handle *h)
{
    char byte = 1;
    int rc = write_full(h->release_fd, &byte, 1);
    close(h->release_fd);
    h->release_fd = -1;
    return rc;
}

/* ------------------------------------------------------------------------- */
/* The command                                                                */

/* ------------------------------------------------------------------------- */
/* The rootless network namespace                                            */

pid_t cu_spawn_detached(const struct cu_detached *d)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    default_signals();
    setpgid(0, 0);
    /* As Go does for Unshareflags CLONE_NEWNS: the new mount namespace is made
       private, so that the sandbox's unmounts do not reach shared peers. */
    if (d->new_mount_ns && (unshare(CLONE_NEWNS) != 0
                            || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0))
        _exit(126);
    dup2(d->devnull, 0);
    dup2(d->log_fd, 1);
    dup2(d->log_fd, 2);
    if (d->sync_fd == 3) {
        fcntl(3, F_SETFD, 0);
    } else {
        dup2(d->sync_fd, 3);
    }
    close_from(4);
    execve(d->path, d->argv, d->envp);
    _exit(127);
}

int cu_bind_new_netns(const char *path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (unshare(CLONE_NEWNET) != 0)
            _exit(errno & 0xff);
        if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) != 0)
            _exit(errno & 0xff);
        _exit(0);
    }
    int status;
    if (wait_retry(pid, &status) < 0)
        return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    errno = WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
    return -1;
}

/* ------------------------------------------------------------------------- */
/* Small wrappers                                                             */

int cu_become_root(void)
{
    if (syscall(SYS_setresgid, 0, 0, 0) != 0)
        return -1;
    return (int)syscall(SYS_setresuid, 0, 0, 0);
}

int cu_lock_file(int fd)
{
    struct flock lk;
    memset(&lk, 0, sizeof(lk));
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    int r;
    do {
        r = fcntl(fd, F_SETLKW, &lk);
    } while (r < 0 && errno == EINTR);
    return r;
}

int cu_rename_noreplace(const char *from, const char *to)
{
    if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* No renameat2 here: claim the name first, then replace it. */
    int fd = open(to, O_EXCL | O_CREAT | O_CLOEXEC, 0700);
    if (fd < 0)
        return -1;
    close(fd);
    return rename(from, to);
}

int cu_pidfd_gone(int pidfd)
{
    struct pollfd p = { .fd = pidfd, .events = POLLIN };
    int n = poll(&p, 1, 0);
    return n < 0 ? -1 : (n > 0);
}

ssize_t cu_file_capability(const char *path, void *buf, size_t size)
{
    return getxattr(path, "security.capability", buf, size);
}

int cu_is_namespace_fd(int fd)
{
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0)
        return 0;
    return fs.f_type == 0x6e736673 /* NSFS_MAGIC */ || fs.f_type == 0x9fa0 /* PROC_SUPER_MAGIC */;
}

/* In a fork child: the command, as Go's exec starts it (see cu_spawn_command). */
void cu_exec_command(const struct cu_command *c)
{
    default_signals();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != c->parent)
        _exit(1);   /* the parent is already gone */
    execve(c->path, c->argv, c->envp);
    int e = errno;
    write_full(c->report_fd, &e, sizeof(e));
    _exit(127);
}
