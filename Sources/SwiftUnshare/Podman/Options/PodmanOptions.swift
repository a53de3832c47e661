// SPDX-License-Identifier: Apache-2.0
/// podman unshare's command line, read as cobra/pflag read it for podman 4.3.1:
/// flags only before the first non-flag word (SetInterspersed(false)), `--`
/// ends them, no abbreviations, `--rootless-cni` is an old name of
/// `--rootless-netns`, boolean flags take `=VALUE` (strconv.ParseBool), and
/// any short-flag cluster that starts with `h` asks for help.
package struct PodmanOptions: Equatable, Sendable {
    package var rootlessNetns = false
    /// --explain (swift-unshare's own flag): print the plan, run nothing.
    package var explain = false
    /// --check[=json] (swift-unshare's own flag): report podman mode's path on this machine, run nothing.
    package var check: CheckFormat?
    /// The command and its arguments (empty: $SHELL).
    package var command: [ByteString] = []

    package init(rootlessNetns: Bool = false, command: [ByteString] = []) {
        self.rootlessNetns = rootlessNetns
        self.command = command
    }
}

package enum PodmanInvocation: Equatable, Sendable {
    case run(PodmanOptions)
    case help
}

extension PodmanOptions {
    /// Parses `args` (args[0] is the program name).
    package static func parse(_ args: [ByteString]) -> Result<PodmanInvocation, Failure> {
        var options = PodmanOptions()
        var help = false
        var index = 1
        let dash = UInt8(ascii: "-")
        while index < args.count {
            let word = args[index].bytes
            if word.count < 2 || word[0] != dash { break }
            if word == [dash, dash] {
                index += 1
                break
            }
            if word[1] == dash {
                let body = Array(word[2...])
                if body.isEmpty || body[0] == dash || body[0] == UInt8(ascii: "=") {
                    return .failure(usage("bad flag syntax: \(args[index])"))
                }
                let equals = body.firstIndex(of: UInt8(ascii: "="))
                let name = ByteString(Array(body[..<(equals ?? body.count)]))
                let value = equals.map { ByteString(Array(body[($0 + 1)...])) }
                switch name {
                case "rootless-netns", "rootless-cni":
                    switch parseBool(value ?? "true", flag: "--rootless-netns") {
                    case .success(let v): options.rootlessNetns = v
                    case .failure(let e): return .failure(e)
                    }
                case "explain":
                    switch parseBool(value ?? "true", flag: "--explain") {
                    case .success(let v): options.explain = v
                    case .failure(let e): return .failure(e)
                    }
                case "check":
                    // A string flag whose value may be left out (pflag's NoOptDefVal).
                    guard let format = CheckFormat(rawValue: (value ?? "text").description),
                        ByteString(format.rawValue) == value ?? "text"
                    else {
                        return .failure(
                            usage(
                                "invalid argument \(GoText.quote(value ?? "")) for \"--check\" flag: want \"text\" or \"json\""
                            ))
                    }
                    options.check = format
                case "help":
                    switch parseBool(value ?? "true", flag: "--help") {
                    case .success(let v): help = v
                    case .failure(let e): return .failure(e)
                    }
                default:
                    return .failure(usage("unknown flag: --\(name)"))
                }
            } else {
                // No flag of podman unshare has a short form; pflag answers
                // an unknown `h` with the help text.
                if word[1] == UInt8(ascii: "h") { return .success(.help) }
                let shorthands = ByteString(Array(word[1...]))
                return .failure(usage("unknown shorthand flag: \(GoText.quoteByte(word[1])) in -\(shorthands)"))
            }
            index += 1
        }
        if help { return .success(.help) }
        options.command = index < args.count ? Array(args[index...]) : []
        return .success(.run(options))
    }

    private static func usage(_ message: ByteString) -> Failure {
        Failure.podman(message, seeHelp: true)
    }

    /// strconv.ParseBool, with pflag's message for a bad value.
    static func parseBool(_ value: ByteString, flag: String) -> Result<Bool, Failure> {
        switch value.description {
        case "1", "t", "T", "TRUE", "true", "True": return .success(true)
        case "0", "f", "F", "FALSE", "false", "False": return .success(false)
        default:
            let q = GoText.quote(value)
            return .failure(
                usage("invalid argument \(q) for \"\(flag)\" flag: strconv.ParseBool: parsing \(q): invalid syntax"))
        }
    }
}

/// The help text, podman's own with the command's name.
package enum PodmanHelp {
    package static func text(command: ByteString) -> ByteString {
        """
        Run a command in a modified user namespace

        Description:
          Runs a command in a modified user namespace.

        Usage:
          \(command) [options] [COMMAND [ARG...]]

        Examples:
          \(command) id
          \(command) cat /proc/self/uid_map
          \(command) podman-script.sh

        Options:
              --rootless-netns   Join the rootless network namespace used for CNI and netavark networking


        """
    }
}
