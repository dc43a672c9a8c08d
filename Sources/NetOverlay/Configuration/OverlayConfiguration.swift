import KubeAPI
import Logging

/// The overlay settings of a node, from K3s's flags: `--flannel-backend vxlan|host-gw|none`,
/// `--flannel-iface`, `--flannel-ipmasq` (default true), `--cluster-cidr` (default
/// 10.42.0.0/16) and `--service-cidr` (default 10.43.0.0/16). Each network flag takes one
/// CIDR, or an IPv4 and an IPv6 one for dual stack; host bits are cleared.
public struct OverlayConfiguration: Sendable, Hashable {
    /// The backend; `nil` for `none` (no overlay: the administrator provides pod routing).
    public var backend: OverlayBackend?
    /// The interface between nodes; `nil` finds the one holding the node IP.
    public var interface: String?
    /// Whether pod egress leaving the cluster CIDR is masqueraded by the overlay.
    public var ipMasq: Bool
    /// The networks of all pods.
    public var clusterCIDRs: [IPPrefix]
    /// The networks of Service cluster IPs.
    public var serviceCIDRs: [IPPrefix]

    /// K3s's default cluster CIDR.
    public static let defaultClusterCIDR = IPPrefix("10.42.0.0/16")!
    /// K3s's default service CIDR.
    public static let defaultServiceCIDR = IPPrefix("10.43.0.0/16")!

    /// Creates a configuration without checking it (see ``validate()``).
    public init(
        backend: OverlayBackend? = .vxlan, interface: String? = nil, ipMasq: Bool = true,
        clusterCIDRs: [IPPrefix] = [defaultClusterCIDR], serviceCIDRs: [IPPrefix] = [defaultServiceCIDR]
    ) {
        self.backend = backend
        self.interface = interface
        self.ipMasq = ipMasq
        self.clusterCIDRs = clusterCIDRs
        self.serviceCIDRs = serviceCIDRs
    }

    /// The flags read by ``init(flags:)``, without dashes.
    public static let flagNames = ["flannel-backend", "flannel-iface", "flannel-ipmasq", "cluster-cidr", "service-cidr"]

    /// Parses the flags' values by name (``flagNames``; a missing or empty value is the
    /// default) and checks them together.
    ///
    /// - Throws: ``OverlayConfigurationError`` naming the flag: an unknown backend, a bad
    ///   boolean, a malformed CIDR list, or cluster and service networks that overlap.
    public init(flags: [String: String]) throws(OverlayConfigurationError) {
        self.init()
        let backend = flags["flannel-backend"], interface = flags["flannel-iface"], ipMasq = flags["flannel-ipmasq"]
        let clusterCIDR = flags["cluster-cidr"], serviceCIDR = flags["service-cidr"]
        if let text = Self.given(backend) {
            if text == "none" {
                self.backend = nil
            } else if let parsed = OverlayBackend(rawValue: text) {
                self.backend = parsed
            } else {
                throw OverlayConfigurationError(flag: "flannel-backend", value: text, reason: "must be vxlan, host-gw or none")
            }
        }
        self.interface = Self.given(interface)
        if let text = Self.given(ipMasq) {
            switch text.lowercased() {
            case "true", "1", "yes": self.ipMasq = true
            case "false", "0", "no": self.ipMasq = false
            default: throw OverlayConfigurationError(flag: "flannel-ipmasq", value: text, reason: "must be true or false")
            }
        }
        if let text = Self.given(clusterCIDR) { clusterCIDRs = try Self.parseCIDRs(text, flag: "cluster-cidr") }
        if let text = Self.given(serviceCIDR) { serviceCIDRs = try Self.parseCIDRs(text, flag: "service-cidr") }
        try validate()
    }

    /// Checks the settings together: cluster and service networks must not share an address.
    ///
    /// - Throws: ``OverlayConfigurationError`` for `--service-cidr` naming both networks.
    public func validate() throws(OverlayConfigurationError) {
        for service in serviceCIDRs {
            for cluster in clusterCIDRs where service.overlaps(cluster) {
                throw OverlayConfigurationError(
                    flag: "service-cidr", value: "\(service)",
                    reason: "overlaps --cluster-cidr \(cluster): pod IPs and service IPs need separate networks")
            }
        }
    }

    /// The masquerading these settings ask for, `nil` when `--flannel-ipmasq=false`.
    public var masquerade: OverlayMasquerade? { ipMasq ? OverlayMasquerade(clusterCIDRs: clusterCIDRs) : nil }

    /// The overlay for ``backend`` acting through `runner`; `nil` for `none`.
    public func makeOverlay(runner: any LinkCommandRunner = IPRouteCommandRunner(), logger: Logger) -> (any Overlay)? {
        switch backend {
        case .vxlan: VXLANOverlay(runner: runner, masquerade: masquerade, logger: logger)
        case .hostGateway: HostGatewayOverlay(runner: runner, masquerade: masquerade, logger: logger)
        case nil: nil
        }
    }

    private static func given(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingSpaces(), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    /// Parses a network flag's value: one network, or an IPv4 and an IPv6 one, comma-separated,
    /// host bits cleared (what `k3s server` needs for `--cluster-cidr` and `--service-cidr`).
    ///
    /// - Throws: ``OverlayConfigurationError`` naming `flag`.
    public static func parseCIDRs(_ text: String, flag: String) throws(OverlayConfigurationError) -> [IPPrefix] {
        var result: [IPPrefix] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            do {
                result.append(try IPPrefix(parsing: part.trimmingSpaces()).masked)
            } catch {
                throw OverlayConfigurationError(flag: flag, value: text, reason: error.description)
            }
        }
        if result.count > 2 || (result.count == 2 && result[0].family == result[1].family) {
            throw OverlayConfigurationError(flag: flag, value: text, reason: "give one network, or one IPv4 and one IPv6 network for dual stack")
        }
        return result
    }
}
