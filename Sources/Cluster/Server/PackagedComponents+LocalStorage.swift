import Controllers
import KubeAPI
import KubeClient
import Logging

extension PackagedComponents {
    /// K3s's name for local-path storage: the `local-path` StorageClass, its provisioner and the
    /// nodes' volume clean-up (`--disable local-storage`).
    public static let localStorage = "local-storage"

    /// The `local-path` StorageClass K3s ships: provisioner `rancher.io/local-path`, the
    /// cluster's default class, `WaitForFirstConsumer` binding (the volume is made on the node
    /// the first pod using the claim is scheduled to) and reclaim policy `Delete`.
    public static var localPathStorageClass: StorageV1.StorageClass {
        StorageV1.StorageClass(
            metadata: MetaV1.ObjectMeta(
                annotations: [VolumeBindingNames.defaultClass: "true"], name: LocalPathProvisioner.className),
            provisioner: LocalPathProvisioner.provisionerName,
            reclaimPolicy: "Delete",
            volumeBindingMode: VolumeBindingNames.waitForFirstConsumer)
    }

    /// Makes the `local-path` StorageClass when it is missing; with local storage disabled,
    /// deletes it if it is the packaged one (its provisioner is `rancher.io/local-path`).
    func reconcileLocalStorage(client: KubeClient, logger: Logger) async throws {
        let classes = client.resource(StorageV1.StorageClass.self)
        let existing: StorageV1.StorageClass?
        do {
            existing = try await classes.get(LocalPathProvisioner.className)
        } catch let error as StatusError where error.code == 404 {
            existing = nil
        }
        if disabled.contains(Self.localStorage) {
            guard existing?.provisioner == LocalPathProvisioner.provisionerName else { return }
            do {
                _ = try await classes.delete(LocalPathProvisioner.className)
                logger.notice("removed the disabled local-path StorageClass")
            } catch let error as StatusError where error.code == 404 {}
            return
        }
        guard existing == nil else { return }
        do {
            _ = try await classes.create(Self.localPathStorageClass)
            logger.info("created the local-path StorageClass")
        } catch let error as StatusError where error.code == 409 {}
    }
}
