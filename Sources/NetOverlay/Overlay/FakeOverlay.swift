import KubeAPI
import Synchronization

/// An in-memory ``Overlay`` for tests of what drives one (the ``OverlayController``): it
/// records every call and keeps the state a real overlay would converge to (the node set up,
/// the peers by name), and can be told to fail.
public final class FakeOverlay: Overlay {
    /// One call, as made.
    public enum Call: Sendable, Hashable {
        /// ``Overlay/setUp(_:)``.
        case setUp(OverlayLocalNode)
        /// ``Overlay/setPeers(_:)``, peers sorted by name.
        case setPeers([OverlayPeer])
        /// ``Overlay/tearDown()``.
        case tearDown
    }

    private struct State {
        var calls: [Call] = []
        var node: OverlayLocalNode?
        var peers: [String: OverlayPeer] = [:]
        var failures: [OverlayError] = []
    }

    public let backend: OverlayBackend
    private let state = Mutex(State())

    /// Creates a fake of `backend`.
    public init(backend: OverlayBackend = .vxlan) {
        self.backend = backend
    }

    /// Every call so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }
    /// The node set up, `nil` before ``setUp(_:)`` and after ``tearDown()``.
    public var node: OverlayLocalNode? { state.withLock { $0.node } }
    /// The current peers by name.
    public var peers: [String: OverlayPeer] { state.withLock { $0.peers } }
    /// The current peers' names, sorted.
    public var peerNames: [String] { state.withLock { $0.peers.keys.sorted() } }

    /// Makes the next call (of any kind) throw `error`; queued failures are used in order.
    public func failNextCall(with error: OverlayError) {
        state.withLock { $0.failures.append(error) }
    }

    /// The attributes a node set up by this fake publishes: its VTEP MAC (for VXLAN) depends on
    /// the node's name.
    public func attributes(for node: OverlayLocalNode) -> OverlayAttributes {
        var attributes = OverlayAttributes(backend: backend, publicIPs: node.families.compactMap { node.publicIP($0) }, podMTU: 1450)
        if backend == .vxlan {
            for family in node.families {
                attributes.backendData[family] = OverlayBackendData(vni: 1, vtepMAC: .stable(seed: "\(node.name)/\(family.rawValue)"))
            }
        }
        return attributes
    }

    public func setUp(_ node: OverlayLocalNode) async throws -> OverlayAttributes {
        try record(.setUp(node)) { $0.node = node }
        return attributes(for: node)
    }

    public func setPeers(_ peers: [OverlayPeer]) async throws {
        let sorted = peers.sorted { $0.name < $1.name }
        try record(.setPeers(sorted)) { (state: inout State) throws(OverlayError) in
            guard state.node != nil else { throw OverlayError("the fake overlay is not set up") }
            state.peers = Dictionary(sorted.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        }
    }

    public func tearDown() async throws {
        try record(.tearDown) { state in
            state.node = nil
            state.peers = [:]
        }
    }

    private func record(_ call: Call, _ apply: (inout State) throws(OverlayError) -> Void) throws(OverlayError) {
        try state.withLock { state throws(OverlayError) in
            state.calls.append(call)
            if !state.failures.isEmpty { throw state.failures.removeFirst() }
            try apply(&state)
        }
    }
}
