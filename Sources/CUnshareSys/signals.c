// SPDX-License-Identifier: Apache-2.0
/*
 * Signal masks and forwarding for the CLI's two waiting parents: unshare
 * mode's --fork (the Swift enum ForkAndWait) and podman mode's command
 * (PodmanExecutor, around a spawn of the library's API).
 *
 * The contract, the same for unshare mode ([SIGINT, SIGTERM] with
 * --forward-signals) and podman mode ([SIGHUP, SIGINT, SIGTERM]):
 *  1. cu_forward_signals(list) blocks the signals (saving the mask) and
 *     installs a handler that sends each to the forward target (SA_RESTART).
 *     A signal that arrives before the target is known stays pending, not lost.
 *  2. After fork (or spawn), the parent calls cu_set_forward_target(child)
 *     and then cu_restore_sigmask(): pending signals are delivered and forwarded.
 *  3. A fork child calls cu_reset_forwarded_signals() (back to SIG_DFL) and
 *     cu_restore_sigmask(): it takes signals as a program normally would. (A
 *     spawned child resets every signal itself, child_spawn.c.)
 */
#define _GNU_SOURCE
#include "CUnshareSys.h"

#include <signal.h>

#define MAX_FORWARDED 8

static sigset_t saved_mask;
static volatile pid_t forward_target;
static int forwarded[MAX_FORWARDED];
static int forwarded_count;

int cu_block_signals(const int *signals, int count)
{
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++)
        sigaddset(&set, signals[i]);
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
    struct sigaction sa = { .sa_handler = SIG_DFL };   /* an empty sa_mask */
    return sigaction(signo, &sa, NULL);
}

/* A signal handler: async-signal-safe by construction. */
static void forward_signal(int signo)
{
    if (forward_target > 0)
        kill(forward_target, signo);
}

int cu_forward_signals(const int *signals, int count)
{
    if (count < 0 || count > MAX_FORWARDED)
        return -1;
    if (cu_block_signals(signals, count) != 0)
        return -1;
    struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
    forwarded_count = 0;
    for (int i = 0; i < count; i++) {
        if (sigaction(signals[i], &sa, NULL) != 0)
            return -1;
        forwarded[i] = signals[i];
        forwarded_count = i + 1;
    }
    return 0;
}

void cu_set_forward_target(pid_t pid) { forward_target = pid; }

int cu_reset_forwarded_signals(void)
{
    for (int i = 0; i < forwarded_count; i++)
        if (cu_default_signal(forwarded[i]) != 0)
            return -1;
    return 0;
}
