import KubeAPI

/// Admission for every resource the registry stores: per resource, an ``ObjectStrategy``
/// (defaulting and validation) and optionally an ``ObjectAllocator`` (stateful reservations).
///
/// ``ResourceStore`` calls it on every write: ``admitCreate(_:descriptor:)`` or
/// ``admitUpdate(_:old:descriptor:target:)`` (defaults, then validation), then
/// ``allocate(_:old:descriptor:dryRun:)`` whose transaction it commits after the datastore
/// write or reverts when the write fails, and ``deleted(_:descriptor:)`` once an object is gone.
/// Resources without a strategy pass through unchanged.
public struct AdmissionChain: Sendable {
    /// The strategy of each resource.
    public var strategies: [GroupResource: any ObjectStrategy]
    /// The allocator of each resource that needs one.
    public var allocators: [GroupResource: any ObjectAllocator]

    /// Creates a chain.
    public init(strategies: [GroupResource: any ObjectStrategy] = [:], allocators: [GroupResource: any ObjectAllocator] = [:]) {
        self.strategies = strategies
        self.allocators = allocators
    }

    /// A chain that admits everything unchanged.
    public static let passThrough = AdmissionChain()

    static func key(_ descriptor: ResourceDescriptor) -> GroupResource {
        GroupResource(group: descriptor.group, resource: descriptor.resource)
    }

    /// Defaults a new object and returns its kind-specific field errors (empty when valid).
    public func admitCreate(_ object: inout JSONValue, descriptor: ResourceDescriptor) -> [FieldError] {
        guard let strategy = strategies[Self.key(descriptor)] else { return [] }
        strategy.applyDefaults(to: &object, old: nil)
        return strategy.validate(object)
    }

    /// Defaults an updated object and returns its field errors: a main write is checked with
    /// ``ObjectStrategy/validateUpdate(_:old:)`` (immutable fields included), a server-internal
    /// whole write (pod binding) as a new object, status and finalize writes not at all (they
    /// cannot change the main part).
    public func admitUpdate(_ object: inout JSONValue, old: JSONValue, descriptor: ResourceDescriptor, target: UpdateTarget) -> [FieldError] {
        guard let strategy = strategies[Self.key(descriptor)] else { return [] }
        strategy.applyDefaults(to: &object, old: old)
        switch target {
        case .main: return strategy.validateUpdate(object, old: old)
        case .whole: return strategy.validate(object)
        case .status, .finalize: return []
        }
    }

    /// Reserves what the object needs (see ``ObjectAllocator/allocate(_:old:dryRun:)``).
    public func allocate(_ object: inout JSONValue, old: JSONValue?, descriptor: ResourceDescriptor, dryRun: Bool) async throws -> AllocationTransaction {
        guard let allocator = allocators[Self.key(descriptor)] else { return .empty }
        return try await allocator.allocate(&object, old: old, dryRun: dryRun)
    }

    /// Releases what a deleted object held.
    public func deleted(_ object: JSONValue, descriptor: ResourceDescriptor) async {
        guard let allocator = allocators[Self.key(descriptor)] else { return }
        await allocator.release(object)
    }

    /// Restores an allocator's state from the stored objects of its resource.
    public func rebuild(resource: GroupResource, from objects: [JSONValue]) async {
        await allocators[resource]?.rebuild(from: objects)
    }
}
