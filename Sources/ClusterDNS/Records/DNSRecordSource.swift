/// Where cluster DNS reads the cluster state: a stream of immutable ``DNSRecordIndex`` values.
///
/// Implementations: ``InformerDNSRecordSource`` (the node's own informers on Services,
/// EndpointSlices and Namespaces) and ``InMemoryDNSRecordSource`` (tests, benchmarks).
public protocol DNSRecordSource: Sendable {
    /// The latest index (an empty, unsynced one before the first read).
    var currentIndex: DNSRecordIndex { get }

    /// The current index, then every new one, until the consuming task is cancelled. Indexes
    /// published in quick succession may be coalesced: a consumer always ends on the latest.
    func indexUpdates() -> AsyncStream<DNSRecordIndex>
}
