import KubeAPI

/// Where the `metrics.k8s.io` API gets its numbers: the latest CPU and memory usage of each
/// node and of each pod's containers, as metrics-server reports them.
///
/// Implementations keep what they collected in memory and answer at once; a node or pod
/// without enough samples for a rate yet is left out (it is not an error).
public protocol ResourceMetricsSource: Sendable {
    /// The usage of every node with a complete sample, in no particular order.
    func nodeMetrics() async -> [NodeResourceMetrics]
    /// The usage of every pod with at least one container with a complete sample.
    func podMetrics() async -> [PodResourceMetrics]
}

/// CPU and memory usage at one moment.
public struct ResourceUsage: Sendable, Hashable {
    /// CPU in nanocores (a rate: CPU-seconds per second times 10⁹).
    public var cpuNanoCores: Int64
    /// Memory working set in bytes.
    public var memoryBytes: Int64

    /// Creates a usage.
    public init(cpuNanoCores: Int64, memoryBytes: Int64) {
        self.cpuNanoCores = cpuNanoCores
        self.memoryBytes = memoryBytes
    }

    /// The sum of two usages.
    public static func + (lhs: ResourceUsage, rhs: ResourceUsage) -> ResourceUsage {
        ResourceUsage(cpuNanoCores: lhs.cpuNanoCores + rhs.cpuNanoCores, memoryBytes: lhs.memoryBytes + rhs.memoryBytes)
    }

    /// The `usage` map of the API objects: `cpu` in nanocores, `memory` in binary units.
    var json: JSONValue {
        [
            "cpu": .string(Quantity(mantissa: Int128(cpuNanoCores), exponent: -9).description),
            "memory": .string(Quantity(memoryBytes, format: .binarySI).description),
        ]
    }
}

/// One node's usage.
public struct NodeResourceMetrics: Sendable, Hashable {
    /// The node's name.
    public var name: String
    /// When the newer of the two samples the rate comes from was taken (milliseconds since the epoch).
    public var timestampMilliseconds: Int64
    /// The time between the two samples, in milliseconds.
    public var windowMilliseconds: Int64
    /// The usage.
    public var usage: ResourceUsage

    /// Creates node metrics.
    public init(name: String, timestampMilliseconds: Int64, windowMilliseconds: Int64, usage: ResourceUsage) {
        self.name = name
        self.timestampMilliseconds = timestampMilliseconds
        self.windowMilliseconds = windowMilliseconds
        self.usage = usage
    }
}

/// One container's usage within a pod.
public struct ContainerResourceMetrics: Sendable, Hashable {
    /// The container's name.
    public var name: String
    /// The usage.
    public var usage: ResourceUsage

    /// Creates container metrics.
    public init(name: String, usage: ResourceUsage) {
        self.name = name
        self.usage = usage
    }
}

/// One pod's usage, per container.
public struct PodResourceMetrics: Sendable, Hashable {
    /// The pod's namespace.
    public var namespace: String
    /// The pod's name.
    public var name: String
    /// When the newest sample was taken (milliseconds since the epoch).
    public var timestampMilliseconds: Int64
    /// The time between the two samples, in milliseconds.
    public var windowMilliseconds: Int64
    /// The containers, sorted by name.
    public var containers: [ContainerResourceMetrics]

    /// Creates pod metrics.
    public init(namespace: String, name: String, timestampMilliseconds: Int64, windowMilliseconds: Int64, containers: [ContainerResourceMetrics]) {
        self.namespace = namespace
        self.name = name
        self.timestampMilliseconds = timestampMilliseconds
        self.windowMilliseconds = windowMilliseconds
        self.containers = containers
    }
}

/// A fixed set of metrics: for tests, and for embedding programs that compute usage themselves.
public struct StaticResourceMetricsSource: ResourceMetricsSource {
    /// The node metrics returned.
    public var nodes: [NodeResourceMetrics]
    /// The pod metrics returned.
    public var pods: [PodResourceMetrics]

    /// Creates a source answering `nodes` and `pods`.
    public init(nodes: [NodeResourceMetrics] = [], pods: [PodResourceMetrics] = []) {
        self.nodes = nodes
        self.pods = pods
    }

    /// ``nodes``.
    public func nodeMetrics() async -> [NodeResourceMetrics] { nodes }
    /// ``pods``.
    public func podMetrics() async -> [PodResourceMetrics] { pods }
}
