import KubeAPI

/// The objects a pod spec refers to by name, as the node authorizer needs them.
enum PodReferences {
    /// The kinds of referenced objects.
    enum Kind {
        case secret
        case configMap
        case persistentVolumeClaim
    }

    /// The names of `kind` objects `pod` refers to (in its own namespace).
    static func names(_ kind: Kind, in pod: JSONValue) -> Set<String> {
        var names = Set<String>()
        let spec = pod["spec"] ?? .object([:])
        let podName = pod[path: "metadata", "name"]?.stringValue ?? ""
        func add(_ value: JSONValue?) {
            if let name = value?.stringValue, !name.isEmpty { names.insert(name) }
        }
        for volume in spec["volumes"]?.arrayValue ?? [] {
            switch kind {
            case .secret:
                add(volume[path: "secret", "secretName"])
                for source in volume[path: "projected", "sources"]?.arrayValue ?? [] { add(source[path: "secret", "name"]) }
                // Volume plugins that take their credentials from a secret.
                for plugin in ["azureFile"] { add(volume[path: plugin, "secretName"]) }
                for plugin in ["cephfs", "cinder", "flexVolume", "iscsi", "rbd", "scaleIO", "storageos", "csi"] {
                    add(volume[path: plugin, "secretRef", "name"])
                }
                add(volume[path: "csi", "nodePublishSecretRef", "name"])
            case .configMap:
                add(volume[path: "configMap", "name"])
                for source in volume[path: "projected", "sources"]?.arrayValue ?? [] { add(source[path: "configMap", "name"]) }
            case .persistentVolumeClaim:
                add(volume[path: "persistentVolumeClaim", "claimName"])
                if volume["ephemeral"] != nil, let volumeName = volume["name"]?.stringValue {
                    names.insert("\(podName)-\(volumeName)")
                }
            }
        }
        if kind == .secret {
            for reference in spec["imagePullSecrets"]?.arrayValue ?? [] { add(reference["name"]) }
        }
        guard kind != .persistentVolumeClaim else { return names }
        let refKey = kind == .secret ? "secretRef" : "configMapRef"
        let keyRefKey = kind == .secret ? "secretKeyRef" : "configMapKeyRef"
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            for container in spec[list]?.arrayValue ?? [] {
                for source in container["envFrom"]?.arrayValue ?? [] { add(source[path: refKey, "name"]) }
                for variable in container["env"]?.arrayValue ?? [] { add(variable[path: "valueFrom", keyRefKey, "name"]) }
            }
        }
        return names
    }

    /// The service account a pod runs as (`default` when unset).
    static func serviceAccount(of pod: JSONValue) -> String {
        let name = pod[path: "spec", "serviceAccountName"]?.stringValue ?? ""
        return name.isEmpty ? "default" : name
    }
}
