import KubeAPI

/// What the policies say about one local pod: for each direction, `nil` when the pod is not
/// isolated in it (everything allowed), else the traffic allowed (empty: nothing, default deny).
public struct PodPolicyRules: Sendable, Hashable {
    /// `namespace/name`.
    public var pod: String
    /// The pod's addresses.
    public var addresses: [IPAddress]
    /// Incoming traffic allowed when the pod is isolated for ingress.
    public var ingress: [PolicyAllowance]?
    /// Outgoing traffic allowed when the pod is isolated for egress.
    public var egress: [PolicyAllowance]?

    /// Creates the rules of a pod (allowances sorted, without duplicates).
    public init(pod: String, addresses: [IPAddress], ingress: [PolicyAllowance]?, egress: [PolicyAllowance]?) {
        self.pod = pod
        self.addresses = addresses
        self.ingress = ingress.map { $0.sortedUnique() }
        self.egress = egress.map { $0.sortedUnique() }
    }

    /// Whether the pod is isolated in at least one direction.
    public var isIsolated: Bool { ingress != nil || egress != nil }
}
