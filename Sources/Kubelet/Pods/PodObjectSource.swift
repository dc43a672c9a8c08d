import KubeAPI

/// The API objects a pod refers to (configMaps, secrets, claims, volumes, service-account
/// tokens), as the kubelet reads them. The API server implements it through GETs
/// (``APIPodObjectSource``); unit tests feed objects directly.
public protocol PodObjectSource: Sendable {
    /// The configMap, or `nil` when it does not exist.
    func configMap(_ name: String, namespace: String) async throws -> CoreV1.ConfigMap?
    /// The secret, or `nil` when it does not exist.
    func secret(_ name: String, namespace: String) async throws -> CoreV1.Secret?
    /// The claim, or `nil` when it does not exist.
    func persistentVolumeClaim(_ name: String, namespace: String) async throws -> CoreV1.PersistentVolumeClaim?
    /// The persistent volume, or `nil` when it does not exist.
    func persistentVolume(_ name: String) async throws -> CoreV1.PersistentVolume?
    /// A token for the service account bound to `pod` (TokenRequest).
    func serviceAccountToken(
        _ serviceAccount: String, namespace: String, audiences: [String], expirationSeconds: Int, pod: CoreV1.Pod
    ) async throws -> ServiceAccountToken
}

/// A token issued for a service account.
public struct ServiceAccountToken: Sendable, Hashable {
    /// The bearer token.
    public var token: String
    /// When it expires, seconds since the epoch.
    public var expiresAt: Int64

    /// Creates a token.
    public init(token: String, expiresAt: Int64) {
        self.token = token
        self.expiresAt = expiresAt
    }
}
