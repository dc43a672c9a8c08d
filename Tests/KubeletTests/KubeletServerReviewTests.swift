import ClusterTesting
import KubeAPI
import KubeClient
import Testing
@testable import Kubelet

/// The kubelet API against a real API server answering TokenReview and SubjectAccessReview.
@Suite("Kubelet HTTPS API with API reviews")
struct KubeletServerReviewTests {
    @Test func tokensAreReviewedAndRequestsAuthorizedByTheAPIServer() async throws {
        try await TestAPIServer.with { api in
            let admin = api.client()
            _ = try await admin.resource(CoreV1.ServiceAccount.self).create(
                CoreV1.ServiceAccount(metadata: MetaV1.ObjectMeta(name: "viewer")), namespace: "default")
            let request = try await admin.resource(CoreV1.ServiceAccount.self).create(
                subresource: "token", of: "viewer", namespace: "default",
                body: AuthenticationV1.TokenRequest(spec: AuthenticationV1.TokenRequestSpec(expirationSeconds: 3600)),
                as: AuthenticationV1.TokenRequest.self)
            let token = try #require(request.status?.token)

            // The kubelet's own client reviews; denials are not cached, so a new binding counts at once.
            let pods = TestPods()
            pods.set([makePod(name: "web", uid: "u1")])
            let authenticator = TokenReviewAuthenticator(client: admin)
            let authorizer = SubjectAccessReviewAuthorizer(client: admin, deniedTTL: .zero)
            try await ServerFixture.with(pods: pods, authenticator: authenticator, authorizer: authorizer) { fixture in
                let anonymous = try await fixture.request("/pods", token: "not-a-token")
                #expect(anonymous.status == 401)

                let denied = try await fixture.request("/pods", token: token)
                #expect(denied.status == 403)
                let message = try JSONValue(parsing: denied.body)["message"]?.stringValue ?? ""
                #expect(message.hasPrefix("Forbidden (user=system:serviceaccount:default:viewer, verb=get, resource=nodes, subresource=proxy)"))

                _ = try await admin.resource(RbacV1.ClusterRole.self).create(RbacV1.ClusterRole(
                    metadata: MetaV1.ObjectMeta(name: "kubelet-proxy"),
                    rules: [RbacV1.PolicyRule(apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"])]))
                _ = try await admin.resource(RbacV1.ClusterRoleBinding.self).create(RbacV1.ClusterRoleBinding(
                    metadata: MetaV1.ObjectMeta(name: "viewer-kubelet-proxy"),
                    roleRef: RbacV1.RoleRef(apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "kubelet-proxy"),
                    subjects: [RbacV1.Subject(kind: "ServiceAccount", name: "viewer", namespace: "default")]))
                let allowed = try await eventually("the binding takes effect", timeout: .seconds(10)) { () -> KubeResponse? in
                    let response = try await fixture.request("/pods", token: token)
                    return response.status == 200 ? response : nil
                }
                #expect(try JSONValue(parsing: allowed.body)["items"]?.arrayValue?.count == 1)
                // nodes/stats was not granted.
                #expect(try await fixture.request("/stats/summary", token: token).status == 403)
            }
        }
    }
}
