@testable import APIServer
import Testing

@Suite("Request target parsing")
struct HTTPRequestTargetTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var target: String
        var path: String
        var query: [String]
        var testDescription: String { target }
    }

    @Test(
        "paths and queries are percent-decoded like Go's net/url",
        arguments: [
            Case(target: "/", path: "/", query: []),
            Case(target: "/api/v1/pods", path: "/api/v1/pods", query: []),
            Case(target: "/api/v1/namespaces/a%20b/pods", path: "/api/v1/namespaces/a b/pods", query: []),
            Case(target: "/a+b", path: "/a+b", query: []),
            Case(target: "/x%2Fy", path: "/x/y", query: []),
            Case(target: "/caf%C3%A9", path: "/café", query: []),
            Case(target: "/p?watch=true&limit=500", path: "/p", query: ["watch=true", "limit=500"]),
            Case(target: "/p?labelSelector=app%3Dweb%2Ctier+in+(a%2Cb)", path: "/p", query: ["labelSelector=app=web,tier in (a,b)"]),
            Case(target: "/p?a=1&a=2&&b", path: "/p", query: ["a=1", "a=2", "b="]),
            Case(target: "/p?x=%zz&y=1", path: "/p", query: ["y=1"]),
            Case(target: "/p?x=1;y=2&z=3", path: "/p", query: ["z=3"]),
            Case(target: "/p?x==1", path: "/p", query: ["x==1"]),
            Case(target: "/p?", path: "/p", query: []),
            Case(target: "/p#frag", path: "/p", query: []),
            Case(target: "https://example.test:6443/api?x=1", path: "/api", query: ["x=1"]),
            Case(target: "https://example.test", path: "/", query: []),
        ])
    func decodes(_ testCase: Case) throws {
        let target = try #require(RequestTarget(testCase.target))
        #expect(target.path == testCase.path)
        #expect(target.query.map { "\($0.name)=\($0.value)" } == testCase.query)
    }

    @Test("malformed targets are refused", arguments: ["/a%zz", "/a%2", "/a%", "api/v1", "*", ""])
    func refuses(_ target: String) {
        #expect(RequestTarget(target) == nil)
    }
}

@Suite("Request metrics")
struct HTTPMetricsTests {
    @Test("requests are counted by verb, resource, scope and code")
    func counts() {
        let metrics = APIMetrics()
        let list = RequestInfo(method: .get, path: "/api/v1/namespaces/default/pods", query: [])
        let watch = RequestInfo(method: .get, path: "/api/v1/pods", query: [(name: "watch", value: "true")])
        let create = RequestInfo(method: .post, path: "/apis/apps/v1/namespaces/d/deployments", query: [])
        metrics.record(requestInfo: list, code: 200, duration: .zero)
        metrics.record(requestInfo: list, code: 200, duration: .milliseconds(500))
        metrics.record(requestInfo: watch, code: 200, duration: .seconds(2))
        metrics.record(requestInfo: create, code: 409, duration: .milliseconds(10))
        #expect(metrics.requestCount(verb: "LIST", resource: "pods", code: 200) == 2)
        #expect(metrics.requestCount(verb: "WATCH", resource: "pods", code: 200) == 1)
        #expect(metrics.requestCount(verb: "POST", resource: "deployments", code: 409) == 1)

        let text = String(decoding: metrics.prometheusText(), as: UTF8.self)
        let listLabels = #"component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1""#
        #expect(text.contains("apiserver_request_total{code=\"200\",\(listLabels)} 2\n"))
        #expect(text.contains("apiserver_request_duration_seconds_bucket{\(listLabels),le=\"0.005\"} 1\n"))
        #expect(text.contains("apiserver_request_duration_seconds_bucket{\(listLabels),le=\"0.4\"} 1\n"))
        #expect(text.contains("apiserver_request_duration_seconds_bucket{\(listLabels),le=\"0.6\"} 2\n"))
        #expect(text.contains("apiserver_request_duration_seconds_bucket{\(listLabels),le=\"+Inf\"} 2\n"))
        #expect(text.contains("apiserver_request_duration_seconds_sum{\(listLabels)} 0.5\n"))
        #expect(text.contains("apiserver_request_duration_seconds_count{\(listLabels)} 2\n"))
        #expect(text.contains(#"apiserver_request_total{code="409",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="POST",version="v1"} 1"#))
        #expect(text.contains(#"scope="cluster",subresource="",verb="WATCH""#))
    }

    @Test("watchers and datastore latency are exposed")
    func watchersAndDatastore() {
        let metrics = APIMetrics()
        metrics.watchStarted(group: "apps", version: "v1", kind: "Deployment")
        metrics.watchStarted(group: "apps", version: "v1", kind: "Deployment")
        metrics.watchEnded(group: "apps", version: "v1", kind: "Deployment")
        metrics.watchEnded(group: "", version: "v1", kind: "Pod")
        #expect(metrics.watcherCount(group: "apps", version: "v1", kind: "Deployment") == 1)
        #expect(metrics.watcherCount(group: "", version: "v1", kind: "Pod") == 0)
        metrics.recordDatastore(operation: "get", type: "configmaps", duration: .microseconds(1500))

        let text = String(decoding: metrics.prometheusText(), as: UTF8.self)
        #expect(text.contains("# TYPE apiserver_registered_watchers gauge\n"))
        #expect(text.contains(#"apiserver_registered_watchers{group="apps",kind="Deployment",version="v1"} 1"#))
        #expect(text.contains("# TYPE etcd_request_duration_seconds histogram\n"))
        #expect(text.contains(#"etcd_request_duration_seconds_bucket{operation="get",type="configmaps",le="0.005"} 1"#))
        #expect(text.contains(#"etcd_request_duration_seconds_count{operation="get",type="configmaps"} 1"#))
    }

    @Test("label values are escaped")
    func escaping() {
        let metrics = APIMetrics()
        metrics.recordDatastore(operation: "a\"b\\c\nd", type: "t", duration: .zero)
        let text = String(decoding: metrics.prometheusText(), as: UTF8.self)
        #expect(text.contains(#"etcd_request_duration_seconds_count{operation="a\"b\\c\nd",type="t"} 1"#))
    }
}

@Suite("Router")
struct HTTPRouterTests {
    struct Fixed: APIHandler {
        var text: String
        func handle(_ request: APIRequest) async -> APIResponse {
            APIResponse(status: .ok, body: .bytes(Array(text.utf8)))
        }
    }

    private func body(_ response: APIResponse) -> String {
        guard case .bytes(let bytes) = response.body else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("routes are tried in order; prefixes match whole segments; the fallback answers the rest")
    func routing() async {
        let router = APIRouter(
            [
                APIRouter.Entry(prefixes: ["/healthz"], route: ClosureRoute { _ in APIResponse(status: .ok, body: .bytes(Array("health".utf8))) }),
                APIRouter.Entry(route: ClosureRoute { $0.path == "/declines" ? nil : nil }),
                APIRouter.Entry(prefixes: ["/api/"], route: HandlerRoute(Fixed(text: "api"))),
            ],
            fallback: Fixed(text: "fallback"))
        #expect(body(await router.handle(APIRequest(method: .get, path: "/healthz"))) == "health")
        #expect(body(await router.handle(APIRequest(method: .get, path: "/healthz/ping"))) == "health")
        #expect(body(await router.handle(APIRequest(method: .get, path: "/healthzz"))) == "fallback")
        #expect(body(await router.handle(APIRequest(method: .get, path: "/api/v1"))) == "api")
        #expect(body(await router.handle(APIRequest(method: .get, path: "/declines"))) == "fallback")
    }

    @Test("the default fallback is the API server's 404 Status")
    func notFound() async {
        let response = await APIRouter(routes: []).handle(APIRequest(method: .get, path: "/x"))
        #expect(response.status == .notFound)
        #expect(response.headers[.contentType] == "application/json")
        #expect(body(response).contains(#""reason":"NotFound""#))
    }
}
