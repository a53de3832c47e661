// SPDX-License-Identifier: Apache-2.0
/// The files persistent namespaces are bound onto (`--mount=<file>` and the
/// like), at most one per kind, the last given winning, kept in `Namespace`'s
/// order. A plain list rather than a `Dictionary`, for the reason
/// `NamespaceSet` gives.
package struct PersistFiles: Equatable, Sendable, ExpressibleByDictionaryLiteral {
    /// In `Namespace.allCases` order, one per kind.
    package private(set) var targets: [PersistTarget] = []

    package init() {}
    package init(dictionaryLiteral elements: (Namespace, ByteString)...) {
        for (kind, file) in elements { self[kind] = file }
    }

    package var isEmpty: Bool { targets.isEmpty }

    package subscript(kind: Namespace) -> ByteString? {
        get { targets.first { $0.namespace == kind }?.file }
        set {
            targets.removeAll { $0.namespace == kind }
            guard let newValue else { return }
            let at = targets.firstIndex { $0.namespace.bit > kind.bit } ?? targets.endIndex
            targets.insert(PersistTarget(namespace: kind, file: newValue), at: at)
        }
    }
}
