import KubeAPI

/// Decides which Ingresses the built-in proxy serves.
///
/// Served: an Ingress whose `spec.ingressClassName` (or, when that is unset, the legacy
/// `kubernetes.io/ingress.class` annotation) is the proxy's class, one of
/// ``alsoServeClassNames``, or an IngressClass whose `spec.controller` is ``controllerName``; and
/// an Ingress naming no class at all while one of those classes is annotated
/// `ingressclass.kubernetes.io/is-default-class: "true"`.
public struct IngressClassPolicy: Sendable, Hashable {
    /// The annotation marking the cluster's default IngressClass.
    public static let defaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class"
    /// The legacy annotation naming an Ingress's class.
    public static let legacyClassAnnotation = "kubernetes.io/ingress.class"

    /// The IngressClass the proxy owns (`k3s`).
    public var className: String
    /// Its `spec.controller` (`k3s.io/ingress-proxy`).
    public var controllerName: String
    /// More class names served as if they were ours (`traefik`, for manifests written for K3s).
    public var alsoServeClassNames: [String]

    /// Creates a policy.
    public init(className: String = "k3s", controllerName: String = "k3s.io/ingress-proxy", alsoServeClassNames: [String] = ["traefik"]) {
        self.className = className
        self.controllerName = controllerName
        self.alsoServeClassNames = alsoServeClassNames
    }

    /// The class names served, given the cluster's IngressClasses.
    public func servedClassNames(classes: [NetworkingV1.IngressClass]) -> Set<String> {
        var names = Set([className] + alsoServeClassNames)
        for ingressClass in classes where ingressClass.spec?.controller == controllerName {
            if let name = ingressClass.metadata.name { names.insert(name) }
        }
        return names
    }

    /// Whether one of the served classes is the cluster's default class.
    public func isDefault(classes: [NetworkingV1.IngressClass]) -> Bool {
        let served = servedClassNames(classes: classes)
        return classes.contains { ingressClass in
            guard let name = ingressClass.metadata.name, served.contains(name) else { return false }
            return ingressClass.metadata.annotations?[Self.defaultClassAnnotation] == "true"
        }
    }

    /// The Ingresses of `ingresses` this proxy serves.
    public func served(_ ingresses: [NetworkingV1.Ingress], classes: [NetworkingV1.IngressClass]) -> [NetworkingV1.Ingress] {
        let names = servedClassNames(classes: classes)
        let isDefault = isDefault(classes: classes)
        return ingresses.filter { ingress in
            if ingress.metadata.deletionTimestamp != nil { return false }
            let named = ingress.spec?.ingressClassName ?? ingress.metadata.annotations?[Self.legacyClassAnnotation]
            guard let named, !named.isEmpty else { return isDefault }
            return names.contains(named)
        }
    }

    /// The IngressClass the proxy owns, marked as the default class.
    public func ingressClass() -> NetworkingV1.IngressClass {
        NetworkingV1.IngressClass(
            metadata: MetaV1.ObjectMeta(
                annotations: [Self.defaultClassAnnotation: "true"], labels: ["app.kubernetes.io/managed-by": "k3s"], name: className),
            spec: NetworkingV1.IngressClassSpec(controller: controllerName))
    }
}
