import KubeAPI
import NIOHTTP1

/// A complete response: status, headers and body.
struct KubeletResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: [UInt8]

    /// A `Status` object for `error`, with its code.
    static func status(_ error: StatusError) -> KubeletResponse {
        KubeletResponse(
            status: HTTPResponseStatus(statusCode: error.code),
            headers: ["content-type": "application/json"],
            body: error.statusJSON().serialized())
    }

    /// A JSON body.
    static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok) -> KubeletResponse {
        KubeletResponse(status: status, headers: ["content-type": "application/json"], body: value.serialized(escapingHTML: false))
    }

    /// A plain-text body.
    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8") -> KubeletResponse {
        KubeletResponse(status: .ok, headers: ["content-type": contentType], body: Array(text.utf8))
    }
}
