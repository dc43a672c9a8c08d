import Crypto
import KubeAPI
import KubeClient
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a node needs to upgrade itself: the binary it runs, the arguments to run it again with,
/// where releases come from, and the request that replaces the process.
public struct NodeUpgradeSettings: Sendable {
    /// The installed `k3s` binary (replaced in place; the old one stays as `BINARY.previous`).
    public var binary: String
    /// The process's arguments, the binary's path first (`CommandLine.arguments`).
    public var arguments: [String]
    /// Downloads releases.
    public var fetcher: any ReleaseFetcher
    /// Ends the process and runs the new binary.
    public var restart: RestartRequest

    /// Creates settings.
    public init(binary: String, arguments: [String], fetcher: any ReleaseFetcher = CurlReleaseFetcher(), restart: RestartRequest) {
        self.binary = binary
        self.arguments = arguments
        self.fetcher = fetcher
        self.restart = restart
    }

    /// The binary this process runs (`/proc/self/exe`), or `nil` when it cannot be read.
    public static var runningBinary: String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Carries out the upgrade controller's ``UpgradeOrder`` on its own node: downloads the binary,
/// checks its SHA-256 against the order (a mismatch is refused and reported), keeps the running
/// binary as `BINARY.previous`, moves the new one into place with one `rename`, starts the
/// watchdog (the previous binary running `k3s upgrade-watchdog`) and restarts the process into the
/// new binary. The new binary, once its node is Ready again, reports ``UpgradeOutcome/State/upgraded``;
/// if it is not Ready in time, the watchdog puts the previous binary back and runs it, which then
/// reports ``UpgradeOutcome/State/rolledBack``. Every start also publishes the running binary's
/// SHA-256 in ``UpgradeOutcome/binaryAnnotation``.
struct NodeUpgrader: Sendable {
    let nodeName: String
    let client: KubeClient
    let dataDir: String
    let settings: NodeUpgradeSettings
    let logger: Logger
    var interval: Duration = .seconds(2)

    var directory: String { dataDir + "/agent/upgrade" }

    func run() async {
        let started = Time.now()
        let own: String
        do {
            own = try Self.sha256(file: settings.binary)
        } catch {
            logger.warning("cannot read the running binary; upgrades are off", metadata: ["binary": "\(settings.binary)", "error": "\(error)"])
            return
        }
        var announced = false
        while !Task.isCancelled {
            do {
                if !announced {
                    try await announce(own)
                    announced = true
                }
                try await step(own: own, started: started)
            } catch {
                logger.warning("upgrade step failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Publishes the running binary's checksum, and the outcome a watchdog left behind.
    private func announce(_ own: String) async throws {
        var annotations: [String: JSONValue] = [UpgradeOutcome.binaryAnnotation: .string(own)]
        let outcomeFile = directory + "/outcome.json"
        if let text = try? FileSystem.readTextFile(outcomeFile), let outcome = UpgradeOutcome(json: text) {
            annotations[UpgradeOutcome.annotation] = .string(outcome.json)
            logger.warning("an upgrade was rolled back", metadata: ["version": "\(outcome.version)", "message": "\(outcome.message)"])
        }
        try await annotate(annotations)
        unlink(outcomeFile)
    }

    private func step(own: String, started: Time) async throws {
        if let pending = UpgradeWatchdog.Pending.read(directory: directory) {
            // This process is the new binary: confirm once the node is Ready again.
            guard pending.sha256 == own else { return }
            let node = try await client.resource(CoreV1.Node.self).get(nodeName)
            let ready = node.status?.conditions?.first { $0.type == "Ready" }
            guard ready?.status == "True", let beat = ready?.lastHeartbeatTime, beat.secondsSinceEpoch >= started.secondsSinceEpoch else { return }
            let outcome = UpgradeOutcome(plan: pending.plan, version: pending.version, state: .upgraded, message: "running \(pending.version)")
            try await annotate([UpgradeOutcome.annotation: .string(outcome.json)])
            unlink(directory + "/pending.json")
            logger.notice("upgrade confirmed: the node is Ready on the new binary", metadata: ["version": "\(pending.version)"])
            return
        }
        let node = try await client.resource(CoreV1.Node.self).get(nodeName)
        guard let order = node.metadata.annotations?[UpgradeOrder.annotation].flatMap(UpgradeOrder.init(json:)), order.sha256 != own else { return }
        if let outcome = node.metadata.annotations?[UpgradeOutcome.annotation].flatMap(UpgradeOutcome.init(json:)),
            outcome.plan == order.plan, outcome.version == order.version
        {
            return
        }
        try await perform(order)
    }

    /// Downloads, checks, installs and restarts into `order`'s binary.
    private func perform(_ order: UpgradeOrder) async throws {
        logger.notice("upgrading", metadata: ["version": "\(order.version)", "url": "\(order.url)"])
        try FileSystem.makeDirectories(directory, mode: 0o700)
        let download = settings.binary + ".download"
        unlink(download)
        do {
            try await settings.fetcher.download(order.url, to: download)
        } catch {
            try await fail(order, "download of \(order.url) failed: \(error)")
            return
        }
        let got = try Self.sha256(file: download)
        guard got == order.sha256 else {
            unlink(download)
            try await fail(order, "checksum mismatch: the release lists \(order.sha256), the download is \(got); not installed")
            return
        }
        chmod(download, 0o755)
        let previous = settings.binary + ".previous"
        unlink(previous)
        guard link(settings.binary, previous) == 0 else {
            unlink(download)
            try await fail(order, "cannot keep the running binary as \(previous): \(String(cString: strerror(errno)))")
            return
        }
        let pending = UpgradeWatchdog.Pending(
            plan: order.plan, version: order.version, sha256: order.sha256, binary: settings.binary, previous: previous,
            deadline: Time.now().secondsSinceEpoch + Int64(order.readyTimeoutSeconds), pid: getpid(), arguments: settings.arguments)
        try pending.write(directory: directory)
        try await UpgradeWatchdog.start(previous: previous, dataDir: dataDir, log: directory + "/watchdog.log")
        guard rename(download, settings.binary) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(directory + "/pending.json")
            try await fail(order, "cannot move the new binary into place: \(reason)")
            return
        }
        logger.notice("new binary in place; restarting into it", metadata: ["binary": "\(settings.binary)", "version": "\(order.version)"])
        settings.restart.request(binary: settings.binary)
    }

    private func fail(_ order: UpgradeOrder, _ message: String) async throws {
        logger.warning("upgrade refused", metadata: ["version": "\(order.version)", "reason": "\(message)"])
        let outcome = UpgradeOutcome(plan: order.plan, version: order.version, state: .failed, message: message)
        try await annotate([UpgradeOutcome.annotation: .string(outcome.json)])
    }

    private func annotate(_ annotations: [String: JSONValue]) async throws {
        let patch: JSONValue = ["metadata": ["annotations": .object(.init(uniqueKeysWithValues: annotations.sorted { $0.key < $1.key }))]]
        _ = try await client.resource(CoreV1.Node.self).patch(nodeName, type: .merge, body: patch)
    }

    /// The lower-case hex SHA-256 of a file, read in 1 MiB pieces.
    static func sha256(file path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReleaseError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw ReleaseError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            hasher.update(data: buffer[0..<count])
        }
        return hasher.finalize().lowercaseHex
    }
}
