import ClusterTesting
import Foundation

/// Debian's `docker-registry` serving plain HTTP on a free loopback port with temporary
/// storage; ``stop()`` ends it and removes its directory.
final class LoopbackRegistry: @unchecked Sendable {
    static let binary = "/usr/bin/docker-registry"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let directory: TemporaryDirectory
    let process: Process
    let port: Int
    var address: String { "127.0.0.1:\(port)" }

    init() async throws {
        directory = try TemporaryDirectory("registry")
        port = try Self.freePort()
        let config = """
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: \(directory.path)/storage
            http:
              addr: 127.0.0.1:\(port)
            """
        try config.write(toFile: directory.path + "/config.yml", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: directory.path + "/registry.log", contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", directory.path + "/config.yml"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: directory.path + "/registry.log")
        try process.run()
        do {
            try await eventually("the registry listens on \(port)", timeout: .seconds(30), interval: .milliseconds(50)) {
                guard self.process.isRunning else { throw ContainerdTestError("docker-registry exited: \(self.log())") }
                return try run("/usr/bin/curl", ["-fsS", "http://127.0.0.1:\(self.port)/v2/"]).status == 0
            }
        } catch {
            stop()
            throw error
        }
    }

    func log() -> String {
        (try? String(contentsOfFile: directory.path + "/registry.log", encoding: .utf8)) ?? ""
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
