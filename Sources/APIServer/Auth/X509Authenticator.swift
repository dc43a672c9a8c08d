import KubeAPI

/// Authenticates requests by their verified TLS client certificate: the subject common name is
/// the user name, the subject organizations are the groups (plus `system:authenticated`).
///
/// The transport has already verified the certificate against the client CA; a request without
/// a certificate (or with an empty common name) is left to the next authenticator.
public struct X509Authenticator: Authenticator {
    /// Creates the authenticator.
    public init() {}

    /// The certificate's identity, or `nil` when the request carries no usable certificate.
    public func authenticate(_ request: APIRequest) async throws -> UserInfo? {
        guard let certificate = request.clientCertificate, !certificate.commonName.isEmpty else { return nil }
        return UserInfo(
            name: certificate.commonName,
            groups: AuthenticatedGroups.adding(to: certificate.organizations))
    }
}

/// The group every authenticated user is in.
enum AuthenticatedGroups {
    /// `system:authenticated`.
    static let authenticated = "system:authenticated"

    /// `groups` with `system:authenticated` appended unless already present.
    static func adding(to groups: [String]) -> [String] {
        groups.contains(authenticated) ? groups : groups + [authenticated]
    }
}
