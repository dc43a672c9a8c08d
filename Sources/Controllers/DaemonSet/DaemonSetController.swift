/// Runs one pod of each DaemonSet on every eligible node (`daemon-set-controller`), rolls
/// template changes out by RollingUpdate (`maxUnavailable`) or OnDelete, and keeps the
/// revision history in ControllerRevisions.
public struct DaemonSetController: Controller {
    /// `daemon-set-controller`.
    public let name = "daemon-set-controller"
    let syncer: DaemonSetSyncer

    /// Creates the controller; its informers are requested from the context at once.
    public init(context: ControllerContext) {
        syncer = DaemonSetSyncer(name: "daemon-set-controller", context: context)
    }

    /// Runs until the task is cancelled.
    public func run() async throws { try await syncer.run() }
}
