/// Runs nftables scripts: each call is one `nft -f` transaction, applied whole or not at all.
public protocol NFTablesRunner: Sendable {
    /// Applies `script` as one transaction.
    ///
    /// - Throws: ``NFTablesError`` when nft rejects the script (nothing of it is applied) or
    ///   cannot be run.
    func apply(_ script: String) async throws
}

/// nft refused a script or could not be run.
public struct NFTablesError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, with nft's own message.
    public var message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
