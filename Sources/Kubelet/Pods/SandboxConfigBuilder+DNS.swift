import KubeAPI

extension SandboxConfigBuilder {
    /// The pod's `resolv.conf` by `dnsPolicy`:
    /// - `ClusterFirst` (default): the cluster DNS servers, searches `NS.svc.DOMAIN svc.DOMAIN
    ///   DOMAIN` then the node's, `ndots:5`. A host-network pod, or a node without cluster DNS,
    ///   gets the node's settings instead.
    /// - `ClusterFirstWithHostNet`: the same, also for host-network pods.
    /// - `Default`: the node's settings.
    /// - `None`: nothing but `dnsConfig`.
    ///
    /// `dnsConfig` is then merged: servers and searches appended without repeats, options
    /// replacing those of the same name. The search list is cut to 32 domains and 2048
    /// characters, the servers to 3.
    public func dnsConfig(for pod: CoreV1.Pod) -> CRI.DNSConfig {
        let hostNetwork = pod.spec?.hostNetwork == true
        var policy = pod.spec?.dnsPolicy ?? "ClusterFirst"
        if policy == "ClusterFirst" && hostNetwork { policy = "Default" }
        if policy == "ClusterFirstWithHostNet" { policy = "ClusterFirst" }
        if policy == "ClusterFirst" && clusterDNS.isEmpty { policy = "Default" }
        var config = CRI.DNSConfig()
        switch policy {
        case "ClusterFirst":
            let namespace = pod.metadata.namespace ?? "default"
            config.servers = clusterDNS
            config.searches = ["\(namespace).svc.\(clusterDomain)", "svc.\(clusterDomain)", clusterDomain] + hostDNS.searches
            config.options = ["ndots:5"]
        case "None":
            break
        default:
            config = CRI.DNSConfig(servers: hostDNS.nameservers, searches: hostDNS.searches, options: hostDNS.options)
        }
        if let extra = pod.spec?.dnsConfig {
            config.servers = Self.withoutRepeats(config.servers + (extra.nameservers ?? []))
            config.searches = Self.withoutRepeats(config.searches + (extra.searches ?? []))
            config.options = Self.mergeOptions(config.options, extra.options ?? [])
        }
        config.searches = Self.withoutRepeats(config.searches)
        config.searches = Self.limitSearches(config.searches)
        config.servers = Array(config.servers.prefix(Self.maxNameservers))
        return config
    }

    static func withoutRepeats(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    /// Options as `name` or `name:value`; one from `extra` replaces one of the same name in place.
    static func mergeOptions(_ base: [String], _ extra: [CoreV1.PodDNSConfigOption]) -> [String] {
        var result = base
        for option in extra {
            guard let name = option.name else { continue }
            let text = option.value.map { "\(name):\($0)" } ?? name
            if let index = result.firstIndex(where: { $0 == name || $0.hasPrefix(name + ":") }) {
                result[index] = text
            } else {
                result.append(text)
            }
        }
        return result
    }

    static func limitSearches(_ searches: [String]) -> [String] {
        var result = Array(searches.prefix(maxSearchDomains))
        while !result.isEmpty && result.joined(separator: " ").count > maxSearchLength { result.removeLast() }
        return result
    }
}
