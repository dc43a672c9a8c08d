/// One key's value at one revision.
public struct KeyValue: Sendable, Hashable {
    /// The full key.
    public var key: String
    /// The stored bytes.
    public var value: [UInt8]
    /// The revision that created the key (unchanged by updates).
    public var createRevision: Int64
    /// The revision of this value (the last change to the key).
    public var modRevision: Int64

    /// Creates a key-value pair.
    public init(key: String, value: [UInt8], createRevision: Int64, modRevision: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
    }
}

/// One page of a list.
public struct ListResult: Sendable, Hashable {
    /// The keys, in ascending key order.
    public var items: [KeyValue]
    /// The revision the list was read at (for a continued list, the first page's revision).
    public var revision: Int64
    /// Set when more keys remain: pass it to `list` to read the next page.
    public var continueToken: String?
    /// When `continueToken` is set, how many keys remain after this page (as of `revision`).
    public var remainingCount: Int?

    /// Creates a list page.
    public init(items: [KeyValue], revision: Int64, continueToken: String? = nil, remainingCount: Int? = nil) {
        self.items = items
        self.revision = revision
        self.continueToken = continueToken
        self.remainingCount = remainingCount
    }
}

/// One change seen by a watcher.
public struct WatchEvent: Sendable, Hashable {
    /// What happened to the key.
    public enum Kind: String, Sendable, Hashable {
        case created
        case updated
        case deleted
    }

    /// What happened.
    public var kind: Kind
    /// The key that changed.
    public var key: String
    /// The revision of the change.
    public var revision: Int64
    /// The new value; `nil` for a deletion.
    public var current: KeyValue?
    /// The value before the change; `nil` for a creation.
    public var previous: KeyValue?

    /// Creates an event.
    public init(kind: Kind, key: String, revision: Int64, current: KeyValue?, previous: KeyValue?) {
        self.kind = kind
        self.key = key
        self.revision = revision
        self.current = current
        self.previous = previous
    }
}

/// The events of one watch, in revision order. See `Datastore.watch(prefix:fromRevision:)`.
public typealias WatchStream = AsyncThrowingStream<WatchEvent, any Error>
