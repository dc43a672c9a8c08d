import ArgumentParser
import Cluster

/// The node flags `k3s server` and `k3s agent` share, named as K3s names them.
struct NodeFlags: ParsableArguments {
    @Option(name: .customLong("node-ip"), help: "IPv4/IPv6 address to advertise for the node (repeatable or comma separated).")
    var nodeIP: [String] = []

    @Option(name: .customLong("node-external-ip"), help: "External IPv4/IPv6 address to advertise for the node.")
    var nodeExternalIP: [String] = []

    @Option(name: .customLong("node-label"), help: "Label the node registers with, KEY=VALUE (repeatable).")
    var nodeLabel: [String] = []

    @Option(name: .customLong("node-taint"), help: "Taint the node registers with, KEY[=VALUE]:EFFECT (repeatable).")
    var nodeTaint: [String] = []

    @Option(name: .customLong("kubelet-arg"), help: "Kubelet setting, NAME=VALUE (repeatable): cgroup-root, root-dir, pod-logs-dir, max-pods, kube-reserved, system-reserved, eviction-hard.")
    var kubeletArg: [String] = []

    @Option(name: .customLong("container-runtime-endpoint"), help: "Use this CRI socket instead of starting containerd.")
    var containerRuntimeEndpoint: String?

    @Option(name: .customLong("pause-image"), help: "Sandbox (pause) image instead of the built-in one.")
    var pauseImage: String?

    @Option(name: .customLong("resolv-conf"), help: "The resolv.conf for pods with dnsPolicy Default, and the upstream resolvers of the cluster DNS (default /etc/resolv.conf).")
    var resolvConf: String?

    @Option(name: .customLong("flannel-backend"), help: "Pod network between nodes: vxlan, host-gw or none (default vxlan).")
    var flannelBackend: String?

    @Option(name: .customLong("flannel-iface"), help: "Interface between nodes for the pod network (default the one holding the node IP).")
    var flannelIface: String?

    @Option(name: .customLong("flannel-ipmasq"), help: "Masquerade pod traffic leaving the cluster CIDR: true or false (default true).")
    var flannelIPMasq: String?

    /// Adds the flags given to `options`.
    func addTo(_ options: inout ServerOptions) {
        options.append("node-ip", nodeIP)
        options.append("node-external-ip", nodeExternalIP)
        options.append("node-label", nodeLabel)
        options.append("node-taint", nodeTaint)
        options.append("kubelet-arg", kubeletArg)
        options.set("container-runtime-endpoint", containerRuntimeEndpoint)
        options.set("pause-image", pauseImage)
        options.set("resolv-conf", resolvConf)
        options.set("flannel-backend", flannelBackend)
        options.set("flannel-iface", flannelIface)
        options.set("flannel-ipmasq", flannelIPMasq)
    }
}
