import KubeAPI
import KubeClient

extension ReplicaExpectations {
    /// The handler of an owner kind whose pods are counted with these expectations: any change
    /// queues the owner's key, and a deleted owner's expectations are dropped first.
    func ownerHandler<Owner: KubernetesObject>(queue: WorkQueue<String>) -> InformerHandler<Owner> {
        InformerHandler(
            onAdd: { queue.add(objectKey($0.metadata)) },
            onUpdate: { _, new in queue.add(objectKey(new.metadata)) },
            onDelete: { owner in
                let key = objectKey(owner.metadata)
                self.remove(key)
                queue.add(key)
            })
    }
}
