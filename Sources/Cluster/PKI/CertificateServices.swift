/// K3s's certificate service names (`k3s certificate check|rotate --service NAME`) and the
/// files that hold each service's certificate and key here.
///
/// The API server, the scheduler, the controllers and the supervisor all run inside the one
/// `k3s server` process: `api-server` and `k3s-server` are the serving certificate of its one
/// HTTPS listener, `admin` is the admin kubeconfig's client certificate, and `kubelet` the
/// node's client and serving certificates under `DATA_DIR/agent`. The other K3s names have no
/// certificate of their own here (their components authenticate in process, or, for
/// `kube-proxy`, with the node's client certificate), so rotating them changes nothing.
public enum CertificateServices {
    /// Every service name K3s accepts, in K3s's order.
    public static let names = [
        "admin", "api-server", "controller-manager", "scheduler", "k3s-controller", "k3s-server",
        "cloud-controller", "etcd", "auth-proxy", "kubelet", "kube-proxy",
    ]
    /// What an agent-only node has.
    public static let agentNames = ["kubelet", "kube-proxy"]

    /// The base names (without `.crt` / `.key`) of a service's files, relative to the data
    /// directory; empty for a service without certificate files here.
    public static func files(of service: String) -> [String] {
        switch service {
        case "admin": return ["server/tls/client-admin"]
        case "api-server", "k3s-server": return ["server/tls/serving-kube-apiserver"]
        case "kubelet": return ["agent/" + NodeCertificateFiles.clientName, "agent/" + NodeCertificateFiles.servingName]
        default: return []
        }
    }

    /// Why a known service has no files (for the rotate command's report).
    public static func note(for service: String) -> String? {
        switch service {
        case "kube-proxy": return "the service proxy authenticates with the node's (kubelet's) client certificate"
        case "controller-manager", "scheduler", "k3s-controller", "cloud-controller", "auth-proxy":
            return "runs inside the server process without a certificate of its own"
        case "etcd": return "the SQLite datastore has no etcd certificates"
        default: return nil
        }
    }

    /// Checks service names.
    ///
    /// - Throws: ``PKIError`` naming the unknown service and the valid names.
    public static func validate(_ services: [String]) throws(PKIError) {
        for service in services where !names.contains(service) {
            throw PKIError(file: service, reason: "unknown service; valid names are \(names.joined(separator: ", "))")
        }
    }
}
