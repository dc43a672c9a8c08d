import ContainerRuntime

/// A tool `k3s` runs for the user with the cluster's settings, as K3s's `k3s kubectl`, `k3s ctr`
/// and `k3s crictl` do: found on `PATH` (K3s bundles them; here they come from the system's
/// packages) and given the admin kubeconfig or the node's containerd socket through the
/// environment variables the tool reads, unless the user set them.
public struct BundledTool: Sendable, Hashable {
    /// The executable's name.
    public var name: String
    /// Environment defaults: set only when the user's environment lacks them.
    public var environment: [String: String]
    /// How to get the tool when it is missing.
    public var installHint: String

    /// `kubectl` with the server's admin kubeconfig.
    public static let kubectl = BundledTool(
        name: "kubectl", environment: ["KUBECONFIG": ServerConfiguration.defaultKubeconfigPath],
        installHint: "install kubectl (https://kubernetes.io/docs/tasks/tools/)")
    /// containerd's `ctr` on the node's containerd, in the `k8s.io` namespace the kubelet uses.
    public static let ctr = BundledTool(
        name: "ctr",
        environment: ["CONTAINERD_ADDRESS": ContainerdConfiguration.defaultSocketPath, "CONTAINERD_NAMESPACE": "k8s.io"],
        installHint: "apt-get install containerd")
    /// `crictl` on the node's CRI socket.
    public static let crictl = BundledTool(
        name: "crictl", environment: ["CONTAINER_RUNTIME_ENDPOINT": "unix://" + ContainerdConfiguration.defaultSocketPath],
        installHint: "Debian 12 does not package it: install crictl from the cri-tools releases (https://github.com/kubernetes-sigs/cri-tools)")

    /// The tool's path on `searchPath` (the `PATH` value), or `nil`.
    public func locate(searchPath: String, exists: (String) -> Bool) -> String? {
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if exists(candidate) { return candidate }
        }
        return nil
    }

    /// `environment` with this tool's defaults added where unset.
    public func environment(over environment: [String: String]) -> [String: String] {
        environment.merging(self.environment) { user, _ in user }
    }

    /// What `k3s NAME` prints when the tool is missing.
    public var missingMessage: String { "\(name) is not installed: \(installHint)" }
}
