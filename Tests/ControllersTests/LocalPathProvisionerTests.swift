import Controllers
import KubeAPI
import Testing

/// Builders for the storage tests.
enum StorageFixtures {
    static func claim(_ name: String, className: String? = "local-path", size: String = "2Gi",
                      modes: [String] = ["ReadWriteOnce"], selectedNode: String? = nil, namespace: String = "apps") -> CoreV1.PersistentVolumeClaim {
        CoreV1.PersistentVolumeClaim(
            metadata: MetaV1.ObjectMeta(
                annotations: selectedNode.map { [VolumeBindingNames.selectedNode: $0] }, name: name, namespace: namespace,
                resourceVersion: "7", uid: "0f1e2d3c-\(name)"),
            spec: CoreV1.PersistentVolumeClaimSpec(
                accessModes: modes, resources: CoreV1.VolumeResourceRequirements(requests: ["storage": Quantity(size)]),
                storageClassName: className))
    }

    static func volume(_ name: String, size: String, className: String = "", modes: [String] = ["ReadWriteOnce"],
                       node: String? = nil, reclaim: String = "Retain", claimRef: CoreV1.ObjectReference? = nil) -> CoreV1.PersistentVolume {
        CoreV1.PersistentVolume(
            metadata: MetaV1.ObjectMeta(name: name),
            spec: CoreV1.PersistentVolumeSpec(
                accessModes: modes, capacity: ["storage": Quantity(size)], claimRef: claimRef,
                hostPath: CoreV1.HostPathVolumeSource(path: "/srv/\(name)"),
                nodeAffinity: node.map { node in
                    CoreV1.VolumeNodeAffinity(required: CoreV1.NodeSelector(nodeSelectorTerms: [
                        CoreV1.NodeSelectorTerm(matchExpressions: [
                            CoreV1.NodeSelectorRequirement(key: "kubernetes.io/hostname", operator: "In", values: [node]),
                        ]),
                    ]))
                },
                persistentVolumeReclaimPolicy: reclaim, storageClassName: className))
    }

    static let localPath = StorageV1.StorageClass(
        metadata: MetaV1.ObjectMeta(name: "local-path"), provisioner: "rancher.io/local-path", reclaimPolicy: "Delete",
        volumeBindingMode: "WaitForFirstConsumer")
}

@Suite struct LocalPathProvisionerTests {
    typealias F = StorageFixtures

    @Test func volumeIsADirectoryOnTheChosenNodeNamedAfterTheClaim() throws {
        let claim = F.claim("data", modes: ["ReadWriteOnce", "ReadWriteOncePod"])
        let volume = try LocalPathProvisioner.volume(for: claim, storageClass: F.localPath, node: "node-1", storageRoot: "/var/lib/rancher/k3s/storage/")
        #expect(volume.metadata.name == "pvc-0f1e2d3c-data")
        #expect(volume.metadata.annotations == ["pv.kubernetes.io/provisioned-by": "rancher.io/local-path"])
        #expect(volume.spec?.hostPath == CoreV1.HostPathVolumeSource(
            path: "/var/lib/rancher/k3s/storage/pvc-0f1e2d3c-data_apps_data", type: "DirectoryOrCreate"))
        #expect(volume.pinnedNodeName == "node-1")
        #expect(volume.spec?.capacity == ["storage": Quantity("2Gi")])
        #expect(volume.spec?.accessModes == ["ReadWriteOnce", "ReadWriteOncePod"])
        #expect(volume.spec?.persistentVolumeReclaimPolicy == "Delete")
        #expect(volume.spec?.storageClassName == "local-path")
        #expect(volume.spec?.volumeMode == "Filesystem")
        #expect(volume.spec?.claimRef?.uid == "0f1e2d3c-data" && volume.spec?.claimRef?.namespace == "apps"
            && volume.spec?.claimRef?.name == "data" && volume.spec?.claimRef?.kind == "PersistentVolumeClaim")
        #expect(volume.isClaimed(by: claim))
        #expect(LocalPathProvisioner.provisioned(volume))

        var retained = F.localPath
        retained.reclaimPolicy = "Retain"
        #expect(try LocalPathProvisioner.volume(for: claim, storageClass: retained, node: "n", storageRoot: "/s").spec?.persistentVolumeReclaimPolicy == "Retain")
    }

    @Test func claimsThatCannotBeProvisionedSayWhy() {
        var block = F.claim("raw")
        block.spec?.volumeMode = "Block"
        #expect(throws: LocalPathProvisioner.Failure.self) {
            try LocalPathProvisioner.volume(for: block, storageClass: F.localPath, node: "n", storageRoot: "/s")
        }
        var noUID = F.claim("new")
        noUID.metadata.uid = nil
        #expect(throws: LocalPathProvisioner.Failure.self) {
            try LocalPathProvisioner.volume(for: noUID, storageClass: F.localPath, node: "n", storageRoot: "/s")
        }
    }

    @Test func matchingPrefersTheReservedVolumeThenTheSmallestThatFits() {
        let claim = F.claim("data", className: "", size: "1Gi")
        let small = F.volume("small", size: "500Mi")
        let big = F.volume("big", size: "10Gi")
        let right = F.volume("right", size: "2Gi")
        let readMany = F.volume("ro", size: "1Gi", modes: ["ReadOnlyMany"])
        let otherClass = F.volume("fast", size: "1Gi", className: "fast")
        #expect(VolumeBinder.matchingVolume(for: claim, among: [small, big, right, readMany, otherClass])?.metadata.name == "right")
        let taken = F.volume("taken", size: "1Gi", claimRef: CoreV1.ObjectReference(name: "other", namespace: "apps", uid: "x"))
        #expect(VolumeBinder.matchingVolume(for: claim, among: [taken, small]) == nil)
        let reserved = F.volume("reserved", size: "100Gi", claimRef: CoreV1.ObjectReference(name: "data", namespace: "apps"))
        #expect(VolumeBinder.matchingVolume(for: claim, among: [right, reserved])?.metadata.name == "reserved")
        // A node was chosen: only volumes that can be used there.
        let onA = F.volume("on-a", size: "1Gi", node: "a")
        let onB = F.volume("on-b", size: "5Gi", node: "b")
        #expect(VolumeBinder.matchingVolume(for: claim, among: [onA, onB], node: ("b", ["kubernetes.io/hostname": "b"]))?.metadata.name == "on-b")
    }

    @Test func bindingFillsBothSidesAsUpstreamDoes() throws {
        let claim = F.claim("data", selectedNode: "n1")
        let provisioned = try LocalPathProvisioner.volume(for: claim, storageClass: F.localPath, node: "n1", storageRoot: "/s")
        let bound = VolumeBinder.claim(claim, boundTo: provisioned)
        #expect(bound.spec?.volumeName == "pvc-0f1e2d3c-data")
        #expect(bound.metadata.annotations?["pv.kubernetes.io/bind-completed"] == "yes")
        #expect(bound.metadata.annotations?["pv.kubernetes.io/bound-by-controller"] == "yes")
        #expect(bound.metadata.annotations?["volume.kubernetes.io/storage-provisioner"] == "rancher.io/local-path")
        #expect(bound.metadata.annotations?[VolumeBindingNames.selectedNode] == "n1")
        let status = VolumeBinder.boundStatus(of: bound, volume: provisioned)
        #expect(status.phase == "Bound" && status.capacity == ["storage": Quantity("2Gi")] && status.accessModes == ["ReadWriteOnce"])
        #expect(VolumeBinder.claimNeedsUpdate(claim, volume: provisioned))
        var done = bound
        done.status = status
        #expect(!VolumeBinder.claimNeedsUpdate(done, volume: provisioned))

        // A volume the controller reserves is marked as such; a provisioner's reference is kept.
        let manual = VolumeBinder.volume(F.volume("manual", size: "5Gi"), claimedBy: claim)
        #expect(manual.metadata.annotations?["pv.kubernetes.io/bound-by-controller"] == "yes")
        #expect(manual.spec?.claimRef?.uid == claim.metadata.uid && manual.spec?.claimRef?.resourceVersion == "7")
        #expect(VolumeBinder.volume(provisioned, claimedBy: claim).metadata.annotations?["pv.kubernetes.io/bound-by-controller"] == nil)
    }
}
