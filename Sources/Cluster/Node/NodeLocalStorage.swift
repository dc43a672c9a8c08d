import Controllers
import KubeAPI
import KubeClient
import Kubelet
import Logging

/// The node's part of local-path storage (the helper pods of K3s's local-path-provisioner):
/// for every volume the provisioner pinned to this node, it makes the volume's directory
/// (`0777`, before a pod mounts it; the kubelet's `DirectoryOrCreate` would make it `0755`) while
/// the volume is in use, and once the volume is `Released` with reclaim policy `Delete` it
/// removes the directory and then deletes the volume.
///
/// Only directories directly under the node's own storage directory (`DATA_DIR/storage`) are
/// touched (``LocalVolumeDirectories``); a volume naming any other path is left alone and
/// logged. The node's authority to delete such a volume comes from the node authorizer, which
/// grants it for local-path volumes pinned to the node and released, and nothing else.
struct NodeLocalStorage: Sendable {
    /// This node's name.
    var nodeName: String
    /// The node's storage directory.
    var directories: LocalVolumeDirectories
    let client: KubeClient
    let logger: Logger

    /// What to do with one volume.
    enum Action: Equatable, Sendable {
        /// Make the directory if it is missing.
        case create(String)
        /// Remove the directory, then delete the volume.
        case reclaim(String)
        /// Nothing (not this node's local-path volume, or not in a state that needs work).
        case none
        /// The volume names a path this node will not touch.
        case refuse(String)
    }

    /// The action for `volume` on this node.
    func action(for volume: CoreV1.PersistentVolume) -> Action {
        guard LocalPathProvisioner.provisioned(volume), volume.pinnedNodeName == nodeName,
              volume.metadata.deletionTimestamp == nil, let path = volume.directoryPath else { return .none }
        guard directories.contains(path) else { return .refuse(path) }
        switch volume.status?.phase {
        case "Released":
            return volume.spec?.persistentVolumeReclaimPolicy == "Delete" ? .reclaim(path) : .none
        case "Failed":
            return .none
        default:
            return .create(path)
        }
    }

    /// Follows the volumes until the task is cancelled. The factory must be run by its owner.
    func run(informers: InformerFactory) async {
        do {
            try directories.prepareRoot()
        } catch {
            logger.error("cannot make the local storage directory", metadata: ["error": "\(error)"])
        }
        let volumes = informers.informer(CoreV1.PersistentVolume.self)
        let queue = WorkQueue<String>(name: "local-storage")
        volumes.addHandler(InformerHandler(
            onAdd: { queue.add($0.metadata.name ?? "") },
            onUpdate: { _, volume in queue.add(volume.metadata.name ?? "") }))
        await volumes.waitForSync()
        await withTaskCancellationHandler {
            await queue.run(workers: 1) { name in
                guard let volume = volumes.lister.get(name) else { return }
                try await sync(volume)
            }
        } onCancel: {
            queue.shutdown()
        }
    }

    /// Carries out ``action(for:)``.
    func sync(_ volume: CoreV1.PersistentVolume) async throws {
        let name = volume.metadata.name ?? ""
        switch action(for: volume) {
        case .none:
            return
        case .refuse(let path):
            logger.warning("a local-path volume names a directory outside this node's storage directory; left alone", metadata: [
                "volume": "\(name)", "path": "\(path)", "storage": "\(directories.root)",
            ])
        case .create(let path):
            try directories.create(path)
        case .reclaim(let path):
            try directories.remove(path)
            logger.info("removed a released local-path volume's directory", metadata: ["volume": "\(name)", "path": "\(path)"])
            do {
                _ = try await client.resource(CoreV1.PersistentVolume.self).delete(
                    name, options: DeleteOptions(preconditionUID: volume.metadata.uid))
            } catch let error as StatusError where error.code == 404 {}
        }
    }
}
