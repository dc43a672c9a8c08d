import HTTPTypes
import KubeAPI

extension ResourceHandler {
    /// The media types request bodies may use.
    static let bodyMediaTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]

    /// The media type of a Content-Type header, lower-cased, without parameters.
    static func mediaType(_ value: String?) -> String {
        guard let value else { return "" }
        let type = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return type.trimmingSpaces().lowercased()
    }

    /// Parses a JSON body.
    ///
    /// - Throws: 415 for other media types, 400 for malformed JSON.
    func decodeJSON(_ request: APIRequest) throws -> JSONValue {
        let type = Self.mediaType(request.headers[.contentType])
        guard type.isEmpty || type == "application/json" || type == "*/*" else {
            throw StatusError.unsupportedMediaType(acceptedMediaTypes: Self.bodyMediaTypes)
        }
        do {
            return try JSONValue(parsing: request.body)
        } catch {
            throw StatusError.badRequest("error decoding request body: \(error)")
        }
    }

    /// Parses an object body and checks its `kind`/`apiVersion` against the endpoint's. As
    /// upstream, a body that leaves them out gets the endpoint's (clients such as the Python
    /// one send objects without them).
    func decodeObject(_ request: APIRequest, descriptor: ResourceDescriptor, kind: String? = nil, apiVersion: String? = nil) throws -> JSONValue {
        var body = try decodeJSON(request)
        guard body.objectValue != nil else {
            throw StatusError.badRequest("error decoding request body: the object must be a JSON object")
        }
        let expectedKind = kind ?? descriptor.kind
        let expectedVersion = apiVersion ?? descriptor.apiVersion
        for member in ["apiVersion", "kind"] {
            if let value = body[member], !value.isNull, value.stringValue == nil {
                throw StatusError.badRequest("couldn't get version/kind; json parse error: json: cannot unmarshal \(Self.goTypeName(value)) into Go struct field .\(member) of type string")
            }
        }
        var bodyKind = body["kind"]?.stringValue ?? ""
        var bodyVersion = body["apiVersion"]?.stringValue ?? ""
        if bodyKind.isEmpty || bodyVersion.isEmpty {
            guard var members = body.objectValue else { return body }
            if bodyKind.isEmpty {
                members.removeValue(forKey: "kind")
                members.updateValue(.string(expectedKind), forKey: "kind", insertingAt: 0)
                bodyKind = expectedKind
            }
            if bodyVersion.isEmpty {
                members.removeValue(forKey: "apiVersion")
                members.updateValue(.string(expectedVersion), forKey: "apiVersion", insertingAt: 0)
                bodyVersion = expectedVersion
            }
            body = .object(members)
        }
        if bodyVersion != expectedVersion {
            throw StatusError.badRequest("the API version in the data (\(bodyVersion)) does not match the expected API version (\(expectedVersion))")
        }
        if bodyKind != expectedKind {
            throw StatusError.badRequest("the kind in the data (\(bodyKind)) does not match the expected kind (\(expectedKind))")
        }
        // As decoding into upstream's types does: the fields it always writes are present.
        return CachedObject.filled(body)
    }

    /// How Go's JSON decoder names the type of a value in its errors.
    static func goTypeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "bool"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The members `ObjectMeta` has.
    static let objectMetaFields: Set<String> = Set(JSONValue.metadataOrder)

    /// Applies `fieldValidation` (default `Warn`, as upstream): returns warnings (Warn) or
    /// throws 400 (Strict) for unknown fields. Without a ``FieldValidator`` only `metadata`
    /// is checked.
    func checkFields(_ request: APIRequest, object: JSONValue, descriptor: ResourceDescriptor) throws -> [String] {
        let mode = request.queryValue("fieldValidation") ?? "Warn"
        guard ["Strict", "Warn", "Ignore"].contains(mode) else {
            throw StatusError.badRequest("fieldValidation: Unsupported value: \"\(mode)\": supported values: \"Ignore\", \"Strict\", \"Warn\"")
        }
        guard mode != "Ignore" else { return [] }
        var unknown: [String] = []
        for key in object.metadataMembers.keys where !Self.objectMetaFields.contains(key) {
            unknown.append("metadata.\(key)")
        }
        if let fieldValidator {
            unknown += fieldValidator.unknownFields(in: object, descriptor: descriptor)
        }
        var duplicates: [String] = []
        do throws(JSONParseError) {
            _ = try JSONValue(parsing: request.body, duplicateKeys: .reject)
        } catch {
            let prefix = "duplicate member name "
            if error.message.hasPrefix(prefix) { duplicates.append("duplicate field " + error.message.dropFirst(prefix.count)) }
        }
        guard !unknown.isEmpty || !duplicates.isEmpty else { return [] }
        if mode == "Strict" {
            let list = unknown.map { "unknown field \"\($0)\"" } + duplicates
            throw StatusError.badRequest(
                "\(descriptor.kind) in version \"\(descriptor.version)\" cannot be handled as a \(descriptor.kind): strict decoding error: "
                    + list.joined(separator: ", "))
        }
        return unknown.map { "unknown field \"\($0)\"" } + duplicates
    }

    /// `dryRun=All` (the only value upstream accepts).
    func dryRun(_ request: APIRequest) throws -> Bool {
        let values = request.query.filter { $0.name == "dryRun" }.map(\.value)
        for value in values where value != "All" {
            throw StatusError.badRequest("dryRun: Unsupported value: \"\(value)\": supported values: \"All\"")
        }
        return !values.isEmpty
    }

    /// What the client accepts.
    enum Representation: Equatable {
        /// The object or list itself.
        case json
        /// A `meta.k8s.io` Table of that version (`v1`, `v1beta1`).
        case table(version: String)
        /// `PartialObjectMetadata` (`list` false) or `PartialObjectMetadataList` of that
        /// `meta.k8s.io` version.
        case metadata(version: String, list: Bool)
    }

    /// The media types a 406 names.
    static let acceptableMediaTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]

    /// Chooses the representation from the Accept header: the first media range this server
    /// can produce, in the client's order, except that a Table is preferred whenever one is
    /// named and a Table convertor is installed (kubectl lists it first anyway).
    ///
    /// - Throws: 406 when nothing acceptable can be produced.
    func representation(_ request: APIRequest) throws -> Representation {
        guard let accept = request.headers[.accept], !accept.isEmpty else { return .json }
        var table: Representation?
        var first: Representation?
        let versions = PartialObjectMetadata.versions
        for range in MediaRange.ranges(of: accept) {
            var candidate: Representation?
            if range.type == "application/json", range.parameters["as"] == nil {
                candidate = .json
            } else if let version = range.conversion(as: "Table", group: "meta.k8s.io", versions: versions) {
                if table == nil { table = .table(version: version) }
            } else if let version = range.conversion(as: "PartialObjectMetadata", group: "meta.k8s.io", versions: versions) {
                candidate = .metadata(version: version, list: false)
            } else if let version = range.conversion(as: "PartialObjectMetadataList", group: "meta.k8s.io", versions: versions) {
                candidate = .metadata(version: version, list: true)
            } else if range.type == "*/*" || range.type == "application/*" {
                candidate = .json
            }
            if first == nil { first = candidate }
        }
        if let table, tableConvertor != nil { return table }
        if let first { return first }
        if let table { return table }
        throw StatusError.notAcceptable(acceptedMediaTypes: Self.acceptableMediaTypes)
    }

    /// The 406 for a metadata-only form that does not fit the response (a list asked for of
    /// one object, or one object of a list).
    static func metadataMismatch(askedList: Bool) -> StatusError {
        StatusError(
            code: 406, reason: .notAcceptable,
            message: askedList
                ? "you requested PartialObjectMetadataList, but the requested object is not a list"
                : "you requested PartialObjectMetadata, but the requested object is a list")
    }

    /// A response carrying one object (or its Table, or its metadata).
    func respond(
        _ request: APIRequest, object: CachedObject, descriptor: ResourceDescriptor,
        status: HTTPResponse.Status = .ok, warnings: [String] = []
    ) throws -> APIResponse {
        var headers = HTTPFields()
        for warning in warnings { headers.append(HTTPField(name: HTTPField.Name("Warning")!, value: "299 - \(JSONValue.string(warning).serializedString())")) }
        switch try representation(request) {
        case .table(let version):
            guard let table = table(for: [object.value], descriptor: descriptor, listMetadata: nil, request: request, version: version) else {
                throw StatusError.notAcceptable(acceptedMediaTypes: ["application/json"])
            }
            return ResponseEncoding.json(table.serialized(), status: status, headers: headers)
        case .metadata(let version, let list):
            guard !list else { throw Self.metadataMismatch(askedList: true) }
            return ResponseEncoding.json(PartialObjectMetadata.object(object.value, version: version).serialized(), status: status, headers: headers)
        case .json:
            return ResponseEncoding.json(object.bytes, status: status, headers: headers)
        }
    }

    /// The Table of `objects` in the `meta.k8s.io` version asked for, or `nil` without a convertor.
    func table(for objects: [JSONValue], descriptor: ResourceDescriptor, listMetadata: JSONValue?, request: APIRequest, version: String) -> JSONValue? {
        guard var table = tableConvertor?.table(for: objects, descriptor: descriptor, listMetadata: listMetadata, includeObject: request.queryValue("includeObject")) else {
            return nil
        }
        if version != "v1" { table.setMember("apiVersion", .string("meta.k8s.io/\(version)")) }
        return table
    }

    /// The namespace and selectors of a list, watch or deletecollection.
    func listFilter(_ request: APIRequest, namespace: String) throws -> ListFilter {
        var filter = ListFilter(namespace: namespace)
        if let text = request.queryValue("labelSelector"), !text.isEmpty {
            do { filter.labels = try LabelSelector(parsing: text) } catch { throw StatusError.badRequest(error.description) }
        }
        if let text = request.queryValue("fieldSelector"), !text.isEmpty {
            do { filter.fields = try FieldSelector(parsing: text) } catch { throw StatusError.badRequest(error.description) }
        }
        return filter
    }

    /// An integer query parameter.
    func intParameter(_ request: APIRequest, _ name: String) throws -> Int64? {
        guard let text = request.queryValue(name), !text.isEmpty else { return nil }
        guard let value = Int64(text) else {
            throw StatusError.badRequest("\(name): Invalid value: \"\(text)\": must be an integer")
        }
        return value
    }

    /// A boolean query parameter.
    func boolParameter(_ request: APIRequest, _ name: String) -> Bool? {
        guard let text = request.queryValue(name), !text.isEmpty else { return nil }
        return text == "true" || text == "1" || text == "True"
    }

    func list(_ request: APIRequest, store: ResourceStore, namespace: String) async throws -> APIResponse {
        let filter = try listFilter(request, namespace: namespace)
        let limit = try intParameter(request, "limit")
        let options = ListOptions(
            resourceVersion: request.queryValue("resourceVersion"),
            resourceVersionMatch: request.queryValue("resourceVersionMatch"),
            limit: limit.map { Int(max(0, $0)) },
            continueToken: request.queryValue("continue"))
        let representation = try representation(request)
        if case .metadata(_, list: false) = representation { throw Self.metadataMismatch(askedList: false) }
        let page = try await store.list(filter: filter, options: options)
        let meta = ResponseEncoding.listMetadata(revision: page.revision, continueToken: page.continueToken, remaining: page.remainingItemCount)
        switch representation {
        case .table(let version):
            guard let table = table(for: page.objects.map(\.value), descriptor: store.descriptor, listMetadata: meta, request: request, version: version) else {
                throw StatusError.notAcceptable(acceptedMediaTypes: ["application/json"])
            }
            return ResponseEncoding.json(table.serialized())
        case .metadata(let version, _):
            return ResponseEncoding.json(PartialObjectMetadata.list(page.objects.map(\.value), metadata: meta, version: version).serialized())
        case .json:
            break
        }
        let bytes = ResponseEncoding.list(kind: store.descriptor.listKind, apiVersion: store.descriptor.apiVersion, metadata: meta, objects: page.objects)
        return ResponseEncoding.json(bytes)
    }

    /// The delete options of a request: the `DeleteOptions` body, then the query parameters.
    func deleteOptions(_ request: APIRequest) throws -> DeleteOptions {
        var options = DeleteOptions()
        if !request.body.isEmpty {
            let body = try decodeJSON(request)
            guard body.objectValue != nil else { throw StatusError.badRequest("error decoding request body: DeleteOptions must be a JSON object") }
            options.gracePeriodSeconds = body["gracePeriodSeconds"]?.intValue
            options.propagationPolicy = body["propagationPolicy"]?.stringValue
            options.orphanDependents = body["orphanDependents"]?.boolValue
            options.preconditionUID = body[path: "preconditions", "uid"]?.stringValue
            options.preconditionResourceVersion = body[path: "preconditions", "resourceVersion"]?.stringValue
        }
        if let grace = try intParameter(request, "gracePeriodSeconds") { options.gracePeriodSeconds = grace }
        if let policy = request.queryValue("propagationPolicy"), !policy.isEmpty { options.propagationPolicy = policy }
        if let orphan = boolParameter(request, "orphanDependents") { options.orphanDependents = orphan }
        return options
    }

    func delete(_ request: APIRequest, store: ResourceStore, namespace: String, name: String) async throws -> APIResponse {
        let options = try deleteOptions(request)
        let result = try await store.delete(namespace: namespace, name: name, options: options, dryRun: try dryRun(request))
        if !result.deleted {
            let accepted = options.orphanDependents == false
            return try respond(request, object: result.object, descriptor: store.descriptor, status: accepted ? .accepted : .ok)
        }
        if ResourceStore.returnsDeletedObject.contains(store.descriptor.resource) && store.descriptor.group.isEmpty {
            return try respond(request, object: result.object, descriptor: store.descriptor)
        }
        return ResponseEncoding.json(ResponseEncoding.deleteSuccess(
            name: name, group: store.descriptor.group, resource: store.descriptor.resource,
            uid: result.object.value.metadataString("uid")))
    }
}
