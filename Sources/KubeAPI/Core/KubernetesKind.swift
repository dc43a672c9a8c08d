/// A Codable type that is sent on the wire as one fixed kind: its `apiVersion` and `kind` fields
/// always name ``groupVersionKind``.
///
/// Every generated kind conforms: objects (``KubernetesObject``), lists (``KubernetesList``) and
/// the few others such as `MetaV1.Status`. Definitions shared by several kinds (`DeleteOptions`)
/// do not conform.
public protocol KubernetesKind: Codable, Sendable, Hashable {
    /// The group, version and kind of this type; constant for the type.
    static var groupVersionKind: GroupVersionKind { get }
    /// The `apiVersion` member; `nil` when the document had none. Values made with the
    /// memberwise initialiser hold `groupVersionKind.apiVersion`.
    var apiVersion: String? { get set }
    /// The `kind` member; `nil` when the document had none. Values made with the
    /// memberwise initialiser hold `groupVersionKind.kind`.
    var kind: String? { get set }
}
