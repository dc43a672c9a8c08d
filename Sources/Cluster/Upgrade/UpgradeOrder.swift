import KubeAPI

/// What the upgrade controller asks of one node, in the node's annotation
/// ``UpgradeOrder/annotation``: install the `k3s` at `url`, whose SHA-256 is `sha256`, as
/// `version` of `plan`, and fall back to the running binary unless the new one is Ready within
/// `readyTimeoutSeconds`.
public struct UpgradeOrder: Sendable, Hashable {
    /// The node annotation holding the order as JSON.
    public static let annotation = "upgrade.k3s-swift.io/desired"

    /// `namespace/name` of the Plan.
    public var plan: String
    /// The version being installed (`v1.36.2+k3s1`).
    public var version: String
    /// Where the binary is downloaded from.
    public var url: String
    /// Its published SHA-256, lower-case hex.
    public var sha256: String
    /// How long the new binary has to bring the node to Ready before it is rolled back.
    public var readyTimeoutSeconds: Int

    /// Creates an order.
    public init(plan: String, version: String, url: String, sha256: String, readyTimeoutSeconds: Int) {
        self.plan = plan
        self.version = version
        self.url = url
        self.sha256 = sha256
        self.readyTimeoutSeconds = readyTimeoutSeconds
    }

    /// The order as the annotation's JSON.
    public var json: String {
        let value: JSONValue = [
            "plan": .string(plan), "version": .string(version), "url": .string(url), "sha256": .string(sha256),
            "readyTimeoutSeconds": .int(Int64(readyTimeoutSeconds)),
        ]
        return String(decoding: value.serialized(escapingHTML: false), as: UTF8.self)
    }

    /// The order an annotation holds; `nil` when it is not one.
    public init?(json: String) {
        guard let value = try? JSONValue(parsing: json), let plan = value["plan"]?.stringValue,
            let version = value["version"]?.stringValue, let url = value["url"]?.stringValue, let sha256 = value["sha256"]?.stringValue
        else { return nil }
        self.init(plan: plan, version: version, url: url, sha256: sha256, readyTimeoutSeconds: Int(value["readyTimeoutSeconds"]?.intValue ?? 300))
    }
}

/// How a node's upgrade ended, in its annotation ``UpgradeOutcome/annotation`` (written by the node).
public struct UpgradeOutcome: Sendable, Hashable {
    /// The node annotation holding the outcome as JSON.
    public static let annotation = "upgrade.k3s-swift.io/result"
    /// The node annotation holding the SHA-256 of the `k3s` binary the node runs.
    public static let binaryAnnotation = "upgrade.k3s-swift.io/binary-sha256"

    /// How it ended.
    public enum State: String, Sendable, Hashable {
        /// The new binary runs and the node is Ready.
        case upgraded
        /// The download or its checksum failed; nothing changed.
        case failed
        /// The new binary was not Ready in time; the previous one runs again.
        case rolledBack
    }

    /// `namespace/name` of the Plan.
    public var plan: String
    /// The version the order named.
    public var version: String
    /// How it ended.
    public var state: State
    /// Why, for people.
    public var message: String

    /// Creates an outcome.
    public init(plan: String, version: String, state: State, message: String) {
        self.plan = plan
        self.version = version
        self.state = state
        self.message = message
    }

    /// The outcome as the annotation's JSON.
    public var json: String {
        let value: JSONValue = [
            "plan": .string(plan), "version": .string(version), "state": .string(state.rawValue), "message": .string(message),
        ]
        return String(decoding: value.serialized(escapingHTML: false), as: UTF8.self)
    }

    /// The outcome an annotation holds; `nil` when it is not one.
    public init?(json: String) {
        guard let value = try? JSONValue(parsing: json), let plan = value["plan"]?.stringValue,
            let version = value["version"]?.stringValue, let state = value["state"]?.stringValue.flatMap(State.init(rawValue:))
        else { return nil }
        self.init(plan: plan, version: version, state: state, message: value["message"]?.stringValue ?? "")
    }
}
