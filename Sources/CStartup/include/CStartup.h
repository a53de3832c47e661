// SPDX-License-Identifier: Apache-2.0
#ifndef CSTARTUP_H
#define CSTARTUP_H

/*
 * Start-up trims for the statically linked release binary: this target has
 * no API; linking it is what counts. See startup.c and BENCHMARKS.md.
 */

#endif
