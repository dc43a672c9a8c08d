import KubeAPI

extension TablePrinter {
    static let endpointSlicePrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "AddressType", description: "The type of the slice's addresses."),
            TableColumn(name: "Ports", description: "The slice's ports."),
            TableColumn(name: "Endpoints", description: "Up to three endpoint addresses."),
            ageColumn,
        ]
    ) { slice, now in
        let ports = array(slice, "ports").map { port -> String in
            port["port"]?.intValue.map { String($0) } ?? "<unset>"
        }
        let addresses = array(slice, "endpoints").flatMap { ($0["addresses"]?.arrayValue ?? []).compactMap(\.stringValue) }
        var endpoints = addresses.prefix(3).joined(separator: ",")
        if addresses.count > 3 { endpoints += " + \(addresses.count - 3) more..." }
        return [
            name(slice), orNone(string(slice, "addressType")), .string(ports.isEmpty ? "<unset>" : ports.joined(separator: ",")),
            .string(addresses.isEmpty ? "<unset>" : endpoints), age(slice, now),
        ]
    }

    static let leasePrinter = Printer(
        columns: [nameColumn, TableColumn(name: "Holder", description: "Who holds the lease."), ageColumn]
    ) { lease, now in
        [name(lease), .string(string(lease, "spec", "holderIdentity") ?? ""), age(lease, now)]
    }

    static let priorityClassPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Value", type: "integer", description: "The priority of pods in this class."),
            TableColumn(name: "Global-Default", type: "boolean", description: "Whether pods without a class get this one."),
            ageColumn,
            TableColumn(name: "PreemptionPolicy", description: "Whether pods of this class preempt lower-priority pods."),
        ]
    ) { pc, now in
        [
            name(pc), .int(pc["value"]?.intValue ?? 0), .bool(pc["globalDefault"]?.boolValue ?? false), age(pc, now),
            .string(string(pc, "preemptionPolicy") ?? "PreemptLowerPriority"),
        ]
    }

    static let controllerRevisionPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Controller", description: "The object that owns the revision."),
            TableColumn(name: "Revision", type: "integer", description: "The revision number."),
            ageColumn,
        ]
    ) { revision, now in
        let owner = array(revision, "metadata", "ownerReferences").first { $0["controller"]?.boolValue == true }
        var controller = "<none>"
        if let owner, let kind = owner["kind"]?.stringValue, let ownerName = owner["name"]?.stringValue {
            let apiVersion = owner["apiVersion"]?.stringValue ?? ""
            let group = apiVersion.contains("/") ? "." + apiVersion.split(separator: "/")[0] : ""
            controller = "\(kind.lowercased())\(group)/\(ownerName)"
        }
        return [name(revision), .string(controller), .int(revision["revision"]?.intValue ?? 0), age(revision, now)]
    }
}
