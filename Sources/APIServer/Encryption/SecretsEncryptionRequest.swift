import KubeAPI
import OrderedCollections

/// The body of `PUT /v1-k3s/encrypt/config` (K3s's fields): a stage to move to, or
/// encryption turned on or off.
public struct SecretsEncryptionRequest: Sendable, Hashable {
    /// What to do.
    public enum Action: Sendable, Hashable {
        /// `prepare`: add a new key behind the active one.
        case prepare
        /// `rotate`: make the newest key the active one.
        case rotate
        /// `reencrypt`: rewrite every Secret with the active key, then drop the old key
        /// (kept when `skip`).
        case reencrypt
        /// `rotate-keys`: add a key, make it active and re-encrypt, in one step.
        case rotateKeys
        /// `enable` / `disable`: put the AES-CBC provider or `identity` first, then re-encrypt.
        case enable(Bool)
    }

    /// The stage names K3s sends in `stage`.
    static let stageNames: [String: Action] = [
        "prepare": .prepare, "rotate": .rotate, "reencrypt_active": .reencrypt, "rotate_keys": .rotateKeys,
    ]

    /// What to do.
    public var action: Action
    /// Skip the stage checks.
    public var force: Bool
    /// Keep the old key after re-encryption.
    public var skip: Bool

    /// Creates a request.
    public init(action: Action, force: Bool = false, skip: Bool = false) {
        self.action = action
        self.force = force
        self.skip = skip
    }

    /// Decodes a request body: `{"stage": "prepare", "force": false}` or `{"enable": true}`.
    ///
    /// - Throws: `StatusError` 400 for a malformed body or an unknown stage.
    public init(json body: [UInt8]) throws(StatusError) {
        guard let document = try? JSONValue(parsing: body), document.objectValue != nil else {
            throw StatusError.badRequest("the request body must be a JSON object")
        }
        force = document["force"]?.boolValue ?? false
        skip = document["skip"]?.boolValue ?? false
        if let stage = document["stage"]?.stringValue {
            guard let action = Self.stageNames[stage] else {
                throw StatusError.badRequest("unknown stage \(stage) requested (prepare, rotate, reencrypt_active, rotate_keys)")
            }
            self.action = action
        } else if let enable = document["enable"]?.boolValue {
            action = .enable(enable)
        } else {
            throw StatusError.badRequest("the request must set stage or enable")
        }
    }

    /// The JSON body K3s's CLI sends.
    public func json() -> [UInt8] {
        var document: OrderedDictionary<String, JSONValue> = [:]
        switch action {
        case .prepare: document["stage"] = "prepare"
        case .rotate: document["stage"] = "rotate"
        case .reencrypt: document["stage"] = "reencrypt_active"
        case .rotateKeys: document["stage"] = "rotate_keys"
        case .enable(let on): document["enable"] = .bool(on)
        }
        document["force"] = .bool(force)
        document["skip"] = .bool(skip)
        return JSONValue.object(document).serialized()
    }
}
