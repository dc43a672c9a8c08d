import HTTPTypes
import KubeAPI
import NIOCore
import NIOHTTPTypes

extension HTTPSServer {
    /// Writes the `101` head of an upgrade response and hands the connection to the upgrade;
    /// returns once the upgraded connection has ended (the connection is never reused).
    ///
    /// An upgrade is only possible on HTTP/1.1: over HTTP/2 the request is refused with 400.
    func runUpgrade(
        _ response: APIResponse,
        upgrade: any ConnectionUpgrade,
        outbound: ResponseWriter,
        channel: any Channel,
        isHTTP1: Bool
    ) async throws -> Bool {
        guard isHTTP1, response.status.code == 101 else {
            upgrade.abandon()
            let error = StatusError.badRequest("connection upgrades need HTTP/1.1")
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            let refusal = APIResponse(
                status: HTTPResponse.Status(code: error.code), headers: headers,
                body: .bytes(ResponseEncoding.document(error.statusJSON())))
            _ = try await write(refusal, isHead: false, outbound: outbound, channel: channel, close: isHTTP1)
            return false
        }
        var fields = response.headers
        fields[.contentLength] = nil
        fields[.transferEncoding] = nil
        do {
            try await outbound.write(.head(HTTPResponse(status: response.status, headerFields: fields)))
        } catch {
            upgrade.abandon()
            throw error
        }
        // The head's write is queued on the channel's event loop before the upgrade installs its
        // handler there, so it reaches the client before any relayed byte.
        await upgrade.takeOver(channel)
        return false
    }
}
