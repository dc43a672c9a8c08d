/// The node and Service labels ServiceLB reads (the names K3s uses, so manifests and node
/// labels written for K3s keep their meaning).
public enum ServiceLBLabels {
    /// On a node: `"true"` lets ServiceLB use the node. As soon as any node carries this label
    /// (with any value), only nodes whose value is `"true"` are used.
    public static let enableLB = "svccontroller.k3s.cattle.io/enablelb"
    /// On a node and on a Service: while nodes are selected with ``enableLB``, a Service with
    /// this label uses only the nodes whose label has the same value.
    public static let lbPool = "svccontroller.k3s.cattle.io/lbpool"
    /// On a node (any value): the node never serves a LoadBalancer Service (the well-known
    /// Kubernetes label for external load balancers).
    public static let excludeFromExternalLoadBalancers = "node.kubernetes.io/exclude-from-external-load-balancers"
}
