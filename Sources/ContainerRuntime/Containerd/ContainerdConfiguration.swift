/// The containerd 1.6 configuration the agent runs containerd with (`config.toml`, format version
/// 2): its own root and state under the data directory, the CRI plugin with the Debian CNI
/// plugins, overlayfs, runc on cgroupfs and registry hosts from `certs.d`.
public struct ContainerdConfiguration: Sendable, Hashable {
    /// Where the agent's containerd serves CRI unless told otherwise.
    public static let defaultSocketPath = "/run/k3s/containerd/containerd.sock"

    /// containerd's persistent data (images, snapshots): `DATA_DIR/agent/containerd`.
    public var rootDirectory: String
    /// containerd's runtime state (task bundles).
    public var stateDirectory: String
    /// The gRPC socket (CRI and containerd's own API).
    public var socketPath: String
    /// The pause image every sandbox runs (`registry.k8s.io/pause:3.10`).
    public var sandboxImage: String
    /// The CNI plugin binaries.
    public var cniBinDirectory: String
    /// Where containerd reads CNI network configurations (`CNIConfiguration` writes one).
    public var cniConfDirectory: String
    /// `hosts.toml` directories per registry (mirrors, credentials, TLS): `DATA_DIR/agent/etc/containerd/certs.d`.
    public var registryConfigDirectory: String
    /// The address the CRI streaming server (exec, attach, port-forward) listens on.
    public var streamServerAddress: String
    /// Its port; `0` picks a free one.
    public var streamServerPort: Int
    /// Whether runc puts containers into systemd slices (`true`) or plain cgroupfs paths.
    public var systemdCgroup: Bool
    /// The snapshotter (`overlayfs`; `native` where overlay mounts are impossible).
    public var snapshotter: String
    /// TOML appended as is: the registry credential tables (`registry.configs."HOST".auth`)
    /// that `hosts.toml` files cannot carry.
    public var additionalTOML = ""

    /// Creates a configuration with everything under `dataDirectory` (`DATA_DIR`): root and state
    /// under `agent/containerd`, configuration under `agent/etc`.
    public init(
        dataDirectory: String, sandboxImage: String, socketPath: String = ContainerdConfiguration.defaultSocketPath,
        cniBinDirectory: String = "/usr/lib/cni", streamServerAddress: String = "127.0.0.1", streamServerPort: Int = 10010,
        systemdCgroup: Bool = false, snapshotter: String = "overlayfs"
    ) {
        let agent = dataDirectory.hasSuffix("/") ? "\(dataDirectory)agent" : "\(dataDirectory)/agent"
        rootDirectory = "\(agent)/containerd"
        stateDirectory = "\(agent)/containerd/state"
        self.socketPath = socketPath
        self.sandboxImage = sandboxImage
        self.cniBinDirectory = cniBinDirectory
        cniConfDirectory = "\(agent)/etc/cni/net.d"
        registryConfigDirectory = "\(agent)/etc/containerd/certs.d"
        self.streamServerAddress = streamServerAddress
        self.streamServerPort = streamServerPort
        self.systemdCgroup = systemdCgroup
        self.snapshotter = snapshotter
    }

    /// Where the agent writes this configuration: `DATA_DIR/agent/etc/containerd/config.toml`
    /// (next to `certs.d`).
    public var configPath: String {
        let certs = registryConfigDirectory
        let parent = certs.hasSuffix("/certs.d") ? String(certs.dropLast("/certs.d".count)) : certs
        return "\(parent)/config.toml"
    }

    /// The `config.toml` text.
    public func render() -> String {
        let cri = "plugins.\"io.containerd.grpc.v1.cri\""
        return """
            # Written by the k3s-swift agent on every start: edits are lost.
            version = 2
            root = \(quoted(rootDirectory))
            state = \(quoted(stateDirectory))
            # Snapshotters this node cannot use only slow the start down.
            disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

            [grpc]
              address = \(quoted(socketPath))

            [\(cri)]
              sandbox_image = \(quoted(sandboxImage))
              stream_server_address = \(quoted(streamServerAddress))
              stream_server_port = \(quoted(String(streamServerPort)))
              enable_selinux = false
              enable_unprivileged_ports = true
              enable_unprivileged_icmp = true
              # Without CAP_SYS_RESOURCE containerd may not lower a container's OOM score below its own.
              restrict_oom_score_adj = true
              disable_cgroup = false
              max_container_log_line_size = 16384

            [\(cri).containerd]
              snapshotter = \(quoted(snapshotter))
              default_runtime_name = "runc"
              disable_snapshot_annotations = true

            [\(cri).containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"

            [\(cri).containerd.runtimes.runc.options]
              SystemdCgroup = \(systemdCgroup)

            [\(cri).cni]
              bin_dir = \(quoted(cniBinDirectory))
              conf_dir = \(quoted(cniConfDirectory))

            [\(cri).registry]
              config_path = \(quoted(registryConfigDirectory))

            """ + (additionalTOML.isEmpty ? "" : additionalTOML + "\n")
    }

    /// A TOML basic string: quotes and backslashes escaped, control characters as `\uXXXX`.
    private func quoted(_ text: String) -> String {
        let escaped = text.unicodeScalars.map { scalar -> String in
            if scalar == "\"" || scalar == "\\" { return "\\" + String(scalar) }
            guard scalar.value < 0x20 || scalar.value == 0x7F else { return String(scalar) }
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }
        return "\"" + escaped.joined() + "\""
    }
}
