import KubeAPI
@testable import Scheduler

/// Builders for nodes and pods used across the scheduler tests.
enum Fixtures {
    static func node(_ name: String, cpu: String = "4", memory: String = "8Gi", pods: String = "110",
                     labels: [String: String] = [:], taints: [CoreV1.Taint] = [], unschedulable: Bool = false,
                     extra: [String: String] = [:]) -> CoreV1.Node {
        var allocatable: [String: Quantity] = ["cpu": Quantity(cpu), "memory": Quantity(memory), "pods": Quantity(pods)]
        for (key, value) in extra { allocatable[key] = Quantity(value) }
        var allLabels = labels
        allLabels["kubernetes.io/hostname"] = name
        return CoreV1.Node(
            metadata: MetaV1.ObjectMeta(labels: allLabels, name: name),
            spec: CoreV1.NodeSpec(taints: taints.isEmpty ? nil : taints, unschedulable: unschedulable ? true : nil),
            status: CoreV1.NodeStatus(allocatable: allocatable)
        )
    }

    static func pod(_ name: String, namespace: String = "default", cpu: String? = nil, memory: String? = nil,
                    nodeName: String? = nil, priority: Int? = nil, labels: [String: String]? = nil,
                    requests: [String: String] = [:], hostPorts: [Int] = [], tolerations: [CoreV1.Toleration]? = nil,
                    nodeSelector: [String: String]? = nil, affinity: CoreV1.Affinity? = nil,
                    spread: [CoreV1.TopologySpreadConstraint]? = nil, created: Int64 = 0) -> CoreV1.Pod {
        var list: [String: Quantity] = [:]
        if let cpu { list["cpu"] = Quantity(cpu) }
        if let memory { list["memory"] = Quantity(memory) }
        for (key, value) in requests { list[key] = Quantity(value) }
        let ports = hostPorts.map { CoreV1.ContainerPort(containerPort: $0, hostPort: $0) }
        let container = CoreV1.Container(image: "busybox", name: "main", ports: ports.isEmpty ? nil : ports,
                                         resources: list.isEmpty ? nil : CoreV1.ResourceRequirements(requests: list))
        return CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(creationTimestamp: Time(secondsSinceEpoch: created), labels: labels,
                                        name: name, namespace: namespace),
            spec: CoreV1.PodSpec(affinity: affinity, containers: [container], nodeName: nodeName, nodeSelector: nodeSelector,
                                 priority: priority, tolerations: tolerations, topologySpreadConstraints: spread)
        )
    }

    static func selector(_ labels: [String: String]) -> MetaV1.LabelSelector {
        MetaV1.LabelSelector(matchLabels: labels)
    }
}
