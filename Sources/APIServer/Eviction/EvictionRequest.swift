import HTTPTypes
import KubeAPI

/// An `Eviction` body (`policy/v1` or `policy/v1beta1`) read off a request: the pod's name and
/// the delete options to apply, with the request's and the body's `dryRun` merged.
struct EvictionRequest: Sendable {
    /// The pod to evict.
    var name: String
    /// `deleteOptions` of the body.
    var options: DeleteOptions
    /// Whether nothing is to be written (`dryRun=All` on the URL or in `deleteOptions`).
    var dryRun: Bool

    /// The versions whose `Eviction` the subresource accepts.
    static let acceptedVersions = ["policy/v1", "policy/v1beta1"]

    /// Reads the body of `request`, whose URL names `urlName` in `namespace`.
    ///
    /// - Throws: 415 for a body that is not JSON, 400 for a malformed body, another kind or
    ///   version, a name or namespace that differs from the URL's, or an unsupported `dryRun`.
    init(_ request: APIRequest, urlName: String, namespace: String) throws {
        let type = ResourceHandler.mediaType(request.headers[.contentType])
        guard type.isEmpty || type == "application/json" || type == "*/*" else {
            throw StatusError.unsupportedMediaType(acceptedMediaTypes: ["application/json", "application/vnd.kubernetes.protobuf"])
        }
        let body: JSONValue
        do { body = try JSONValue(parsing: request.body) } catch {
            throw StatusError.badRequest("error decoding request body: \(error)")
        }
        guard body.objectValue != nil else { throw StatusError.badRequest("error decoding request body: the object must be a JSON object") }
        let kind = body["kind"]?.stringValue ?? ""
        let apiVersion = body["apiVersion"]?.stringValue ?? ""
        if !kind.isEmpty && kind != "Eviction" || !apiVersion.isEmpty && !Self.acceptedVersions.contains(apiVersion) {
            throw StatusError.badRequest("the body of the request must be a policy/v1 or policy/v1beta1 Eviction, not \(apiVersion) \(kind)")
        }
        let bodyNamespace = body.metadataString("namespace")
        if !bodyNamespace.isEmpty && bodyNamespace != namespace {
            throw StatusError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        name = body.metadataString("name")
        if name != urlName {
            throw StatusError.badRequest("name in URL does not match name in Eviction object")
        }
        var options = DeleteOptions()
        var bodyDryRun: [String] = []
        if let delete = body["deleteOptions"], delete.objectValue != nil {
            options.gracePeriodSeconds = delete["gracePeriodSeconds"]?.intValue
            options.propagationPolicy = delete["propagationPolicy"]?.stringValue
            options.orphanDependents = delete["orphanDependents"]?.boolValue
            options.preconditionUID = delete[path: "preconditions", "uid"]?.stringValue
            options.preconditionResourceVersion = delete[path: "preconditions", "resourceVersion"]?.stringValue
            bodyDryRun = (delete["dryRun"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        self.options = options
        let queryDryRun = request.query.filter { $0.name == "dryRun" }.map(\.value)
        for value in queryDryRun + bodyDryRun where value != "All" {
            throw StatusError.badRequest("dryRun: Unsupported value: \"\(value)\": supported values: \"All\"")
        }
        if !queryDryRun.isEmpty && !bodyDryRun.isEmpty && queryDryRun != bodyDryRun {
            throw StatusError.badRequest("Non-matching dry-run options in request and content: \(queryDryRun) and \(bodyDryRun)")
        }
        dryRun = !(queryDryRun + bodyDryRun).isEmpty
    }
}
