import ClusterTesting
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Kubelet
import Logging
import Testing
@testable import Cluster

/// Local-path storage: the packaged StorageClass (and `--disable local-storage`), and the node's
/// part (making volume directories, reclaiming released volumes, never outside its storage).
@Suite struct LocalStorageTests {
    let logger = Logger(label: "test.local-storage", factory: { _ in SwiftLogNoOpLogHandler() })

    func volume(_ name: String, node: String = "n1", path: String, phase: String, reclaim: String = "Delete") throws -> CoreV1.PersistentVolume {
        var claim = CoreV1.PersistentVolumeClaim(
            metadata: MetaV1.ObjectMeta(name: name, namespace: "default", uid: "uid-" + name),
            spec: CoreV1.PersistentVolumeClaimSpec(accessModes: ["ReadWriteOnce"], resources: .init(requests: ["storage": "1Gi"])))
        claim.spec?.storageClassName = "local-path"
        var storageClass = PackagedComponents.localPathStorageClass
        storageClass.reclaimPolicy = reclaim
        var volume = try LocalPathProvisioner.volume(for: claim, storageClass: storageClass, node: node, storageRoot: "/unused")
        volume.spec?.hostPath?.path = path
        volume.status = CoreV1.PersistentVolumeStatus(phase: phase)
        return volume
    }

    @Test func thePackagedClassIsK3sLocalPathAndDisablingRemovesIt() async throws {
        try await TestAPIServer.with { api in
            let client = api.client()
            try await PackagedComponents(disabled: [], clusterDNSAddresses: []).reconcile(client: client, logger: logger)
            let classes = client.resource(StorageV1.StorageClass.self)
            let made = try await classes.get("local-path")
            #expect(made.provisioner == "rancher.io/local-path")
            #expect(made.metadata.annotations?["storageclass.kubernetes.io/is-default-class"] == "true")
            #expect(made.volumeBindingMode == "WaitForFirstConsumer")
            #expect(made.reclaimPolicy == "Delete")

            // Edits survive a restart; `--disable local-storage` removes the class.
            var edited = made
            edited.metadata.labels = ["team": "storage"]
            _ = try await classes.update(edited)
            try await PackagedComponents(disabled: [], clusterDNSAddresses: []).reconcile(client: client, logger: logger)
            #expect(try await classes.get("local-path").metadata.labels?["team"] == "storage")
            try await PackagedComponents(disabled: [PackagedComponents.localStorage], clusterDNSAddresses: []).reconcile(client: client, logger: logger)
            #expect(try await classes.list().items.isEmpty)

            // Someone else's class of that name stays.
            let theirs = StorageV1.StorageClass(metadata: MetaV1.ObjectMeta(name: "local-path"), provisioner: "example.com/disks")
            _ = try await classes.create(theirs)
            try await PackagedComponents(disabled: [PackagedComponents.localStorage], clusterDNSAddresses: []).reconcile(client: client, logger: logger)
            #expect(try await classes.get("local-path").provisioner == "example.com/disks")
        }
    }

    @Test func theNodeActsOnlyOnItsOwnLocalPathVolumesInsideItsStorage() async throws {
        try await TestAPIServer.with { api in try decisions(client: api.client()) }
    }

    func decisions(client: KubeClient) throws {
        let node = NodeLocalStorage(nodeName: "n1", directories: LocalVolumeDirectories(root: "/data/storage"),
                                    client: client, logger: logger)
        let inside = "/data/storage/pvc-uid-a_default_a"
        #expect(node.action(for: try volume("a", path: inside, phase: "Bound")) == .create(inside))
        #expect(node.action(for: try volume("a", path: inside, phase: "Pending")) == .create(inside))
        #expect(node.action(for: try volume("a", path: inside, phase: "Released")) == .reclaim(inside))
        #expect(node.action(for: try volume("a", path: inside, phase: "Released", reclaim: "Retain")) == .none)
        #expect(node.action(for: try volume("a", path: inside, phase: "Failed")) == .none)
        #expect(node.action(for: try volume("a", node: "n2", path: inside, phase: "Released")) == .none)
        #expect(node.action(for: try volume("a", path: "/etc", phase: "Released")) == .refuse("/etc"))
        #expect(node.action(for: try volume("a", path: "/data/storage/../agent", phase: "Released")) == .refuse("/data/storage/../agent"))
        var manual = try volume("a", path: inside, phase: "Released")
        manual.metadata.annotations = nil
        #expect(node.action(for: manual) == .none, "only the provisioner's volumes")
    }

    @Test func aReleasedVolumeLosesItsDirectoryThenItsObject() async throws {
        let temporary = try TemporaryDirectory()
        try await TestAPIServer.with { api in
            let client = api.client()
            let node = NodeLocalStorage(nodeName: "n1", directories: LocalVolumeDirectories(root: temporary.path + "/storage"),
                                        client: client, logger: logger)
            let path = temporary.path + "/storage/pvc-uid-a_default_a"
            let volumes = client.resource(CoreV1.PersistentVolume.self)
            var created = try await volumes.create(try volume("a", path: path, phase: "Bound"))
            created.status = CoreV1.PersistentVolumeStatus(phase: "Bound")
            created = try await volumes.updateStatus(created)
            try await node.sync(created)
            #expect(FileManager.default.fileExists(atPath: path + "/"))
            try "data".write(toFile: path + "/file", atomically: true, encoding: .utf8)

            created.status = CoreV1.PersistentVolumeStatus(phase: "Released")
            created = try await volumes.updateStatus(created)
            try await node.sync(created)
            #expect(!FileManager.default.fileExists(atPath: path))
            await #expect(throws: StatusError.self) { _ = try await volumes.get("pvc-uid-a") }
        }
    }
}
