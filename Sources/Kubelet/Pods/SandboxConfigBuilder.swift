import KubeAPI

/// Builds the CRI sandbox configuration of a pod: identity, hostname, namespaces, DNS, host
/// ports, log directory, QoS cgroup parent, sysctls and pod-level security. Pure: the node's
/// `resolv.conf` is read by the caller.
public struct SandboxConfigBuilder: Sendable {
    /// Cluster DNS servers for `ClusterFirst` pods; empty means none (such pods use the node's).
    public var clusterDNS: [String]
    /// The cluster domain (`cluster.local`).
    public var clusterDomain: String
    /// The node's resolver settings (`Default` pods, and the search domains appended for
    /// `ClusterFirst` ones).
    public var hostDNS: ResolvConf
    /// The root of pod log directories (`/var/log/pods`); `nil` keeps no logs.
    public var podLogsRoot: String?
    /// `cgroupfs` (paths like `/kubepods/burstable/pod<UID>`) or `systemd` (slices).
    public var cgroupDriver: String
    /// The node's hostname, used for host-network pods.
    public var nodeHostname: String
    /// The cgroup pod cgroups sit under with cgroupfs (`/` by default; `--cgroup-root`).
    public var cgroupRoot: String = "/"

    /// Upstream's limits on the search list: 32 domains and 2048 characters.
    public static let maxSearchDomains = 32
    /// The longest search line (characters, spaces included).
    public static let maxSearchLength = 2048
    /// The most name servers a resolver reads.
    public static let maxNameservers = 3

    /// Creates a builder.
    public init(
        clusterDNS: [String] = [], clusterDomain: String = "cluster.local", hostDNS: ResolvConf = ResolvConf(),
        podLogsRoot: String? = nil, cgroupDriver: String = "cgroupfs", nodeHostname: String = ""
    ) {
        self.clusterDNS = clusterDNS
        self.clusterDomain = clusterDomain
        self.hostDNS = hostDNS
        self.podLogsRoot = podLogsRoot
        self.cgroupDriver = cgroupDriver
        self.nodeHostname = nodeHostname
    }

    /// The sandbox configuration of `pod`. `hostNetwork` may force the node's network (a pod
    /// started before the node has a pod CIDR).
    /// - Throws: ``PodConfigError`` for a hostname that cannot be made (an FQDN over 64 characters).
    public func config(for pod: CoreV1.Pod, hostNetwork forced: Bool = false) throws(PodConfigError) -> CRI.PodSandboxConfig {
        let spec = pod.spec
        let hostNetwork = (spec?.hostNetwork ?? false) || forced
        var labels = pod.metadata.labels ?? [:]
        labels[ContainerAnnotations.podName] = pod.metadata.name ?? ""
        labels[ContainerAnnotations.podNamespace] = pod.metadata.namespace ?? ""
        labels[ContainerAnnotations.podUID] = pod.metadata.uid ?? ""
        let metadata = CRI.PodSandboxMetadata(
            name: pod.metadata.name ?? "", namespace: pod.metadata.namespace ?? "", uid: pod.metadata.uid ?? "")
        var config = CRI.PodSandboxConfig(
            metadata: metadata, hostname: hostNetwork && !nodeHostname.isEmpty ? nodeHostname : try hostname(of: pod),
            labels: labels, annotations: pod.metadata.annotations ?? [:], hostNetwork: hostNetwork,
            dnsConfig: dnsConfig(for: pod), portMappings: portMappings(of: pod), logDirectory: logDirectory(of: pod) ?? "")
        let security = spec?.securityContext
        config.linux.cgroupParent = cgroupParent(of: pod)
        config.linux.namespaces = Self.namespaces(of: spec)
        config.linux.privileged = ((spec?.containers ?? []) + (spec?.initContainers ?? [])).contains {
            $0.securityContext?.privileged == true
        }
        var sysctls: [String: String] = [:]
        for sysctl in security?.sysctls ?? [] {
            if let name = sysctl.name { sysctls[name] = sysctl.value ?? "" }
        }
        config.linux.sysctls = sysctls
        config.linux.supplementalGroups = Self.supplementalGroups(of: security)
        config.linux.runAsUser = security?.runAsUser.map(Int64.init)
        config.linux.runAsGroup = security?.runAsGroup.map(Int64.init)
        return config
    }

    /// Namespaces shared with the node: network for `hostNetwork`, PID for `hostPID` (the pod's
    /// for `shareProcessNamespace`), IPC for `hostIPC`.
    static func namespaces(of spec: CoreV1.PodSpec?) -> CRI.NamespaceOptions {
        CRI.NamespaceOptions(
            network: spec?.hostNetwork == true ? .node : .pod,
            pid: spec?.hostPID == true ? .node : (spec?.shareProcessNamespace == true ? .pod : .container),
            ipc: spec?.hostIPC == true ? .node : .pod)
    }

    /// `fsGroup`, then `supplementalGroups`, without repeats.
    static func supplementalGroups(of security: CoreV1.PodSecurityContext?) -> [Int64] {
        var groups: [Int64] = []
        for group in [security?.fsGroup].compactMap({ $0 }) + (security?.supplementalGroups ?? []) where !groups.contains(Int64(group)) {
            groups.append(Int64(group))
        }
        return groups
    }

    /// The pod's hostname: `spec.hostname`, else its name cut to 63 characters (without a
    /// trailing `-` or `.`); with `setHostnameAsFQDN` and a subdomain, the fully qualified name.
    public func hostname(of pod: CoreV1.Pod) throws(PodConfigError) -> String {
        var name = pod.spec?.hostname ?? ""
        if name.isEmpty {
            name = String((pod.metadata.name ?? "").prefix(63))
            while name.hasSuffix("-") || name.hasSuffix(".") { name.removeLast() }
        }
        if pod.spec?.setHostnameAsFQDN == true, let domain = hostDomain(of: pod) {
            let fqdn = name + "." + domain
            guard fqdn.count <= 64 else {
                throw PodConfigError("failed to construct FQDN from pod hostname and cluster domain, FQDN \(fqdn) is too long (64 characters is the max, \(fqdn.count) characters requested)")
            }
            return fqdn
        }
        return name
    }

    /// `SUBDOMAIN.NAMESPACE.svc.DOMAIN` for a pod with a subdomain.
    public func hostDomain(of pod: CoreV1.Pod) -> String? {
        guard let subdomain = pod.spec?.subdomain, !subdomain.isEmpty else { return nil }
        return "\(subdomain).\(pod.metadata.namespace ?? "default").svc.\(clusterDomain)"
    }

    /// `ROOT/NAMESPACE_NAME_UID`, or `nil` when the node keeps no logs.
    public func logDirectory(of pod: CoreV1.Pod) -> String? {
        guard let root = podLogsRoot else { return nil }
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        return "\(base)/\(pod.metadata.namespace ?? "")_\(pod.metadata.name ?? "")_\(pod.metadata.uid ?? "")"
    }

    /// The pod's cgroup by QoS class: `/kubepods/pod<UID>` (Guaranteed),
    /// `/kubepods/burstable/pod<UID>`, `/kubepods/besteffort/pod<UID>` with cgroupfs; the
    /// matching `kubepods-…-pod<UID>.slice` with systemd.
    public func cgroupParent(of pod: CoreV1.Pod) -> String {
        let uid = pod.metadata.uid ?? ""
        let tier: String?
        switch PodQOS.qosClass(of: pod.spec) {
        case "Guaranteed": tier = nil
        case "BestEffort": tier = "besteffort"
        default: tier = "burstable"
        }
        if cgroupDriver == "systemd" {
            let escaped = uid.replacingDashes()
            return (["kubepods"] + [tier].compactMap { $0 } + ["pod" + escaped]).joined(separator: "-") + ".slice"
        }
        let root = cgroupRoot.hasSuffix("/") ? cgroupRoot : cgroupRoot + "/"
        return root + (["kubepods"] + [tier].compactMap { $0 } + ["pod" + uid]).joined(separator: "/")
    }

    /// Host ports of the pod's containers (and restartable init containers).
    public func portMappings(of pod: CoreV1.Pod) -> [CRI.PortMapping] {
        let containers = (pod.spec?.containers ?? []) + (pod.spec?.initContainers ?? []).filter { $0.restartPolicy == "Always" }
        var mappings: [CRI.PortMapping] = []
        for container in containers {
            for port in container.ports ?? [] {
                guard let hostPort = port.hostPort, hostPort > 0, let containerPort = port.containerPort else { continue }
                let proto = CRI.PortProtocol(rawValue: port.protocol ?? "TCP") ?? .tcp
                mappings.append(CRI.PortMapping(protocol: proto, containerPort: containerPort, hostPort: hostPort, hostIP: port.hostIP ?? ""))
            }
        }
        return mappings
    }
}

extension String {
    /// Dashes as underscores (systemd slice names use `-` as the hierarchy separator).
    func replacingDashes() -> String {
        String(map { $0 == "-" ? "_" : $0 })
    }
}
