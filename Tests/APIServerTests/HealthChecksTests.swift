import Crypto
import Datastore
import KubeAPI
import Logging
import Synchronization
import Testing
@testable import APIServer

/// A datastore that fails (or hangs) on demand: reads and writes throw `io` (or wait until
/// cancelled) while `mode` says so; watches already open keep running.
final class FaultyDatastore: Datastore {
    enum Mode { case healthy, failing, hanging }
    let base = InMemoryDatastore()
    let mode = Mutex(Mode.healthy)

    var keyPrefix: String { base.keyPrefix }

    private func check() async throws {
        switch mode.withLock({ $0 }) {
        case .healthy: return
        case .failing: throw DatastoreError.io(detail: "disk on fire")
        case .hanging:
            // Suspends until the caller gives up (the health check cancels it at its deadline).
            try await Task.sleep(for: .seconds(3600))
        }
    }

    func create(key: String, value: [UInt8]) async throws -> Int64 {
        try await check()
        return try await base.create(key: key, value: value)
    }
    func update(key: String, value: [UInt8], expectedRevision: Int64) async throws -> Int64 {
        try await check()
        return try await base.update(key: key, value: value, expectedRevision: expectedRevision)
    }
    func delete(key: String, expectedRevision: Int64?) async throws -> (revision: Int64, deleted: KeyValue) {
        try await check()
        return try await base.delete(key: key, expectedRevision: expectedRevision)
    }
    func get(key: String, revision: Int64?) async throws -> KeyValue? {
        try await check()
        return try await base.get(key: key, revision: revision)
    }
    func list(prefix: String, revision: Int64?, limit: Int?, continueToken: String?) async throws -> ListResult {
        try await check()
        return try await base.list(prefix: prefix, revision: revision, limit: limit, continueToken: continueToken)
    }
    func count(prefix: String) async throws -> Int {
        try await check()
        return try await base.count(prefix: prefix)
    }
    func watch(prefix: String, fromRevision revision: Int64) async throws -> WatchStream {
        try await base.watch(prefix: prefix, fromRevision: revision)
    }
    func compact(upTo revision: Int64) async throws { try await base.compact(upTo: revision) }
    var currentRevision: Int64 { get async throws { try await base.currentRevision } }
    var compactedRevision: Int64 { get async throws { try await base.compactedRevision } }
    func close() async throws { try await base.close() }
}

@Suite("Health checks")
struct HealthChecksTests {
    private func text(_ response: APIResponse?) -> String? {
        guard case .bytes(let bytes)? = response?.body else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func get(_ server: KubeAPIServer, _ target: String) async throws -> APIResponse? {
        let parsed = try #require(RequestTarget(target))
        return await server.system.respond(to: APIRequest(method: .get, path: parsed.path, query: parsed.query))
    }

    @Test("a server lists ping, log, etcd and informer-sync, and a failing datastore turns /livez and /readyz red naming etcd")
    func failingDatastore() async throws {
        let datastore = FaultyDatastore()
        let server = try KubeAPIServer(
            configuration: .init(host: "127.0.0.1", port: 0, tls: nil, serviceAccountKey: .es256(P256.Signing.PrivateKey())),
            datastore: datastore, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await server.run() }
        defer {
            server.shutdown()
            task.cancel()
        }
        await server.waitUntilReady()

        let ready = try await get(server, "/readyz?verbose")
        #expect(ready?.status == .ok)
        #expect(text(ready) == "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]informer-sync ok\n[+]registry-loaded ok\nreadyz check passed\n")
        let live = try await get(server, "/livez?verbose")
        #expect(text(live) == "[+]ping ok\n[+]log ok\n[+]etcd ok\nlivez check passed\n")
        #expect(text(try await get(server, "/healthz")) == "ok")

        datastore.mode.withLock { $0 = .failing }
        for probe in ["readyz", "livez", "healthz"] {
            let response = try await get(server, "/\(probe)")
            #expect(response?.status == .internalServerError, "\(probe)")
            #expect(text(response)?.contains("[-]etcd failed: reason withheld\n") == true, "\(probe): \(text(response) ?? "")")
            #expect(text(response)?.hasSuffix("\(probe) check failed\n") == true)
        }
        #expect(try await get(server, "/readyz/etcd")?.status == .internalServerError)
        #expect(try await get(server, "/livez/etcd")?.status == .internalServerError)
        #expect(try await get(server, "/livez/ping")?.status == .ok)
        let excluded = try await get(server, "/readyz?exclude=etcd")
        #expect(excluded?.status == .ok, "\(text(excluded) ?? "")")

        datastore.mode.withLock { $0 = .healthy }
        #expect(try await get(server, "/readyz")?.status == .ok)
        #expect(text(try await get(server, "/readyz/etcd")) == "ok")
    }

    @Test("a datastore that does not answer fails the etcd check at its deadline")
    func hangingDatastore() async throws {
        let datastore = FaultyDatastore()
        let check = HealthCheck.datastore(datastore, deadline: .milliseconds(50))
        #expect(check.name == "etcd")
        #expect(await check.check())
        datastore.mode.withLock { $0 = .hanging }
        #expect(await check.check() == false)
        datastore.mode.withLock { $0 = .failing }
        #expect(await check.check() == false)
    }

    @Test("informer-sync follows the watch cache: red before it loads and after it stops")
    func informerSync() async throws {
        let registry = ResourceRegistry(datastore: InMemoryDatastore())
        let check = HealthCheck.informerSync(registry.cache)
        #expect(check.probes == [.readyz])
        #expect(await check.check() == false)
        try await registry.start()
        #expect(await check.check())
        registry.stop()
        #expect(await check.check() == false)
    }

    @Test("the log check passes when logging returns")
    func logCheck() async {
        let check = HealthCheck.log(Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(check.name == "log")
        #expect(await check.check())
    }
}
