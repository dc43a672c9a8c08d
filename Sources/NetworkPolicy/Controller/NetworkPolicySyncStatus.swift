/// What a ``NetworkPolicyController`` has done so far: for health checks, logs and tests.
public struct NetworkPolicySyncStatus: Sendable, Hashable {
    /// How many syncs compiled the model (including those that found nothing to change).
    public var evaluatedSyncs = 0
    /// How many syncs applied a rule set.
    public var appliedSyncs = 0
    /// How long the last applied sync took (compiling, rendering and `nft`), or `nil` before it.
    public var lastSyncDuration: Duration?
    /// The last error (a failed sync, or bridge netfilter that could not be turned on), cleared
    /// by a successful sync.
    public var lastError: String?
    /// What the last sync could not read (bad selectors or CIDRs), one line each.
    public var problems: [String] = []
    /// How many local pods the applied rule set isolates.
    public var isolatedPods = 0
    /// The script last applied, or `nil` before the first (and after ``NetworkPolicyController/tearDown()``).
    public var appliedScript: String?

    /// Nothing done yet.
    public init() {}
}
