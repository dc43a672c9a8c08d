import KubeAPI
import NetOverlay

/// The settings of a real node that `k3s server` (its own node) and `k3s agent` share, from
/// K3s's node flags: `--node-ip`, `--node-external-ip`, `--node-label`, `--node-taint`,
/// `--kubelet-arg`, `--container-runtime-endpoint`, `--pause-image` and the overlay's
/// `--flannel-backend`, `--flannel-iface` and `--flannel-ipmasq`.
public struct NodeSettings: Sendable, Hashable {
    /// `--node-ip`: the node's internal addresses (one, or an IPv4 and an IPv6); empty picks
    /// the host's first non-loopback address.
    public var nodeIPs: [IPAddress]
    /// `--node-external-ip`: addresses reported as `ExternalIP`.
    public var externalIPs: [IPAddress]
    /// `--node-label`: labels the node registers with.
    public var labels: [String: String]
    /// `--node-taint`: taints the node registers with.
    public var taints: [CoreV1.Taint]
    /// `--kubelet-arg`: kubelet flags by name (without the dashes).
    public var kubeletArgs: [String: String]
    /// `--container-runtime-endpoint`: an existing CRI socket to use instead of starting a
    /// containerd of our own.
    public var containerRuntimeEndpoint: String?
    /// `--pause-image`: the sandbox image instead of the built-in one.
    public var pauseImage: String?
    /// The pod network between nodes: `--flannel-backend` (default vxlan; `none` turns the
    /// overlay off), `--flannel-iface`, `--flannel-ipmasq` (default true), and on a server
    /// `--cluster-cidr` and `--service-cidr` (validated together here). A node running an
    /// overlay takes the cluster's networks from its join answer rather than from these.
    public var overlay: OverlayConfiguration

    /// Creates settings; the default is a node with the host's address, a VXLAN overlay and no
    /// extras.
    public init(
        nodeIPs: [IPAddress] = [], externalIPs: [IPAddress] = [], labels: [String: String] = [:], taints: [CoreV1.Taint] = [],
        kubeletArgs: [String: String] = [:], containerRuntimeEndpoint: String? = nil, pauseImage: String? = nil,
        overlay: OverlayConfiguration = OverlayConfiguration()
    ) {
        self.nodeIPs = nodeIPs
        self.externalIPs = externalIPs
        self.labels = labels
        self.taints = taints
        self.kubeletArgs = kubeletArgs
        self.containerRuntimeEndpoint = containerRuntimeEndpoint
        self.pauseImage = pauseImage
        self.overlay = overlay
    }

    /// The option names these settings are read from, with their kinds.
    public static let optionKinds: [String: ServerOptions.Kind] = [
        "node-ip": .list, "node-external-ip": .list, "node-label": .list, "node-taint": .list, "kubelet-arg": .list,
        "container-runtime-endpoint": .scalar, "pause-image": .scalar, "resolv-conf": .scalar,
        "flannel-backend": .scalar, "flannel-iface": .scalar, "flannel-ipmasq": .scalar,
    ]

    /// Reads and validates the node flags from `options`.
    public init(options: ServerOptions) throws(ServerConfigurationError) {
        self.init()
        nodeIPs = try Self.addresses(options.list("node-ip"), flag: "node-ip")
        externalIPs = try Self.addresses(options.list("node-external-ip"), flag: "node-external-ip")
        for text in options.list("node-label") {
            let (key, value) = try Self.pair(text, flag: "node-label")
            labels[key] = value
        }
        taints = try options.list("node-taint").map { text throws(ServerConfigurationError) in try Self.taint(text) }
        for text in options.list("kubelet-arg") {
            var trimmed = Substring(text)
            while trimmed.hasPrefix("-") { trimmed = trimmed.dropFirst() }
            let (key, value) = try Self.pair(String(trimmed), flag: "kubelet-arg")
            kubeletArgs[key] = value
        }
        if let endpoint = options.string("container-runtime-endpoint"), !endpoint.isEmpty { containerRuntimeEndpoint = endpoint }
        if let image = options.string("pause-image"), !image.isEmpty { pauseImage = image }
        // K3s's `--resolv-conf` is the kubelet's: the file pods with `dnsPolicy: Default` get, and
        // the upstream resolvers the cluster DNS forwards other names to.
        if let path = options.string("resolv-conf"), !path.isEmpty, kubeletArgs["resolv-conf"] == nil { kubeletArgs["resolv-conf"] = path }
        var overlayFlags: [String: String] = [:]
        for name in OverlayConfiguration.flagNames {
            if let value = options.string(name) { overlayFlags[name] = value }
        }
        overlay = try OverlayConfiguration(flags: overlayFlags)
    }

    /// `a,b` lists and repeated flags alike: every address, validated.
    static func addresses(_ values: [String], flag: String) throws(ServerConfigurationError) -> [IPAddress] {
        var result: [IPAddress] = []
        for value in values {
            for part in value.split(separator: ",") {
                let text = String(part).trimmingSpaces()
                guard let address = IPAddress(text) else {
                    throw ServerConfigurationError(flag: flag, value: value, reason: "not an IPv4 or IPv6 address")
                }
                result.append(address)
            }
        }
        return result
    }

    /// `key=value`, with a non-empty key.
    static func pair(_ text: String, flag: String) throws(ServerConfigurationError) -> (String, String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw ServerConfigurationError(flag: flag, value: text, reason: "expected KEY=VALUE")
        }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    /// `key=value:Effect` or `key:Effect`, as K3s and kubectl write taints.
    static func taint(_ text: String) throws(ServerConfigurationError) -> CoreV1.Taint {
        guard let colon = text.lastIndex(of: ":") else {
            throw ServerConfigurationError(flag: "node-taint", value: text, reason: "expected KEY[=VALUE]:EFFECT")
        }
        let effect = String(text[text.index(after: colon)...])
        guard ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) else {
            throw ServerConfigurationError(flag: "node-taint", value: text, reason: "effect must be NoSchedule, PreferNoSchedule or NoExecute")
        }
        let head = text[..<colon]
        let key: String
        var value: String?
        if let equals = head.firstIndex(of: "=") {
            key = String(head[..<equals])
            value = String(head[head.index(after: equals)...])
        } else {
            key = String(head)
        }
        guard !key.isEmpty else { throw ServerConfigurationError(flag: "node-taint", value: text, reason: "the key must not be empty") }
        var taint = CoreV1.Taint(effect: effect, key: key)
        taint.value = value
        return taint
    }
}
