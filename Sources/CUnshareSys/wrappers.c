// SPDX-License-Identifier: Apache-2.0
/*
 * CUnshareSys: one-line wrappers for what Swift cannot import (macros,
 * variadic calls, functions behind _GNU_SOURCE). Each returns what the
 * system call returns, with errno set; the Swift side reads errno at once
 * (its errno helper, valueOrErrno).
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
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
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
const unsigned long cu_ST_NOEXEC = ST_NOEXEC;

int cu_unshare(int flags) { return unshare(flags); }

int cu_setns(int fd, int nstype) { return setns(fd, nstype); }

int cu_mount(const char *source, const char *target, const char *fstype,
             unsigned long flags)
{
    return mount(source, target, fstype, flags, NULL);
}

int cu_setgroups_none(void) { return setgroups(0, NULL); }

int cu_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int cu_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int cu_pidfd_ended(int pidfd)
{
    struct pollfd p = { .fd = pidfd, .events = POLLIN };
    int n = poll(&p, 1, 0);
    return n < 0 ? -1 : (n > 0);
}

ssize_t cu_file_capability(const char *path, void *buf, size_t size)
{
    return getxattr(path, "security.capability", buf, size);
}

int cu_set_pdeathsig(int signo) { return prctl(PR_SET_PDEATHSIG, signo, 0, 0, 0); }

int cu_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

int cu_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

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
