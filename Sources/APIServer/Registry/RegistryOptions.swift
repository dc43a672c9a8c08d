import KubeAPI

/// How a list reads: the `resourceVersion`, `resourceVersionMatch`, `limit` and `continue`
/// query parameters.
public struct ListOptions: Sendable {
    /// `resourceVersion` (`nil` when absent).
    public var resourceVersion: String?
    /// `resourceVersionMatch` (`Exact` or `NotOlderThan`).
    public var resourceVersionMatch: String?
    /// `limit` (0 or `nil` for all).
    public var limit: Int?
    /// `continue`.
    public var continueToken: String?

    /// Creates options.
    public init(resourceVersion: String? = nil, resourceVersionMatch: String? = nil, limit: Int? = nil, continueToken: String? = nil) {
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.limit = limit
        self.continueToken = continueToken
    }
}

/// One page of a list.
public struct ListPage: Sendable {
    /// The objects in key order.
    public var objects: [CachedObject]
    /// The revision the list reflects (`metadata.resourceVersion`).
    public var revision: Int64
    /// The token for the next page.
    public var continueToken: String?
    /// How many objects remain after this page (left out when a selector filters).
    public var remainingItemCount: Int?
}

/// What a delete asks for: the `DeleteOptions` body merged with the query parameters.
public struct DeleteOptions: Sendable {
    /// `gracePeriodSeconds`.
    public var gracePeriodSeconds: Int64?
    /// `propagationPolicy`: `Orphan`, `Background` or `Foreground`.
    public var propagationPolicy: String?
    /// `orphanDependents` (deprecated form of the policy).
    public var orphanDependents: Bool?
    /// `preconditions.uid`.
    public var preconditionUID: String?
    /// `preconditions.resourceVersion`.
    public var preconditionResourceVersion: String?

    /// Creates options.
    public init(
        gracePeriodSeconds: Int64? = nil, propagationPolicy: String? = nil, orphanDependents: Bool? = nil,
        preconditionUID: String? = nil, preconditionResourceVersion: String? = nil
    ) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.propagationPolicy = propagationPolicy
        self.orphanDependents = orphanDependents
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
    }
}

/// The outcome of a delete.
public struct DeleteResult: Sendable {
    /// The object: its final state when deleted, its current state when deletion is pending.
    public var object: CachedObject
    /// `true` when the object is gone; `false` when finalizers or a grace period keep it.
    public var deleted: Bool
}

/// Which part of an object an update writes.
public enum UpdateTarget: Sendable, Hashable {
    /// The main resource (status changes ignored when the kind has a status subresource).
    case main
    /// The `status` subresource: only `status` changes.
    case status
    /// The namespace `finalize` subresource: only `spec.finalizers` changes.
    case finalize
    /// Spec and status together (server-internal writes such as pod binding).
    case whole
}

/// Hooks other parts of the server plug into every write (defaulting, admission). Each may
/// change the object or throw a `StatusError` to refuse the write.
public struct RegistryHooks: Sendable {
    /// Runs on a new object before it is validated and stored.
    public var prepareForCreate: (@Sendable (ResourceDescriptor, inout JSONValue) throws -> Void)?
    /// Runs on an updated object (second argument: the old one) before it is stored.
    public var prepareForUpdate: (@Sendable (ResourceDescriptor, inout JSONValue, JSONValue) throws -> Void)?
    /// Kind-specific defaulting, validation and allocation (see ``AdmissionChain``).
    public var admission: AdmissionChain

    /// Creates hooks.
    public init(
        prepareForCreate: (@Sendable (ResourceDescriptor, inout JSONValue) throws -> Void)? = nil,
        prepareForUpdate: (@Sendable (ResourceDescriptor, inout JSONValue, JSONValue) throws -> Void)? = nil,
        admission: AdmissionChain = .passThrough
    ) {
        self.prepareForCreate = prepareForCreate
        self.prepareForUpdate = prepareForUpdate
        self.admission = admission
    }
}
