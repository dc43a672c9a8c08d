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
        version: K3s.versionText,
        subcommands: [ServerCommand.self, AgentCommand.self, TokenCommand.self, DatastoreCommand.self, CheckConfigCommand.self,
            KubectlCommand.self, CtrCommand.self, CrictlCommand.self, UpgradeWatchdogCommand.self, SecretsEncryptCommand.self,
            CertificateCommand.self, EtcdSnapshotCommand.self, CompletionCommand.self,
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

    @OptionGroup var logging: LogOptions

    func endpoint() throws -> DatastoreEndpoint {
        do {
            return try DatastoreEndpoint(parsing: datastoreEndpoint, dataDir: dataDir)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func makeLogger(label: String) throws -> Logger {
        try logging.makeLogger(label: label)
    }
}
