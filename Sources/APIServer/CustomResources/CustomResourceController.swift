import KubeAPI
import Logging
import Synchronization

/// The in-server controller that turns CustomResourceDefinitions into served resources.
///
/// It follows the `customresourcedefinitions` store: for each live CRD it puts every served
/// version into the ``CustomResourceCatalog`` (schemas for the write hooks), the
/// ``ResourceRegistry``, discovery and OpenAPI, then records `NamesAccepted` and `Established`
/// in the CRD's status. A CRD being deleted (it carries the
/// `customresourcecleanup.apiextensions.k8s.io` finalizer) has all its objects deleted, is
/// unregistered, and then loses the finalizer so the store removes it.
public final class CustomResourceController: Sendable {
    /// The finalizer that holds a CRD until its objects are gone.
    public static let cleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

    /// The custom resources served.
    public let catalog: CustomResourceCatalog
    let registry: ResourceRegistry
    let discovery: DiscoveryCatalog
    let openAPI: OpenAPIService
    let logger: Logger
    /// The spec last served per CRD name (to skip re-registering on status-only changes).
    let servedSpecs = Mutex<[String: JSONValue]>([:])
    /// CRDs whose cleanup is running.
    let cleaning = Mutex<Set<String>>([])

    /// Creates the controller.
    public init(registry: ResourceRegistry, discovery: DiscoveryCatalog, openAPI: OpenAPIService, catalog: CustomResourceCatalog, logger: Logger) {
        self.registry = registry
        self.discovery = discovery
        self.openAPI = openAPI
        self.catalog = catalog
        self.logger = logger
    }

    var definitions: ResourceStore? {
        registry.store(group: CustomResourceCatalog.definitionsGroup, version: "v1", resource: CustomResourceCatalog.definitionsResource)
    }

    /// Serves every stored CRD now (start-up, before the server reports ready). CRDs being
    /// deleted are left to ``run()``.
    public func loadStored() async throws {
        guard let store = definitions else { return }
        let page = try await store.list(filter: ListFilter())
        for object in page.objects {
            let crd = object.value
            if !Self.isDeleting(crd) { await reconcile(crd) }
        }
    }

    /// Follows CRD changes until the task is cancelled; runs cleanups of deleted CRDs
    /// alongside.
    public func run() async {
        guard let store = definitions else {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return
        }
        await withTaskGroup(of: Void.self) { group in
            while !Task.isCancelled {
                let watch: (events: AsyncStream<CacheWatchEvent>, id: Int)
                do {
                    watch = try await store.watch(filter: ListFilter(), resourceVersion: "0")
                } catch {
                    logger.warning("cannot watch customresourcedefinitions: \(error)")
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                for await event in watch.events {
                    switch event {
                    case .added(let object), .modified(let object):
                        let crd = object.value
                        if Self.isDeleting(crd) {
                            if crd.finalizers.contains(Self.cleanupFinalizer), beginCleanup(object.name) {
                                group.addTask { await self.cleanup(crd) }
                            }
                        } else {
                            await reconcile(crd)
                        }
                    case .deleted(let object):
                        // Deleted without our finalizer (deletecollection, or a forced removal):
                        // stop serving and drop the objects.
                        if !catalog.resources(definitionName: object.name).isEmpty, beginCleanup(object.name) {
                            let crd = object.value
                            group.addTask { await self.cleanup(crd, finalize: false) }
                        }
                    case .bookmark, .error:
                        break
                    }
                }
                registry.cache.cancelWatch(prefix: store.keys.resourcePrefix, watcher: watch.id)
                // The watch ended (history expired, cache restarted): start over shortly.
                try? await Task.sleep(for: .milliseconds(100))
            }
            group.cancelAll()
        }
    }

    static func isDeleting(_ object: JSONValue) -> Bool {
        object["metadata"]?["deletionTimestamp"].map { !$0.isNull } ?? false
    }

    func beginCleanup(_ name: String) -> Bool {
        cleaning.withLock { $0.insert(name).inserted }
    }

    // MARK: - Serving

    /// Serves a live CRD's versions and records its conditions.
    func reconcile(_ crd: JSONValue) async {
        let name = crd.metadataString("name")
        guard CustomResourceDefinitionValidation.errors(crd).isEmpty else {
            logger.warning("not serving invalid CustomResourceDefinition \(name)")
            return
        }
        if let conflict = nameConflict(of: crd) {
            await updateStatus(of: crd, conflict: conflict)
            return
        }
        let spec = crd["spec"] ?? .null
        let unchanged = servedSpecs.withLock { $0[name] == spec }
        if !unchanged {
            do {
                try await serve(crd)
                servedSpecs.withLock { $0[name] = spec }
            } catch {
                logger.error("cannot serve CustomResourceDefinition \(name): \(error)")
                return
            }
        }
        await updateStatus(of: crd)
    }

    /// Puts every served version into the catalog, registry, discovery and OpenAPI.
    func serve(_ crd: JSONValue) async throws {
        let name = crd.metadataString("name")
        let versions = ServedCustomResource.versions(of: crd)
        let removed = catalog.replace(definitionName: name, with: versions)
        for resource in removed {
            registry.remove(resource)
        }
        for version in versions {
            try await registry.add(version.descriptor)
        }
        let group = crd[path: "spec", "group"]?.stringValue ?? ""
        let plural = crd[path: "spec", "names", "plural"]?.stringValue ?? ""
        let storage = versions.first?.storageVersion ?? ""
        for version in versions {
            openAPI.registerCustomResource(version.descriptor, schema: version.schema?.source)
        }
        for resource in removed where !versions.contains(where: { $0.descriptor.version == resource.version }) {
            let kind = crd[path: "spec", "names", "kind"]?.stringValue ?? ""
            openAPI.unregisterCustomResource(group: resource.group, version: resource.version, kind: kind)
        }
        discovery.replaceVersions(
            group: group, resource: plural, with: versions.map(\.descriptor),
            storageVersion: DiscoveryCatalog.StorageVersion(group: group, version: storage))
        logger.debug("serving \(name) at versions \(versions.map(\.descriptor.version))")
    }

    /// Stops serving the resources of the CRD `name`.
    func unserve(_ crd: JSONValue) {
        let name = crd.metadataString("name")
        let kind = crd[path: "spec", "names", "kind"]?.stringValue ?? ""
        let group = crd[path: "spec", "group"]?.stringValue ?? ""
        let plural = crd[path: "spec", "names", "plural"]?.stringValue ?? ""
        catalog.replace(definitionName: name, with: [])
        for version in ServedCustomResource.versions(of: crd) {
            registry.remove(version.descriptor.groupVersionResource)
            openAPI.unregisterCustomResource(group: group, version: version.descriptor.version, kind: kind)
        }
        if !group.isEmpty && !plural.isEmpty {
            discovery.replaceVersions(group: group, resource: plural, with: [])
        }
        servedSpecs.withLock { _ = $0.removeValue(forKey: name) }
    }

    // MARK: - Status

    /// A name of `crd` another served CRD of the same group already uses: the condition reason
    /// (`PluralConflict`, `SingularConflict`, `ShortNamesConflict`, `KindConflict`,
    /// `ListKindConflict`) and the name.
    struct NameConflict: Sendable, Hashable {
        var reason: String
        var name: String
    }

    /// The first name of `crd` that another CRD of its group serves, in upstream's order.
    func nameConflict(of crd: JSONValue) -> NameConflict? {
        let name = crd.metadataString("name")
        let group = crd[path: "spec", "group"]?.stringValue ?? ""
        let others = catalog.all.filter { $0.definitionName != name && $0.descriptor.group == group }
        var resourceNames = Set<String>()
        var kindNames = Set<String>()
        for other in others {
            resourceNames.insert(other.descriptor.resource)
            resourceNames.insert(other.descriptor.singularName)
            resourceNames.formUnion(other.descriptor.shortNames)
            kindNames.insert(other.descriptor.kind)
            kindNames.insert(other.descriptor.listKind)
        }
        guard let served = ServedCustomResource.versions(of: crd).first?.descriptor else { return nil }
        if resourceNames.contains(served.resource) { return NameConflict(reason: "PluralConflict", name: served.resource) }
        if resourceNames.contains(served.singularName) { return NameConflict(reason: "SingularConflict", name: served.singularName) }
        if let short = served.shortNames.first(where: resourceNames.contains) { return NameConflict(reason: "ShortNamesConflict", name: short) }
        if kindNames.contains(served.kind) { return NameConflict(reason: "KindConflict", name: served.kind) }
        if kindNames.contains(served.listKind) { return NameConflict(reason: "ListKindConflict", name: served.listKind) }
        return nil
    }

    /// The status a served CRD should have: accepted names, `NamesAccepted` and `Established`
    /// (kept timestamps when unchanged), and the storage version among `storedVersions`. With
    /// a `conflict`, both conditions are False and the names stay unaccepted.
    static func desiredStatus(of crd: JSONValue, now: String, conflict: NameConflict? = nil) -> JSONValue {
        var status = crd["status"]?.objectValue.map(JSONValue.object) ?? .object([:])
        var names = crd[path: "spec", "names"] ?? .object([:])
        let kind = names["kind"]?.stringValue ?? ""
        if names["singular"] == nil { names.setMember("singular", .string(kind.lowercased())) }
        if names["listKind"] == nil { names.setMember("listKind", .string(kind + "List")) }
        var conditions = status["conditions"]?.arrayValue ?? []
        func set(_ type: String, _ value: String, reason: String, message: String) {
            let existing = conditions.firstIndex { $0["type"]?.stringValue == type }
            if let existing, conditions[existing]["status"]?.stringValue == value,
               conditions[existing]["reason"]?.stringValue == reason, conditions[existing]["message"]?.stringValue == message {
                return
            }
            let condition: JSONValue = [
                "type": .string(type), "status": .string(value), "lastTransitionTime": .string(now),
                "reason": .string(reason), "message": .string(message),
            ]
            if let existing { conditions[existing] = condition } else { conditions.append(condition) }
        }
        if let conflict {
            if status["acceptedNames"] == nil { status.setMember("acceptedNames", ["plural": "", "kind": ""]) }
            set("NamesAccepted", "False", reason: conflict.reason, message: "\"\(conflict.name)\" is already in use")
            set("Established", "False", reason: "NotAccepted", message: "not all names are accepted")
            status.setMember("conditions", .array(conditions))
            return status
        }
        status.setMember("acceptedNames", names)
        set("NamesAccepted", "True", reason: "NoConflicts", message: "no conflicts found")
        set("Established", "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted")
        status.setMember("conditions", .array(conditions))
        var stored = (status["storedVersions"]?.arrayValue ?? []).compactMap(\.stringValue)
        let storage = (crd[path: "spec", "versions"]?.arrayValue ?? []).first { $0["storage"]?.boolValue == true }?["name"]?.stringValue
        if let storage, !stored.contains(storage) { stored.append(storage) }
        status.setMember("storedVersions", .array(stored.map(JSONValue.string)))
        return status
    }

    func updateStatus(of crd: JSONValue, conflict: NameConflict? = nil) async {
        guard let store = definitions else { return }
        let name = crd.metadataString("name")
        let desired = Self.desiredStatus(of: crd, now: Time.now().description, conflict: conflict)
        guard desired != crd["status"] else { return }
        do {
            _ = try await store.guaranteedUpdate(namespace: "", name: name, target: .status) { current in
                guard var current else { throw StatusError.notFound(store.groupResource, name: name) }
                current.setMember("status", Self.desiredStatus(of: current, now: Time.now().description, conflict: conflict))
                current.updateMetadata { $0.removeValue(forKey: "resourceVersion") }
                return current
            }
        } catch let error as StatusError where error.code == 404 {
            return
        } catch {
            logger.warning("cannot update the status of CustomResourceDefinition \(name): \(error)")
        }
    }

    // MARK: - Deletion

    /// Deletes every object of a CRD being deleted, stops serving it and (with `finalize`)
    /// removes the cleanup finalizer so the CRD goes away.
    func cleanup(_ crd: JSONValue, finalize: Bool = true) async {
        let name = crd.metadataString("name")
        defer { cleaning.withLock { _ = $0.remove(name) } }
        guard let definitions else { return }
        // Refuse new objects while the old ones go.
        let versions = ServedCustomResource.versions(of: crd).map { version -> ServedCustomResource in
            var version = version
            version.terminating = true
            return version
        }
        if !versions.isEmpty, catalog.resources(definitionName: name).isEmpty == false {
            catalog.replace(definitionName: name, with: versions)
        }
        if finalize {
            await setTerminating(name, store: definitions, reason: "InstanceDeletionInProgress", message: "CustomResource deletion is in progress")
        }
        var store: ResourceStore? = nil
        if let version = versions.first {
            store = registry.store(group: version.descriptor.group, version: version.descriptor.version, resource: version.descriptor.resource)
            if store == nil && finalize { store = try? await registry.add(version.descriptor) }
        }
        if let store {
            while !Task.isCancelled {
                do {
                    _ = try await store.deleteCollection(filter: ListFilter())
                    let remaining = try await store.list(filter: ListFilter())
                    if remaining.objects.isEmpty { break }
                } catch {
                    logger.warning("deleting the objects of \(name): \(error)")
                }
                // Objects with finalizers of their own: give their controllers time.
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        guard !Task.isCancelled else { return }
        unserve(crd)
        guard finalize else { return }
        do {
            _ = try await definitions.guaranteedUpdate(namespace: "", name: name, target: .whole) { current in
                guard var current else { throw StatusError.notFound(definitions.groupResource, name: name) }
                let kept = current.finalizers.filter { $0 != Self.cleanupFinalizer }
                current.updateMetadata { meta in
                    meta["finalizers"] = kept.isEmpty ? nil : .array(kept.map(JSONValue.string))
                    meta.removeValue(forKey: "resourceVersion")
                }
                return current
            }
        } catch let error as StatusError where error.code == 404 {
            return
        } catch {
            logger.warning("cannot finalize CustomResourceDefinition \(name): \(error)")
        }
    }

    /// Records the `Terminating` condition.
    func setTerminating(_ name: String, store: ResourceStore, reason: String, message: String) async {
        _ = try? await store.guaranteedUpdate(namespace: "", name: name, target: .status) { current in
            guard var current else { throw StatusError.notFound(store.groupResource, name: name) }
            current.setMember("status", Self.terminatingStatus(current["status"], reason: reason, message: message))
            current.updateMetadata { $0.removeValue(forKey: "resourceVersion") }
            return current
        }
    }

    /// `status` with a `Terminating` condition (True, `reason`, `message`).
    static func terminatingStatus(_ status: JSONValue?, reason: String, message: String) -> JSONValue {
        var status = status?.objectValue.map(JSONValue.object) ?? .object([:])
        var conditions = (status["conditions"]?.arrayValue ?? []).filter { $0["type"]?.stringValue != "Terminating" }
        conditions.append([
            "type": "Terminating", "status": "True", "lastTransitionTime": .string(Time.now().description),
            "reason": .string(reason), "message": .string(message),
        ])
        status.setMember("conditions", .array(conditions))
        return status
    }
}
