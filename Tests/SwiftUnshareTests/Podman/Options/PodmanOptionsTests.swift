// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

@Suite struct PodmanOptionsTests {
    private func parse(_ words: [ByteString]) -> Result<PodmanInvocation, Failure> {
        PodmanOptions.parse(["podman-unshare"] + words)
    }

    private func usage(_ message: ByteString) -> Result<PodmanInvocation, Failure> {
        .failure(Failure.podman(message, seeHelp: true))
    }

    @Test func optionsStopAtTheFirstNonOption() {
        #expect(parse(["id", "--foo"]) == .success(.run(PodmanOptions(command: ["id", "--foo"]))))
        #expect(
            parse(["--rootless-netns", "ip", "-h"])
                == .success(.run(PodmanOptions(rootlessNetns: true, command: ["ip", "-h"]))))
        #expect(parse(["--", "--help"]) == .success(.run(PodmanOptions(command: ["--help"]))))
        #expect(parse(["-", "x"]) == .success(.run(PodmanOptions(command: ["-", "x"]))))
        #expect(parse([]) == .success(.run(PodmanOptions())))
        #expect(PodmanOptions.parse([]) == .success(.run(PodmanOptions())))
    }

    @Test func booleanValues() {
        #expect(parse(["--rootless-netns=false", "id"]) == .success(.run(PodmanOptions(command: ["id"]))))
        #expect(
            parse(["--rootless-cni=T", "id"]) == .success(.run(PodmanOptions(rootlessNetns: true, command: ["id"]))))
        #expect(
            parse(["--rootless-netns=xyz"])
                == usage(
                    #"invalid argument "xyz" for "--rootless-netns" flag: strconv.ParseBool: parsing "xyz": invalid syntax"#
                ))
        #expect(
            parse(["--help="])
                == usage(
                    #"invalid argument "" for "--help" flag: strconv.ParseBool: parsing "": invalid syntax"#))
        #expect(parse(["--help=false", "id"]) == .success(.run(PodmanOptions(command: ["id"]))))
    }

    @Test func help() {
        #expect(parse(["--help"]) == .success(.help))
        #expect(parse(["-h"]) == .success(.help))
        #expect(parse(["-hx"]) == .success(.help))
        #expect(parse(["-h=3"]) == .success(.help))
        #expect(parse(["--rootless-netns", "--help", "id"]) == .success(.help))
        #expect(parse(["--help", "--foo"]) == usage("unknown flag: --foo"))
    }

    @Test func podmansMessagesForBadFlags() {
        #expect(parse(["--foo"]) == usage("unknown flag: --foo"))
        #expect(parse(["--foo=bar"]) == usage("unknown flag: --foo"))
        #expect(parse(["--rootless-net"]) == usage("unknown flag: --rootless-net"))
        #expect(parse(["-x"]) == usage("unknown shorthand flag: 'x' in -x"))
        #expect(parse(["-xh"]) == usage("unknown shorthand flag: 'x' in -xh"))
        #expect(parse(["-r"]) == usage("unknown shorthand flag: 'r' in -r"))
        #expect(parse(["--=x"]) == usage("bad flag syntax: --=x"))
        #expect(parse(["---x"]) == usage("bad flag syntax: ---x"))
        #expect(
            Failure.podman("unknown flag: --foo", seeHelp: true).podmanRendered(command: "podman-unshare")
                == "Error: unknown flag: --foo\nSee 'podman-unshare --help'\n")
    }
}
