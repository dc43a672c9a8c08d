import ClusterTesting
import Foundation

/// A containerd of the test's own: a temporary directory holding its configuration, root,
/// state and socket, no CRI plugin. ``stop()`` kills it, the shims it started and anything they
/// left mounted under its root, and removes the directory.
final class PrivateContainerd: @unchecked Sendable {
    static let binary = "/usr/bin/containerd"
    static let ctr = "/usr/bin/ctr"

    /// Whether this test run can start one (root, containerd and runc installed).
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: binary)
            && FileManager.default.isExecutableFile(atPath: ctr) && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runc")
    }

    let directory: TemporaryDirectory
    let process: Process
    /// A containerd namespace of this instance's own: the runc shims keep per-namespace state
    /// under the machine-wide `/run/containerd/runc/<namespace>`, which ``stop()`` removes.
    let namespace = "images-test-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    var socket: String { directory.path + "/c.sock" }
    var root: String { directory.path + "/root" }

    init() async throws {
        directory = try TemporaryDirectory("ctrd")
        let path = directory.path
        let config = """
            version = 2
            root = "\(path)/root"
            state = "\(path)/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "\(path)/c.sock"
            [ttrpc]
              address = "\(path)/c.sock.ttrpc"
            [debug]
              level = "warn"
            """
        try config.write(toFile: path + "/config.toml", atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--config", path + "/config.toml"]
        _ = FileManager.default.createFile(atPath: path + "/containerd.log", contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: path + "/containerd.log")
        try process.run()
        do {
            try await eventually("containerd answers on its socket", timeout: .seconds(30), interval: .milliseconds(50)) {
                guard process.isRunning else { throw ContainerdTestError("containerd exited: \(self.log())") }
                return try self.ctr(["version"]).status == 0
            }
        } catch {
            stop()
            throw ContainerdTestError("\(error); containerd log: \(log())")
        }
    }

    func log() -> String {
        (try? String(contentsOfFile: directory.path + "/containerd.log", encoding: .utf8)) ?? ""
    }

    /// Runs `ctr` against this containerd, in its namespace.
    @discardableResult
    func ctr(_ arguments: [String]) throws -> CommandOutput {
        try run(Self.ctr, ["--address", socket, "--namespace", namespace] + arguments)
    }

    /// Stops containerd and every shim that names its socket, unmounts what is left under its
    /// root and state, and removes the directory.
    func stop() {
        let path = directory.path
        for pid in Self.processes(mentioning: path) where pid != process.processIdentifier {
            kill(pid, SIGKILL)
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        for pid in Self.processes(mentioning: path) { kill(pid, SIGKILL) }
        // Deepest mounts first.
        let mounts = Self.mountPoints(under: path).sorted { $0.count > $1.count }
        for mount in mounts { umount2(mount, Int32(MNT_DETACH)) }
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: "/run/containerd/runc/" + namespace)
    }

    /// The processes whose command line contains `text`.
    static func processes(mentioning text: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = pid_t(entry), pid != getpid(),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let line = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            return line.contains(text) ? pid : nil
        }
    }

    /// The mount points at or under `path`.
    static func mountPoints(under path: String) -> [String] {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4]).replacingOccurrences(of: "\\040", with: " ")
            return point.hasPrefix(path) ? point : nil
        }
    }
}

struct ContainerdTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
