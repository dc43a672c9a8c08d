import KubeAPI

/// Gives a new Ingress that names no class the cluster's default IngressClass (the one annotated
/// `ingressclass.kubernetes.io/is-default-class: "true"`; with several, the newest), as
/// upstream's DefaultIngressClass admission does. An Ingress with `spec.ingressClassName` or the
/// legacy `kubernetes.io/ingress.class` annotation is left as it is, and so is every update.
struct DefaultIngressClassAdmission: ObjectAllocator {
    static let defaultAnnotation = "ingressclass.kubernetes.io/is-default-class"
    static let legacyAnnotation = "kubernetes.io/ingress.class"

    let ingressClasses: @Sendable () async throws -> [JSONValue]

    /// The name of the default class among `classes` (the newest of those whose `annotation` is
    /// `"true"`), if any.
    static func defaultClass(in classes: [JSONValue], annotation: String = defaultAnnotation) -> String? {
        let defaults = classes.filter { $0[path: "metadata", "annotations", annotation]?.stringValue == "true" }
        let newest = defaults.max { a, b in
            let (left, right) = (a[path: "metadata", "creationTimestamp"]?.stringValue ?? "", b[path: "metadata", "creationTimestamp"]?.stringValue ?? "")
            if left != right { return left < right }
            return (a[path: "metadata", "name"]?.stringValue ?? "") > (b[path: "metadata", "name"]?.stringValue ?? "")
        }
        return newest?[path: "metadata", "name"]?.stringValue
    }

    func allocate(_ object: inout JSONValue, old: JSONValue?, dryRun: Bool) async throws -> AllocationTransaction {
        guard old == nil, (object[path: "spec", "ingressClassName"]?.stringValue ?? "").isEmpty,
            object[path: "metadata", "annotations", Self.legacyAnnotation] == nil,
            let name = Self.defaultClass(in: try await ingressClasses())
        else { return .empty }
        object.withObject("spec") { $0.setMember("ingressClassName", .string(name)) }
        return .empty
    }

    func release(_ object: JSONValue) async {}

    func rebuild(from objects: [JSONValue]) async {}
}
