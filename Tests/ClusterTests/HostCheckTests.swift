import Testing
@testable import Cluster

/// `k3s check-config`'s checks over a machine described by files.
@Suite struct HostCheckTests {
    struct FakeProbe: HostProbe {
        var files: [String: String] = [:]
        var paths: Set<String> = []
        func read(_ path: String) -> String? { files[path] }
        func exists(_ path: String) -> Bool { files[path] != nil || paths.contains(path) }
    }

    static let complete = FakeProbe(
        files: [
            "/proc/self/mounts": "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,cpu,cpuacct 0 0\ncgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\ncgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0\n",
            "/proc/filesystems": "nodev\tsysfs\nnodev\toverlay\n",
            "/proc/self/status": "Name:\tk3s\nCapEff:\t000001ffffffffff\n",
        ],
        paths: [
            "/usr/sbin/nft", "/usr/sbin/ip", "/usr/bin/containerd", "/usr/sbin/runc", "/proc/sys/net/bridge/bridge-nf-call-iptables",
            "/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/loopback", "/usr/lib/cni/portmap",
        ])

    @Test func aCompleteMachineIsAllOK() {
        let lines = HostChecks(probe: Self.complete).run().map(\.line)
        #expect(lines == [
            "cgroups: OK (v1)", "overlayfs: OK", "nftables: OK (/usr/sbin/nft)", "iproute2: OK (/usr/sbin/ip)", "br_netfilter: OK",
            "containerd: OK (/usr/bin/containerd)", "runc: OK (/usr/sbin/runc)", "cni plugins: OK (/usr/lib/cni)", "CAP_SYS_RESOURCE: OK",
        ])
    }

    @Test func whatIsMissingSaysWhatToDo() {
        var probe = FakeProbe(files: [
            "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory\n",
            "/proc/filesystems": "nodev\tsysfs\n",
            "/proc/self/status": "CapEff:\t000001fffeffffff\n",
        ])
        probe.paths = ["/opt/cni/bin/bridge", "/opt/cni/bin/host-local", "/opt/cni/bin/loopback"]
        let checks = HostChecks(probe: probe).run()
        let lines = checks.map(\.line)
        #expect(lines.contains("cgroups: missing (v2 without the pids controller(s))"))
        #expect(lines.contains("overlayfs: missing (not loaded: modprobe overlay)"))
        #expect(lines.contains("nftables: missing (no nft: apt-get install nftables)"))
        #expect(lines.contains("br_netfilter: missing (not loaded: modprobe br_netfilter)"))
        #expect(lines.contains { $0.hasPrefix("cni plugins: missing (bridge, host-local, loopback, portmap not found") })
        // Bit 24 is clear: a warning, not a failure.
        let capability = checks.first { $0.name == "CAP_SYS_RESOURCE" }
        #expect(capability?.line == "CAP_SYS_RESOURCE: warning (absent: oom_score_adj stays as inherited (containers still run))")
        #expect(capability?.optional == true)
        #expect(HostChecks(probe: FakeProbe()).cgroups().line == "cgroups: missing (no cgroup file system is mounted)")
    }

    @Test func thisMachineAnswersEveryCheck() {
        // Whatever this machine has, every check answers, and the ones CI installs are there.
        let checks = HostChecks(probe: LocalHostProbe()).run()
        #expect(checks.map(\.name) == [
            "cgroups", "overlayfs", "nftables", "iproute2", "br_netfilter", "containerd", "runc", "cni plugins", "CAP_SYS_RESOURCE",
        ])
        #expect(checks.first { $0.name == "cgroups" }?.ok == true, "\(checks.map(\.line))")
    }
}
