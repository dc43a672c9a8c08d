/// The standard controllers (deployment, replicaset, garbage collector, ...). Filled by the control-loops issue.
public enum ControllersModule {}
