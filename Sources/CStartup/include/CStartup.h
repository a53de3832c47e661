#ifndef CSTARTUP_H
#define CSTARTUP_H

/*
 * Start-up trims for the statically linked release binary, and the name
 * service set-up that a static glibc needs. See startup.c and BENCHMARKS.md.
 */

/* 1 when this program is a fully static executable (no dynamic loader). */
int cs_is_static(void);

/*
 * In a static executable: makes passwd and group lookups read the /etc files
 * only (glibc's built-in "files" service), once, and returns 1. Other
 * services would be loaded as shared objects into a static program, which
 * does not work (see BENCHMARKS.md). In a dynamic executable: does nothing
 * and returns 0 (every service of nsswitch.conf works there).
 */
int cs_nss_files_only(void);

#endif
