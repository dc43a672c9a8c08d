#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Subprocess

/// What the real-containerd tests need of the host, and small helpers to run its tools.
enum HostTools {
    /// Root, containerd, runc, the CNI plugins, skopeo and the registry are all present.
    static var canRunContainerd: Bool {
        let tools: [String] = ["/usr/bin/containerd", "/usr/bin/containerd-shim-runc-v2", "/usr/sbin/runc", "/usr/lib/cni/bridge",
                "/usr/lib/cni/host-local", "/usr/lib/cni/loopback", "/usr/lib/cni/portmap", "/usr/bin/skopeo",
                "/usr/bin/docker-registry", "/bin/busybox", "/usr/sbin/ip"]
        return getuid() == 0 && tools.allSatisfy { access($0, X_OK) == 0 }
    }

    /// A tool failed.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `tool` with `arguments` and returns its standard output; throws with its output when
    /// it exits non-zero.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) async throws -> String {
        let result = try await Subprocess.run(
            .path(.init(tool)), arguments: .init(arguments), output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        guard result.terminationStatus.isSuccess else {
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")): \(result.terminationStatus): \(result.standardError) \(result.standardOutput)")
        }
        return result.standardOutput
    }

    /// A fresh directory under /tmp.
    static func makeTemporaryDirectory(_ prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed: errno \(errno)") }
        return String(cString: made)
    }

    /// A TCP port on 127.0.0.1 nobody listens on right now.
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw Failure(description: "bind: errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard named == 0 else { throw Failure(description: "getsockname: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// The process IDs whose command line contains `text` (the shims of one containerd name its
    /// socket in theirs).
    static func processes(withCommandLineContaining text: String) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), pid != getpid(),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let commandLine = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            return commandLine.contains(text) ? pid : nil
        }
    }

    /// Mount points at or under `directory`, deepest first (from /proc/self/mountinfo).
    static func mountPoints(under directory: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/self/mountinfo") else { return [] }
        let points = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = unescapeMountPath(String(fields[4]))
            return point == directory || point.hasPrefix(directory + "/") ? point : nil
        }
        return points.sorted { $0.count > $1.count }
    }

    /// mountinfo escapes space, tab, newline and backslash as octal.
    private static func unescapeMountPath(_ text: String) -> String {
        text.replacing("\\040", with: " ").replacing("\\011", with: "\t")
            .replacing("\\012", with: "\n").replacing("\\134", with: "\\")
    }
}
