import OrderedCollections

/// K3s's private registry configuration, `/etc/rancher/k3s/registries.yaml`: registry mirrors
/// (endpoints tried in order before the registry itself, and repository rewrites) and per-host
/// settings (credentials and TLS).
///
/// ```yaml
/// mirrors:
///   docker.io:
///     endpoint: ["https://mirror.example.com:5000"]
///     rewrite:
///       "^library/(.*)": "mirrored/$1"
/// configs:
///   mirror.example.com:5000:
///     auth: {username: u, password: p}
///     tls: {ca_file: /etc/ssl/mirror-ca.pem, insecure_skip_verify: false}
/// ```
///
/// ``ContainerdHostsDirectory`` turns it into containerd's `hosts.toml` files; credentials go
/// to the CRI plugin (see ``ContainerdHostsDirectory/criRegistryAuthTOML(_:)``).
public struct RegistriesConfiguration: Sendable, Hashable {
    /// The mirrors of one registry (the key of `mirrors`: a host such as `docker.io`, or `*` for
    /// every registry without an entry of its own).
    public struct Mirror: Sendable, Hashable {
        /// The endpoints to try, in order, as URLs (`https://host:port[/path]`); a scheme-less
        /// endpoint is given `https://`.
        public var endpoints: [String]
        /// Repository rewrites: a regular expression on the repository and its replacement.
        public var rewrites: [Rewrite]
        /// The line of the mirror's key.
        public var line: Int

        /// Creates a mirror.
        public init(endpoints: [String], rewrites: [Rewrite] = [], line: Int = 0) {
            self.endpoints = endpoints
            self.rewrites = rewrites
            self.line = line
        }
    }

    /// One repository rewrite.
    public struct Rewrite: Sendable, Hashable {
        /// The regular expression matched against the repository (`^rancher/(.*)`).
        public var pattern: String
        /// The replacement, with `$1`... for groups.
        public var replacement: String
    }

    /// Credentials for one registry host.
    public struct Auth: Sendable, Hashable {
        /// The user name.
        public var username: String?
        /// The password.
        public var password: String?
        /// `base64(username:password)`, as in a Docker config file.
        public var auth: String?
        /// An identity (refresh) token.
        public var identityToken: String?

        /// Creates credentials.
        public init(username: String? = nil, password: String? = nil, auth: String? = nil, identityToken: String? = nil) {
            self.username = username
            self.password = password
            self.auth = auth
            self.identityToken = identityToken
        }
    }

    /// TLS settings for one registry host.
    public struct TLS: Sendable, Hashable {
        /// The client certificate file (PEM).
        public var certFile: String?
        /// The client key file (PEM).
        public var keyFile: String?
        /// The CA bundle that verifies the registry (PEM).
        public var caFile: String?
        /// Whether to skip verifying the registry's certificate.
        public var insecureSkipVerify: Bool

        /// Creates TLS settings.
        public init(certFile: String? = nil, keyFile: String? = nil, caFile: String? = nil, insecureSkipVerify: Bool = false) {
            self.certFile = certFile
            self.keyFile = keyFile
            self.caFile = caFile
            self.insecureSkipVerify = insecureSkipVerify
        }
    }

    /// The settings for one registry host (the key of `configs`, `host[:port]`).
    public struct HostConfig: Sendable, Hashable {
        /// The credentials, if any.
        public var auth: Auth?
        /// The TLS settings, if any.
        public var tls: TLS?

        /// Creates host settings.
        public init(auth: Auth? = nil, tls: TLS? = nil) {
            self.auth = auth
            self.tls = tls
        }
    }

    /// The mirrors by registry, in file order.
    public var mirrors: OrderedDictionary<String, Mirror>
    /// The host settings by host, in file order.
    public var configs: OrderedDictionary<String, HostConfig>

    /// The path K3s reads by default.
    public static let defaultPath = "/etc/rancher/k3s/registries.yaml"

    /// Creates a configuration.
    public init(mirrors: OrderedDictionary<String, Mirror> = [:], configs: OrderedDictionary<String, HostConfig> = [:]) {
        self.mirrors = mirrors
        self.configs = configs
    }

    /// Whether the configuration says nothing.
    public var isEmpty: Bool { mirrors.isEmpty && configs.isEmpty }
}
