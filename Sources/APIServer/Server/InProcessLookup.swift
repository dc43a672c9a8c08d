import KubeAPI
import Synchronization

/// Reads objects straight from the REST handler, bypassing authentication: what the token
/// authenticators need to check that a service account (or bound pod) still exists.
final class InProcessLookup: Sendable {
    let handler: Mutex<ResourceHandler?> = Mutex(nil)

    init() {}

    /// The object at `path`, or `nil` when it does not exist.
    func object(path: String) async throws -> JSONValue? {
        guard let handler = handler.withLock({ $0 }) else { return nil }
        let response = await handler.handle(APIRequest(method: .get, path: path))
        guard case .bytes(let bytes) = response.body else { return nil }
        switch response.status.code {
        case 200: return try JSONValue(parsing: bytes)
        case 404: return nil
        default:
            throw StatusError(code: response.status.code, reason: .internalError, message: String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The items of the list at `path` with `query` (a field or label selector, ...).
    func list(path: String, query: [(name: String, value: String)]) async throws -> [JSONValue] {
        guard let handler = handler.withLock({ $0 }) else { return [] }
        let response = await handler.handle(APIRequest(method: .get, path: path, query: query))
        guard case .bytes(let bytes) = response.body else { return [] }
        guard response.status.code == 200 else {
            throw StatusError(code: response.status.code, reason: .internalError, message: String(decoding: bytes, as: UTF8.self))
        }
        return try JSONValue(parsing: bytes)["items"]?.arrayValue ?? []
    }

    /// The `metadata.uid` of the object at `path`.
    func uid(path: String) async throws -> String? {
        try await object(path: path)?[path: "metadata", "uid"]?.stringValue
    }
}
