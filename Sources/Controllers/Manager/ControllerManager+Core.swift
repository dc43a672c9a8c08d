extension ControllerManager {
    /// The cluster-housekeeping controllers: garbage collector, namespace, EndpointSlice,
    /// Endpoints, service account, root CA publisher, node IPAM, node lifecycle, pod GC,
    /// resource quota, the persistent-volume binder (with the local-path provisioner when
    /// ``ControllerOptions/localStoragePath`` is set) and claim protection, each with its
    /// default settings.
    public static func coreControllers(context: ControllerContext) -> [any Controller] {
        [
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
            PersistentVolumeBinderController(context: context),
            ClaimProtectionController(context: context),
        ]
    }
}
