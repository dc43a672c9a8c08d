import KubeAPI
import Testing
@testable import Scheduler

/// Builders for claims, volumes and classes.
enum VolumeFixtures {
    static func claim(_ name: String, className: String? = "local-path", volumeName: String? = nil, phase: String? = nil,
                      selectedNode: String? = nil, deleting: Bool = false) -> CoreV1.PersistentVolumeClaim {
        CoreV1.PersistentVolumeClaim(
            metadata: MetaV1.ObjectMeta(
                annotations: selectedNode.map { [VolumeBindingNames.selectedNode: $0] },
                deletionTimestamp: deleting ? Time(secondsSinceEpoch: 1) : nil, name: name, namespace: "default", uid: "uid-\(name)"),
            spec: CoreV1.PersistentVolumeClaimSpec(
                accessModes: ["ReadWriteOnce"], resources: CoreV1.VolumeResourceRequirements(requests: ["storage": Quantity("1Gi")]),
                storageClassName: className, volumeName: volumeName),
            status: CoreV1.PersistentVolumeClaimStatus(phase: phase ?? (volumeName == nil ? "Pending" : "Bound")))
    }

    static func volume(_ name: String, node: String? = nil, className: String = "", size: String = "1Gi") -> CoreV1.PersistentVolume {
        CoreV1.PersistentVolume(
            metadata: MetaV1.ObjectMeta(name: name),
            spec: CoreV1.PersistentVolumeSpec(
                accessModes: ["ReadWriteOnce"], capacity: ["storage": Quantity(size)],
                hostPath: CoreV1.HostPathVolumeSource(path: "/srv/\(name)"),
                nodeAffinity: node.map { node in
                    CoreV1.VolumeNodeAffinity(required: CoreV1.NodeSelector(nodeSelectorTerms: [
                        CoreV1.NodeSelectorTerm(matchExpressions: [
                            CoreV1.NodeSelectorRequirement(key: "kubernetes.io/hostname", operator: "In", values: [node]),
                        ]),
                    ]))
                },
                storageClassName: className))
    }

    static func storageClass(_ name: String, waiting: Bool = true, provisioner: String = "rancher.io/local-path") -> StorageV1.StorageClass {
        StorageV1.StorageClass(metadata: MetaV1.ObjectMeta(name: name), provisioner: provisioner,
                               volumeBindingMode: waiting ? "WaitForFirstConsumer" : "Immediate")
    }

    static func pod(_ name: String, claims: [String]) -> CoreV1.Pod {
        var pod = Fixtures.pod(name)
        pod.spec?.volumes = claims.map { CoreV1.Volume(name: $0, persistentVolumeClaim: CoreV1.PersistentVolumeClaimVolumeSource(claimName: $0)) }
        return pod
    }

    static func snapshot(claims: [CoreV1.PersistentVolumeClaim], volumes: [CoreV1.PersistentVolume] = [],
                         classes: [StorageV1.StorageClass] = [storageClass("local-path")]) -> ClusterSnapshot {
        let snapshot = ClusterSnapshot(nodes: [Fixtures.node("a"), Fixtures.node("b")])
        snapshot.volumes = VolumeCatalog(claims: claims, volumes: volumes, classes: classes)
        return snapshot
    }
}

@Suite struct VolumeBindingTests {
    typealias F = VolumeFixtures

    func schedule(_ pod: CoreV1.Pod, _ snapshot: ClusterSnapshot) -> Result<String, SchedulingError> {
        let algorithm = SchedulingAlgorithm(seed: 1)
        do throws(SchedulingError) {
            return .success(try algorithm.schedule(PodInfo(pod), in: snapshot).nodeName)
        } catch {
            return .failure(error)
        }
    }

    func message(_ result: Result<String, SchedulingError>) -> String? {
        if case .failure(let error) = result { return error.message }
        return nil
    }

    @Test func podsWithoutClaimsAreUntouched() throws {
        let binding = VolumeBinding(pod: PodInfo(Fixtures.pod("p")), catalog: VolumeCatalog())
        #expect(binding.preFilterFailure == nil && !binding.filterActive && binding.claimsToSelect.isEmpty)
    }

    @Test func missingClaimRejectsThePodBeforeAnyNode() throws {
        let result = schedule(F.pod("p", claims: ["data"]), F.snapshot(claims: []))
        #expect(message(result) == "0/2 nodes are available: persistentvolumeclaim \"data\" not found.")
        // Every node is rejected as unresolvable, so preemption cannot help.
        if case .failure(.unschedulable(let fit)) = result {
            #expect(fit.failures.count == 2 && fit.failures.values.allSatisfy { $0.code == .unresolvable })
            let snapshot = F.snapshot(claims: [])
            let outcome = Preemption.preempt(PodInfo(F.pod("p", claims: ["data"])), fitError: fit, snapshot: snapshot,
                                             algorithm: SchedulingAlgorithm(seed: 1))
            guard case .failed(let reason) = outcome else { Issue.record("preemption found a candidate"); return }
            #expect(reason == "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")
        } else {
            Issue.record("not unschedulable: \(result)")
        }
    }

    @Test func claimBeingDeletedRejectsThePod() throws {
        let result = schedule(F.pod("p", claims: ["data"]), F.snapshot(claims: [F.claim("data", deleting: true)]))
        #expect(message(result)?.hasPrefix("0/2 nodes are available: persistentvolumeclaim \"data\" is being deleted.") == true)
    }

    @Test func unboundImmediateClaimRejectsThePod() throws {
        let immediate = F.snapshot(claims: [F.claim("data", className: "fast")], classes: [F.storageClass("fast", waiting: false)])
        #expect(message(schedule(F.pod("p", claims: ["data"]), immediate))?
            .hasPrefix("0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.") == true)
        let classless = F.snapshot(claims: [F.claim("data", className: "")])
        #expect(message(schedule(F.pod("p", claims: ["data"]), classless))?
            .hasPrefix("0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.") == true)
        let missingClass = F.snapshot(claims: [F.claim("data", className: "gone")], classes: [])
        #expect(message(schedule(F.pod("p", claims: ["data"]), missingClass))?
            .hasPrefix("0/2 nodes are available: storageclass.storage.k8s.io \"gone\" not found.") == true)
    }

    @Test func boundVolumeNodeAffinityRestrictsNodes() throws {
        let snapshot = F.snapshot(claims: [F.claim("data", volumeName: "pv-b")], volumes: [F.volume("pv-b", node: "b")])
        #expect(try schedule(F.pod("p", claims: ["data"]), snapshot).get() == "b")
        let binding = VolumeBinding(pod: PodInfo(F.pod("p", claims: ["data"])), catalog: snapshot.volumes)
        #expect(binding.filter(snapshot.node(named: "a")!)?.reasons == ["node(s) had volume node affinity conflict"])
        #expect(binding.claimsToSelect.isEmpty)

        let onlyC = F.snapshot(claims: [F.claim("data", volumeName: "pv-c")], volumes: [F.volume("pv-c", node: "c")])
        #expect(message(schedule(F.pod("p", claims: ["data"]), onlyC))
            == "0/2 nodes are available: 2 node(s) had volume node affinity conflict.")
    }

    @Test func claimBoundToAMissingVolumeFitsNowhere() throws {
        let snapshot = F.snapshot(claims: [F.claim("data", volumeName: "gone")])
        #expect(message(schedule(F.pod("p", claims: ["data"]), snapshot))?
            .hasPrefix("0/2 nodes are available: 2 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s).") == true)
    }

    @Test func waitForFirstConsumerClaimLetsTheSchedulerChooseAndIsSelected() throws {
        let snapshot = F.snapshot(claims: [F.claim("data")])
        let pod = PodInfo(F.pod("p", claims: ["data"]))
        let binding = VolumeBinding(pod: pod, catalog: snapshot.volumes)
        #expect(binding.preFilterFailure == nil)
        #expect(binding.claimsToSelect == ["default/data"])
        #expect(snapshot.nodes.allSatisfy { binding.filter($0) == nil })

        // Once a node is chosen (assumed or annotated), the claim keeps the pod's peers there.
        var catalog = snapshot.volumes
        catalog.assume(claim: "default/data", on: "b")
        let assumed = VolumeBinding(pod: pod, catalog: catalog)
        #expect(assumed.claimsToSelect.isEmpty)
        #expect(assumed.filter(snapshot.node(named: "a")!)?.reasons == ["node(s) didn't find available persistent volumes to bind"])
        #expect(assumed.filter(snapshot.node(named: "b")!) == nil)
        let annotated = F.snapshot(claims: [F.claim("data", selectedNode: "a")])
        #expect(try schedule(F.pod("p", claims: ["data"]), annotated).get() == "a")
        // The annotation arriving clears the assumption.
        catalog.upsert(F.claim("data", selectedNode: "a"))
        #expect(catalog.assumedNodes.isEmpty && catalog.selectedNode(of: F.claim("data")) == nil)
    }

    @Test func noProvisionerClassNeedsAMatchingAvailableVolume() throws {
        let manual = F.storageClass("manual", provisioner: "kubernetes.io/no-provisioner")
        let claim = F.claim("data", className: "manual")
        let snapshot = F.snapshot(claims: [claim], volumes: [F.volume("small", node: "a", className: "manual", size: "100Mi"),
                                                             F.volume("right", node: "b", className: "manual")], classes: [manual])
        #expect(try schedule(F.pod("p", claims: ["data"]), snapshot).get() == "b")
        let none = F.snapshot(claims: [claim], volumes: [F.volume("other-class", node: "a")], classes: [manual])
        #expect(message(schedule(F.pod("p", claims: ["data"]), none))?
            .hasPrefix("0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.") == true)
    }

    @Test func allowedTopologiesLimitProvisioning() throws {
        var limited = F.storageClass("local-path")
        limited.allowedTopologies = [CoreV1.TopologySelectorTerm(matchLabelExpressions: [
            CoreV1.TopologySelectorLabelRequirement(key: "kubernetes.io/hostname", values: ["b"]),
        ])]
        let snapshot = F.snapshot(claims: [F.claim("data")], classes: [limited])
        #expect(try schedule(F.pod("p", claims: ["data"]), snapshot).get() == "b")
    }

    @Test func ephemeralVolumesUseTheirGeneratedClaim() throws {
        var pod = Fixtures.pod("web")
        pod.spec?.volumes = [
            CoreV1.Volume(ephemeral: CoreV1.EphemeralVolumeSource(), name: "scratch"),
            CoreV1.Volume(emptyDir: CoreV1.EmptyDirVolumeSource(), name: "tmp"),
        ]
        #expect(PodInfo(pod).claimNames == ["web-scratch"])
    }
}
