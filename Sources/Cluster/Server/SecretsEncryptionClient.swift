import APIServer
import KubeAPI
import KubeClient

/// What `k3s secrets-encrypt` sends to a running server: `GET /v1-k3s/encrypt/status` and
/// `PUT /v1-k3s/encrypt/config`, with the admin kubeconfig's credentials.
public struct SecretsEncryptionClient: Sendable {
    /// Why a request failed: the server's message, or why it could not be asked.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    private let transport: HTTPSTransport

    /// A client from an admin kubeconfig. Requests are sent once (a change is never repeated
    /// because an answer was lost).
    ///
    /// - Throws: ``Failure`` when the kubeconfig cannot be used.
    public init(kubeconfig path: String) throws(Failure) {
        do {
            var configuration = try KubeconfigFile(contentsOf: path).transportConfiguration()
            configuration.retry = RetryPolicy(maxAttempts: 1)
            transport = try HTTPSTransport(configuration: configuration)
        } catch {
            throw Failure(description: "cannot use the kubeconfig \(path): \(error)")
        }
    }

    /// The server's status document (K3s's JSON).
    public func statusJSON() async throws(Failure) -> [UInt8] {
        try await send(KubeRequest(method: .get, path: "/v1-k3s/encrypt/status"))
    }

    /// The server's status.
    public func status() async throws(Failure) -> SecretsEncryptionStatus {
        do {
            return try SecretsEncryptionStatus(json: try await statusJSON())
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "the server's status is not understood: \(error)")
        }
    }

    /// Applies a change; returns the server's message.
    public func apply(_ request: SecretsEncryptionRequest) async throws(Failure) -> String {
        let body = try await send(KubeRequest(
            method: .put, path: "/v1-k3s/encrypt/config",
            headers: [(name: "Content-Type", value: "application/json")], body: request.json()))
        return (try? JSONValue(parsing: body))?["message"]?.stringValue ?? "done"
    }

    /// Closes the connections.
    public func shutdown() async {
        await transport.shutdown()
    }

    private func send(_ request: KubeRequest) async throws(Failure) -> [UInt8] {
        let response: KubeResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw Failure(description: "cannot reach the server: \(error)")
        }
        guard response.status == 200 else {
            let message = (try? JSONValue(parsing: response.body))?["message"]?.stringValue ?? String(decoding: response.body, as: UTF8.self)
            throw Failure(description: "the server refused (\(response.status)): \(message)")
        }
        return response.body
    }
}
