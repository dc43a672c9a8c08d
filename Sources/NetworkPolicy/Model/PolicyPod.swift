import KubeAPI

/// What the policy model needs of a pod: where it lives, its labels, its addresses and its named
/// container ports.
public struct PolicyPod: Sendable, Hashable {
    /// A named container port (`containerPort` with a `name`).
    public struct NamedPort: Sendable, Hashable {
        /// The port's name.
        public var name: String
        /// Its protocol.
        public var `protocol`: PolicyProtocol
        /// The port number.
        public var port: Int

        /// Creates a named port.
        public init(name: String, protocol: PolicyProtocol = .tcp, port: Int) {
            self.name = name
            self.protocol = `protocol`
            self.port = port
        }
    }

    /// The namespace.
    public var namespace: String
    /// The name.
    public var name: String
    /// The labels.
    public var labels: [String: String]
    /// The pod's addresses (`status.podIPs`), in order, IPv4 or IPv6.
    public var addresses: [IPAddress]
    /// The node it runs on.
    public var nodeName: String?
    /// The named ports of its containers.
    public var namedPorts: [NamedPort]

    /// Creates a pod.
    public init(
        namespace: String, name: String, labels: [String: String] = [:], addresses: [IPAddress], nodeName: String? = nil,
        namedPorts: [NamedPort] = []
    ) {
        self.namespace = namespace
        self.name = name
        self.labels = labels
        self.addresses = addresses
        self.nodeName = nodeName
        self.namedPorts = namedPorts
    }

    /// The view of an API pod, or `nil` for a pod that takes no part in policies: one on the
    /// host's network (its address is the node's), one without an address yet, one that has
    /// finished (`Succeeded`/`Failed`: its address may be handed to another pod).
    public init?(_ pod: CoreV1.Pod) {
        guard pod.spec?.hostNetwork != true, pod.status?.phase != "Succeeded", pod.status?.phase != "Failed" else { return nil }
        var texts = (pod.status?.podIPs ?? []).compactMap(\.ip)
        if texts.isEmpty, let single = pod.status?.podIP { texts = [single] }
        var addresses: [IPAddress] = []
        for text in texts {
            if let address = IPAddress(text), !addresses.contains(address) { addresses.append(address) }
        }
        guard !addresses.isEmpty else { return nil }
        let ports = (pod.spec?.containers ?? []).flatMap { $0.ports ?? [] }.compactMap { port -> NamedPort? in
            guard let name = port.name, !name.isEmpty, let number = port.containerPort,
                  let proto = PolicyProtocol(apiValue: port.protocol) else { return nil }
            return NamedPort(name: name, protocol: proto, port: number)
        }
        self.init(
            namespace: pod.metadata.namespace ?? "default", name: pod.metadata.name ?? "", labels: pod.metadata.labels ?? [:],
            addresses: addresses, nodeName: pod.spec?.nodeName, namedPorts: ports)
    }

    /// `namespace/name`.
    public var key: String { "\(namespace)/\(name)" }

    /// The port numbers `name` resolves to for `protocol` on this pod.
    public func ports(named name: String, protocol: PolicyProtocol) -> [Int] {
        namedPorts.filter { $0.name == name && $0.protocol == `protocol` }.map(\.port)
    }
}
