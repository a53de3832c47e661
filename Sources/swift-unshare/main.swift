import SwiftUnshare

switch Mode.select(Unshare.commandLine()) {
case .unshare(let args): Unshare.main(args)
case .podman(let args): PodmanUnshare.main(args)
}
