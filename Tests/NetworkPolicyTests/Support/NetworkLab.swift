#if canImport(Glibc)
import Glibc
#endif
import NFTables
import Subprocess
import Synchronization

/// Network namespaces and background processes a kernel test makes, all removed by
/// ``tearDown()`` (which the tests run on success and on failure alike).
final class NetworkLab: Sendable {
    /// Root with `nft` and `ip`: what rule validation needs (true in CI).
    static var hasNFTables: Bool {
        getuid() == 0 && access("/usr/sbin/nft", X_OK) == 0 && access("/usr/sbin/ip", X_OK) == 0
    }

    /// Also busybox and sysctl, for the kernel test's servers and clients.
    static var canRunTraffic: Bool { hasNFTables && access("/bin/busybox", X_OK) == 0 && access("/usr/sbin/sysctl", X_OK) == 0 }

    struct CommandFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// The suffix of every name this lab makes.
    let tag: String
    private let made = Mutex<(namespaces: [String], processes: [(pid: pid_t, task: Task<Void, Never>)])>(([], []))

    init() {
        tag = String((0..<6).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
    }

    /// Runs `body` with a fresh lab, tearing it down afterwards whatever happens.
    static func with<T>(_ body: (NetworkLab) async throws -> T) async throws -> T {
        let lab = NetworkLab()
        do {
            let result = try await body(lab)
            await lab.tearDown()
            return result
        } catch {
            await lab.tearDown()
            throw error
        }
    }

    /// Makes namespace `PREFIX-TAG` with its loopback up; returns its name.
    func namespace(_ prefix: String) async throws -> String {
        let name = "\(prefix)-\(tag)"
        try await run("/usr/sbin/ip", ["netns", "add", name])
        made.withLock { $0.namespaces.append(name) }
        try await run("/usr/sbin/ip", ["-n", name, "link", "set", "lo", "up"])
        return name
    }

    /// Runs a tool (with `input` on its standard input) and returns its output; throws with its
    /// messages when it fails.
    @discardableResult
    func run(_ tool: String, _ arguments: [String], input: String = "") async throws -> String {
        let result = try await Subprocess.run(
            .path(.init(tool)), arguments: .init(arguments), input: StandardInputFile.input(Array(input.utf8)), output: .string(limit: 1 << 22),
            error: .string(limit: 1 << 20))
        guard result.terminationStatus.isSuccess else {
            throw CommandFailed(description: "\(tool) \(arguments.joined(separator: " ")): \(result.terminationStatus): \(result.standardError)")
        }
        return result.standardOutput
    }

    /// `ip -n NAMESPACE ARGUMENTS...`.
    func ip(_ namespace: String, _ arguments: String...) async throws {
        try await run("/usr/sbin/ip", ["-n", namespace] + arguments)
    }

    /// Runs `command` inside `namespace`; whether it succeeded and its output.
    func exec(_ namespace: String, _ command: [String]) async throws -> (ok: Bool, output: String) {
        let result = try await Subprocess.run(
            .path("/usr/sbin/ip"), arguments: .init(["netns", "exec", namespace] + command), output: .string(limit: 1 << 20),
            error: .string(limit: 1 << 20))
        return (result.terminationStatus.isSuccess, "\(result.standardOutput)\(result.standardError)")
    }

    /// Starts `command` in `namespace` in the background; it is killed by ``tearDown()``.
    func background(_ namespace: String, _ command: [String]) async {
        let (started, announce) = AsyncStream<pid_t>.makeStream()
        let task = Task {
            _ = try? await Subprocess.run(
                .path("/usr/sbin/ip"), arguments: .init(["netns", "exec", namespace] + command), input: .none, output: .discarded,
                error: .discarded
            ) { execution in
                announce.yield(execution.processIdentifier.value)
                announce.finish()
            }
            announce.finish()
        }
        var pids = started.makeAsyncIterator()
        if let pid = await pids.next() { made.withLock { $0.processes.append((pid, task)) } }
    }

    /// Kills the background processes and deletes the namespaces.
    func tearDown() async {
        let (namespaces, processes) = made.withLock { made in
            defer { made = ([], []) }
            return (made.namespaces, made.processes)
        }
        for (pid, task) in processes {
            kill(pid, SIGKILL)
            await task.value
        }
        for name in namespaces.reversed() { _ = try? await run("/usr/sbin/ip", ["netns", "del", name]) }
    }
}
