import KubeAPI

/// The `scale` subresource of a custom resource: where replicas and the selector live
/// (`.spec.replicas`, `.status.replicas`, `.status.selector`).
public struct ScaleSubresourcePaths: Sendable, Hashable {
    /// `specReplicasPath`.
    public var specReplicasPath: String
    /// `statusReplicasPath`.
    public var statusReplicasPath: String
    /// `labelSelectorPath`, if set.
    public var labelSelectorPath: String?

    /// Creates the paths.
    public init(specReplicasPath: String, statusReplicasPath: String, labelSelectorPath: String?) {
        self.specReplicasPath = specReplicasPath
        self.statusReplicasPath = statusReplicasPath
        self.labelSelectorPath = labelSelectorPath
    }

    /// The member names of a simple `.a.b.c` path.
    static func segments(_ path: String) -> [String] {
        path.split(separator: ".").map(String.init)
    }

    /// The `autoscaling/v1` Scale of `object`.
    func scale(of object: JSONValue, metadata: JSONValue) -> JSONValue {
        let replicas = object[path: Self.segments(specReplicasPath)]?.intValue ?? 0
        var status: JSONValue = ["replicas": .int(object[path: Self.segments(statusReplicasPath)]?.intValue ?? 0)]
        if let labelSelectorPath, let selector = object[path: Self.segments(labelSelectorPath)]?.stringValue {
            status.setMember("selector", .string(selector))
        }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": metadata,
            "spec": ["replicas": .int(replicas)], "status": status,
        ]
    }

    /// `object` with `replicas` written at ``specReplicasPath`` (intermediate objects created).
    func settingReplicas(_ replicas: Int64, in object: JSONValue) -> JSONValue {
        Self.set(.int(replicas), at: Self.segments(specReplicasPath)[...], in: object)
    }

    static func set(_ value: JSONValue, at path: ArraySlice<String>, in object: JSONValue) -> JSONValue {
        guard let first = path.first else { return value }
        var container = object.objectValue != nil ? object : .object([:])
        container.setMember(first, set(value, at: path.dropFirst(), in: container[first] ?? .object([:])))
        return container
    }
}
