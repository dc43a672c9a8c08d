import NetOverlay
import Synchronization

/// A ``LinkCommandRunner`` that passes every command to another runner and records it.
final class TapRunner: LinkCommandRunner {
    let base: any LinkCommandRunner
    private let log = Mutex<[LinkCommand]>([])

    init(_ base: any LinkCommandRunner) {
        self.base = base
    }

    /// The commands that changed state (not reads) since the last ``reset()``.
    var writes: [LinkCommand] { log.withLock { $0.filter { !$0.arguments.contains("-json") } } }

    func reset() {
        log.withLock { $0 = [] }
    }

    func run(_ command: LinkCommand) async throws -> String {
        log.withLock { $0.append(command) }
        return try await base.run(command)
    }
}
