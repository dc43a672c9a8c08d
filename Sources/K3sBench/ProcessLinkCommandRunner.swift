import Foundation
import NetOverlay

/// Runs the overlays' network tools (`ip`, `bridge`, `nft`, `sysctl`, optionally in a named
/// network namespace, as ``IPRouteCommandRunner`` does) with Foundation's `Process`, to
/// completion on the calling thread. `k3s-bench net-throughput` starts every child this way:
/// with swift-subprocess children alongside its iperf3 `Process`, or with the `Process` waits
/// spread across suspension points, the debug build crashed now and then (a task resumed
/// through a null pointer); one synchronous mechanism for every child ran cleanly.
struct ProcessLinkCommandRunner: LinkCommandRunner {
    /// The named network namespace to act in; `nil` for the current one.
    var namespace: String?
    static let searchPath = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]

    func run(_ command: LinkCommand) async throws -> String {
        try runNow(command)
    }

    /// Runs `command` to completion on the calling thread.
    func runNow(_ command: LinkCommand) throws -> String {
        let (tool, arguments) = IPRouteCommandRunner(namespace: namespace).invocation(command)
        guard let path = Self.searchPath.map({ "\($0)/\(tool)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw LinkCommandError(command: command, status: nil, standardError: "\(tool) is not installed")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        do { try process.run() } catch {
            throw LinkCommandError(command: command, status: nil, standardError: "\(error)")
        }
        // Feed and drain the three pipes at once, so no side blocks on a full pipe.
        let errorData = Locked(Data())
        let work = DispatchGroup()
        let stdin = input.fileHandleForWriting
        DispatchQueue.global().async(group: work) {
            if let text = command.input { try? stdin.write(contentsOf: Data(text.utf8)) }
            try? stdin.close()
        }
        DispatchQueue.global().async(group: work) { errorData.withLock { $0 = error.fileHandleForReading.readDataToEndOfFile() } }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        work.wait()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw LinkCommandError(
                command: command, status: process.terminationReason == .exit ? process.terminationStatus : nil,
                standardError: String(decoding: errorData.withLock { $0 }, as: UTF8.self))
        }
        return String(decoding: outputData, as: UTF8.self)
    }
}
