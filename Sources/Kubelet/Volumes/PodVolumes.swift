/// A pod's volumes as set up on the node: each volume's host directory (or file), by volume name.
public struct PodVolumes: Sendable, Hashable {
    /// One volume on the node.
    public struct Volume: Sendable, Hashable {
        /// The host path to bind-mount.
        public var hostPath: String
        /// The volume is always mounted read-only (configMap, secret, downwardAPI, projected, a
        /// read-only claim).
        public var readOnly: Bool

        /// Creates a volume.
        public init(hostPath: String, readOnly: Bool = false) {
            self.hostPath = hostPath
            self.readOnly = readOnly
        }
    }

    /// The volumes by name.
    public var volumes: [String: Volume]
    /// The pod's managed `/etc/hosts`, when the kubelet writes one.
    public var hostsFile: String?
    /// The directory where per-container termination-message files are made, when the kubelet
    /// keeps them (`<root>/pods/<UID>/containers`).
    public var containersDirectory: String?

    /// Creates a set of volumes.
    public init(volumes: [String: Volume] = [:], hostsFile: String? = nil, containersDirectory: String? = nil) {
        self.volumes = volumes
        self.hostsFile = hostsFile
        self.containersDirectory = containersDirectory
    }
}
