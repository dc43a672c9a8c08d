/// Rolls Deployments out through ReplicaSets (`deployment-controller`): one ReplicaSet per
/// pod template, scaled by the RollingUpdate or Recreate strategy, with revisions, history
/// clean-up, pause/resume and the Available/Progressing conditions.
public struct DeploymentController: Controller {
    /// `deployment-controller`.
    public let name = "deployment-controller"
    let syncer: DeploymentSyncer

    /// Creates the controller; its informers are requested from the context at once.
    public init(context: ControllerContext) {
        syncer = DeploymentSyncer(name: "deployment-controller", context: context)
    }

    /// Runs until the task is cancelled.
    public func run() async throws { try await syncer.run() }
}
