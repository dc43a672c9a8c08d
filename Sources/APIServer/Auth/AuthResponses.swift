import HTTPTypes
import KubeAPI

/// Builds the JSON responses of the authentication and authorization handlers.
enum AuthResponses {
    /// A `Status` response for `error`.
    static func status(_ error: StatusError) -> APIResponse {
        json(error.statusJSON(), status: HTTPResponse.Status(code: error.code))
    }

    /// A JSON response.
    static func json(_ value: JSONValue, status: HTTPResponse.Status) -> APIResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return APIResponse(status: status, headers: headers, body: .bytes(ResponseEncoding.document(value, escapingHTML: false)))
    }
}
