// SPDX-License-Identifier: Apache-2.0
/*
 * The floor for `unshare -r PROGRAM` and `unshare -r --map-auto PROGRAM` on
 * glibc: the least any implementation has to do, with no option parsing, no
 * messages and no checks. scripts/bench.sh builds it statically, as the
 * release binary is built, and times it against util-linux as reference rows:
 * a time ratio this program cannot beat is one swift-unshare cannot beat
 * either (BENCHMARKS.md, "What is left").
 *
 *   bench-floor PROGRAM...                          unshare, maps written by itself, execvp
 *   bench-floor SUBUID COUNT SUBGID COUNT PROGRAM... the --map-auto way: newuidmap and
 *                                                    newgidmap forked before unshare,
 *                                                    released after it, run at once
 *   bench-floor --map-auto PROGRAM...               the same, with the ranges looked up
 *                                                    as the command must: the caller's
 *                                                    name (/etc/passwd), then its first
 *                                                    line in /etc/subuid and /etc/subgid
 *   bench-floor --join PIDFILE PROGRAM...           podman mode's join: read the pause
 *                                                    process's pid file, open the pid,
 *                                                    setns into its user and mount
 *                                                    namespaces, execvp
 *   bench-floor --join-wait PIDFILE PROGRAM...      the same, but the program runs in a
 *                                                    child (vfork) that this process
 *                                                    waits for and ends as, as podman
 *                                                    unshare must (it stays the parent)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void put(const char *file, const char *text)
{
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        _exit(1);
    close(fd);
}

/* A child that waits for one byte on `release`, then runs `tool` for `target`
   with "0 id 1" and "1 start count". */
static pid_t held(int release, const char *tool, const char *target, unsigned id, const char *start,
                  const char *count)
{
    char own[16];
    snprintf(own, sizeof(own), "%u", id);
    pid_t pid = fork();
    if (pid == 0) {
        char byte;
        if (read(release, &byte, 1) != 1)
            _exit(1);
        execlp(tool, tool, target, "0", own, "1", "1", start, count, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* The first "name:start:count" (or "uid:start:count") line of file for
   this user, as start and count texts; 0, or 1 when there is none. */
static int first_range(const char *file, const char *name, unsigned uid, char *start, char *count)
{
    char line[256], own[16];
    snprintf(own, sizeof(own), "%u", uid);
    FILE *f = fopen(file, "re");
    if (!f)
        return 1;
    int found = 1;
    while (found && fgets(line, sizeof(line), f)) {
        char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
        if (!b)
            continue;
        *a = *b = 0;
        b[1 + strcspn(b + 1, "\n")] = 0;
        if (strcmp(line, name) == 0 || strcmp(line, own) == 0) {
            snprintf(start, 16, "%s", a + 1);
            snprintf(count, 16, "%s", b + 1);
            found = 0;
        }
    }
    fclose(f);
    return found;
}

/* The caller's name from /etc/passwd (the line whose third field is uid):
   the files, read directly, as a files-only system serves them. glibc's
   getpwuid would first ask for nscd over a socket, which swift-unshare's
   static build never does; 0, or 1 when there is no such line. */
static int passwd_name(unsigned uid, char *name, size_t size)
{
    char line[512], own[16];
    snprintf(own, sizeof(own), "%u", uid);
    FILE *f = fopen("/etc/passwd", "re");
    if (!f)
        return 1;
    int found = 1;
    while (found && fgets(line, sizeof(line), f)) {
        char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL, *c = b ? strchr(b + 1, ':') : NULL;
        if (!c)
            continue;
        *a = *c = 0;
        if (strcmp(b + 1, own) == 0) {
            snprintf(name, size, "%s", line);
            found = 0;
        }
    }
    fclose(f);
    return found;
}

/* podman mode's floor: the pause process's namespaces joined, then execvp
   (or, with `wait`, a vfork child execvp's and this process waits for it). */
static int join(const char *pid_file, char **program, int wait)
{
    char text[32];
    int fd = open(pid_file, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
    if (n <= 0)
        return 1;
    close(fd);
    text[n] = 0;
    int pidfd = (int)syscall(SYS_pidfd_open, atoi(text), 0);
    if (pidfd < 0 || setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS) != 0)
        return 1;
    close(pidfd);
    if (wait) {
        int status;
        pid_t child = vfork();
        if (child == 0) {
            execvp(program[0], program);
            _exit(127);
        }
        if (child < 0 || waitpid(child, &status, 0) != child)
            return 1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
    }
    execvp(program[0], program);
    return 127;
}

int main(int argc, char **argv)
{
    char map[64];
    unsigned uid = geteuid(), gid = getegid();
    if (argc >= 4 && strcmp(argv[1], "--join") == 0)
        return join(argv[2], argv + 3, 0);
    if (argc >= 4 && strcmp(argv[1], "--join-wait") == 0)
        return join(argv[2], argv + 3, 1);
    static char ranges[4][16];
    static char *looked_up[64];
    if (argc >= 3 && argc < 60 && strcmp(argv[1], "--map-auto") == 0) {
        char name[512];
        if (passwd_name(uid, name, sizeof(name)) != 0
            || first_range("/etc/subuid", name, uid, ranges[0], ranges[1]) != 0
            || first_range("/etc/subgid", name, uid, ranges[2], ranges[3]) != 0)
            return 1;
        looked_up[0] = argv[0];
        for (int i = 0; i < 4; i++)
            looked_up[1 + i] = ranges[i];
        for (int i = 2; i < argc; i++)
            looked_up[i + 3] = argv[i];
        argv = looked_up;
        argc += 3;
    }
    if (argc >= 6) {
        int release[2];
        char target[16];
        snprintf(target, sizeof(target), "%d", (int)getpid());
        if (pipe2(release, O_CLOEXEC) != 0)
            return 1;
        pid_t u = held(release[0], "newuidmap", target, uid, argv[1], argv[2]);
        pid_t g = held(release[0], "newgidmap", target, gid, argv[3], argv[4]);
        if (u < 0 || g < 0 || unshare(CLONE_NEWUSER) != 0 || write(release[1], "xx", 2) != 2)
            return 1;
        int su, sg;
        if (waitpid(u, &su, 0) != u || waitpid(g, &sg, 0) != g || su != 0 || sg != 0)
            return 1;
        argv += 4;
    } else {
        if (argc < 2 || unshare(CLONE_NEWUSER) != 0)
            return 1;
        snprintf(map, sizeof(map), "0 %u 1", uid);
        put("/proc/self/uid_map", map);
        put("/proc/self/setgroups", "deny");
        snprintf(map, sizeof(map), "0 %u 1", gid);
        put("/proc/self/gid_map", map);
    }
    execvp(argv[1], argv + 1);
    return 127;
}
