import Synchronization

/// A runner for tests: records every script and applies nothing; can be told to fail.
public final class RecordingNFTablesRunner: NFTablesRunner {
    private let state = Mutex<(scripts: [String], failures: Int)>(([], 0))

    /// Creates a runner that succeeds.
    public init() {}

    /// Every script applied so far, in order (including those it failed).
    public var scripts: [String] { state.withLock { $0.scripts } }

    /// Makes the next `count` calls fail.
    public func failNext(_ count: Int = 1) {
        state.withLock { $0.failures = count }
    }

    /// Records `script`; throws when told to fail.
    public func apply(_ script: String) async throws {
        let fail = state.withLock { state -> Bool in
            state.scripts.append(script)
            guard state.failures > 0 else { return false }
            state.failures -= 1
            return true
        }
        if fail { throw NFTablesError("injected failure") }
    }
}
