import APIServer
import ArgumentParser
import Cluster
import Datastore
import Logging

/// The `k3s` command.
@main
struct K3s: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "k3s",
        abstract: "A lightweight Kubernetes distribution.",
        version: "k3s-swift 0.1.0 (Kubernetes v1.36.2, commit \(BuildStamp.gitCommit.isEmpty ? "unknown" : BuildStamp.gitCommit), "
            + "tree \(BuildStamp.gitTreeState.isEmpty ? "unknown" : BuildStamp.gitTreeState), built \(BuildStamp.buildDate))",
        subcommands: [ServerCommand.self, AgentCommand.self, TokenCommand.self, DatastoreCommand.self, CheckConfigCommand.self,
            KubectlCommand.self, CtrCommand.self, CrictlCommand.self, UpgradeWatchdogCommand.self, SecretsEncryptCommand.self,
        ]
    )

    /// What `/version` reports: this version of k3s-swift with the build stamp.
    static let versionInfo = VersionInfo(
        gitCommit: BuildStamp.gitCommit, gitTreeState: BuildStamp.gitTreeState, buildDate: BuildStamp.buildDate)
}

/// Options every subcommand that touches the server's state shares.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Folder to hold state.")
    var dataDir: String = ServerConfiguration.defaultDataDir

    @Option(
        name: .customLong("datastore-endpoint"),
        help: "Where cluster state lives: a SQLite path (default DATA_DIR/server/db/state.db) or memory://."
    )
    var datastoreEndpoint: String = ""

    @Flag(name: .customLong("debug"), help: "Turn on debug logs.")
    var debug = false

    func endpoint() throws -> DatastoreEndpoint {
        do {
            return try DatastoreEndpoint(parsing: datastoreEndpoint, dataDir: dataDir)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func makeLogger(label: String) -> Logger {
        let level: Logger.Level = debug ? .debug : .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
