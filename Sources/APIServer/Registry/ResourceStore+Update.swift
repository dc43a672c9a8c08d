import Datastore
import KubeAPI

extension ResourceStore {
    /// Replaces an object (PUT). With a `metadata.resourceVersion` in the body the write is a
    /// compare-and-swap on it; without one it is unconditional. `generation` goes up when
    /// anything outside `metadata` and `status` changes; `target` picks what may change.
    /// An object being deleted whose last finalizer is removed is deleted.
    ///
    /// Returns the stored object and whether it was created (kinds that create on update).
    /// `prepare`, given the current object (nil when creating) and the body, may adjust the
    /// body before it is written (the handler records `managedFields` there).
    ///
    /// - Throws: 404, 409 Conflict, 422 for invalid metadata or changed immutable fields.
    public func update(
        namespace: String, name: String, object body: JSONValue, target: UpdateTarget = .main, dryRun: Bool = false,
        prepare: (@Sendable (JSONValue?, JSONValue) throws -> JSONValue)? = nil
    ) async throws -> (object: CachedObject, created: Bool) {
        guard body.objectValue != nil else { throw StatusError.badRequest("the request body must be a JSON object") }
        let bodyName = body.metadataString("name")
        if !bodyName.isEmpty && bodyName != name {
            throw StatusError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        let bodyNamespace = body.metadataString("namespace")
        if descriptor.namespaced && !bodyNamespace.isEmpty && bodyNamespace != namespace {
            throw StatusError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        let precondition = body.metadataString("resourceVersion")
        if !precondition.isEmpty && Int64(precondition) == nil {
            throw StatusError.badRequest("metadata.resourceVersion: Invalid value: \"\(precondition)\": must be a number")
        }
        return try await guaranteedUpdate(namespace: namespace, name: name, target: target, dryRun: dryRun) { current in
            guard current != nil else {
                if Self.createsOnUpdate.contains(descriptor.resource) && target == .main { return try prepare?(nil, body) ?? body }
                throw StatusError.notFound(self.groupResource, name: name)
            }
            return try prepare?(current, body) ?? body
        }
    }

    /// Reads the current object, computes the new one with `transform` (given `nil` when
    /// the object does not exist), and writes it; retries when another write intervened
    /// unless `expectedRevision` pins the version. The single write path of PUT, PATCH,
    /// `status`, `scale` and `finalize`.
    public func guaranteedUpdate(
        namespace: String, name: String, expectedRevision: Int64? = nil, target: UpdateTarget = .main,
        dryRun: Bool = false, transform: @Sendable (JSONValue?) async throws -> JSONValue
    ) async throws -> (object: CachedObject, created: Bool) {
        let key = keys.key(namespace: namespace, name: name)
        for _ in 0..<32 {
            let current = try await self.current(namespace: namespace, name: name)
            if let expectedRevision, let current, current.revision != expectedRevision {
                throw StatusError.conflict(groupResource, name: name)
            }
            var stamped = current?.object
            if let revision = current?.revision {
                stamped?.updateMetadata { $0["resourceVersion"] = .string(String(revision)) }
            }
            var proposed = try await transform(stamped)
            guard proposed.objectValue != nil else { throw StatusError.badRequest("the request body must be a JSON object") }
            let proposedRevision = proposed.metadataString("resourceVersion")
            let pinned = expectedRevision != nil || !proposedRevision.isEmpty
            if let current, !proposedRevision.isEmpty, proposedRevision != String(current.revision) {
                throw StatusError.conflict(groupResource, name: name)
            }
            guard let current else {
                // Create on update.
                if pinned { throw StatusError.notFound(groupResource, name: name) }
                proposed.updateMetadata { meta in
                    meta["name"] = .string(name)
                    meta.removeValue(forKey: "resourceVersion")
                }
                do {
                    return (try await create(namespace: namespace, object: proposed, dryRun: dryRun), true)
                } catch let error as StatusError where error.reason == .alreadyExists {
                    continue
                }
            }
            let old = current.object
            var updated = try merge(old: old, proposed: proposed, target: target, name: name, namespace: namespace)
            try hooks.prepareForUpdate?(descriptor, &updated, old)
            let kindErrors = hooks.admission.admitUpdate(&updated, old: old, descriptor: descriptor, target: target)
            let errors = ObjectValidation.metadataErrors(updated, descriptor: descriptor) + kindErrors
            if !errors.isEmpty { throw StatusError.invalid(descriptor.groupVersionKind.groupKind, name: name, errors: errors) }
            updated = updated.withStandardOrder()
            let allocation = target == .main || target == .whole
                ? try await hooks.admission.allocate(&updated, old: old, descriptor: descriptor, dryRun: dryRun) : .empty
            var committed = false
            defer { if !committed { allocation.revert() } }
            // An unchanged object is not written again, unless its stored form is stale (it
            // is then rewritten with the first encryption provider: re-encryption).
            if updated == old && !current.stale {
                return (CachedObject(key: key, value: old, revision: current.revision, fields: fields), false)
            }
            let finished = updated["metadata"]?["deletionTimestamp"].map { !$0.isNull } == true
                && updated.finalizers.isEmpty
                && (updated["metadata"]?["deletionGracePeriodSeconds"]?.intValue ?? 0) == 0
                && !(descriptor.group.isEmpty && descriptor.resource == "namespaces" && !(updated[path: "spec", "finalizers"]?.arrayValue ?? []).isEmpty)
            if dryRun {
                return (CachedObject(key: key, value: updated, revision: current.revision, fields: fields), false)
            }
            do {
                if finished {
                    let (revision, _) = try await datastore.delete(key: key, expectedRevision: current.revision)
                    committed = true
                    allocation.commit()
                    await hooks.admission.deleted(updated, descriptor: descriptor)
                    return (CachedObject(key: key, value: updated, revision: revision, fields: fields), false)
                }
                let revision = try await datastore.update(key: key, value: updated.serialized(), expectedRevision: current.revision)
                let stored = CachedObject(key: key, value: updated, revision: revision, fields: fields)
                cache.remember(stored)
                committed = true
                allocation.commit()
                return (stored, false)
            } catch DatastoreError.conflict {
                if pinned { throw StatusError.conflict(groupResource, name: name) }
                continue
            } catch DatastoreError.notFound {
                if pinned { throw StatusError.conflict(groupResource, name: name) }
                continue
            } catch {
                throw statusError(error, name: name)
            }
        }
        throw StatusError.conflict(groupResource, name: name, message: "too many concurrent writes, please try again")
    }

    /// The object to store for an update of `old` to `proposed`.
    func merge(old: JSONValue, proposed: JSONValue, target: UpdateTarget, name: String, namespace: String) throws -> JSONValue {
        var updated: JSONValue
        switch target {
        case .main:
            updated = proposed
            if descriptor.subresource("status") != nil {
                updated.setMember("status", old["status"])
            }
        case .whole:
            updated = proposed
        case .status:
            updated = old
            updated.setMember("status", proposed["status"])
        case .finalize:
            updated = old
            var spec = old["spec"] ?? .object([:])
            spec.setMember("finalizers", proposed[path: "spec", "finalizers"] ?? .array([]))
            updated.setMember("spec", spec)
        }
        // Immutable and system-owned metadata.
        let oldMeta = old.metadataMembers
        var errors: [FieldError] = []
        for field in ["uid", "creationTimestamp"] {
            if let given = updated["metadata"]?[field], !given.isNull, given != (oldMeta[field] ?? .null),
               !(given.stringValue?.isEmpty ?? false) {
                errors.append(.invalid("metadata.\(field)", value: given, detail: "field is immutable"))
            }
        }
        if !errors.isEmpty { throw StatusError.invalid(descriptor.groupVersionKind.groupKind, name: name, errors: errors) }
        let specChanged = updated.specPart != old.specPart
        updated.updateMetadata { meta in
            meta["name"] = .string(name)
            if descriptor.namespaced { meta["namespace"] = .string(namespace) } else { meta.removeValue(forKey: "namespace") }
            for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"] {
                meta[field] = oldMeta[field]
            }
            meta.removeValue(forKey: "resourceVersion")
            meta.removeValue(forKey: "selfLink")
            if let generation = oldMeta["generation"]?.intValue {
                meta["generation"] = .int(specChanged && (target == .main || target == .whole) ? generation + 1 : generation)
            } else {
                meta.removeValue(forKey: "generation")
            }
            if let labels = meta["labels"], labels.isNull { meta.removeValue(forKey: "labels") }
            if let annotations = meta["annotations"], annotations.isNull { meta.removeValue(forKey: "annotations") }
            if let finalizers = meta["finalizers"], finalizers.isNull || finalizers.arrayValue?.isEmpty == true {
                meta.removeValue(forKey: "finalizers")
            }
        }
        // A status write never touches metadata except through the checks above.
        if target == .status || target == .finalize {
            var kept = updated
            let managedFields = proposed["metadata"]?["managedFields"]
            kept.setMember("metadata", old["metadata"])
            kept.updateMetadata { meta in
                meta.removeValue(forKey: "resourceVersion")
                // Status writes record their manager (see `ManagedFieldsTracker`).
                if target == .status, let managedFields { meta["managedFields"] = managedFields }
            }
            updated = kept
        }
        return updated
    }
}
