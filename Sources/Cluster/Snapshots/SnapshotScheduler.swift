import Controllers
import Datastore
import KubeAPI
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Takes the scheduled datastore snapshots of `k3s server` (``SnapshotSettings``): at every
/// time the cron schedule names it writes `<name>-<node>-<unix time>` into the snapshot folder,
/// then removes the oldest scheduled snapshots beyond the retention. On-demand snapshots
/// (another name prefix) are never pruned here. A failed snapshot is logged and the schedule
/// goes on. Time comes from a ``WallClock``, so tests move it instead of waiting.
public struct SnapshotScheduler: Service {
    /// The schedule, retention, folder and name prefix.
    public let settings: SnapshotSettings
    /// The node name in snapshot names.
    public let nodeName: String
    let clock: any WallClock
    let zone: ZoneRules
    let take: @Sendable (String) async throws -> Void
    let logger: Logger

    /// Creates a scheduler; `take` writes a snapshot of the datastore to the path it is given,
    /// `zone` is the time zone the schedule is read in (the system's by default).
    public init(
        settings: SnapshotSettings, nodeName: String, clock: any WallClock = SystemWallClock(),
        zone: ZoneRules = SnapshotSettings.localZone(environment: getenv("TZ").map { String(cString: $0) }),
        take: @escaping @Sendable (String) async throws -> Void, logger: Logger
    ) {
        self.settings = settings
        self.nodeName = nodeName
        self.clock = clock
        self.zone = zone
        self.take = take
        self.logger = logger
    }

    /// The scheduler for a server's SQLite datastore, or `nil` when snapshots are disabled or
    /// the datastore is not SQLite (`memory://`).
    public static func forServer(
        configuration: ServerConfiguration, datastore: any Datastore, logger: Logger
    ) -> SnapshotScheduler? {
        guard !configuration.snapshots.disabled, let sqlite = datastore as? SQLiteDatastore else { return nil }
        return SnapshotScheduler(
            settings: configuration.snapshots, nodeName: configuration.nodeName,
            take: { path in try await sqlite.snapshot(to: path) }, logger: logger)
    }

    public func run() async throws {
        logger.info("scheduled snapshots on", metadata: [
            "schedule": "\(settings.schedule)", "retention": "\(settings.retention)", "dir": "\(settings.directory)",
        ])
        await cancelWhenGracefulShutdown {
            await runSchedule()
        }
    }

    /// Fires at each scheduled time until cancelled.
    func runSchedule() async {
        while !Task.isCancelled {
            guard let next = settings.schedule.next(after: Time(clock.now()), in: zone)?.date else {
                logger.warning("the snapshot schedule never fires", metadata: ["schedule": "\(settings.schedule)"])
                // Returning would stop the server's service group: wait for shutdown instead.
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                return
            }
            do {
                try await clock.sleep(until: next)
            } catch {
                return
            }
            await snapshotOnce()
        }
    }

    /// Takes one scheduled snapshot and applies the retention.
    public func snapshotOnce() async {
        let directory = SnapshotDirectory(path: settings.directory)
        do {
            let entry = try await directory.save(prefix: settings.name, nodeName: nodeName, at: clock.now(), take: take)
            logger.info("snapshot saved", metadata: ["snapshot": "\(entry.path)", "size": "\(entry.size)"])
        } catch {
            logger.error("scheduled snapshot failed: \(error)")
        }
        do {
            let removed = try directory.prune(prefix: settings.name, retention: settings.retention)
            if !removed.isEmpty {
                logger.info("old snapshots removed", metadata: ["removed": "\(removed.joined(separator: ","))"])
            }
        } catch {
            logger.error("snapshot retention failed: \(error)")
        }
    }
}
