// SPDX-License-Identifier: Apache-2.0
/*
 * The floor for `unshare -r PROGRAM` on glibc: the least any implementation
 * has to do (unshare, three writes, execvp), with no option parsing, no
 * messages and no checks. scripts/bench.sh builds it statically, as the
 * release binary is built, and times it against util-linux as a reference
 * row: a time ratio this program cannot beat is one swift-unshare cannot
 * beat either (BENCHMARKS.md, "What is left").
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void put(const char *file, const char *text)
{
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        _exit(1);
    close(fd);
}

int main(int argc, char **argv)
{
    char map[64];
    unsigned uid = geteuid(), gid = getegid();
    if (argc < 2 || unshare(CLONE_NEWUSER) != 0)
        return 1;
    snprintf(map, sizeof(map), "0 %u 1", uid);
    put("/proc/self/uid_map", map);
    put("/proc/self/setgroups", "deny");
    snprintf(map, sizeof(map), "0 %u 1", gid);
    put("/proc/self/gid_map", map);
    execvp(argv[1], argv + 1);
    return 127;
}
