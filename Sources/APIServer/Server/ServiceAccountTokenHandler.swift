import KubeAPI

/// `POST .../serviceaccounts/NAME/token` (TokenRequest, what `kubectl create token` sends): checks
/// the service account exists and issues a signed token for it.
struct ServiceAccountTokenHandler: APIHandler {
    let issuer: TokenRequestHandler
    let lookup: InProcessLookup

    func handle(_ request: APIRequest) async -> APIResponse {
        let info = RequestInfo(method: request.method, path: request.path, query: request.query)
        guard request.method == .post else {
            return ResponseEncoding.failure(
                .methodNotAllowed(GroupResource(group: "", resource: "serviceaccounts/token"), action: info.verb)
            )
        }
        do {
            let body = try JSONValue(parsing: request.body)
            let tokenRequest = try body.decode(AuthenticationV1.TokenRequest.self)
            guard let uid = try await lookup.uid(path: "/api/v1/namespaces/\(info.namespace)/serviceaccounts/\(info.name)") else {
                throw StatusError.notFound(GroupResource(group: "", resource: "serviceaccounts"), name: info.name)
            }
            let issued = try await issuer.issue(
                tokenRequest, namespace: info.namespace, serviceAccountName: info.name, serviceAccountUID: uid
            )
            var json = try JSONValue(encoding: issued)
            if case .object(var members) = json {
                members["apiVersion"] = "authentication.k8s.io/v1"
                members["kind"] = "TokenRequest"
                json = .object(members)
            }
            return APIResponse(status: .created, headers: [.contentType: "application/json"], body: .bytes(ResponseEncoding.document(json)))
        } catch let error as StatusError {
            return ResponseEncoding.failure(error)
        } catch let error as JSONParseError {
            return ResponseEncoding.failure(.badRequest("invalid TokenRequest: \(error)"))
        } catch {
            return ResponseEncoding.failure(.badRequest("invalid TokenRequest: \(error)"))
        }
    }
}
