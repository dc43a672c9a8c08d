extension CRI {
    /// The runtime's name and version (CRI `Version`).
    public struct Version: Sendable, Hashable {
        /// The CRI API version spoken (`v1`).
        public var version: String
        /// The runtime's name (`containerd`).
        public var runtimeName: String
        /// The runtime's version (`v2.1.4-k3s1`).
        public var runtimeVersion: String
        /// The CRI API version of the runtime.
        public var runtimeAPIVersion: String

        /// Creates a version.
        public init(version: String = "0.1.0", runtimeName: String, runtimeVersion: String, runtimeAPIVersion: String = "v1") {
            self.version = version
            self.runtimeName = runtimeName
            self.runtimeVersion = runtimeVersion
            self.runtimeAPIVersion = runtimeAPIVersion
        }

        /// The form the node shows in `status.nodeInfo.containerRuntimeVersion` (`containerd://2.1.4`).
        public var nodeInfoVersion: String { "\(runtimeName)://\(runtimeVersion)" }
    }

    /// One readiness condition of the runtime (`RuntimeReady`, `NetworkReady`).
    public struct RuntimeCondition: Sendable, Hashable {
        /// `RuntimeReady` or `NetworkReady`.
        public var type: String
        /// Whether the condition holds.
        public var status: Bool
        /// Why not, in one word.
        public var reason: String
        /// Why not, in a sentence.
        public var message: String

        /// Creates a condition.
        public init(type: String, status: Bool, reason: String = "", message: String = "") {
            self.type = type
            self.status = status
            self.reason = reason
            self.message = message
        }
    }

    /// The runtime's health (CRI `Status`).
    public struct RuntimeStatus: Sendable, Hashable {
        /// The conditions; the runtime is usable when `RuntimeReady` holds, pods with their own
        /// network can start when `NetworkReady` holds too.
        public var conditions: [RuntimeCondition]

        /// Creates a status.
        public init(conditions: [RuntimeCondition]) {
            self.conditions = conditions
        }

        /// Whether the named condition holds (false when absent).
        public func holds(_ type: String) -> Bool {
            conditions.first { $0.type == type }?.status ?? false
        }
    }

    /// Runtime settings the kubelet pushes down (CRI `UpdateRuntimeConfig`).
    public struct RuntimeConfig: Sendable, Hashable {
        /// The node's pod CIDR(s), comma separated as in CRI; pod IPs are allocated from it.
        public var podCIDR: String

        /// Creates a configuration.
        public init(podCIDR: String) {
            self.podCIDR = podCIDR
        }
    }
}
