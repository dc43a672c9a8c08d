import KubeAPI

/// What the cluster DNS resolver answers for.
public struct ClusterDNSConfiguration: Sendable {
    /// The cluster domain (`--cluster-domain`, `cluster.local`).
    public var zone: DNSName
    /// The TTL of every cluster record (CoreDNS's `kubernetes` plugin default: 5 seconds; K3s's
    /// Corefile keeps it).
    public var ttl: UInt32
    /// The addresses `ns.dns.ZONE` resolves to and the zone's NS answer names: the `kube-dns`
    /// Service's cluster IPs (`--cluster-dns`, 10.43.0.10).
    public var nameserverAddresses: [IPAddress]
    /// Whether `a-b-c-d.NAMESPACE.pod.ZONE` answers with the address in its name (CoreDNS's
    /// `pods insecure`, K3s's default); when off such names are NXDOMAIN.
    public var podRecords: Bool
    /// Whether answers with several addresses are shuffled (CoreDNS's `loadbalance`).
    public var shuffleAddresses: Bool

    /// Creates a configuration.
    public init(
        zone: DNSName = "cluster.local", ttl: UInt32 = 5, nameserverAddresses: [IPAddress] = [], podRecords: Bool = true,
        shuffleAddresses: Bool = true
    ) {
        self.zone = zone
        self.ttl = ttl
        self.nameserverAddresses = nameserverAddresses
        self.podRecords = podRecords
        self.shuffleAddresses = shuffleAddresses
    }
}
