// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import SwiftUnshare

/// glibc getopt_long behaviour, event by event.
@Suite struct GetoptTests {
    func events(_ words: [String]) -> (events: [GetoptEvent<OptionID>], operand: Int) {
        var g = GetoptLong(options: OptionTable.unshare, args: (["unshare"] + words).map { ByteString($0) })
        var list: [GetoptEvent<OptionID>] = []
        while let e = g.next() {
            list.append(e)
            if case .usageError = e { break }
        }
        return (list, g.index)
    }

    @Test func clusterOfFlags() {
        let r = events(["-rfu", "true"])
        #expect(r.events == [.option(.mapRootUser, nil), .option(.fork, nil), .option(.uts, nil)])
        #expect(r.operand == 2)
    }

    @Test func requiredArgumentAttachedSeparateAndInCluster() {
        #expect(events(["-S0"]).events == [.option(.setuid, "0")])
        #expect(events(["-S", "0"]).events == [.option(.setuid, "0")])
        #expect(events(["-rS0f"]).events == [.option(.mapRootUser, nil), .option(.setuid, "0f")])
        #expect(events(["-S", "-r"]).events == [.option(.setuid, "-r")])
        #expect(events(["--setuid=5"]).events == [.option(.setuid, "5")])
        #expect(events(["--setuid", "5"]).events == [.option(.setuid, "5")])
        #expect(events(["--setuid="]).events == [.option(.setuid, "")])
    }

    @Test func optionalArgumentOnlyWithEquals() {
        let r = events(["--mount", "/x"])
        #expect(r.events == [.option(.mount, nil)])
        #expect(r.operand == 2)
        #expect(events(["--mount=/x"]).events == [.option(.mount, "/x")])
        #expect(events(["--mount="]).events == [.option(.mount, "")])
        // a short option of an optional-argument long option takes none
        #expect(events(["-m/x"]).events.first == .option(.mount, nil))
    }

    @Test func stopsAtFirstNonOption() {
        let r = events(["-r", "sh", "-c", "echo", "-x"])
        #expect(r.events == [.option(.mapRootUser, nil)])
        #expect(r.operand == 2)
        #expect(events(["-"]).operand == 1)
        #expect(events([""]).operand == 1)
    }

    @Test func doubleDashEndsOptions() {
        let r = events(["-r", "--", "-f"])
        #expect(r.events == [.option(.mapRootUser, nil)])
        #expect(r.operand == 3)
    }

    @Test func abbreviationsAndExactNames() {
        #expect(events(["--fo"]).events == [.option(.fork, nil)])
        #expect(events(["--map-ro"]).events == [.option(.mapRootUser, nil)])
        #expect(events(["--map-user=0"]).events == [.option(.mapUser, "0")])
        #expect(events(["--map-users=auto"]).events == [.option(.mapUsers, "auto")])
        #expect(events(["--mount"]).events == [.option(.mount, nil)])
        #expect(events(["--us"]).events == [.option(.user, nil)])
        #expect(events(["--wd", "/"]).events == [.option(.wd, "/")])
    }

    @Test func explainIsMatchedOnlyInFull() {
        #expect(events(["--explain"]).events == [.option(.explain, nil)])
        #expect(events(["--expl"]).events == [.usageError("unrecognized option '--expl'")])
        #expect(events(["--e"]).events == [.usageError("unrecognized option '--e'")])
    }

    @Test func usageErrorTexts() {
        #expect(events(["--bogus"]).events == [.usageError("unrecognized option '--bogus'")])
        #expect(events(["--bogus=1"]).events == [.usageError("unrecognized option '--bogus=1'")])
        #expect(events(["---x"]).events == [.usageError("unrecognized option '---x'")])
        #expect(events(["-x"]).events == [.usageError("invalid option -- 'x'")])
        #expect(events(["-rx"]).events.last == .usageError("invalid option -- 'x'"))
        #expect(events(["-S"]).events == [.usageError("option requires an argument -- 'S'")])
        #expect(events(["--setuid"]).events == [.usageError("option '--setuid' requires an argument")])
        #expect(events(["--setu"]).events == [.usageError("option '--setuid' requires an argument")])
        #expect(events(["--fork=1"]).events == [.usageError("option '--fork' doesn't allow an argument")])
        #expect(events(["--fo=1"]).events == [.usageError("option '--fork' doesn't allow an argument")])
        #expect(
            events(["--map"]).events == [
                .usageError(
                    "option '--map' is ambiguous; possibilities: '--map-user' '--map-users' '--map-group' '--map-groups' '--map-root-user' '--map-current-user' '--map-auto' '--map-subids'"
                )
            ])
        #expect(
            events(["--map=1"]).events.first
                == .usageError(
                    "option '--map=1' is ambiguous; possibilities: '--map-user' '--map-users' '--map-group' '--map-groups' '--map-root-user' '--map-current-user' '--map-auto' '--map-subids'"
                ))
        #expect(
            events(["--s"]).events == [
                .usageError(
                    "option '--s' is ambiguous; possibilities: '--setgroups' '--setuid' '--setgid'")
            ])
    }

    @Test func emptyLongNameIsAmbiguousWithEveryOption() {
        // Every util-linux option; --explain and --check (swift-unshare's own) are matched only in full.
        let expected =
            "option '--=x' is ambiguous; possibilities:"
            + OptionTable.unshare.filter { ![.explain, .check].contains($0.id) }.map { " '--\($0.long)'" }.joined()
        #expect(events(["--=x"]).events == [.usageError(ByteString(expected))])
    }

    @Test func nonUTF8BytesPassThrough() {
        var g = GetoptLong(
            options: OptionTable.unshare,
            args: ["unshare", ByteString([0x2d, 0xff]), ByteString([0x2d, 0x2d, 0x77, 0x64, 0x3d, 0xfe])])
        #expect(g.next() == .usageError(ByteString(Array("invalid option -- '".utf8) + [0xff] + Array("'".utf8))))
        #expect(g.next() == .option(.wd, ByteString([0xfe])))
    }
}

extension GetoptTests {
    /// A prefix that was unique in 2.38.1 keeps its meaning after newer options joined the table.
    @Test func prefixesOf2381KeepTheirMeaning() {
        #expect(events(["--fo"]).events == [.option(.fork, nil)])
        #expect(events(["--mount-"]).events == [.option(.mountProc, nil)])
        #expect(events(["--forw"]).events == [.option(.forwardSignals, nil)])
        #expect(events(["--cl"]).events == [.option(.clearEnv, nil)])
        #expect(events(["--ow=1:1"]).events == [.option(.owner, "1:1")])
    }
}
