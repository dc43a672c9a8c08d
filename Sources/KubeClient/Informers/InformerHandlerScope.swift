import Synchronization

/// Ties informer handlers to the work that added them: every handler added to any informer while
/// ``run(_:)`` runs (in its task or the tasks it starts) is removed when it returns. A component
/// that stops while the process's shared informers run on (a scheduler losing its leader Lease)
/// runs inside one, so a later term does not find the handlers of the earlier one still there.
public final class InformerHandlerScope: Sendable {
    @TaskLocal static var current: InformerHandlerScope?

    private let removals = Mutex<[@Sendable () -> Void]>([])

    private init() {}

    /// Runs `body`; removes the handlers it added when it returns or throws.
    public static func run<T>(_ body: () async throws -> T) async rethrows -> T {
        let scope = InformerHandlerScope()
        defer { scope.removeAll() }
        return try await $current.withValue(scope) { try await body() }
    }

    /// Notes how to remove a handler just added.
    func record(_ removal: @escaping @Sendable () -> Void) {
        removals.withLock { $0.append(removal) }
    }

    private func removeAll() {
        let all = removals.withLock { removals in
            defer { removals = [] }
            return removals
        }
        for removal in all { removal() }
    }
}
