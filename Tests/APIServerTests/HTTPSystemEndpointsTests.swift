@testable import APIServer
import ClusterTesting
import Foundation
import HTTPTypes
import KubeAPI
import Testing

@Suite("System endpoints")
struct HTTPSystemEndpointsTests {
    private func get(_ endpoints: SystemEndpoints, _ target: String) async throws -> APIResponse? {
        let parsed = try #require(RequestTarget(target))
        return await endpoints.respond(to: APIRequest(method: .get, path: parsed.path, query: parsed.query))
    }

    private func text(_ response: APIResponse?) -> String? {
        guard case .bytes(let bytes)? = response?.body else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("probes pass with ok, and list checks with ?verbose", arguments: HealthProbe.allCases)
    func passing(probe: HealthProbe) async throws {
        let endpoints = SystemEndpoints(metrics: APIMetrics())
        endpoints.addCheck(name: "etcd") { true }
        let plain = try await get(endpoints, "/\(probe.rawValue)")
        #expect(plain?.status == .ok)
        #expect(text(plain) == "ok")
        #expect(plain?.headers[.contentType] == "text/plain; charset=utf-8")
        #expect(plain?.headers[.xContentTypeOptions] == "nosniff")

        let verbose = try await get(endpoints, "/\(probe.rawValue)?verbose")
        #expect(verbose?.status == .ok)
        #expect(text(verbose) == "[+]ping ok\n[+]etcd ok\n\(probe.rawValue) check passed\n")
    }

    @Test("a failing check fails the probe with 500 and withholds the reason")
    func failing() async throws {
        let endpoints = SystemEndpoints(metrics: APIMetrics())
        endpoints.addCheck(name: "etcd") { false }
        endpoints.addCheck(name: "informer-sync", probes: [.readyz]) { true }

        let readyz = try await get(endpoints, "/readyz")
        #expect(readyz?.status == .internalServerError)
        #expect(text(readyz) == "[+]ping ok\n[-]etcd failed: reason withheld\n[+]informer-sync ok\nreadyz check failed\n")

        let livez = try await get(endpoints, "/livez?verbose")
        #expect(livez?.status == .internalServerError)
        #expect(text(livez) == "[+]ping ok\n[-]etcd failed: reason withheld\nlivez check failed\n")

        let excluded = try await get(endpoints, "/readyz?verbose&exclude=etcd")
        #expect(excluded?.status == .ok)
        #expect(text(excluded) == "[+]ping ok\n[+]etcd excluded: ok\n[+]informer-sync ok\nreadyz check passed\n")

        let single = try await get(endpoints, "/readyz/etcd")
        #expect(single?.status == .internalServerError)
        let ping = try await get(endpoints, "/readyz/ping")
        #expect(ping?.status == .ok)
        #expect(text(ping) == "ok")
        #expect(try await get(endpoints, "/readyz/nonexistent") == nil)
        #expect(try await get(endpoints, "/livez/informer-sync") == nil)
    }

    @Test("a check registered again replaces the first")
    func replace() async throws {
        let endpoints = SystemEndpoints(metrics: APIMetrics())
        endpoints.addCheck(name: "etcd") { false }
        endpoints.addCheck(name: "etcd") { true }
        #expect(try await get(endpoints, "/healthz")?.status == .ok)
    }

    @Test("/version answers the version document")
    func version() async throws {
        let endpoints = SystemEndpoints(
            version: VersionInfo(gitCommit: "abc123", buildDate: "2026-11-29T00:00:00Z"), metrics: APIMetrics())
        let response = try #require(try await get(endpoints, "/version"))
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "application/json")
        let body = try #require(text(response))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String])
        #expect(object["major"] == "1")
        #expect(object["minor"] == "36")
        #expect(object["gitVersion"] == "v1.36.2+k3s-swift")
        #expect(object["gitCommit"] == "abc123")
        // Build facts not given are unknown (empty), never made up.
        #expect(object["gitTreeState"] == "")
        #expect(object["buildDate"] == "2026-11-29T00:00:00Z")
        #expect(object["goVersion"]?.hasPrefix("swift") == true)
        #expect(object["platform"] == VersionInfo.currentPlatform)
        #expect(body.hasPrefix("{\n  \"major\": \"1\",\n  \"minor\": \"36\",\n"))
    }

    @Test("/metrics answers Prometheus text")
    func metrics() async throws {
        let metrics = APIMetrics()
        let info = RequestInfo(method: .get, path: "/api/v1/namespaces/default/pods", query: [])
        metrics.record(requestInfo: info, code: 200, duration: .milliseconds(30))
        let endpoints = SystemEndpoints(metrics: metrics)
        let response = try #require(try await get(endpoints, "/metrics"))
        #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
        let body = try #require(text(response))
        #expect(body.contains("# TYPE apiserver_request_total counter\n"))
        #expect(body.contains(#"apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 1"#))
    }

    @Test("other paths are not answered", arguments: ["/", "/api", "/healthzz", "/metricsx", "/apis/apps/v1"])
    func otherPaths(path: String) async throws {
        let endpoints = SystemEndpoints(metrics: APIMetrics())
        #expect(try await get(endpoints, path) == nil)
    }

    @Test("over TLS, routed with a fallback", arguments: [false, true])
    func overTLS(http2: Bool) async throws {
        let metrics = APIMetrics()
        let endpoints = SystemEndpoints(metrics: metrics)
        endpoints.addCheck(name: "etcd", probes: [.readyz]) { true }
        let router = APIRouter([APIRouter.Entry(prefixes: SystemEndpoints.pathPrefixes, route: endpoints)])
        try await withTestServer(handler: router) { _, port in
            let healthz = try await curl(port: port, path: "/healthz", http2: http2)
            #expect(healthz.status == 200)
            #expect(healthz.text == "ok")

            let readyz = try await curl(port: port, path: "/readyz?verbose", http2: http2)
            #expect(readyz.status == 200)
            #expect(readyz.text == "[+]ping ok\n[+]etcd ok\nreadyz check passed\n")

            let version = try await curl(port: port, path: "/version", http2: http2)
            #expect(version.status == 200)
            #expect(version.text.contains(#""gitVersion": "v1.36.2+k3s-swift""#))

            let metricsText = try await curl(port: port, path: "/metrics", http2: http2)
            #expect(metricsText.status == 200)
            #expect(metricsText.text.contains("# TYPE apiserver_request_duration_seconds histogram"))

            let missing = try await curl(port: port, path: "/nothing/here", http2: http2)
            #expect(missing.status == 404)
            #expect(
                missing.text
                    == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"# + "\n"
            )
        }
    }
}
