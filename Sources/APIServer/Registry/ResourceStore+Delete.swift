import Datastore
import KubeAPI

extension ResourceStore {
    /// Deletes an object. Preconditions are checked first. A bound pod with a grace period, an
    /// object with finalizers (including the `orphan`/`foregroundDeletion` finalizers the
    /// propagation policy asks for) or a namespace with `spec.finalizers` is only marked
    /// (`deletionTimestamp`) and stays until its finalizers are gone.
    ///
    /// - Throws: 404, 409 for failed preconditions, 400 for a bad propagation policy.
    public func delete(namespace: String, name: String, options: DeleteOptions = DeleteOptions(), dryRun: Bool = false) async throws -> DeleteResult {
        if let policy = options.propagationPolicy, !["Orphan", "Background", "Foreground"].contains(policy) {
            throw StatusError.badRequest("propagationPolicy: Unsupported value: \"\(policy)\": supported values: \"Foreground\", \"Background\", \"Orphan\"")
        }
        if options.propagationPolicy != nil && options.orphanDependents != nil {
            throw StatusError.invalid(GroupKind(group: "meta.k8s.io", kind: "DeleteOptions"), name: "", errors: [
                .invalid("propagationPolicy", value: .string(options.propagationPolicy!), detail: "orphanDependents and deletionPropagation cannot be both set"),
            ])
        }
        if let grace = options.gracePeriodSeconds, grace < 0 {
            throw StatusError.invalid(GroupKind(group: "meta.k8s.io", kind: "DeleteOptions"), name: "", errors: [
                .invalid("gracePeriodSeconds", value: .int(grace), detail: "must be greater than or equal to 0"),
            ])
        }
        let key = keys.key(namespace: namespace, name: name)
        for _ in 0..<32 {
            guard let current = try await self.current(namespace: namespace, name: name) else {
                throw StatusError.notFound(groupResource, name: name)
            }
            let object = current.object
            if let uid = options.preconditionUID, uid != object.metadataString("uid") {
                throw StatusError.conflict(groupResource, name: name, message: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(object.metadataString("uid"))")
            }
            if let rv = options.preconditionResourceVersion, rv != String(current.revision) {
                throw StatusError.conflict(groupResource, name: name, message: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(current.revision)")
            }
            var marked = object
            var finalizers = object.finalizers
            let policy = options.propagationPolicy ?? options.orphanDependents.map { $0 ? "Orphan" : "Background" }
            switch policy {
            case "Orphan":
                if !finalizers.contains("orphan") { finalizers.append("orphan") }
                finalizers.removeAll { $0 == "foregroundDeletion" }
            case "Foreground":
                if !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
                finalizers.removeAll { $0 == "orphan" }
            case "Background":
                finalizers.removeAll { $0 == "orphan" || $0 == "foregroundDeletion" }
            default:
                break
            }
            let alreadyDeleting = object["metadata"]?["deletionTimestamp"].map { !$0.isNull } ?? false
            let isNamespace = descriptor.group.isEmpty && descriptor.resource == "namespaces"
            let namespaceFinalizers = isNamespace ? (object[path: "spec", "finalizers"]?.arrayValue ?? []) : []
            let grace = gracePeriod(for: object, requested: options.gracePeriodSeconds)
            let existingGrace = object["metadata"]?["deletionGracePeriodSeconds"]?.intValue
            let pending = !finalizers.isEmpty || !namespaceFinalizers.isEmpty || grace > 0
            if pending {
                let now = Time.now()
                marked.updateMetadata { meta in
                    if !finalizers.isEmpty { meta["finalizers"] = .array(finalizers.map { .string($0) }) } else { meta.removeValue(forKey: "finalizers") }
                    if !alreadyDeleting || (existingGrace ?? 0) > grace {
                        meta["deletionTimestamp"] = .string(Time(secondsSinceEpoch: now.secondsSinceEpoch + grace).description)
                        meta["deletionGracePeriodSeconds"] = .int(grace)
                    }
                    meta.removeValue(forKey: "resourceVersion")
                }
                if isNamespace {
                    var status = object["status"] ?? .object([:])
                    if status.objectValue == nil { status = .object([:]) }
                    status.setMember("phase", "Terminating")
                    marked.setMember("status", status)
                }
                if marked == object || dryRun {
                    return DeleteResult(object: CachedObject(key: key, value: marked, revision: current.revision, fields: fields), deleted: false)
                }
                do {
                    let revision = try await datastore.update(key: key, value: marked.serialized(), expectedRevision: current.revision)
                    return DeleteResult(object: CachedObject(key: key, value: marked, revision: revision, fields: fields), deleted: false)
                } catch DatastoreError.conflict, DatastoreError.notFound {
                    continue
                } catch {
                    throw statusError(error, name: name)
                }
            }
            if dryRun {
                return DeleteResult(object: CachedObject(key: key, value: object, revision: current.revision, fields: fields), deleted: true)
            }
            do {
                let (revision, _) = try await datastore.delete(key: key, expectedRevision: current.revision)
                await hooks.admission.deleted(object, descriptor: descriptor)
                return DeleteResult(object: CachedObject(key: key, value: object, revision: revision, fields: fields), deleted: true)
            } catch DatastoreError.conflict, DatastoreError.notFound {
                continue
            } catch {
                throw statusError(error, name: name)
            }
        }
        throw StatusError.conflict(groupResource, name: name, message: "too many concurrent writes, please try again")
    }

    /// The grace period a delete gets: only pods bound to a node wait (their
    /// `terminationGracePeriodSeconds`, 30 by default); everything else is immediate.
    func gracePeriod(for object: JSONValue, requested: Int64?) -> Int64 {
        guard descriptor.group.isEmpty, descriptor.resource == "pods" else { return 0 }
        let node = object[path: "spec", "nodeName"]?.stringValue ?? ""
        guard !node.isEmpty else { return 0 }
        let phase = object[path: "status", "phase"]?.stringValue ?? ""
        if phase == "Succeeded" || phase == "Failed" { return 0 }
        let grace = requested ?? object[path: "spec", "terminationGracePeriodSeconds"]?.intValue ?? 30
        // Clamped so the deletion timestamp cannot overflow (about 30 years at most).
        return min(max(0, grace), 1_000_000_000)
    }

    /// Deletes every object the filter selects (in one namespace or all); returns what was
    /// deleted or marked for deletion.
    public func deleteCollection(filter: ListFilter, options: DeleteOptions = DeleteOptions(), dryRun: Bool = false) async throws -> [CachedObject] {
        let page = try await list(filter: filter)
        var results: [CachedObject] = []
        for object in page.objects {
            do {
                let result = try await delete(namespace: object.namespace, name: object.name, options: options, dryRun: dryRun)
                results.append(result.object)
            } catch let error as StatusError where error.code == 404 {
                continue
            }
        }
        return results
    }

    /// Starts a watch (see ``WatchCache/watch(prefix:filter:from:initialEventsEnd:)``).
    ///
    /// - Throws: 400 for unsupported field selectors or a malformed resourceVersion.
    public func watch(filter: ListFilter, resourceVersion: String?, sendInitialEvents: Bool? = nil) async throws -> (events: AsyncStream<CacheWatchEvent>, id: Int) {
        let start = try await watchStart(filter: filter, resourceVersion: resourceVersion, sendInitialEvents: sendInitialEvents)
        return cache.watch(prefix: keys.resourcePrefix, filter: start.filter, from: start.from, initialEventsEnd: start.initialEventsEnd)
    }

    /// Where a watch starts: checks the request and waits for a fresh cache when the watch
    /// starts from the current state. Register it with ``WatchCache/watch(prefix:filter:from:initialEventsEnd:encoding:sink:)``.
    ///
    /// - Throws: 400 for unsupported field selectors or a malformed resourceVersion.
    func watchStart(filter: ListFilter, resourceVersion: String?, sendInitialEvents: Bool?) async throws -> (filter: ListFilter, from: Int64?, initialEventsEnd: Bool) {
        try fields.validate(filter.fields)
        let scoped = ListFilter(namespace: descriptor.namespaced ? filter.namespace : "", labels: filter.labels, fields: filter.fields)
        let rv = resourceVersion ?? ""
        var from: Int64? = nil
        if sendInitialEvents == true {
            if rv.isEmpty { _ = try? await cache.waitUntilFresh() }
        } else if rv.isEmpty {
            _ = try? await cache.waitUntilFresh()
        } else if rv != "0" {
            from = try Self.revision(rv)
        }
        return (scoped, from, sendInitialEvents == true)
    }
}
