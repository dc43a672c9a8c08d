import KubeAPI

/// The defaults upstream gives pod specs, both in pods and in the pod templates of workloads,
/// plus those only pods get (from the pod defaulting and the ServiceAccount, Priority and
/// DefaultTolerationSeconds admission plugins). Members come out in upstream order.
enum PodDefaults {
    /// `PodSpec` members in upstream order.
    static let specOrder = [
        "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
        "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
        "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName",
        "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext",
        "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations",
        "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates",
        "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead",
        "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates",
        "resourceClaims", "resources",
    ]

    /// `Container` members in upstream order.
    static let containerOrder = [
        "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
        "resizePolicy", "restartPolicy", "restartPolicyRules", "volumeMounts", "volumeDevices",
        "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
        "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
    ]

    static let portOrder = ["name", "hostPort", "containerPort", "protocol", "hostIP"]
    static let probeOrder = [
        "exec", "httpGet", "tcpSocket", "grpc", "initialDelaySeconds", "timeoutSeconds",
        "periodSeconds", "successThreshold", "failureThreshold", "terminationGracePeriodSeconds",
    ]

    /// The volume sources whose `defaultMode` defaults to 0644 (420).
    static let modeSources = ["secret", "configMap", "downwardAPI", "projected"]

    /// Every volume source member name (a volume with none of them gets `emptyDir: {}`).
    static let volumeSources: Set<String> = [
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
        "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
        "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
        "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO",
        "storageos", "csi", "ephemeral", "image",
    ]

    /// Defaults a `PodTemplateSpec` (its `spec`; the template metadata gets none).
    static func applyToTemplate(_ template: inout JSONValue) {
        template.withObject("spec", create: false) { applyToSpec(&$0) }
    }

    /// Defaults a `PodSpec` the way both pods and templates get it.
    static func applyToSpec(_ spec: inout JSONValue) {
        guard spec.objectValue != nil else { return }
        spec.setDefault("dnsPolicy", "ClusterFirst")
        spec.setDefault("restartPolicy", "Always")
        spec.setDefault("terminationGracePeriodSeconds", 30)
        spec.setDefault("securityContext", .object([:]))
        spec.setDefault("schedulerName", "default-scheduler")
        let hostNetwork = spec["hostNetwork"]?.boolValue == true
        for key in ["initContainers", "containers", "ephemeralContainers"] {
            spec.withEachElement(key) { container, _ in applyToContainer(&container, hostNetwork: hostNetwork) }
        }
        spec.withEachElement("volumes") { volume, _ in applyToVolume(&volume) }
        spec.reorder(specOrder)
    }

    /// Defaults what only pods get: requests from limits, the service account, priority,
    /// service links and the not-ready/unreachable tolerations; then the spec defaults.
    static func applyToPod(_ pod: inout JSONValue) {
        pod.withObject("spec") { spec in
            for key in ["initContainers", "containers"] {
                spec.withEachElement(key) { container, _ in
                    container.withObject("resources") { resources in
                        guard let limits = resources["limits"]?.objectValue, !limits.isEmpty else { return }
                        var requests = resources["requests"]?.objectValue ?? [:]
                        for (name, value) in limits where requests[name] == nil { requests[name] = value }
                        resources.setMember("requests", .object(requests))
                        resources.reorder(["limits", "requests", "claims"])
                    }
                }
            }
            spec.setDefault("enableServiceLinks", true)
            if JSONValue.isUnset(spec["serviceAccountName"]) {
                spec.setMember("serviceAccountName", spec["serviceAccount"].flatMap { JSONValue.isUnset($0) ? nil : $0 } ?? "default")
            }
            spec.setDefault("serviceAccount", spec["serviceAccountName"] ?? "default")
            spec.setDefault("priority", 0)
            spec.setDefault("preemptionPolicy", "PreemptLowerPriority")
            addDefaultTolerations(&spec)
            applyToSpec(&spec)
        }
    }

    /// Adds the 300-second NoExecute tolerations for not-ready and unreachable nodes unless the
    /// pod already tolerates those taints.
    static func addDefaultTolerations(_ spec: inout JSONValue) {
        var tolerations = spec["tolerations"]?.arrayValue ?? []
        if let existing = spec["tolerations"], !existing.isNull, existing.arrayValue == nil { return }
        let before = tolerations.count
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            let tolerated = tolerations.contains { toleration in
                let effect = toleration.string("effect")
                let matchesEffect = effect.isEmpty || effect == "NoExecute"
                let tKey = toleration.string("key")
                let exists = toleration.string("operator") == "Exists"
                return matchesEffect && (tKey == key || (tKey.isEmpty && exists))
            }
            if !tolerated {
                tolerations.append(["key": .string(key), "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300])
            }
        }
        if tolerations.count != before { spec.setMember("tolerations", .array(tolerations)) }
    }

    static func applyToContainer(_ container: inout JSONValue, hostNetwork: Bool) {
        container.setDefault("terminationMessagePath", "/dev/termination-log")
        container.setDefault("terminationMessagePolicy", "File")
        if JSONValue.isUnset(container["imagePullPolicy"]) {
            container.setMember("imagePullPolicy", .string(imageTag(container.string("image")) == "latest" ? "Always" : "IfNotPresent"))
        }
        container.setDefault("resources", .object([:]))
        container.withEachElement("ports") { port, _ in
            port.setDefault("protocol", "TCP")
            if hostNetwork, JSONValue.isUnset(port["hostPort"]) || port["hostPort"]?.intValue == 0, let number = port["containerPort"] {
                port.setMember("hostPort", number)
            }
            port.reorder(portOrder)
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            container.withObject(probe) { applyToProbe(&$0) }
        }
        container.withObject("lifecycle") { lifecycle in
            for hook in ["postStart", "preStop"] {
                lifecycle.withObject(hook) { handler in handler.withObject("httpGet") { applyToHTTPGet(&$0) } }
            }
        }
        container.withEachElement("env") { variable, _ in
            variable.withObject("valueFrom") { source in
                source.withObject("fieldRef") { $0.setDefault("apiVersion", "v1"); $0.reorder(["apiVersion", "fieldPath"]) }
            }
        }
        container.reorder(containerOrder)
    }

    static func applyToProbe(_ probe: inout JSONValue) {
        probe.withObject("httpGet") { applyToHTTPGet(&$0) }
        probe.setDefault("timeoutSeconds", 1)
        probe.setDefault("periodSeconds", 10)
        probe.setDefault("successThreshold", 1)
        probe.setDefault("failureThreshold", 3)
        probe.reorder(probeOrder)
    }

    static func applyToHTTPGet(_ action: inout JSONValue) {
        action.setDefault("path", "/")
        action.setDefault("scheme", "HTTP")
        action.reorder(["path", "port", "host", "scheme", "httpHeaders"])
    }

    static func applyToVolume(_ volume: inout JSONValue) {
        guard let members = volume.objectValue else { return }
        if !members.keys.contains(where: { volumeSources.contains($0) && !(members[$0]?.isNull ?? true) }) {
            volume.setMember("emptyDir", .object([:]))
        }
        for source in modeSources {
            volume.withObject(source) { $0.setDefault("defaultMode", 420) }
        }
        volume.withObject("hostPath") { hostPath in
            if hostPath["type"] == nil || hostPath["type"]?.isNull == true { hostPath.setMember("type", "") }
        }
        volume.withObject("projected") { projected in
            projected.withEachElement("sources") { source, _ in
                source.withObject("serviceAccountToken") { $0.setDefault("expirationSeconds", 3600) }
            }
        }
    }

    /// The tag of an image reference: `latest` when there is neither tag nor digest, `""` when
    /// only a digest pins it.
    static func imageTag(_ image: String) -> String {
        var reference = Substring(image)
        var digested = false
        if let at = reference.firstIndex(of: "@") {
            reference = reference[..<at]
            digested = true
        }
        let lastSlash = reference.lastIndex(of: "/")
        if let colon = reference.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            return String(reference[reference.index(after: colon)...])
        }
        return digested ? "" : "latest"
    }
}
