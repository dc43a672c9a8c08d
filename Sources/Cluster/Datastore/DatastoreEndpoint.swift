import KubeAPI

/// Where the server keeps cluster state, parsed from `--datastore-endpoint`.
///
/// Accepted forms: empty (the default SQLite file under the data directory), `memory://`
/// (in-memory, lost on exit), `sqlite://PATH` or `sqlite:PATH`, or a plain file path.
public enum DatastoreEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// A SQLite database file.
    case sqlite(path: String)
    /// An in-memory store; state is lost when the process exits.
    case memory

    /// Why an endpoint string was refused.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The endpoint as given.
        public var endpoint: String
        /// What is wrong with it.
        public var reason: String
        public var description: String { "invalid --datastore-endpoint \"\(endpoint)\": \(reason)" }
    }

    /// Parses an endpoint; `dataDir` supplies the default SQLite location
    /// (`DATA_DIR/server/db/state.db`) when `endpoint` is empty.
    public init(parsing endpoint: String, dataDir: String) throws(ParseError) {
        let trimmed = endpoint.trimmingSpaces()
        if trimmed.isEmpty {
            self = .sqlite(path: Self.defaultSQLitePath(dataDir: dataDir))
            return
        }
        if trimmed == "memory://" || trimmed == "memory:" || trimmed == "memory" {
            self = .memory
            return
        }
        for scheme in ["sqlite://", "sqlite:"] where trimmed.hasPrefix(scheme) {
            var path = String(trimmed.dropFirst(scheme.count))
            if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
            guard !path.isEmpty else {
                throw ParseError(endpoint: endpoint, reason: "a sqlite endpoint needs a file path, as in sqlite:///var/lib/k3s/state.db")
            }
            self = .sqlite(path: path)
            return
        }
        if let scheme = trimmed.schemeBeforeSeparator() {
            throw ParseError(
                endpoint: endpoint,
                reason: "the \"\(scheme)\" datastore is not supported yet; use a SQLite path or memory://"
            )
        }
        self = .sqlite(path: trimmed)
    }

    /// The default SQLite database file for a data directory.
    public static func defaultSQLitePath(dataDir: String) -> String {
        let base = dataDir.hasSuffix("/") ? String(dataDir.dropLast()) : dataDir
        return "\(base)/server/db/state.db"
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite://\(path)"
        case .memory: return "memory://"
        }
    }
}

extension String {
    /// The text before the first `://`, if there is one.
    func schemeBeforeSeparator() -> Substring? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix("://") { return self[..<index] }
            index = self.index(after: index)
        }
        return nil
    }
}
