// SPDX-License-Identifier: Apache-2.0
/*
 * Name services in a fully static swift-unshare (BENCHMARKS.md, README).
 *
 * A static glibc can still load NSS modules as shared objects, but they then
 * need the same glibc at run time, and Debian's libnss_systemd was seen to
 * crash in a static program. So passwd and group lookups use glibc's built-in
 * "files" service only; the Swift side asks getent(1) for names the files do
 * not have. A dynamic program (the debug build, a library user's) keeps every
 * service of nsswitch.conf.
 */
#define _GNU_SOURCE
#include "CUnshareSys.h"

#include <nss.h>
#include <stddef.h>

extern char _DYNAMIC[] __attribute__((weak));

int cu_is_static(void) { return _DYNAMIC == NULL; }

int cu_nss_files_only(void)
{
    static int done;
    if (!cu_is_static())
        return 0;
    if (!done) {
        __nss_configure_lookup("passwd", "files");
        __nss_configure_lookup("group", "files");
        done = 1;
    }
    return 1;
}
