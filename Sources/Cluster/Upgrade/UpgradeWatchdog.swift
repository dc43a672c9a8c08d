import KubeAPI
import Subprocess

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Rolls an upgrade back when the new binary does not make its node Ready in time.
///
/// The node's upgrader writes `DATA_DIR/agent/upgrade/pending.json` (the ``Pending`` upgrade)
/// and starts the watchdog from the *previous* binary (`k3s upgrade-watchdog --data-dir DIR`) in
/// a session of its own, before it restarts into the new binary. The new binary removes the
/// file once its node is Ready; the watchdog then exits. If the deadline passes first, or the
/// process dies, the watchdog moves the previous binary back into place, leaves an
/// ``UpgradeOutcome`` (`rolledBack`) in `outcome.json` for the next start to report, stops the
/// process, and either leaves the restart to systemd (under a unit, `INVOCATION_ID` is set) or
/// runs the previous binary itself with the same arguments.
public enum UpgradeWatchdog {
    /// An upgrade under way, as the upgrader recorded it.
    public struct Pending: Sendable, Hashable {
        public var plan: String
        public var version: String
        /// The new binary's SHA-256: the process running it knows it is the one to confirm.
        public var sha256: String
        public var binary: String
        public var previous: String
        /// Unix seconds by which the node must be Ready on the new binary.
        public var deadline: Int64
        /// The k3s process (the same PID before and after it execs the new binary).
        public var pid: pid_t
        public var arguments: [String]

        /// The upgrade `directory/pending.json` records, if any.
        public static func read(directory: String) -> Pending? {
            guard let text = try? FileSystem.readTextFile(directory + "/pending.json"), let value = try? JSONValue(parsing: text),
                let plan = value["plan"]?.stringValue, let version = value["version"]?.stringValue, let sha256 = value["sha256"]?.stringValue,
                let binary = value["binary"]?.stringValue, let previous = value["previous"]?.stringValue,
                let deadline = value["deadline"]?.intValue, let pid = value["pid"]?.intValue
            else { return nil }
            return Pending(
                plan: plan, version: version, sha256: sha256, binary: binary, previous: previous, deadline: deadline, pid: pid_t(pid),
                arguments: value["arguments"]?.arrayValue?.compactMap(\.stringValue) ?? [binary])
        }

        func write(directory: String) throws {
            let value: JSONValue = [
                "plan": .string(plan), "version": .string(version), "sha256": .string(sha256), "binary": .string(binary),
                "previous": .string(previous), "deadline": .int(deadline), "pid": .int(Int64(pid)),
                "arguments": .array(arguments.map { .string($0) }),
            ]
            try FileSystem.writeFile(value.serialized(escapingHTML: false), to: directory + "/pending.json", mode: 0o600)
        }
    }

    /// What the watchdog leaves the caller to do.
    public enum Ending: Sendable, Equatable {
        /// Nothing: the upgrade was confirmed, or systemd restarts k3s.
        case exit
        /// Run this binary with these arguments in place of the watchdog.
        case exec(binary: String, arguments: [String])
    }

    /// Starts `previous upgrade-watchdog --data-dir DATA_DIR` detached (its own session, output
    /// appended to `log`), so it outlives the process it watches.
    static func start(previous: String, dataDir: String, log: String) async throws {
        let result = try await Subprocess.run(
            .path("/usr/bin/setsid"),
            arguments: ["-f", "/bin/sh", "-c", "exec \"$0\" upgrade-watchdog --data-dir \"$1\" >>\"$2\" 2>&1 </dev/null", previous, dataDir, log],
            input: .none, output: .discarded, error: .string(limit: 1 << 16))
        guard result.terminationStatus.isSuccess else {
            throw ReleaseError("the upgrade watchdog did not start: \(result.standardError)")
        }
    }

    /// Watches the pending upgrade of `dataDir` until it is confirmed or rolled back.
    public static func run(dataDir: String, now: () -> Int64 = { Time.now().secondsSinceEpoch }, pause: () async -> Void) async -> Ending {
        let directory = dataDir + "/agent/upgrade"
        while true {
            guard let pending = Pending.read(directory: directory) else { return .exit }
            let alive = isAlive(pending.pid)
            if now() >= pending.deadline || !alive {
                let reason = alive
                    ? "k3s \(pending.version) was not Ready within its deadline; rolled back to the previous binary"
                    : "k3s \(pending.version) exited before its node was Ready; rolled back to the previous binary"
                rollBack(pending, directory: directory, reason: reason)
                if alive {
                    kill(pending.pid, SIGKILL)
                    while isAlive(pending.pid) { await pause() }
                }
                if getenv("INVOCATION_ID") != nil { return .exit }
                return .exec(binary: pending.binary, arguments: pending.arguments)
            }
            await pause()
        }
    }

    static func rollBack(_ pending: Pending, directory: String, reason: String) {
        rename(pending.previous, pending.binary)
        let outcome = UpgradeOutcome(plan: pending.plan, version: pending.version, state: .rolledBack, message: reason)
        try? FileSystem.writeFile(outcome.json, to: directory + "/outcome.json", mode: 0o600)
        unlink(directory + "/pending.json")
    }

    /// Whether `pid` runs (a zombie does not).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? FileSystem.readTextFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }
}
