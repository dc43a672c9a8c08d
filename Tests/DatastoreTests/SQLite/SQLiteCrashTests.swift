import Datastore
import Foundation
import Testing

/// The `DatastoreCrashWriter` executable `swift test` built next to the test bundle, if any.
func crashWriterPath() -> String? {
    var candidates: [String] = []
    if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().path)
    }
    let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    candidates.append(argument0.path)
    // On macOS the test runner lives inside the .xctest bundle.
    candidates.append(argument0.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path)
    for directory in candidates {
        let path = "\(directory)/DatastoreCrashWriter"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Reads newline-terminated lines from a pipe as they arrive.
final class LineReader {
    private let handle: FileHandle
    private var buffer = Data()
    private(set) var finished = false

    init(_ handle: FileHandle) {
        self.handle = handle
    }

    /// The complete lines read so far (blocking for more data when none is buffered); empty at EOF.
    func nextLines() -> [String] {
        while true {
            if let newline = buffer.lastIndex(of: UInt8(ascii: "\n")) {
                let complete = buffer[buffer.startIndex...newline]
                buffer = Data(buffer[(newline + 1)...])
                return String(decoding: complete, as: UTF8.self).split(separator: "\n").map(String.init)
            }
            let chunk = handle.availableData
            if chunk.isEmpty {
                finished = true
                return []
            }
            buffer.append(chunk)
        }
    }
}

@Suite("SQLiteDatastore crash recovery")
struct SQLiteCrashTests {
    @Test(.enabled(if: crashWriterPath() != nil, "DatastoreCrashWriter must be built next to the tests"))
    func acknowledgedWritesSurviveSIGKILL() async throws {
        let writer = try #require(crashWriterPath())
        let directory = try TemporaryDirectory("crash")
        defer { directory.remove() }
        let path = directory.file("state.db")
        var generator = SystemRandomNumberGenerator()
        var highestAcknowledged: Int64 = 0

        for run in 0..<20 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: writer)
            process.arguments = [path, "r\(run)", "8"]
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            // Kill after a random number of acknowledgements (or a short random delay, whichever
            // comes first), so the kill lands at all sorts of moments of a commit.
            let target = Int.random(in: 1...1_500, using: &generator)
            let deadline = Date().addingTimeInterval(Double.random(in: 0.05...0.6, using: &generator))
            let reader = LineReader(output.fileHandleForReading)
            var acknowledged: [(key: String, revision: Int64)] = []
            func take(_ lines: [String]) {
                for line in lines {
                    let parts = line.split(separator: " ")
                    if parts.count == 2, let revision = Int64(parts[1]) {
                        acknowledged.append((String(parts[0]), revision))
                    }
                }
            }
            while acknowledged.count < target, Date() < deadline, !reader.finished {
                take(reader.nextLines())
                if run == 0, acknowledged.count > 0, acknowledged.count < 100 {
                    // While the writer process has the store open, this process cannot.
                    #expect(throws: DatastoreError.locked(path: path)) {
                        _ = try SQLiteDatastore(configuration: .init(path: path))
                    }
                }
            }
            kill(process.processIdentifier, SIGKILL)
            // Whatever the writer printed before it died was acknowledged too.
            while !reader.finished { take(reader.nextLines()) }
            process.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationReason == .uncaughtSignal, "writer exited on its own: \(stderr)")
            #expect(!acknowledged.isEmpty || run > 0, "no acknowledgements: \(stderr)")

            let store = try SQLiteDatastore(configuration: .init(path: path))
            do {
                try await store.verify()
                let current = try await store.currentRevision
                let maximum = acknowledged.map(\.revision).max() ?? 0
                #expect(current >= maximum)
                #expect(current >= highestAcknowledged)
                highestAcknowledged = max(highestAcknowledged, current)
                var latest: [String: Int64] = [:]
                for ack in acknowledged { latest[ack.key] = max(latest[ack.key] ?? 0, ack.revision) }
                for (key, revision) in latest {
                    let stored = try await store.get(key: key, revision: nil)
                    #expect(stored != nil, "acknowledged \(key)@\(revision) is missing after crash \(run)")
                    if let stored { #expect(stored.modRevision >= revision, "\(key): \(stored.modRevision) < \(revision)") }
                }
                // Revisions are dense and unique: every revision up to current is one write.
                let all = try await store.list(prefix: "/registry/", revision: nil, limit: nil, continueToken: nil)
                #expect(Set(all.items.map(\.modRevision)).count == all.items.count)
                // The reopened store keeps working.
                let next = try await store.create(key: "/registry/crash/after\(run)", value: [1])
                #expect(next == current + 1)
                highestAcknowledged = next
                try await store.close()
            } catch {
                try? await store.close()
                throw error
            }
        }
    }
}
