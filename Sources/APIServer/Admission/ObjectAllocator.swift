import KubeAPI

/// The stateful step of admission: reserves shared resources (cluster IPs, node ports) for an
/// object and writes them into it. Implementations keep their own state safe for concurrent
/// callers; two objects never get the same resource.
public protocol ObjectAllocator: Sendable {
    /// Reserves what `object` needs (given `old` on update, `nil` on create) and records it in
    /// `object`. The returned transaction must be committed once the object is stored, or
    /// reverted when the write fails; a dry run reserves nothing lasting (its transaction holds
    /// nothing to revert) but still fills in the values it would have chosen.
    ///
    /// - Throws: `StatusError` 422 for a requested value that is taken or out of range, 500
    ///   when a range is exhausted.
    func allocate(_ object: inout JSONValue, old: JSONValue?, dryRun: Bool) async throws -> AllocationTransaction

    /// Releases everything `object` holds (after it was deleted). Releasing what is not held
    /// does nothing.
    func release(_ object: JSONValue) async

    /// Rebuilds the allocation state from every stored object (server start): marks what they
    /// hold as taken.
    func rebuild(from objects: [JSONValue]) async
}

/// What an allocation did, to be finished exactly once: ``commit()`` after a successful write
/// (performs deferred releases), ``revert()`` after a failed one (returns new reservations).
public struct AllocationTransaction: Sendable {
    let onCommit: @Sendable () -> Void
    let onRevert: @Sendable () -> Void

    /// Creates a transaction from its two outcomes.
    public init(commit: @escaping @Sendable () -> Void = {}, revert: @escaping @Sendable () -> Void = {}) {
        self.onCommit = commit
        self.onRevert = revert
    }

    /// A transaction with nothing to finish.
    public static let empty = AllocationTransaction()

    /// The write succeeded: keep new reservations, perform deferred releases.
    public func commit() { onCommit() }

    /// The write failed: return new reservations, keep the old ones.
    public func revert() { onRevert() }

    /// Both transactions in order (reverted in reverse order).
    public func followed(by next: AllocationTransaction) -> AllocationTransaction {
        AllocationTransaction(
            commit: { self.onCommit(); next.onCommit() },
            revert: { next.onRevert(); self.onRevert() }
        )
    }
}
