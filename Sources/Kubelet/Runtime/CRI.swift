/// Value types of the container runtime seam, shaped after the Kubernetes Container Runtime
/// Interface (CRI) but written as plain Swift values (no generated protobuf).
///
/// Timestamps are nanoseconds since the Unix epoch, as in CRI.
public enum CRI {}
