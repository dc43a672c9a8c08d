import Crypto
import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

@Suite struct AuthReviewTests {
    static let bob = UserInfo(name: "bob", groups: ["system:authenticated"])

    static func handler() throws -> ReviewHandler {
        var policy = BootstrapPolicy.policy()
        policy.set(RbacV1.RoleBinding(
            metadata: MetaV1.ObjectMeta(name: "bob-view", namespace: "team"),
            roleRef: RbacV1.RoleRef(apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view"),
            subjects: [RbacV1.Subject(apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "bob")]))
        let chain = AuthorizerChain([SuperuserAuthorizer(), RBACAuthorizer(policy: policy)])
        let tokens = try TokenFileAuthenticator(parsing: "bob-token,bob,uid-b,devs")
        return ReviewHandler(authorizer: chain, ruleResolver: chain, tokenAuthenticator: BearerTokenAuthenticator([tokens]))
    }

    static func post(_ path: String, _ body: String, as user: UserInfo? = bob) async throws -> APIResponse {
        try await handler().handle(APIRequest(method: .post, path: path, body: Array(body.utf8), user: user))
    }

    @Test func selfSubjectAccessReviewAllowed() async throws {
        let response = try await Self.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", #"""
        {"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{},
         "spec":{"resourceAttributes":{"namespace":"team","verb":"list","resource":"pods"}}}
        """#)
        #expect(response.status == .created)
        let json = try #require(response.authBodyJSON)
        #expect(json["kind"]?.stringValue == "SelfSubjectAccessReview")
        #expect(json[path: "spec", "resourceAttributes", "resource"]?.stringValue == "pods")
        #expect(json[path: "status", "allowed"] == .bool(true))
        #expect(json[path: "status", "reason"]?.stringValue == #"RBAC: allowed by RoleBinding "bob-view/team" of ClusterRole "view" to User "bob""#)
        #expect(json[path: "status", "denied"] == nil)
    }

    @Test func selfSubjectAccessReviewDenied() async throws {
        let response = try await Self.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", #"""
        {"spec":{"resourceAttributes":{"namespace":"team","verb":"get","resource":"secrets","name":"s"}}}
        """#)
        let json = try #require(response.authBodyJSON)
        #expect(json[path: "status", "allowed"] == .bool(false))
        #expect(json[path: "status", "reason"] == nil)
        let path = try await Self.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", #"""
        {"spec":{"nonResourceAttributes":{"path":"/version","verb":"get"}}}
        """#)
        #expect(path.authBodyJSON?[path: "status", "allowed"] == .bool(true))
    }

    @Test(arguments: [
        #"{"spec":{}}"#,
        #"{"spec":{"resourceAttributes":{"verb":"get","resource":"pods"},"nonResourceAttributes":{"path":"/","verb":"get"}}}"#,
    ])
    func accessReviewsNeedExactlyOneAttributeSet(_ body: String) async throws {
        let response = try await Self.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body)
        #expect(response.status.code == 422)
        #expect(response.authBodyJSON?["reason"]?.stringValue == "Invalid")
        #expect(response.authBodyJSON?["message"]?.stringValue?.hasPrefix(#"SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes"#) == true)
    }

    @Test func subjectAccessReviewAsksAboutAnotherUser() async throws {
        let masters = try await Self.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", #"""
        {"spec":{"user":"root","groups":["system:masters"],"resourceAttributes":{"verb":"delete","resource":"nodes"}}}
        """#)
        #expect(masters.status == .created)
        #expect(masters.authBodyJSON?[path: "status", "allowed"] == .bool(true))
        #expect(masters.authBodyJSON?["kind"]?.stringValue == "SubjectAccessReview")
        let nobody = try await Self.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", #"""
        {"spec":{"resourceAttributes":{"verb":"delete","resource":"nodes"}}}
        """#)
        #expect(nobody.status.code == 422)
        #expect(nobody.authBodyJSON?["message"]?.stringValue
                == #"SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified"#)
    }

    @Test func localSubjectAccessReviewChecksTheNamespace() async throws {
        let ok = try await Self.post("/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews", #"""
        {"kind":"LocalSubjectAccessReview","spec":{"user":"bob","resourceAttributes":{"namespace":"team","verb":"get","resource":"pods"}}}
        """#)
        #expect(ok.status == .created)
        #expect(ok.authBodyJSON?["kind"]?.stringValue == "LocalSubjectAccessReview")
        #expect(ok.authBodyJSON?[path: "metadata", "namespace"]?.stringValue == "team")
        #expect(ok.authBodyJSON?[path: "status", "allowed"] == .bool(true))
        let mismatch = try await Self.post("/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews", #"""
        {"spec":{"user":"bob","resourceAttributes":{"namespace":"other","verb":"get","resource":"pods"}}}
        """#)
        #expect(mismatch.status.code == 422)
    }

    @Test func selfSubjectRulesReviewListsRules() async throws {
        let response = try await Self.post("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", #"{"spec":{"namespace":"team"}}"#)
        #expect(response.status == .created)
        let body = try #require(response.authBodyJSON)
        let status = try #require(body["status"])
        #expect(status["incomplete"] == .bool(false))
        let resourceRules = try #require(status["resourceRules"]?.arrayValue)
        #expect(resourceRules.contains { ($0["resources"]?.arrayValue ?? []).contains("selfsubjectaccessreviews") })
        #expect(resourceRules.contains { ($0["resources"]?.arrayValue ?? []).contains("pods") })
        let nonResourceRules = try #require(status["nonResourceRules"]?.arrayValue)
        #expect(nonResourceRules.contains { ($0["nonResourceURLs"]?.arrayValue ?? []).contains("/api/*") })
    }

    @Test func selfSubjectReviewIsWhoami() async throws {
        let user = UserInfo(name: "system:serviceaccount:ci:b", uid: "u1", groups: ["system:serviceaccounts"], extra: ["k": ["v"]])
        let response = try await Self.post("/apis/authentication.k8s.io/v1/selfsubjectreviews", #"{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1"}"#, as: user)
        #expect(response.status == .created)
        let info = try #require(response.authBodyJSON?[path: "status", "userInfo"])
        #expect(info["username"]?.stringValue == "system:serviceaccount:ci:b")
        #expect(info["uid"]?.stringValue == "u1")
        #expect(info["groups"] == ["system:serviceaccounts"])
        #expect(info[path: "extra", "k"] == ["v"])
    }

    @Test func tokenReview() async throws {
        let good = try await Self.post("/apis/authentication.k8s.io/v1/tokenreviews", #"{"spec":{"token":"bob-token"}}"#)
        #expect(good.status == .created)
        #expect(good.authBodyJSON?[path: "status", "authenticated"] == .bool(true))
        #expect(good.authBodyJSON?[path: "status", "user", "username"]?.stringValue == "bob")
        #expect(good.authBodyJSON?[path: "status", "user", "groups"] == ["devs", "system:authenticated"])
        let bad = try await Self.post("/apis/authentication.k8s.io/v1/tokenreviews", #"{"spec":{"token":"nope"}}"#)
        #expect(bad.authBodyJSON?[path: "status", "authenticated"] == .bool(false))
        #expect(bad.authBodyJSON?[path: "status", "error"] != nil)
        let empty = try await Self.post("/apis/authentication.k8s.io/v1/tokenreviews", #"{"spec":{}}"#)
        #expect(empty.status.code == 400)
    }

    @Test func badRequests() async throws {
        #expect(try await Self.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "{not json").status.code == 400)
        #expect(try await Self.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", #"{"kind":"TokenReview"}"#).status.code == 400)
        #expect(try await Self.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", #"{"spec":{"resourceAttributes":7}}"#).status.code == 400)
        #expect(try await Self.post("/apis/authorization.k8s.io/v1/frobs", "{}").status.code == 404)
        #expect(try await Self.handler().handle(APIRequest(method: .get, path: "/apis/authentication.k8s.io/v1/tokenreviews", user: Self.bob)).status.code == 405)
    }

    @Test func routes() {
        #expect(ReviewHandler.route("/apis/authorization.k8s.io/v1/namespaces/ns/localsubjectaccessreviews")! == (.localSubjectAccessReview, "ns"))
        #expect(ReviewHandler.route("/apis/authentication.k8s.io/v1/tokenreviews")! == (.tokenReview, ""))
        #expect(ReviewHandler.route("/apis/authentication.k8s.io/v1/selfsubjectaccessreviews") == nil)
        #expect(ReviewHandler.route("/apis/authorization.k8s.io/v1/localsubjectaccessreviews") == nil)
    }

    // MARK: - TokenRequest

    static func tokenHandler(clock: AuthTestClock, key: ServiceAccountSigningKey) -> TokenRequestHandler {
        TokenRequestHandler(issuer: ServiceAccountTokenIssuer(key: key, now: clock.source)) { kind, namespace, name in
            kind == "Pod" && namespace == "default" && name == "web" ? .init(uid: "pod-uid", nodeName: "n1") : nil
        }
    }

    @Test func tokenRequestIssuesAVerifiableToken() async throws {
        let clock = AuthTestClock(1_800_000_000)
        let key = ServiceAccountSigningKey.es256(P256.Signing.PrivateKey())
        let response = try await Self.tokenHandler(clock: clock, key: key).issue(
            AuthenticationV1.TokenRequest(spec: AuthenticationV1.TokenRequestSpec()), namespace: "default",
            serviceAccountName: "builder", serviceAccountUID: "uid-1")
        #expect(response.spec?.expirationSeconds == 3600)
        #expect(response.spec?.audiences == ["https://kubernetes.default.svc.cluster.local"])
        #expect(response.status?.expirationTimestamp == Time(secondsSinceEpoch: 1_800_003_600))
        let token = try #require(response.status?.token)
        let authenticator = ServiceAccountTokenAuthenticator(keys: [key.publicKey], now: clock.source, serviceAccountUID: { _, _ in "uid-1" })
        #expect(try await authenticator.authenticate(token: token, audiences: nil)?.user.name == "system:serviceaccount:default:builder")
        clock.advance(3600)
        await #expect(throws: StatusError.self) { try await authenticator.authenticate(token: token, audiences: nil) }
    }

    @Test func tokenRequestBindsToAPod() async throws {
        let clock = AuthTestClock(1_800_000_000)
        let key = ServiceAccountSigningKey.es256(P256.Signing.PrivateKey())
        let handler = Self.tokenHandler(clock: clock, key: key)
        let request = AuthenticationV1.TokenRequest(spec: AuthenticationV1.TokenRequestSpec(
            audiences: ["vault"], boundObjectRef: AuthenticationV1.BoundObjectReference(apiVersion: "v1", kind: "Pod", name: "web", uid: "pod-uid"),
            expirationSeconds: 600))
        let response = try await handler.issue(request, namespace: "default", serviceAccountName: "builder", serviceAccountUID: "uid-1")
        let authenticator = ServiceAccountTokenAuthenticator(
            keys: [key.publicKey], now: clock.source, serviceAccountUID: { _, _ in "uid-1" }, podUID: { _, _ in "pod-uid" })
        let issued = try #require(response.status?.token)
        let user = try #require(try await authenticator.authenticate(token: issued, audiences: ["vault"])).user
        #expect(user.extra["authentication.kubernetes.io/pod-name"] == ["web"])
        #expect(user.extra["authentication.kubernetes.io/node-name"] == ["n1"])
    }

    struct BadTokenRequest: Sendable, CustomStringConvertible {
        var label: String
        var spec: AuthenticationV1.TokenRequestSpec
        var code: Int
        var message: String
        var description: String { label }
    }

    static let badTokenRequests: [BadTokenRequest] = [
        BadTokenRequest(label: "too short", spec: .init(expirationSeconds: 599), code: 422,
                        message: #"TokenRequest.authentication.k8s.io "builder" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes"#),
        BadTokenRequest(label: "too long", spec: .init(expirationSeconds: (1 << 32) + 1), code: 422,
                        message: #"TokenRequest.authentication.k8s.io "builder" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds"#),
        BadTokenRequest(label: "bad kind", spec: .init(boundObjectRef: .init(apiVersion: "v1", kind: "ConfigMap", name: "c")), code: 422,
                        message: #"TokenRequest.authentication.k8s.io "builder" is invalid: spec.boundObjectRef.kind: Unsupported value: "ConfigMap": supported values: "Pod", "Node", "Secret""#),
        BadTokenRequest(label: "missing pod", spec: .init(boundObjectRef: .init(apiVersion: "v1", kind: "Pod", name: "gone")), code: 404,
                        message: #"pods "gone" not found"#),
        BadTokenRequest(label: "replaced pod", spec: .init(boundObjectRef: .init(apiVersion: "v1", kind: "Pod", name: "web", uid: "old")), code: 409,
                        message: #"Operation cannot be fulfilled on pods "web": the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated"#),
    ]

    @Test(arguments: badTokenRequests)
    func tokenRequestValidation(_ c: BadTokenRequest) async {
        let handler = Self.tokenHandler(clock: AuthTestClock(0), key: .es256(P256.Signing.PrivateKey()))
        do {
            _ = try await handler.issue(AuthenticationV1.TokenRequest(spec: c.spec), namespace: "default", serviceAccountName: "builder", serviceAccountUID: "u")
            Issue.record("accepted \(c.label)")
        } catch {
            #expect(error.code == c.code)
            #expect(error.message == c.message)
        }
    }
}
