extension ControllerManager {
    /// Every controller `k3s server` runs, built on `context`.
    public static func standard(context: ControllerContext) -> [any Controller] {
        [
            DeploymentController(context: context),
            ReplicaSetController(context: context),
            ReplicationControllerController(context: context),
            StatefulSetController(context: context),
            DaemonSetController(context: context),
            JobController(context: context),
            CronJobController(context: context),
            TTLAfterFinishedController(context: context),
            GarbageCollectorController(context: context),
            NamespaceController(context: context),
            EndpointSliceController(context: context),
            EndpointsController(context: context),
            ServiceAccountController(context: context),
            RootCACertPublisher(context: context),
            NodeIPAMController(context: context),
            NodeLifecycleController(context: context),
            PodGCController(context: context),
            ResourceQuotaController(context: context),
        ]
    }
}
