#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI
import OrderedCollections

extension RegistriesConfiguration {
    /// Reads the registries file at `path`; a missing file is an empty configuration, as in K3s.
    ///
    /// - Throws: ``RegistriesConfigurationError`` naming the file and line.
    public static func load(path: String = defaultPath) throws(RegistriesConfigurationError) -> RegistriesConfiguration {
        guard FileManager.default.fileExists(atPath: path) else { return RegistriesConfiguration() }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RegistriesConfigurationError(file: path, line: 0, message: "cannot read the file: \(error)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw RegistriesConfigurationError(file: path, line: 0, message: "the file is not UTF-8")
        }
        return try parse(text, file: path)
    }

    /// Parses the text of a registries file.
    ///
    /// Unknown keys are refused (a misspelt `endpoints` would otherwise silently do nothing),
    /// and so are values of the wrong shape, each with its line.
    ///
    /// - Throws: ``RegistriesConfigurationError`` naming `file` and the line.
    public static func parse(_ text: String, file: String = defaultPath) throws(RegistriesConfigurationError) -> RegistriesConfiguration {
        var reader = Reader(file: file)
        let root: YAMLNode?
        do {
            root = try YAMLParser.parseNode(text)
        } catch {
            throw RegistriesConfigurationError(file: file, line: error.line, message: error.message)
        }
        guard let root else { return RegistriesConfiguration() }
        if case .scalar(let value, _) = root.content, value.isEmpty { return RegistriesConfiguration() }
        var configuration = RegistriesConfiguration()
        for member in try reader.mapping(root, "the file") {
            switch member.key {
            case "mirrors":
                for registry in try reader.mapping(member.value, "mirrors") {
                    configuration.mirrors[registry.key] = try reader.mirror(registry)
                }
            case "configs":
                for host in try reader.mapping(member.value, "configs") {
                    configuration.configs[host.key] = try reader.hostConfig(host)
                }
            default:
                throw reader.fail(member.line, "unknown key \"\(member.key)\" (expected mirrors or configs)")
            }
        }
        return configuration
    }

    /// Reads the parts of the file, failing with the line.
    private struct Reader {
        let file: String

        func fail(_ line: Int, _ message: String) -> RegistriesConfigurationError {
            RegistriesConfigurationError(file: file, line: line, message: message)
        }

        /// The members of a mapping; an empty value (`key:`) is an empty mapping.
        func mapping(_ node: YAMLNode, _ what: String) throws(RegistriesConfigurationError) -> [YAMLNode.Member] {
            switch node.content {
            case .mapping(let members): return members
            case .scalar("", .plain): return []
            default: throw fail(node.line, "\(what) must be a mapping")
            }
        }

        func string(_ node: YAMLNode, _ what: String) throws(RegistriesConfigurationError) -> String {
            guard case .scalar(let text, _) = node.content else { throw fail(node.line, "\(what) must be a string") }
            return text
        }

        func bool(_ node: YAMLNode, _ what: String) throws(RegistriesConfigurationError) -> Bool {
            let value: JSONValue
            do {
                value = try node.resolved()
            } catch {
                throw fail(error.line, error.message)
            }
            switch value {
            case .bool(let flag): return flag
            case .null: return false
            default: throw fail(node.line, "\(what) must be true or false")
            }
        }

        func mirror(_ member: YAMLNode.Member) throws(RegistriesConfigurationError) -> Mirror {
            var mirror = Mirror(endpoints: [], line: member.line)
            for field in try mapping(member.value, "the mirror \"\(member.key)\"") {
                switch field.key {
                case "endpoint":
                    let items: [YAMLNode]
                    switch field.value.content {
                    case .sequence(let list): items = list
                    case .scalar("", .plain): items = []
                    case .scalar: items = [field.value]
                    case .mapping: throw fail(field.line, "endpoint must be a list of URLs")
                    }
                    for item in items {
                        mirror.endpoints.append(try endpoint(try string(item, "an endpoint"), line: item.line))
                    }
                case "rewrite":
                    for rule in try mapping(field.value, "rewrite") {
                        mirror.rewrites.append(Rewrite(pattern: rule.key, replacement: try string(rule.value, "a rewrite")))
                    }
                default:
                    throw fail(field.line, "unknown key \"\(field.key)\" in the mirror \"\(member.key)\" (expected endpoint or rewrite)")
                }
            }
            return mirror
        }

        /// An endpoint as a URL with a scheme; `http` and `https` only.
        func endpoint(_ text: String, line: Int) throws(RegistriesConfigurationError) -> String {
            let trimmed = String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            guard !trimmed.isEmpty else { throw fail(line, "an endpoint is empty") }
            let url = trimmed.contains("://") ? trimmed : "https://" + trimmed
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw fail(line, "the endpoint \"\(text)\" must be an http or https URL")
            }
            guard let host = ContainerdHostsDirectory.host(of: url), !host.isEmpty, !host.contains(" ") else {
                throw fail(line, "the endpoint \"\(text)\" has no host")
            }
            return url
        }

        func hostConfig(_ member: YAMLNode.Member) throws(RegistriesConfigurationError) -> HostConfig {
            var config = HostConfig()
            for field in try mapping(member.value, "the config \"\(member.key)\"") {
                switch field.key {
                case "auth":
                    var auth = Auth()
                    for item in try mapping(field.value, "auth") {
                        let value = try string(item.value, item.key)
                        switch item.key {
                        case "username": auth.username = value
                        case "password": auth.password = value
                        case "auth": auth.auth = value
                        case "identitytoken", "identity_token": auth.identityToken = value
                        default: throw fail(item.line, "unknown key \"\(item.key)\" in auth (expected username, password, auth or identitytoken)")
                        }
                    }
                    config.auth = auth
                case "tls":
                    var tls = TLS()
                    for item in try mapping(field.value, "tls") {
                        switch item.key {
                        case "cert_file": tls.certFile = try string(item.value, item.key)
                        case "key_file": tls.keyFile = try string(item.value, item.key)
                        case "ca_file": tls.caFile = try string(item.value, item.key)
                        case "insecure_skip_verify": tls.insecureSkipVerify = try bool(item.value, item.key)
                        default:
                            throw fail(item.line, "unknown key \"\(item.key)\" in tls (expected cert_file, key_file, ca_file or insecure_skip_verify)")
                        }
                    }
                    if (tls.certFile == nil) != (tls.keyFile == nil) {
                        throw fail(field.line, "tls needs both cert_file and key_file, or neither")
                    }
                    config.tls = tls
                default:
                    throw fail(field.line, "unknown key \"\(field.key)\" in the config \"\(member.key)\" (expected auth or tls)")
                }
            }
            return config
        }
    }
}
