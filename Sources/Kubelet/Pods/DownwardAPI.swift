import KubeAPI

/// The values of downward API references (`fieldRef`, `resourceFieldRef`) for env variables
/// and `downwardAPI` volume files.
public struct DownwardAPI: Sendable {
    /// The pod.
    public var pod: CoreV1.Pod
    /// The pod's IPs, primary first (empty until the sandbox has one).
    public var podIPs: [String]
    /// The node's IPs, primary first.
    public var hostIPs: [String]
    /// The node's allocatable resources: a container limit that is not set reads as these.
    public var allocatable: [String: Quantity]

    /// Creates a resolver for `pod`.
    public init(pod: CoreV1.Pod, podIPs: [String], hostIPs: [String], allocatable: [String: Quantity]) {
        self.pod = pod
        self.podIPs = podIPs
        self.hostIPs = hostIPs
        self.allocatable = allocatable
    }

    /// The value of a `fieldRef` path. Env variables may use single labels and annotations
    /// (`metadata.labels['k']`); volume files may also use whole maps (`metadata.labels`),
    /// written one `key="value"` per line in key order.
    public func field(_ path: String, forVolume: Bool = false) throws(PodConfigError) -> String {
        let metadata = pod.metadata
        switch path {
        case "metadata.name": return metadata.name ?? ""
        case "metadata.namespace": return metadata.namespace ?? ""
        case "metadata.uid": return metadata.uid ?? ""
        case "spec.nodeName": return pod.spec?.nodeName ?? ""
        case "spec.serviceAccountName": return pod.spec?.serviceAccountName ?? ""
        case "status.hostIP": return hostIPs.first ?? ""
        case "status.hostIPs": return hostIPs.joined(separator: ",")
        case "status.podIP": return podIPs.first ?? ""
        case "status.podIPs": return podIPs.joined(separator: ",")
        case "metadata.labels" where forVolume: return Self.format(metadata.labels ?? [:])
        case "metadata.annotations" where forVolume: return Self.format(metadata.annotations ?? [:])
        default:
            if let key = Self.key(in: path, under: "metadata.labels") { return metadata.labels?[key] ?? "" }
            if let key = Self.key(in: path, under: "metadata.annotations") { return metadata.annotations?[key] ?? "" }
            throw PodConfigError("unsupported fieldPath: \(path)")
        }
    }

    /// The value of a `resourceFieldRef` for `container` (the selector's `containerName` wins
    /// when set): CPU in whole units of the divisor rounded up, memory and storage in bytes
    /// divided by the divisor rounded up.
    public func resource(_ selector: CoreV1.ResourceFieldSelector, container: CoreV1.Container?) throws(PodConfigError) -> String {
        var target = container
        if let name = selector.containerName, !name.isEmpty {
            target = pod.container(name)
            if target == nil { throw PodConfigError("container \(name) not found in pod \(pod.key)") }
        }
        guard let target, let resource = selector.resource else { throw PodConfigError("resourceFieldRef names no container or resource") }
        let divisor = selector.divisor ?? Quantity(1)
        let parts = resource.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0] == "limits" || parts[0] == "requests" else {
            throw PodConfigError("unsupported container resource : \(resource)")
        }
        let name = parts[1]
        var amount: Quantity
        if parts[0] == "limits" {
            amount = target.resources?.limits?[name] ?? allocatable[name] ?? .zero
        } else {
            amount = target.resources?.requests?[name] ?? .zero
        }
        switch name {
        case "cpu":
            let unit = divisor.milliValue
            guard unit > 0 else { throw PodConfigError("invalid divisor \(divisor) for \(resource)") }
            return String(Self.divideRoundingUp(amount.milliValue, unit))
        case "memory", "ephemeral-storage":
            let unit = divisor.value
            guard unit > 0 else { throw PodConfigError("invalid divisor \(divisor) for \(resource)") }
            return String(Self.divideRoundingUp(amount.value, unit))
        default:
            if name.hasPrefix("hugepages-") {
                let unit = max(divisor.value, 1)
                if parts[0] == "limits", target.resources?.limits?[name] == nil { amount = .zero }
                return String(Self.divideRoundingUp(amount.value, unit))
            }
            throw PodConfigError("unsupported container resource : \(resource)")
        }
    }

    static func divideRoundingUp(_ value: Int64, _ divisor: Int64) -> Int64 {
        value <= 0 ? 0 : (value + divisor - 1) / divisor
    }

    /// `KEY` of `prefix['KEY']` (or `prefix["KEY"]`), if `path` has that shape.
    static func key(in path: String, under prefix: String) -> String? {
        guard path.hasPrefix(prefix + "["), path.hasSuffix("]") else { return nil }
        var inner = path.dropFirst(prefix.count + 1).dropLast()
        guard inner.count >= 2, let quote = inner.first, quote == "'" || quote == "\"", inner.last == quote else { return nil }
        inner = inner.dropFirst().dropLast()
        return String(inner)
    }

    /// `key="value"` lines in key order, values quoted with `\"`, `\\`, `\n` and `\t` escaped.
    static func format(_ map: [String: String]) -> String {
        map.keys.sorted().map { key in
            var quoted = "\""
            for character in map[key] ?? "" {
                switch character {
                case "\"": quoted += "\\\""
                case "\\": quoted += "\\\\"
                case "\n": quoted += "\\n"
                case "\t": quoted += "\\t"
                default: quoted.append(character)
                }
            }
            return key + "=" + quoted + "\""
        }.joined(separator: "\n")
    }
}
