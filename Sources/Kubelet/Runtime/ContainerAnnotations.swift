/// Label and annotation keys the kubelet puts on sandboxes and containers so that it (and a fake
/// runtime) can map runtime objects back to pods. The pod keys follow the upstream kubelet's.
public enum ContainerAnnotations {
    /// Label: the pod's name.
    public static let podName = "io.kubernetes.pod.name"
    /// Label: the pod's namespace.
    public static let podNamespace = "io.kubernetes.pod.namespace"
    /// Label: the pod's UID.
    public static let podUID = "io.kubernetes.pod.uid"
    /// Label: the container's name.
    public static let containerName = "io.kubernetes.container.name"
    /// Annotation: the container's restart count when it was created.
    public static let restartCount = "io.kubernetes.container.restartCount"
    /// Annotation: the container's effective restart policy (`Always`, `OnFailure`, `Never`):
    /// init containers that are not sidecars never get `Always`. A fake runtime runs an `Always`
    /// container until stopped and lets any other exit after a short run.
    public static let restartPolicy = "io.kubernetes.container.restartPolicy"
    /// Annotation: whether the container is an init container (`true`).
    public static let initContainer = "io.kubernetes.container.init"
}
