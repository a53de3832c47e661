// SPDX-License-Identifier: Apache-2.0
/*
 * podman mode's children (see cu_podman.h). Everything after fork() here runs
 * through the child-side engine (child.h): async-signal-safe, only buffers
 * prepared before fork.
 * This file: the rootless network namespace, and small wrappers.
 */
#include "child.h"

#include <stdio.h>
#include <sys/file.h>
#include <sys/statfs.h>
#include <sys/wait.h>

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
    cu_child_default_signals();
    cu_child_mask_signals(0);
    cs_setpgid(0, 0);
    /* As Go does for Unshareflags CLONE_NEWNS: the new mount namespace is made
       private, so that the sandbox's unmounts do not reach shared peers. */
    if (d->new_mount_ns && (cs_unshare(CLONE_NEWNS) < 0 || cs_mount("none", "/", NULL, MS_REC | MS_PRIVATE) < 0))
        cs_exit(126);
    cs_dup2(d->devnull, 0);
    cs_dup2(d->log_fd, 1);
    cs_dup2(d->log_fd, 2);
    if (d->sync_fd == 3)
        cs_fcntl(3, F_SETFD, 0);
    else
        cs_dup2(d->sync_fd, 3);
    cu_close_span(4, ~0U);
    cs_execve(d->path, d->argv, d->envp);
    cs_exit(127);
}

int cu_bind_new_netns(const char *path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int rc = cs_unshare(CLONE_NEWNET);
        if (rc == 0)
            rc = cs_mount("/proc/self/ns/net", path, "none", MS_BIND);
        cs_exit(-rc & 0xff);   /* the errno is the exit status */
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
    struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };   /* the whole file */
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

int cu_is_namespace_fd(int fd)
{
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0)
        return 0;
    return fs.f_type == 0x6e736673 /* NSFS_MAGIC */ || fs.f_type == 0x9fa0 /* PROC_SUPER_MAGIC */;
}
