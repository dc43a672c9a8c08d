import ClusterTesting
import Foundation
import KubeAPI
import Testing

@testable import ContainerImages

@Suite("PauseImage")
struct PauseImageTests {
    /// ELF program header types.
    static let programInterpreter: UInt32 = 3
    static let programDynamic: UInt32 = 2

    /// The program header types of a 64-bit little-endian ELF file.
    static func programHeaderTypes(_ bytes: [UInt8]) throws -> [UInt32] {
        try #require(bytes.count > 64 && bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46] && bytes[4] == 2 && bytes[5] == 1, "a 64-bit little-endian ELF")
        func integer(_ offset: Int, _ width: Int) -> Int {
            (0..<width).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        let tableOffset = integer(0x20, 8)
        let entrySize = integer(0x36, 2)
        let count = integer(0x38, 2)
        return (0..<count).map { UInt32(integer(tableOffset + $0 * entrySize, 4)) }
    }

    /// The number of `rt_sigtimedwait` on this machine, the call k3s-pause waits in.
    static var sigtimedwaitNumber: String {
        #if arch(x86_64)
        "128"
        #else
        "137"
        #endif
    }

    /// Starts `k3s-pause` (through `shell` when given) and waits until it sleeps waiting for
    /// signals (its signals are blocked by then). A process that never gets there is killed.
    static func startPause(_ path: String, shell: String? = nil) async throws -> Process {
        let process = Process()
        if let shell {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", shell, "sh", path]
        } else {
            process.executableURL = URL(fileURLWithPath: path)
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        do {
            try await eventually("k3s-pause waits for signals", timeout: .seconds(10)) {
                let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
                let call = try String(contentsOfFile: "/proc/\(pid)/syscall", encoding: .utf8)
                return exe.hasSuffix("/" + PauseImage.binaryName) && call.split(separator: " ").first.map(String.init) == sigtimedwaitNumber
            }
        } catch {
            kill(pid, SIGKILL)
            throw error
        }
        return process
    }

    static func waitForExit(_ process: Process) async throws {
        try await eventually("k3s-pause exits", timeout: .seconds(10)) { !process.isRunning }
    }

    @Test("k3s-pause is a tiny static executable")
    func staticBinary() throws {
        let path = try PauseImage.locateBinary()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let types = try Self.programHeaderTypes(bytes)
        #expect(!types.isEmpty)
        #expect(!types.contains(Self.programInterpreter), "no dynamic loader")
        #expect(!types.contains(Self.programDynamic), "no dynamic section")
        #expect(bytes.count < 16 * 1024, "\(bytes.count) bytes")
        let ldd = try run("/usr/bin/ldd", [path])
        #expect(ldd.output.contains("not a dynamic executable"), "\(ldd.output)")
    }

    @Test("k3s-pause exits 0 on SIGTERM and on SIGINT", arguments: [SIGTERM, SIGINT])
    func exitsOnSignal(signal: Int32) async throws {
        let process = try await Self.startPause(try PauseImage.locateBinary())
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        kill(process.processIdentifier, signal)
        try await Self.waitForExit(process)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    @Test("k3s-pause reaps the children it inherits")
    func reapsChildren() async throws {
        // The shell starts a short-lived child, then becomes k3s-pause, which inherits the child.
        let directory = try TemporaryDirectory()
        let childFile = directory.path + "/child"
        let process = try await Self.startPause(
            try PauseImage.locateBinary(), shell: "sleep 0.2 & echo $! > \(childFile); exec \"$1\"")
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let child = try String(contentsOfFile: childFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        // A child that is not reaped stays as a zombie (state Z) in /proc for as long as its parent lives.
        try await eventually("the exited child is reaped", timeout: .seconds(10)) {
            !FileManager.default.fileExists(atPath: "/proc/\(child)")
        }
        #expect(process.isRunning)
        kill(process.processIdentifier, SIGTERM)
        try await Self.waitForExit(process)
    }

    @Test("the pause image holds /pause as its entrypoint")
    func image() throws {
        let archive = try PauseImage.archive()
        #expect(archive.name == PauseImage.defaultName)
        let members = try OCIImageArchiveTests.members(archive)
        let layer = try TarReader(OCIImageArchiveTests.blob(members, archive.layerDigest)).entries()
        #expect(layer.map(\.path) == ["pause"])
        #expect(layer.first?.mode == 0o755)
        let config = try JSONValue(parsing: OCIImageArchiveTests.blob(members, archive.configDigest))
        #expect(config["config"]?["Entrypoint"] == ["/pause"])
        let renamed = try PauseImage.archive(name: "registry.example.test/pause:9")
        #expect(renamed.name == "registry.example.test/pause:9")
        #expect(throws: PauseImageError.self) { try PauseImage.locateBinary(explicitPath: "/nonexistent/k3s-pause") }
    }
}
