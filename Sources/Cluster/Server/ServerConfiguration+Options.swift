import APIServer
import KubeAPI

extension ServerConfiguration {
    /// Everything that can go wrong while building a configuration.
    public enum LoadError: Error, Sendable, Hashable, CustomStringConvertible {
        /// A config file could not be read or parsed.
        case configFile(ConfigFileError)
        /// A setting has a bad value.
        case invalid(ServerConfigurationError)

        public var description: String {
            switch self {
            case .configFile(let e): return "config file: \(e)"
            case .invalid(let e): return e.description
            }
        }
    }

    /// Builds the configuration K3s would: reads the config file (`--config`, else
    /// `K3S_CONFIG_FILE`, else `/etc/rancher/k3s/config.yaml`) and its `.d` drop-ins, lays the
    /// command line over it, fills the rest from the environment, then applies defaults and
    /// validates. A missing default config file is fine; a missing file named explicitly is an
    /// error. Unknown config-file keys are reported through `warn` and skipped.
    public static func load(
        commandLine: ServerOptions,
        environment: [String: String],
        host: HostIdentity = .current(),
        warn: (String) -> Void
    ) throws(LoadError) -> ServerConfiguration {
        let merged: ServerOptions
        do {
            merged = try ServerOptions.load(
                commandLine: commandLine, environment: environment, defaultConfigFile: defaultConfigFile, warn: warn)
        } catch {
            throw .configFile(error)
        }
        do {
            return try ServerConfiguration(options: merged, host: host)
        } catch {
            throw .invalid(error)
        }
    }

    /// Applies defaults to raw settings and validates them.
    public init(options: ServerOptions, host: HostIdentity = .current()) throws(ServerConfigurationError) {
        let dataDir = options.string("data-dir").flatMap { $0.isEmpty ? nil : $0 } ?? ServerConfiguration.defaultDataDir
        let datastore: DatastoreEndpoint
        do {
            datastore = try DatastoreEndpoint(parsing: options.string("datastore-endpoint") ?? "", dataDir: dataDir)
        } catch {
            throw ServerConfigurationError(flag: "datastore-endpoint", value: error.endpoint, reason: error.reason)
        }
        self.init(dataDir: dataDir, datastore: datastore, host: host)

        if let text = options.string("https-listen-port") {
            guard let port = Int(text), (0...65535).contains(port) else {
                throw ServerConfigurationError(flag: "https-listen-port", value: text, reason: "must be a port number from 0 (any free port) to 65535")
            }
            httpsListenPort = port
        }
        if let text = options.string("bind-address") {
            bindAddress = try Self.address(text, flag: "bind-address")
        }
        if let text = options.string("advertise-address"), !text.isEmpty {
            advertiseAddress = try Self.address(text, flag: "advertise-address")
        }
        tlsSANs = []
        for san in options.list("tls-san") where !tlsSANs.contains(san) {
            guard Self.isValidSAN(san) else {
                throw ServerConfigurationError(flag: "tls-san", value: san, reason: "must be a DNS name or an IP address")
            }
            tlsSANs.append(san)
        }
        if let path = options.string("write-kubeconfig"), !path.isEmpty {
            writeKubeconfig = path
        }
        if let text = options.string("write-kubeconfig-mode"), !text.isEmpty {
            guard let mode = UInt32(text, radix: 8), mode <= 0o777, text.allSatisfy({ ("0"..."7").contains($0) }) else {
                throw ServerConfigurationError(flag: "write-kubeconfig-mode", value: text, reason: "must be an octal file mode such as 0600 or 644")
            }
            writeKubeconfigMode = mode
        }
        if let text = options.string("token"), !text.isEmpty {
            token = text
        } else if let path = options.string("token-file"), !path.isEmpty {
            let content: String?
            do {
                content = try FileSystem.readTextFile(path)
            } catch {
                throw ServerConfigurationError(flag: "token-file", value: path, reason: error.description)
            }
            guard let content else {
                throw ServerConfigurationError(flag: "token-file", value: path, reason: "no such file")
            }
            let trimmed = content.trimmingSpaces()
            guard !trimmed.isEmpty else {
                throw ServerConfigurationError(flag: "token-file", value: path, reason: "the file is empty")
            }
            token = trimmed
        }
        if let token, token.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw ServerConfigurationError(flag: "token", value: "(hidden)", reason: "must not contain whitespace")
        }
        if let path = options.string("token-auth-file"), !path.isEmpty {
            tokenAuthFile = path
        }
        // The node flags, with the overlay's: --cluster-cidr and --service-cidr are parsed and
        // checked against each other by NetOverlay's OverlayConfiguration.
        node = try NodeSettings(options: options)
        snapshots = try SnapshotSettings(options: options, dataDir: dataDir)
        serviceCIDRs = node.overlay.serviceCIDRs
        clusterCIDRs = node.overlay.clusterCIDRs
        for cidr in serviceCIDRs where (try? ServiceIPRange(cidr))?.dnsServiceIP == nil {
            throw ServerConfigurationError(
                flag: "service-cidr", value: options.string("service-cidr") ?? "\(cidr)",
                reason: "service CIDR \(cidr) is too small: it must hold at least the API server and DNS addresses"
            )
        }
        if let text = options.string("service-node-port-range"), !text.isEmpty {
            let bounds = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.filter { !$0.isWhitespace }) }
            guard bounds.count == 2, let low = bounds[0], let high = bounds[1], 1 <= low, low <= high, high <= 65535 else {
                throw ServerConfigurationError(flag: "service-node-port-range", value: text, reason: "must be a port range such as 30000-32767")
            }
            serviceNodePortRange = low...high
        }
        if let text = options.string("cluster-dns"), !text.isEmpty {
            clusterDNS = []
            for part in text.split(separator: ",") {
                clusterDNS.append(try Self.address(String(part), flag: "cluster-dns"))
            }
            for dns in clusterDNS where !serviceCIDRs.contains(where: { $0.contains(dns) }) {
                throw ServerConfigurationError(
                    flag: "cluster-dns", value: text,
                    reason: "\(dns) is outside the service network (\(serviceCIDRs.map(\.description).joined(separator: ",")))"
                )
            }
        } else {
            clusterDNS = serviceCIDRs.compactMap { (try? ServiceIPRange($0))?.dnsServiceIP }
        }
        if let text = options.string("cluster-domain"), !text.isEmpty {
            guard Self.isDNSName(text) else {
                throw ServerConfigurationError(flag: "cluster-domain", value: text, reason: "must be a DNS domain such as cluster.local")
            }
            clusterDomain = text
        }
        disabledComponents = Set(options.list("disable"))
        if options.bool("disable-network-policy") { disabledComponents.insert(PackagedComponents.networkPolicy) }
        disableAgent = options.bool("disable-agent")
        disableScheduler = options.bool("disable-scheduler")
        disableControllerManager = options.bool("disable-controller-manager")
        debug = options.bool("debug")
        secretsEncryption = options.bool("secrets-encryption")
        if let name = options.string("node-name"), !name.isEmpty {
            guard Self.isDNSName(name) else {
                throw ServerConfigurationError(flag: "node-name", value: name, reason: "must be a lower-case DNS subdomain (letters, digits, '-' and '.')")
            }
            nodeName = name
        }
    }

    static func address(_ text: String, flag: String) throws(ServerConfigurationError) -> IPAddress {
        let trimmed = text.trimmingSpaces()
        guard let address = IPAddress(trimmed) else {
            throw ServerConfigurationError(flag: flag, value: text, reason: "not an IPv4 or IPv6 address")
        }
        return address
    }

    /// A lower-case DNS subdomain (RFC 1123).
    static func isDNSName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard (1...63).contains(label.count), label.first != "-", label.last != "-" else { return false }
            return label.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" }
        }
    }

    /// A SAN may be an IP or a DNS name (upper case and a leading `*.` wildcard allowed).
    static func isValidSAN(_ text: String) -> Bool {
        if IPAddress(text) != nil { return true }
        var name = text.lowercased()
        if name.hasPrefix("*.") { name.removeFirst(2) }
        return isDNSName(name)
    }
}
