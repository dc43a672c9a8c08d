import Datastore
import KubeAPI

extension ResourceStore {
    /// The longest `generateName` prefix kept before the random suffix.
    static let maximumGeneratedPrefixLength = 58

    /// Kinds whose `status` is reset on create, with the status they start with. Kinds with a
    /// status subresource not listed start with `{}`; nodes keep what the kubelet sends.
    static let initialStatus: [String: JSONValue] = [
        "pods": ["phase": "Pending"],
        "namespaces": ["phase": "Active"],
        "persistentvolumes": ["phase": "Pending"],
        "persistentvolumeclaims": ["phase": "Pending"],
        "nodes": .null,
    ]

    /// Creates an object in `namespace` (ignored for cluster-scoped resources). The body must
    /// already have the right `apiVersion`/`kind` (checked by the handler).
    ///
    /// - Throws: 400 for a namespace mismatch, 422 for invalid metadata, 404 when the namespace
    ///   does not exist, 403 when it is terminating, 409 AlreadyExists.
    public func create(namespace: String, object body: JSONValue, dryRun: Bool = false) async throws -> CachedObject {
        guard body.objectValue != nil else { throw StatusError.badRequest("the request body must be a JSON object") }
        var object = body
        let bodyNamespace = object.metadataString("namespace")
        if descriptor.namespaced {
            if !bodyNamespace.isEmpty && bodyNamespace != namespace {
                throw StatusError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
        }
        if let meta = object["metadata"], !meta.isNull, meta.objectValue == nil {
            throw StatusError.badRequest("metadata must be an object")
        }
        try hooks.prepareForCreate?(descriptor, &object)
        let now = Time.now().description
        let hasSpec = object["spec"] != nil
        object.updateMetadata { meta in
            if descriptor.namespaced { meta["namespace"] = .string(namespace) } else { meta.removeValue(forKey: "namespace") }
            meta["uid"] = .string(RandomIdentifiers.uuid())
            meta["creationTimestamp"] = .string(now)
            meta.removeValue(forKey: "resourceVersion")
            meta.removeValue(forKey: "deletionTimestamp")
            meta.removeValue(forKey: "deletionGracePeriodSeconds")
            meta.removeValue(forKey: "selfLink")
            if hasSpec || descriptor.subresource("status") != nil { meta["generation"] = 1 } else { meta.removeValue(forKey: "generation") }
            if let labels = meta["labels"], labels.isNull { meta.removeValue(forKey: "labels") }
            if let annotations = meta["annotations"], annotations.isNull { meta.removeValue(forKey: "annotations") }
        }
        prepareStatusForCreate(&object)
        let generateName = object.metadataString("generateName")
        let explicitName = object.metadataString("name")
        if explicitName.isEmpty && !generateName.isEmpty {
            object.updateMetadata { $0["name"] = .string(Self.generatedName(generateName)) }
        }
        let kindErrors = hooks.admission.admitCreate(&object, descriptor: descriptor)
        var errors = ObjectValidation.metadataErrors(object, descriptor: descriptor)
        if explicitName.isEmpty && !generateName.isEmpty {
            errors = errors.map { error in
                var error = error
                if error.field == "metadata.name" { error.field = "metadata.generateName" }
                return error
            }
        }
        errors += kindErrors
        if !errors.isEmpty {
            throw StatusError.invalid(descriptor.groupVersionKind.groupKind, name: explicitName.isEmpty ? generateName : explicitName, errors: errors)
        }
        if descriptor.namespaced { try await checkNamespaceAcceptsContent(namespace, name: object.metadataString("name")) }
        object = object.withStandardOrder()
        let allocation = try await hooks.admission.allocate(&object, old: nil, descriptor: descriptor, dryRun: dryRun)
        var committed = false
        defer { if !committed { allocation.revert() } }

        var attempts = 0
        while true {
            let name = object.metadataString("name")
            let key = keys.key(namespace: namespace, name: name)
            if dryRun {
                if try await datastore.get(key: key, revision: nil) != nil {
                    throw StatusError.alreadyExists(groupResource, name: name)
                }
                return CachedObject(unstamped: object, key: key, fields: fields)
            }
            do {
                let revision = try await datastore.create(key: key, value: object.serialized())
                let stored = CachedObject(key: key, value: object, revision: revision, fields: fields)
                cache.remember(stored)
                committed = true
                allocation.commit()
                return stored
            } catch DatastoreError.alreadyExists {
                attempts += 1
                if explicitName.isEmpty && !generateName.isEmpty && attempts < 8 {
                    object.updateMetadata { $0["name"] = .string(Self.generatedName(generateName)) }
                    continue
                }
                throw StatusError.alreadyExists(groupResource, name: name)
            } catch {
                throw statusError(error, name: name)
            }
        }
    }

    /// `prefix` plus five random characters, the prefix cut to fit.
    static func generatedName(_ prefix: String) -> String {
        let cut = prefix.utf8.count > maximumGeneratedPrefixLength ? String(prefix.prefix(maximumGeneratedPrefixLength)) : prefix
        return cut + RandomIdentifiers.nameSuffix()
    }

    /// Resets `status` on create the way upstream strategies do for built-in kinds.
    func prepareStatusForCreate(_ object: inout JSONValue) {
        guard descriptor.subresource("status") != nil else { return }
        if let initial = Self.initialStatus[descriptor.resource], descriptor.group.isEmpty {
            if !initial.isNull { object.setMember("status", initial) }
        } else if ResourceDescriptor.builtin.contains(where: { $0.group == descriptor.group && $0.resource == descriptor.resource }) {
            object.setMember("status", .object([:]))
        } else {
            object.setMember("status", nil)
        }
        if descriptor.group.isEmpty && descriptor.resource == "namespaces" {
            var spec = object["spec"] ?? .object([:])
            if spec.objectValue == nil { spec = .object([:]) }
            if spec["finalizers"] == nil { spec.setMember("finalizers", ["kubernetes"]) }
            object.setMember("spec", spec)
        }
    }

    /// Refuses new content in a missing (404) or terminating (403) namespace.
    func checkNamespaceAcceptsContent(_ namespace: String, name: String) async throws {
        guard let namespaceLookup else { return }
        guard let found = try await namespaceLookup(namespace) else {
            throw StatusError.notFound(GroupResource(group: "", resource: "namespaces"), name: namespace)
        }
        if found["metadata"]?["deletionTimestamp"].map({ !$0.isNull }) == true || found[path: "status", "phase"]?.stringValue == "Terminating" {
            throw StatusError.forbidden(groupResource, name: name, reason: "unable to create new content in namespace \(namespace) because it is being terminated")
        }
    }

    /// Creates `object` unless an object with its name exists (startup bootstrap).
    /// Returns `true` when it was created.
    @discardableResult
    public func createIfMissing(namespace: String = "", object: JSONValue) async throws -> Bool {
        do {
            _ = try await create(namespace: namespace, object: object)
            return true
        } catch let error as StatusError where error.reason == .alreadyExists {
            return false
        }
    }
}
