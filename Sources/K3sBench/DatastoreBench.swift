import Datastore
import Foundation
import Logging

/// The `datastore` suite: throughput, list time, watch latency and memory of each backend.
struct DatastoreBench {
    /// A datastore implementation under test.
    enum Backend: String, CaseIterable {
        case sqlite
        case memory
    }

    /// Shorter runs, for a smoke test of the harness.
    var quick: Bool

    private var phase: Duration { quick ? .milliseconds(300) : .seconds(3) }
    private static let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 512)

    func run(backend: Backend) async throws {
        for writers in [1, 16] {
            try await withStore(backend) { store in
                let rate = try await createsPerSecond(store, writers: writers)
                emit(backend, "creates_per_s", ["writers": .int(writers)], rate, "ops/s")
                if let sqlite = store as? SQLiteDatastore {
                    // How many writes share one transaction and one sync: the group commit's depth.
                    let statistics = sqlite.statistics
                    let depth = Double(statistics.writes) / Double(max(1, statistics.writeTransactions))
                    emit(backend, "writes_per_commit", ["writers": .int(writers)], depth, "writes")
                }
            }
        }
        try await withStore(backend) { store in
            let keys = try await preload(store, count: 10_000)
            let rate = try await getsPerSecond(store, keys: keys, readers: 16)
            emit(backend, "gets_per_s", ["readers": .int(16), "keys": .int(keys.count)], rate, "ops/s")
            let listMS = try await listMilliseconds(store, expected: keys.count)
            emit(backend, "list_10k_ms", ["keys": .int(keys.count)], listMS, "ms")
        }
        for watchers in [1, 100] {
            try await withStore(backend) { store in
                let rate = 1_000
                let (p50, p99) = try await watchLatency(store, watchers: watchers, writes: quick ? 300 : 3_000, perSecond: rate)
                emit(backend, "watch_latency_p50_ms", ["watchers": .int(watchers), "writes_per_s": .int(rate)], p50, "ms")
                emit(backend, "watch_latency_p99_ms", ["watchers": .int(watchers), "writes_per_s": .int(rate)], p99, "ms")
            }
        }
        try runRSSChild(backend: backend, writes: quick ? 50_000 : 1_000_000, keys: 10_000)
    }

    // MARK: - Phases

    private func createsPerSecond(_ store: any Datastore, writers: Int) async throws -> Double {
        let deadline = ContinuousClock.now + phase
        let start = ContinuousClock.now
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for w in 0..<writers {
                group.addTask {
                    var n = 0
                    while ContinuousClock.now < deadline {
                        _ = try await store.create(key: "/registry/bench/w\(w)/\(n)", value: Self.payload)
                        n += 1
                    }
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
        return Double(total) / seconds(ContinuousClock.now - start)
    }

    private func preload(_ store: any Datastore, count: Int) async throws -> [String] {
        let keys = (0..<count).map { "/registry/items/key-\(String($0).leftPadded(to: 6))" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<16 {
                group.addTask {
                    for i in stride(from: w, to: keys.count, by: 16) {
                        _ = try await store.create(key: keys[i], value: Self.payload)
                    }
                }
            }
            try await group.waitForAll()
        }
        return keys
    }

    private func getsPerSecond(_ store: any Datastore, keys: [String], readers: Int) async throws -> Double {
        let deadline = ContinuousClock.now + phase
        let start = ContinuousClock.now
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for r in 0..<readers {
                group.addTask {
                    var n = 0
                    var i = r &* 7919
                    while ContinuousClock.now < deadline {
                        i = (i &+ 104_729) % keys.count
                        guard try await store.get(key: keys[i], revision: nil) != nil else {
                            throw BenchError("key \(keys[i]) vanished")
                        }
                        n += 1
                    }
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
        return Double(total) / seconds(ContinuousClock.now - start)
    }

    private func listMilliseconds(_ store: any Datastore, expected: Int) async throws -> Double {
        var samples: [Double] = []
        for _ in 0..<(quick ? 2 : 7) {
            let start = ContinuousClock.now
            let result = try await store.list(prefix: "/registry/items/", revision: nil, limit: nil, continueToken: nil)
            samples.append(seconds(ContinuousClock.now - start) * 1000)
            guard result.items.count == expected else {
                throw BenchError("list returned \(result.items.count) keys, expected \(expected)")
            }
        }
        return percentile(samples, 0.5)
    }

    /// Latency from the moment a write is issued to the moment each watcher receives its event
    /// (an upper bound on commit-to-delivery: it includes the commit itself). Writes are paced at
    /// `perSecond`, a steady load rather than a burst, so the figure is delivery latency and not
    /// the time to drain a backlog.
    private func watchLatency(_ store: any Datastore, watchers: Int, writes: Int, perSecond: Int) async throws -> (Double, Double) {
        let key = "/registry/watched/object"
        var revision = try await store.create(key: key, value: Self.payload)
        let from = revision
        let clock = ContinuousClock()
        let deliveries = try await withThrowingTaskGroup(of: [Int64: ContinuousClock.Instant].self) { group in
            var streams: [WatchStream] = []
            for _ in 0..<watchers {
                streams.append(try await store.watch(prefix: "/registry/watched/", fromRevision: from))
            }
            for stream in streams {
                group.addTask {
                    var seen: [Int64: ContinuousClock.Instant] = [:]
                    seen.reserveCapacity(writes)
                    for try await event in stream {
                        seen[event.revision] = clock.now
                        if seen.count == writes { break }
                    }
                    return seen
                }
            }
            var issued: [Int64: ContinuousClock.Instant] = [:]
            let start = clock.now
            let interval = Duration.seconds(1) / perSecond
            for i in 0..<writes {
                try await clock.sleep(until: start + interval * i)
                let t0 = clock.now
                revision = try await store.update(key: key, value: Self.payload, expectedRevision: revision)
                issued[revision] = t0
            }
            var latencies: [Double] = []
            latencies.reserveCapacity(writes * watchers)
            for try await seen in group {
                for (rev, t) in seen {
                    guard let t0 = issued[rev] else { throw BenchError("event for unknown revision \(rev)") }
                    latencies.append(seconds(t - t0) * 1000)
                }
            }
            return latencies
        }
        guard deliveries.count == writes * watchers else {
            throw BenchError("watchers saw \(deliveries.count) events, expected \(writes * watchers)")
        }
        return (percentile(deliveries, 0.5), percentile(deliveries, 0.99))
    }

    // MARK: - Memory, in a fresh process so earlier phases do not count

    private func runRSSChild(backend: Backend, writes: Int, keys: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["datastore-rss", "--backend", backend.rawValue, "--writes", "\(writes)", "--keys", "\(keys)"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("datastore-rss child exited with status \(process.terminationStatus)")
        }
    }

    /// The child side: `writes` writes spread over `keys` keys by 16 writers, compaction on, and
    /// the resident set size reported along the way.
    static func rssChild(backend: Backend, writes: Int, keys: Int, directory: String?) async throws {
        let policy = CompactionPolicy(
            minimumRetainedRevisions: 1_000, minimumRetainedDuration: .seconds(1), interval: .milliseconds(200)
        )
        let (store, cleanup) = try await openStore(backend, compaction: policy, directory: directory)
        defer { cleanup() }
        let writers = 16
        // The first phase creates every key (and updates some); the second only updates.
        let checkpoints = [max(keys, writes / 10), writes / 2, writes]
        var done = 0
        let start = ContinuousClock.now
        var created = false
        for checkpoint in checkpoints {
            let batch = checkpoint - done
            let mayCreate = !created
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    group.addTask {
                        var revisions: [Int: Int64] = [:]
                        var n = w
                        var remaining = batch / writers + (w < batch % writers ? 1 : 0)
                        while remaining > 0 {
                            let k = n % keys
                            let key = "/registry/churn/key-\(k)"
                            if let rev = revisions[k] {
                                revisions[k] = try await store.update(key: key, value: payload, expectedRevision: rev)
                            } else if mayCreate, n < keys {
                                revisions[k] = try await store.create(key: key, value: payload)
                            } else {
                                let current = try await store.get(key: key, revision: nil)
                                guard let current else { throw BenchError("key \(key) missing") }
                                revisions[k] = try await store.update(key: key, value: payload, expectedRevision: current.modRevision)
                            }
                            n += writers
                            remaining -= 1
                        }
                    }
                }
                try await group.waitForAll()
            }
            created = true
            done = checkpoint
            // Let compaction catch up with the retention window before sampling.
            try await waitForCompaction(store, policy: policy)
            let label = checkpoint >= 1_000_000 ? "\(checkpoint / 1_000_000)m" : "\(checkpoint / 1_000)k"
            let rss = residentSetMB()
            let emitter = DatastoreBench(quick: false)
            emitter.emit(backend, "rss_after_\(label)_writes_mb", ["writes": .int(checkpoint), "keys": .int(keys), "retain_revisions": .int(1_000), "retain_s": .int(1)], rss, "MB")
            if checkpoint == writes {
                let elapsed = seconds(ContinuousClock.now - start)
                emitter.emit(backend, "churn_writes_per_s", ["writers": .int(writers), "keys": .int(keys)], Double(writes) / elapsed, "ops/s")
                let history = try await store.currentRevision - store.compactedRevision
                emitter.emit(backend, "retained_revisions_after_churn", ["writes": .int(writes)], Double(history), "revisions")
            }
        }
        try await store.close()
    }

    private static func waitForCompaction(_ store: any Datastore, policy: CompactionPolicy) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let current = try await store.currentRevision
            let compacted = try await store.compactedRevision
            if current - compacted <= policy.minimumRetainedRevisions * 2 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        FileHandle.standardError.write(Data("warning: compaction did not catch up within 30 s\n".utf8))
    }

    // MARK: - Helpers

    private func withStore(_ backend: Backend, _ body: (any Datastore) async throws -> Void) async throws {
        let (store, cleanup) = try await Self.openStore(backend, compaction: .default, directory: nil)
        defer { cleanup() }
        do {
            try await body(store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    static func openStore(
        _ backend: Backend, compaction: CompactionPolicy, directory: String?
    ) async throws -> (any Datastore, @Sendable () -> Void) {
        var logger = Logger(label: "k3s-bench")
        logger.logLevel = .warning
        switch backend {
        case .memory:
            return (InMemoryDatastore(keyPrefix: "/registry/", compaction: compaction, logger: logger), {})
        case .sqlite:
            let base = directory ?? FileManager.default.temporaryDirectory.path
            let dir = "\(base)/k3s-bench-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var configuration = SQLiteDatastore.Configuration(path: "\(dir)/state.db")
            configuration.compaction = compaction
            let store = try SQLiteDatastore(configuration: configuration, logger: logger)
            return (store, { try? FileManager.default.removeItem(atPath: dir) })
        }
    }

    func emit(_ backend: Backend, _ name: String, _ parameters: KeyValuePairs<String, Figure.Parameter>, _ value: Double, _ unit: String) {
        let figure = Figure(
            suite: "datastore", backend: backend.rawValue, name: name,
            parameters: parameters.map { ($0.key, $0.value) }, value: value, unit: unit
        )
        FileHandle.standardOutput.write(Data((figure.jsonLine + "\n").utf8))
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let index = min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))
    return sorted[index]
}

/// The process's resident set size in MiB, from /proc/self/status, after handing freed heap
/// pages back to the kernel (so the figure is what the process holds, not malloc's high-water mark).
func residentSetMB() -> Double {
    #if os(Linux)
    _ = mallocTrim(0)
    #endif
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
        return kb / 1024
    }
    return .nan
}


#if os(Linux)
/// glibc's `malloc_trim` (not exported by the Glibc module).
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
#endif
