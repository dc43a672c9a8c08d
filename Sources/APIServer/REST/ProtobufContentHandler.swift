import HTTPTypes
import KubeAPI

/// Serves the Kubernetes protobuf encoding (`application/vnd.kubernetes.protobuf`) in front of
/// handlers that speak JSON.
///
/// - A request body with `Content-Type: application/vnd.kubernetes.protobuf` is decoded to JSON
///   and passed on as `application/json`; a body that does not decode is answered 400.
/// - When the client prefers protobuf (its `Accept` lists the protobuf type before any JSON type,
///   or lists no JSON type) a plain `application/json` response whose object has a protobuf form
///   is re-encoded as protobuf, errors (`Status`) included. Table responses and other JSON with
///   media type parameters (`as=Table`, aggregated discovery) stay JSON, and so do kinds without
///   a protobuf form (custom resources), which clients accepting `*/*` read as JSON.
/// - A watch of a built-in resource whose kind has a protobuf form is streamed as
///   `application/vnd.kubernetes.protobuf;stream=watch` length-prefixed frames.
public struct ProtobufContentHandler: APIHandler {
    /// The handler that speaks JSON.
    public var next: any APIHandler

    /// Wraps `next`.
    public init(next: any APIHandler) {
        self.next = next
    }

    /// Transcodes the request body and the response as described on the type.
    public func handle(_ request: APIRequest) async -> APIResponse {
        let protobufResponse = Self.prefersProtobuf(request.headers[.accept])
        var request = request
        if Self.mediaType(request.headers[.contentType]) == KubernetesProtobuf.mediaType {
            do {
                let object = try KubernetesProtobuf.decode(request.body)
                request.body = object.serialized(escapingHTML: false)
                request.headers[.contentType] = "application/json"
            } catch {
                let status = StatusError.badRequest("error decoding request body: \(error)")
                return Self.transcode(ResponseEncoding.failure(status), protobuf: protobufResponse)
            }
        }
        let response = await next.handle(request)
        guard protobufResponse else { return response }
        switch response.body {
        case .stream, .watch: return Self.transcodeWatch(response, request: request)
        case .bytes: break
        }
        return Self.transcode(response, protobuf: true)
    }

    /// The media type of a header value, lower-cased, without parameters.
    static func mediaType(_ value: String?) -> String {
        guard let value else { return "" }
        let type = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return type.trimmingSpaces().lowercased()
    }

    /// Whether an `Accept` header prefers protobuf: the protobuf type (without `as=`) comes
    /// before every JSON-compatible type (`application/json`, `application/*`, `*/*`).
    static func prefersProtobuf(_ accept: String?) -> Bool {
        guard let accept else { return false }
        for range in MediaRange.ranges(of: accept) {
            if range.type == KubernetesProtobuf.mediaType {
                if range.parameters["as"] != nil { continue }
                return true
            }
            if range.admitsJSON { return false }
        }
        return false
    }

    /// Re-encodes a complete `application/json` response as protobuf when its object has a
    /// protobuf form; anything else is returned unchanged.
    static func transcode(_ response: APIResponse, protobuf: Bool) -> APIResponse {
        guard protobuf, case .bytes(let body) = response.body,
              response.headers[.contentType]?.trimmingSpaces().lowercased() == "application/json",
              let object = try? JSONValue(parsing: body),
              let encoded = try? KubernetesProtobuf.encode(object)
        else { return response }
        var transcoded = response
        transcoded.headers[.contentType] = KubernetesProtobuf.mediaType
        transcoded.body = .bytes(encoded)
        return transcoded
    }

    /// Re-frames a JSON watch stream (`{"type":..,"object":..}` lines) as protobuf frames when
    /// the watched kind has a protobuf form.
    static func transcodeWatch(_ response: APIResponse, request: APIRequest) -> APIResponse {
        guard mediaType(response.headers[.contentType]) == "application/json" else { return response }
        let info = RequestInfo(method: request.method, path: request.path, query: request.query)
        guard info.isResourceRequest,
              let descriptor = ResourceDescriptor.builtin.first(where: {
                  $0.group == info.apiGroup && $0.version == info.apiVersion && $0.resource == info.resource
              }),
              KubernetesProtobuf.supports(apiVersion: descriptor.apiVersion, kind: descriptor.kind),
              let lines = response.body.chunkStream()
        else { return response }
        let (frames, continuation) = AsyncStream<[UInt8]>.makeStream()
        let forwarder = Task {
            var pending: [UInt8] = []
            for await chunk in lines {
                pending += chunk
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    guard let event = try? JSONValue(parsing: line),
                          let type = event["type"]?.stringValue, let object = event["object"],
                          let frame = try? KubernetesProtobuf.watchFrame(type: type, object: object)
                    else { continue }
                    continuation.yield(frame)
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in forwarder.cancel() }
        var transcoded = response
        transcoded.headers[.contentType] = KubernetesProtobuf.watchMediaType
        transcoded.body = .stream(frames)
        return transcoded
    }
}
