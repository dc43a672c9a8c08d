import KubeAPI

/// The claims of a service-account token, as upstream writes them: `iss`, `sub`
/// (`system:serviceaccount:NS:NAME`), `aud`, `exp`, `iat`, `nbf`, `jti` and the private
/// `kubernetes.io` claim naming the namespace, the service account and any bound pod, node or
/// secret.
public struct ServiceAccountTokenClaims: Sendable, Hashable {
    /// An object a token is bound to (name and uid).
    public struct BoundObject: Sendable, Hashable {
        /// The object's name.
        public var name: String
        /// The object's uid.
        public var uid: String

        /// Creates a reference.
        public init(name: String, uid: String) {
            self.name = name
            self.uid = uid
        }
    }

    /// `iss`.
    public var issuer: String
    /// `aud`.
    public var audiences: [String]
    /// `exp`, in seconds since the epoch.
    public var expiresAt: Int64
    /// `iat`, in seconds since the epoch.
    public var issuedAt: Int64
    /// `nbf`, in seconds since the epoch.
    public var notBefore: Int64
    /// `jti`, a unique token id.
    public var id: String
    /// The service account's namespace.
    public var namespace: String
    /// The service account's name.
    public var serviceAccountName: String
    /// The service account's uid.
    public var serviceAccountUID: String
    /// The pod the token is bound to, if any.
    public var pod: BoundObject?
    /// The node the token is bound to (directly, or as the bound pod's node), if any.
    public var node: BoundObject?
    /// The secret the token is bound to, if any.
    public var secret: BoundObject?

    /// Creates claims.
    public init(
        issuer: String, audiences: [String], expiresAt: Int64, issuedAt: Int64, notBefore: Int64, id: String,
        namespace: String, serviceAccountName: String, serviceAccountUID: String,
        pod: BoundObject? = nil, node: BoundObject? = nil, secret: BoundObject? = nil
    ) {
        self.issuer = issuer
        self.audiences = audiences
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.id = id
        self.namespace = namespace
        self.serviceAccountName = serviceAccountName
        self.serviceAccountUID = serviceAccountUID
        self.pod = pod
        self.node = node
        self.secret = secret
    }

    /// `sub`: `system:serviceaccount:NS:NAME`.
    public var subject: String { ServiceAccountNames.userName(namespace: namespace, name: serviceAccountName) }

    /// The claims as a JSON object.
    public var json: JSONValue {
        var kubernetes: JSONValue = [
            "namespace": .string(namespace),
            "serviceaccount": ["name": .string(serviceAccountName), "uid": .string(serviceAccountUID)],
        ]
        if case .object(var members) = kubernetes {
            if let node { members["node"] = ["name": .string(node.name), "uid": .string(node.uid)] }
            if let pod { members["pod"] = ["name": .string(pod.name), "uid": .string(pod.uid)] }
            if let secret { members["secret"] = ["name": .string(secret.name), "uid": .string(secret.uid)] }
            kubernetes = .object(members)
        }
        return [
            "aud": .array(audiences.map { .string($0) }),
            "exp": .int(expiresAt),
            "iat": .int(issuedAt),
            "iss": .string(issuer),
            "jti": .string(id),
            "kubernetes.io": kubernetes,
            "nbf": .int(notBefore),
            "sub": .string(subject),
        ]
    }

    /// Reads claims; `nil` when a required claim is missing or has the wrong type, or `sub`
    /// disagrees with the `kubernetes.io` claim. `aud` may be a string or an array.
    public init?(json: JSONValue) {
        guard let issuer = json["iss"]?.stringValue,
              let expiresAt = json["exp"]?.intValue,
              let kubernetes = json["kubernetes.io"],
              let namespace = kubernetes["namespace"]?.stringValue,
              let account = kubernetes["serviceaccount"],
              let name = account["name"]?.stringValue,
              let uid = account["uid"]?.stringValue
        else { return nil }
        let audiences: [String]
        switch json["aud"] {
        case .string(let one)?: audiences = [one]
        case .array(let many)?:
            let strings = many.compactMap(\.stringValue)
            guard strings.count == many.count else { return nil }
            audiences = strings
        default: return nil
        }
        func bound(_ key: String) -> BoundObject? {
            guard let object = kubernetes[key], let name = object["name"]?.stringValue else { return nil }
            return BoundObject(name: name, uid: object["uid"]?.stringValue ?? "")
        }
        self.init(
            issuer: issuer, audiences: audiences, expiresAt: expiresAt,
            issuedAt: json["iat"]?.intValue ?? 0, notBefore: json["nbf"]?.intValue ?? 0,
            id: json["jti"]?.stringValue ?? "",
            namespace: namespace, serviceAccountName: name, serviceAccountUID: uid,
            pod: bound("pod"), node: bound("node"), secret: bound("secret"))
        guard json["sub"]?.stringValue == subject else { return nil }
    }
}

/// Service-account user and group names.
public enum ServiceAccountNames {
    /// `system:serviceaccount:`.
    public static let userPrefix = "system:serviceaccount:"
    /// `system:serviceaccounts`, the group of all service accounts.
    public static let allGroup = "system:serviceaccounts"

    /// `system:serviceaccount:NS:NAME`.
    public static func userName(namespace: String, name: String) -> String {
        "\(userPrefix)\(namespace):\(name)"
    }

    /// The namespace and name of a service-account user name, or `nil` for other users.
    public static func split(userName: String) -> (namespace: String, name: String)? {
        guard userName.hasPrefix(userPrefix) else { return nil }
        let parts = userName.dropFirst(userPrefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// The groups of a service account: `system:serviceaccounts`, `system:serviceaccounts:NS`
    /// and `system:authenticated`.
    public static func groups(namespace: String) -> [String] {
        [allGroup, "\(allGroup):\(namespace)", AuthenticatedGroups.authenticated]
    }
}
