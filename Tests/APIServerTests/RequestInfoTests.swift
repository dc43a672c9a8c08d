import HTTPTypes
import Testing
@testable import APIServer

@Suite struct RequestInfoTests {
    struct Case: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var query: [(name: String, value: String)] = []
        var verb: String
        var group = ""
        var version = ""
        var namespace = ""
        var resource = ""
        var subresource = ""
        var name = ""
        var isResource = true
        var description: String { "\(method) \(path)" }
    }

    static let cases: [Case] = [
        Case(method: .get, path: "/api/v1/pods", verb: "list", version: "v1", resource: "pods"),
        Case(method: .get, path: "/api/v1/pods", query: [("watch", "true")], verb: "watch", version: "v1", resource: "pods"),
        Case(method: .get, path: "/api/v1/namespaces/default/pods/p1", verb: "get", version: "v1", namespace: "default", resource: "pods", name: "p1"),
        Case(method: .post, path: "/api/v1/namespaces/default/pods", verb: "create", version: "v1", namespace: "default", resource: "pods"),
        Case(method: .put, path: "/api/v1/namespaces/default/pods/p1/status", verb: "update", version: "v1", namespace: "default", resource: "pods", subresource: "status", name: "p1"),
        Case(method: .delete, path: "/api/v1/namespaces/default/configmaps", verb: "deletecollection", version: "v1", namespace: "default", resource: "configmaps"),
        Case(method: .patch, path: "/apis/apps/v1/namespaces/ns/deployments/web/scale", verb: "patch", group: "apps", version: "v1", namespace: "ns", resource: "deployments", subresource: "scale", name: "web"),
        Case(method: .get, path: "/api/v1/namespaces", verb: "list", version: "v1", resource: "namespaces"),
        Case(method: .get, path: "/api/v1/namespaces/kube-system", verb: "get", version: "v1", namespace: "kube-system", resource: "namespaces", name: "kube-system"),
        Case(method: .put, path: "/api/v1/namespaces/x/finalize", verb: "update", version: "v1", namespace: "x", resource: "namespaces", subresource: "finalize", name: "x"),
        Case(method: .get, path: "/api/v1/watch/namespaces/default/pods", verb: "watch", version: "v1", namespace: "default", resource: "pods"),
        Case(method: .get, path: "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin", verb: "get", group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", name: "admin"),
        Case(method: .get, path: "/api/v1/namespaces/default/pods/p1/log", verb: "get", version: "v1", namespace: "default", resource: "pods", subresource: "log", name: "p1"),
        Case(method: .get, path: "/apis/apps/v1", verb: "get", isResource: false),
        Case(method: .get, path: "/apis/apps", verb: "get", isResource: false),
        Case(method: .get, path: "/api", verb: "get", isResource: false),
        Case(method: .get, path: "/healthz", verb: "get", isResource: false),
        Case(method: .get, path: "/openapi/v3/apis/apps/v1", verb: "get", isResource: false),
    ]

    @Test(arguments: cases)
    func parses(_ c: Case) {
        let info = RequestInfo(method: c.method, path: c.path, query: c.query)
        #expect(info.isResourceRequest == c.isResource)
        #expect(info.verb == c.verb)
        guard c.isResource else { return }
        #expect(info.apiGroup == c.group)
        #expect(info.apiVersion == c.version)
        #expect(info.namespace == c.namespace)
        #expect(info.resource == c.resource)
        #expect(info.subresource == c.subresource)
        #expect(info.name == c.name)
    }
}
