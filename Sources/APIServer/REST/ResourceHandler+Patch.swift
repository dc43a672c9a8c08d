import HTTPTypes
import KubeAPI
import Synchronization

extension ResourceHandler {
    /// The patch media types, server-side apply included.
    static let patchMediaTypes = [
        "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json",
        "application/apply-patch+yaml", "application/apply-patch+cbor",
    ]

    /// Whether a descriptor is a compiled-in kind (strategic merge patch needs its schema).
    static func isBuiltin(_ descriptor: ResourceDescriptor) -> Bool {
        MergeSchema.kubernetes.roots[descriptor.groupVersionKind] != nil
    }

    /// The Status error for a failed patch.
    static func patchFailure(_ error: PatchError) -> StatusError {
        switch error {
        case .malformedPatch, .invalidPointer:
            return .badRequest(error.description)
        default:
            return StatusError(code: 422, reason: .invalid, message: error.description)
        }
    }

    /// PATCH on an object (or its status).
    func patch(_ request: APIRequest, store: ResourceStore, namespace: String, name: String, target: UpdateTarget) async throws -> APIResponse {
        let descriptor = store.descriptor
        let type = Self.mediaType(request.headers[.contentType])
        let isApply = type == "application/apply-patch+yaml"
        let patchType = PatchType(contentType: type)
        guard isApply || patchType != nil else {
            throw StatusError.unsupportedMediaType(acceptedMediaTypes: Self.patchMediaTypes)
        }
        if patchType == .strategicMerge && !Self.isBuiltin(descriptor) {
            throw StatusError.unsupportedMediaType(acceptedMediaTypes: Self.patchMediaTypes.filter { $0 != "application/strategic-merge-patch+json" })
        }
        if isApply { return try await apply(request, store: store, namespace: namespace, name: name, target: target) }
        try ManagedFieldsTracker.validateOptions(request, optionsKind: "PatchOptions")
        let tracker = ManagedFieldsTracker(request: request, descriptor: descriptor, target: target)
        let patchDocument: JSONValue
        do {
            patchDocument = try JSONValue(parsing: request.body)
        } catch {
            throw StatusError.badRequest("error decoding patch: \(error)")
        }
        let dryRun = try dryRun(request)
        let schemaKind = descriptor.groupVersionKind
        let warnings = FieldWarnings()
        let (object, created) = try await store.guaranteedUpdate(namespace: namespace, name: name, target: target, dryRun: dryRun) { current in
            guard let current else { throw StatusError.notFound(store.groupResource, name: name) }
            var patched: JSONValue
            do {
                patched = try patchType!.apply(patchDocument, to: current, schema: .kubernetes, definition: MergeSchema.kubernetes.roots[schemaKind])
            } catch let error as PatchError {
                throw Self.patchFailure(error)
            }
            if patched.objectValue == nil { throw StatusError.badRequest("the patched object must be a JSON object") }
            // A resourceVersion the patch did not change is no precondition: drop it so the
            // write retries on conflicts. One the patch set must match (409 otherwise).
            if patched.metadataString("resourceVersion") == current.metadataString("resourceVersion") {
                patched.updateMetadata { $0.removeValue(forKey: "resourceVersion") }
            }
            if (patched["kind"]?.stringValue ?? descriptor.kind) != descriptor.kind || (patched["apiVersion"]?.stringValue ?? descriptor.apiVersion) != descriptor.apiVersion {
                throw StatusError.badRequest("the patch must not change the kind or apiVersion of the object")
            }
            if patched.metadataString("name") != name {
                throw StatusError.badRequest("the name of the object (\(patched.metadataString("name"))) does not match the name on the URL (\(name))")
            }
            let found = try self.checkFields(request, object: patched, descriptor: descriptor)
            warnings.value.withLock { $0 = found }
            return try tracker.recordUpdate(live: current, new: patched)
        }
        return try respond(request, object: object, descriptor: descriptor, status: created ? .created : .ok, warnings: warnings.value.withLock { $0 })
    }
}

/// The `fieldValidation` warnings of a patch, collected inside its (retried) transform.
final class FieldWarnings: Sendable {
    let value = Mutex<[String]>([])
}
