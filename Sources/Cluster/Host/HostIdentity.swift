import KubeAPI

/// The host facts the server's defaults depend on: its name and its address. Passed in so
/// tests can pin them.
public struct HostIdentity: Sendable, Hashable {
    /// The host name: the default `--node-name` and a serving-certificate SAN.
    public var hostName: String
    /// The default `--advertise-address`.
    public var defaultAdvertiseAddress: IPAddress

    /// Creates fixed host facts.
    public init(hostName: String, defaultAdvertiseAddress: IPAddress) {
        self.hostName = hostName
        self.defaultAdvertiseAddress = defaultAdvertiseAddress
    }

    /// The facts of the machine the process runs on.
    public static func current() -> HostIdentity {
        HostIdentity(hostName: HostNetwork.hostName(), defaultAdvertiseAddress: HostNetwork.defaultAdvertiseAddress())
    }
}
