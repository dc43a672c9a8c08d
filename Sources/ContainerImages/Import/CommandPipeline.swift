#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Subprocess

/// Runs a command to completion, optionally fed by another command's output through a pipe
/// (`producer | command`, as a shell pipeline would), and collects what it writes.
///
/// Built on swift-subprocess rather than Foundation's `Process`, which would link all of
/// Foundation (and its 34 MB of ICU data) into the `k3s` binary.
enum CommandPipeline {
    /// What the command reads on its standard input.
    enum Input: Sendable {
        /// Nothing (`/dev/null`).
        case none
        /// The standard output of another command (`producer | command`).
        case command([String])
    }

    /// How a run ended.
    struct Outcome: Sendable {
        /// The exit status of the command (128 + signal when killed).
        var status: Int32
        /// Its standard output.
        var output: String
        /// Its standard error.
        var errorOutput: String
        /// The producer's exit status, when there was one.
        var producerStatus: Int32?
        /// The producer's standard error.
        var producerErrorOutput: String
    }

    /// The most either command may write to a collected stream.
    static let outputLimit = 4 << 20

    /// Runs `command` (the first element is an absolute path or a name found on `PATH`).
    ///
    /// - Throws: ``CommandPipelineError`` when a program is not found or cannot be started.
    static func run(_ command: [String], input: Input = .none) async throws -> Outcome {
        let consumer = try resolved(command)
        guard case .command(let producerCommand) = input else {
            let result = try await Subprocess.run(
                .path(.init(consumer)), arguments: .init(Array(command.dropFirst())),
                output: .string(limit: outputLimit), error: .string(limit: outputLimit))
            return Outcome(
                status: code(result.terminationStatus), output: result.standardOutput,
                errorOutput: result.standardError, producerStatus: nil, producerErrorOutput: "")
        }
        let producer = try resolved(producerCommand)
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw CommandPipelineError("cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // Each end is handed to one child and closed here once that child is spawned; the
        // producer sees a closed pipe (and ends) if the consumer goes away early.
        async let first = Subprocess.run(
            .path(.init(producer)), arguments: .init(Array(producerCommand.dropFirst())),
            output: .fileDescriptor(.init(rawValue: ends[1]), closeAfterSpawningProcess: true), error: .string(limit: outputLimit))
        async let second = Subprocess.run(
            .path(.init(consumer)), arguments: .init(Array(command.dropFirst())),
            input: .fileDescriptor(.init(rawValue: ends[0]), closeAfterSpawningProcess: true),
            output: .string(limit: outputLimit), error: .string(limit: outputLimit))
        let (produced, consumed) = try await (first, second)
        return Outcome(
            status: code(consumed.terminationStatus), output: consumed.standardOutput,
            errorOutput: consumed.standardError, producerStatus: code(produced.terminationStatus),
            producerErrorOutput: produced.standardError)
    }

    /// The program to run for `command`, or an error naming it.
    private static func resolved(_ command: [String]) throws -> String {
        guard let executable = command.first, let path = resolve(executable) else {
            throw CommandPipelineError("\(command.first ?? "(empty command)") was not found on PATH")
        }
        return path
    }

    /// `executable` itself when it contains a `/`, otherwise its first match on `PATH`.
    static func resolve(_ executable: String) -> String? {
        if executable.contains("/") { return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = directory + "/" + executable
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func code(_ status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }
}

/// A command that could not be started.
struct CommandPipelineError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
