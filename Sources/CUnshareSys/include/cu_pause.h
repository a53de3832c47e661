// SPDX-License-Identifier: Apache-2.0
/*
 * podman mode's children (pause.c): podman's pause process, the
 * newuidmap/newgidmap runs whose output podman logs, the command itself, and
 * the programs podman starts for its rootless network namespace. Each child
 * runs only async-signal-safe C over a plain struct prepared before fork.
 */
#ifndef CU_PAUSE_H
#define CU_PAUSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The pause process: `catatonit -P` (first candidate that execs), else a
   process of our own that only waits, named "podman pause". Started in a new
   session, stdio on /dev/null; its pid is written to pid_file through a
   temporary file renamed without replacing (another process may have won). */
struct cu_pause_spawn {
    const char *_Nonnull pid_file;
    char *_Nonnull tmp_path;          /* pid_file ".XXXXXX", writable: the child fills in the X's */
    char *_Nullable const *_Nonnull candidates;   /* NULL-terminated */
    char *_Nullable const *_Nonnull argv;         /* {"catatonit", "-P", NULL} */
    char *_Nullable const *_Nonnull envp;
    int devnull;                      /* O_RDWR, opened before fork */
};

/* The outcome of cu_spawn_pause. */
struct cu_pause_result {
    int32_t status;   /* 0 written; 1 the pid file already existed (lost the race); 2 failed */
    int32_t err;      /* errno of the failure */
    int32_t pid;      /* the pause process (0 unless written) */
};

/* 0 and *out filled, or -1/errno when the first fork or pipe failed. */
int cu_spawn_pause(const struct cu_pause_spawn *_Nonnull p, struct cu_pause_result *_Nonnull out);

/* A program run to its end with stdout and stderr captured together (Go's
   CombinedOutput), stdin on /dev/null. */
struct cu_captured {
    int32_t exec_err;   /* errno when it could not be executed, else 0 */
    int32_t status;     /* its wait status (when exec_err is 0) */
    size_t length;      /* bytes of output kept (at most the buffer's size) */
};

/* One newuidmap or newgidmap run of the map runner. */
struct cu_map_tool {
    const char *_Nullable path;       /* NULL: skip */
    char *_Nullable const *_Nullable argv;
};

/* The map runner: forked before the caller unshares its user namespace; once
   released it runs the uid tool, then (if that succeeded) the gid tool, and
   sends back per tool a cu_captured record followed by the output bytes. */
struct cu_map_runner {
    pid_t target;
    int target_pidfd;                 /* checked alive before each tool, or -1 */
    struct cu_map_tool uid;
    struct cu_map_tool gid;
    char *_Nullable const *_Nonnull envp;
    int devnull;
};

struct cu_runner_handle {
    pid_t pid;
    int release_fd;
    int report_fd;
};

int cu_spawn_map_runner(const struct cu_map_runner *_Nonnull r, struct cu_runner_handle *_Nonnull out);
/* Releases the runner; 0 once it is started, -1/errno. Read reports from out->report_fd, then wait. */
int cu_release_map_runner(struct cu_runner_handle *_Nonnull h);

/* Runs path with argv to its end, capturing output into buf. 0, or -1/errno. */
int cu_run_captured(const char *_Nonnull path, char *_Nullable const *_Nonnull argv,
                    char *_Nullable const *_Nonnull envp, int devnull,
                    char *_Nonnull buf, size_t size, struct cu_captured *_Nonnull out);

/* The command, as Go's exec starts it, in the child of the core's fork:
   default dispositions for every signal, an empty mask, SIGKILL when the
   parent dies; an exec failure's errno is written (4 bytes) on report_fd, a
   close-on-exec pipe. Never returns. */
struct cu_command {
    const char *_Nonnull path;
    char *_Nullable const *_Nonnull argv;
    char *_Nullable const *_Nonnull envp;
    pid_t parent;
    int report_fd;
};
_Noreturn void cu_exec_command(const struct cu_command *_Nonnull c);

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
/* renameat2(RENAME_NOREPLACE). */
int cu_rename_noreplace(const char *_Nonnull from, const char *_Nonnull to);
/* getxattr(path, "security.capability"). */
ssize_t cu_file_capability(const char *_Nonnull path, void *_Nonnull buf, size_t size);
/* 1 when fd is a namespace file (nsfs, or proc for older kernels). */
int cu_is_namespace_fd(int fd);
/* Whether a pidfd's process has ended: 1 ended, 0 running, -1 error. */
int cu_pidfd_gone(int pidfd);

#endif
