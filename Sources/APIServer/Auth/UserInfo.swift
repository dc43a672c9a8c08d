/// An authenticated identity: the user name, its uid, groups and extra attributes, as
/// authentication establishes it and authorization (RBAC) reads it.
public struct UserInfo: Sendable, Hashable, Codable {
    /// The user name (`system:admin`, `system:serviceaccount:default:builder`, `system:node:n1`).
    public var name: String
    /// A unique id, when the authenticator knows one (service accounts have one).
    public var uid: String?
    /// The groups the user is in (`system:masters`, `system:authenticated`, ...).
    public var groups: [String]
    /// Extra attributes (for service-account tokens: the pod name and uid, ...).
    public var extra: [String: [String]]

    /// Creates an identity.
    public init(name: String, uid: String? = nil, groups: [String] = [], extra: [String: [String]] = [:]) {
        self.name = name
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }

    /// The identity of requests without credentials, when anonymous access is allowed.
    public static let anonymous = UserInfo(name: "system:anonymous", groups: ["system:unauthenticated"])

    /// The identity of a service account, as its token would authenticate it.
    public static func serviceAccount(namespace: String, name: String) -> UserInfo {
        UserInfo(
            name: "system:serviceaccount:\(namespace):\(name)",
            groups: ["system:serviceaccounts", "system:serviceaccounts:\(namespace)", "system:authenticated"])
    }

    /// The identity of a node's kubelet (what its client certificate carries).
    public static func node(_ name: String) -> UserInfo {
        UserInfo(name: "system:node:\(name)", groups: ["system:nodes", "system:authenticated"])
    }

    /// The scheduler's identity.
    public static let scheduler = UserInfo(name: "system:kube-scheduler", groups: ["system:authenticated"])

    /// A cluster administrator (`system:masters`).
    public static let admin = UserInfo(name: "system:admin", groups: ["system:masters", "system:authenticated"])
}
