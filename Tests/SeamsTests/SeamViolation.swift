/// A broken module seam: which rule, and where.
struct SeamViolation: Hashable, Sendable, CustomStringConvertible {
    /// The rules.
    enum Rule: String, Sendable, CaseIterable {
        /// Controllers, Scheduler, Kubelet and NetOverlay reach the cluster state only through
        /// the API (KubeClient), never through the datastore or the API server's code.
        case nodeSideReachesPastTheAPI = "the node side (controllers, scheduler, kubelet, network) talks to the API through KubeClient only"
        /// KubeAPI is the bottom of the graph.
        case kubeAPIImportsOurs = "KubeAPI imports no other target of this package"
        /// A program is not a library.
        case importsAnExecutable = "nothing imports an executable target (CLI, k3s-bench, ...)"
        /// What a target imports, it declares, so the graph in Package.swift is the real one.
        case undeclaredImport = "a target imports only what it declares in Package.swift"
        /// The joining node speaks the join contract, not the server's code.
        case agentImportsTheServer = "the agent side of the join (Cluster/Agent, Cluster/Join/NodeJoiner.swift) imports NodeJoinAPI, not APIServer"
    }

    var rule: Rule
    /// The offending import.
    var at: SourceImport

    var description: String { "\(at.target): \(at) breaks \"\(rule.rawValue)\"" }
}
