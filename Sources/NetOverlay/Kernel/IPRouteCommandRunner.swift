#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NFTables
import Subprocess

/// Runs the real tools: iproute2's `ip` and `bridge`, `nft` and `sysctl`, in this process's
/// network namespace or, with ``namespace``, in a named one (`ip -n NAME`, `bridge -n NAME`,
/// `ip netns exec NAME nft|sysctl`: how tests drive a "node" namespace they made).
public struct IPRouteCommandRunner: LinkCommandRunner {
    /// The named network namespace (`/run/netns/NAME`) to act in; `nil` for the current one.
    public var namespace: String?
    /// Where tools are looked up, in order.
    public var searchPath: [String]

    /// Creates a runner.
    public init(namespace: String? = nil, searchPath: [String] = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]) {
        self.namespace = namespace
        self.searchPath = searchPath
    }

    /// Whether every tool the overlays run is installed.
    public var toolsAvailable: Bool { LinkCommand.Tool.allCases.allSatisfy { path(of: $0.rawValue) != nil } }

    /// The executable and arguments that run `command` in ``namespace``.
    public func invocation(_ command: LinkCommand) -> (tool: String, arguments: [String]) {
        guard let namespace else { return (command.tool.rawValue, command.arguments) }
        switch command.tool {
        case .ip, .bridge: return (command.tool.rawValue, ["-n", namespace] + command.arguments)
        case .nft, .sysctl: return ("ip", ["netns", "exec", namespace, command.tool.rawValue] + command.arguments)
        }
    }

    public func run(_ command: LinkCommand) async throws -> String {
        let (tool, arguments) = invocation(command)
        guard let path = path(of: tool) else {
            throw LinkCommandError(command: command, status: nil, standardError: "\(tool) is not installed (looked in \(searchPath.joined(separator: ":")))")
        }
        let status: TerminationStatus, output: String, errorOutput: String
        do {
            let result = try await Subprocess.run(
                .path(.init(path)), arguments: .init(arguments), input: StandardInputFile.input(Array((command.input ?? "").utf8)),
                output: .string(limit: 16 << 20), error: .string(limit: 1 << 20))
            (status, output, errorOutput) = (result.terminationStatus, result.standardOutput, result.standardError)
        } catch {
            throw LinkCommandError(command: command, status: nil, standardError: "\(error)")
        }
        guard case .exited(let code) = status, code == 0 else {
            let code: Int32? = if case .exited(let code) = status { code } else { nil }
            throw LinkCommandError(command: command, status: code, standardError: errorOutput)
        }
        return output
    }

    private func path(of tool: String) -> String? {
        searchPath.lazy.map { "\($0)/\(tool)" }.first { access($0, X_OK) == 0 }
    }
}
