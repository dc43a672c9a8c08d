import Datastore
import KubeAPI

/// The generic registry of one resource: create, read, update, delete, list and watch on
/// unstructured objects (`JSONValue`), for built-in and custom resources alike.
///
/// Every method throws `StatusError` (datastore failures are translated by ``statusError(_:)``).
/// `metadata.resourceVersion` is the datastore revision of the object's last write; it is set
/// on every object returned and never stored.
public final class ResourceStore: Sendable {
    /// What is served.
    public let descriptor: ResourceDescriptor
    /// Where objects live.
    public let keys: StorageKeys
    /// Which fields field selectors may use.
    public let fields: SelectableFields
    let datastore: any Datastore
    let cache: WatchCache
    let hooks: RegistryHooks
    /// Looks up a namespace object (for create-time checks); `nil` for the namespaces store itself.
    let namespaceLookup: (@Sendable (String) async throws -> JSONValue?)?

    /// Creates the store of one resource. The resource's prefix must be registered with `cache`.
    public init(
        descriptor: ResourceDescriptor, datastore: any Datastore, cache: WatchCache,
        hooks: RegistryHooks = RegistryHooks(),
        namespaceLookup: (@Sendable (String) async throws -> JSONValue?)? = nil
    ) {
        self.descriptor = descriptor
        self.keys = StorageKeys(root: datastore.keyPrefix, group: descriptor.group, resource: descriptor.resource, namespaced: descriptor.namespaced)
        self.fields = SelectableFields(descriptor: descriptor)
        self.datastore = datastore
        self.cache = cache
        self.hooks = hooks
        self.namespaceLookup = namespaceLookup
    }

    /// `pods`, `deployments.apps`: the name in error messages.
    public var groupResource: GroupResource { GroupResource(group: descriptor.group, resource: descriptor.resource) }

    /// Kinds whose deleted objects are returned by DELETE (others get a `Status`).
    static let returnsDeletedObject: Set<String> = ["pods", "services"]

    /// Kinds a PUT may create.
    static let createsOnUpdate: Set<String> = ["endpoints", "events", "leases"]

    // MARK: - Errors

    /// The Kubernetes error for a datastore (or any) failure.
    public func statusError(_ error: any Error, name: String = "") -> StatusError {
        if let status = error as? StatusError { return status }
        guard let store = error as? DatastoreError else { return .internalError("\(error)") }
        switch store {
        case .alreadyExists: return .alreadyExists(groupResource, name: name)
        case .notFound: return .notFound(groupResource, name: name)
        case .conflict: return .conflict(groupResource, name: name)
        case .compacted(let requested, let compacted): return .tooOldResourceVersion(requested: requested, oldest: compacted)
        case .futureRevision(let requested, _):
            return StatusError.timeout("Too large resource version: \(requested), current: \(cache.revision)", retryAfterSeconds: 1)
        case .valueTooLarge: return .requestEntityTooLarge("limit is \(maximumValueSize)")
        case .invalidContinueToken(let reason): return .badRequest("continue key is not valid: \(reason)")
        default: return .internalError(store.description)
        }
    }

    /// Parses a resourceVersion parameter.
    static func revision(_ text: String, parameter: String = "resourceVersion") throws -> Int64 {
        guard let value = Int64(text), value >= 0 else {
            throw StatusError.badRequest("invalid \(parameter): \(text)")
        }
        return value
    }

    // MARK: - Reads

    /// Reads one object. `resourceVersion` unset reads the latest state; `"0"` any cached
    /// state; a number a state at least that new.
    ///
    /// - Throws: 404 when absent.
    public func get(namespace: String, name: String, resourceVersion: String? = nil) async throws -> CachedObject {
        let key = keys.key(namespace: namespace, name: name)
        var fromCache = cache.serves(prefix: keys.resourcePrefix)
        if fromCache {
            switch resourceVersion {
            case nil, "":
                fromCache = (try? await cache.waitUntilFresh()) ?? false
            case "0":
                break
            case let text?:
                fromCache = await cache.waitFor(revision: try Self.revision(text))
            }
        }
        if fromCache {
            guard let object = cache.object(prefix: keys.resourcePrefix, key: key) else {
                throw StatusError.notFound(groupResource, name: name)
            }
            return object
        }
        let found: KeyValue?
        do {
            found = try await datastore.get(key: key, revision: nil)
        } catch {
            throw statusError(error, name: name)
        }
        guard let found else { throw StatusError.notFound(groupResource, name: name) }
        return try CachedObject(key: key, stored: found.value, revision: found.modRevision, fields: fields)
    }

    /// Reads the latest stored state straight from the datastore (for writes). `stale` says the
    /// stored bytes should be rewritten even if the object does not change (encrypted with a
    /// key that is no longer the first; see ``StalenessReportingDatastore``).
    func current(namespace: String, name: String) async throws -> (object: JSONValue, revision: Int64, stale: Bool)? {
        let key = keys.key(namespace: namespace, name: name)
        let found: KeyValue?
        var stale = false
        do {
            if let reporting = datastore as? any StalenessReportingDatastore {
                let read = try await reporting.getReportingStaleness(key: key)
                found = read?.value
                stale = read?.stale ?? false
            } else {
                found = try await datastore.get(key: key, revision: nil)
            }
        } catch {
            throw statusError(error, name: name)
        }
        guard let found else { return nil }
        do {
            return (try JSONValue(parsing: found.value), found.modRevision, stale)
        } catch {
            throw StatusError.internalError("stored object \(key) is not valid JSON: \(error)")
        }
    }

    /// Lists objects. See ``ListOptions`` for the resourceVersion semantics: unset reads the
    /// latest state (from the cache once it caught up), `"0"` the cache as is,
    /// `NotOlderThan` waits for the cache, `Exact` (or a limit with a resourceVersion) reads
    /// the datastore at that revision; `limit`/`continue` page through one consistent snapshot.
    ///
    /// - Throws: 400 for bad parameters or tokens, 410 when the revision or token expired.
    public func list(filter: ListFilter, options: ListOptions = ListOptions()) async throws -> ListPage {
        try fields.validate(filter.fields)
        let rv = options.resourceVersion ?? ""
        let match = options.resourceVersionMatch ?? ""
        if !match.isEmpty {
            guard match == "Exact" || match == "NotOlderThan" else {
                throw StatusError.badRequest("resourceVersionMatch: Unsupported value: \"\(match)\": supported values: \"Exact\", \"NotOlderThan\"")
            }
            if rv.isEmpty { throw StatusError.badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided") }
            if match == "Exact" && rv == "0" { throw StatusError.badRequest("resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"") }
        }
        if let token = options.continueToken, !token.isEmpty {
            if !rv.isEmpty { throw StatusError.badRequest("specifying resource version is not allowed when using continue") }
            if cache.serves(prefix: keys.resourcePrefix), (try? await cache.waitUntilFresh()) == true,
               let page = cachedPage(filter: filter, limit: options.limit ?? 0, token: token) {
                return page
            }
            return try await listFromStore(filter: filter, revision: nil, limit: options.limit ?? 0, token: token)
        }
        let limit = options.limit ?? 0
        let requested: Int64? = rv.isEmpty ? nil : try Self.revision(rv)
        let exact = match == "Exact" || (limit > 0 && requested != nil && requested != 0 && match != "NotOlderThan")
        if exact, let requested {
            return try await listFromStore(filter: filter, revision: requested, limit: limit, token: nil)
        }
        if limit > 0 && requested == nil {
            if cache.serves(prefix: keys.resourcePrefix), (try? await cache.waitUntilFresh()) == true,
               let page = cachedPage(filter: filter, limit: limit, token: nil) {
                return page
            }
            return try await listFromStore(filter: filter, revision: nil, limit: limit, token: nil)
        }
        var fresh = cache.serves(prefix: keys.resourcePrefix)
        if fresh {
            if requested == nil {
                fresh = (try? await cache.waitUntilFresh()) ?? false
            } else if let requested, requested > 0 {
                fresh = await cache.waitFor(revision: requested)
                if !fresh {
                    throw StatusError.timeout("Too large resource version: \(requested), current: \(cache.revision)", retryAfterSeconds: 1)
                }
            }
        }
        guard fresh else { return try await listFromStore(filter: filter, revision: nil, limit: limit, token: nil) }
        let (objects, revision) = cache.list(prefix: keys.resourcePrefix, filter: ListFilter(namespace: descriptor.namespaced ? filter.namespace : "", labels: filter.labels, fields: filter.fields))
        return ListPage(objects: objects, revision: revision)
    }

    /// A page of a paged list from the watch cache (first page at the cache's revision, later
    /// pages at their token's), or `nil` when the cache cannot serve it (see
    /// ``WatchCache/page(prefix:listPrefix:filter:limit:after:revision:)``); a token the
    /// datastore would refuse also gives `nil`, so the datastore answers with its error.
    func cachedPage(filter: ListFilter, limit: Int, token: String?) -> ListPage? {
        guard limit > 0 else { return nil }
        let scoped = ListFilter(namespace: descriptor.namespaced ? filter.namespace : "", labels: filter.labels, fields: filter.fields)
        let listPrefix = keys.prefix(namespace: scoped.namespace)
        var after: String?
        var revision: Int64?
        if let token {
            guard let decoded = try? ContinueToken.decode(token, prefix: listPrefix) else { return nil }
            after = decoded.lastKey
            revision = decoded.revision
        }
        return cache.page(prefix: keys.resourcePrefix, listPrefix: listPrefix, filter: scoped, limit: limit, after: after, revision: revision)
    }

    func listFromStore(filter: ListFilter, revision: Int64?, limit: Int, token: String?) async throws -> ListPage {
        let prefix = keys.prefix(namespace: filter.namespace)
        var objects: [CachedObject] = []
        var next = token
        var at = revision
        var remaining: Int? = nil
        let selecting = !filter.labels.isEverything || !filter.fields.isEverything
        repeat {
            let page: ListResult
            do {
                let want = limit > 0 ? limit - objects.count : 0
                page = try await datastore.list(prefix: prefix, revision: at, limit: want == 0 ? nil : want, continueToken: next)
            } catch DatastoreError.compacted(let requested, let oldest) {
                if next != nil {
                    throw StatusError.expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
                }
                throw StatusError.tooOldResourceVersion(requested: requested, oldest: oldest)
            } catch {
                throw statusError(error)
            }
            at = page.revision
            for item in page.items {
                let object = try CachedObject(key: item.key, stored: item.value, revision: item.modRevision, fields: fields)
                if filter.matches(object) { objects.append(object) }
            }
            next = page.continueToken
            remaining = selecting ? nil : page.remainingCount
        } while next != nil && (limit == 0 || objects.count < limit)
        return ListPage(objects: objects, revision: at ?? 0, continueToken: next, remainingItemCount: next == nil ? nil : remaining)
    }
}
