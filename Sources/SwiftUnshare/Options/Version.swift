// SPDX-License-Identifier: Apache-2.0
/// Version numbers. `swiftUnshare` is written from the VERSION file by
/// `make version`; a test checks that it, VERSION and the man pages agree.
package enum Version {
    package static let swiftUnshare = "0.3.0"
    /// The util-linux release whose unshare(1) contract this one implements.
    package static let utilLinux = "2.43"
}
