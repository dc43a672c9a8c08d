import Controllers

/// The scheduled datastore snapshots of `k3s server`, with K3s's flags (named for etcd there;
/// here they snapshot the SQLite datastore):
///
/// - `--etcd-snapshot-schedule-cron` (default `0 */12 * * *`): when, as a five-field cron
///   expression in the system's time;
/// - `--etcd-snapshot-retention` (default 5): how many scheduled snapshots to keep;
/// - `--etcd-snapshot-dir` (default `DATA_DIR/server/db/snapshots`): where;
/// - `--etcd-snapshot-name` (default `etcd-snapshot`): the scheduled snapshots' name prefix;
/// - `--etcd-disable-snapshots`: take none.
public struct SnapshotSettings: Sendable, Hashable {
    /// When snapshots are taken (the CronJob controller's parser: five fields, names, steps,
    /// `@daily`-style descriptors).
    public var schedule: CronSchedule
    /// How many scheduled snapshots are kept (the oldest beyond are removed); 0 keeps all.
    public var retention: Int
    /// The folder snapshots are written to.
    public var directory: String
    /// The name prefix of scheduled snapshots.
    public var name: String
    /// Whether scheduled snapshots are off.
    public var disabled: Bool

    /// K3s's default name prefix of scheduled snapshots.
    public static let defaultName = "etcd-snapshot"
    /// K3s's default name prefix of on-demand snapshots (`k3s etcd-snapshot save`).
    public static let onDemandName = "on-demand"
    /// K3s's default schedule: minute 0 of every twelfth hour (00:00 and 12:00).
    public static let defaultSchedule = "0 */12 * * *"
    /// K3s's default retention.
    public static let defaultRetention = 5

    /// The flags, by name, for ``ServerOptions``.
    public static let optionKinds: [String: ServerOptions.Kind] = [
        "etcd-snapshot-schedule-cron": .scalar,
        "etcd-snapshot-retention": .scalar,
        "etcd-snapshot-dir": .scalar,
        "etcd-snapshot-name": .scalar,
        "etcd-disable-snapshots": .boolean,
    ]

    /// `DATA_DIR/server/db/snapshots`.
    public static func defaultDirectory(dataDir: String) -> String {
        dataDir.trimmingTrailingSlash() + "/server/db/snapshots"
    }

    /// The defaults for a data directory.
    public init(dataDir: String) {
        // The default expression is valid.
        schedule = try! CronSchedule(parsing: Self.defaultSchedule)
        retention = Self.defaultRetention
        directory = Self.defaultDirectory(dataDir: dataDir)
        name = Self.defaultName
        disabled = false
    }

    /// Reads the flags from `options`.
    ///
    /// - Throws: ``ServerConfigurationError`` for a bad cron expression, retention or name.
    public init(options: ServerOptions, dataDir: String) throws(ServerConfigurationError) {
        self.init(dataDir: dataDir)
        if let text = options.string("etcd-snapshot-schedule-cron"), !text.isEmpty {
            do {
                schedule = try CronSchedule(parsing: text)
            } catch {
                throw ServerConfigurationError(flag: "etcd-snapshot-schedule-cron", value: text, reason: "invalid cron expression: \(error)")
            }
        }
        if let text = options.string("etcd-snapshot-retention"), !text.isEmpty {
            retention = try Self.retention(text, flag: "etcd-snapshot-retention")
        }
        if let text = options.string("etcd-snapshot-dir"), !text.isEmpty {
            directory = text.trimmingTrailingSlash()
        }
        if let text = options.string("etcd-snapshot-name"), !text.isEmpty {
            guard SnapshotDirectory.isValidPrefix(text) else {
                throw ServerConfigurationError(flag: "etcd-snapshot-name", value: text, reason: "must be a file name without '/'")
            }
            name = text
        }
        disabled = options.string("etcd-disable-snapshots") == "true"
    }

    /// Parses a retention count (a whole number, 0 or more).
    public static func retention(_ text: String, flag: String) throws(ServerConfigurationError) -> Int {
        guard let count = Int(text), count >= 0 else {
            throw ServerConfigurationError(flag: flag, value: text, reason: "must be a whole number of snapshots (0 keeps all)")
        }
        return count
    }
}

extension SnapshotSettings {
    /// The system's time zone, which K3s reads its snapshot schedule in: `TZ` when it names a
    /// zone, else `/etc/localtime`, else UTC.
    public static func localZone(environment tz: String? = nil) -> ZoneRules {
        if let tz, !tz.isEmpty, let zone = try? ZoneRules.load(tz.hasPrefix(":") ? String(tz.dropFirst()) : tz) { return zone }
        if let bytes = try? FileSystem.readFile("/etc/localtime"), let zone = try? ZoneRules(identifier: "Local", tzif: bytes) {
            return zone
        }
        return .utc
    }
}
