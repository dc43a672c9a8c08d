import ArgumentParser
import Cluster
import Datastore
import Logging

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

/// `k3s etcd-snapshot save|ls|delete|prune|restore`: K3s's snapshot commands over the SQLite
/// datastore's snapshots (the same copies as `k3s datastore snapshot`), so K3s habits work.
struct EtcdSnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etcd-snapshot",
        abstract: "Save, list, delete, prune and restore datastore snapshots (K3s's etcd-snapshot commands).",
        subcommands: [Save.self, List.self, Delete.self, Prune.self, Restore.self]
    )

    /// The options every subcommand takes.
    struct Options: ParsableArguments {
        @OptionGroup var state: StateOptions

        @Option(name: [.customLong("dir"), .customLong("etcd-snapshot-dir")], help: "Folder of snapshots (default DATA_DIR/server/db/snapshots).")
        var dir: String?

        @Option(name: .customLong("node-name"), help: "Node name in snapshot names (default the host name; env K3S_NODE_NAME).")
        var nodeName: String?

        var directory: SnapshotDirectory {
            SnapshotDirectory(path: dir ?? SnapshotSettings.defaultDirectory(dataDir: state.dataDir))
        }

        var node: String {
            nodeName ?? getenv("K3S_NODE_NAME").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? HostIdentity.current().hostName
        }

        /// The SQLite store file.
        func storePath() throws -> String {
            guard case .sqlite(let path) = try state.endpoint() else {
                throw ValidationError("only a SQLite datastore has snapshots")
            }
            return path
        }
    }

    /// `k3s etcd-snapshot save [--name PREFIX]`.
    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take an on-demand snapshot (the server may be running): NAME-NODE-UNIXTIME in the snapshot folder.")

        @OptionGroup var options: Options

        @Option(name: .customLong("name"), help: "Name prefix of the snapshot (default on-demand).")
        var name: String = SnapshotSettings.onDemandName

        func run() async throws {
            let logger = try options.state.makeLogger(label: "k3s.etcd-snapshot")
            let store = try options.storePath()
            guard SnapshotDirectory.isValidPrefix(name) else { throw ValidationError("invalid --name \(name): a file name without '/'") }
            do {
                let entry = try await options.directory.save(prefix: name, nodeName: options.node, at: Date()) { path in
                    try SQLiteDatastore.snapshot(storeAt: store, to: path)
                }
                logger.notice("snapshot \(entry.name) saved", metadata: ["path": "\(entry.path)", "size": "\(entry.size)"])
            } catch {
                logger.error("snapshot failed: \(error)")
                throw ExitCode.failure
            }
        }
    }

    /// `k3s etcd-snapshot ls` (also `list`, `l`).
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "List snapshots: Name, Location, Size, Created.", aliases: ["list", "l"])

        @OptionGroup var options: Options

        func run() throws {
            _ = try options.state.makeLogger(label: "k3s.etcd-snapshot")
            var rows = [["Name", "Location", "Size", "Created"]]
            for entry in options.directory.list() {
                rows.append([entry.name, entry.location, "\(entry.size)", entry.createdRFC3339])
            }
            print(TextTable.render(rows, gap: 1), terminator: "")
        }
    }

    /// `k3s etcd-snapshot delete NAME...`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete the named snapshots.")

        @OptionGroup var options: Options

        @Argument(help: "Snapshot names (as ls prints them).")
        var names: [String]

        func run() async throws {
            let logger = try options.state.makeLogger(label: "k3s.etcd-snapshot")
            guard !names.isEmpty else { throw ValidationError("name at least one snapshot to delete") }
            do {
                for name in try options.directory.delete(names) { logger.notice("snapshot \(name) deleted") }
            } catch {
                logger.error("\(error)")
                throw ExitCode.failure
            }
        }
    }

    /// `k3s etcd-snapshot prune [--name PREFIX] [--snapshot-retention N]`.
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the oldest snapshots named PREFIX-... beyond the retention count.")

        @OptionGroup var options: Options

        @Option(name: .customLong("name"), help: "Name prefix of the snapshots to prune (default on-demand).")
        var name: String = SnapshotSettings.onDemandName

        @Option(name: [.customLong("snapshot-retention"), .customLong("etcd-snapshot-retention")], help: "How many to keep (default 5).")
        var retention: String = "\(SnapshotSettings.defaultRetention)"

        func run() async throws {
            let logger = try options.state.makeLogger(label: "k3s.etcd-snapshot")
            let count: Int
            do {
                count = try SnapshotSettings.retention(retention, flag: "snapshot-retention")
            } catch {
                throw ValidationError(error.description)
            }
            do {
                let removed = try options.directory.prune(prefix: name, retention: count)
                for name in removed { logger.notice("snapshot \(name) deleted") }
                if removed.isEmpty { logger.info("nothing to prune", metadata: ["name": "\(name)", "retention": "\(count)"]) }
            } catch {
                logger.error("\(error)")
                throw ExitCode.failure
            }
        }
    }

    /// `k3s etcd-snapshot restore NAME|FILE`: the `k3s datastore restore` path.
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the datastore with a snapshot; the server must be stopped.",
            discussion: """
                The same restore as `k3s datastore restore` (K3s itself restores etcd with \
                `k3s server --cluster-reset --cluster-reset-restore-path`, which this server does not have). \
                SNAPSHOT is a name in the snapshot folder or a file path.
                """)

        @OptionGroup var options: Options

        @Argument(help: "The snapshot: a name as ls prints it, or a path.")
        var snapshot: String

        func run() async throws {
            let logger = try options.state.makeLogger(label: "k3s.etcd-snapshot")
            let store = try options.storePath()
            let named = options.directory.path + "/" + snapshot
            let file = !snapshot.contains("/") && access(named, F_OK) == 0 ? named : snapshot
            do {
                try SQLiteDatastore.restore(snapshot: file, to: store)
            } catch {
                logger.error("restore failed: \(error)")
                throw ExitCode.failure
            }
            logger.notice("datastore restored", metadata: ["from": "\(file)", "to": "\(store)"])
        }
    }
}
