/// podman unshare compatibility (issue 5): not built yet.
public enum PodmanUnshare {
    /// `args[0]` is the program name; `--podman` (if it was the first argument) is already removed.
    public static func main(_ args: [ByteString]) -> Never {
        Unshare.fail(Failure("Error: podman mode is not implemented yet", exitCode: 125), program: "")
    }
}
