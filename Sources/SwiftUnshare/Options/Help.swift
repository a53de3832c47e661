// SPDX-License-Identifier: Apache-2.0
/// --help and --version texts.
package enum Help {
    /// util-linux's `<name> from util-linux <version>` line, which scripts parse
    /// (`awk '{print $4}'`), named as invoked, with our own version after it.
    package static func versionText(program: ByteString) -> ByteString {
        "\(program) from util-linux \(Version.utilLinux) (swift-unshare \(Version.swiftUnshare))\n"
    }

    /// The usage text: util-linux's, with the program named as invoked.
    package static func usage(program: ByteString) -> ByteString {
        """

        Usage:
         \(program) [options] [<program> [<argument>...]]

        Run a program with some namespaces unshared from the parent.

        Options:
         -m, --mount[=<file>]      unshare mounts namespace
         -u, --uts[=<file>]        unshare UTS namespace (hostname etc)
         -i, --ipc[=<file>]        unshare System V IPC namespace
         -n, --net[=<file>]        unshare network namespace
         -p, --pid[=<file>]        unshare pid namespace
         -U, --user[=<file>]       unshare user namespace
         -C, --cgroup[=<file>]     unshare cgroup namespace
         -T, --time[=<file>]       unshare time namespace

         --mount-proc[=<dir>]      mount proc filesystem first (implies --mount)
         --mount-binfmt[=<dir>]    mount binfmt filesystem first (implies --user and --mount)
         -l, --load-interp <file>  load binfmt definition in the namespace (implies --mount-binfmt)
         --propagation slave|shared|private|unchanged
                                   modify mount propagation in mount namespace
         -R, --root <dir>          run the command with root directory set to <dir>
         -w, --wd <dir>            change working directory to <dir>

         -S, --setuid <uid>        set uid in entered namespace
         -G, --setgid <gid>        set gid in entered namespace
         --map-user <uid>|<name>   map current user to uid (implies --user)
         --map-group <gid>|<name>  map current group to gid (implies --user)
         -r, --map-root-user       map current user to root (implies --user)
         -c, --map-current-user    map current user to itself (implies --user)
         --map-auto                map users and groups automatically (implies --user)
         --map-subids              map the first block of user IDs owned by euid (implies --user)
         --map-users <inneruid>:<outeruid>:<count>
                                   map count users from outeruid to inneruid (implies --user)
         --map-groups <innergid>:<outergid>:<count>
                                   map count groups from outergid to innergid (implies --user)
         --owner <uid>:<gid>       set the user namespace owner (implies --user)

         -f, --fork                fork before launching <program>
         --kill-child[=<signame>]  when dying, kill the forked child (implies --fork)
                                     defaults to SIGKILL
         --forward-signals         forward SIGTERM and SIGINT to child (implies --fork)

         --setgroups allow|deny    control the setgroups syscall in user namespaces
         --keep-caps               retain capabilities granted in user namespaces

         --monotonic <offset>      set clock monotonic offset (seconds) in time namespaces
         --boottime <offset>       set clock boottime offset (seconds) in time namespaces
         --clear-env               do not inherit environment variables from the calling process
         --whitelist-env <list>    clear environment except for specified variables
         --explain                 print what would be done (maps, helpers, mounts), do nothing
         --check[=<format>]        try the steps, not the program (alone: what works here)

         -h, --help                display this help
         -V, --version             display version

        For more details see swift-unshare(1).

        """
    }
}
