import IngressProxy
import KubeAPI

/// Services, slices and Ingresses the tests route with.
enum IngressFixtures {
    static func service(_ name: String, namespace: String = "default", ports: [(String, Int)] = [("http", 80)]) -> CoreV1.Service {
        var spec = CoreV1.ServiceSpec()
        spec.ports = ports.map { CoreV1.ServicePort(name: $0.0.isEmpty ? nil : $0.0, port: $0.1, protocol: "TCP") }
        return CoreV1.Service(metadata: MetaV1.ObjectMeta(name: name, namespace: namespace), spec: spec)
    }

    static func slice(
        _ name: String, service: String, namespace: String = "default", ports: [(String, Int)],
        endpoints: [(address: String, ready: Bool?)]
    ) -> DiscoveryV1.EndpointSlice {
        DiscoveryV1.EndpointSlice(
            addressType: "IPv4",
            endpoints: endpoints.map { DiscoveryV1.Endpoint(addresses: [$0.address], conditions: DiscoveryV1.EndpointConditions(ready: $0.ready)) },
            metadata: MetaV1.ObjectMeta(labels: ["kubernetes.io/service-name": service], name: name, namespace: namespace),
            ports: ports.map { DiscoveryV1.EndpointPort(name: $0.0, port: $0.1, protocol: "TCP") })
    }

    static func path(_ path: String, _ type: String = "Prefix", service: String, port: Int = 80) -> NetworkingV1.HTTPIngressPath {
        NetworkingV1.HTTPIngressPath(
            backend: backend(service, port: port), path: path, pathType: type)
    }

    static func backend(_ service: String, port: Int = 80) -> NetworkingV1.IngressBackend {
        NetworkingV1.IngressBackend(service: NetworkingV1.IngressServiceBackend(name: service, port: NetworkingV1.ServiceBackendPort(number: port)))
    }

    static func ingress(
        _ name: String, namespace: String = "default", className: String? = "k3s", created: Int64 = 1_000,
        rules: [(host: String?, paths: [NetworkingV1.HTTPIngressPath])] = [], defaultBackend: NetworkingV1.IngressBackend? = nil,
        tls: [NetworkingV1.IngressTLS]? = nil
    ) -> NetworkingV1.Ingress {
        NetworkingV1.Ingress(
            metadata: MetaV1.ObjectMeta(creationTimestamp: Time(secondsSinceEpoch: created), name: name, namespace: namespace),
            spec: NetworkingV1.IngressSpec(
                defaultBackend: defaultBackend, ingressClassName: className,
                rules: rules.map { NetworkingV1.IngressRule(host: $0.host, http: NetworkingV1.HTTPIngressRuleValue(paths: $0.paths)) },
                tls: tls))
    }

    /// A lookup over fixed objects.
    static func lookup(
        services: [CoreV1.Service], slices: [DiscoveryV1.EndpointSlice], secrets: [CoreV1.Secret] = []
    ) -> IngressRouteCompiler.Lookup {
        IngressRouteCompiler.Lookup(
            service: { namespace, name in services.first { $0.metadata.name == name && $0.metadata.namespace == namespace } },
            endpointSlices: { namespace, name in
                slices.filter { $0.metadata.namespace == namespace && $0.metadata.labels?["kubernetes.io/service-name"] == name }
            },
            secret: { namespace, name in secrets.first { $0.metadata.name == name && $0.metadata.namespace == namespace } })
    }

    /// A `kubernetes.io/tls` Secret holding `certificate`.
    static func tlsSecret(_ name: String, namespace: String = "default", _ certificate: SelfSignedCertificate, version: String = "1") -> CoreV1.Secret {
        var secret = CoreV1.Secret(metadata: MetaV1.ObjectMeta(name: name, namespace: namespace, resourceVersion: version))
        secret.type = "kubernetes.io/tls"
        secret.data = [
            "tls.crt": base64(Array(certificate.certificatePEM.utf8)),
            "tls.key": base64(Array(certificate.privateKeyPEM.utf8)),
        ]
        return secret
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = (UInt32(chunk[0]) << 16) | (UInt32(chunk.count > 1 ? chunk[1] : 0) << 8) | UInt32(chunk.count > 2 ? chunk[2] : 0)
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[Int((value >> UInt32(18 - 6 * position)) & 63)] : "=")
            }
            index += 3
        }
        return out
    }
}
