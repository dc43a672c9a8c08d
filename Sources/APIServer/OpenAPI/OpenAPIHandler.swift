import HTTPTypes
import KubeAPI

/// Serves `/openapi/v2`, `/openapi/v3` and `/openapi/v3/<group-version path>` from an
/// ``OpenAPIService``.
///
/// Only JSON is offered: a request for `/openapi/v2` that accepts nothing but the protobuf
/// encoding gets 406 Not Acceptable.
public struct OpenAPIHandler: APIHandler {
    /// The document source.
    public let service: OpenAPIService

    /// Creates the handler.
    public init(service: OpenAPIService) {
        self.service = service
    }

    /// Whether `path` is `/openapi/v2`, `/openapi/v3` or below `/openapi/v3/`.
    public static func handles(path: String) -> Bool {
        path == "/openapi/v2" || path == "/openapi/v3" || path == "/openapi/v3/" || path.hasPrefix("/openapi/v3/")
    }

    /// Answers an OpenAPI request; unknown documents get a 404 `Status`.
    public func handle(_ request: APIRequest) async -> APIResponse {
        guard request.method == .get || request.method == .head else {
            return DiscoveryHandler.status(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
        }
        let accept = request.headers[.accept] ?? ""
        guard Self.acceptsJSON(accept) else {
            return DiscoveryHandler.status(code: 406, reason: "NotAcceptable", message: "only application/json is supported for OpenAPI documents")
        }
        let path = request.path
        let bytes: [UInt8]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if path == "/openapi/v2" {
            bytes = service.v2Document()
        } else if path == "/openapi/v3" || path == "/openapi/v3/" {
            bytes = service.v3Index()
        } else if let document = service.v3Document(path: String(path.dropFirst("/openapi/v3/".count))) {
            bytes = document.bytes
            headers[.eTag] = "\"\(document.hash)\""
            if request.queryValue("hash") == document.hash {
                headers[.cacheControl] = "public, immutable"
            }
            if request.headers[.ifNoneMatch] == "\"\(document.hash)\"" {
                return APIResponse(status: .notModified, headers: headers)
            }
        } else {
            return DiscoveryHandler.status(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        return APIResponse(status: .ok, headers: headers, body: .bytes(request.method == .head ? [] : bytes))
    }

    /// Whether an `Accept` header admits JSON (absent, `*/*`, `application/*` or `application/json`).
    public static func acceptsJSON(_ accept: String) -> Bool {
        let ranges = MediaRange.ranges(of: accept)
        return ranges.isEmpty || ranges.contains(where: \.admitsJSON)
    }
}
