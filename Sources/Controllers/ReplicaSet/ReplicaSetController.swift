import KubeAPI

/// Keeps each ReplicaSet's pod count at `spec.replicas` (`replicaset-controller`).
public struct ReplicaSetController: Controller {
    /// `replicaset-controller`.
    public let name = "replicaset-controller"
    let manager: ReplicaManager<AppsV1.ReplicaSet>

    /// Creates the controller; its informers are requested from the context at once.
    public init(context: ControllerContext) {
        manager = ReplicaManager(name: "replicaset-controller", context: context)
    }

    /// Runs until the task is cancelled.
    public func run() async throws { try await manager.run() }
}

/// Keeps each ReplicationController's pod count at `spec.replicas`
/// (`replication-controller`); the same loop as ``ReplicaSetController``.
public struct ReplicationControllerController: Controller {
    /// `replication-controller`.
    public let name = "replication-controller"
    let manager: ReplicaManager<CoreV1.ReplicationController>

    /// Creates the controller; its informers are requested from the context at once.
    public init(context: ControllerContext) {
        manager = ReplicaManager(name: "replication-controller", context: context)
    }

    /// Runs until the task is cancelled.
    public func run() async throws { try await manager.run() }
}
