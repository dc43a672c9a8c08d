extension ControllerManager {
    /// Every controller `k3s server` runs, built on `context`: the workload controllers, the
    /// cluster-housekeeping ones (``coreControllers(context:)``) and, unless
    /// ``ControllerOptions/serviceLB`` is off, ServiceLB.
    public static func standard(context: ControllerContext) -> [any Controller] {
        let workloads: [any Controller] = [
            DeploymentController(context: context),
            ReplicaSetController(context: context),
            ReplicationControllerController(context: context),
            StatefulSetController(context: context),
            DaemonSetController(context: context),
            JobController(context: context),
            CronJobController(context: context),
            TTLAfterFinishedController(context: context),
            DisruptionController(context: context),
        ]
        let serviceLB: [any Controller] = context.options.serviceLB ? [ServiceLBController(context: context)] : []
        return workloads + coreControllers(context: context) + serviceLB
    }
}
