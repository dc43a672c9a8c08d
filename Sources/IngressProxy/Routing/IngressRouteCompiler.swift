#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI
import NIOCore

/// Compiles served Ingresses, with the Services, EndpointSlices and Secrets they name, into an
/// ``IngressRouteTable``, and lists what is wrong with them (for Warning events).
///
/// Rules of several Ingresses merge; when two claim the same host and path, or the default
/// backend, or a TLS host, the oldest Ingress (creation time, then namespace and name) wins.
public enum IngressRouteCompiler {
    /// Something an Ingress names that cannot be served as written.
    public struct Problem: Sendable, Hashable {
        /// `namespace/name` of the Ingress.
        public var ingress: String
        /// The event reason: `ServiceNotFound`, `ServicePortNotFound`, `UnsupportedBackend`,
        /// `SecretNotFound`, `InvalidSecret`.
        public var reason: String
        /// A sentence for people.
        public var message: String
    }

    /// Reads the objects Ingresses name (informer caches, or fixtures in tests).
    public struct Lookup: Sendable {
        /// A Service by namespace and name.
        public var service: @Sendable (_ namespace: String, _ name: String) -> CoreV1.Service?
        /// The EndpointSlices of a Service (labelled `kubernetes.io/service-name`).
        public var endpointSlices: @Sendable (_ namespace: String, _ service: String) -> [DiscoveryV1.EndpointSlice]
        /// A Secret by namespace and name.
        public var secret: @Sendable (_ namespace: String, _ name: String) -> CoreV1.Secret?

        /// Creates a lookup.
        public init(
            service: @escaping @Sendable (String, String) -> CoreV1.Service?,
            endpointSlices: @escaping @Sendable (String, String) -> [DiscoveryV1.EndpointSlice],
            secret: @escaping @Sendable (String, String) -> CoreV1.Secret?
        ) {
            self.service = service
            self.endpointSlices = endpointSlices
            self.secret = secret
        }
    }

    /// The Secret type TLS certificates must have.
    public static let tlsSecretType = "kubernetes.io/tls"

    /// Compiles `ingresses` (those this proxy serves) into a table.
    public static func compile(_ ingresses: [NetworkingV1.Ingress], lookup: Lookup) -> (table: IngressRouteTable, problems: [Problem]) {
        var table = IngressRouteTable()
        var problems: [Problem] = []
        var backends: [String: (target: IngressBackendTarget, reason: String?)] = [:]
        var ordered: [(order: Int, host: String?, route: IngressRouteTable.Route)] = []
        for ingress in ingresses.sorted(by: isOlder) {
            let namespace = ingress.metadata.namespace ?? "default"
            let key = "\(namespace)/\(ingress.metadata.name ?? "")"
            table.servedIngresses.append(key)
            let spec = ingress.spec ?? .init()
            func target(_ backend: NetworkingV1.IngressBackend?) -> IngressBackendTarget {
                resolve(backend, namespace: namespace, ingress: key, lookup: lookup, cache: &backends, problems: &problems)
            }
            if let defaultBackend = spec.defaultBackend, table.defaultBackend == nil {
                table.defaultBackend = target(defaultBackend)
            }
            for rule in spec.rules ?? [] {
                let host = rule.host.flatMap { $0.isEmpty ? nil : $0.lowercased() }
                for path in rule.http?.paths ?? [] {
                    let route = IngressRouteTable.Route(path: IngressPathRule(path: path.path, pathType: path.pathType), backend: target(path.backend))
                    ordered.append((ordered.count, host, route))
                }
            }
            addCertificates(of: ingress, namespace: namespace, key: key, lookup: lookup, to: &table, problems: &problems)
        }
        // Most specific first; among equals, the older Ingress (earlier in `ordered`) first.
        ordered.sort { lhs, rhs in
            let (l, r) = (lhs.route.path.specificity, rhs.route.path.specificity)
            return l != r ? l > r : lhs.order < rhs.order
        }
        for entry in ordered {
            switch entry.host {
            case nil: table.anyHost.append(entry.route)
            case let host? where host.hasPrefix("*."): table.wildcardHosts[String(host.dropFirst(2)), default: []].append(entry.route)
            case let host?: table.exactHosts[host, default: []].append(entry.route)
            }
        }
        return (table, problems)
    }

    /// Creation time, then namespace and name.
    static func isOlder(_ lhs: NetworkingV1.Ingress, _ rhs: NetworkingV1.Ingress) -> Bool {
        let (l, r) = (lhs.metadata.creationTimestamp, rhs.metadata.creationTimestamp)
        if l != r {
            guard let l else { return false }
            guard let r else { return true }
            return l < r
        }
        let (ln, rn) = (lhs.metadata.namespace ?? "", rhs.metadata.namespace ?? "")
        return ln != rn ? ln < rn : (lhs.metadata.name ?? "") < (rhs.metadata.name ?? "")
    }

    static func resolve(
        _ backend: NetworkingV1.IngressBackend?, namespace: String, ingress: String, lookup: Lookup,
        cache: inout [String: (target: IngressBackendTarget, reason: String?)], problems: inout [Problem]
    ) -> IngressBackendTarget {
        guard let service = backend?.service, let name = service.name, !name.isEmpty else {
            let message = "only Service backends are supported"
            problems.append(Problem(ingress: ingress, reason: "UnsupportedBackend", message: message))
            return IngressBackendTarget(ingress: ingress, service: "", port: "", endpoints: [], problem: message)
        }
        let port = service.port?.name ?? service.port?.number.map(String.init) ?? ""
        let cacheKey = "\(namespace)/\(name):\(port)"
        if var known = cache[cacheKey] {
            if let reason = known.reason, let message = known.target.problem {
                problems.append(Problem(ingress: ingress, reason: reason, message: message))
            }
            known.target.ingress = ingress
            return known.target
        }
        let before = problems.count
        let target = resolveUncached(service, name: name, port: port, namespace: namespace, ingress: ingress, lookup: lookup, problems: &problems)
        cache[cacheKey] = (target, problems.count > before ? problems.last?.reason : nil)
        return target
    }

    private static func resolveUncached(
        _ backend: NetworkingV1.IngressServiceBackend, name: String, port: String, namespace: String, ingress: String,
        lookup: Lookup, problems: inout [Problem]
    ) -> IngressBackendTarget {
        var target = IngressBackendTarget(ingress: ingress, service: "\(namespace)/\(name)", port: port, endpoints: [])
        func fail(_ reason: String, _ message: String) -> IngressBackendTarget {
            problems.append(Problem(ingress: ingress, reason: reason, message: message))
            target.problem = message
            return target
        }
        guard let service = lookup.service(namespace, name) else {
            return fail("ServiceNotFound", "service \(namespace)/\(name) not found")
        }
        if service.spec?.type == "ExternalName" {
            return fail("UnsupportedBackend", "service \(namespace)/\(name) is an ExternalName Service, which the built-in proxy does not route to")
        }
        let servicePort = (service.spec?.ports ?? []).first { candidate in
            if let number = backend.port?.number { return candidate.port == number }
            return candidate.name == backend.port?.name
        }
        guard let servicePort else {
            return fail("ServicePortNotFound", "service \(namespace)/\(name) has no port \(port.isEmpty ? "(none given)" : port)")
        }
        target.endpoints = endpoints(of: lookup.endpointSlices(namespace, name), portName: servicePort.name ?? "")
        if target.endpoints.isEmpty { target.problem = "no ready endpoint for service \(namespace)/\(name) port \(port)" }
        return target
    }

    /// The addresses and target ports of a Service port's endpoints: the ready ones, or when
    /// none is ready the serving (terminating) ones, in address order.
    static func endpoints(of slices: [DiscoveryV1.EndpointSlice], portName: String) -> [SocketAddress] {
        var ready: [String: SocketAddress] = [:]
        var serving: [String: SocketAddress] = [:]
        for slice in slices {
            guard slice.addressType == "IPv4" || slice.addressType == "IPv6",
                let number = (slice.ports ?? []).first(where: { ($0.name ?? "") == portName && ($0.protocol ?? "TCP") == "TCP" })?.port
            else { continue }
            for endpoint in slice.endpoints ?? [] {
                guard let ip = endpoint.addresses?.first, let address = try? SocketAddress(ipAddress: ip, port: number) else { continue }
                let isReady = endpoint.conditions?.ready ?? true
                let isServing = endpoint.conditions?.serving ?? isReady
                let key = "\(ip)#\(number)"
                if isReady { ready[key] = address } else if isServing { serving[key] = address }
            }
        }
        let chosen = ready.isEmpty ? serving : ready
        return chosen.keys.sorted().compactMap { chosen[$0] }
    }

    private static func addCertificates(
        of ingress: NetworkingV1.Ingress, namespace: String, key: String, lookup: Lookup,
        to table: inout IngressRouteTable, problems: inout [Problem]
    ) {
        let ruleHosts = (ingress.spec?.rules ?? []).compactMap { $0.host.flatMap { $0.isEmpty ? nil : $0.lowercased() } }
        for tls in ingress.spec?.tls ?? [] {
            guard let secretName = tls.secretName, !secretName.isEmpty else { continue }
            guard let secret = lookup.secret(namespace, secretName) else {
                problems.append(Problem(ingress: key, reason: "SecretNotFound", message: "secret \(namespace)/\(secretName) not found; the default certificate is served"))
                continue
            }
            guard secret.type == tlsSecretType,
                let certificate = secret.data?["tls.crt"].flatMap({ Data(base64Encoded: $0) }), !certificate.isEmpty,
                let privateKey = secret.data?["tls.key"].flatMap({ Data(base64Encoded: $0) }), !privateKey.isEmpty
            else {
                problems.append(Problem(
                    ingress: key, reason: "InvalidSecret",
                    message: "secret \(namespace)/\(secretName) is not a \(tlsSecretType) Secret with tls.crt and tls.key; the default certificate is served"))
                continue
            }
            let entry = IngressRouteTable.Certificate(
                secret: "\(namespace)/\(secretName)", version: secret.metadata.resourceVersion ?? "",
                certificatePEM: Array(certificate), privateKeyPEM: Array(privateKey))
            let hosts = (tls.hosts ?? []).isEmpty ? ruleHosts : (tls.hosts ?? []).map { $0.lowercased() }
            for host in hosts {
                if host.hasPrefix("*.") {
                    let suffix = String(host.dropFirst(2))
                    if table.wildcardCertificates[suffix] == nil { table.wildcardCertificates[suffix] = entry }
                } else if table.exactCertificates[host] == nil {
                    table.exactCertificates[host] = entry
                }
            }
        }
    }
}
