import KubeAPI

/// The Docker-links-style variables of services (`NAME_SERVICE_HOST`, `NAME_SERVICE_PORT`,
/// `NAME_PORT_80_TCP_ADDR`, ...) that the kubelet puts before a container's own environment.
public enum ServiceEnvironment {
    /// The services whose variables a pod gets: the `kubernetes` service of `default` always,
    /// and with service links (`enableServiceLinks`, default true) every service of the pod's
    /// namespace; by name.
    public static func services(for pod: CoreV1.Pod, from all: [CoreV1.Service]) -> [CoreV1.Service] {
        let namespace = pod.metadata.namespace ?? "default"
        let links = pod.spec?.enableServiceLinks ?? true
        var chosen: [String: CoreV1.Service] = [:]
        for service in all {
            guard let name = service.metadata.name else { continue }
            if service.metadata.namespace == namespace && links {
                chosen[name] = service
            } else if service.metadata.namespace == "default" && name == "kubernetes" && chosen[name] == nil {
                chosen[name] = service
            }
        }
        return chosen.keys.sorted().compactMap { chosen[$0] }
    }

    /// The variables of `services` (those without a cluster IP, or headless, give none).
    public static func variables(for services: [CoreV1.Service]) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for service in services {
            guard let ip = service.spec?.clusterIP, !ip.isEmpty, ip != "None", let name = service.metadata.name else { continue }
            let ports = service.spec?.ports ?? []
            guard let first = ports.first, let firstPort = first.port else { continue }
            let prefix = envName(name)
            result.append((prefix + "_SERVICE_HOST", ip))
            result.append((prefix + "_SERVICE_PORT", String(firstPort)))
            for port in ports {
                if let portName = port.name, !portName.isEmpty, let number = port.port {
                    result.append((prefix + "_SERVICE_PORT_" + envName(portName), String(number)))
                }
            }
            let host = ip.contains(":") ? "[\(ip)]" : ip
            result.append((prefix + "_PORT", "\((first.protocol ?? "TCP").lowercased())://\(host):\(firstPort)"))
            for port in ports {
                guard let number = port.port else { continue }
                let proto = port.protocol ?? "TCP"
                let base = "\(prefix)_PORT_\(number)_\(proto.uppercased())"
                result.append((base, "\(proto.lowercased())://\(host):\(number)"))
                result.append((base + "_PROTO", proto.lowercased()))
                result.append((base + "_PORT", String(number)))
                result.append((base + "_ADDR", ip))
            }
        }
        return result
    }

    /// Upper case with `-` as `_`.
    static func envName(_ name: String) -> String {
        String(name.uppercased().map { $0 == "-" ? "_" : $0 })
    }
}
