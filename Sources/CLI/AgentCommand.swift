import ArgumentParser
import Cluster
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `k3s agent`: joins a node to a server.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run a node agent that joins a server."
    )

    @Option(name: [.customShort("s"), .customLong("server")], help: "Server to connect to (env K3S_URL).")
    var server: String?

    @Option(name: [.customShort("t"), .customLong("token")], help: "Token to join with (env K3S_TOKEN).")
    var token: String?

    @Option(name: .customLong("token-file"), help: "File holding the token (env K3S_TOKEN_FILE).")
    var tokenFile: String?

    @Option(name: .customLong("node-name"), help: "This node's name (default the host name; env K3S_NODE_NAME).")
    var nodeName: String?

    @Option(name: .customLong("hollow-nodes"), help: "Run N hollow nodes (fake runtime, no containers) named NODE-NAME-0 ... NODE-NAME-(N-1).")
    var hollowNodes: Int = 0

    @Option(name: [.customShort("d"), .customLong("data-dir")], help: "Folder to hold state (default /var/lib/rancher/k3s).")
    var dataDir: String = "/var/lib/rancher/k3s"

    @OptionGroup var node: NodeFlags

    @OptionGroup var logging: LogOptions

    func run() async throws {
        let logger = try logging.makeLogger(label: "k3s.agent")
        guard let server = server ?? Self.env("K3S_URL"), !server.isEmpty else {
            throw ValidationError("--server (or K3S_URL) is required")
        }
        var token = token ?? Self.env("K3S_TOKEN")
        if token == nil, let file = tokenFile ?? Self.env("K3S_TOKEN_FILE") {
            guard let text = Agent.readToken(file: file) else { throw ValidationError("cannot read token file \(file)") }
            token = text
        }
        guard let token, !token.isEmpty else { throw ValidationError("--token (or K3S_TOKEN, --token-file) is required") }
        guard hollowNodes >= 0 else { throw ValidationError("--hollow-nodes must not be negative") }
        let name = nodeName ?? Self.env("K3S_NODE_NAME") ?? HostIdentity.current().hostName
        var options = ServerOptions()
        node.addTo(&options)
        let settings: NodeSettings
        do {
            settings = try NodeSettings(options: options)
        } catch {
            throw ValidationError(error.description)
        }
        do {
            try await Agent(
                configuration: .init(
                    server: server, token: token, nodeName: name, hollowNodes: hollowNodes, dataDir: dataDir, node: settings),
                logger: logger
            ).run()
        } catch {
            logger.critical("agent failed: \(error)")
            throw ExitCode.failure
        }
    }

    static func env(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
