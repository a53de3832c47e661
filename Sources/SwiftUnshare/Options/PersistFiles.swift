// SPDX-License-Identifier: Apache-2.0
/// The files persistent namespaces are bound onto (`--mount=<file>` and the
/// like), at most one per kind, the last given winning, kept in `Namespace`'s
/// order. A plain list rather than a `Dictionary`, for the reason
/// `NamespaceSet` gives.
public struct PersistFiles: Equatable, Sendable, ExpressibleByDictionaryLiteral {
    /// In `Namespace.allCases` order, one per kind.
    public private(set) var targets: [PersistTarget] = []

    public init() {}
    public init(dictionaryLiteral elements: (Namespace, ByteString)...) {
        for (kind, file) in elements { self[kind] = file }
    }

    public var isEmpty: Bool { targets.isEmpty }

    public subscript(kind: Namespace) -> ByteString? {
        get { targets.first { $0.namespace == kind }?.file }
        set {
            targets.removeAll { $0.namespace == kind }
            guard let newValue else { return }
            let at = targets.firstIndex { $0.namespace.bit > kind.bit } ?? targets.endIndex
            targets.insert(PersistTarget(namespace: kind, file: newValue), at: at)
        }
    }
}
