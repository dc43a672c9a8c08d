import KubeAPI

/// The fields a field selector may name for each kind, and how to read them off an object,
/// following upstream's per-kind field label tables. Every kind supports `metadata.name` and
/// (when namespaced) `metadata.namespace`.
public struct SelectableFields: Sendable {
    /// The selectable field paths (JSON path components) by field label.
    let paths: [(label: String, path: [String])]
    /// The field labels, in the order of ``paths``.
    let labels: [String]

    /// The fields of `descriptor`'s kind.
    public init(descriptor: ResourceDescriptor) {
        var paths: [(String, [String])] = [("metadata.name", ["metadata", "name"])]
        if descriptor.namespaced { paths.append(("metadata.namespace", ["metadata", "namespace"])) }
        for label in Self.extraFields[GroupKind(group: descriptor.group, kind: descriptor.kind)] ?? [] {
            paths.append((label, label.split(separator: ".").map(String.init)))
        }
        self.paths = paths
        self.labels = paths.map(\.0)
    }

    /// The extra field labels per kind (beyond `metadata.name` / `metadata.namespace`).
    static let extraFields: [GroupKind: [String]] = [
        GroupKind(group: "", kind: "Pod"): [
            "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
            "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName",
        ],
        GroupKind(group: "", kind: "Secret"): ["type"],
        GroupKind(group: "", kind: "Event"): [
            "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
            "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
            "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
        ],
        GroupKind(group: "events.k8s.io", kind: "Event"): [
            "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
            "reason", "reportingController", "type",
        ],
        GroupKind(group: "", kind: "Node"): ["spec.unschedulable"],
        GroupKind(group: "", kind: "Namespace"): ["status.phase"],
        GroupKind(group: "", kind: "ReplicationController"): ["status.replicas"],
        GroupKind(group: "apps", kind: "ReplicaSet"): ["status.replicas"],
        GroupKind(group: "batch", kind: "Job"): ["status.successful"],
        GroupKind(group: "", kind: "PersistentVolume"): [],
        GroupKind(group: "", kind: "PersistentVolumeClaim"): [],
        GroupKind(group: "certificates.k8s.io", kind: "CertificateSigningRequest"): ["spec.signerName"],
    ]

    /// Whether the kind supports `label`.
    public func supports(_ label: String) -> Bool { paths.contains { $0.label == label } }

    /// The field values of `object` (missing fields read as empty strings, as upstream;
    /// booleans and numbers in their JSON text).
    public func values(of object: JSONValue) -> FieldValues {
        var values: [String] = []
        values.reserveCapacity(paths.count)
        for (label, path) in paths {
            let value: String
            switch object[path: path] {
            case .string(let text)?: value = text
            case .bool(let flag)?: value = flag ? "true" : "false"
            case .int(let number)?: value = String(number)
            case .double(let number)?: value = String(number)
            default:
                // Upstream reads an unset `source` of an event from source.component, and unset
                // booleans/integers as their zero values.
                if label == "source" {
                    value = object[path: ["source", "component"]]?.stringValue ?? ""
                } else if label == "spec.unschedulable" || label == "spec.hostNetwork" {
                    value = "false"
                } else if label == "status.replicas" || label == "status.successful" {
                    value = "0"
                } else {
                    value = ""
                }
            }
            values.append(value)
        }
        return FieldValues(labels: labels, values: values)
    }

    /// Checks that every field `selector` names is supported.
    ///
    /// - Throws: 400 `field label not supported: <label>` for the first unsupported one.
    public func validate(_ selector: FieldSelector) throws(StatusError) {
        for requirement in selector.requirements where !supports(requirement.field) {
            throw StatusError.badRequest("field label not supported: \(requirement.field)")
        }
    }
}
