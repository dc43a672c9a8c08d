import Subprocess

/// Turns on `br_netfilter` for a network namespace: IPv4 and IPv6 packets bridged between the
/// ports of a Linux bridge (pods on one node, on `cni0`) then pass the `inet` hooks, so the
/// policy table's `forward` chain sees pod-to-pod traffic on the same node as it sees routed
/// traffic. Sets `net.bridge.bridge-nf-call-iptables` and `…-ip6tables` to 1 (per network
/// namespace); when the keys are missing, loads the `br_netfilter` module first.
public struct BridgeNetfilter: Sendable {
    /// The sysctl keys set to 1.
    public static let keys = ["net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables"]

    /// The network namespace to set them in (`ip netns exec NAME`), or `nil` for this process's.
    public var networkNamespace: String?

    /// Creates a setting for the given namespace (this process's by default).
    public init(networkNamespace: String? = nil) {
        self.networkNamespace = networkNamespace
    }

    /// Sets both keys to 1.
    ///
    /// - Throws: ``BridgeNetfilterError`` when they cannot be set (no bridge netfilter support).
    public func enable() async throws {
        if (try? await sysctl(Self.keys.map { "\($0)=1" })) != nil { return }
        // The keys appear once the module is loaded; it may be built in, or modprobe missing.
        _ = try? await run(["/usr/sbin/modprobe", "br_netfilter"], inNamespace: false)
        try await sysctl(Self.keys.map { "\($0)=1" })
    }

    /// The current values (`1` when on), by key.
    public func values() async throws -> [String: String] {
        var result: [String: String] = [:]
        for key in Self.keys {
            result[key] = try await run(["/usr/sbin/sysctl", "-n", key], inNamespace: true).filter { !$0.isWhitespace }
        }
        return result
    }

    private func sysctl(_ assignments: [String]) async throws {
        _ = try await run(["/usr/sbin/sysctl", "-q", "-w"] + assignments, inNamespace: true)
    }

    private func run(_ command: [String], inNamespace: Bool) async throws -> String {
        var command = command
        if inNamespace, let networkNamespace { command = ["/usr/sbin/ip", "netns", "exec", networkNamespace] + command }
        let status: TerminationStatus, output: String, errors: String
        do {
            let result = try await Subprocess.run(
                .path(.init(command[0])), arguments: .init(Array(command.dropFirst())), output: .string(limit: 1 << 16),
                error: .string(limit: 1 << 16))
            (status, output, errors) = (result.terminationStatus, result.standardOutput, result.standardError)
        } catch {
            throw BridgeNetfilterError(message: "\(command.joined(separator: " ")) could not run: \(error)")
        }
        guard status.isSuccess else {
            throw BridgeNetfilterError(message: "\(command.joined(separator: " ")) failed (\(status)): \(errors)")
        }
        return output
    }
}

/// Bridge netfilter could not be turned on.
public struct BridgeNetfilterError: Error, Sendable, CustomStringConvertible {
    /// What failed, with the tool's message.
    public var message: String

    /// The message.
    public var description: String { message }
}
