import KubeAPI
import Synchronization

/// Remembers the resource version a controller last wrote per object key, so that it does
/// not decide again from a cache that has not caught up with its own write (which could create
/// a pod or job twice). An expectation lapses after `timeout`, in case the event never comes.
final class WrittenVersions: Sendable {
    private let versions = Mutex<[String: (version: String, at: ContinuousClock.Instant)]>([:])
    let timeout: Duration

    init(timeout: Duration = .seconds(5)) { self.timeout = timeout }

    /// Records that `key` was written at `version`.
    func wrote(_ key: String, version: String?) {
        guard let version else { return }
        versions.withLock { $0[key] = (version, .now) }
    }

    /// Whether the cached object `cached` (at `cachedVersion`) already includes the last write.
    func isCurrent(_ key: String, cachedVersion: String?) -> Bool {
        versions.withLock { versions in
            guard let expected = versions[key] else { return true }
            let caughtUp: Bool
            if let cached = cachedVersion.flatMap({ Int($0) }), let wanted = Int(expected.version) {
                caughtUp = cached >= wanted
            } else {
                caughtUp = cachedVersion == expected.version
            }
            if caughtUp || ContinuousClock.now - expected.at > timeout {
                versions[key] = nil
                return true
            }
            return false
        }
    }
}
