// SPDX-License-Identifier: Apache-2.0
/*
 * The helper children swift-unshare starts before unshare(2) (helpers.c
 * clones them, sharing its memory until they exec or exit): from the clone
 * on, in the child, which reads only its own mapping and what the Swift side
 * keeps for the life of the process, and writes only its own stack. They stay in the original
 * namespaces and act on their parent (the "target") from outside once the
 * parent releases them.
 *
 * Async-signal-safe, through the child-side engine (child.h): every buffer
 * was prepared by the Swift side before fork and is passed in a plain struct.
 * A failure goes to the parent as one record on the report pipe; the parent
 * prints util-linux's message.
 *
 * Safety properties of every helper (cu_helper_child_main):
 *  - PR_SET_PDEATHSIG SIGKILL: the helper dies with its parent;
 *  - getppid() == target after that call: the parent did not die before it;
 *  - it acts only on the release byte: end of file on the release pipe (the
 *    parent went away, or gave up) makes it _exit(1) without doing anything.
 * An idmapper (newuidmap/newgidmap) also checks the target's pidfd, just
 * before exec, so that it never names a pid that could have been recycled,
 * and runs under a guard (child_guard.c), started while the parent is still
 * on its way to the release: killed, with whatever it started, when
 * swift-unshare dies before it ends.
 */
#include "child.h"

/* One map file through the /proc/<target> directory fd (text NULL: left). */
static void write_map(int dirfd, const char *name, const char *text, size_t len, int open_step, int report_fd)
{
    int err = 0, failed = text ? cu_child_write_file(dirfd, name, text, len, &err) : 0;
    if (failed)   /* 1: the open (open_step), 2: the write (the step after it) */
        cu_child_fail(report_fd, open_step + failed - 1, err, 0, 1);
}

/* Root: write both map files of the target. */
static void run_map_writer(const struct cu_map_writer *h, int report_fd)
{
    write_map(h->proc_dirfd, "uid_map", h->uid_text, h->uid_len, CU_STEP_OPEN_UID_MAP, report_fd);
    write_map(h->proc_dirfd, "gid_map", h->gid_text, h->gid_len, CU_STEP_OPEN_GID_MAP, report_fd);
}

/*
 * One newuidmap or newgidmap. newuidmap names the target by pid (shadow 4.13
 * has no pidfd form), so the child checks through the target's pidfd, just
 * before exec, that the target is still alive: its pid cannot have been
 * recycled up to that point. The target itself is blocked waiting for this
 * helper, so only a kill from outside could end it in the microseconds between
 * the check and newuidmap's own open of /proc/<pid>; newuidmap then also
 * checks that the process found there belongs to the calling user.
 */
__attribute__((noreturn)) static void run_idmapper(const struct cu_idmapper *h, int report_fd, int guarded)
{
    if (h->target_pidfd >= 0 && cu_child_ended(h->target_pidfd) != 0)
        cs_exit(1);   /* ended (or cannot tell): name no pid */
    /* Under a guard, the tool no longer dies with the parent by itself (a
     * setuid newuidmap drops that at exec anyway): the guard ends it, and
     * whatever it started, which a tool killed first would leave behind. */
    if (guarded)
        cs_prctl(PR_SET_PDEATHSIG, 0);
    struct cu_exec_job job = {
        .paths = h->paths, .argv = h->argv, .envp = h->envp, .sh_argv = NULL,
        .report_fd = report_fd, .step = h->step,
    };
    cu_child_exec_or_fail(&job);
}

static void run_bind_helper(const struct cu_bind_helper *h, int report_fd)
{
    for (size_t i = 0; i < h->count; i++) {
        int rc = cs_mount(h->sources[i], h->targets[i], NULL, MS_BIND);
        if (rc < 0)
            cu_child_fail(report_fd, CU_STEP_BIND, -rc, (int)i, 1);
    }
}

void cu_helper_child_main(const struct cu_helper_child *c)
{
    for (int i = 0; i < 5; i++)
        if (c->parent_fds[i] >= 0)
            cs_close(c->parent_fds[i]);
    if (c->stderr_w >= 0) {
        if (cs_dup2(c->stderr_w, 2) < 0)   /* dup2 clears close-on-exec on fd 2 */
            cs_exit(1);
        cs_close(c->stderr_w);
    }
    if (cu_child_tie_to_parent(SIGKILL, -1, c->target) < 0)
        cs_exit(1);
    /* The guard starts now, off the parent's path (it is still unsharing).
     * The report pipe is its lifeline: the read end is the parent's alone. */
    int guarded = c->kind == CU_HELPER_IDMAPPER && cu_guard_start(c->report_w, c->guard) == 0;
    cu_child_await_release(c->release_r);
    switch (c->kind) {
    case CU_HELPER_MAP_WRITER: run_map_writer(c->arg, c->report_w); break;
    case CU_HELPER_IDMAPPER: run_idmapper(c->arg, c->report_w, guarded); break;
    case CU_HELPER_BIND: run_bind_helper(c->arg, c->report_w); break;
    }
    cs_exit(0);
}
