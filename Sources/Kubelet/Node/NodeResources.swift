import KubeAPI

/// Capacity and allocatable of a real node: what the machine has, and what is left for pods
/// after `kube-reserved`, `system-reserved`, the hard eviction thresholds and pre-allocated huge
/// pages (for memory).
public enum NodeResources {
    /// The machine's capacity: `cpu`, `memory`, `ephemeral-storage` (when the root filesystem is
    /// known), `hugepages-*` and `pods`.
    public static func capacity(of machine: MachineInfo, maxPods: Int) -> [String: Quantity] {
        var capacity: [String: Quantity] = [
            "cpu": Quantity(Int64(machine.cpuCount)),
            "memory": Quantity(machine.memoryBytes, format: .binarySI),
            "pods": Quantity(Int64(maxPods)),
        ]
        if let root = machine.rootFilesystem {
            capacity["ephemeral-storage"] = Quantity(root.capacityBytes, format: .binarySI)
        }
        for (name, bytes) in machine.hugepages {
            capacity[name] = Quantity(bytes, format: .binarySI)
        }
        return capacity
    }

    /// `capacity − kubeReserved − systemReserved − hard eviction threshold` per resource, never
    /// below zero; memory also loses the huge pages. `memory.available` reserves memory,
    /// `nodefs.available` ephemeral storage.
    public static func allocatable(
        capacity: [String: Quantity], kubeReserved: [String: Quantity], systemReserved: [String: Quantity],
        evictionHard: [EvictionThreshold]
    ) -> [String: Quantity] {
        var allocatable = capacity
        for (name, total) in capacity {
            var value = total
            if let reserved = kubeReserved[name] { value -= reserved }
            if let reserved = systemReserved[name] { value -= reserved }
            let signal: EvictionSignal? = switch name {
            case "memory": .memoryAvailable
            case "ephemeral-storage": .nodefsAvailable
            default: nil
            }
            if let signal, let threshold = evictionHard.first(where: { $0.signal == signal }) {
                value -= Quantity(threshold.amount(capacity: total.value), format: total.format)
            }
            if name == "memory" {
                for (huge, pages) in capacity where huge.hasPrefix("hugepages-") { value -= pages }
            }
            if value.sign < 0 { value = Quantity(0, format: total.format) }
            value.format = total.format
            allocatable[name] = value
        }
        return allocatable
    }
}
