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
}
