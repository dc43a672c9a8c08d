/// What serves `networking.k8s.io/v1` Ingress on this cluster: the seam between the node and
/// server processes and the ingress implementation.
///
/// ``BuiltInIngressDeployer`` (the default) runs the built-in proxy in the node process. An
/// external controller (Traefik, ingress-nginx) plugs in as another conforming type whose
/// ``start()`` applies that controller's manifests (its Deployment or DaemonSet, its
/// IngressClass, a `LoadBalancer` Service for ServiceLB) through the API server and whose
/// ``stop()`` leaves them to the cluster; the built-in proxy is then not started
/// (`--disable traefik`).
public protocol IngressDeployer: Sendable {
    /// Starts serving Ingresses; returns once they are served (listeners bound).
    func start() async throws
    /// Stops serving; returns once listeners are closed and background work ended.
    func stop() async
}
