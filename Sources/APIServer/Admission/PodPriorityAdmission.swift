import KubeAPI

/// Resolves a new pod's priority from its `priorityClassName` (or the global default class):
/// sets `spec.priority` and `spec.preemptionPolicy` from the class, and refuses a pod naming a
/// class that does not exist (403, as upstream's Priority admission does). The two built-in
/// classes `system-cluster-critical` and `system-node-critical` always resolve.
struct PodPriorityAdmission: ObjectAllocator {
    /// The built-in classes and their values.
    static let builtinClasses: [String: Int64] = ["system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000]

    let priorityClass: @Sendable (String) async throws -> JSONValue?
    let priorityClasses: @Sendable () async throws -> [JSONValue]

    func allocate(_ object: inout JSONValue, old: JSONValue?, dryRun: Bool) async throws -> AllocationTransaction {
        guard old == nil else { return .empty }
        let name = object[path: "spec", "priorityClassName"]?.stringValue ?? ""
        var value: Int64?
        var policy: String?
        if !name.isEmpty {
            if let found = try await priorityClass(name) {
                value = found["value"]?.intValue
                policy = found["preemptionPolicy"]?.stringValue
            } else if let builtin = Self.builtinClasses[name] {
                value = builtin
            } else {
                let pod = object[path: "metadata", "name"]?.stringValue ?? ""
                throw StatusError.forbidden(
                    GroupResource(group: "", resource: "pods"), name: pod,
                    reason: "no PriorityClass with name \(name) was found")
            }
        } else if let global = try await priorityClasses().first(where: { $0["globalDefault"]?.boolValue == true }) {
            value = global["value"]?.intValue
            policy = global["preemptionPolicy"]?.stringValue
            if let className = global[path: "metadata", "name"] {
                object.withObject("spec") { $0.setMember("priorityClassName", className) }
            }
        }
        object.withObject("spec") { spec in
            if let value { spec.setMember("priority", .int(value)) }
            if let policy { spec.setMember("preemptionPolicy", .string(policy)) }
        }
        return .empty
    }

    func release(_ object: JSONValue) async {}

    func rebuild(from objects: [JSONValue]) async {}
}
