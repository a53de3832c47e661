// SPDX-License-Identifier: Apache-2.0
/*
 * podman mode's own children: the programs podman starts for its rootless
 * network namespace (podman_tools.c, podman_calls.c), and small wrappers.
 * Each child runs only async-signal-safe C over a plain struct prepared
 * before fork. The pause process, newuidmap/newgidmap and the command are
 * spawned through the library's API (cu_spawn.h).
 */
#ifndef CU_PODMAN_H
#define CU_PODMAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A program run to its end with stdout and stderr captured together (Go's
   CombinedOutput), stdin on /dev/null. */
struct cu_captured {
    int32_t exec_err;   /* errno when it could not be executed, else 0 */
    int32_t status;     /* its wait status (when exec_err is 0) */
    size_t length;      /* bytes of output kept (at most the buffer's size) */
};

/* Runs path with argv to its end, capturing output into buf. 0, or -1/errno. */
int cu_run_captured(const char *_Nonnull path, char *_Nullable const *_Nonnull argv,
                    char *_Nullable const *_Nonnull envp, int devnull,
                    char *_Nonnull buf, size_t size, struct cu_captured *_Nonnull out);

/* slirp4netns for the rootless network namespace: its own process group and
   mount namespace (when new_mount_ns), stdout/stderr to log_fd, sync_fd as
   fd 3, stdin /dev/null; it outlives us. Returns the pid, or -1/errno. */
struct cu_detached {
    const char *_Nonnull path;
    char *_Nullable const *_Nonnull argv;
    char *_Nullable const *_Nonnull envp;
    int log_fd;
    int sync_fd;
    int devnull;
    int new_mount_ns;
};
pid_t cu_spawn_detached(const struct cu_detached *_Nonnull d);

/* A new network namespace bound on path (an existing empty file), made by a
   short-lived child so that the caller keeps its own. 0, or -1/errno. */
int cu_bind_new_netns(const char *_Nonnull path);

/* setresuid(0,0,0) and setresgid(0,0,0) by raw syscall (one thread here). */
int cu_become_root(void);
/* A POSIX write lock on the whole file, waiting for it (F_SETLKW). */
int cu_lock_file(int fd);
/* flock(LOCK_SH), waiting for it: bbolt's lock for a reader of its database. */
int cu_flock_shared(int fd);
/* renameat2(RENAME_NOREPLACE). */
int cu_rename_noreplace(const char *_Nonnull from, const char *_Nonnull to);
/* 1 when fd is a namespace file (nsfs, or proc for older kernels). */
int cu_is_namespace_fd(int fd);

#endif
