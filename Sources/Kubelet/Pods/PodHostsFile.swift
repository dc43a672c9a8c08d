import KubeAPI

/// The `/etc/hosts` the kubelet writes for a pod: the standard local entries, the pod's own IPs
/// with its hostname (and FQDN when it has a subdomain), then `hostAliases`. A host-network pod
/// gets the node's own file followed by its `hostAliases`.
public enum PodHostsFile {
    /// The file for a pod with its own network.
    public static func contents(podIPs: [String], hostname: String, domain: String?, aliases: [CoreV1.HostAlias]) -> String {
        var lines = [
            "# Kubernetes-managed hosts file.",
            "127.0.0.1\tlocalhost",
            "::1\tlocalhost ip6-localhost ip6-loopback",
            "fe00::0\tip6-localnet",
            "fe00::0\tip6-mcastprefix",
            "fe00::1\tip6-allnodes",
            "fe00::2\tip6-allrouters",
        ]
        for ip in podIPs {
            if let domain {
                lines.append("\(ip)\t\(hostname).\(domain)\t\(hostname)")
            } else {
                lines.append("\(ip)\t\(hostname)")
            }
        }
        return (lines + aliasLines(aliases)).joined(separator: "\n") + "\n"
    }

    /// The file for a host-network pod: the node's `/etc/hosts` text, then the aliases.
    public static func contents(hostNetworkWith nodeHosts: String, aliases: [CoreV1.HostAlias]) -> String {
        var text = "# Kubernetes-managed hosts file (host network).\n" + nodeHosts
        if !text.hasSuffix("\n") { text += "\n" }
        let extra = aliasLines(aliases)
        return extra.isEmpty ? text : text + extra.joined(separator: "\n") + "\n"
    }

    static func aliasLines(_ aliases: [CoreV1.HostAlias]) -> [String] {
        let entries = aliases.compactMap { alias -> String? in
            guard let ip = alias.ip, let names = alias.hostnames, !names.isEmpty else { return nil }
            return ip + "\t" + names.joined(separator: "\t")
        }
        return entries.isEmpty ? [] : ["", "# Entries added by HostAliases."] + entries
    }
}
