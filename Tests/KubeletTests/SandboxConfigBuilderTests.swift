import KubeAPI
import Testing
@testable import Kubelet

@Suite("Sandbox configuration")
struct SandboxConfigBuilderTests {
    let host = ResolvConf(parsing: """
        # generated
        nameserver 192.168.1.1
        nameserver 192.168.1.2 ; second
        search corp.example lab.example.
        options edns0 timeout:2
        """)

    func builder(clusterDNS: [String] = ["10.43.0.10"]) -> SandboxConfigBuilder {
        SandboxConfigBuilder(clusterDNS: clusterDNS, clusterDomain: "cluster.local", hostDNS: host, podLogsRoot: "/var/log/pods", nodeHostname: "node-a")
    }

    func pod(name: String = "web", dnsPolicy: String? = nil, hostNetwork: Bool? = nil, dnsConfig: CoreV1.PodDNSConfig? = nil,
             resources: CoreV1.ResourceRequirements? = nil) -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(annotations: ["a": "1"], labels: ["app": "web"], name: name, namespace: "prod", uid: "1234-abcd"),
            spec: CoreV1.PodSpec(
                containers: [CoreV1.Container(image: "nginx", name: "main", resources: resources)],
                dnsConfig: dnsConfig, dnsPolicy: dnsPolicy, hostNetwork: hostNetwork))
    }

    @Test("resolv.conf parsing")
    func parsing() {
        #expect(host.nameservers == ["192.168.1.1", "192.168.1.2"])
        #expect(host.searches == ["corp.example", "lab.example"])
        #expect(host.options == ["edns0", "timeout:2"])
        #expect(host.isUsableInPods)
        #expect(!ResolvConf(parsing: "nameserver 127.0.0.53\nsearch lan").isUsableInPods)
        #expect(!ResolvConf(parsing: "search lan").isUsableInPods)
    }

    @Test("ClusterFirst: cluster servers, namespace searches then the node's, ndots:5")
    func clusterFirst() {
        let dns = builder().dnsConfig(for: pod())
        #expect(dns == CRI.DNSConfig(
            servers: ["10.43.0.10"],
            searches: ["prod.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "lab.example"],
            options: ["ndots:5"]))
    }

    @Test("host-network and no-cluster-DNS ClusterFirst pods use the node's; ClusterFirstWithHostNet does not")
    func fallbacks() {
        let node = CRI.DNSConfig(servers: host.nameservers, searches: host.searches, options: host.options)
        #expect(builder().dnsConfig(for: pod(hostNetwork: true)) == node)
        #expect(builder(clusterDNS: []).dnsConfig(for: pod()) == node)
        #expect(builder().dnsConfig(for: pod(dnsPolicy: "Default")) == node)
        #expect(builder().dnsConfig(for: pod(dnsPolicy: "ClusterFirstWithHostNet", hostNetwork: true)).servers == ["10.43.0.10"])
    }

    @Test("None takes only dnsConfig; dnsConfig merges into other policies")
    func noneAndMerge() {
        let extra = CoreV1.PodDNSConfig(
            nameservers: ["1.1.1.1", "10.43.0.10"],
            options: [CoreV1.PodDNSConfigOption(name: "ndots", value: "2"), CoreV1.PodDNSConfigOption(name: "rotate")],
            searches: ["extra.example", "cluster.local"])
        #expect(builder().dnsConfig(for: pod(dnsPolicy: "None", dnsConfig: extra)) == CRI.DNSConfig(
            servers: ["1.1.1.1", "10.43.0.10"], searches: ["extra.example", "cluster.local"], options: ["ndots:2", "rotate"]))
        let merged = builder().dnsConfig(for: pod(dnsConfig: extra))
        #expect(merged.servers == ["10.43.0.10", "1.1.1.1"])
        #expect(merged.searches == ["prod.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "lab.example", "extra.example"])
        #expect(merged.options == ["ndots:2", "rotate"])
    }

    @Test("search lists are cut to 32 domains and 2048 characters, servers to 3")
    func limits() {
        let many = CoreV1.PodDNSConfig(nameservers: ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"], searches: (0..<40).map { "d\($0).example" })
        let dns = builder().dnsConfig(for: pod(dnsPolicy: "None", dnsConfig: many))
        #expect(dns.searches.count == 32)
        #expect(dns.servers.count == 3)
        let long = CoreV1.PodDNSConfig(searches: (0..<20).map { "\($0)." + String(repeating: "x", count: 200) })
        let cut = builder().dnsConfig(for: pod(dnsPolicy: "None", dnsConfig: long))
        #expect(cut.searches.joined(separator: " ").count <= 2048)
        #expect(cut.searches.count == 10)
    }

    @Test("cgroup parents per QoS class, cgroupfs and systemd")
    func cgroupParents() {
        let guaranteed = CoreV1.ResourceRequirements(limits: ["cpu": "1", "memory": "1Gi"], requests: ["cpu": "1", "memory": "1Gi"])
        let burstable = CoreV1.ResourceRequirements(requests: ["cpu": "100m"])
        #expect(builder().cgroupParent(of: pod(resources: guaranteed)) == "/kubepods/pod1234-abcd")
        #expect(builder().cgroupParent(of: pod(resources: burstable)) == "/kubepods/burstable/pod1234-abcd")
        #expect(builder().cgroupParent(of: pod()) == "/kubepods/besteffort/pod1234-abcd")
        var systemd = builder()
        systemd.cgroupDriver = "systemd"
        #expect(systemd.cgroupParent(of: pod(resources: burstable)) == "kubepods-burstable-pod1234_abcd.slice")
        #expect(systemd.cgroupParent(of: pod(resources: guaranteed)) == "kubepods-pod1234_abcd.slice")
    }

    @Test("the whole sandbox: identity, hostname, logs, ports, namespaces, sysctls, groups")
    func wholeConfig() throws {
        var spec = pod(name: String(repeating: "a", count: 62) + "-b-c")
        spec.spec?.containers?[0].ports = [
            CoreV1.ContainerPort(containerPort: 80, hostPort: 8080),
            CoreV1.ContainerPort(containerPort: 53, hostIP: "127.0.0.1", hostPort: 5353, protocol: "UDP"),
            CoreV1.ContainerPort(containerPort: 9000),
        ]
        spec.spec?.securityContext = CoreV1.PodSecurityContext(
            fsGroup: 2000, runAsGroup: 3000, runAsUser: 1000, supplementalGroups: [5000],
            sysctls: [CoreV1.Sysctl(name: "net.ipv4.ip_unprivileged_port_start", value: "0")])
        spec.spec?.hostIPC = true
        let config = try builder().config(for: spec)
        #expect(config.metadata == CRI.PodSandboxMetadata(name: spec.metadata.name ?? "", namespace: "prod", uid: "1234-abcd"))
        #expect(config.hostname == String(repeating: "a", count: 62))
        #expect(config.labels["app"] == "web")
        #expect(config.labels[ContainerAnnotations.podUID] == "1234-abcd")
        #expect(config.annotations == ["a": "1"])
        #expect(config.logDirectory == "/var/log/pods/prod_\(spec.metadata.name ?? "")_1234-abcd")
        #expect(config.portMappings == [
            CRI.PortMapping(protocol: .tcp, containerPort: 80, hostPort: 8080),
            CRI.PortMapping(protocol: .udp, containerPort: 53, hostPort: 5353, hostIP: "127.0.0.1"),
        ])
        #expect(config.linux.namespaces == CRI.NamespaceOptions(network: .pod, pid: .container, ipc: .node))
        #expect(config.linux.sysctls == ["net.ipv4.ip_unprivileged_port_start": "0"])
        #expect(config.linux.supplementalGroups == [2000, 5000])
        #expect(config.linux.runAsUser == 1000)
        #expect(config.linux.runAsGroup == 3000)
        #expect(config.linux.cgroupParent == "/kubepods/besteffort/pod1234-abcd")
        #expect(!config.hostNetwork)

        let hostNet = try builder().config(for: pod(hostNetwork: true))
        #expect(hostNet.hostNetwork)
        #expect(hostNet.linux.namespaces.network == .node)
        #expect(hostNet.hostname == "node-a")
    }

    @Test("hostname and subdomain: FQDN with setHostnameAsFQDN, and a too-long FQDN fails")
    func hostnames() throws {
        var spec = pod()
        spec.spec?.hostname = "db-0"
        spec.spec?.subdomain = "db"
        #expect(try builder().hostname(of: spec) == "db-0")
        #expect(builder().hostDomain(of: spec) == "db.prod.svc.cluster.local")
        spec.spec?.setHostnameAsFQDN = true
        #expect(try builder().hostname(of: spec) == "db-0.db.prod.svc.cluster.local")
        spec.spec?.hostname = String(repeating: "h", count: 40)
        #expect(throws: PodConfigError.self) { try builder().hostname(of: spec) }
    }

    @Test("the managed hosts file")
    func hostsFile() {
        let text = PodHostsFile.contents(
            podIPs: ["10.42.0.9"], hostname: "db-0", domain: "db.prod.svc.cluster.local",
            aliases: [CoreV1.HostAlias(hostnames: ["foo.local", "bar.local"], ip: "127.0.0.2")])
        #expect(text.contains("127.0.0.1\tlocalhost\n"))
        #expect(text.contains("10.42.0.9\tdb-0.db.prod.svc.cluster.local\tdb-0\n"))
        #expect(text.hasSuffix("# Entries added by HostAliases.\n127.0.0.2\tfoo.local\tbar.local\n"))
        let hostNet = PodHostsFile.contents(hostNetworkWith: "127.0.0.1 localhost\n10.0.0.5 node-a", aliases: [])
        #expect(hostNet == "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n10.0.0.5 node-a\n")
    }
}
