import KubeAPI

/// The pods a kubelet runs, as its API serves them (`/pods`, and to find the containers of
/// `/containerLogs`, `/exec`, `/attach` and `/portForward`).
public protocol KubeletPodSource: Sendable {
    /// The pods bound to this node as the kubelet currently sees them (pods that left the API
    /// but are still being cleaned up are left out).
    func currentPods() -> [CoreV1.Pod]

    /// The ID of the runtime sandbox the kubelet created for the pod with `uid`, if any.
    func sandboxID(podUID uid: String) -> String?
}

extension Kubelet: KubeletPodSource {
    /// The pods bound to this node that the kubelet knows, in no particular order.
    public func currentPods() -> [CoreV1.Pod] {
        state.withLock { state in state.pods.values.filter { !$0.gone }.map(\.pod) }
    }

    /// The sandbox of the pod with `uid`, once created.
    public func sandboxID(podUID uid: String) -> String? {
        state.withLock { $0.pods[uid]?.sandboxID }
    }
}
