// SPDX-License-Identifier: Apache-2.0
/*
 * podman mode's children (see cu_pause.h). Everything after fork() here is
 * async-signal-safe: no malloc, no stdio, only buffers prepared before fork.
 * This file: the pause process and its pid file.
 */
#define _GNU_SOURCE
#include "cu_pause.h"
#include "child_io.h"

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
static void become_pause(const struct cu_pause_spawn *p, int exec_w)
{
    static const int ignored[] = { SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGPOLL,
                                   SIGPROF, SIGVTALRM, SIGXCPU, SIGXFSZ, 0 };
    cu_default_all_signals();
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
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
    /* Everything above 2 goes but exec_w (close-on-exec): its end of file
       tells the parent that catatonit runs, or that this process pauses. */
    cu_close_span(3, (unsigned int)exec_w - 1);
    cu_close_span((unsigned int)exec_w + 1, ~0U);
    for (char *const *c = p->candidates; *c; c++)
        execve(*c, p->argv, p->envp);
    close(exec_w);
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
    if (cu_write_all(fd, text, (size_t)n) != 0) {
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
        /* The pid file is written only once the pause process has exec'd
           catatonit (or settled as its own pause loop): whoever reads the pid
           file then finds the finished process, never this program's copy. */
        int exec_pipe[2];
        if (pipe2(exec_pipe, O_CLOEXEC) != 0) {
            r.err = errno;
            cu_write_all(pipefd[1], &r, sizeof(r));
            _exit(1);
        }
        pid_t pause_pid = fork();
        int fork_err = errno;
        if (pause_pid == 0) {
            close(exec_pipe[0]);
            become_pause(p, exec_pipe[1]);
        }
        close(exec_pipe[1]);
        if (pause_pid >= 0) {
            char byte;
            cu_read_full(exec_pipe[0], &byte, 1);   /* end of file: exec'd or pausing */
        }
        close(exec_pipe[0]);
        if (pause_pid < 0) {
            r.err = fork_err;
        } else {
            r.status = write_pid_file(p, pause_pid, &r.err);
            if (r.status != 0)
                kill(pause_pid, SIGKILL);
            else
                r.pid = pause_pid;
        }
        cu_write_all(pipefd[1], &r, sizeof(r));
        _exit(r.status == 0 ? 0 : 1);
    }
    close(pipefd[1]);
    out->status = 2;
    out->err = EPIPE;
    struct cu_pause_result r;
    if (cu_read_full(pipefd[0], &r, sizeof(r)) == (ssize_t)sizeof(r))
        *out = r;
    close(pipefd[0]);
    int status;
    cu_wait_retry(mid, &status);
    return 0;
}
