import KubeAPI
import OrderedCollections

/// The API server's encryption-at-rest settings: upstream's `EncryptionConfiguration`
/// (`apiVersion: apiserver.config.k8s.io/v1`), the file K3s keeps at
/// `DATA_DIR/server/cred/encryption-config.json`.
///
/// Each rule names resources (`secrets`, `deployments.apps`, `*.apps` for a whole group, `*.`
/// for the core group, `*.*` for everything) and an ordered list of providers. The first
/// provider encrypts every write; every listed provider can read (the stored value's prefix
/// picks it). The first rule naming a resource wins.
public struct EncryptionConfiguration: Sendable, Hashable {
    /// The `apiVersion` written and required.
    public static let apiVersion = "apiserver.config.k8s.io/v1"
    /// The `kind` written and required.
    public static let kind = "EncryptionConfiguration"

    /// One encryption key: a name (part of the stored prefix) and its secret bytes.
    public struct Key: Sendable, Hashable {
        /// The key's name, written into every value it encrypts.
        public var name: String
        /// The raw key (16, 24 or 32 bytes).
        public var secret: [UInt8]

        /// Creates a key.
        public init(name: String, secret: [UInt8]) {
            self.name = name
            self.secret = secret
        }
    }

    /// One entry of a rule's `providers` list.
    public enum Provider: Sendable, Hashable {
        /// `aescbc`: AES-CBC with PKCS#7 padding, a random 16-byte IV per value.
        case aescbc(keys: [Key])
        /// `aesgcm`: AES-GCM with a random 12-byte nonce per value, the storage key as
        /// additional authenticated data.
        case aesgcm(keys: [Key])
        /// `secretbox`: XSalsa20-Poly1305 with a random 24-byte nonce per value (32-byte keys).
        case secretbox(keys: [Key])
        /// `identity`: values stored as they are.
        case identity

        /// The provider's name in the file.
        public var name: String {
            switch self {
            case .aescbc: return "aescbc"
            case .aesgcm: return "aesgcm"
            case .secretbox: return "secretbox"
            case .identity: return "identity"
            }
        }

        /// The keys of an encrypting provider (empty for `identity`).
        public var keys: [Key] {
            switch self {
            case .aescbc(let keys), .aesgcm(let keys), .secretbox(let keys): return keys
            case .identity: return []
            }
        }
    }

    /// One `resources` entry: which resources, and how they are stored.
    public struct Rule: Sendable, Hashable {
        /// `secrets`, `deployments.apps`, `*.apps`, `*.`, `*.*`.
        public var resources: [String]
        /// The providers, the writing one first.
        public var providers: [Provider]

        /// Creates a rule.
        public init(resources: [String], providers: [Provider]) {
            self.resources = resources
            self.providers = providers
        }
    }

    /// The rules, in order.
    public var rules: [Rule]

    /// Creates a configuration.
    public init(rules: [Rule]) {
        self.rules = rules
    }

    /// What `k3s server --secrets-encryption` writes on first start: Secrets under AES-CBC
    /// with one key, plaintext still readable.
    public static func secretsAESCBC(keyName: String, secret: [UInt8]) -> EncryptionConfiguration {
        EncryptionConfiguration(rules: [Rule(resources: ["secrets"], providers: [.aescbc(keys: [Key(name: keyName, secret: secret)]), .identity])])
    }

    /// Parses and validates a file (JSON or YAML).
    ///
    /// - Throws: ``EncryptionConfigurationError`` naming the field that is wrong.
    public init(parsing bytes: [UInt8]) throws(EncryptionConfigurationError) {
        let document: JSONValue
        if let json = try? JSONValue(parsing: bytes, duplicateKeys: .reject) {
            document = json
        } else {
            do {
                document = try YAMLParser.parse(bytes)
            } catch {
                throw EncryptionConfigurationError(field: "", reason: "not JSON or YAML: \(error)")
            }
        }
        guard document.objectValue != nil else {
            throw EncryptionConfigurationError(field: "", reason: "the document must be an object")
        }
        guard document["apiVersion"]?.stringValue == Self.apiVersion else {
            throw EncryptionConfigurationError(field: "apiVersion", reason: "must be \"\(Self.apiVersion)\"")
        }
        guard document["kind"]?.stringValue == Self.kind else {
            throw EncryptionConfigurationError(field: "kind", reason: "must be \"\(Self.kind)\"")
        }
        guard let entries = document["resources"]?.arrayValue, !entries.isEmpty else {
            throw EncryptionConfigurationError(field: "resources", reason: "at least one entry is required")
        }
        var rules: [Rule] = []
        var seen: Set<String> = []
        for (index, entry) in entries.enumerated() {
            let path = "resources[\(index)]"
            let rule = try Self.rule(entry, path: path)
            for resource in rule.resources {
                guard seen.insert(resource).inserted else {
                    throw EncryptionConfigurationError(field: "\(path).resources", reason: "\"\(resource)\" is named by an earlier entry")
                }
            }
            rules.append(rule)
        }
        self.rules = rules
    }

    private static func rule(_ entry: JSONValue, path: String) throws(EncryptionConfigurationError) -> Rule {
        guard let names = entry["resources"]?.arrayValue, !names.isEmpty else {
            throw EncryptionConfigurationError(field: "\(path).resources", reason: "at least one resource is required")
        }
        var resources: [String] = []
        for (index, name) in names.enumerated() {
            guard let text = name.stringValue, isValidResource(text) else {
                throw EncryptionConfigurationError(
                    field: "\(path).resources[\(index)]",
                    reason: "must be a lowercase resource (\"secrets\"), resource.group (\"deployments.apps\"), \"*.group\", \"*.\" or \"*.*\"")
            }
            resources.append(text)
        }
        guard let list = entry["providers"]?.arrayValue, !list.isEmpty else {
            throw EncryptionConfigurationError(field: "\(path).providers", reason: "at least one provider is required")
        }
        var providers: [Provider] = []
        var keyNames: [String: Set<String>] = [:]
        for (index, item) in list.enumerated() {
            let field = "\(path).providers[\(index)]"
            let provider = try Self.provider(item, path: field)
            for key in provider.keys where !keyNames[provider.name, default: []].insert(key.name).inserted {
                throw EncryptionConfigurationError(field: field, reason: "key name \"\(key.name)\" is used twice by \(provider.name) providers")
            }
            providers.append(provider)
        }
        return Rule(resources: resources, providers: providers)
    }

    private static func provider(_ item: JSONValue, path: String) throws(EncryptionConfigurationError) -> Provider {
        guard let members = item.objectValue else {
            throw EncryptionConfigurationError(field: path, reason: "must be an object")
        }
        let set = members.filter { !$0.value.isNull }
        guard set.count == 1, let name = set.keys.first, let body = set[name] else {
            throw EncryptionConfigurationError(field: path, reason: "exactly one provider type (aescbc, aesgcm, secretbox, identity) must be set")
        }
        switch name {
        case "identity":
            return .identity
        case "aescbc":
            return .aescbc(keys: try keys(body, path: "\(path).aescbc"))
        case "aesgcm":
            return .aesgcm(keys: try keys(body, path: "\(path).aesgcm"))
        case "secretbox":
            return .secretbox(keys: try keys(body, path: "\(path).secretbox", sizes: [32]))
        case "kms":
            throw EncryptionConfigurationError(field: "\(path).kms", reason: "the kms provider is not supported by this server (use aescbc, aesgcm or secretbox)")
        default:
            throw EncryptionConfigurationError(field: "\(path).\(name)", reason: "unknown provider type")
        }
    }

    private static func keys(_ body: JSONValue, path: String, sizes: [Int] = [16, 24, 32]) throws(EncryptionConfigurationError) -> [Key] {
        guard let list = body["keys"]?.arrayValue, !list.isEmpty else {
            throw EncryptionConfigurationError(field: "\(path).keys", reason: "at least one key is required")
        }
        var keys: [Key] = []
        for (index, item) in list.enumerated() {
            let field = "\(path).keys[\(index)]"
            guard let name = item["name"]?.stringValue, !name.isEmpty else {
                throw EncryptionConfigurationError(field: "\(field).name", reason: "a key name is required")
            }
            guard let text = item["secret"]?.stringValue, !text.isEmpty else {
                throw EncryptionConfigurationError(field: "\(field).secret", reason: "a base64-encoded secret is required")
            }
            let secret: [UInt8]
            do {
                secret = try Base64.decode(text)
            } catch {
                throw EncryptionConfigurationError(field: "\(field).secret", reason: "not valid base64: \(error)")
            }
            guard sizes.contains(secret.count) else {
                let allowed = sizes.count == 1 ? "\(sizes[0])" : "16, 24 or 32"
                throw EncryptionConfigurationError(field: "\(field).secret", reason: "must decode to \(allowed) bytes, not \(secret.count)")
            }
            keys.append(Key(name: name, secret: secret))
        }
        return keys
    }

    /// Whether `name` is a resource pattern the file may use.
    static func isValidResource(_ name: String) -> Bool {
        if name == "*.*" || name == "*." { return true }
        let allowed = { (c: Character) in c.isASCII && (c.isLowercase || c.isNumber || c == "-" || c == ".") }
        if name.hasPrefix("*.") {
            let group = name.dropFirst(2)
            return !group.isEmpty && group.allSatisfy(allowed) && !group.contains("*")
        }
        guard let first = name.first, first.isASCII, first.isLowercase else { return false }
        return name.allSatisfy(allowed) && !name.hasSuffix(".")
    }

    /// The file's content: compact JSON, as K3s writes it.
    public func serialized() -> [UInt8] {
        let rules: [JSONValue] = rules.map { rule in
            let providers: [JSONValue] = rule.providers.map { provider in
                switch provider {
                case .identity:
                    return ["identity": .object([:])]
                case .aescbc(let keys), .aesgcm(let keys), .secretbox(let keys):
                    let list: [JSONValue] = keys.map { ["name": .string($0.name), "secret": .string(Base64.encode($0.secret))] }
                    return .object([provider.name: ["keys": .array(list)]])
                }
            }
            return ["resources": .array(rule.resources.map { .string($0) }), "providers": .array(providers)]
        }
        let document: JSONValue = ["kind": .string(Self.kind), "apiVersion": .string(Self.apiVersion), "resources": .array(rules)]
        return document.serialized(escapingHTML: false)
    }
}
