// SPDX-License-Identifier: Apache-2.0
import SwiftUnshare

let mode = Mode.select(Unshare.commandLine())
mode.refuseSetID()
switch mode {
case .unshare(let args): Unshare.main(args)
case .podman(let args): PodmanUnshare.main(args)
}
