// SPDX-License-Identifier: Apache-2.0
/* Shared by spawn.c and spawn_child.c only (not part of the module). */
#ifndef CU_SPAWN_CHILD_H
#define CU_SPAWN_CHILD_H

#include "cu_spawn.h"

/* The child after the clone: never returns (exec, or a report and _exit). */
__attribute__((noreturn, visibility("hidden")))
void cu_spawn_child_main(const struct cu_spawn_attr *_Nonnull a, int report_w, int release_r, int unshare_flags);

#endif
