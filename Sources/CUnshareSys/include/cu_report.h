// SPDX-License-Identifier: Apache-2.0
/*
 * The one record every child of this target reports a failed step with, on a
 * close-on-exec pipe whose read end only its parent holds: the CLI's helpers
 * (step: enum cu_step, CUnshareSys.h) and the library's child (step: enum
 * cu_spawn_step, cu_spawn.h). End of file without a record: the child exec'd,
 * or finished its work.
 */
#ifndef CU_REPORT_H
#define CU_REPORT_H

#include <stdint.h>

struct cu_report {
    int32_t step;               /* what failed (0: nothing) */
    int32_t err;                /* its errno */
    int32_t index;              /* which one, where a step acts on a list (a write, a bind, a descriptor) */
};

#endif
