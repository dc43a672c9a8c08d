import Datastore
import Testing

/// The behaviour every `Datastore` must show, as named cases a test target runs against each
/// implementation:
///
/// ```swift
/// @Test(arguments: DatastoreConformance.caseNames)
/// func conformance(name: String) async throws {
///     try await DatastoreConformance.run(name) { InMemoryDatastore() }
/// }
/// ```
///
/// Each case gets a fresh, empty store from the factory and closes it afterwards. Failures are
/// recorded with `#expect`; waiting for watch events is bounded by deadlines.
public enum DatastoreConformance {
    /// Makes a fresh, empty store.
    public typealias StoreFactory = @Sendable () async throws -> any Datastore

    typealias Case = @Sendable (any Datastore) async throws -> Void

    /// The names of every case, in a stable order.
    public static var caseNames: [String] {
        cases.map(\.name)
    }

    static let cases: [(name: String, body: Case)] =
        basicCases + readCases + validationCases + watchCases + compactionCases + pagingCases + concurrencyCases + modelCases

    /// Runs the case called `name` against a fresh store from `makeStore`, closing it afterwards.
    ///
    /// - Throws: whatever the case throws (including ``DeadlineExceeded``), or
    ///   ``UnknownCase`` for a name not in ``caseNames``.
    public static func run(_ name: String, makeStore: StoreFactory) async throws {
        guard let body = cases.first(where: { $0.name == name })?.body else {
            throw UnknownCase(name: name)
        }
        let store = try await makeStore()
        do {
            try await body(store)
        } catch {
            try? await store.close()
            throw error
        }
        try? await store.close()
    }

    /// ``run(_:makeStore:)`` was given a name that is not a case.
    public struct UnknownCase: Error, CustomStringConvertible {
        /// The name asked for.
        public var name: String
        /// A readable message.
        public var description: String { "no datastore conformance case named \"\(name)\"" }
    }
}

// MARK: - Helpers shared by the cases

extension DatastoreConformance {
    static func bytes(_ string: String) -> [UInt8] {
        Array(string.utf8)
    }

    /// Runs `body` and checks that it throws a `DatastoreError` accepted by `matches`.
    static func expectError<T>(
        _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> T,
        matches: (DatastoreError) -> Bool
    ) async {
        do {
            let result = try await body()
            Issue.record("\(what): expected an error, got \(result)", sourceLocation: sourceLocation)
        } catch let error as DatastoreError {
            if !matches(error) {
                Issue.record("\(what): unexpected error \(error)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("\(what): expected a DatastoreError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Runs `body` and checks that it throws exactly `expected`.
    static func expectError<T>(
        _ expected: DatastoreError,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> T
    ) async {
        await expectError("expecting \(expected)", sourceLocation: sourceLocation, body) { $0 == expected }
    }

    static func isInvalidKey(_ error: DatastoreError) -> Bool {
        if case .invalidKey = error { return true }
        return false
    }

    static func isInvalidContinueToken(_ error: DatastoreError) -> Bool {
        if case .invalidContinueToken = error { return true }
        return false
    }

    /// Lists every key under `prefix` following continue tokens, `pageSize` at a time.
    static func listAll(_ store: any Datastore, prefix: String, revision: Int64? = nil, pageSize: Int) async throws -> (items: [KeyValue], pages: [ListResult]) {
        var pages: [ListResult] = []
        var token: String?
        repeat {
            let page = try await store.list(prefix: prefix, revision: pages.isEmpty ? revision : nil, limit: pageSize, continueToken: token)
            pages.append(page)
            token = page.continueToken
        } while token != nil && pages.count < 100_000
        return (pages.flatMap(\.items), pages)
    }

    /// `keys` sorted by their UTF-8 bytes.
    static func byteSorted(_ keys: [String]) -> [String] {
        keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
