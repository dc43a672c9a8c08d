import HTTPTypes
import KubeAPI

/// Building response bodies from already encoded objects.
enum ResponseEncoding {
    /// A JSON response. The body ends with a newline, as upstream's encoder writes it (clients
    /// compare error texts byte for byte).
    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> APIResponse {
        var headers = extra
        headers[.contentType] = "application/json"
        return APIResponse(status: status, headers: headers, body: .bytes(terminated(bytes)))
    }

    /// A JSON value as a response body: compact, ending with a newline.
    static func document(_ value: JSONValue, escapingHTML: Bool = true) -> [UInt8] {
        terminated(value.serialized(escapingHTML: escapingHTML))
    }

    /// `bytes` with a final newline (unchanged when it has one).
    static func terminated(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.last != UInt8(ascii: "\n") else { return bytes }
        var out = bytes
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// A `Status` failure response.
    static func failure(_ error: StatusError) -> APIResponse {
        json(error.statusJSON().serialized(), status: HTTPResponse.Status(code: error.code))
    }

    /// `{"kind":"<ListKind>","apiVersion":"..","metadata":{..},"items":[<bytes>,...]}` built by
    /// concatenating each object's cached bytes.
    static func list(kind: String, apiVersion: String, metadata: JSONValue, objects: [CachedObject]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(objects.reduce(128) { $0 + $1.bytes.count + 1 })
        out.append(contentsOf: #"{"kind":"#.utf8)
        out.append(contentsOf: JSONValue.string(kind).serialized())
        out.append(contentsOf: #","apiVersion":"#.utf8)
        out.append(contentsOf: JSONValue.string(apiVersion).serialized())
        out.append(contentsOf: #","metadata":"#.utf8)
        out.append(contentsOf: metadata.serialized())
        out.append(contentsOf: #","items":["#.utf8)
        for (index, object) in objects.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: object.bytes)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    /// The list `metadata`.
    static func listMetadata(revision: Int64, continueToken: String?, remaining: Int?) -> JSONValue {
        var meta: JSONValue = ["resourceVersion": .string(String(revision))]
        if let continueToken { meta.setMember("continue", .string(continueToken)) }
        if let remaining, continueToken != nil { meta.setMember("remainingItemCount", .int(Int64(remaining))) }
        return meta
    }

    /// One watch event line: `{"type":"ADDED","object":{...}}\n`.
    static func watchLine(type: String, object: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(object.count + 32)
        out.append(contentsOf: #"{"type":""#.utf8)
        out.append(contentsOf: type.utf8)
        out.append(contentsOf: #"","object":"#.utf8)
        out.append(contentsOf: object)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// A successful-delete `Status`.
    static func deleteSuccess(name: String, group: String, resource: String, uid: String) -> [UInt8] {
        var details: JSONValue = ["name": .string(name)]
        if !group.isEmpty { details.setMember("group", .string(group)) }
        details.setMember("kind", .string(resource))
        if !uid.isEmpty { details.setMember("uid", .string(uid)) }
        let status: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Success", "details": details,
        ]
        return status.serialized()
    }
}
