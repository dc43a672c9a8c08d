import ContainerRuntime
import Testing

@Suite("ContainerdConfiguration")
struct ContainerdConfigurationTests {
    @Test func rendersTheAgentsLayout() {
        let configuration = ContainerdConfiguration(dataDirectory: "/var/lib/k3s", sandboxImage: "registry.k8s.io/pause:3.10")
        #expect(configuration.rootDirectory == "/var/lib/k3s/agent/containerd")
        #expect(configuration.configPath == "/var/lib/k3s/agent/etc/containerd/config.toml")
        #expect(configuration.socketPath == "/run/k3s/containerd/containerd.sock")
        let text = configuration.render()
        for line in [
            "version = 2",
            #"root = "/var/lib/k3s/agent/containerd""#,
            #"state = "/var/lib/k3s/agent/containerd/state""#,
            #"address = "/run/k3s/containerd/containerd.sock""#,
            #"[plugins."io.containerd.grpc.v1.cri"]"#,
            #"sandbox_image = "registry.k8s.io/pause:3.10""#,
            "restrict_oom_score_adj = true",
            #"stream_server_address = "127.0.0.1""#,
            #"stream_server_port = "10010""#,
            #"snapshotter = "overlayfs""#,
            #"runtime_type = "io.containerd.runc.v2""#,
            "SystemdCgroup = false",
            #"bin_dir = "/usr/lib/cni""#,
            #"conf_dir = "/var/lib/k3s/agent/etc/cni/net.d""#,
            #"config_path = "/var/lib/k3s/agent/etc/containerd/certs.d""#,
        ] {
            #expect(text.contains(line), "config.toml has \(line)")
        }
    }

    @Test func quotesPathsAsTOMLStrings() {
        let configuration = ContainerdConfiguration(dataDirectory: "/data/with \"quote\"\\", sandboxImage: "pause")
        #expect(configuration.render().contains(#"root = "/data/with \"quote\"\\/agent/containerd""#))
    }
}
