/// The `ProbeDialer` of hollow nodes: their pod IPs lead nowhere, so every network probe and
/// `httpGet` hook succeeds without touching the network (a hollow container is healthy).
public struct HollowProbeDialer: ProbeDialer {
    /// Creates the dialer.
    public init() {}

    /// Answers 200 with no body.
    public func httpGet(_ request: HTTPProbeRequest, timeout: Duration) async throws -> HTTPProbeResponse {
        HTTPProbeResponse(statusCode: 200)
    }

    /// Succeeds.
    public func tcpConnect(host: String, port: Int, timeout: Duration) async throws {}

    /// Answers `SERVING`.
    public func grpcHealthCheck(host: String, port: Int, service: String, timeout: Duration) async throws -> GRPCHealthAnswer {
        GRPCHealthAnswer(grpcStatus: 0, servingStatus: 1)
    }
}
