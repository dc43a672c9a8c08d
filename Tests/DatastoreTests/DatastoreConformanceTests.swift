import ClusterTesting
import Datastore
import Testing

/// The datastore implementations the conformance suite runs against.
enum DatastoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case inMemory
    case sqlite

    var testDescription: String { rawValue }

    /// A fresh, empty store of this kind; file-backed stores live in `directory`.
    func makeStore(in directory: TemporaryDirectory) async throws -> any Datastore {
        switch self {
        case .inMemory:
            return InMemoryDatastore()
        case .sqlite:
            return try SQLiteDatastore(configuration: .init(path: directory.file("state.db")))
        }
    }
}

@Suite struct DatastoreConformanceTests {
    @Test(arguments: DatastoreBackend.allCases, DatastoreConformance.caseNames)
    func conformance(backend: DatastoreBackend, name: String) async throws {
        let directory = try TemporaryDirectory("conformance")
        defer { directory.remove() }
        try await DatastoreConformance.run(name) { try await backend.makeStore(in: directory) }
    }

    @Test func unknownCaseNameIsReported() async throws {
        await #expect(throws: DatastoreConformance.UnknownCase.self) {
            try await DatastoreConformance.run("no such case") { InMemoryDatastore() }
        }
    }
}
