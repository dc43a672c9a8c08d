/// The pod network between nodes: what makes a pod on one node reach a pod on another by its
/// pod IP. The node's own pods sit on the CNI bridge (``CNIConfiguration``); an overlay carries
/// traffic for the other nodes' pod CIDRs.
///
/// An overlay is driven in three steps: ``setUp(_:)`` once the node knows its pod CIDR(s),
/// ``setPeers(_:)`` with the whole desired peer set each time it changes, ``tearDown()`` when
/// the node leaves. Every step reconciles against what is already there (the kernel, for the
/// real implementations), so running a step twice, or after a restart, changes nothing more and
/// never duplicates a route, neighbour or forwarding entry.
///
/// Implementations: ``VXLANOverlay`` (Flannel's `vxlan` backend), ``HostGatewayOverlay``
/// (`host-gw`), ``FakeOverlay`` (in memory, for controller tests).
public protocol Overlay: Sendable {
    /// The backend, as nodes publish it (`flannel.alpha.coreos.com/backend-type`).
    var backend: OverlayBackend { get }

    /// Sets up the local node's side of the overlay (devices, addresses, masquerading) for
    /// every IP family that has both a pod CIDR and a public IP in `node`. Calling it again with
    /// the same node changes nothing; with a different one, it converges to the new node.
    /// Peers already in place are left alone (``setPeers(_:)`` reconciles them).
    ///
    /// - Returns: what the node publishes for its peers (public IPs, backend data such as the
    ///   VTEP MAC, the MTU pods should use).
    /// - Throws: ``OverlayError`` when the node has nothing to set up or a kernel command fails.
    func setUp(_ node: OverlayLocalNode) async throws -> OverlayAttributes

    /// Makes the overlay's peers exactly `peers`: entries of peers no longer listed are removed,
    /// new ones added, changed ones replaced. Peers of another backend, and the families a peer
    /// lacks data for, are skipped (logged).
    ///
    /// - Throws: ``OverlayError`` before ``setUp(_:)`` or when a kernel command fails.
    func setPeers(_ peers: [OverlayPeer]) async throws

    /// Removes everything the overlay made (also what a previous process made: it works without
    /// ``setUp(_:)``, as `k3s-killall` needs). Removing what is not there is not an error.
    func tearDown() async throws
}
