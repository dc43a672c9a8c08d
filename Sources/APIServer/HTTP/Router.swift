import HTTPTypes
import KubeAPI

/// A handler for part of the URL space: it answers the requests it owns and returns `nil` for
/// the rest, so an ``APIRouter`` can try the next one.
public protocol APIRoute: Sendable {
    /// The response to `request`, or `nil` when the request is not this route's. Never throws:
    /// a failure on an owned request is a response (a Kubernetes `Status`).
    func respond(to request: APIRequest) async -> APIResponse?
}

/// An ``APIHandler`` that tries routes in order and hands a request no route answers to a
/// fallback (by default a 404 `Status`, as the API server answers unknown paths).
public struct APIRouter: APIHandler {
    /// One entry: a route, optionally only tried for paths under some prefixes.
    public struct Entry: Sendable {
        /// Path prefixes the route is tried for (`/healthz` matches `/healthz` and
        /// `/healthz/ping` but not `/healthzz`); empty means every path.
        public var prefixes: [String]
        /// The route.
        public var route: any APIRoute

        /// Creates an entry.
        public init(prefixes: [String] = [], route: any APIRoute) {
            self.prefixes = prefixes
            self.route = route
        }

        func matches(_ path: String) -> Bool {
            if prefixes.isEmpty { return true }
            for prefix in prefixes where Self.path(path, isUnder: prefix) { return true }
            return false
        }

        static func path(_ path: String, isUnder prefix: String) -> Bool {
            guard path.hasPrefix(prefix) else { return false }
            if path.utf8.count == prefix.utf8.count || prefix.hasSuffix("/") { return true }
            return path.utf8[path.utf8.index(path.utf8.startIndex, offsetBy: prefix.utf8.count)] == UInt8(ascii: "/")
        }
    }

    /// The entries, tried in order.
    public var entries: [Entry]
    /// Answers what no entry answers.
    public var fallback: any APIHandler

    /// Creates a router over entries.
    public init(_ entries: [Entry], fallback: any APIHandler = NotFoundHandler()) {
        self.entries = entries
        self.fallback = fallback
    }

    /// Creates a router that tries each route for every path.
    public init(routes: [any APIRoute], fallback: any APIHandler = NotFoundHandler()) {
        self.init(routes.map { Entry(route: $0) }, fallback: fallback)
    }

    /// Asks each matching entry in turn; the first response wins.
    public func handle(_ request: APIRequest) async -> APIResponse {
        for entry in entries where entry.matches(request.path) {
            if let response = await entry.route.respond(to: request) { return response }
        }
        return await fallback.handle(request)
    }
}

/// Answers every request with the API server's 404: a `Status` with reason `NotFound` and the
/// message `the server could not find the requested resource`.
public struct NotFoundHandler: APIHandler {
    /// Creates the handler.
    public init() {}

    /// The 404 response.
    public func handle(_ request: APIRequest) async -> APIResponse {
        Self.response
    }

    private static let response: APIResponse = {
        let error = StatusError(
            code: 404, reason: .notFound, message: "the server could not find the requested resource",
            details: StatusError.Details())
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return APIResponse(status: .notFound, headers: headers, body: .bytes(ResponseEncoding.document(error.statusJSON())))
    }()
}

/// A route made from a closure.
public struct ClosureRoute: APIRoute {
    private let body: @Sendable (APIRequest) async -> APIResponse?

    /// Creates a route that calls `body`.
    public init(_ body: @escaping @Sendable (APIRequest) async -> APIResponse?) {
        self.body = body
    }

    /// Calls the closure.
    public func respond(to request: APIRequest) async -> APIResponse? {
        await body(request)
    }
}

/// Mounts a whole ``APIHandler`` as a route: it answers every request it is asked about.
public struct HandlerRoute: APIRoute {
    /// The handler.
    public var handler: any APIHandler

    /// Wraps `handler`.
    public init(_ handler: any APIHandler) {
        self.handler = handler
    }

    /// Forwards to the handler.
    public func respond(to request: APIRequest) async -> APIResponse? {
        await handler.handle(request)
    }
}
