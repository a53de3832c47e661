// SPDX-License-Identifier: Apache-2.0
/*
 * podman mode's children (see cu_podman.h). Everything after fork() here is
 * async-signal-safe: no malloc, no stdio, only buffers prepared before fork.
 * This file: the rootless network namespace, and small wrappers.
 */
#define _GNU_SOURCE
#include "cu_podman.h"
#include "child_io.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/* ------------------------------------------------------------------------- */
/* The rootless network namespace                                            */

pid_t cu_spawn_detached(const struct cu_detached *d)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    cu_default_all_signals();
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
    cu_close_span((unsigned int)(4), ~0U);
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
    if (cu_wait_retry(pid, &status) < 0)
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

int cu_flock_shared(int fd)
{
    int r;
    do {
        r = flock(fd, LOCK_SH);
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
