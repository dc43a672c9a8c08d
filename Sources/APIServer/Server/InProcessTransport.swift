import HTTPTypes
import KubeClient

/// A ``KubeTransport`` straight into the API server's handler chain: no sockets, no TLS, no
/// authentication step. Requests run as the given user through the same authorization,
/// admission and storage as a remote client's.
public struct InProcessTransport: KubeTransport {
    /// The authorization-and-routing chain requests enter.
    let handler: any APIHandler
    /// Who the requests run as.
    public let user: UserInfo

    /// Creates a transport into `handler` (``KubeAPIServer/authorizedHandler``) as `user`.
    public init(handler: any APIHandler, user: UserInfo) {
        self.handler = handler
        self.user = user
    }

    /// Answers the request in-process.
    public func send(_ request: KubeRequest) async throws -> KubeResponse {
        let response = await handler.handle(apiRequest(request))
        var body: [UInt8] = []
        if case .bytes(let bytes) = response.body {
            body = bytes
        } else if let chunks = response.body.chunkStream() {
            for await chunk in chunks { body += chunk }
        }
        return KubeResponse(status: response.status.code, headers: headers(response.headers), body: body)
    }

    /// Answers the request in-process, streaming the body.
    public func stream(_ request: KubeRequest) async throws -> KubeStreamResponse {
        let response = await handler.handle(apiRequest(request))
        let body: AsyncThrowingStream<[UInt8], any Error>
        if case .bytes(let bytes) = response.body {
            body = AsyncThrowingStream { continuation in
                continuation.yield(bytes)
                continuation.finish()
            }
        } else if let chunks = response.body.chunkStream() {
            body = AsyncThrowingStream { continuation in
                let task = Task {
                    for await chunk in chunks { continuation.yield(chunk) }
                    continuation.finish()
                }
                continuation.onTermination = { _ in task.cancel() }
            }
        } else {
            body = AsyncThrowingStream { $0.finish() }
        }
        return KubeStreamResponse(status: response.status.code, headers: headers(response.headers), body: body)
    }

    private func apiRequest(_ request: KubeRequest) -> APIRequest {
        var fields = HTTPFields()
        for (name, value) in request.headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        let method: HTTPRequest.Method = switch request.method {
        case .get: .get
        case .post: .post
        case .put: .put
        case .patch: .patch
        case .delete: .delete
        }
        return APIRequest(
            method: method, path: request.path, query: request.query, headers: fields, body: request.body,
            user: user, remoteAddress: "in-process")
    }

    private func headers(_ fields: HTTPFields) -> [(name: String, value: String)] {
        fields.map { ($0.name.canonicalName, $0.value) }
    }
}
