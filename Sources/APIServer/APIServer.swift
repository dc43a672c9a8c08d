/// The Kubernetes API server: transport, authentication, authorization, admission, the generic
/// registry and the watch cache. Filled by the API server issue; this namespace marks the module.
public enum APIServerModule {
    /// The Kubernetes version this server reports and matches.
    public static let kubernetesVersion = "v1.36.2"
}
