import KubeAPI
import KubeClient

/// Reads the objects a pod refers to with GETs (the node authorizer lets a node read what its
/// pods reference); a 404 reads as `nil`.
public struct APIPodObjectSource: PodObjectSource {
    let client: KubeClient

    /// Creates a source over `client`.
    public init(client: KubeClient) {
        self.client = client
    }

    /// The configMap, or `nil` on 404.
    public func configMap(_ name: String, namespace: String) async throws -> CoreV1.ConfigMap? {
        try await orNil { try await client.resource(CoreV1.ConfigMap.self).get(name, namespace: namespace) }
    }

    /// The secret, or `nil` on 404.
    public func secret(_ name: String, namespace: String) async throws -> CoreV1.Secret? {
        try await orNil { try await client.resource(CoreV1.Secret.self).get(name, namespace: namespace) }
    }

    /// The claim, or `nil` on 404.
    public func persistentVolumeClaim(_ name: String, namespace: String) async throws -> CoreV1.PersistentVolumeClaim? {
        try await orNil { try await client.resource(CoreV1.PersistentVolumeClaim.self).get(name, namespace: namespace) }
    }

    /// The persistent volume, or `nil` on 404.
    public func persistentVolume(_ name: String) async throws -> CoreV1.PersistentVolume? {
        try await orNil { try await client.resource(CoreV1.PersistentVolume.self).get(name) }
    }

    /// Creates `serviceaccounts/NAME/token` bound to `pod`.
    public func serviceAccountToken(
        _ serviceAccount: String, namespace: String, audiences: [String], expirationSeconds: Int, pod: CoreV1.Pod
    ) async throws -> ServiceAccountToken {
        let request = AuthenticationV1.TokenRequest(
            spec: AuthenticationV1.TokenRequestSpec(
                audiences: audiences,
                boundObjectRef: AuthenticationV1.BoundObjectReference(
                    apiVersion: "v1", kind: "Pod", name: pod.metadata.name, uid: pod.metadata.uid),
                expirationSeconds: expirationSeconds))
        let answer = try await client.resource(CoreV1.ServiceAccount.self).create(
            subresource: "token", of: serviceAccount, namespace: namespace, body: request, as: AuthenticationV1.TokenRequest.self)
        guard let token = answer.status?.token else {
            throw PodConfigError("token request for \(namespace)/\(serviceAccount) returned no token")
        }
        return ServiceAccountToken(token: token, expiresAt: answer.status?.expirationTimestamp?.secondsSinceEpoch ?? 0)
    }

    private func orNil<T>(_ body: () async throws -> T) async throws -> T? {
        do {
            return try await body()
        } catch let error as StatusError where error.code == 404 {
            return nil
        }
    }
}
