import KubeAPI

/// The node annotations Flannel publishes about each node and reads about its peers, with the
/// same names and values, so a node of this overlay and a Flannel node understand each other:
///
/// | annotation (`flannel.alpha.coreos.com/…`) | value |
/// |---|---|
/// | `backend-type` | `vxlan` or `host-gw` |
/// | `backend-data`, `backend-v6-data` | `{"VNI":1,"VtepMAC":"0e:…"}` for VXLAN, `null` for host-gw |
/// | `public-ip`, `public-ipv6` | the node's address between nodes, per family |
/// | `public-ip-overwrite` | read only: an administrator's replacement for `public-ip` |
/// | `kube-subnet-manager` | `true`: the pod CIDR comes from the Node's `spec.podCIDR(s)` |
public enum FlannelAnnotations {
    /// The annotations' common prefix.
    public static let prefix = "flannel.alpha.coreos.com/"
    /// `backend-type`.
    public static let backendType = prefix + "backend-type"
    /// `backend-data` (IPv4).
    public static let backendData = prefix + "backend-data"
    /// `backend-v6-data`.
    public static let backendV6Data = prefix + "backend-v6-data"
    /// `public-ip` (IPv4).
    public static let publicIP = prefix + "public-ip"
    /// `public-ipv6`.
    public static let publicIPv6 = prefix + "public-ipv6"
    /// `public-ip-overwrite`: when set on a node, peers use it instead of `public-ip`.
    public static let publicIPOverwrite = prefix + "public-ip-overwrite"
    /// `kube-subnet-manager`.
    public static let kubeSubnetManager = prefix + "kube-subnet-manager"

    /// The annotations a node set up with `attributes` publishes.
    public static func annotations(for attributes: OverlayAttributes) -> [String: String] {
        var result = [backendType: attributes.backend.rawValue, kubeSubnetManager: "true"]
        for address in attributes.publicIPs {
            let family = address.family
            result[family == .ipv4 ? publicIP : publicIPv6] = address.description
            result[family == .ipv4 ? backendData : backendV6Data] = dataText(attributes.backend, attributes.backendData[family])
        }
        return result
    }

    /// `{"VNI":1,"VtepMAC":"…"}` for VXLAN, `null` otherwise.
    static func dataText(_ backend: OverlayBackend, _ data: OverlayBackendData?) -> String {
        guard backend == .vxlan, let data, let mac = data.vtepMAC else { return "null" }
        return "{\"VNI\":\(data.vni ?? VXLANOverlay.defaultVNI),\"VtepMAC\":\"\(mac)\"}"
    }

    /// The peer a Node describes: its pod CIDR(s) (`spec.podCIDRs`, else `spec.podCIDR`) and
    /// Flannel annotations.
    ///
    /// - Throws: ``Rejection`` naming what is missing or malformed (no pod CIDR yet, no
    ///   annotations yet, an unknown backend, a bad address or backend data).
    public static func peer(from node: CoreV1.Node) throws(Rejection) -> OverlayPeer {
        let name = node.metadata.name ?? ""
        func reject(_ reason: String) -> Rejection { Rejection(node: name, reason: reason) }
        guard !name.isEmpty else { throw reject("the node has no name") }
        let annotations = node.metadata.annotations ?? [:]
        let podCIDRs: [IPPrefix]
        do {
            podCIDRs = try Self.podCIDRs(of: node)
        } catch {
            throw reject("pod CIDR: \(error)")
        }
        guard !podCIDRs.isEmpty else { throw reject("it has no pod CIDR yet") }
        guard let typeText = annotations[backendType] else { throw reject("it has no \(backendType) annotation yet") }
        guard let backend = OverlayBackend(rawValue: typeText) else {
            throw reject("backend type \"\(typeText)\" is not one of \(OverlayBackend.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var publicIPs: [IPAddress] = []
        var dataByFamily: [IPAddress.Family: OverlayBackendData] = [:]
        let sources: [(key: String, text: String?, dataKey: String)] = [
            (publicIP, annotations[publicIPOverwrite].flatMap { $0.isEmpty ? nil : $0 } ?? annotations[publicIP], backendData),
            (publicIPv6, annotations[publicIPv6], backendV6Data),
        ]
        for source in sources {
            guard let text = source.text, !text.isEmpty else { continue }
            guard let address = IPAddress(text.trimmingSpaces()) else { throw reject("\(source.key) \"\(text)\" is not an IP address") }
            publicIPs.append(address)
            guard backend == .vxlan else { continue }
            guard let dataText = annotations[source.dataKey] else { throw reject("it has no \(source.dataKey) annotation yet") }
            dataByFamily[address.family] = try parseData(dataText, key: source.dataKey, reject: reject)
        }
        guard !publicIPs.isEmpty else { throw reject("it has no \(publicIP) annotation yet") }
        return OverlayPeer(name: name, podCIDRs: podCIDRs, publicIPs: publicIPs, backend: backend, backendData: dataByFamily)
    }

    /// A Node's pod CIDRs (`spec.podCIDRs`, else `spec.podCIDR`), masked; empty when it has none
    /// yet.
    ///
    /// - Throws: ``IPParseError`` for a malformed one.
    public static func podCIDRs(of node: CoreV1.Node) throws(IPParseError) -> [IPPrefix] {
        let texts = node.spec?.podCIDRs.flatMap { $0.isEmpty ? nil : $0 } ?? node.spec?.podCIDR.map { [$0] } ?? []
        return try texts.map { text throws(IPParseError) in try IPPrefix(parsing: text).masked }
    }

    /// VXLAN backend data: an object with a valid `VtepMAC` and an optional whole-number `VNI`.
    private static func parseData(_ text: String, key: String, reject: (String) -> Rejection) throws(Rejection) -> OverlayBackendData {
        guard let value = try? JSONValue(parsing: text), value.objectValue != nil else {
            throw reject("\(key) \"\(text.prefix(100))\" is not a JSON object")
        }
        guard let macText = value["VtepMAC"]?.stringValue, let mac = MACAddress(macText) else {
            throw reject("\(key) has no valid VtepMAC")
        }
        var data = OverlayBackendData(vtepMAC: mac)
        if let vni = value["VNI"], !vni.isNull {
            guard let number = vni.int else { throw reject("\(key) has a VNI that is not a whole number") }
            data.vni = number
        }
        return data
    }

    /// A node that cannot be a peer, and why.
    public struct Rejection: Error, Sendable, Hashable, CustomStringConvertible {
        /// The node's name.
        public var node: String
        /// What is missing or wrong.
        public var reason: String

        /// Creates a rejection.
        public init(node: String, reason: String) {
            self.node = node
            self.reason = reason
        }

        /// `node NAME skipped: REASON`.
        public var description: String { "node \(node) skipped: \(reason)" }
    }
}
