import KubeAPI
import Testing
@testable import Cluster

@Suite struct NodeSettingsTests {
    @Test func readsK3sNodeFlags() throws {
        var options = ServerOptions()
        options.append("node-ip", ["10.0.0.5,fd00::5"])
        options.append("node-external-ip", ["203.0.113.7"])
        options.append("node-label", ["tier=edge", "zone=a=b"])
        options.append("node-taint", ["dedicated=gpu:NoSchedule", "maintenance:NoExecute"])
        options.append("kubelet-arg", ["--cgroup-root=/k3s", "max-pods=50"])
        options.set("container-runtime-endpoint", "unix:///run/containerd/containerd.sock")
        options.set("pause-image", "example.test/pause:1")
        let settings = try NodeSettings(options: options)
        #expect(settings.nodeIPs == [IPAddress("10.0.0.5")!, IPAddress("fd00::5")!])
        #expect(settings.externalIPs == [IPAddress("203.0.113.7")!])
        #expect(settings.labels == ["tier": "edge", "zone": "a=b"])
        #expect(settings.taints == [
            CoreV1.Taint(effect: "NoSchedule", key: "dedicated", value: "gpu"), CoreV1.Taint(effect: "NoExecute", key: "maintenance"),
        ])
        #expect(settings.kubeletArgs == ["cgroup-root": "/k3s", "max-pods": "50"])
        #expect(settings.containerRuntimeEndpoint == "unix:///run/containerd/containerd.sock")
        #expect(settings.pauseImage == "example.test/pause:1")
        // The server reads the same flags for its own node.
        let server = try ServerConfiguration(options: options, host: testHost)
        #expect(server.node == settings)
    }

    @Test(arguments: [
        ("node-ip", "10.0.0.300", "not an IPv4 or IPv6 address"),
        ("node-label", "novalue", "expected KEY=VALUE"),
        ("node-label", "=x", "expected KEY=VALUE"),
        ("node-taint", "key=value", "expected KEY[=VALUE]:EFFECT"),
        ("node-taint", "key:Sometimes", "effect must be NoSchedule, PreferNoSchedule or NoExecute"),
        ("node-taint", ":NoSchedule", "the key must not be empty"),
        ("kubelet-arg", "max-pods", "expected KEY=VALUE"),
    ])
    func rejectsBadValues(flag: String, value: String, reason: String) {
        var options = ServerOptions()
        options.append(flag, [value])
        #expect(throws: ServerConfigurationError(flag: flag, value: value, reason: reason)) { try NodeSettings(options: options) }
    }
}
