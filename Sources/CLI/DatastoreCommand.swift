import ArgumentParser
import Cluster
import Datastore
import Logging

/// `k3s datastore`: maintenance of the SQLite datastore.
struct DatastoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datastore",
        abstract: "Snapshot and restore the SQLite datastore.",
        subcommands: [Snapshot.self, Restore.self]
    )

    /// `k3s datastore snapshot --output FILE`: an online, consistent copy of the store.
    struct Snapshot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the datastore to a file while the server keeps running."
        )

        @OptionGroup var state: StateOptions

        @Option(name: .shortAndLong, help: "The snapshot file to write.")
        var output: String

        func run() async throws {
            let logger = try state.makeLogger(label: "k3s.datastore")
            guard case .sqlite(let path) = try state.endpoint() else {
                throw ValidationError("only a SQLite datastore can be snapshotted")
            }
            do {
                try SQLiteDatastore.snapshot(storeAt: path, to: output)
            } catch {
                logger.error("snapshot failed: \(error)")
                throw ExitCode.failure
            }
            logger.notice("snapshot written", metadata: ["from": "\(path)", "to": "\(output)"])
        }
    }

    /// `k3s datastore restore FILE`: replace the store with a snapshot (server stopped).
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the datastore with a snapshot; the server must be stopped."
        )

        @OptionGroup var state: StateOptions

        @Argument(help: "The snapshot file to restore.")
        var snapshot: String

        func run() async throws {
            let logger = try state.makeLogger(label: "k3s.datastore")
            guard case .sqlite(let path) = try state.endpoint() else {
                throw ValidationError("only a SQLite datastore can be restored")
            }
            do {
                try SQLiteDatastore.restore(snapshot: snapshot, to: path)
            } catch {
                logger.error("restore failed: \(error)")
                throw ExitCode.failure
            }
            logger.notice("datastore restored", metadata: ["from": "\(snapshot)", "to": "\(path)"])
        }
    }
}
