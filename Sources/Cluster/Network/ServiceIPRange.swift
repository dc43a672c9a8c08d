/// The range services take their cluster IPs from (`--service-cidr`), with the two
/// addresses the control plane reserves in it.
public struct ServiceIPRange: Sendable, Hashable {
    /// The service network.
    public let cidr: CIDR

    /// Why a network cannot hold services.
    public struct TooSmall: Error, Sendable, Hashable, CustomStringConvertible {
        /// The network that was refused.
        public var cidr: CIDR
        public var description: String {
            "service CIDR \(cidr) is too small: it must hold at least the API server and DNS addresses"
        }
    }

    /// Wraps a service network that has room for the first and the tenth address.
    public init(_ cidr: CIDR) throws(TooSmall) {
        guard cidr.address(at: 10) != nil else { throw TooSmall(cidr: cidr) }
        self.cidr = cidr
    }

    /// The first address after the network address: the `kubernetes` service's cluster IP
    /// (`10.43.0.1` for `10.43.0.0/16`).
    public var apiServerServiceIP: IPAddress { cidr.address(at: 1)! }

    /// The tenth address after the network address: the default cluster DNS IP
    /// (`10.43.0.10` for `10.43.0.0/16`).
    public var dnsServiceIP: IPAddress { cidr.address(at: 10)! }

    /// Whether an address lies in the service network.
    public func contains(_ address: IPAddress) -> Bool { cidr.contains(address) }
}
