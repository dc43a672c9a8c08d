import KubeAPI

/// What deleting a namespace's content found, and the status conditions that report it
/// (types, reasons and message shapes as upstream).
public struct NamespaceDeletionReport: Sendable, Hashable {
    /// Discovery failed for some groups (their content may remain).
    public var discoveryFailed: [String] = []
    /// Resources whose deletion failed, with the error.
    public var deletionFailures: [String] = []
    /// Objects still present per resource (`pods.` for core, `deployments.apps`).
    public var remaining: [String: Int] = [:]
    /// Objects still present per finalizer.
    public var finalizersRemaining: [String: Int] = [:]

    /// Creates a report.
    public init(discoveryFailed: [String] = [], deletionFailures: [String] = [], remaining: [String: Int] = [:], finalizersRemaining: [String: Int] = [:]) {
        self.discoveryFailed = discoveryFailed
        self.deletionFailures = deletionFailures
        self.remaining = remaining
        self.finalizersRemaining = finalizersRemaining
    }

    /// Whether everything is gone and the `kubernetes` finalizer may be removed.
    public var isComplete: Bool { discoveryFailed.isEmpty && deletionFailures.isEmpty && remaining.isEmpty }

    /// The five deletion conditions of a terminating namespace.
    public func conditions(now: Time, previous: [CoreV1.NamespaceCondition]) -> [CoreV1.NamespaceCondition] {
        func condition(_ type: String, _ failed: Bool, _ failReason: String, _ failMessage: String, _ okReason: String, _ okMessage: String) -> CoreV1.NamespaceCondition {
            let status = failed ? "True" : "False"
            let old = previous.first { $0.type == type }
            return CoreV1.NamespaceCondition(
                lastTransitionTime: old?.status == status ? (old?.lastTransitionTime ?? now) : now,
                message: failed ? failMessage : okMessage, reason: failed ? failReason : okReason, status: status, type: type)
        }
        let remainingText = remaining.keys.sorted().map { "\($0) has \(remaining[$0]!) resource instances" }.joined(separator: ", ")
        let finalizerText = finalizersRemaining.keys.sorted().map { "\($0) in \(finalizersRemaining[$0]!) resource instances" }.joined(separator: ", ")
        return [
            condition("NamespaceDeletionDiscoveryFailure", !discoveryFailed.isEmpty, "DiscoveryFailed",
                      "Discovery failed for some groups, \(discoveryFailed.count) failing: \(discoveryFailed.joined(separator: ", "))",
                      "ResourcesDiscovered", "All resources successfully discovered"),
            condition("NamespaceDeletionGroupVersionParsingFailure", false, "GroupVersionParsingFailed", "",
                      "ParsedGroupVersions", "All legacy kube types successfully parsed"),
            condition("NamespaceDeletionContentFailure", !deletionFailures.isEmpty, "ContentDeletionFailed",
                      "Failed to delete all resource types, \(deletionFailures.count) remaining: \(deletionFailures.joined(separator: ", "))",
                      "ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
            condition("NamespaceContentRemaining", !remaining.isEmpty, "SomeResourcesRemain",
                      "Some resources are remaining: \(remainingText)", "ContentRemoved", "All content successfully removed"),
            condition("NamespaceFinalizersRemaining", !finalizersRemaining.isEmpty, "SomeFinalizersRemain",
                      "Some content in the namespace has finalizers remaining: \(finalizerText)",
                      "ContentHasNoFinalizers", "All content-preserving finalizers finished"),
        ]
    }
}
