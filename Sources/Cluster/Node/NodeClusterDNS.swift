import ClusterDNS
import KubeAPI
import KubeClient
import Logging
import NIOCore
import NetOverlay

/// The node's part of the built-in cluster DNS (CoreDNS's role in K3s): the cluster DNS
/// addresses (`--cluster-dns`, 10.43.0.10) become local addresses of the node (on `lo`), and a
/// ``ClusterDNSServer`` answers on each of them, UDP and TCP port 53, from the node's own
/// informers. Pods reach it through their node (the address is local there), so a lookup never
/// crosses to another node; names outside the cluster domain go to the resolvers of the
/// kubelet's `resolv.conf` (`--resolv-conf`).
///
/// The `kube-dns` Service carries `service.kubernetes.io/service-proxy-name`, so the service
/// proxy leaves these addresses to this server. The addresses stay on `lo` when the node stops
/// (a restarted node finds them in place); `k3s-killall` removes them.
struct NodeClusterDNS: Sendable {
    /// The addresses to answer on.
    var addresses: [IPAddress]
    /// The cluster domain (`--cluster-domain`).
    var domain: String
    /// The file naming the upstream resolvers; `nil` or a file without nameservers answers other
    /// names SERVFAIL.
    var upstreamResolvConf: String?
    /// The port (53; tests may pick another).
    var port: Int = 53
    let runner: any LinkCommandRunner
    let logger: Logger

    /// The label IPv4 addresses get on `lo`, by which `k3s-killall.sh` finds and removes them.
    static let addressLabel = "lo:k3s-dns"

    /// The `ip` commands that make `addresses` local: `ip address replace ADDRESS/32 dev lo label
    /// lo:k3s-dns` (`/128`, unlabelled, for IPv6: the kernel labels IPv4 addresses only),
    /// idempotent across restarts.
    var addressCommands: [LinkCommand] {
        addresses.map { address in
            address.family == .ipv4
                ? LinkCommand(.ip, ["address", "replace", "\(address)/32", "dev", "lo", "label", Self.addressLabel])
                : LinkCommand(.ip, ["address", "replace", "\(address)/128", "dev", "lo"])
        }
    }

    /// The upstream resolvers: the nameservers of ``upstreamResolvConf``, none when unreadable.
    var upstreams: [SocketAddress] {
        guard let path = upstreamResolvConf else { return [] }
        do {
            return try ResolvConf.nameservers(atPath: path)
        } catch {
            logger.warning("cannot read the upstream resolvers", metadata: ["file": "\(path)", "error": "\(error)"])
            return []
        }
    }

    /// Answers until the task is cancelled; a failure to add the addresses or bind the sockets
    /// is logged and retried every 5 seconds (the node keeps running without cluster DNS
    /// meanwhile). The factory must be run by its owner.
    func run(informers: InformerFactory) async {
        while !Task.isCancelled {
            do {
                try await serve(informers: informers)
                return
            } catch is CancellationError {
                return
            } catch {
                logger.error("cluster DNS cannot serve; retrying in 5 s", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }

    /// Adds the addresses, then answers until the task is cancelled.
    ///
    /// - Throws: when an address cannot be added or a socket cannot be bound.
    func serve(informers: InformerFactory) async throws {
        for command in addressCommands { _ = try await runner.run(command) }
        let zone = try DNSName(domain)
        let source = InformerDNSRecordSource(informers: informers, logger: logger)
        let resolver = ClusterDNSResolver(configuration: ClusterDNSConfiguration(zone: zone, nameserverAddresses: addresses))
        let upstreams = upstreams
        let forwarder = upstreams.isEmpty ? nil : DNSForwarder(servers: upstreams)
        logger.info("cluster DNS starting", metadata: [
            "addresses": "\(addresses.map(\.description))", "domain": "\(domain)", "upstreams": "\(upstreams.map(\.description))",
        ])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await source.run() }
            for address in addresses {
                let server = ClusterDNSServer(
                    configuration: .init(host: address.description, port: port), resolver: resolver, source: source,
                    forwarder: forwarder, logger: logger)
                group.addTask { try await server.run() }
            }
        }
    }
}
