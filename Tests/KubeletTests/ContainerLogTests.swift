import ClusterTesting
import Foundation
import Synchronization
import KubeAPI
import Testing
@testable import Kubelet

@Suite("CRI container logs")
struct ContainerLogTests {
    // MARK: Parsing

    @Test func parsesFullAndPartialRecords() throws {
        let full = try CRILogRecord(parsing: Array("2026-12-07T09:00:00.123456789Z stdout F hello world".utf8))
        #expect(full.timestampText == "2026-12-07T09:00:00.123456789Z")
        #expect(full.stream == .stdout)
        #expect(!full.partial)
        #expect(full.content == Array("hello world".utf8))
        #expect(full.time == MicroTime(microsecondsSinceEpoch: try MicroTime(parsing: "2026-12-07T09:00:00.123456Z").microsecondsSinceEpoch))

        let partial = try CRILogRecord(parsing: Array("2026-12-07T10:00:00+01:00 stderr P  two spaces".utf8))
        #expect(partial.stream == .stderr)
        #expect(partial.partial)
        #expect(partial.content == Array(" two spaces".utf8))
        #expect(partial.time == MicroTime("2026-12-07T09:00:00Z"))

        let empty = try CRILogRecord(parsing: Array("2026-12-07T09:00:00Z stdout F".utf8))
        #expect(empty.content.isEmpty)
        let flagged = try CRILogRecord(parsing: Array("2026-12-07T09:00:00Z stdout F:x text".utf8))
        #expect(!flagged.partial && flagged.content == Array("text".utf8))
    }

    @Test(arguments: [
        "", "2026-12-07T09:00:00Z", "not-a-time stdout F x", "2026-12-07T09:00:00Z stdin F x",
        "2026-12-07T09:00:00Z stdout X x", "2026-12-07T09:00:00Z stdout",
    ])
    func rejectsMalformedLines(_ line: String) {
        #expect(throws: CRILogFormatError.self) { try CRILogRecord(parsing: Array(line.utf8)) }
    }

    // MARK: Options

    @Test func readsOptionsFromTheQuery() throws {
        let options = try ContainerLogOptions(query: [
            ("follow", "true"), ("previous", "1"), ("tailLines", "5"), ("timestamps", "t"), ("limitBytes", "100"),
            ("sinceSeconds", "30"),
        ])
        #expect(options.follow && options.previous && options.timestamps)
        #expect(options.tailLines == 5 && options.limitBytes == 100 && options.sinceSeconds == 30)
        let now = MicroTime(microsecondsSinceEpoch: 100_000_000)
        #expect(options.since(now: now) == MicroTime(microsecondsSinceEpoch: 70_000_000))
        let time = try ContainerLogOptions(query: [("sinceTime", "2026-12-07T09:00:00Z")])
        #expect(time.since(now: now) == MicroTime("2026-12-07T09:00:00Z"))
        #expect(try ContainerLogOptions(query: []).since(now: now) == nil)
    }

    @Test(arguments: [
        ("tailLines", "-1"), ("tailLines", "x"), ("limitBytes", "0"), ("sinceSeconds", "0"), ("follow", "yes"),
        ("sinceTime", "yesterday"),
    ])
    func rejectsBadOptions(_ name: String, _ value: String) {
        #expect { try ContainerLogOptions(query: [(name, value)]) } throws: { error in
            (error as? StatusError)?.code == 400 && (error as? StatusError)?.message.contains(name) == true
        }
    }

    @Test func rejectsBothSinceOptions() {
        #expect { try ContainerLogOptions(query: [("sinceSeconds", "5"), ("sinceTime", "2026-12-07T09:00:00Z")]) } throws: { error in
            (error as? StatusError)?.code == 400
        }
    }

    // MARK: Formatting

    static let sample = """
        2026-12-07T09:00:01.000000001Z stdout F one
        2026-12-07T09:00:02Z stdout P tw
        2026-12-07T09:00:03Z stdout F o
        2026-12-07T09:00:04Z stderr F three
        2026-12-07T09:00:05Z stdout F four

        """

    static func records(_ text: String = sample) throws -> [CRILogRecord] {
        try text.split(separator: "\n").map { try CRILogRecord(parsing: Array($0.utf8)) }
    }

    static func format(_ options: ContainerLogOptions, since: MicroTime? = nil, _ text: String = sample) throws -> String {
        let records = try records(text)
        var formatter = ContainerLogFormatter(options: options, since: since)
        var output: [UInt8] = []
        let start = options.tailLines.map { ContainerLogFormatter.tailStart(records, lines: $0) } ?? 0
        for record in records[start...] { formatter.append(record, to: &output) }
        return String(decoding: output, as: UTF8.self)
    }

    @Test func joinsPartialLines() throws {
        #expect(try Self.format(ContainerLogOptions()) == "one\ntwo\nthree\nfour\n")
    }

    @Test func tailCountsLogicalLines() throws {
        var options = ContainerLogOptions()
        options.tailLines = 3
        #expect(try Self.format(options) == "two\nthree\nfour\n")
        options.tailLines = 0
        #expect(try Self.format(options) == "")
        options.tailLines = 10
        #expect(try Self.format(options) == "one\ntwo\nthree\nfour\n")
        // An unfinished last line counts as one.
        options.tailLines = 1
        #expect(try Self.format(options, Self.sample + "2026-12-07T09:00:06Z stdout P fi\n") == "fi")
    }

    @Test func sinceKeepsWholeLines() throws {
        // The partial line started at :02, before :03, so it is left out whole.
        #expect(try Self.format(ContainerLogOptions(), since: MicroTime("2026-12-07T09:00:03Z")) == "three\nfour\n")
        #expect(try Self.format(ContainerLogOptions(), since: MicroTime("2026-12-07T09:00:02Z")) == "two\nthree\nfour\n")
    }

    @Test func timestampsPrefixEachLine() throws {
        var options = ContainerLogOptions()
        options.timestamps = true
        options.tailLines = 2
        #expect(try Self.format(options) == "2026-12-07T09:00:04Z three\n2026-12-07T09:00:05Z four\n")
        options.tailLines = 3
        #expect(try Self.format(options).hasPrefix("2026-12-07T09:00:02Z two\n"))
    }

    @Test func limitBytesCutsTheOutput() throws {
        var options = ContainerLogOptions()
        options.limitBytes = 6
        #expect(try Self.format(options) == "one\ntw")
        options.limitBytes = 4
        #expect(try Self.format(options) == "one\n")
    }

    // MARK: Files

    @Test func streamsAFileWithOptions() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/0.log"
            try Self.sample.write(toFile: path, atomically: true, encoding: .utf8)
            let watcher = LogFileWatcher()
            defer { Task { await watcher.shutdown() } }
            var options = ContainerLogOptions()
            options.tailLines = 2
            let text = try await Self.collect(ContainerLogStreamer(watcher: watcher), path: path, options: options)
            #expect(text == "three\nfour\n")
            await #expect(throws: ContainerLogError.self) {
                _ = try await Self.collect(ContainerLogStreamer(watcher: watcher), path: directory + "/missing.log", options: options)
            }
        }
    }

    static func collect(_ streamer: ContainerLogStreamer, path: String, options: ContainerLogOptions) async throws -> String {
        let (exited, continuation) = AsyncStream.makeStream(of: Void.self)
        continuation.finish()
        var output: [UInt8] = []
        try await streamer.stream(path: path, options: options, now: MicroTime(Date()), exited: exited) { output += $0 }
        return String(decoding: output, as: UTF8.self)
    }

    @Test func followStreamsAppendedLinesUntilTheContainerExits() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/0.log"
            try "2026-12-07T09:00:01Z stdout F first\n".write(toFile: path, atomically: true, encoding: .utf8)
            let watcher = LogFileWatcher()
            let streamer = ContainerLogStreamer(watcher: watcher)
            let (exited, exit) = AsyncStream.makeStream(of: Void.self)
            let received = Mutex("")
            var options = ContainerLogOptions()
            options.follow = true
            let follower = Task {
                try await streamer.stream(path: path, options: options, now: MicroTime(Date()), exited: exited) { chunk in
                    received.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
                }
            }
            try await eventually("the existing line", timeout: .seconds(10)) { received.withLock { $0 } == "first\n" }
            try Self.append("2026-12-07T09:00:02Z stdout P sec\n2026-12-07T09:00:03Z stdout F ond\n", to: path)
            try await eventually("the appended line", timeout: .seconds(10)) { received.withLock { $0 } == "first\nsecond\n" }
            try Self.append("2026-12-07T09:00:04Z stdout F third\n", to: path)
            exit.yield()
            try await withDeadline(.seconds(10), "the follower ends after the exit") { try await follower.value }
            // Whatever was written before the exit is still delivered.
            #expect(received.withLock { $0 } == "first\nsecond\nthird\n")

            // A follower whose client goes away (its task is cancelled) ends too.
            let (never, _) = AsyncStream.makeStream(of: Void.self)
            let abandoned = Task {
                try await streamer.stream(path: path, options: options, now: MicroTime(Date()), exited: never) { _ in }
            }
            abandoned.cancel()
            _ = try await withDeadline(.seconds(10), "the abandoned follower ends") { await abandoned.result }
            await watcher.shutdown()
        }
    }

    @Test func followContinuesAtARotatedFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/0.log"
            try "2026-12-07T09:00:01Z stdout F old\n".write(toFile: path, atomically: true, encoding: .utf8)
            let watcher = LogFileWatcher()
            let streamer = ContainerLogStreamer(watcher: watcher)
            let (exited, exit) = AsyncStream.makeStream(of: Void.self)
            let received = Mutex("")
            var options = ContainerLogOptions()
            options.follow = true
            let follower = Task {
                try await streamer.stream(path: path, options: options, now: MicroTime(Date()), exited: exited) { chunk in
                    received.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
                }
            }
            try await eventually("the first line", timeout: .seconds(10)) { received.withLock { $0 } == "old\n" }
            try FileManager.default.moveItem(atPath: path, toPath: path + ".20261207-090001")
            try "2026-12-07T09:00:02Z stdout F new\n".write(toFile: path, atomically: false, encoding: .utf8)
            try await eventually("the new file's line", timeout: .seconds(10)) { received.withLock { $0 } == "old\nnew\n" }
            exit.yield()
            try await withDeadline(.seconds(10), "the follower ends") { try await follower.value }
            await watcher.shutdown()
        }
    }

    static func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }
}


/// Runs `body` with a new temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "kubelet-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
