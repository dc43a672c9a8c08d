import KubeAPI

/// What a node's policy controller needs to know about the node.
public struct NetworkPolicyConfiguration: Sendable, Hashable {
    /// The node's name (`spec.nodeName` of its pods).
    public var nodeName: String
    /// The node's pod CIDRs (`spec.podCIDRs`): only pod addresses inside them are filtered.
    /// Empty: every address of the node's pods.
    public var podCIDRs: [IPPrefix]
    /// The nft table (`inet NAME`).
    public var tableName: String

    /// Creates a configuration.
    public init(nodeName: String, podCIDRs: [IPPrefix], tableName: String = PolicyRuleRenderer.defaultTableName) {
        self.nodeName = nodeName
        self.podCIDRs = podCIDRs
        self.tableName = tableName
    }
}
