import Foundation

extension IngressProxyServerTests {
    /// Runs a program to its end and returns its standard output.
    static func runSync(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// ``runSync(_:_:)`` off the caller's executor.
    static func run(_ path: String, _ arguments: [String]) async throws -> String {
        try await Task.detached { try runSync(path, arguments) }.value
    }
}
