/// The Swift Kubernetes client: typed and dynamic clients, transports, informers, work queues.
/// Filled by the control-loops issue; this namespace marks the module.
public enum KubeClientModule {}
