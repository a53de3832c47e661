// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// Every option's effect on Options, and every bad value's exact message.
@Suite struct OptionsTests {
    @Test func namespaceFlagsShortAndLong() {
        let all: [Namespace] = [.mount, .uts, .ipc, .net, .pid, .user, .cgroup, .time]
        #expect(options(["-muinpUCT"])?.namespaces == NamespaceSet(Set(all)))
        #expect(
            options(["--mount", "--uts", "--ipc", "--net", "--pid", "--user", "--cgroup", "--time"])?.namespaces
                == NamespaceSet(Set(all)))
        #expect(options(["-m"])?.persist == [:])
    }

    @Test func persistentNamespaceFiles() {
        let o = options([
            "--mount=/a", "--uts=/b", "--ipc=/c", "--net=/d", "--pid=/e", "--user=/f", "--cgroup=/g", "--time=/h",
        ])
        #expect(
            o?.persist == [
                .mount: "/a", .uts: "/b", .ipc: "/c", .net: "/d", .pid: "/e", .user: "/f", .cgroup: "/g", .time: "/h",
            ])
    }

    @Test func forkAndChildLifetime() {
        #expect(options(["-f"])?.fork == true)
        #expect(options(["--kill-child"])?.killChildSignal == SIGKILL)
        #expect(options(["--kill-child"])?.fork == true)
        #expect(options(["--kill-child=term"])?.killChildSignal == SIGTERM)
        #expect(options(["--kill-child=SIGhup"])?.killChildSignal == SIGHUP)
        #expect(options(["--forward-signals"])?.forwardSignals == true)
        #expect(options(["--forward-signals"])?.fork == true)
        #expect(failure(["--kill-child=NOPE"]) == Failure("unknown signal: NOPE"))
        #expect(failure(["--kill-child=15"]) == Failure("unknown signal: 15"))
    }

    @Test func mountProcAndBinfmt() {
        let a = options(["--mount-proc"])
        #expect(a?.mountProc == "/proc")
        #expect(a?.namespaces == [.mount])
        #expect(options(["--mount-proc=/x"])?.mountProc == "/x")
        let b = options(["--mount-binfmt"])
        #expect(b?.mountBinfmt == "/proc/sys/fs/binfmt_misc")
        #expect(b?.mountProc == "/proc")
        #expect(b?.namespaces == [.mount, .user])
        let c = options(["--mount-binfmt=/b"])
        #expect(c?.mountBinfmt == "/b")
        #expect(c?.mountProc == nil)
        let d = options(["-l", ":x:M::\\x7fELF::/i:F"])
        #expect(d?.loadInterp == ":x:M::\\x7fELF::/i:F")
        #expect(d?.mountBinfmt == "/proc/sys/fs/binfmt_misc")
        #expect(d?.mountProc == "/proc")
    }

    @Test func propagationAndSetgroups() {
        #expect(options([])?.propagation == .private)
        for mode in Propagation.allCases {
            #expect(options(["--propagation", mode.rawValue])?.propagation == mode)
        }
        #expect(failure(["--propagation", "bogus"]) == Failure("unsupported propagation mode: bogus"))
        #expect(failure(["--propagation", "Private"]) == Failure("unsupported propagation mode: Private"))
        #expect(options(["--setgroups=allow"])?.setgroups == .allow)
        #expect(options(["--setgroups", "deny"])?.setgroups == .deny)
        #expect(failure(["--setgroups=maybe"]) == Failure("unsupported --setgroups argument 'maybe'"))
    }

    @Test func rootWdSetuidSetgid() {
        let o = options(["-R", "/r", "-w", "/w", "-S", "5", "-G7"])
        #expect(o?.root == "/r")
        #expect(o?.workingDirectory == "/w")
        #expect(o?.setuid == 5)
        #expect(o?.setgid == 7)
        #expect(options(["-S", "1", "-S", "0"])?.setuid == 0)  // later wins
        #expect(options(["-S", " +5"])?.setuid == 5)
        #expect(options(["-S", "4294967295"])?.setuid == 4_294_967_295)
    }

    @Test func numberErrors() {
        #expect(failure(["-S", "abc"]) == Failure("failed to parse uid: 'abc'"))
        #expect(failure(["-S", ""]) == Failure("failed to parse uid: ''"))
        #expect(failure(["-S", "5x"]) == Failure("failed to parse uid: '5x'"))
        #expect(failure(["-S", "-1"]) == Failure("failed to parse uid: '-1': Numerical result out of range"))
        #expect(
            failure(["-S", "4294967296"]) == Failure("failed to parse uid: '4294967296': Numerical result out of range")
        )
        #expect(
            failure(["-S", "99999999999999999999999"])
                == Failure("failed to parse uid: '99999999999999999999999': Numerical result out of range"))
        #expect(failure(["-G", "12x"]) == Failure("failed to parse gid: '12x'"))
        // strtoul's reading: a sign without digits, or an option word as the
        // value, is not a number (EINVAL); a negative number is ERANGE, even
        // with bytes after it; -0 is 0; leading blanks are skipped.
        #expect(failure(["-S", "-x"]) == Failure("failed to parse uid: '-x'"))
        #expect(failure(["-S", "-"]) == Failure("failed to parse uid: '-'"))
        #expect(failure(["-S", "--root"]) == Failure("failed to parse uid: '--root'"))
        #expect(failure(["-S", "+"]) == Failure("failed to parse uid: '+'"))
        #expect(failure(["-S", "-0x"]) == Failure("failed to parse uid: '-0x'"))
        #expect(failure(["-S", "-5x"]) == Failure("failed to parse uid: '-5x': Numerical result out of range"))
        #expect(failure(["-G", " -1"]) == Failure("failed to parse gid: ' -1': Numerical result out of range"))
        #expect(options(["-S", "-0"])?.setuid == 0)
        #expect(options(["-G", "\t7"])?.setgid == 7)
        #expect(options(["-S", " \n\u{0B}\u{0C}\r 9"])?.setuid == 9)
        #expect(
            failure(["-T", "--monotonic", "99999999999999999999x"])
                == Failure("failed to parse monotonic offset: '99999999999999999999x': Numerical result out of range"))
        #expect(failure(["-T", "--monotonic", "-"]) == Failure("failed to parse monotonic offset: '-'"))
        #expect(options(["-T", "--monotonic", " +3"])?.monotonic == 3)
        #expect(failure(["-T", "--monotonic", "x"]) == Failure("failed to parse monotonic offset: 'x'"))
        #expect(failure(["-T", "--boottime", "x"]) == Failure("failed to parse boottime offset: 'x'"))
        #expect(
            failure(["-T", "--boottime", "9223372036854775808"])
                == Failure("failed to parse boottime offset: '9223372036854775808': Numerical result out of range"))
        #expect(options(["-T", "--boottime", "-9223372036854775808"])?.boottime == Int64.min)
        #expect(options(["-T", "--monotonic=-5"])?.monotonic == -5)
    }

    @Test func timeOffsetsNeedTimeNamespace() {
        let text: ByteString = "options --monotonic and --boottime require unsharing of a time namespace (-T)"
        #expect(failure(["--monotonic=1"]) == Failure(text))
        #expect(failure(["--boottime=1", "true"]) == Failure(text))
        #expect(options(["--boottime=1", "-T"])?.boottime == 1)  // checked after all options
    }

    @Test func singleMaps() {
        let r = options(["-r"])
        #expect(r?.mapUser == 0)
        #expect(r?.mapGroup == 0)
        #expect(r?.namespaces == [.user])
        let c = options(["-c"], FakeSystem(euid: 1234, egid: 5678))
        #expect(c?.mapUser == 1234)
        #expect(c?.mapGroup == 5678)
        #expect(options(["--map-user=root"])?.mapUser == 0)
        #expect(options(["--map-user=tester"])?.mapUser == 1001)
        #expect(options(["--map-user=77"])?.mapUser == 77)
        #expect(options(["--map-group=users"])?.mapGroup == 100)
        #expect(options(["--map-group=9"])?.mapGroup == 9)
        #expect(failure(["--map-user=no_such_user"]) == Failure("failed to parse uid 'no_such_user': Invalid argument"))
        #expect(
            failure(["--map-group=no_such_group"]) == Failure("failed to parse gid 'no_such_group': Invalid argument"))
        #expect(
            failure(["--map-user=99999999999"])
                == Failure("failed to parse uid '99999999999': Numerical result out of range"))
        #expect(failure(["--map-user=-1"]) == Failure("failed to parse uid '-1': Numerical result out of range"))
        // numbers as util-linux reads them: -0 is 0, blanks lead, (uid_t)-1 is refused
        #expect(options(["--map-user=-0"])?.mapUser == 0)
        #expect(options(["--map-user= 1"])?.mapUser == 1)
        #expect(options(["--map-group=\t7"])?.mapGroup == 7)
        #expect(failure(["--map-user=4294967295"]) == Failure("failed to parse uid '4294967295': Invalid argument"))
        #expect(failure(["--map-group=4294967295"]) == Failure("failed to parse gid '4294967295': Invalid argument"))
        #expect(
            failure(["--map-group=4294967296"])
                == Failure("failed to parse gid '4294967296': Numerical result out of range"))
        #expect(failure(["--map-user=-x"]) == Failure("failed to parse uid '-x': Invalid argument"))
        #expect(options(["--map-user=4294967294"])?.mapUser == 4_294_967_294)
    }

    @Test func rangeForms() {
        let o = options(["--map-users=0:100000:10", "--map-users=100000,10,5", "--map-groups=1:2:3"])
        #expect(
            o?.userRanges == [
                RequestedRange(inner: 0, outer: 100000, count: 10),
                RequestedRange(inner: 10, outer: 100000, count: 5),
            ])
        #expect(o?.groupRanges == [RequestedRange(inner: 1, outer: 2, count: 3)])
        #expect(options(["--map-users=auto"])?.userRanges == [RequestedRange(inner: nil, outer: 100000, count: 65536)])
        #expect(
            options(["--map-groups=auto"])?.groupRanges == [RequestedRange(inner: nil, outer: 200000, count: 65536)])
        #expect(
            options(["--map-users=subids"])?.userRanges == [RequestedRange(inner: 100000, outer: 100000, count: 65536)])
        #expect(options(["--map-users=all"])?.userRanges == [RequestedRange(inner: 0, outer: 0, count: 4_294_967_295)])
        let auto = options(["--map-auto"])
        #expect(auto?.userRanges == [RequestedRange(inner: nil, outer: 100000, count: 65536)])
        #expect(auto?.groupRanges == [RequestedRange(inner: nil, outer: 200000, count: 65536)])
        let subids = options(["--map-subids"])
        #expect(subids?.groupRanges == [RequestedRange(inner: 200000, outer: 200000, count: 65536)])
        #expect(auto?.namespaces == [.user])
    }

    @Test(arguments: [
        "1:2", "1:2:3:4", "a:b:c", "1,2", "-1:0:1", "4294967296:0:1", "0:0:4294967296", "", "1:2:3x",
        "1:2,3", "1::3", "auto2", "ALL",
    ])
    func invalidMappings(_ text: String) {
        #expect(failure(["--map-users=" + text]) == Failure("invalid mapping '\(ByteString(text))'"))
        #expect(failure(["--map-groups", text]) == Failure("invalid mapping '\(ByteString(text))'"))
    }

    @Test func subordinateIDErrors() {
        var nobody = FakeSystem()
        nobody.euid = 4242
        #expect(failure(["--map-auto"], nobody) == Failure("you (user 4242) don't exist."))
        var noLine = FakeSystem()
        noLine.files["/etc/subuid"] = "other:1:2\n"
        #expect(failure(["--map-users=auto"], noLine) == Failure("no line matching user \"tester\" in /etc/subuid"))
        var noFile = FakeSystem()
        noFile.files["/etc/subgid"] = nil
        #expect(
            failure(["--map-groups=subids"], noFile)
                == Failure("could not open '/etc/subgid': No such file or directory"))
        #expect(failure(["--map-auto"], noFile) == Failure("could not open '/etc/subgid': No such file or directory"))
    }

    @Test func owner() {
        #expect(options(["--owner=1000:100"])?.owner == Owner(uid: 1000, gid: 100))
        #expect(options(["--owner=1000:100"])?.namespaces == [.user])
        for bad in ["x", "1000", "1000:", ":1", "1:2:3", "4294967296:1", "-1:1"] {
            #expect(failure(["--owner=" + bad]) == Failure("failed to parse owner"))
        }
    }

    @Test func environmentOptions() {
        #expect(options(["--clear-env"])?.clearEnvironment == true)
        // util-linux prepends each name: the kept variables come out in reverse
        // order, and every --whitelist-env adds to the list
        #expect(options(["--whitelist-env=PATH,HOME,,TERM"])?.keepEnvironment == ["TERM", "HOME", "PATH"])
        #expect(options(["--whitelist-env=A,B", "--whitelist-env=C"])?.keepEnvironment == ["C", "B", "A"])
        #expect(options(["--keep-caps"])?.keepCaps == true)
    }

    @Test func helpVersionAndOrder() {
        #expect(parse(["-h"]) == .success(.help))
        #expect(parse(["--version"]) == .success(.version))
        #expect(parse(["-V", "--bogus"]) == .success(.version))
        #expect(failure(["--bogus", "-h"]) == Failure.usage("unrecognized option '--bogus'"))
        // the first bad option decides, as util-linux reads them one by one
        #expect(failure(["--propagation=x", "--setgroups=y"]) == Failure("unsupported propagation mode: x"))
        #expect(failure(["--setgroups=y", "--propagation=x"]) == Failure("unsupported --setgroups argument 'y'"))
        #expect(failure(["-S", "x", "--bogus"]) == Failure("failed to parse uid: 'x'"))
    }

    @Test func commandIsEverythingAfterOptions() {
        #expect(options(["-r", "sh", "-c", "echo", "-x"])?.command == ["sh", "-c", "echo", "-x"])
        #expect(options(["--", "-r"])?.command == ["-r"])
        #expect(options(["-r"])?.command == [])
    }

    @Test func usageFailuresCarryTheTryLine() {
        let f = failure(["-x"])!
        #expect(
            f.rendered(program: "unshare")
                == "unshare: invalid option -- 'x'\nTry 'unshare --help' for more information.\n")
        #expect(f.exitCode == 1)
        #expect(failure(["-S", "x"])!.rendered(program: "unshare") == "unshare: failed to parse uid: 'x'\n")
    }
}
