/// A top-level Kubernetes object: a kind with object metadata (name, namespace, labels, ...),
/// such as `CoreV1.Pod` or `AppsV1.Deployment`.
///
/// `metadata` is never absent: decoding a document without it yields an empty `ObjectMeta`,
/// and encoding always writes it (`"metadata":{}` when empty), as the API server does.
/// `apiVersion` and `kind` stay optional fields; a value made with the memberwise initialiser
/// carries the type's own values in them.
public protocol KubernetesObject: KubernetesKind {
    /// The object's metadata; empty when the document had none.
    var metadata: MetaV1.ObjectMeta { get set }
}
