import KubeAPI

extension TablePrinter {
    static let nodePrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Status", description: "Whether the node is ready, and schedulable."),
            TableColumn(name: "Roles", description: "The node's roles, from its node-role labels."),
            ageColumn,
            TableColumn(name: "Version", description: "The kubelet version."),
            TableColumn(name: "Internal-IP", description: "The node's internal address.", priority: 1),
            TableColumn(name: "External-IP", description: "The node's external address.", priority: 1),
            TableColumn(name: "OS-Image", description: "The operating system image.", priority: 1),
            TableColumn(name: "Kernel-Version", description: "The kernel version.", priority: 1),
            TableColumn(name: "Container-Runtime", description: "The container runtime and its version.", priority: 1),
        ]
    ) { node, now in
        var status: [String] = []
        if let ready = array(node, "status", "conditions").first(where: { $0["type"]?.stringValue == "Ready" }) {
            // As kubectl shows it: anything but True (False or Unknown) is NotReady.
            status.append(ready["status"]?.stringValue == "True" ? "Ready" : "NotReady")
        } else {
            status.append("Unknown")
        }
        if node[path: "spec", "unschedulable"]?.boolValue == true { status.append("SchedulingDisabled") }
        var roles = Set<String>()
        for (key, value) in node[path: "metadata", "labels"]?.objectValue ?? [:] {
            if key.hasPrefix("node-role.kubernetes.io/") {
                let role = String(key.dropFirst("node-role.kubernetes.io/".count))
                if !role.isEmpty { roles.insert(role) }
            } else if key == "kubernetes.io/role", let role = value.stringValue, !role.isEmpty {
                roles.insert(role)
            }
        }
        func address(_ type: String) -> JSONValue {
            orNone(array(node, "status", "addresses").first { $0["type"]?.stringValue == type }?["address"]?.stringValue)
        }
        let info = node[path: "status", "nodeInfo"] ?? [:]
        return [
            name(node), .string(status.joined(separator: ",")), .string(roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ",")),
            age(node, now), .string(info["kubeletVersion"]?.stringValue ?? ""), address("InternalIP"), address("ExternalIP"),
            orNone(info["osImage"]?.stringValue), orNone(info["kernelVersion"]?.stringValue),
            orNone(info["containerRuntimeVersion"]?.stringValue),
        ]
    }

    static let namespacePrinter = Printer(
        columns: [nameColumn, TableColumn(name: "Status", description: "Active or Terminating."), ageColumn]
    ) { ns, now in
        [name(ns), .string(string(ns, "status", "phase") ?? ""), age(ns, now)]
    }

    static let configMapPrinter = Printer(
        columns: [nameColumn, TableColumn(name: "Data", type: "integer", description: "Number of data keys."), ageColumn]
    ) { cm, now in
        let count = (cm["data"]?.objectValue?.count ?? 0) + (cm["binaryData"]?.objectValue?.count ?? 0)
        return [name(cm), .int(Int64(count)), age(cm, now)]
    }

    static let secretPrinter = Printer(
        columns: [
            nameColumn, TableColumn(name: "Type", description: "The secret's type."),
            TableColumn(name: "Data", type: "integer", description: "Number of data keys."), ageColumn,
        ]
    ) { secret, now in
        [name(secret), .string(string(secret, "type") ?? "Opaque"), .int(Int64(secret["data"]?.objectValue?.count ?? 0)), age(secret, now)]
    }

    static let serviceAccountPrinter = Printer(
        columns: [nameColumn, TableColumn(name: "Secrets", type: "integer", description: "Number of listed secrets."), ageColumn]
    ) { sa, now in
        [name(sa), .int(Int64(array(sa, "secrets").count)), age(sa, now)]
    }

    static let eventPrinter = Printer(
        columns: [
            TableColumn(name: "Last Seen", description: "Time since the event was last seen."),
            TableColumn(name: "Type", description: "Normal or Warning."),
            TableColumn(name: "Reason", description: "Why the event happened, in one word."),
            TableColumn(name: "Object", description: "The object the event is about."),
            TableColumn(name: "Subobject", description: "The part of the object concerned.", priority: 1),
            TableColumn(name: "Source", description: "The component that reported the event.", priority: 1),
            TableColumn(name: "Message", description: "What happened."),
            TableColumn(name: "First Seen", description: "Time since the event was first seen.", priority: 1),
            TableColumn(name: "Count", type: "integer", description: "How often the event occurred.", priority: 1),
            TableColumn(name: "Name", format: "name", description: "The event's name.", priority: 1),
        ]
    ) { event, now in
        // Core v1 and events.k8s.io/v1 name some fields differently.
        let involved = event["involvedObject"] ?? event["regarding"] ?? [:]
        let eventTime = string(event, "eventTime")
        let first = string(event, "firstTimestamp") ?? string(event, "deprecatedFirstTimestamp") ?? eventTime
            ?? string(event, "metadata", "creationTimestamp")
        var last = string(event, "lastTimestamp") ?? string(event, "deprecatedLastTimestamp") ?? first
        var count = event["count"]?.intValue ?? event["deprecatedCount"]?.intValue ?? 1
        if let series = event["series"], series.objectValue != nil {
            last = series["lastObservedTime"]?.stringValue ?? last
            count = series["count"]?.intValue ?? count
        }
        let component = string(event, "source", "component") ?? string(event, "deprecatedSource", "component")
            ?? string(event, "reportingComponent") ?? string(event, "reportingController") ?? ""
        let host = string(event, "source", "host") ?? string(event, "deprecatedSource", "host") ?? string(event, "reportingInstance") ?? ""
        let source = host.isEmpty ? component : "\(component), \(host)"
        let kind = (involved["kind"]?.stringValue ?? "").lowercased()
        return [
            .string(since(last, now)), .string(string(event, "type") ?? ""), .string(string(event, "reason") ?? ""),
            .string("\(kind)/\(involved["name"]?.stringValue ?? "")"), .string(involved["fieldPath"]?.stringValue ?? ""),
            .string(source), .string(string(event, "message") ?? string(event, "note") ?? ""), .string(since(first, now)),
            .int(count), name(event),
        ]
    }

    /// `RWO,ROX,RWX,RWOP` abbreviations of access modes, each once, in that order.
    static func accessModes(_ modes: [JSONValue]) -> String {
        let present = Set(modes.compactMap(\.stringValue))
        return [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")]
            .filter { present.contains($0.0) }.map(\.1).joined(separator: ",")
    }

    static let persistentVolumePrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Capacity", description: "The volume's size."),
            TableColumn(name: "Access Modes", description: "How the volume can be mounted."),
            TableColumn(name: "Reclaim Policy", description: "What happens to the volume when released."),
            TableColumn(name: "Status", description: "The volume's phase."),
            TableColumn(name: "Claim", description: "The claim bound to the volume."),
            TableColumn(name: "StorageClass", description: "The storage class."),
            TableColumn(name: "VolumeAttributesClass", description: "The volume attributes class."),
            TableColumn(name: "Reason", description: "Why the volume is in its phase."),
            ageColumn,
            TableColumn(name: "VolumeMode", description: "Filesystem or Block.", priority: 1),
        ]
    ) { pv, now in
        var claim = ""
        if let ref = pv[path: "spec", "claimRef"], ref.objectValue != nil {
            claim = "\(ref["namespace"]?.stringValue ?? "")/\(ref["name"]?.stringValue ?? "")"
        }
        var phase = string(pv, "status", "phase") ?? ""
        if pv[path: "metadata", "deletionTimestamp"] != nil { phase = "Terminating" }
        return [
            name(pv), .string(string(pv, "spec", "capacity", "storage") ?? ""), .string(accessModes(array(pv, "spec", "accessModes"))),
            .string(string(pv, "spec", "persistentVolumeReclaimPolicy") ?? ""), .string(phase), .string(claim),
            .string(string(pv, "spec", "storageClassName") ?? ""), .string(string(pv, "spec", "volumeAttributesClassName") ?? "<unset>"),
            .string(string(pv, "status", "reason") ?? ""), age(pv, now), .string(string(pv, "spec", "volumeMode") ?? "<unset>"),
        ]
    }

    static let persistentVolumeClaimPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Status", description: "The claim's phase."),
            TableColumn(name: "Volume", description: "The volume bound to the claim."),
            TableColumn(name: "Capacity", description: "The bound volume's size."),
            TableColumn(name: "Access Modes", description: "How the bound volume can be mounted."),
            TableColumn(name: "StorageClass", description: "The storage class."),
            TableColumn(name: "VolumeAttributesClass", description: "The volume attributes class in effect."),
            ageColumn,
            TableColumn(name: "VolumeMode", description: "Filesystem or Block.", priority: 1),
        ]
    ) { pvc, now in
        let volume = string(pvc, "spec", "volumeName") ?? ""
        var capacity = "", modes = ""
        if !volume.isEmpty {
            capacity = string(pvc, "status", "capacity", "storage") ?? ""
            modes = accessModes(array(pvc, "status", "accessModes"))
        }
        var phase = string(pvc, "status", "phase") ?? ""
        if pvc[path: "metadata", "deletionTimestamp"] != nil { phase = "Terminating" }
        let storageClass = string(pvc, "spec", "storageClassName")
            ?? string(pvc, "metadata", "annotations", "volume.beta.kubernetes.io/storage-class") ?? ""
        return [
            name(pvc), .string(phase), .string(volume), .string(capacity), .string(modes), .string(storageClass),
            .string(string(pvc, "status", "currentVolumeAttributesClassName") ?? "<unset>"), age(pvc, now),
            .string(string(pvc, "spec", "volumeMode") ?? "<unset>"),
        ]
    }

    /// `NAME (default)` for the default class; the reclaim policy defaults to `Delete`, the
    /// binding mode to `Immediate`.
    static let storageClassPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Provisioner", description: "The provisioner that makes the class's volumes."),
            TableColumn(name: "ReclaimPolicy", description: "What happens to a released volume of the class."),
            TableColumn(name: "VolumeBindingMode", description: "When claims of the class are bound."),
            TableColumn(name: "AllowVolumeExpansion", description: "Whether claims of the class may grow."),
            ageColumn,
        ]
    ) { storageClass, now in
        var name = string(storageClass, "metadata", "name") ?? ""
        let annotations = ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"]
        if annotations.contains(where: { string(storageClass, "metadata", "annotations", $0) == "true" }) { name += " (default)" }
        return [
            .string(name), .string(string(storageClass, "provisioner") ?? ""),
            .string(string(storageClass, "reclaimPolicy") ?? "Delete"), .string(string(storageClass, "volumeBindingMode") ?? "Immediate"),
            .bool(storageClass["allowVolumeExpansion"]?.boolValue ?? false), age(storageClass, now),
        ]
    }

    static let rolePrinter = Printer(
        columns: [nameColumn, TableColumn(name: "Created At", description: "When the object was created (RFC 3339).")]
    ) { role, _ in
        [name(role), .string(string(role, "metadata", "creationTimestamp") ?? "")]
    }

    static let roleBindingPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Role", description: "The role granted (kind/name)."),
            ageColumn,
            TableColumn(name: "Users", description: "Users granted the role.", priority: 1),
            TableColumn(name: "Groups", description: "Groups granted the role.", priority: 1),
            TableColumn(name: "ServiceAccounts", description: "Service accounts granted the role.", priority: 1),
        ]
    ) { binding, now in
        let subjects = array(binding, "subjects")
        func names(_ kind: String) -> String {
            subjects.filter { $0["kind"]?.stringValue == kind }.map { subject -> String in
                let name = subject["name"]?.stringValue ?? ""
                return kind == "ServiceAccount" ? "\(subject["namespace"]?.stringValue ?? "")/\(name)" : name
            }.joined(separator: ", ")
        }
        let role = "\(string(binding, "roleRef", "kind") ?? "")/\(string(binding, "roleRef", "name") ?? "")"
        return [name(binding), .string(role), age(binding, now), .string(names("User")), .string(names("Group")), .string(names("ServiceAccount"))]
    }
}
