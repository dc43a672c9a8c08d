import KubeAPI

/// Amounts of schedulable resources in scheduler units: CPU in millicores, memory and ephemeral
/// storage in bytes, a pod count, and extended (scalar) resources by name in whole units
/// (hugepages in bytes).
public struct ResourceAmounts: Sendable, Hashable {
    /// CPU in millicores.
    public var milliCPU: Int64
    /// Memory in bytes.
    public var memory: Int64
    /// Ephemeral storage in bytes.
    public var ephemeralStorage: Int64
    /// Number of pods (the node's `pods` allocatable, or the pod count on a node).
    public var pods: Int64
    /// Extended and hugepages resources by resource name.
    public var scalar: [String: Int64]

    /// Creates amounts; everything defaults to zero.
    public init(milliCPU: Int64 = 0, memory: Int64 = 0, ephemeralStorage: Int64 = 0, pods: Int64 = 0, scalar: [String: Int64] = [:]) {
        self.milliCPU = milliCPU
        self.memory = memory
        self.ephemeralStorage = ephemeralStorage
        self.pods = pods
        self.scalar = scalar
    }

    /// All zero.
    public static let zero = ResourceAmounts()

    /// Reads a resource list (`requests`, `allocatable`, `overhead`). Names other than `cpu`,
    /// `memory`, `ephemeral-storage` and `pods` are scalar resources, except the non-extended
    /// `kubernetes.io/` names, which the scheduler does not account.
    public init(_ list: [String: Quantity]?) {
        self.init()
        guard let list else { return }
        for (name, quantity) in list {
            switch name {
            case "cpu": milliCPU = quantity.milliValue
            case "memory": memory = quantity.value
            case "ephemeral-storage": ephemeralStorage = quantity.value
            case "pods": pods = quantity.value
            default:
                if Self.isScalarResource(name) { scalar[name] = quantity.value }
            }
        }
    }

    /// Whether a resource name is accounted as a scalar resource: hugepages, `attachable-volumes-*`
    /// and extended resources (a domain-qualified name outside `kubernetes.io/`).
    public static func isScalarResource(_ name: String) -> Bool {
        if name.hasPrefix("hugepages-") || name.hasPrefix("attachable-volumes-") { return true }
        guard let slash = name.firstIndex(of: "/") else { return false }
        let domain = name[..<slash]
        if domain == "kubernetes.io" || domain.hasSuffix(".kubernetes.io") { return false }
        return true
    }

    /// Whether every amount is zero.
    public var isZero: Bool {
        milliCPU == 0 && memory == 0 && ephemeralStorage == 0 && pods == 0 && scalar.values.allSatisfy { $0 == 0 }
    }

    /// Adds another amount resource by resource.
    public mutating func add(_ other: ResourceAmounts) {
        milliCPU &+= other.milliCPU
        memory &+= other.memory
        ephemeralStorage &+= other.ephemeralStorage
        pods &+= other.pods
        if !other.scalar.isEmpty {
            for (name, value) in other.scalar { scalar[name, default: 0] &+= value }
        }
    }

    /// Subtracts another amount resource by resource.
    public mutating func subtract(_ other: ResourceAmounts) {
        milliCPU &-= other.milliCPU
        memory &-= other.memory
        ephemeralStorage &-= other.ephemeralStorage
        pods &-= other.pods
        if !other.scalar.isEmpty {
            for (name, value) in other.scalar {
                let left = scalar[name, default: 0] &- value
                scalar[name] = left == 0 ? nil : left
            }
        }
    }

    /// Raises each resource to at least the other's amount.
    public mutating func formMaximum(_ other: ResourceAmounts) {
        milliCPU = max(milliCPU, other.milliCPU)
        memory = max(memory, other.memory)
        ephemeralStorage = max(ephemeralStorage, other.ephemeralStorage)
        pods = max(pods, other.pods)
        for (name, value) in other.scalar where value > scalar[name, default: 0] { scalar[name] = value }
    }

    /// The sum of two amounts.
    public static func + (lhs: ResourceAmounts, rhs: ResourceAmounts) -> ResourceAmounts {
        var sum = lhs
        sum.add(rhs)
        return sum
    }
}
