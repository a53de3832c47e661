// SPDX-License-Identifier: Apache-2.0
import CStartup
import SwiftUnshare

let mode = Mode.select(Unshare.commandLine(argc: cs_argc(), argv: cs_argv()!))
mode.refuseSetID()
switch mode {
case .unshare(let args): Unshare.main(args)
case .podman(let args): PodmanUnshare.main(args)
}
