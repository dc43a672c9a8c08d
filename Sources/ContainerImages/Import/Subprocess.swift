import Foundation

/// Runs a command to completion off the cooperative thread pool, optionally fed by another
/// command's output (a two-stage pipeline) or by bytes, and collects its output.
enum Subprocess {
    /// What the command reads on its standard input.
    enum Input: Sendable {
        /// Nothing (`/dev/null`).
        case none
        /// These bytes.
        case bytes([UInt8])
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
        /// The producer's exit status and standard error, when there was one.
        var producerStatus: Int32?
        var producerErrorOutput: String
    }

    /// Runs `command` (the first element is an absolute path or a name found on `PATH`).
    static func run(_ command: [String], input: Input = .none) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try runBlocking(command, input: input) })
            }
            thread.start()
        }
    }

    private static func runBlocking(_ command: [String], input: Input) throws -> Outcome {
        let process = try makeProcess(command)
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        var producer: Process?
        var producerErrors: Pipe?
        var inputPipe: Pipe?
        switch input {
        case .none:
            process.standardInput = FileHandle.nullDevice
        case .bytes:
            let pipe = Pipe()
            process.standardInput = pipe
            inputPipe = pipe
        case .command(let producerCommand):
            let first = try makeProcess(producerCommand)
            let link = Pipe()
            let firstErrors = Pipe()
            first.standardInput = FileHandle.nullDevice
            first.standardOutput = link
            first.standardError = firstErrors
            process.standardInput = link
            try first.run()
            producer = first
            producerErrors = firstErrors
        }
        do {
            try process.run()
        } catch {
            producer?.terminate()
            producer?.waitUntilExit()
            throw error
        }
        // Drain every pipe at once so that no side blocks on a full pipe.
        let group = DispatchGroup()
        let collected = Collected()
        if case .bytes(let bytes) = input, let inputPipe {
            DispatchQueue.global().async(group: group) {
                try? inputPipe.fileHandleForWriting.write(contentsOf: bytes)
                try? inputPipe.fileHandleForWriting.close()
            }
        }
        DispatchQueue.global().async(group: group) {
            collected.set(\.errorOutput, errors.fileHandleForReading.readDataToEndOfFile())
        }
        if let producerErrors {
            DispatchQueue.global().async(group: group) {
                collected.set(\.producerErrorOutput, producerErrors.fileHandleForReading.readDataToEndOfFile())
            }
        }
        let standardOutput = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        producer?.waitUntilExit()
        return Outcome(
            status: status(of: process), output: String(decoding: standardOutput, as: UTF8.self),
            errorOutput: collected.text(\.errorOutput), producerStatus: producer.map(status(of:)),
            producerErrorOutput: collected.text(\.producerErrorOutput))
    }

    private static func makeProcess(_ command: [String]) throws -> Process {
        guard let executable = command.first, let path = resolve(executable) else {
            throw SubprocessError(message: "\(command.first ?? "(empty command)") was not found on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(command.dropFirst())
        return process
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

    private static func status(of process: Process) -> Int32 {
        process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Output gathered on other threads.
    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        var errorOutput = Data()
        var producerErrorOutput = Data()

        func set(_ key: ReferenceWritableKeyPath<Collected, Data>, _ data: Data) {
            lock.lock()
            defer { lock.unlock() }
            self[keyPath: key] = data
        }

        func text(_ key: KeyPath<Collected, Data>) -> String {
            lock.lock()
            defer { lock.unlock() }
            return String(decoding: self[keyPath: key], as: UTF8.self)
        }
    }
}

/// A command that could not be started.
struct SubprocessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
