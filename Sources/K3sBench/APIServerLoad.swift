import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The load half of the `apiserver` suite: throughput, list latency, watch fan-out and memory
/// under objects. Runs against any API server reachable through a ``BenchTarget`` (ours, or
/// upstream's with `--kubeconfig`); every object it makes lives in namespaces it creates and
/// deletes again.
struct APIServerLoad: Sendable {
    var target: BenchTarget
    /// The server's process, when the bench started it (for RSS figures).
    var serverPID: Int32?
    var backend: String
    var clients = 16
    var phase: Duration = .seconds(5)
    var watchers = 1000
    var emit: @Sendable (String, Double, String, [(String, Figure.Parameter)]) -> Void

    func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let tls = try target.makeTLSContext()
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let namespaces = ["cm", "load", "pods", "watch"].map { "k3s-bench-\($0)-\(run)" }
        try await BenchConnection.with(target, tls: tls, group: group) { connection in
            for namespace in namespaces {
                let body = #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(namespace)"}}"#
                let (status, reply) = try await connection.request(.POST, "/api/v1/namespaces", body: Array(body.utf8))
                guard status == 201 else { throw BenchError("creating namespace \(namespace): \(status) \(String(decoding: reply, as: UTF8.self))") }
            }
        }
        do {
            try await measure(namespaces: namespaces, tls: tls, group: group)
        } catch {
            await cleanUp(namespaces, tls: tls, group: group)
            throw error
        }
        await cleanUp(namespaces, tls: tls, group: group)
    }

    private func measure(namespaces: [String], tls: NIOSSLContext, group: any EventLoopGroup) async throws {
        // Memory under 10,000 ConfigMaps (only when the bench owns the server process).
        if let serverPID {
            try await createAll(10_000, of: "configmaps", namespace: namespaces[0], tls: tls, group: group) { configMap(name: "cm-\($0)") }
            emit("rss_10k_configmaps_mb", settledRSS(serverPID), "MB", [("objects", .int(10_000))])
        }

        // Creates: 16 clients, each creating as fast as the server answers, for one phase.
        let created = Locked<[String]>([])
        let createStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for client in 0..<clients {
                tasks.addTask {
                    try await BenchConnection.with(target, tls: tls, group: group) { connection in
                        var names: [String] = []
                        var i = 0
                        while ContinuousClock.now - createStart < phase {
                            let name = "load-\(client)-\(i)"
                            let (status, reply) = try await connection.request(
                                .POST, "/api/v1/namespaces/\(namespaces[1])/configmaps", body: configMap(name: name))
                            guard status == 201 else { throw BenchError("create: \(status) \(String(decoding: reply, as: UTF8.self))") }
                            names.append(name)
                            i += 1
                        }
                        created.withLock { $0.append(contentsOf: names) }
                    }
                }
            }
            try await tasks.waitForAll()
        }
        let names = created.withLock { $0 }
        emit("creates_per_s", Double(names.count) / seconds(ContinuousClock.now - createStart), "ops/s", [("clients", .int(clients))])

        // Gets: 16 clients reading random objects of the ones just created.
        let gets = Locked(0)
        let getStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for _ in 0..<clients {
                tasks.addTask {
                    try await BenchConnection.with(target, tls: tls, group: group) { connection in
                        var count = 0
                        while ContinuousClock.now - getStart < phase {
                            let name = names[Int.random(in: 0..<names.count)]
                            let (status, _) = try await connection.request(.GET, "/api/v1/namespaces/\(namespaces[1])/configmaps/\(name)")
                            guard status == 200 else { throw BenchError("get: \(status)") }
                            count += 1
                        }
                        gets.withLock { $0 += count }
                    }
                }
            }
            try await tasks.waitForAll()
        }
        emit("gets_per_s", Double(gets.withLock { $0 }) / seconds(ContinuousClock.now - getStart), "ops/s", [("clients", .int(clients))])

        // LIST of 10,000 pods (whole JSON body received), median of five.
        try await createAll(10_000, of: "pods", namespace: namespaces[2], tls: tls, group: group) { pod(name: "pod-\($0)") }
        let listSamples = try await BenchConnection.with(target, tls: tls, group: group) { connection in
            var samples: [Double] = []
            for _ in 0..<5 {
                let start = ContinuousClock.now
                let (status, body) = try await connection.request(.GET, "/api/v1/namespaces/\(namespaces[2])/pods")
                samples.append(seconds(ContinuousClock.now - start) * 1000)
                guard status == 200, body.count > 10_000 * 500 else { throw BenchError("list pods: \(status), \(body.count) bytes") }
            }
            return samples
        }
        emit("list_10k_pods_ms", percentile(listSamples, 0.5), "ms", [("objects", .int(10_000))])

        // The same 10,000 pods in pages of 500 (`limit`/`continue`), every page read, median of five.
        let pageSize = 500
        let pagedSamples = try await BenchConnection.with(target, tls: tls, group: group) { connection in
            var samples: [Double] = []
            for _ in 0..<5 {
                let start = ContinuousClock.now
                var token: String? = nil
                var pages = 0
                repeat {
                    var path = "/api/v1/namespaces/\(namespaces[2])/pods?limit=\(pageSize)"
                    if let token { path += "&continue=" + token }
                    let (status, body) = try await connection.request(.GET, path)
                    guard status == 200 else { throw BenchError("paged list pods: \(status)") }
                    token = Self.continueToken(in: body)
                    pages += 1
                } while token != nil
                samples.append(seconds(ContinuousClock.now - start) * 1000)
                // The pods name nodes that do not exist; the pod garbage collector's 40 s
                // quarantine keeps them through this phase, so every page is full.
                guard pages == 10_000 / pageSize else { throw BenchError("paged list pods: \(pages) pages, expected \(10_000 / pageSize)") }
            }
            return samples
        }
        emit("list_10k_pods_paged_ms", percentile(pagedSamples, 0.5), "ms", [("objects", .int(10_000)), ("limit", .int(pageSize))])

        let watch = try await watchLatency(namespace: namespaces[3], tls: tls, group: group)
        let shape: [(String, Figure.Parameter)] = [("watchers", .int(watchers)), ("writes_per_s", .int(100))]
        emit("watch_latency_p50_ms", percentile(watch.samples, 0.5), "ms", shape)
        emit("watch_latency_p99_ms", percentile(watch.samples, 0.99), "ms", shape)
        if let cpu = watch.serverCPUSeconds {
            emit("watch_cpu_s_per_1k_events", cpu / (Double(watch.samples.count) / 1000), "s", shape)
        }
    }

    /// Creates `count` objects of `resource` (core v1) with 16 clients.
    private func createAll(_ count: Int, of resource: String, namespace: String, tls: NIOSSLContext, group: any EventLoopGroup, body: @escaping @Sendable (Int) -> [UInt8]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for client in 0..<clients {
                tasks.addTask {
                    try await BenchConnection.with(target, tls: tls, group: group) { connection in
                        for i in stride(from: client, to: count, by: clients) {
                            let (status, reply) = try await connection.request(.POST, "/api/v1/namespaces/\(namespace)/\(resource)", body: body(i))
                            guard status == 201 else { throw BenchError("create \(resource): \(status) \(String(decoding: reply, as: UTF8.self))") }
                        }
                    }
                }
            }
            try await tasks.waitForAll()
        }
    }

    /// Opens `watchers` watches on one namespace's ConfigMaps, then creates objects at a steady
    /// pace (100/s) and measures, for every watcher and object, issue-to-delivery time. Returns
    /// every sample (ms) and, when the bench owns the server, the server's CPU time (user +
    /// system) over the write phase.
    private func watchLatency(namespace: String, tls: NIOSSLContext, group: any EventLoopGroup) async throws -> (samples: [Double], serverCPUSeconds: Double?) {
        let events = 200
        let issued = Locked([ContinuousClock.Instant?](repeating: nil, count: events))
        let samples = Locked<[Double]>([])
        let established = Locked(0)
        let path = "/api/v1/namespaces/\(namespace)/configmaps?watch=1&timeoutSeconds=120"
        let cpuAtStart = Locked<Double?>(nil)
        let serverPID = serverPID
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            for _ in 0..<watchers {
                tasks.addTask {
                    try await BenchConnection.with(target, tls: tls, group: group) { connection in
                        var pending: [UInt8] = []
                        var seen = 0
                        var mine: [Double] = []
                        var announced = false
                        func announce() {
                            if !announced { announced = true; established.withLock { $0 += 1 } }
                        }
                        try await connection.stream(path: path, onHead: announce) { buffer in
                            announce()
                            pending.append(contentsOf: buffer.readableBytesView)
                            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                                let line = pending[..<newline]
                                if let index = Self.objectIndex(in: line), index < events,
                                   let start = issued.withLock({ $0[index] }) {
                                    mine.append(seconds(ContinuousClock.now - start) * 1000)
                                    seen += 1
                                }
                                pending.removeSubrange(...newline)
                            }
                            return seen < events
                        }
                        samples.withLock { $0.append(contentsOf: mine) }
                    }
                }
            }
            // Headers are only sent once a watch is registered; an object created before then
            // would be missed, so wait for every watcher's first bytes (a bookmark-free server
            // sends none until the first event: a marker object starts them).
            try await BenchConnection.with(target, tls: tls, group: group) { connection in
                let deadline = ContinuousClock.now + .seconds(60)
                var marker = 0
                while established.withLock({ $0 }) < watchers {
                    guard ContinuousClock.now < deadline else { throw BenchError("only \(established.withLock { $0 }) of \(watchers) watches started") }
                    _ = try await connection.request(.POST, "/api/v1/namespaces/\(namespace)/configmaps", body: configMap(name: "marker-\(marker)"))
                    marker += 1
                    try await Task.sleep(for: .milliseconds(200))
                }
                // A steady 100 writes/s.
                let before = serverPID.flatMap(cpuSeconds(pid:))
                cpuAtStart.withLock { $0 = before }
                let start = ContinuousClock.now
                for i in 0..<events {
                    let due = start + .milliseconds(10 * i)
                    if due > ContinuousClock.now { try await Task.sleep(until: due) }
                    issued.withLock { $0[i] = ContinuousClock.now }
                    let (status, _) = try await connection.request(.POST, "/api/v1/namespaces/\(namespace)/configmaps", body: configMap(name: "w-\(i)"))
                    guard status == 201 else { throw BenchError("watch writer: \(status)") }
                }
            }
            try await tasks.waitForAll()
            let after = serverPID.flatMap(cpuSeconds(pid:))
            let all = samples.withLock { $0 }
            guard all.count == events * watchers else { throw BenchError("watchers saw \(all.count) of \(events * watchers) events") }
            let used = cpuAtStart.withLock { $0 }.flatMap { start in after.map { $0 - start } }
            return (all, used)
        }
    }

    /// The list's `metadata.continue` (it comes before `items`, so only the head is searched);
    /// `nil` when there is none or it is empty. Tokens are URL-safe base64.
    static func continueToken(in body: [UInt8]) -> String? {
        let needle = Array(#""continue":""#.utf8)
        let head = body.prefix(4096)
        guard let start = head.indices.first(where: { head[$0...].starts(with: needle) }) else { return nil }
        let from = start + needle.count
        guard let end = head[from...].firstIndex(of: UInt8(ascii: "\"")), end > from else { return nil }
        return String(decoding: head[from..<end], as: UTF8.self)
    }

    /// The `N` of an `ADDED` event for object `w-N` in one watch line, if it is one.
    static func objectIndex(in line: ArraySlice<UInt8>) -> Int? {
        let needle = Array(#""name":"w-"#.utf8)
        guard line.count > needle.count else { return nil }
        var i = line.startIndex
        while i + needle.count <= line.endIndex {
            if line[i..<(i + needle.count)].elementsEqual(needle) {
                var j = i + needle.count
                var value = 0
                var digits = 0
                while j < line.endIndex, line[j] >= 48, line[j] <= 57 {
                    value = value * 10 + Int(line[j] - 48)
                    digits += 1
                    j += 1
                }
                return digits > 0 && j < line.endIndex && line[j] == UInt8(ascii: "\"") ? value : nil
            }
            i += 1
        }
        return nil
    }

    private func cleanUp(_ namespaces: [String], tls: NIOSSLContext, group: any EventLoopGroup) async {
        _ = try? await BenchConnection.with(target, tls: tls, group: group) { connection in
            for namespace in namespaces {
                _ = try await connection.request(.DELETE, "/api/v1/namespaces/\(namespace)")
            }
        }
    }

    /// The server's RSS once the allocator has settled (median of a few readings).
}

/// The CPU time (user + system) a process has used so far, in seconds (`/proc/PID/stat`).
func cpuSeconds(pid: Int32) -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")")
    else { return nil }
    // After "pid (comm)": state is field 3, utime and stime are fields 14 and 15.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    return (user + system) / ticks
}

/// The median of five RSS readings of `pid` taken 200 ms apart, in MiB.
func settledRSS(_ pid: Int32, field: String = "VmRSS") -> Double {
    var readings: [Double] = []
    for _ in 0..<5 {
        usleep(200_000)
        readings.append(residentSetMB(pid: pid, field: field))
    }
    return percentile(readings, 0.5)
}

/// A ConfigMap of about 300 bytes.
func configMap(name: String) -> [UInt8] {
    Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)","labels":{"app":"bench","tier":"load"}},"data":{"key":"\#(String(repeating: "v", count: 200))"}}"#.utf8)
}

/// A pod with one container, roughly what a small Deployment makes (about 700 bytes).
func pod(name: String) -> [UInt8] {
    Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)","labels":{"app":"bench","pod-template-hash":"5d4f8c7b9"},"annotations":{"bench/note":"list"}},"spec":{"containers":[{"name":"app","image":"registry.example/app:1.2.3","args":["--port=8080","--verbose"],"ports":[{"containerPort":8080,"protocol":"TCP"}],"env":[{"name":"MODE","value":"bench"}],"resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"memory":"128Mi"}},"readinessProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":5}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"nodeName":"node-\#(name.count % 7)"}}"#.utf8)
}

/// A value that concurrent tasks share behind a lock.
final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { storage.withLock { body(&$0) } }
}
