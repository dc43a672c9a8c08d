import ArgumentParser
import Cluster
import Logging

/// `k3s server`: run the control plane.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the control plane (today: the datastore; the API server is on its way)."
    )

    @OptionGroup var state: StateOptions

    func run() async throws {
        let logger = state.makeLogger(label: "k3s.server")
        let configuration = ServerConfiguration(dataDir: state.dataDir, datastore: try state.endpoint())
        do {
            try await Server(configuration: configuration, logger: logger).run()
        } catch {
            logger.critical("server failed: \(error)")
            throw ExitCode.failure
        }
    }
}
