import KubeAPI
import OrderedCollections

/// What `GET /v1-k3s/encrypt/status` answers (K3s's JSON fields) and `k3s secrets-encrypt
/// status` prints.
public struct SecretsEncryptionStatus: Sendable, Hashable {
    /// One key of the Secrets rule.
    public struct KeyInfo: Sendable, Hashable {
        /// `AES-CBC`, `AES-GCM`.
        public var type: String
        /// The key's name.
        public var name: String

        /// Creates a key entry.
        public init(type: String, name: String) {
            self.type = type
            self.name = name
        }
    }

    /// `true` when Secrets are written encrypted, `false` when `identity` comes first, `nil`
    /// when no configuration file exists.
    public var enabled: Bool?
    /// The rotation stage.
    public var stage: String
    /// The key new writes use, if encryption is on.
    public var activeKey: KeyInfo?
    /// The other keys, which only read.
    public var inactiveKeys: [KeyInfo]
    /// Whether the recorded state belongs to the configuration file in use.
    public var hashMatch: Bool
    /// Why it does not.
    public var hashError: String

    /// Creates a status.
    public init(enabled: Bool?, stage: String, activeKey: KeyInfo?, inactiveKeys: [KeyInfo], hashMatch: Bool = true, hashError: String = "") {
        self.enabled = enabled
        self.stage = stage
        self.activeKey = activeKey
        self.inactiveKeys = inactiveKeys
        self.hashMatch = hashMatch
        self.hashError = hashError
    }

    /// The status of `configuration` (its `secrets` rule) at `stage`.
    public init(configuration: EncryptionConfiguration?, stage: SecretsEncryptionStage, hashError: String? = nil) {
        self.init(enabled: nil, stage: stage.rawValue, activeKey: nil, inactiveKeys: [], hashMatch: hashError == nil, hashError: hashError ?? "")
        guard let configuration else { return }
        let rule = configuration.rules.first { $0.resources.contains("secrets") } ?? configuration.rules.first
        guard let rule else { return }
        let ciphers = ValueTransformer(providers: rule.providers).ciphers
        enabled = ciphers[0].algorithm != .identity
        for (index, cipher) in ciphers.enumerated() where cipher.algorithm != .identity {
            let info = KeyInfo(type: cipher.displayType, name: cipher.keyName)
            if index == 0 { activeKey = info } else { inactiveKeys.append(info) }
        }
    }

    /// K3s's JSON: `stage`, `activekey`, `enable`, `hashmatch`, `hasherror`, `inactivekeys`
    /// (plus `activekeytype` and `inactivekeytypes` for the non-AES-CBC keys).
    public func json() -> [UInt8] {
        var document: OrderedDictionary<String, JSONValue> = ["stage": .string(stage), "activekey": .string(activeKey?.name ?? "")]
        if let enabled { document["enable"] = .bool(enabled) }
        if hashMatch { document["hashmatch"] = true }
        if !hashError.isEmpty { document["hasherror"] = .string(hashError) }
        if !inactiveKeys.isEmpty { document["inactivekeys"] = .array(inactiveKeys.map { .string($0.name) }) }
        if let activeKey { document["activekeytype"] = .string(activeKey.type) }
        if !inactiveKeys.isEmpty { document["inactivekeytypes"] = .array(inactiveKeys.map { .string($0.type) }) }
        return JSONValue.object(document).serialized(escapingHTML: false)
    }

    /// Decodes ``json()``.
    public init(json body: [UInt8]) throws(StatusError) {
        guard let document = try? JSONValue(parsing: body), document.objectValue != nil else {
            throw StatusError.badRequest("the status is not a JSON object")
        }
        let inactive = document["inactivekeys"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let inactiveTypes = document["inactivekeytypes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let active = document["activekey"]?.stringValue ?? ""
        self.init(
            enabled: document["enable"]?.boolValue,
            stage: document["stage"]?.stringValue ?? "",
            activeKey: active.isEmpty ? nil : KeyInfo(type: document["activekeytype"]?.stringValue ?? "AES-CBC", name: active),
            inactiveKeys: inactive.enumerated().map { KeyInfo(type: $0.offset < inactiveTypes.count ? inactiveTypes[$0.offset] : "AES-CBC", name: $0.element) },
            hashMatch: document["hashmatch"]?.boolValue ?? false,
            hashError: document["hasherror"]?.stringValue ?? "")
    }

    /// The text `k3s secrets-encrypt status` prints, laid out as K3s does.
    public func text() -> String {
        guard let enabled else { return "Encryption Status: Disabled, no configuration file found\n" }
        var out = "Encryption Status: \(enabled ? "Enabled" : "Disabled")\n"
        out += "Current Rotation Stage: \(stage)\n"
        out += hashMatch ? "Server Encryption Hashes: All hashes match\n" : "Server Encryption Hashes: \(hashError)\n"
        var rows: [[String]] = [["Active", "Key Type", "Name"], ["------", "--------", "----"]]
        if let activeKey { rows.append([" *", activeKey.type, activeKey.name]) }
        for key in inactiveKeys { rows.append(["", key.type, key.name]) }
        // Columns padded to the widest cell plus two spaces; the last column is not padded.
        let widths = (0..<2).map { column in rows.map { $0[column].count }.max() ?? 0 }
        out += "\n"
        for row in rows {
            out += row[0].padding(to: widths[0] + 2) + row[1].padding(to: widths[1] + 2) + row[2] + "\n"
        }
        return out
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
