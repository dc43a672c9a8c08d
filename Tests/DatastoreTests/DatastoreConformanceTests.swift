import ClusterTesting
import Datastore
import Testing

/// The datastore implementations the conformance suite runs against.
enum DatastoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case inMemory

    var testDescription: String { rawValue }

    /// A fresh, empty store of this kind.
    func makeStore() async throws -> any Datastore {
        switch self {
        case .inMemory:
            return InMemoryDatastore()
        }
    }
}

@Suite struct DatastoreConformanceTests {
    @Test(arguments: DatastoreBackend.allCases, DatastoreConformance.caseNames)
    func conformance(backend: DatastoreBackend, name: String) async throws {
        try await DatastoreConformance.run(name) { try await backend.makeStore() }
    }

    @Test func unknownCaseNameIsReported() async throws {
        await #expect(throws: DatastoreConformance.UnknownCase.self) {
            try await DatastoreConformance.run("no such case") { InMemoryDatastore() }
        }
    }
}
