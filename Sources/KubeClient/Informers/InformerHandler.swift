/// Callbacks an informer runs for each change to its cache, in order, on the informer's task.
/// Keep them short (enqueue a key); never block in them.
public struct InformerHandler<Object: Sendable>: Sendable {
    /// An object appeared.
    public var onAdd: @Sendable (Object) -> Void
    /// An object changed (also called with equal versions on every resync).
    public var onUpdate: @Sendable (_ old: Object, _ new: Object) -> Void
    /// An object disappeared (its last known state).
    public var onDelete: @Sendable (Object) -> Void

    /// Creates a handler; unset callbacks do nothing.
    public init(
        onAdd: @escaping @Sendable (Object) -> Void = { _ in },
        onUpdate: @escaping @Sendable (_ old: Object, _ new: Object) -> Void = { _, _ in },
        onDelete: @escaping @Sendable (Object) -> Void = { _ in }
    ) {
        self.onAdd = onAdd
        self.onUpdate = onUpdate
        self.onDelete = onDelete
    }

    /// A handler that calls `change` with the object for every kind of change.
    public static func any(_ change: @escaping @Sendable (Object) -> Void) -> InformerHandler {
        InformerHandler(onAdd: change, onUpdate: { _, new in change(new) }, onDelete: change)
    }
}

/// Identifies one ``Informer/addHandler(_:)`` call, for ``Informer/removeHandler(_:)``.
public struct InformerHandlerRegistration: Sendable, Hashable {
    let id: Int
}
