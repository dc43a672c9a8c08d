import KubeAPI

/// The kind-specific rules of one resource: how its objects are defaulted and which objects
/// are valid. Strategies are pure functions of their input (no I/O, no shared state), so the
/// registry may call them on every write, including dry runs and retried updates.
public protocol ObjectStrategy: Sendable {
    /// Fills in the values the server supplies when a client leaves them out. Runs on create
    /// and on update (before validation), after the registry has set `metadata.uid` and
    /// `metadata.name`; `old` is the stored object on update and `nil` on create. Must be
    /// idempotent and must not fail: malformed members are left for ``validate(_:)``.
    func applyDefaults(to object: inout JSONValue, old: JSONValue?)

    /// The field errors of a new object (after defaulting). Empty when valid.
    func validate(_ object: JSONValue) -> [FieldError]

    /// The field errors of an update from `old` to `object` (after defaulting): the checks of
    /// ``validate(_:)`` plus changes to immutable fields. Empty when valid.
    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError]
}

extension ObjectStrategy {
    /// By default an update is checked like a new object.
    public func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] { validate(object) }
}
