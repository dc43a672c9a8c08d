import KubeAPI
@testable import Kubelet

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A pod with the given containers (name, image) and restart policy.
func makePod(
    name: String = "web", namespace: String = "default", uid: String = "uid-1", restartPolicy: String? = nil,
    containers: [String] = ["main"], initContainers: [String] = [], sidecars: [String] = [],
    annotations: [String: String]? = nil, nodeName: String? = "node-a", phase: String? = "Pending"
) -> CoreV1.Pod {
    var spec = CoreV1.PodSpec(
        containers: containers.map { CoreV1.Container(image: "nginx", name: $0) },
        nodeName: nodeName, restartPolicy: restartPolicy)
    let inits = initContainers.map { CoreV1.Container(image: "busybox", name: $0) }
        + sidecars.map { CoreV1.Container(image: "envoy", name: $0, restartPolicy: "Always") }
    if !inits.isEmpty { spec.initContainers = inits }
    return CoreV1.Pod(
        metadata: MetaV1.ObjectMeta(annotations: annotations, generation: 1, name: name, namespace: namespace, uid: uid),
        spec: spec, status: CoreV1.PodStatus(phase: phase))
}

/// A runtime container status for planner and builder tests (times in seconds since the epoch).
func runtimeContainer(
    _ name: String, attempt: Int = 0, state: CRI.ContainerState, started: Int64 = 100, finished: Int64 = 0,
    exitCode: Int = 0, id: String? = nil
) -> CRI.ContainerStatus {
    CRI.ContainerStatus(
        container: CRI.Container(
            id: id ?? "\(name)-\(attempt)", podSandboxID: "sb", metadata: CRI.ContainerMetadata(name: name, attempt: attempt),
            image: CRI.ImageSpec("nginx"), imageRef: "docker.io/library/nginx@sha256:abc", state: state,
            createdAt: started * 1_000_000_000),
        startedAt: state == .created ? 0 : started * 1_000_000_000,
        finishedAt: finished * 1_000_000_000, exitCode: exitCode,
        reason: state == .exited ? (exitCode == 0 ? "Completed" : "Error") : "")
}

/// A ready sandbox with an IP.
func readySandbox(ip: String? = "10.42.0.2", state: CRI.PodSandboxState = .ready) -> CRI.PodSandboxStatus {
    CRI.PodSandboxStatus(
        sandbox: CRI.PodSandbox(id: "sb", metadata: CRI.PodSandboxMetadata(name: "web", namespace: "default", uid: "uid-1"),
                                state: state, createdAt: 0),
        ip: ip)
}

let second: Int64 = 1_000_000_000
