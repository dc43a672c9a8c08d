import KubeAPI
import KubeClient
import Logging

/// Records `core/v1` Events about the pods of one kubelet, with source component `kubelet` and
/// host the node's name. Repeats of the same (pod, container, type, reason, message) raise the
/// first event's `count` instead of creating another one.
///
/// ``record(pod:type:reason:message:fieldPath:)`` never blocks or fails: events are queued and
/// written while ``run()`` runs (the kubelet runs it with its other loops).
public final class KubeletEventRecorder: Sendable {
    let recorder: EventRecorder

    /// Creates a recorder writing through `client` for the node `nodeName`.
    public init(client: KubeClient, nodeName: String, clock: KubeletClock = .continuous, logger: Logger) {
        recorder = EventRecorder(client: client, component: "kubelet", host: nodeName, logger: logger, clock: { clock.now })
    }

    /// Queues an event about `pod`.
    /// - Parameters:
    ///   - type: `"Normal"` or `"Warning"` (anything else counts as `Normal`).
    ///   - reason: a short CamelCase reason (`FailedMount`, `Pulled`, `BackOff`).
    ///   - message: the human-readable message.
    ///   - fieldPath: the part of the pod concerned, `spec.containers{NAME}` (or
    ///     `spec.initContainers{NAME}`) for a container; `nil` for the pod as a whole.
    public func record(pod: CoreV1.Pod, type: String, reason: String, message: String, fieldPath: String? = nil) {
        let reference = CoreV1.ObjectReference(
            apiVersion: "v1", fieldPath: fieldPath, kind: "Pod", name: pod.metadata.name,
            namespace: pod.metadata.namespace, resourceVersion: pod.metadata.resourceVersion, uid: pod.metadata.uid)
        recorder.record(reference, type: type == "Warning" ? .warning : .normal, reason: reason, message: message)
    }

    /// The `fieldPath` of the named container of `pod` (`spec.containers{NAME}`, or
    /// `spec.initContainers{NAME}` for an init container).
    public static func fieldPath(container name: String, isInit: Bool = false) -> String {
        isInit ? "spec.initContainers{\(name)}" : "spec.containers{\(name)}"
    }

    /// Writes queued events until the calling task is cancelled.
    public func run() async {
        await recorder.run()
    }
}
