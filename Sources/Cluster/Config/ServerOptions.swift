import KubeAPI

/// The raw `k3s server` settings, keyed by flag name without dashes (`tls-san`), before
/// defaults and validation: what the command line, the config files and the environment said.
///
/// The layers combine as in K3s, where config-file keys are inserted as flags ahead of the
/// command line: a scalar given on the command line replaces the file's, and a list flag
/// (`tls-san`) collects the file's values first, then the command line's. Within the config
/// files (`config.yaml`, then `config.yaml.d/*.yaml` in name order) a later file replaces a
/// key unless it is written `key+:`, which appends. Environment variables (`K3S_TOKEN`, ...)
/// fill in only what neither the command line nor a file set.
public struct ServerOptions: Sendable, Hashable {
    /// How a setting takes its value.
    public enum Kind: Sendable, Hashable {
        /// One value; the last layer wins.
        case scalar
        /// A switch (`true` / `false`).
        case boolean
        /// Repeatable; values accumulate. Comma-separated values are split, as in K3s.
        case list
    }

    /// Every setting `k3s server` understands, by name.
    public static let kinds: [String: Kind] = [
        "config": .scalar,
        "data-dir": .scalar,
        "https-listen-port": .scalar,
        "bind-address": .scalar,
        "advertise-address": .scalar,
        "tls-san": .list,
        "write-kubeconfig": .scalar,
        "write-kubeconfig-mode": .scalar,
        "token": .scalar,
        "token-file": .scalar,
        "token-auth-file": .scalar,
        "datastore-endpoint": .scalar,
        "service-cidr": .scalar,
        "service-node-port-range": .scalar,
        "cluster-cidr": .scalar,
        "cluster-dns": .scalar,
        "cluster-domain": .scalar,
        "disable": .list,
        "disable-agent": .boolean,
        "disable-network-policy": .boolean,
        "disable-scheduler": .boolean,
        "disable-controller-manager": .boolean,
        "node-name": .scalar,
        "debug": .boolean,
        "secrets-encryption": .boolean,
        // `k3s agent`'s own settings: the same files serve both commands, as in K3s.
        "server": .scalar,
    ].merging(NodeSettings.optionKinds) { first, _ in first }
        .merging(SnapshotSettings.optionKinds) { first, _ in first }

    /// One-letter keys a config file may use for a flag's short name, as K3s allows.
    public static let shortNames: [String: String] = [
        "o": "write-kubeconfig", "t": "token", "c": "config", "d": "data-dir", "s": "server",
    ]

    /// Environment variables K3s reads for server flags, and the flag each one sets.
    public static let environmentVariables: [String: String] = [
        "K3S_TOKEN": "token",
        "K3S_TOKEN_FILE": "token-file",
        "K3S_DATASTORE_ENDPOINT": "datastore-endpoint",
        "K3S_NODE_NAME": "node-name",
        "K3S_KUBECONFIG_OUTPUT": "write-kubeconfig",
        "K3S_KUBECONFIG_MODE": "write-kubeconfig-mode",
        "K3S_CONFIG_FILE": "config",
        "K3S_URL": "server",
    ]

    /// The settings given, by flag name. Absent keys take their defaults later.
    public var values: [String: ConfigValue]

    /// Creates a set of settings.
    public init(_ values: [String: ConfigValue] = [:]) { self.values = values }

    /// Sets a scalar or boolean (`nil` leaves it unset).
    public mutating func set(_ key: String, _ value: String?) {
        if let value { values[key] = .scalar(value) }
    }

    /// Sets a boolean switch when `on` (an absent switch is not the same as `false`: a file may
    /// still turn it on).
    public mutating func set(_ key: String, flag on: Bool) {
        if on { values[key] = .scalar("true") }
    }

    /// Appends to a list setting.
    public mutating func append(_ key: String, _ items: [String]) {
        guard !items.isEmpty else { return }
        values[key] = .list((values[key]?.items ?? []) + items)
    }

    /// The text of a scalar setting, if set.
    public func string(_ key: String) -> String? {
        switch values[key] {
        case .scalar(let s): return s
        case .list(let l): return l.last
        case nil: return nil
        }
    }

    /// The items of a list setting, comma-separated values split and blanks dropped.
    public func list(_ key: String) -> [String] {
        (values[key]?.items ?? []).flatMap { $0.split(separator: ",").map { $0.trimmingSpaces() } }
            .filter { !$0.isEmpty }
    }

    /// Builds settings from config-file entries (the main file first, then drop-ins in order).
    /// Unknown keys are skipped and reported through `warn`, as K3s does; a list given for a
    /// scalar key is refused.
    public static func fromConfigFiles(
        _ entries: [ConfigEntry],
        warn: (String) -> Void
    ) throws(ConfigFileError) -> ServerOptions {
        var options = ServerOptions()
        for entry in entries {
            let key = shortNames[entry.key] ?? entry.key
            guard let kind = kinds[key] else {
                warn("unknown key \"\(entry.key)\" in \(entry.file):\(entry.line), skipping")
                continue
            }
            switch kind {
            case .list:
                if entry.appends, let old = options.values[key] {
                    options.values[key] = .list(old.items + entry.value.items)
                } else {
                    options.values[key] = .list(entry.value.items)
                }
            case .scalar, .boolean:
                guard case .scalar(let text) = entry.value else {
                    throw ConfigFileError(file: entry.file, line: entry.line, reason: "\"\(entry.key)\" takes one value, not a list")
                }
                if kind == .boolean, text != "true", text != "false", !text.isEmpty {
                    throw ConfigFileError(file: entry.file, line: entry.line, reason: "\"\(entry.key)\" must be true or false, not \"\(text)\"")
                }
                if entry.appends, let old = options.string(key), !old.isEmpty {
                    options.values[key] = .scalar(old + "," + text)
                } else {
                    options.values[key] = .scalar(kind == .boolean && text.isEmpty ? "true" : text)
                }
            }
        }
        return options
    }

    /// These settings with `overrides` (the command line) laid on top: scalars are replaced,
    /// lists accumulate (this layer's values first).
    public func overridden(by overrides: ServerOptions) -> ServerOptions {
        var result = self
        for (key, value) in overrides.values {
            if ServerOptions.kinds[key] == .list {
                result.values[key] = .list((values[key]?.items ?? []) + value.items)
            } else {
                result.values[key] = value
            }
        }
        return result
    }

    /// These settings with environment variables filling keys still unset.
    public func fillingUnset(fromEnvironment environment: [String: String]) -> ServerOptions {
        var result = self
        for (variable, key) in ServerOptions.environmentVariables where result.values[key] == nil {
            if let value = environment[variable], !value.isEmpty { result.values[key] = .scalar(value) }
        }
        return result
    }

    /// The settings K3s would run with: the config file (`config` from the command line, else
    /// `K3S_CONFIG_FILE`, else `defaultConfigFile`) and its `.d` drop-ins, the command line laid
    /// over them, the environment filling what is still unset. A missing default file is fine; a
    /// missing file named explicitly is an error. Unknown keys are reported through `warn`.
    public static func load(
        commandLine: ServerOptions, environment: [String: String], defaultConfigFile: String, warn: (String) -> Void
    ) throws(ConfigFileError) -> ServerOptions {
        let explicitPath = commandLine.string("config") ?? environment["K3S_CONFIG_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let entries = try ServerConfigFile.read(path: explicitPath ?? defaultConfigFile, mustExist: explicitPath != nil)
        return try fromConfigFiles(entries, warn: warn).overridden(by: commandLine).fillingUnset(fromEnvironment: environment)
    }

    /// Whether a boolean setting is on.
    public func bool(_ key: String) -> Bool { string(key) == "true" }
}
