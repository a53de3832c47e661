// SPDX-License-Identifier: Apache-2.0
#ifndef CSTARTUP_H
#define CSTARTUP_H

/*
 * Start-up trims for the statically linked release binary: linking this
 * target is what counts (startup.c, BENCHMARKS.md). Its one API is the
 * argument vector as glibc handed it to the program's initialisers.
 */

/* argc and argv as the kernel passed them to the program. */
int cs_argc(void);
char *_Nullable *_Nullable cs_argv(void);

#endif
