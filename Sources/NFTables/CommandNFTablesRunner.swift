import Subprocess

/// The real runner: feeds each script to `nft -f -` (or `nft -c -f -`, which only checks it
/// against the kernel), optionally inside a named network namespace (`ip netns exec NAME`).
public struct CommandNFTablesRunner: NFTablesRunner {
    /// The nft executable.
    public var nft: String
    /// The network namespace to run in (`ip netns exec NAME nft ...`), or `nil` for the caller's.
    public var networkNamespace: String?
    /// Whether to only check scripts (`nft -c`): the kernel validates, nothing changes.
    public var checkOnly: Bool

    /// Creates a runner.
    public init(nft: String = "/usr/sbin/nft", networkNamespace: String? = nil, checkOnly: Bool = false) {
        self.nft = nft
        self.networkNamespace = networkNamespace
        self.checkOnly = checkOnly
    }

    /// Runs `nft [-c] -f -` with `script` on its standard input.
    public func apply(_ script: String) async throws {
        var command = [nft] + (checkOnly ? ["-c"] : []) + ["-f", "-"]
        if let networkNamespace { command = ["/usr/sbin/ip", "netns", "exec", networkNamespace] + command }
        let (status, errors): (TerminationStatus, String)
        do {
            let result = try await Subprocess.run(
                .path(.init(command[0])), arguments: .init(Array(command.dropFirst())), input: StandardInputFile.input(Array(script.utf8)),
                output: .discarded, error: .string(limit: 1 << 20))
            (status, errors) = (result.terminationStatus, "\(result.standardError)")
        } catch {
            throw NFTablesError("\(command.joined(separator: " ")) could not run: \(error)")
        }
        guard status.isSuccess else {
            throw NFTablesError("\(command.joined(separator: " ")) failed (\(status)): \(errors)")
        }
    }
}
