import ArgumentParser
import Cluster

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `k3s upgrade-watchdog`: started by a node's upgrader from the previous binary; rolls the
/// upgrade back unless the new binary confirms it in time (see ``UpgradeWatchdog``).
struct UpgradeWatchdogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade-watchdog",
        abstract: "Roll back a node upgrade that does not become ready in time (started by k3s itself).",
        shouldDisplay: false
    )

    @Option(name: .customLong("data-dir"), help: "The node's data directory.")
    var dataDir: String = ServerConfiguration.defaultDataDir

    func run() async throws {
        let ending = await UpgradeWatchdog.run(dataDir: dataDir) { try? await Task.sleep(for: .milliseconds(500)) }
        if case .exec(let binary, let arguments) = ending {
            print("upgrade-watchdog: running \(binary) again")
            execute(binary, arguments)
        }
    }
}

/// Replaces this process with `binary` run with `arguments` (the first is the program name);
/// returns only when that fails.
func execute(_ binary: String, _ arguments: [String]) {
    let argv = arguments.map { strdup($0) } + [nil]
    execv(binary, argv)
    print("k3s: cannot run \(binary): \(String(cString: strerror(errno)))")
}
