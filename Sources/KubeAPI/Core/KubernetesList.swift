/// A list kind such as `CoreV1.PodList`: list metadata (resource version, continue token) and
/// the objects of one kind.
///
/// `metadata` and `items` are never absent: a document without them decodes as empty, and
/// encoding always writes both (`"metadata":{}`, `"items":[]`).
public protocol KubernetesList: KubernetesKind {
    /// The object kind of the elements.
    associatedtype Item: KubernetesObject
    /// The list metadata; empty when the document had none.
    var metadata: MetaV1.ListMeta { get set }
    /// The objects in the list, in the order sent.
    var items: [Item] { get set }
}
