/// Only `metadata.name`, `metadata.namespace` and `metadata.uid` of an object in a server's
/// answer: decoding this instead of the whole object skips the cost of the rest (spec, status,
/// managed fields) when a caller needs no more.
public struct ObjectIdentity: Decodable, Sendable, Hashable {
    struct Meta: Decodable, Sendable, Hashable {
        var name: String?
        var namespace: String?
        var uid: String?
    }

    let metadata: Meta?

    /// `metadata.name`.
    public var name: String? { metadata?.name }
    /// `metadata.namespace`.
    public var namespace: String? { metadata?.namespace }
    /// `metadata.uid`.
    public var uid: String? { metadata?.uid }
}
