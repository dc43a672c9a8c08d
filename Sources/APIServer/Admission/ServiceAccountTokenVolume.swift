import KubeAPI

/// The service-account step of pod admission: a new pod that does not opt out
/// (`automountServiceAccountToken: false`) gets the projected `kube-api-access-<suffix>` volume
/// (a bound token, the cluster CA from `kube-root-ca.crt` and the namespace) mounted read-only at
/// `/var/run/secrets/kubernetes.io/serviceaccount` in every container and init container, as
/// upstream's ServiceAccount admission does.
enum ServiceAccountTokenVolume {
    static let mountPath = "/var/run/secrets/kubernetes.io/serviceaccount"

    static func inject(into pod: inout JSONValue) {
        guard let spec = pod["spec"], spec.objectValue != nil,
              spec["automountServiceAccountToken"]?.boolValue != false else { return }
        let containers = spec.elements("containers") + spec.elements("initContainers")
        let mounted = containers.contains { container in
            container.elements("volumeMounts").contains { $0["mountPath"]?.stringValue == mountPath }
        }
        if mounted { return }
        let name = "kube-api-access-" + RandomIdentifiers.nameSuffix()
        let volume: JSONValue = [
            "name": .string(name),
            "projected": [
                "sources": [
                    ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
                    ["configMap": ["name": "kube-root-ca.crt", "items": [["key": "ca.crt", "path": "ca.crt"]]]],
                    ["downwardAPI": ["items": [["path": "namespace", "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]]]]],
                ],
                "defaultMode": 420,
            ],
        ]
        let mount: JSONValue = ["name": .string(name), "readOnly": true, "mountPath": .string(mountPath)]
        pod.withObject("spec") { spec in
            var volumes = spec["volumes"]?.arrayValue ?? []
            volumes.append(volume)
            spec.setMember("volumes", .array(volumes))
            for key in ["containers", "initContainers"] {
                spec.withEachElement(key) { container, _ in
                    var mounts = container["volumeMounts"]?.arrayValue ?? []
                    mounts.append(mount)
                    container.setMember("volumeMounts", .array(mounts))
                }
            }
        }
    }
}
