extension HTTPSTransport: KubeTransport {
    /// Sends `request` on a pooled keep-alive connection and returns the whole response,
    /// retrying per ``Configuration/retry``.
    ///
    /// - Throws: ``HTTPSTransportError`` when no response could be obtained.
    public func send(_ request: KubeRequest) async throws -> KubeResponse {
        let raw = try await perform(
            method: request.method.rawValue, path: request.path, query: request.query, headers: request.headers, body: request.body)
        return KubeResponse(status: raw.status, headers: raw.headers, body: raw.body)
    }

    /// Sends `request` on a connection of its own and returns once the response head arrives;
    /// the connection closes when the body ends or its iteration is cancelled.
    ///
    /// - Throws: ``HTTPSTransportError`` when no response head could be obtained.
    public func stream(_ request: KubeRequest) async throws -> KubeStreamResponse {
        let raw = try await performStream(
            method: request.method.rawValue, path: request.path, query: request.query, headers: request.headers, body: request.body)
        return KubeStreamResponse(status: raw.status, headers: raw.headers, body: raw.body)
    }
}
