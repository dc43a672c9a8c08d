import Foundation
import Testing
import KubeAPI

/// The pod predicates and controller-ownership helpers every component shares.
@Suite struct PodLifecycleTests {
    static func pod(phase: String? = "Running", ready: String? = nil, readySince: Int64? = nil, deleting: Bool = false) -> CoreV1.Pod {
        var pod = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: "p", namespace: "default"))
        var status = CoreV1.PodStatus(phase: phase)
        if let ready {
            status.conditions = [
                CoreV1.PodCondition(status: "True", type: "PodScheduled"),
                CoreV1.PodCondition(lastTransitionTime: readySince.map { Time(secondsSinceEpoch: $0) }, status: ready, type: "Ready"),
            ]
        }
        pod.status = status
        if deleting { pod.metadata.deletionTimestamp = Time(secondsSinceEpoch: 1) }
        return pod
    }

    @Test func readinessFollowsTheReadyConditionOnly() {
        #expect(Self.pod(ready: "True").isReady)
        #expect(!Self.pod(ready: "False").isReady)
        #expect(!Self.pod(ready: "Unknown").isReady)
        #expect(!Self.pod().isReady, "no conditions at all")
        #expect(Self.pod(ready: "False").readyCondition?.status == "False")
        #expect(Self.pod(ready: "True", readySince: 50).readySince == Time(secondsSinceEpoch: 50))
        #expect(Self.pod(ready: "False", readySince: 50).readySince == nil, "not ready: no ready time")
    }

    @Test(arguments: [
        ("Pending", false), ("Running", false), ("Unknown", false), ("Succeeded", true), ("Failed", true),
    ])
    func terminalMeansSucceededOrFailed(phase: String, terminal: Bool) {
        let pod = Self.pod(phase: phase)
        #expect(pod.isTerminal == terminal)
        #expect(pod.isActive == !terminal)
    }

    @Test func aPodWithoutStatusIsActiveAndNotTerminal() {
        let pod = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: "new"))
        #expect(!pod.isTerminal)
        #expect(!pod.isTerminating)
        #expect(pod.isActive)
        #expect(!pod.isReady)
    }

    @Test func aPodBeingDeletedIsTerminatingAndNotActive() {
        let pod = Self.pod(ready: "True", deleting: true)
        #expect(pod.isTerminating)
        #expect(!pod.isActive)
        #expect(!pod.isTerminal, "being deleted is not finished")
    }

    @Test func runningAndReadyNeedsBoth() {
        #expect(Self.pod(phase: "Running", ready: "True").isRunningAndReady)
        #expect(!Self.pod(phase: "Pending", ready: "True").isRunningAndReady)
        #expect(!Self.pod(phase: "Running", ready: "False").isRunningAndReady)
    }

    @Test func availabilityHonoursMinReadySeconds() {
        let pod = Self.pod(ready: "True", readySince: 100)
        #expect(pod.isAvailable(minReadySeconds: 0, at: Date(timeIntervalSince1970: 100)))
        #expect(!pod.isAvailable(minReadySeconds: 10, at: Date(timeIntervalSince1970: 109.9)))
        #expect(pod.isAvailable(minReadySeconds: 10, at: Date(timeIntervalSince1970: 110)))
        #expect(!Self.pod(ready: "False", readySince: 0).isAvailable(minReadySeconds: 0, at: Date()))
        // Ready without a recorded transition: available only when no minimum applies.
        #expect(Self.pod(ready: "True").isAvailable(minReadySeconds: 0, at: Date()))
        #expect(!Self.pod(ready: "True").isAvailable(minReadySeconds: 1, at: Date()))
    }

    @Test func controllerRefIsTheOwnerMarkedController() {
        var meta = MetaV1.ObjectMeta(name: "p")
        #expect(meta.controllerRef == nil)
        meta.ownerReferences = [
            MetaV1.OwnerReference(apiVersion: "v1", controller: false, kind: "ConfigMap", name: "plain", uid: "u1"),
            MetaV1.OwnerReference(apiVersion: "apps/v1", controller: true, kind: "ReplicaSet", name: "web", uid: "u2"),
        ]
        #expect(meta.controllerRef?.uid == "u2")
        #expect(meta.controllerRef(kind: "ReplicaSet")?.name == "web")
        #expect(meta.controllerRef(kind: "ConfigMap") == nil, "a plain owner is not a controller")
        #expect(meta.controllerRef(kind: "Job") == nil)
    }

    @Test func aControllingReferenceNamesTheOwnersKind() {
        let set = AppsV1.StatefulSet(metadata: MetaV1.ObjectMeta(name: "db", namespace: "default", uid: "u-1"))
        let ref = MetaV1.OwnerReference.controller(set)
        #expect(ref == MetaV1.OwnerReference(
            apiVersion: "apps/v1", blockOwnerDeletion: true, controller: true, kind: "StatefulSet", name: "db", uid: "u-1"))
        let job = BatchV1.Job(metadata: MetaV1.ObjectMeta(name: "once", uid: "u-2"))
        #expect(MetaV1.OwnerReference.controller(job).apiVersion == "batch/v1")
        #expect(MetaV1.OwnerReference.controller(job).kind == "Job")
    }
}
