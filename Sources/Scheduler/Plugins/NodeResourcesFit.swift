/// The NodeResourcesFit filter and the resource scores (LeastAllocated, BalancedAllocation).
public enum NodeResourcesFit {
    /// Reason for a full node.
    public static let tooManyPods = "Too many pods"

    /// Whether the pod's requests fit the node's free allocatable resources, counting `extra`
    /// (the requests of nominated higher-priority pods) as used. Reports every short resource.
    public static func filter(_ pod: PodInfo, _ node: NodeInfo, extra: ResourceAmounts? = nil) -> FilterFailure? {
        let request = pod.requests.requested
        var used = node.requested
        if let extra { used.add(extra) }
        var reasons: [String] = []
        if used.pods + 1 > node.allocatable.pods { reasons.append(tooManyPods) }
        if request.milliCPU > 0 && request.milliCPU > node.allocatable.milliCPU - used.milliCPU {
            reasons.append("Insufficient cpu")
        }
        if request.memory > 0 && request.memory > node.allocatable.memory - used.memory {
            reasons.append("Insufficient memory")
        }
        if request.ephemeralStorage > 0 && request.ephemeralStorage > node.allocatable.ephemeralStorage - used.ephemeralStorage {
            reasons.append("Insufficient ephemeral-storage")
        }
        if !request.scalar.isEmpty {
            for (name, amount) in request.scalar.sorted(by: { $0.key < $1.key }) where amount > 0 {
                if amount > node.allocatable.scalar[name, default: 0] - used.scalar[name, default: 0] {
                    reasons.append("Insufficient \(name)")
                }
            }
        }
        if reasons.isEmpty { return nil }
        return FilterFailure(.unschedulable, plugin: "NodeResourcesFit", reasons: reasons)
    }

    /// LeastAllocated score (0...100): the mean over CPU and memory of the free share left after
    /// placing the pod, using request defaults for containers without requests.
    public static func leastAllocatedScore(_ pod: PodInfo, _ node: NodeInfo) -> Int64 {
        let cpu = leastAllocated(requested: node.nonZeroMilliCPU &+ pod.requests.nonZeroMilliCPU, capacity: node.allocatable.milliCPU)
        let memory = leastAllocated(requested: node.nonZeroMemory &+ pod.requests.nonZeroMemory, capacity: node.allocatable.memory)
        return (cpu + memory) / 2
    }

    @inline(__always)
    static func leastAllocated(requested: Int64, capacity: Int64) -> Int64 {
        if capacity <= 0 || requested > capacity { return 0 }
        return (capacity - requested) * 100 / capacity
    }

    /// BalancedAllocation score (0...100): 100 when CPU and memory are used in equal shares
    /// after placing the pod, lower by the standard deviation of the shares.
    public static func balancedAllocationScore(_ pod: PodInfo, _ node: NodeInfo) -> Int64 {
        let allocatable = node.allocatable
        guard allocatable.milliCPU > 0, allocatable.memory > 0 else { return 0 }
        let cpuShare = min(Double(node.requested.milliCPU &+ pod.requests.requested.milliCPU) / Double(allocatable.milliCPU), 1)
        let memoryShare = min(Double(node.requested.memory &+ pod.requests.requested.memory) / Double(allocatable.memory), 1)
        let deviation = abs(cpuShare - memoryShare) / 2
        return Int64((1 - deviation) * 100)
    }
}
