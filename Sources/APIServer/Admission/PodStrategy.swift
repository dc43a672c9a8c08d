import KubeAPI

/// Pods: pod defaults and `status.qosClass`; spec validation; on update only images,
/// `activeDeadlineSeconds`, added tolerations and a negative grace period may change.
struct PodStrategy: ObjectStrategy {
    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {
        if old == nil { ServiceAccountTokenVolume.inject(into: &object) }
        PodDefaults.applyToPod(&object)
        guard let spec = object["spec"], spec.objectValue != nil else { return }
        let qos = Self.qosClass(spec)
        object.withObject("status", create: true) { status in
            if JSONValue.isUnset(status["qosClass"]) { status.setMember("qosClass", .string(qos)) }
        }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        PodSpecValidation.errors(object["spec"], path: "spec")
    }

    static let mutableFieldsMessage = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        guard let newSpec = object["spec"], let oldSpec = old["spec"] else { return errors }
        // Blank out what may change, then compare the rest.
        var a = newSpec
        var b = oldSpec
        for key in ["containers", "initContainers"] {
            let oldImages = oldSpec.elements(key).map { $0["image"] }
            a.withEachElement(key) { container, index in
                if index < oldImages.count { container.setMember("image", oldImages[index]) }
            }
        }
        a.setMember("activeDeadlineSeconds", nil)
        b.setMember("activeDeadlineSeconds", nil)
        let oldTolerations = oldSpec.elements("tolerations")
        let newTolerations = newSpec.elements("tolerations")
        if newTolerations.count >= oldTolerations.count, Array(newTolerations.prefix(oldTolerations.count)) == oldTolerations {
            a.setMember("tolerations", nil)
            b.setMember("tolerations", nil)
        }
        if let grace = oldSpec["terminationGracePeriodSeconds"]?.intValue, grace < 0, newSpec["terminationGracePeriodSeconds"]?.intValue == 1 {
            a.setMember("terminationGracePeriodSeconds", nil)
            b.setMember("terminationGracePeriodSeconds", nil)
        }
        if !Self.sameMembers(a, b) {
            errors.append(.forbidden("spec", detail: Self.mutableFieldsMessage))
        }
        if let deadline = oldSpec["activeDeadlineSeconds"]?.intValue {
            let updated = newSpec["activeDeadlineSeconds"]?.intValue
            if updated == nil || updated! > deadline {
                errors.append(.invalid("spec.activeDeadlineSeconds", value: newSpec["activeDeadlineSeconds"] ?? .null, detail: "must be less than or equal to previous value"))
            }
        }
        return errors
    }

    /// Structural equality that ignores member order.
    static func sameMembers(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x {
                guard let other = y[key], sameMembers(value, other) else { return false }
            }
            return true
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { sameMembers($0, $1) }
        default:
            return a == b
        }
    }

    /// `Guaranteed` when every container limits cpu and memory with equal requests,
    /// `BestEffort` when no container requests or limits cpu or memory, `Burstable` otherwise.
    static func qosClass(_ spec: JSONValue) -> String {
        let containers = spec.elements("initContainers") + spec.elements("containers")
        var anySet = false
        var guaranteed = !containers.isEmpty
        for container in containers {
            let requests = container[path: "resources", "requests"]?.objectValue ?? [:]
            let limits = container[path: "resources", "limits"]?.objectValue ?? [:]
            for resource in ["cpu", "memory"] {
                let request = requests[resource].flatMap(Self.quantity)
                let limit = limits[resource].flatMap(Self.quantity)
                if (request.map { $0 != .zero } ?? false) || (limit.map { $0 != .zero } ?? false) { anySet = true }
                guard let limit, limit != .zero else { guaranteed = false; continue }
                if let request, request != limit { guaranteed = false }
            }
        }
        if !anySet { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    static func quantity(_ value: JSONValue) -> Quantity? {
        if let text = value.stringValue { return try? Quantity(parsing: text) }
        if let number = value.intValue { return Quantity(number) }
        return nil
    }
}
