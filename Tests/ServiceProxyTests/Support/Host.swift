#if canImport(Glibc)
import Glibc
#endif
import Subprocess

/// The host tools the kernel tests drive, and network namespaces they make and remove.
enum Host {
    /// Root with `nft` and `ip`: what the nft-validation and kernel tests need (true in CI).
    static var canUseNFTables: Bool {
        getuid() == 0 && access("/usr/sbin/nft", X_OK) == 0 && access("/usr/sbin/ip", X_OK) == 0
    }

    /// Also busybox, for the servers and clients of the kernel test.
    static var canRunKernelTest: Bool { canUseNFTables && access("/bin/busybox", X_OK) == 0 }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a tool; returns its standard output; throws with its output when it fails.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) async throws -> String {
        let result = try await Subprocess.run(
            .path(.init(tool)), arguments: .init(arguments), output: .string(limit: 1 << 22), error: .string(limit: 1 << 20))
        guard result.terminationStatus.isSuccess else {
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")): \(result.terminationStatus): \(result.standardError) \(result.standardOutput)")
        }
        return result.standardOutput
    }

    /// `ip ARGS`.
    @discardableResult
    static func ip(_ arguments: String...) async throws -> String {
        try await run("/usr/sbin/ip", arguments)
    }

    /// Runs a command inside namespace `name`; returns its status and combined output.
    static func exec(in name: String, _ command: [String]) async throws -> (ok: Bool, output: String) {
        let result = try await Subprocess.run(
            .path("/usr/sbin/ip"), arguments: .init(["netns", "exec", name] + command), output: .string(limit: 1 << 20),
            error: .string(limit: 1 << 20))
        return (result.terminationStatus.isSuccess, "\(result.standardOutput)\(result.standardError)")
    }

    /// A short random suffix for names (interfaces allow 15 characters).
    static func suffix() -> String {
        String((0..<5).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
    }

    /// Runs `body` with fresh network namespaces named `PREFIX-SUFFIX` for each prefix; removes
    /// them afterwards, also when `body` throws.
    static func withNamespaces<T>(_ prefixes: [String], _ body: ([String]) async throws -> T) async throws -> T {
        let tag = suffix()
        var made: [String] = []
        func cleanup() async {
            for name in made { _ = try? await ip("netns", "del", name) }
        }
        do {
            for prefix in prefixes {
                let name = "\(prefix)-\(tag)"
                try await ip("netns", "add", name)
                made.append(name)
                _ = try await exec(in: name, ["ip", "link", "set", "lo", "up"])
            }
            let result = try await body(made)
            await cleanup()
            return result
        } catch {
            await cleanup()
            throw error
        }
    }
}
