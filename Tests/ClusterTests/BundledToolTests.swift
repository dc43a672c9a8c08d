import Testing
@testable import Cluster

/// `k3s kubectl`, `k3s ctr` and `k3s crictl`: the tool on PATH, with the cluster's settings as
/// environment defaults the user's own values override.
@Suite struct BundledToolTests {
    @Test func theToolIsFoundOnThePathInOrder() {
        let present: Set<String> = ["/usr/local/bin/kubectl", "/usr/bin/kubectl"]
        #expect(BundledTool.kubectl.locate(searchPath: "/opt/none::/usr/local/bin:/usr/bin", exists: present.contains) == "/usr/local/bin/kubectl")
        #expect(BundledTool.crictl.locate(searchPath: "/usr/local/bin:/usr/bin", exists: present.contains) == nil)
    }

    @Test func theClusterSettingsAreDefaultsOnly() {
        #expect(BundledTool.kubectl.environment(over: ["PATH": "/bin"]) == ["PATH": "/bin", "KUBECONFIG": "/etc/rancher/k3s/k3s.yaml"])
        #expect(BundledTool.kubectl.environment(over: ["KUBECONFIG": "/home/me/kc"])["KUBECONFIG"] == "/home/me/kc")
        #expect(BundledTool.ctr.environment(over: [:]) == [
            "CONTAINERD_ADDRESS": "/run/k3s/containerd/containerd.sock", "CONTAINERD_NAMESPACE": "k8s.io",
        ])
        #expect(BundledTool.crictl.environment(over: [:])["CONTAINER_RUNTIME_ENDPOINT"] == "unix:///run/k3s/containerd/containerd.sock")
        #expect(BundledTool.crictl.missingMessage.hasPrefix("crictl is not installed: "))
        #expect(BundledTool.ctr.missingMessage == "ctr is not installed: apt-get install containerd")
    }
}
