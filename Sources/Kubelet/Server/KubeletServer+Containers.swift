import KubeAPI

extension KubeletServer {
    /// The pod `namespace/name` (and `uid`, when the path names one) among the node's pods.
    ///
    /// - Throws: `StatusError` 404 when the kubelet does not run it.
    func pod(namespace: String, name: String, uid: String? = nil) throws(StatusError) -> CoreV1.Pod {
        let found = pods.currentPods().first {
            $0.metadata.namespace == namespace && $0.metadata.name == name && (uid == nil || $0.metadata.uid == uid)
        }
        guard let found else { throw StatusError.notFound(GroupResource(group: "", resource: "pods"), name: name) }
        return found
    }

    /// The runtime attempts of container `name` of `pod`, oldest first.
    ///
    /// - Throws: `StatusError` 400 when the pod has no such container.
    func attempts(of name: String, in pod: CoreV1.Pod) async throws -> [CRI.ContainerStatus] {
        let spec = pod.spec
        let names = (spec?.containers ?? []).compactMap(\.name) + (spec?.initContainers ?? []).compactMap(\.name)
            + (spec?.ephemeralContainers ?? []).compactMap(\.name)
        guard names.contains(name) else {
            throw StatusError.badRequest("container \(name) is not valid for pod \(pod.metadata.name ?? "")")
        }
        let containers = try await runtime.listContainers(CRI.ContainerFilter(labels: [
            ContainerAnnotations.podUID: pod.metadata.uid ?? "", ContainerAnnotations.containerName: name,
        ]))
        var statuses: [CRI.ContainerStatus] = []
        for container in containers {
            if let status = try? await runtime.containerStatus(container.id) { statuses.append(status) }
        }
        return statuses.sorted {
            ($0.container.metadata.attempt, $0.container.createdAt) < ($1.container.metadata.attempt, $1.container.createdAt)
        }
    }

    /// The pod and container named by `/<op>/{ns}/{pod}/{container}` or
    /// `/<op>/{ns}/{pod}/{uid}/{container}`.
    ///
    /// - Throws: `StatusError` 400 for a malformed path, 404 for an unknown pod.
    func containerTarget(_ request: KubeletRequest) throws(StatusError) -> (pod: CoreV1.Pod, container: String) {
        let parts = Array(request.segments.dropFirst())
        switch parts.count {
        case 3: return (try pod(namespace: parts[0], name: parts[1]), parts[2])
        case 4: return (try pod(namespace: parts[0], name: parts[1], uid: parts[2]), parts[3])
        default:
            throw StatusError.badRequest("expected /\(request.segments.first ?? "")/{namespace}/{pod}/{container}, got \(request.path)")
        }
    }
}
