import KubeAPI

/// An immutable picture of the cluster state DNS answers from: Services with their ready
/// endpoints, the namespaces, and the reverse map of addresses to names. A
/// ``DNSRecordSource`` publishes a new one on every change; readers never lock.
public struct DNSRecordIndex: Sendable {
    /// The key of a Service: `name.namespace`, lower case.
    public typealias ServiceKey = String

    /// The Services by ``ServiceKey``.
    public private(set) var services: [ServiceKey: DNSServiceRecord] = [:]
    /// The namespaces that exist.
    public var namespaces: Set<String> = []
    /// Whether the source has read the whole cluster state at least once (before that a name it
    /// does not know gets SERVFAIL, not NXDOMAIN).
    public var hasSynced: Bool
    /// The SOA serial: the Unix time of the last change.
    public var serial: UInt32
    /// PTR targets (relative to the zone) by address: a Service's cluster IP gives
    /// `name.namespace.svc`, an endpoint `label.name.namespace.svc`.
    public private(set) var reverse: [IPAddress: [ReverseName]] = [:]

    /// One PTR target of an address.
    public struct ReverseName: Sendable, Hashable, Comparable {
        /// Whether the address is a Service's cluster IP (those come first).
        public var isServiceAddress: Bool
        /// The labels under the zone.
        public var relative: [String]

        public static func < (lhs: ReverseName, rhs: ReverseName) -> Bool {
            if lhs.isServiceAddress != rhs.isServiceAddress { return lhs.isServiceAddress }
            return lhs.relative.lexicographicallyPrecedes(rhs.relative)
        }
    }

    /// An empty index.
    public init(hasSynced: Bool = false, serial: UInt32 = 0) {
        self.hasSynced = hasSynced
        self.serial = serial
    }

    /// The key of the Service `name` in `namespace`.
    public static func key(name: String, namespace: String) -> ServiceKey {
        "\(name.lowercased()).\(namespace.lowercased())"
    }

    /// The Service `name` in `namespace`.
    public func service(name: String, namespace: String) -> DNSServiceRecord? {
        services[Self.key(name: name, namespace: namespace)]
    }

    /// Replaces (or with `nil` removes) the record under `key`, keeping the reverse map in step.
    public mutating func setService(_ record: DNSServiceRecord?, for key: ServiceKey) {
        if let old = services[key] {
            for (address, name) in Self.reverseNames(of: old) {
                reverse[address]?.removeAll { $0 == name }
                if reverse[address]?.isEmpty == true { reverse[address] = nil }
            }
        }
        services[key] = record
        if let record {
            for (address, name) in Self.reverseNames(of: record) {
                var names = reverse[address] ?? []
                names.append(name)
                names.sort()
                reverse[address] = names
            }
        }
    }

    static func reverseNames(of record: DNSServiceRecord) -> [(IPAddress, ReverseName)] {
        let service = [record.name.lowercased(), record.namespace.lowercased(), "svc"]
        var names: [(IPAddress, ReverseName)] = []
        if case .clusterIP(let addresses) = record.kind {
            names += addresses.map { ($0, ReverseName(isServiceAddress: true, relative: service)) }
        }
        if case .externalName = record.kind { return names }
        for endpoint in record.endpoints {
            names.append((endpoint.address, ReverseName(isServiceAddress: false, relative: [endpoint.label] + service)))
        }
        return names
    }
}
