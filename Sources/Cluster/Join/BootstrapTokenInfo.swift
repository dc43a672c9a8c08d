import APIServer
import KubeAPI

/// A bootstrap token as stored in its Secret, for listing and printing.
public struct BootstrapTokenInfo: Sendable, Hashable {
    /// The token (`<id>.<secret>`).
    public var token: BootstrapToken
    /// When it stops being valid; `nil` for never.
    public var expiration: Time?
    /// Its usages (`authentication`, `signing`), from the `usage-bootstrap-*` keys set to `"true"`.
    public var usages: [String]
    /// The description, possibly empty.
    public var description: String
    /// The groups besides `system:bootstrappers`.
    public var extraGroups: [String]

    /// Creates an entry.
    public init(token: BootstrapToken, expiration: Time?, usages: [String], description: String, extraGroups: [String]) {
        self.token = token
        self.expiration = expiration
        self.usages = usages
        self.description = description
        self.extraGroups = extraGroups
    }

    /// Reads a token Secret; `nil` when it is not a well-formed bootstrap token Secret.
    public init?(secret: JSONValue) {
        guard secret["type"]?.stringValue == BootstrapToken.secretType else { return nil }
        var data: [String: String] = [:]
        for (key, value) in secret["data"]?.objectValue ?? [:] {
            if let text = value.stringValue, let bytes = try? Base64.decode(text) { data[key] = String(decoding: bytes, as: UTF8.self) }
        }
        guard let id = data[BootstrapToken.SecretKey.tokenID], let secretPart = data[BootstrapToken.SecretKey.tokenSecret],
              let token = try? BootstrapToken(id: id, secret: secretPart)
        else { return nil }
        self.token = token
        self.expiration = data[BootstrapToken.SecretKey.expiration].flatMap { Time($0) }
        var usages: [String] = []
        for key in data.keys.sorted() where key.hasPrefix("usage-bootstrap-") && data[key] == "true" {
            usages.append(String(key.dropFirst("usage-bootstrap-".count)))
        }
        self.usages = usages
        self.description = data[BootstrapToken.SecretKey.description] ?? ""
        self.extraGroups = (data[BootstrapToken.SecretKey.extraGroups] ?? "").split(separator: ",").map { String($0) }
    }

    /// The Secret that stores this token.
    public var secret: JSONValue {
        var pairs: [(String, JSONValue)] = [
            (BootstrapToken.SecretKey.tokenID, .string(token.id)),
            (BootstrapToken.SecretKey.tokenSecret, .string(token.secret)),
        ]
        if let expiration { pairs.append((BootstrapToken.SecretKey.expiration, .string(expiration.description))) }
        for usage in usages { pairs.append(("usage-bootstrap-\(usage)", "true")) }
        if !description.isEmpty { pairs.append((BootstrapToken.SecretKey.description, .string(description))) }
        if !extraGroups.isEmpty { pairs.append((BootstrapToken.SecretKey.extraGroups, .string(extraGroups.joined(separator: ",")))) }
        let stringData = JSONValue.object(.init(pairs, uniquingKeysWith: { _, last in last }))
        return [
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": .string(token.secretName), "namespace": .string(BootstrapToken.namespace)],
            "type": .string(BootstrapToken.secretType),
            "stringData": stringData,
        ]
    }
}
