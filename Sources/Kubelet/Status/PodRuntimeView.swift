/// What the runtime holds for one pod: its newest sandbox and the containers in it. The input of
/// `PodSyncPlan` and `PodStatusBuilder`.
public struct PodRuntimeView: Sendable, Hashable {
    /// The pod's newest sandbox, `nil` when it has none.
    public var sandbox: CRI.PodSandboxStatus?
    /// The containers of that sandbox, every attempt that is still kept.
    public var containers: [CRI.ContainerStatus]

    /// Creates a view.
    public init(sandbox: CRI.PodSandboxStatus? = nil, containers: [CRI.ContainerStatus] = []) {
        self.sandbox = sandbox
        self.containers = containers
    }

    /// Whether the sandbox exists and is ready.
    public var sandboxReady: Bool { sandbox?.sandbox.state == .ready }

    /// The newest attempt of the named container.
    public func latest(_ name: String) -> CRI.ContainerStatus? {
        attempts(name).last
    }

    /// The attempt before the newest one of the named container.
    public func previous(_ name: String) -> CRI.ContainerStatus? {
        let all = attempts(name)
        return all.count >= 2 ? all[all.count - 2] : nil
    }

    /// Every kept attempt of the named container, oldest first.
    public func attempts(_ name: String) -> [CRI.ContainerStatus] {
        containers
            .filter { $0.container.metadata.name == name }
            .sorted {
                ($0.container.metadata.attempt, $0.container.createdAt) < ($1.container.metadata.attempt, $1.container.createdAt)
            }
    }
}
