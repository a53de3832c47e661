// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import SwiftUnshare

/// ByteString's split keeps every piece, empty ones included, as the standard
/// library's split does without omitting empty subsequences.
@Suite struct ByteStringTests {
    @Test func splitKeepsEmptyPieces() {
        let colon = UInt8(ascii: ":")
        #expect(ByteString("/usr/bin:/bin").split(colon) == ["/usr/bin", "/bin"])
        #expect(ByteString("").split(colon) == [""])
        #expect(ByteString(":").split(colon) == ["", ""])
        #expect(ByteString("::a:").split(colon) == ["", "", "a", ""])
        #expect(ByteString("abc").split(colon) == ["abc"])
        for text in ["a:b", ":x", "x:", "a::b", "::", "p:q:r:s"] {
            let reference = Array(text.utf8).split(separator: colon, omittingEmptySubsequences: false)
                .map { ByteString(Array($0)) }
            #expect(ByteString(text).split(colon) == reference, "\(text)")
        }
    }
}
