// SPDX-License-Identifier: Apache-2.0
/*
 * Start-up trims for the fully static release binary (BENCHMARKS.md),
 * linked into the swift-unshare executable only (never into a library user's
 * program, whose runtime set-up is its own business).
 *
 * The Swift runtime archive (libswiftCore.a) carries two pieces whose static
 * initialisers run before main in every program they are linked into:
 *
 *   - the argument-vector finder, which opens and parses /proc/self/maps to
 *     find argv on the initial stack;
 *   - the crash backtracer set-up, which resolves /proc/self/exe, probes about
 *     nine paths for a swift-backtrace helper and calls isatty twice.
 *
 * Neither can be switched off by a flag except through the environment, which
 * would leak into the program we exec. A static link only takes an archive
 * member to define a symbol that nothing else defines, so this file defines
 * the few symbols that pull those members in. glibc hands argc and argv to
 * every initialiser, so argv comes from there instead of /proc/self/maps;
 * and without the backtracer a crash ends the way a C program's does (a
 * core, no Swift backtrace), which is what swift-unshare wants anyway.
 *
 * Every definition is weak: if a later toolchain needs the real member for
 * another symbol, the linker takes it and its strong definitions win, so the
 * build still links and behaves as before. In the dynamically linked debug
 * build libswiftCore.so keeps its own copies and none of these are used.
 */
#include "CStartup.h"

#include <stddef.h>

/* ---- argv, as glibc passes it to initialisers ---- */

static char **saved_argv;
static int saved_argc;

__attribute__((constructor(101))) static void save_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    saved_argc = argc;
    saved_argv = argv;
}

/* The arguments for main.swift: read here rather than through Swift's
   CommandLine, whose lazy global costs the start a page of the standard
   library's code. */
int cs_argc(void) { return saved_argc; }
char **cs_argv(void) { return saved_argv; }

/* The runtime's names, declared here: it ships no C header for them. */
__attribute__((swiftcall)) char **_swift_stdlib_getUnsafeArgvArgc(int *count);
__attribute__((swiftcall)) void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc);
__attribute__((swiftcall)) _Bool _swift_backtrace_isThunkFunction(const char *name);

/* What Swift's CommandLine reads argc and argv through (Swift convention). */
__attribute__((weak, swiftcall)) char **_swift_stdlib_getUnsafeArgvArgc(int *count) {
    *count = saved_argc;
    return saved_argv;
}

/* Its companion in the same archive member (used by interpreters/JITs). */
__attribute__((weak, swiftcall)) void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc) {
    saved_argv = argv;
    saved_argc = argc;
}

/* ---- the backtracer's settings and its one forced reference ---- */

/*
 * The runtime's fatal-error path reads only the second int, "enabled"; 1
 * ("on") tells it a backtracer owns crash reports, so it prints the error
 * message and no old-style stack trace. The rest is zero and padded well
 * past the 6.3 runtime's 88 bytes.
 */
__attribute__((weak)) struct {
    int algorithm;
    int enabled;
    unsigned char rest[248];
} _swift_backtraceSettings = { 0, 1, { 0 } };

/* The Swift start-up object refers to this only to force the backtracer in. */
__attribute__((weak, swiftcall)) _Bool _swift_backtrace_isThunkFunction(const char *name) {
    (void)name;
    return 0;
}
