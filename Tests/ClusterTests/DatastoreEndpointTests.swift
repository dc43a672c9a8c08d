import Testing
@testable import Cluster

@Suite struct DatastoreEndpointTests {
    @Test(arguments: [
        ("", DatastoreEndpoint.sqlite(path: "/data/server/db/state.db")),
        ("  ", .sqlite(path: "/data/server/db/state.db")),
        ("memory://", .memory),
        ("sqlite:///tmp/x.db", .sqlite(path: "/tmp/x.db")),
        ("sqlite:/tmp/y.db?_journal=WAL", .sqlite(path: "/tmp/y.db")),
        ("/srv/state.db", .sqlite(path: "/srv/state.db")),
    ])
    func parses(text: String, expected: DatastoreEndpoint) throws {
        #expect(try DatastoreEndpoint(parsing: text, dataDir: "/data/") == expected)
    }

    @Test(arguments: ["postgres://user@host/db", "etcd://127.0.0.1:2379", "sqlite://"])
    func refusesUnsupported(text: String) {
        #expect(throws: DatastoreEndpoint.ParseError.self) {
            try DatastoreEndpoint(parsing: text, dataDir: "/data")
        }
    }

    @Test func unsupportedSchemeMessageNamesIt() {
        do {
            _ = try DatastoreEndpoint(parsing: "postgres://h/db", dataDir: "/d")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("\"postgres\""))
        }
    }

    @Test func defaultConfigurationUsesK3sDataDir() {
        let config = ServerConfiguration()
        #expect(config.dataDir == "/var/lib/rancher/k3s")
        #expect(config.datastore == .sqlite(path: "/var/lib/rancher/k3s/server/db/state.db"))
    }
}
