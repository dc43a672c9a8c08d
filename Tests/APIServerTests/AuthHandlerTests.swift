import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

/// Answers 200 with the authenticated user's name.
struct AuthEchoHandler: APIHandler {
    func handle(_ request: APIRequest) async -> APIResponse {
        APIResponse(status: .ok, body: .bytes(Array((request.user?.name ?? "-").utf8)))
    }
}

extension APIResponse {
    var authBodyBytes: [UInt8] {
        if case .bytes(let bytes) = body { return bytes }
        return []
    }
    var authBodyText: String { String(decoding: authBodyBytes, as: UTF8.self) }
    var authBodyJSON: JSONValue? { try? JSONValue(parsing: authBodyBytes) }
}

@Suite struct AuthHandlerTests {
    static func request(_ path: String, method: HTTPRequest.Method = .get, token: String? = nil, certificate: ClientCertificate? = nil) -> APIRequest {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        return APIRequest(method: method, path: path, headers: headers, clientCertificate: certificate)
    }

    static func stack(anonymous: Bool = false) throws -> any APIHandler {
        let tokens = try TokenFileAuthenticator(parsing: "bob-token,bob,1\nroot-token,root,2,system:masters")
        let authenticator = AuthenticatorChain([X509Authenticator(), BearerTokenAuthenticator([tokens])], allowAnonymous: anonymous)
        let authorizer = AuthorizerChain([SuperuserAuthorizer(), RBACAuthorizer(policy: BootstrapPolicy.policy())])
        return AuthenticationHandler(authenticator: authenticator, next: AuthorizationHandler(authorizer: authorizer, next: AuthEchoHandler()))
    }

    static let unauthorizedBody = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"# + "\n"

    @Test func noCredentialsIs401() async throws {
        let response = try await Self.stack().handle(Self.request("/api/v1/namespaces/default/pods"))
        #expect(response.status.code == 401)
        #expect(response.authBodyText == Self.unauthorizedBody)
        #expect(response.headers[.contentType] == "application/json")
    }

    @Test(arguments: ["wrong-token", ""])
    func badTokensAre401(_ token: String) async throws {
        let response = try await Self.stack(anonymous: true).handle(Self.request("/version", token: token))
        #expect(response.status.code == 401)
        #expect(response.authBodyText == Self.unauthorizedBody)
    }

    @Test func anonymousWhenEnabled() async throws {
        let response = try await Self.stack(anonymous: true).handle(Self.request("/version"))
        #expect(response.status.code == 200)
        #expect(response.authBodyText == "system:anonymous")
        let refused = try await Self.stack(anonymous: true).handle(Self.request("/api/v1/pods"))
        #expect(refused.status.code == 403)
        #expect(refused.authBodyJSON?["message"]?.stringValue == #"pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope"#)
    }

    @Test func certificateUsersAreAuthenticated() async throws {
        let response = try await Self.stack().handle(Self.request("/api/v1/nodes", certificate: ClientCertificate(commonName: "system:admin", organizations: ["system:masters"])))
        #expect(response.status.code == 200)
        #expect(response.authBodyText == "system:admin")
        let user = try await X509Authenticator().authenticate(Self.request("/", certificate: ClientCertificate(commonName: "n", organizations: ["a", "b"])))
        #expect(user == UserInfo(name: "n", groups: ["a", "b", "system:authenticated"]))
    }

    @Test func forbiddenMessagesAreUpstreams() async throws {
        let stack = try Self.stack()
        let pod = await stack.handle(Self.request("/api/v1/namespaces/default/pods/x", token: "bob-token"))
        #expect(pod.status.code == 403)
        let json = try #require(pod.authBodyJSON)
        #expect(json["message"]?.stringValue == #"pods "x" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "default""#)
        #expect(json["reason"]?.stringValue == "Forbidden")
        #expect(json[path: "details", "name"]?.stringValue == "x")
        #expect(json[path: "details", "kind"]?.stringValue == "pods")

        let scale = await stack.handle(Self.request("/apis/apps/v1/namespaces/ns/deployments/web/scale", method: .put, token: "bob-token"))
        #expect(scale.authBodyJSON?["message"]?.stringValue
                == #"deployments.apps "web" is forbidden: User "bob" cannot update resource "deployments/scale" in API group "apps" in the namespace "ns""#)

        let path = await stack.handle(Self.request("/foo", token: "bob-token"))
        #expect(path.status.code == 403)
        #expect(path.authBodyJSON?["message"]?.stringValue == #"forbidden: User "bob" cannot get path "/foo""#)

        let allowed = await stack.handle(Self.request("/apis", token: "bob-token"))
        #expect(allowed.status.code == 200)
        let root = await stack.handle(Self.request("/api/v1/namespaces/kube-system", method: .delete, token: "root-token"))
        #expect(root.status.code == 200)
    }
}
