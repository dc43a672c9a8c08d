import HTTPTypes
import KubeAPI
import Synchronization

/// The routes `k3s secrets-encrypt` talks to (K3s's paths, on the API server's port, behind
/// its authentication and authorization — `system:masters` may use them):
/// `GET /v1-k3s/encrypt/status` answers a ``SecretsEncryptionStatus``,
/// `PUT /v1-k3s/encrypt/config` applies a ``SecretsEncryptionRequest``. They answer 404 until
/// a ``SecretsEncryptionController`` is set.
final class SecretsEncryptionEndpoint: Sendable {
    static let statusPath = "/v1-k3s/encrypt/status"
    static let configPath = "/v1-k3s/encrypt/config"

    private let controller = Mutex<SecretsEncryptionController?>(nil)

    /// Starts serving `controller`.
    func serve(_ controller: SecretsEncryptionController) {
        self.controller.withLock { $0 = controller }
    }

    /// Answers the two paths; `nil` for any other request.
    func respond(to request: APIRequest) async -> APIResponse? {
        guard request.path == Self.statusPath || request.path == Self.configPath,
              let controller = controller.withLock({ $0 })
        else { return nil }
        if request.path == Self.statusPath {
            guard request.method == .get else { return AuthResponses.status(Self.methodNotAllowed(request)) }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return APIResponse(status: .ok, headers: headers, body: .bytes(await controller.status().json()))
        }
        guard request.method == .put else { return AuthResponses.status(Self.methodNotAllowed(request)) }
        do {
            let message = try await controller.handle(try SecretsEncryptionRequest(json: request.body))
            return AuthResponses.json(["message": .string(message)], status: .ok)
        } catch {
            return AuthResponses.status(error)
        }
    }

    private static func methodNotAllowed(_ request: APIRequest) -> StatusError {
        StatusError(code: 405, reason: .methodNotAllowed, message: "\(request.method.rawValue) is not allowed on \(request.path)")
    }
}
