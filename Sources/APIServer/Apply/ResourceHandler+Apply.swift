import HTTPTypes
import KubeAPI

extension ResourceHandler {
    /// Reads an applied configuration: YAML (JSON is a subset) into an object.
    ///
    /// - Throws: 400 for a body that does not parse or is not an object.
    static func appliedConfiguration(_ body: [UInt8]) throws -> JSONValue {
        let document: JSONValue
        let firstByte = body.first { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t") }
        do {
            if firstByte == UInt8(ascii: "{") {
                document = try JSONValue(parsing: body)
            } else {
                document = try YAMLParser.parse(body)
            }
        } catch let error as YAMLParseError {
            throw StatusError.badRequest("error decoding YAML: \(error)")
        } catch {
            throw StatusError.badRequest("error decoding YAML: \(error)")
        }
        guard document.objectValue != nil else {
            throw StatusError.badRequest("error decoding YAML: the applied configuration must be an object")
        }
        return document
    }

    /// PATCH with `application/apply-patch+yaml`: server-side apply of the body for the
    /// `fieldManager` manager, creating the object when it does not exist (main resource).
    ///
    /// - Throws: 422 without `fieldManager`, 400 for a malformed body, a mismatched kind or
    ///   name or a body carrying `managedFields`, 409 listing the conflicts unless `force=true`.
    func apply(_ request: APIRequest, store: ResourceStore, namespace: String, name: String, target: UpdateTarget) async throws -> APIResponse {
        let descriptor = store.descriptor
        try ManagedFieldsTracker.validateOptions(request, optionsKind: "PatchOptions", isApply: true)
        let forceText = request.queryValue("force") ?? "false"
        guard forceText == "true" || forceText == "false" || forceText.isEmpty else {
            throw StatusError.badRequest("force: Invalid value: \"\(forceText)\": must be true or false")
        }
        let force = forceText == "true"
        let config = try Self.appliedConfiguration(request.body)
        if (config["apiVersion"]?.stringValue ?? "") != descriptor.apiVersion || (config["kind"]?.stringValue ?? "") != descriptor.kind {
            throw StatusError.badRequest("the API version or kind in the applied configuration does not match the expected \(descriptor.apiVersion), Kind=\(descriptor.kind)")
        }
        if let meta = config["metadata"], !meta.isNull, meta.objectValue == nil {
            throw StatusError.badRequest("metadata must be an object")
        }
        if let managed = config["metadata"]?["managedFields"], !managed.isNull {
            throw StatusError.badRequest("metadata.managedFields must be nil")
        }
        let configName = config.metadataString("name")
        if !configName.isEmpty && configName != name {
            throw StatusError.badRequest("the name of the object (\(configName)) does not match the name on the URL (\(name))")
        }
        let configNamespace = config.metadataString("namespace")
        if descriptor.namespaced && !configNamespace.isEmpty && configNamespace != namespace {
            throw StatusError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        let tracker = ManagedFieldsTracker(request: request, descriptor: descriptor, target: target)
        let dryRun = try dryRun(request)
        let (object, created) = try await store.guaranteedUpdate(namespace: namespace, name: name, target: target, dryRun: dryRun) { current in
            if current == nil && target != .main { throw StatusError.notFound(store.groupResource, name: name) }
            let managed = ManagedFieldsTracker.recorded(current)
            let result: (object: JSONValue, managed: [ManagedFieldsEntry])
            do throws(ApplyConflictError) {
                result = try tracker.fieldManager.apply(
                    live: current, config: config, managed: managed, manager: tracker.manager, force: force, now: ManagedFieldsTracker.now())
            } catch {
                throw error.status
            }
            var applied = ManagedFieldsTracker.setting(result.managed, on: result.object)
            applied.updateMetadata { meta in
                meta["name"] = .string(name)
                if current != nil && meta["resourceVersion"] == current?["metadata"]?["resourceVersion"] {
                    meta.removeValue(forKey: "resourceVersion")
                }
            }
            return applied
        }
        return try respond(request, object: object, descriptor: descriptor, status: created ? .created : .ok)
    }
}

extension ResourceHandler {
    /// A create body with `managedFields` recorded for the request's manager.
    ///
    /// - Throws: 422 for a bad `fieldManager` or an unreadable `managedFields` list.
    func recordCreate(_ request: APIRequest, object: JSONValue, descriptor: ResourceDescriptor) throws -> JSONValue {
        try ManagedFieldsTracker.validateOptions(request, optionsKind: "CreateOptions")
        return try ManagedFieldsTracker(request: request, descriptor: descriptor, target: .main).recordUpdate(live: nil, new: object)
    }

    /// The `prepare` step of a PUT that records `managedFields`.
    ///
    /// - Throws: 422 for a bad `fieldManager`.
    func updateRecorder(_ request: APIRequest, descriptor: ResourceDescriptor, target: UpdateTarget) throws -> @Sendable (JSONValue?, JSONValue) throws -> JSONValue {
        try ManagedFieldsTracker.validateOptions(request, optionsKind: "UpdateOptions")
        let tracker = ManagedFieldsTracker(request: request, descriptor: descriptor, target: target)
        return { current, body in try tracker.recordUpdate(live: current, new: body) }
    }
}
