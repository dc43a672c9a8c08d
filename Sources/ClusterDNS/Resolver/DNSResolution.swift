/// What the resolver makes of a query.
public enum DNSResolution: Sendable {
    /// The response (without EDNS; the server adds it and fits the size to the transport).
    case answer(DNSMessage)
    /// A name outside the cluster's zones: forward the query to the upstream resolvers.
    case forward
    /// An ExternalName Service: `cname` points outside the zone; ask the upstream resolvers for
    /// `target` and `type`, then build the answer with
    /// ``ClusterDNSResolver/complete(_:cname:upstream:)``.
    case chase(response: DNSMessage, cname: DNSResourceRecord, target: DNSName, type: DNSRecordType)
}
