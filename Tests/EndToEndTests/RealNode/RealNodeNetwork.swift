import Foundation

/// The network between real nodes: a namespace `k3se2e-net-<id>` of the test's holding a bridge
/// `br0`; each node attached to it gets a veth pair, `k3s-node0` inside the node's namespace and
/// `k3s-<node id>` on the bridge. ``remove()`` deletes the namespace, and with it the bridge and
/// every peer end left there (a node's own end goes with the node's namespace).
struct RealNodeNetwork: Sendable {
    /// Where a node's `k3s-node0` leads.
    enum Attachment: Sendable, Equatable {
        /// Nowhere: a veth pair whose both ends stay inside the node's namespace.
        case isolated
        /// A port of the bridge in the network's namespace.
        case bridge(namespace: String)

        /// Makes `k3s-node0` (down, without an address) in `netns`.
        func attach(netns: String, id: String) throws {
            switch self {
            case .isolated:
                // A veth pair with both ends inside (some kernels lack the dummy driver).
                try RealNode.ip(["-n", netns, "link", "add", "k3s-node0", "type", "veth", "peer", "name", "k3s-node1"])
                try RealNode.ip(["-n", netns, "link", "set", "k3s-node1", "up"])
            case .bridge(let namespace):
                let port = "k3s-\(id)"
                try RealNode.ip(["-n", netns, "link", "add", "k3s-node0", "type", "veth", "peer", "name", port, "netns", namespace])
                try RealNode.ip(["-n", namespace, "link", "set", port, "master", "br0", "up"])
            }
        }
    }

    /// The namespace holding the bridge.
    let namespace: String

    /// Nodes attach to this network with it.
    var attachment: Attachment { .bridge(namespace: namespace) }

    /// Makes the namespace and its bridge.
    static func make() throws -> RealNodeNetwork {
        let namespace = "k3se2e-net-\(UUID().uuidString.lowercased().prefix(8))"
        try RealNode.ip(["netns", "add", namespace])
        do {
            try RealNode.ip(["-n", namespace, "link", "add", "br0", "type", "bridge"])
            try RealNode.ip(["-n", namespace, "link", "set", "br0", "up"])
        } catch {
            try? RealNode.ip(["netns", "delete", namespace])
            throw error
        }
        return RealNodeNetwork(namespace: namespace)
    }

    /// Deletes the namespace with the bridge; safe to call more than once.
    func remove() {
        try? RealNode.ip(["netns", "delete", namespace])
    }
}
