import KubeAPI
import OrderedCollections

/// Options of a list or watch: selectors, paging and the resource version to read at.
public struct ListOptions: Sendable, Hashable {
    /// A label selector (`app=web,tier!=db`).
    public var labelSelector: String?
    /// A field selector (`spec.nodeName=n1`).
    public var fieldSelector: String?
    /// The page size.
    public var limit: Int?
    /// The continue token of the previous page.
    public var continueToken: String?
    /// The resource version to read at (or, for a watch, to start after).
    public var resourceVersion: String?
    /// How `resourceVersion` is matched (`NotOlderThan`, `Exact`).
    public var resourceVersionMatch: String?
    /// For a watch: the server ends it after this many seconds.
    public var timeoutSeconds: Int?
    /// For a watch: ask for `BOOKMARK` events.
    public var allowWatchBookmarks: Bool

    /// Creates options; everything unset by default.
    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
        continueToken: String? = nil, resourceVersion: String? = nil, resourceVersionMatch: String? = nil,
        timeoutSeconds: Int? = nil, allowWatchBookmarks: Bool = false
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.timeoutSeconds = timeoutSeconds
        self.allowWatchBookmarks = allowWatchBookmarks
    }

    var query: [(name: String, value: String)] {
        var query: [(name: String, value: String)] = []
        if let labelSelector, !labelSelector.isEmpty { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { query.append(("fieldSelector", fieldSelector)) }
        if let limit { query.append(("limit", String(limit))) }
        if let continueToken { query.append(("continue", continueToken)) }
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        if let resourceVersionMatch { query.append(("resourceVersionMatch", resourceVersionMatch)) }
        if let timeoutSeconds { query.append(("timeoutSeconds", String(timeoutSeconds))) }
        if allowWatchBookmarks { query.append(("allowWatchBookmarks", "true")) }
        return query
    }
}

/// Options of a create, update or patch.
public struct WriteOptions: Sendable, Hashable {
    /// Validate and admit, but store nothing.
    public var dryRun: Bool
    /// The field manager recorded in `managedFields`.
    public var fieldManager: String?

    /// Creates options.
    public init(dryRun: Bool = false, fieldManager: String? = nil) {
        self.dryRun = dryRun
        self.fieldManager = fieldManager
    }

    var query: [(name: String, value: String)] {
        var query: [(name: String, value: String)] = []
        if dryRun { query.append(("dryRun", "All")) }
        if let fieldManager { query.append(("fieldManager", fieldManager)) }
        return query
    }
}

/// How deleting an owner treats its dependents.
public enum PropagationPolicy: String, Sendable, Hashable {
    /// Delete the owner now; the garbage collector deletes dependents afterwards.
    case background = "Background"
    /// Delete dependents first (those blocking owner deletion), then the owner.
    case foreground = "Foreground"
    /// Keep dependents, removing the owner reference.
    case orphan = "Orphan"
}

/// Options of a delete.
public struct DeleteOptions: Sendable, Hashable {
    /// Seconds the object may take to terminate (`0` deletes at once).
    public var gracePeriodSeconds: Int?
    /// How dependents are treated.
    public var propagationPolicy: PropagationPolicy?
    /// Delete only if the object still has this UID.
    public var preconditionUID: String?
    /// Delete only if the object is still at this resource version.
    public var preconditionResourceVersion: String?
    /// Validate, but delete nothing.
    public var dryRun: Bool

    /// Creates options.
    public init(
        gracePeriodSeconds: Int? = nil, propagationPolicy: PropagationPolicy? = nil,
        preconditionUID: String? = nil, preconditionResourceVersion: String? = nil, dryRun: Bool = false
    ) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.propagationPolicy = propagationPolicy
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.dryRun = dryRun
    }

    /// The `DeleteOptions` body, or `nil` when nothing is set.
    var body: [UInt8]? {
        var members: [(String, JSONValue)] = []
        if let gracePeriodSeconds { members.append(("gracePeriodSeconds", .int(Int64(gracePeriodSeconds)))) }
        if let propagationPolicy { members.append(("propagationPolicy", .string(propagationPolicy.rawValue))) }
        var preconditions: [(String, JSONValue)] = []
        if let preconditionUID { preconditions.append(("uid", .string(preconditionUID))) }
        if let preconditionResourceVersion { preconditions.append(("resourceVersion", .string(preconditionResourceVersion))) }
        if !preconditions.isEmpty { members.append(("preconditions", .object(OrderedDictionary(uniqueKeysWithValues: preconditions)))) }
        if dryRun { members.append(("dryRun", .array([.string("All")]))) }
        if members.isEmpty { return nil }
        members.insert(("apiVersion", .string("v1")), at: 0)
        members.insert(("kind", .string("DeleteOptions")), at: 1)
        return JSONValue.object(OrderedDictionary(uniqueKeysWithValues: members)).serialized(escapingHTML: false)
    }
}
