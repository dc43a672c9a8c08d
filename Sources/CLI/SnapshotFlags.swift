import ArgumentParser
import Cluster

/// `k3s server`'s scheduled-snapshot flags, with K3s's names (see ``SnapshotSettings``).
struct SnapshotFlags: ParsableArguments {
    @Option(name: .customLong("etcd-snapshot-schedule-cron"), help: "When to snapshot the datastore, a 5-field cron expression (default \"0 */12 * * *\").")
    var scheduleCron: String?

    @Option(name: .customLong("etcd-snapshot-retention"), help: "How many scheduled snapshots to keep (default 5).")
    var retention: String?

    @Option(name: .customLong("etcd-snapshot-dir"), help: "Folder for snapshots (default DATA_DIR/server/db/snapshots).")
    var directory: String?

    @Option(name: .customLong("etcd-snapshot-name"), help: "Name prefix of scheduled snapshots (default etcd-snapshot).")
    var name: String?

    @Flag(name: .customLong("etcd-disable-snapshots"), help: "Take no scheduled snapshots.")
    var disable = false

    /// Adds the flags given to `options`.
    func addTo(_ options: inout ServerOptions) {
        options.set("etcd-snapshot-schedule-cron", scheduleCron)
        options.set("etcd-snapshot-retention", retention)
        options.set("etcd-snapshot-dir", directory)
        options.set("etcd-snapshot-name", name)
        options.set("etcd-disable-snapshots", flag: disable)
    }
}
