import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

/// `kubectl --as`: the request runs as the impersonated identity once the caller may impersonate
/// every requested value; otherwise a 403 naming what was refused, and nothing runs.
@Suite struct ImpersonationHandlerTests {
    /// Allows `impersonate` only on the listed (resource, name) pairs.
    struct ImpersonationPolicy: Authorizer {
        let allowed: Set<String>
        func authorize(_ attributes: AuthorizationAttributes) async -> AuthorizationDecision {
            let request = attributes.request
            let resource = request.subresource.isEmpty ? request.resource : "\(request.resource)/\(request.subresource)"
            let key = "\(request.apiGroup)|\(resource)|\(request.namespace)|\(request.name)"
            return request.verb == "impersonate" && allowed.contains(key) ? .allow(reason: "") : .noOpinion(reason: "")
        }
    }

    /// Answers 200 with the user the request ran as.
    struct WhoAmI: APIHandler {
        func handle(_ request: APIRequest) async -> APIResponse {
            let user = request.user.map { "\($0.name)|\($0.groups.joined(separator: ","))|\($0.uid ?? "")|\($0.extra)" } ?? "-"
            let leaked = request.headers.contains { $0.name.canonicalName.hasPrefix("impersonate-") }
            return APIResponse(status: .ok, body: .bytes(Array((user + (leaked ? " leaked" : "")).utf8)))
        }
    }

    func answer(_ headers: [(String, String)], allowed: Set<String>) async -> (Int, String) {
        var fields = HTTPFields()
        for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        let request = APIRequest(method: .get, path: "/api/v1/namespaces/default/pods", headers: fields, user: UserInfo(name: "alice", groups: ["system:authenticated"]))
        let response = await ImpersonationHandler(authorizer: ImpersonationPolicy(allowed: allowed), next: WhoAmI()).handle(request)
        guard case .bytes(let bytes) = response.body else { return (response.status.code, "") }
        return (response.status.code, String(decoding: bytes, as: UTF8.self))
    }

    @Test func withoutHeadersTheCallerStays() async {
        #expect(await answer([], allowed: []) == (200, "alice|system:authenticated||[:]"))
    }

    @Test func anAllowedUserAndGroupTakeOver() async {
        let (code, body) = await answer(
            [("Impersonate-User", "bob"), ("Impersonate-Group", "devs"), ("Impersonate-Uid", "u-1"), ("Impersonate-Extra-Scopes", "view")],
            allowed: ["|users||bob", "|groups||devs", "authentication.k8s.io|uids||u-1", "authentication.k8s.io|userextras/scopes||view"])
        #expect(code == 200)
        #expect(body == "bob|devs,system:authenticated|u-1|[\"scopes\": [\"view\"]]", "no Impersonate header reaches the handler")
    }

    @Test func aServiceAccountIsCheckedInItsNamespaceAndGetsItsGroups() async {
        let (code, body) = await answer([("Impersonate-User", "system:serviceaccount:ci:builder")], allowed: ["|serviceaccounts|ci|builder"])
        #expect(code == 200)
        #expect(body.hasPrefix("system:serviceaccount:ci:builder|system:serviceaccounts,system:serviceaccounts:ci,system:authenticated|"))
    }

    @Test func anyRefusedValueIsForbidden() async {
        let (code, body) = await answer([("Impersonate-User", "bob"), ("Impersonate-Group", "system:masters")], allowed: ["|users||bob"])
        #expect(code == 403)
        #expect(body.contains(#"groups \"system:masters\" is forbidden: User \"alice\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope"#), "\(body)")
        let (userCode, userBody) = await answer([("Impersonate-User", "bob")], allowed: [])
        #expect(userCode == 403 && userBody.contains(#"cannot impersonate resource \"users\""#), "\(userBody)")
    }

    @Test func groupsWithoutAUserAreABadRequest() async {
        #expect(await answer([("Impersonate-Group", "devs")], allowed: ["|groups||devs"]).0 == 400)
        #expect(await answer([("Impersonate-User", "a"), ("Impersonate-User", "b")], allowed: ["|users||a", "|users||b"]).0 == 400)
    }
}
