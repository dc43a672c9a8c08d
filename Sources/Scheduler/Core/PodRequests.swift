import KubeAPI

/// How much a pod asks for, as the scheduler accounts it.
public struct PodRequests: Sendable, Hashable {
    /// The effective requests: regular containers and sidecars summed, raised to the largest init
    /// container step, plus pod overhead. `pods` is 1.
    public var requested: ResourceAmounts
    /// CPU and memory with the scheduler's defaults (100m, 200Mi) for containers that request
    /// none; used for spreading scores.
    public var nonZeroMilliCPU: Int64
    /// Memory counterpart of ``nonZeroMilliCPU``.
    public var nonZeroMemory: Int64

    /// CPU assumed for a container without a CPU request when scoring (millicores).
    public static let defaultMilliCPU: Int64 = 100
    /// Memory assumed for a container without a memory request when scoring (bytes).
    public static let defaultMemory: Int64 = 200 * 1024 * 1024

    /// Creates requests from explicit amounts.
    public init(requested: ResourceAmounts, nonZeroMilliCPU: Int64, nonZeroMemory: Int64) {
        self.requested = requested
        self.nonZeroMilliCPU = nonZeroMilliCPU
        self.nonZeroMemory = nonZeroMemory
    }

    /// Computes a pod's requests: the sum over containers; restartable init containers (sidecars)
    /// add to it; each regular init container, together with the sidecars started before it, may
    /// raise it (per resource maximum); then the overhead is added. Pod-level `resources.requests`
    /// for cpu or memory replace the container totals of that resource.
    public init(pod: CoreV1.Pod) {
        let spec = pod.spec
        var sum = ResourceAmounts()
        var nonZero = ResourceAmounts()
        for container in spec?.containers ?? [] {
            let (request, nz) = Self.containerRequests(container)
            sum.add(request)
            nonZero.add(nz)
        }
        var sidecars = ResourceAmounts()
        var sidecarsNonZero = ResourceAmounts()
        var initMax = ResourceAmounts()
        var initMaxNonZero = ResourceAmounts()
        for container in spec?.initContainers ?? [] {
            let (request, nz) = Self.containerRequests(container)
            if container.restartPolicy == "Always" {
                sidecars.add(request)
                sidecarsNonZero.add(nz)
                initMax.formMaximum(sidecars)
                initMaxNonZero.formMaximum(sidecarsNonZero)
            } else {
                initMax.formMaximum(request + sidecars)
                initMaxNonZero.formMaximum(nz + sidecarsNonZero)
            }
        }
        sum.add(sidecars)
        nonZero.add(sidecarsNonZero)
        sum.formMaximum(initMax)
        nonZero.formMaximum(initMaxNonZero)
        if let podLevel = spec?.resources?.requests {
            if let cpu = podLevel["cpu"] { sum.milliCPU = cpu.milliValue; nonZero.milliCPU = cpu.milliValue }
            if let memory = podLevel["memory"] { sum.memory = memory.value; nonZero.memory = memory.value }
        }
        if let overhead = spec?.overhead {
            let extra = ResourceAmounts(overhead)
            sum.add(extra)
            nonZero.milliCPU &+= extra.milliCPU
            nonZero.memory &+= extra.memory
        }
        sum.pods = 1
        self.requested = sum
        self.nonZeroMilliCPU = nonZero.milliCPU
        self.nonZeroMemory = nonZero.memory
    }

    private static func containerRequests(_ container: CoreV1.Container) -> (ResourceAmounts, ResourceAmounts) {
        let requests = container.resources?.requests
        let request = ResourceAmounts(requests)
        var nonZero = ResourceAmounts()
        nonZero.milliCPU = requests?["cpu"] != nil ? request.milliCPU : defaultMilliCPU
        nonZero.memory = requests?["memory"] != nil ? request.memory : defaultMemory
        return (request, nonZero)
    }
}
