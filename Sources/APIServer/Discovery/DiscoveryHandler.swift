import Crypto
import HTTPTypes
import KubeAPI
import Synchronization

/// Serves API discovery: `/api`, `/apis`, `/api/v1`, `/apis/GROUP` and `/apis/GROUP/VERSION`,
/// in the legacy form and, for `/api` and `/apis`, in the aggregated form
/// (`apidiscovery.k8s.io/v2`) when the `Accept` header asks for it.
///
/// Encoded documents are cached until the catalog changes; aggregated responses carry an `ETag`
/// and answer `If-None-Match` with 304.
public struct DiscoveryHandler: APIHandler {
    /// The media type (with parameters) of aggregated discovery v2.
    public static let aggregatedMediaType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    /// The resources advertised.
    public let catalog: DiscoveryCatalog
    /// The address advertised in `/api`'s `serverAddressByClientCIDRs`.
    public let serverAddress: String?

    private final class Cache: Sendable {
        struct Document: Sendable {
            var bytes: [UInt8]
            var etag: String
        }
        struct State {
            var generation: UInt64 = 0
            var documents: [String: Document] = [:]
        }
        let state = Mutex(State())
    }

    private let cache = Cache()

    /// Creates the handler.
    public init(catalog: DiscoveryCatalog, serverAddress: String? = nil) {
        self.catalog = catalog
        self.serverAddress = serverAddress
    }

    /// Whether `path` is a discovery path this handler answers (`/api`, `/apis`, `/api/v1`,
    /// `/apis/GROUP`, `/apis/GROUP/VERSION`, with or without a trailing slash).
    public static func handles(path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let first = parts.first else { return false }
        if first == "api" { return parts.count <= 2 }
        if first == "apis" { return parts.count <= 3 }
        return false
    }

    /// Answers a discovery request; anything else under these paths gets a 404 `Status`.
    public func handle(_ request: APIRequest) async -> APIResponse {
        guard request.method == .get || request.method == .head else {
            return Self.status(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
        }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let accept = request.headers[.accept] ?? ""
        let aggregated = (parts == ["api"] || parts == ["apis"]) && Self.acceptsAggregated(accept)
        let key = (aggregated ? "agg:" : "") + parts.joined(separator: "/")

        guard let document = document(for: key, parts: parts, aggregated: aggregated) else {
            return Self.status(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        var headers = HTTPFields()
        headers[.contentType] = aggregated ? Self.aggregatedMediaType : "application/json"
        if parts == ["api"] || parts == ["apis"] {
            headers[.vary] = "Accept"
        }
        if aggregated {
            headers[.eTag] = document.etag
            if let match = request.headers[.ifNoneMatch], match == document.etag {
                return APIResponse(status: .notModified, headers: headers)
            }
        }
        return APIResponse(status: .ok, headers: headers, body: .bytes(request.method == .head ? [] : document.bytes))
    }

    private func document(for key: String, parts: [String], aggregated: Bool) -> Cache.Document? {
        let snapshot = catalog.snapshot()
        if let cached = cache.state.withLock({ state -> Cache.Document? in
            if state.generation != snapshot.generation {
                state.generation = snapshot.generation
                state.documents = [:]
            }
            return state.documents[key]
        }) {
            return cached
        }
        let documents = DiscoveryDocuments(entries: snapshot.entries, serverAddress: serverAddress)
        let value: JSONValue?
        switch (parts.first, parts.count) {
        case ("api", 1): value = aggregated ? documents.aggregated(core: true) : documents.apiVersions()
        case ("apis", 1): value = aggregated ? documents.aggregated(core: false) : documents.apiGroupList()
        case ("api", 2): value = documents.apiResourceList(group: "", version: parts[1])
        case ("apis", 2): value = documents.apiGroup(parts[1])
        case ("apis", 3): value = documents.apiResourceList(group: parts[1], version: parts[2])
        default: value = nil
        }
        guard let value else { return nil }
        let bytes = ResponseEncoding.document(value)
        let digest = SHA256.hash(data: bytes)
        let etag = "\"" + digest.prefix(16).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined() + "\""
        let document = Cache.Document(bytes: bytes, etag: etag)
        cache.state.withLock { state in
            if state.generation == snapshot.generation { state.documents[key] = document }
        }
        return document
    }

    /// Whether an `Accept` header lists aggregated discovery v2 as JSON.
    public static func acceptsAggregated(_ accept: String) -> Bool {
        MediaRange.ranges(of: accept).contains {
            $0.conversion(as: "APIGroupDiscoveryList", group: "apidiscovery.k8s.io", versions: ["v2"]) != nil
        }
    }

    /// A Kubernetes `Status` failure response.
    static func status(code: Int, reason: String, message: String) -> APIResponse {
        let body: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "reason": .string(reason), "details": [:], "code": .int(Int64(code)),
        ]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return APIResponse(status: HTTPResponse.Status(code: code), headers: headers, body: .bytes(ResponseEncoding.document(body)))
    }
}
