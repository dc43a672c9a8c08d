import Foundation

/// A temporary directory, removed with its contents when the value is released.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init(_ prefix: String = "containerimages") throws {
        let template = NSTemporaryDirectory() + "/\(prefix).XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw POSIXError(.EIO) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct CommandOutput {
    var status: Int32
    var output: String
}

/// Runs a program to completion, returning its exit status and its standard output and error.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> CommandOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandOutput(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
}
