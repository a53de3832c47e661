// SPDX-License-Identifier: Apache-2.0
import SwiftUnshare

extension UnshareCommand {
    /// `runBlocking(input:output:error:)` without holding a thread of the
    /// cooperative pool while the program runs: the spawn happens in the
    /// calling task (it blocks its thread as `spawn()` does, until the
    /// program has executed), then the pipes and the pidfd are handed to the
    /// library's one waiter thread, which writes the input, reads both
    /// outputs and reaps the program for every run at once (one poll(2), no
    /// thread per child), and resumes this task. Not cancellable (the
    /// program runs to its end).
    ///
    /// Throws what `runBlocking` throws: `RunError.spawn` (the `SpawnError`
    /// of `spawn()`), `.outputLimitExceeded` (the program was killed),
    /// `.system`. A non-zero exit status is no error.
    ///
    /// Corresponds to unshare(1) run as `out=$(unshare [options] program)` in
    /// a shell: the options are the command's.
    public func run(
        input: Input = .none, output: Output = .bytes(limit: 128 * 1024), error: Output = .discarded
    ) async throws(RunError) -> CollectedResult {
        let collector = try startRun(input: input, output: output, error: error)
        let result = await withCheckedContinuation {
            (c: CheckedContinuation<Result<CollectedResult, RunError>, Never>) in
            ProcessWatcher.shared.drive(collector) { c.resume(returning: $0) }
        }
        return try result.get()
    }
}
