import Datastore
import KubeClient
import Logging

extension HealthCheck {
    /// How long a check that waits on something may take before it counts as failed.
    public static let defaultDeadline: Duration = .seconds(2)

    /// `etcd` (upstream's name for the storage check): a read from the datastore answers
    /// within `deadline`, on every probe.
    public static func datastore(_ datastore: any Datastore, deadline: Duration = defaultDeadline) -> HealthCheck {
        let key = datastore.keyPrefix + "health"
        return HealthCheck(name: "etcd") {
            await withinDeadline(deadline) {
                do {
                    _ = try await datastore.get(key: key, revision: nil)
                    return true
                } catch {
                    return false
                }
            }
        }
    }

    /// `log`: writing a (trace-level) message through `logger` returns within `deadline`, so
    /// the process is not stuck on a blocked log output. On every probe.
    public static func log(_ logger: Logger, deadline: Duration = defaultDeadline) -> HealthCheck {
        HealthCheck(name: "log") {
            await withinDeadline(deadline) {
                logger.trace("health check")
                return true
            }
        }
    }

    /// `informer-sync` (`/readyz` only): the watch cache has loaded every resource and follows
    /// the datastore.
    public static func informerSync(_ cache: WatchCache) -> HealthCheck {
        HealthCheck(name: "informer-sync", probes: [.readyz]) { cache.isSynced }
    }

    /// Runs `operation` and returns its answer, or `false` once `deadline` passes first (the
    /// operation is then cancelled and its answer ignored).
    static func withinDeadline(_ deadline: Duration, _ operation: @escaping @Sendable () async -> Bool) async -> Bool {
        (try? await raceDeadline(deadline, operation)) ?? false
    }
}
