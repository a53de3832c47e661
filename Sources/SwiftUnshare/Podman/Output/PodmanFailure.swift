// SPDX-License-Identifier: Apache-2.0
/// podman's dialect of the one error value (Core/Failure.swift). podman
/// prints `Error: <message>` on stderr (and, for a command-line error, cobra's
/// `See '<command> --help'` line) and exits 125 unless told otherwise; some of
/// its failures print other things first (text on stdout, then logrus lines
/// on stderr) and have no `Error:` line at all.
package struct PodmanOutput: Equatable, Sendable {
    /// The text after `Error: `; nil: no `Error:` line.
    package var message: ByteString?
    /// cobra's `See '<command> --help'` line follows the message.
    package var seeHelp: Bool
    /// logrus lines, printed on stderr before the message.
    package var log: [PodmanLogLine]
    /// Text printed on stdout before anything else.
    package var stdout: ByteString
    /// Plain text printed on stderr after the log lines (podman's own fmt.Fprintln errors).
    package var stderr: ByteString

    package init(
        _ message: ByteString?, seeHelp: Bool = false, log: [PodmanLogLine] = [], stdout: ByteString = "",
        stderr: ByteString = ""
    ) {
        self.message = message
        self.seeHelp = seeHelp
        self.log = log
        self.stdout = stdout
        self.stderr = stderr
    }
}

extension Failure {
    /// One of podman's own failures: `Error: <message>`, exit status 125 unless told otherwise.
    package static func podman(
        _ message: ByteString?, exitCode: Int32 = 125, seeHelp: Bool = false,
        log: [PodmanLogLine] = [], stdout: ByteString = "", stderr: ByteString = ""
    ) -> Failure {
        Failure(
            .podman(PodmanOutput(message, seeHelp: seeHelp, log: log, stdout: stdout, stderr: stderr)),
            exitCode: exitCode)
    }

    /// The same failure with `lines` logged before its own output.
    func podmanLogging(before lines: [PodmanLogLine]) -> Failure {
        guard !lines.isEmpty, var output = podmanOutput else { return self }
        output.log = lines + output.log
        return Failure(.podman(output), exitCode: exitCode)
    }

    /// A failure podman logs with logrus and ends with exit status 1.
    package static func podmanLogged(_ lines: [PodmanLogLine]) -> Failure {
        .podman(nil, exitCode: 1, log: lines)
    }

    /// `<what>: <Go's errno words>`, podman's exit status 125.
    static func podmanSystem(_ what: ByteString, _ e: Errno) -> Failure {
        .podman("\(what): \(GoText.errnoText(e.rawValue))")
    }

    /// A core failure (a typed call, the fork) told as podman tells it: its
    /// words with Go's errno text, exit status 125.
    package var asPodman: Failure {
        if podmanOutput != nil { return self }
        return .podman(podmanText(errnoText: GoText.errnoText))
    }

    /// What podman prints beyond the message, when this is one of podman's own failures.
    package var podmanOutput: PodmanOutput? {
        if case .podman(let output) = operation { return output }
        return nil
    }

    /// The `Error:` text on stderr (empty without a message); `command` names the program in the help hint.
    package func podmanRendered(command: ByteString) -> ByteString {
        let output = podmanOutput ?? PodmanOutput(podmanText(errnoText: GoText.errnoText))
        guard let message = output.message else { return "" }
        var text: ByteString = "Error: \(message)\n"
        if output.seeHelp { text = text + "See '\(command) --help'\n" }
        return text
    }
}
