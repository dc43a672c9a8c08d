import KubeAPI

/// What a probe worker needs from the kubelet: the current state of its container, and where to
/// send results and events.
protocol ProbeHost: Sendable {
    /// The pod, the container's spec, its newest runtime status and the pod IP; `nil` once the
    /// pod is gone (the worker then ends).
    func probeObservation(podUID: String, container: String) -> ProbeObservation?

    /// A probe result changed (readiness flipped, liveness or startup failed for good, startup
    /// succeeded): the pod needs a sync.
    func probeResultChanged(podUID: String)

    /// Records an event about the container (`Unhealthy`, `ProbeWarning`).
    func probeEvent(_ pod: CoreV1.Pod, container: String, warning: Bool, reason: String, message: String)
}

/// What a probe worker sees of its container at one period.
struct ProbeObservation: Sendable {
    /// The pod.
    var pod: CoreV1.Pod
    /// The container's spec.
    var container: CoreV1.Container
    /// The newest attempt of the container in the runtime, if any.
    var status: CRI.ContainerStatus?
    /// The pod's IP.
    var podIP: String?
}
