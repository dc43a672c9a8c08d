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

    @Option(name: [.customShort("c"), .customLong("config")], help: "Config file to read (default /etc/rancher/k3s/config.yaml; env K3S_CONFIG_FILE).")
    var config: String?

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
    var dataDir: String?

    @OptionGroup var node: NodeFlags

    @Flag(name: .customLong("debug"), help: "Turn on debug logs.")
    var debug = false

    /// The settings given on the command line, by flag name (the config file's keys are the same).
    var commandLineOptions: ServerOptions {
        var options = ServerOptions()
        options.set("config", config)
        options.set("server", server)
        options.set("token", token)
        options.set("token-file", tokenFile)
        options.set("node-name", nodeName)
        options.set("data-dir", dataDir)
        node.addTo(&options)
        options.set("debug", flag: debug)
        return options
    }

    func run() async throws {
        var warnings: [String] = []
        let options: ServerOptions
        do {
            options = try ServerOptions.load(
                commandLine: commandLineOptions, environment: ServerCommand.environment(),
                defaultConfigFile: ServerConfiguration.defaultConfigFile, warn: { warnings.append($0) })
        } catch {
            throw ValidationError("config file: \(error)")
        }
        let logger = ServerCommand.makeLogger(label: "k3s.agent", debug: options.bool("debug"))
        for warning in warnings { logger.warning("\(warning)") }
        guard let server = options.string("server"), !server.isEmpty else {
            throw ValidationError("--server (or K3S_URL, or server: in the config file) is required")
        }
        var token = options.string("token")
        if token == nil, let file = options.string("token-file") {
            guard let text = Agent.readToken(file: file) else { throw ValidationError("cannot read token file \(file)") }
            token = text
        }
        guard let token, !token.isEmpty else { throw ValidationError("--token (or K3S_TOKEN, --token-file) is required") }
        guard hollowNodes >= 0 else { throw ValidationError("--hollow-nodes must not be negative") }
        let name = options.string("node-name") ?? HostIdentity.current().hostName
        let settings: NodeSettings
        do {
            settings = try NodeSettings(options: options)
        } catch {
            throw ValidationError(error.description)
        }
        let dataDir = options.string("data-dir").flatMap { $0.isEmpty ? nil : $0 } ?? ServerConfiguration.defaultDataDir
        let restart = RestartRequest()
        do {
            try await Agent(
                configuration: .init(
                    server: server, token: token, nodeName: name, hollowNodes: hollowNodes, dataDir: dataDir, node: settings),
                notifier: SystemdNotifier.fromEnvironment(), restart: restart,
                logger: logger
            ).run()
        } catch {
            logger.critical("agent failed: \(error)")
            throw ExitCode.failure
        }
        if let binary = restart.binary {
            logger.notice("restarting into \(binary)")
            execute(binary, CommandLine.arguments)
            throw ExitCode.failure
        }
    }
}
