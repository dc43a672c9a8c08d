import Synchronization

/// Callbacks to run once when something ends; a callback added after the end runs at once.
final class TerminationHandlers: Sendable {
    private let state = Mutex<(ended: Bool, handlers: [@Sendable () -> Void])>((false, []))

    /// Adds `handler` (runs it now when already ended).
    func add(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.ended { return true }
            state.handlers.append(handler)
            return false
        }
        if now { handler() }
    }

    /// Marks the end and runs every handler added so far (only the first call does anything).
    func run() {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.ended else { return [] }
            state.ended = true
            defer { state.handlers = [] }
            return state.handlers
        }
        for handler in handlers { handler() }
    }
}
