import KubeAPI

/// What `k3s check-config` reports about the machine: one line per facility a node needs, OK
/// or missing, with what to do about a missing one.
public struct HostCheck: Sendable, Hashable {
    /// The facility (`cgroups`, `overlayfs`, ...).
    public var name: String
    /// Whether it is there.
    public var ok: Bool
    /// What was found, or what to do.
    public var detail: String
    /// Whether a node can run without it (then a missing one is a warning).
    public var optional: Bool

    /// Creates a line.
    public init(name: String, ok: Bool, detail: String, optional: Bool = false) {
        self.name = name
        self.ok = ok
        self.detail = detail
        self.optional = optional
    }

    /// `name: OK (detail)` or `name: missing (detail)`; `warning` instead of `missing` for an
    /// optional one.
    public var line: String {
        let verdict = ok ? "OK" : (optional ? "warning" : "missing")
        return "\(name): \(verdict)" + (detail.isEmpty ? "" : " (\(detail))")
    }
}

/// Reads the machine for ``HostChecks``: files under `/proc` and `/sys`, and executables.
public protocol HostProbe: Sendable {
    /// The text of a file, or `nil` when it cannot be read.
    func read(_ path: String) -> String?
    /// Whether a file or directory exists.
    func exists(_ path: String) -> Bool
}

/// The checks of `k3s check-config`, over a ``HostProbe``.
public struct HostChecks: Sendable {
    let probe: any HostProbe

    /// Creates the checks over `probe`.
    public init(probe: any HostProbe) {
        self.probe = probe
    }

    /// Where CNI plugins are looked for, in order (Debian's package, then the usual place).
    static let cniDirectories = ["/usr/lib/cni", "/opt/cni/bin"]
    /// The CNI plugins a node's bridge network uses.
    static let cniPlugins = ["bridge", "host-local", "loopback", "portmap"]
    /// Where executables are looked for.
    static let binDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// Every check, in a fixed order.
    public func run() -> [HostCheck] {
        [
            cgroups(), overlayfs(), tool("nftables", "nft", package: "nftables"), tool("iproute2", "ip", package: "iproute2"),
            bridgeNetfilter(), tool("containerd", "containerd", package: "containerd"), tool("runc", "runc", package: "runc"),
            cni(), resourceCapability(),
        ]
    }

    /// cgroup v2 (the unified hierarchy with the cpu, memory and pids controllers) or v1 (those
    /// three hierarchies mounted).
    func cgroups() -> HostCheck {
        let needed = ["cpu", "memory", "pids"]
        if let controllers = probe.read("/sys/fs/cgroup/cgroup.controllers") {
            let present = Set(controllers.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            let missing = needed.filter { !present.contains($0) }
            return HostCheck(
                name: "cgroups", ok: missing.isEmpty,
                detail: missing.isEmpty ? "v2" : "v2 without the \(missing.joined(separator: ", ")) controller(s)")
        }
        var mounted: Set<String> = []
        for line in (probe.read("/proc/self/mounts") ?? "").split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 4, fields[2] == "cgroup" else { continue }
            for option in fields[3].split(separator: ",") { mounted.insert(String(option)) }
        }
        guard !mounted.isEmpty else { return HostCheck(name: "cgroups", ok: false, detail: "no cgroup file system is mounted") }
        let missing = needed.filter { !mounted.contains($0) }
        return HostCheck(
            name: "cgroups", ok: missing.isEmpty,
            detail: missing.isEmpty ? "v1" : "v1 without the \(missing.joined(separator: ", ")) hierarchy")
    }

    /// The overlay file system containerd's snapshotter uses.
    func overlayfs() -> HostCheck {
        let listed = (probe.read("/proc/filesystems") ?? "").split(separator: "\n").contains { $0.hasSuffix("\toverlay") || $0 == "nodev\toverlay" }
        if listed || probe.exists("/sys/module/overlay") { return HostCheck(name: "overlayfs", ok: true, detail: "") }
        return HostCheck(name: "overlayfs", ok: false, detail: "not loaded: modprobe overlay")
    }

    /// An executable on the usual paths.
    func tool(_ name: String, _ executable: String, package: String) -> HostCheck {
        if let path = Self.binDirectories.map({ "\($0)/\(executable)" }).first(where: probe.exists) {
            return HostCheck(name: name, ok: true, detail: path)
        }
        return HostCheck(name: name, ok: false, detail: "no \(executable): apt-get install \(package)")
    }

    /// br_netfilter, without which NetworkPolicy cannot see traffic between pods of one node.
    func bridgeNetfilter() -> HostCheck {
        if probe.exists("/proc/sys/net/bridge/bridge-nf-call-iptables") {
            return HostCheck(name: "br_netfilter", ok: true, detail: "")
        }
        return HostCheck(name: "br_netfilter", ok: false, detail: "not loaded: modprobe br_netfilter")
    }

    /// The CNI plugins of the bridge network.
    func cni() -> HostCheck {
        for directory in Self.cniDirectories {
            let missing = Self.cniPlugins.filter { !probe.exists("\(directory)/\($0)") }
            if missing.isEmpty { return HostCheck(name: "cni plugins", ok: true, detail: directory) }
        }
        return HostCheck(
            name: "cni plugins", ok: false,
            detail: "\(Self.cniPlugins.joined(separator: ", ")) not found in \(Self.cniDirectories.joined(separator: " or ")): apt-get install containernetworking-plugins")
    }

    /// `CAP_SYS_RESOURCE` (bit 24 of the effective set): without it the kubelet cannot set
    /// `oom_score_adj` below the parent's, and leaves it (a warning, not a failure).
    func resourceCapability() -> HostCheck {
        let status = probe.read("/proc/self/status") ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
            let mask = UInt64(line.dropFirst("CapEff:".count).trimmingSpaces(), radix: 16)
        else {
            return HostCheck(name: "CAP_SYS_RESOURCE", ok: false, detail: "cannot read the capabilities", optional: true)
        }
        let has = mask & (1 << 24) != 0
        return HostCheck(
            name: "CAP_SYS_RESOURCE", ok: has,
            detail: has ? "" : "absent: oom_score_adj stays as inherited (containers still run)", optional: true)
    }
}

/// The real machine.
public struct LocalHostProbe: HostProbe {
    /// Creates the probe.
    public init() {}

    public func read(_ path: String) -> String? {
        (try? FileSystem.readTextFile(path)) ?? nil
    }

    public func exists(_ path: String) -> Bool {
        FileSystem.exists(path)
    }
}
