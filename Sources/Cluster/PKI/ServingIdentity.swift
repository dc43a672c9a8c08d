import KubeAPI

/// The names the API server's serving certificate must be valid for.
public struct ServingIdentity: Sendable, Hashable {
    /// DNS names, lower-cased, without duplicates, in order.
    public var dnsNames: [String]
    /// IP addresses, without duplicates, in order.
    public var ipAddresses: [IPAddress]

    /// Creates an identity from explicit names; duplicates are dropped.
    public init(dnsNames: [String], ipAddresses: [IPAddress]) {
        var seenNames = Set<String>()
        self.dnsNames = dnsNames.map { $0.lowercased() }.filter { seenNames.insert($0).inserted }
        var seenAddresses = Set<IPAddress>()
        self.ipAddresses = ipAddresses.filter { seenAddresses.insert($0).inserted }
    }

    /// The names K3s puts in its serving certificate: `localhost`, the host name, `kubernetes`,
    /// `kubernetes.default`, `kubernetes.default.svc`, `kubernetes.default.svc.DOMAIN`,
    /// 127.0.0.1, ::1, the advertise address, the first service IP of each service network,
    /// and every `--tls-san` (an IP-shaped SAN becomes an IP entry).
    public init(configuration: ServerConfiguration) {
        var names = [
            "localhost", configuration.hostName,
            "kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc.\(configuration.clusterDomain)",
        ]
        var addresses: [IPAddress] = [.ipv4Loopback, .ipv6Loopback, configuration.advertiseAddress]
        for cidr in configuration.serviceCIDRs {
            if let first = cidr.address(at: 1) { addresses.append(first) }
        }
        if !configuration.bindAddress.isUnspecified { addresses.append(configuration.bindAddress) }
        for san in configuration.tlsSANs {
            if let address = IPAddress(san) {
                addresses.append(address)
            } else {
                names.append(san)
            }
        }
        self.init(dnsNames: names, ipAddresses: addresses)
    }

    /// Whether a certificate's names are exactly these (order aside).
    func matches(dnsNames otherNames: [String], ipAddresses otherAddresses: [IPAddress]) -> Bool {
        Set(dnsNames) == Set(otherNames.map { $0.lowercased() }) && Set(ipAddresses) == Set(otherAddresses)
    }
}
