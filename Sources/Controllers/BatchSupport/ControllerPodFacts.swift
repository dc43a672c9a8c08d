#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI

/// Facts about pods that the job and stateful-set controllers decide on.
enum ControllerPodFacts {
    /// Whether the pod has finished (`Succeeded` or `Failed`).
    static func isTerminal(_ pod: CoreV1.Pod) -> Bool {
        let phase = pod.status?.phase
        return phase == "Succeeded" || phase == "Failed"
    }

    /// Whether the pod's `Ready` condition is `True`.
    static func isReady(_ pod: CoreV1.Pod) -> Bool {
        pod.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false
    }

    /// Whether the pod runs and is ready.
    static func isRunningAndReady(_ pod: CoreV1.Pod) -> Bool {
        pod.status?.phase == "Running" && isReady(pod)
    }

    /// When the pod's `Ready` condition last turned true.
    static func readySince(_ pod: CoreV1.Pod) -> Time? {
        pod.status?.conditions?.first { $0.type == "Ready" && $0.status == "True" }?.lastTransitionTime
    }

    /// Whether the pod is being deleted.
    static func isTerminating(_ pod: CoreV1.Pod) -> Bool { pod.metadata.deletionTimestamp != nil }

    /// The uid of the controller owner of `meta` if it is of `kind`.
    static func controllerUID(_ meta: MetaV1.ObjectMeta, kind: String) -> String? {
        meta.ownerReferences?.first { $0.controller == true && $0.kind == kind }?.uid
    }

    /// The name of the controller owner of `meta` if it is of `kind`.
    static func controllerName(_ meta: MetaV1.ObjectMeta, kind: String) -> String? {
        meta.ownerReferences?.first { $0.controller == true && $0.kind == kind }?.name
    }

    /// A controlling owner reference to `meta`.
    static func ownerReference(apiVersion: String, kind: String, _ meta: MetaV1.ObjectMeta) -> MetaV1.OwnerReference {
        MetaV1.OwnerReference(
            apiVersion: apiVersion, blockOwnerDeletion: true, controller: true, kind: kind,
            name: meta.name ?? "", uid: meta.uid ?? "")
    }
}
