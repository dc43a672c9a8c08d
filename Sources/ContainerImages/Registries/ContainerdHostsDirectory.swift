#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI

/// containerd's registry hosts directory (the CRI plugin's `registry.config_path`,
/// `DATA_DIR/agent/etc/containerd/certs.d`) rendered from a ``RegistriesConfiguration``: one
/// `<registry>/hosts.toml` per registry with mirrors or TLS settings, `_default/hosts.toml` for
/// the `*` mirror.
///
/// What goes where:
/// - a mirror's endpoints become `[host."URL"]` entries, tried in order, with the capabilities
///   `pull` and `resolve`; the registry itself stays the fallback (`server`, `https://<registry>`,
///   `https://registry-1.docker.io` for `docker.io`; none for `_default`, where containerd falls
///   back to the registry named in the image);
/// - a host's `tls` settings go on every entry for that host (`ca`, `client`, `skip_verify`),
///   including the `server` when the registry itself has settings;
/// - credentials cannot be written in `hosts.toml`: they are returned in ``Rendered/credentials``
///   for the CRI plugin's `registry.configs."<host>".auth` (see ``criRegistryAuthTOML(_:)``),
///   which containerd 1.6 consults for the endpoint host when a pull brings no credentials of
///   its own (a pod's `imagePullSecrets` come through CRI's `AuthConfig` and take precedence);
/// - rewrites need K3s's patched containerd; upstream containerd has no such setting, so they are
///   reported in ``Rendered/warnings`` and not written.
public enum ContainerdHostsDirectory {
    /// The directory name for the `*` mirror.
    public static let defaultDirectory = "_default"

    /// What rendering produced.
    public struct Rendered: Sendable, Hashable {
        /// The `hosts.toml` text by directory name (`docker.io`, `registry.example.test:5000`, `_default`).
        public var files: [String: String]
        /// The credentials by registry host, for the CRI plugin.
        public var credentials: [String: RegistriesConfiguration.Auth]
        /// Settings that could not be expressed, one sentence each.
        public var warnings: [String]
    }

    /// Renders `configuration` without touching the disk.
    public static func render(_ configuration: RegistriesConfiguration) -> Rendered {
        var files: [String: String] = [:]
        var warnings: [String] = []
        for (registry, mirror) in configuration.mirrors {
            let directory = registry == "*" ? defaultDirectory : registry
            var text = ""
            if registry != "*" {
                let server = registry == "docker.io" ? "https://registry-1.docker.io" : "https://" + registry
                text += "server = \(quoted(server))\n"
                text += tlsLines(configuration.configs[registry]?.tls, indent: "")
            }
            for endpoint in mirror.endpoints {
                text += "\n[host.\(quoted(endpoint))]\n"
                text += "  capabilities = [\"pull\", \"resolve\"]\n"
                text += tlsLines(host(of: endpoint).flatMap { configuration.configs[$0]?.tls }, indent: "  ")
            }
            if !mirror.rewrites.isEmpty {
                warnings.append(
                    "registries: the rewrites of \"\(registry)\" are ignored: containerd \(containerdSeries) has no repository rewrites")
            }
            files[directory] = text
        }
        // Hosts with TLS settings and no mirror entry of their own.
        for (host, config) in configuration.configs where configuration.mirrors[host] == nil {
            guard let tls = config.tls, host != "*" else { continue }
            let server = "https://" + host
            files[host] = "server = \(quoted(server))\n" + tlsLines(tls, indent: "")
        }
        var credentials: [String: RegistriesConfiguration.Auth] = [:]
        for (host, config) in configuration.configs {
            if let auth = config.auth { credentials[host] = auth }
        }
        return Rendered(files: files, credentials: credentials, warnings: warnings)
    }

    /// The containerd series whose hosts format this renders.
    static let containerdSeries = "1.6"

    /// Renders `configuration` into `directory`, replacing what a previous start wrote there
    /// (the directory belongs to the agent), and returns what was rendered.
    ///
    /// - Throws: when a file or directory cannot be written.
    @discardableResult
    public static func write(_ configuration: RegistriesConfiguration, to directory: String) throws -> Rendered {
        let rendered = render(configuration)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: directory) { try fileManager.removeItem(atPath: directory) }
        try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in rendered.files {
            let hostDirectory = directory + "/" + name
            try fileManager.createDirectory(atPath: hostDirectory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: hostDirectory + "/hosts.toml"), options: .atomic)
        }
        return rendered
    }

    /// The CRI plugin's registry credentials as containerd 1.6 `config.toml` tables
    /// (`[plugins."io.containerd.grpc.v1.cri".registry.configs."HOST".auth]`), for the writer of
    /// `config.toml` to append; empty when there are none.
    public static func criRegistryAuthTOML(_ credentials: [String: RegistriesConfiguration.Auth]) -> String {
        var text = ""
        for host in credentials.keys.sorted() {
            let auth = credentials[host]!
            text += "\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\(quoted(host)).auth]\n"
            if let value = auth.username { text += "  username = \(quoted(value))\n" }
            if let value = auth.password { text += "  password = \(quoted(value))\n" }
            if let value = auth.auth { text += "  auth = \(quoted(value))\n" }
            if let value = auth.identityToken { text += "  identitytoken = \(quoted(value))\n" }
        }
        return text
    }

    /// The `host[:port]` of an endpoint URL.
    static func host(of url: String) -> String? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        return String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
    }

    private static func tlsLines(_ tls: RegistriesConfiguration.TLS?, indent: String) -> String {
        guard let tls else { return "" }
        var text = ""
        if let ca = tls.caFile { text += indent + "ca = \(quoted(ca))\n" }
        if let cert = tls.certFile, let key = tls.keyFile { text += indent + "client = [[\(quoted(cert)), \(quoted(key))]]\n" }
        if tls.insecureSkipVerify { text += indent + "skip_verify = true\n" }
        return text
    }

    /// A TOML basic string: JSON's string escapes are all valid in TOML, which also wants DEL
    /// escaped.
    static func quoted(_ text: String) -> String {
        JSONValue.string(text).serializedString(escapingHTML: false).replacing("\u{7F}", with: "\\u007F")
    }
}
