import KubeAPI

/// A minimal valid pod.
func testPod(_ name: String, namespace: String = "default", labels: [String: String] = [:], node: String? = nil,
             ports: [CoreV1.ContainerPort] = [], tolerations: [CoreV1.Toleration]? = nil) -> CoreV1.Pod {
    CoreV1.Pod(
        metadata: MetaV1.ObjectMeta(labels: labels, name: name, namespace: namespace),
        spec: CoreV1.PodSpec(
            containers: [CoreV1.Container(image: "nginx", name: "main", ports: ports.isEmpty ? nil : ports)],
            nodeName: node, tolerations: tolerations))
}
