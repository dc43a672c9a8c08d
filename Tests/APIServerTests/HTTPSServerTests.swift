@testable import APIServer
import ClusterTesting
import Foundation
import HTTPTypes
import Testing

@Suite("HTTPS transport over loopback")
struct HTTPSServerTests {
    @Test("a request reaches the handler intact", arguments: [false, true])
    func requestIntact(http2: Bool) async throws {
        let handler = RecordingHandler()
        try await withTestServer(handler: handler) { _, port in
            let result = try await curl(
                port: port,
                path: "/api/v1/namespaces/a%20b/config%2Fmaps?labelSelector=app%3Dweb&x=1&x=2&plus=a+b&flag",
                http2: http2,
                extraArguments: [
                    "-X", "POST", "-H", "X-Test: yes", "-H", "Content-Type: application/json",
                    "--data-binary", #"{"a":1}"#,
                ])
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(result.status == 200)
            #expect(result.httpVersion == (http2 ? "2" : "1.1"))
            #expect(result.text == "handled POST /api/v1/namespaces/a b/config/maps")
            #expect(result.headers["content-length"] == String(result.body.count))

            let request = try #require(handler.recorded.first)
            #expect(request.method == .post)
            #expect(request.path == "/api/v1/namespaces/a b/config/maps")
            #expect(request.query.map { "\($0.name)=\($0.value)" } == ["labelSelector=app=web", "x=1", "x=2", "plus=a b", "flag="])
            #expect(request.headers[HTTPField.Name("X-Test")!] == "yes")
            #expect(request.headers[.contentType] == "application/json")
            #expect(request.body == Array(#"{"a":1}"#.utf8))
            #expect(request.clientCertificate == ClientCertificate(commonName: "alice", organizations: ["dev", "ops"]))
            let remote = try #require(request.remoteAddress)
            #expect(remote.hasPrefix("127.0.0.1:"))
        }
    }

    @Test("a client without a certificate is served without one", arguments: [false, true])
    func noClientCertificate(http2: Bool) async throws {
        let handler = RecordingHandler()
        try await withTestServer(handler: handler) { _, port in
            let result = try await curl(port: port, path: "/version", http2: http2, clientCert: nil)
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(result.status == 200)
            let request = try #require(handler.recorded.first)
            #expect(request.clientCertificate == nil)
            #expect(request.method == .get)
        }
    }

    @Test("a client certificate from an unknown CA fails the handshake", arguments: [false, true])
    func rogueCertificate(http2: Bool) async throws {
        let handler = RecordingHandler()
        try await withTestServer(handler: handler) { _, port in
            let result = try await curl(port: port, path: "/version", http2: http2, clientCert: "rogue")
            #expect(result.exitCode != 0)
            #expect(result.status == 0)
            #expect(handler.recorded.isEmpty)
        }
    }

    @Test("a server without a client CA does not ask for certificates")
    func noClientCA() async throws {
        let handler = RecordingHandler()
        var credentials = TestPKI.shared.credentials
        credentials.clientCAPEM = nil
        try await withTestServer(handler: handler, credentials: credentials) { _, port in
            let result = try await curl(port: port, path: "/x", http2: true, clientCert: "rogue")
            #expect(result.status == 200, "\(result.stderr)")
            #expect(try #require(handler.recorded.first).clientCertificate == nil)
        }
    }

    struct OversizeCase: Sendable, CustomTestStringConvertible {
        var http2: Bool
        var chunked: Bool
        var testDescription: String { "\(http2 ? "h2" : "http/1.1")\(chunked ? " chunked" : "")" }
    }

    @Test(
        "a body over the limit gets a 413 Status and never reaches the handler",
        arguments: [
            OversizeCase(http2: false, chunked: false), OversizeCase(http2: false, chunked: true),
            OversizeCase(http2: true, chunked: false),
        ])
    func oversizeBody(_ testCase: OversizeCase) async throws {
        let handler = RecordingHandler()
        try await withTestServer(handler: handler, configure: { $0.maxRequestBodySize = 1000 }) { _, port in
            var arguments = ["-X", "POST", "--data-binary", String(repeating: "x", count: 1001)]
            if testCase.chunked { arguments += ["-H", "Transfer-Encoding: chunked"] }
            let result = try await curl(port: port, path: "/api/v1/configmaps", http2: testCase.http2, extraArguments: arguments)
            #expect(result.status == 413, "\(result.stderr)")
            #expect(
                result.text
                    == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Request entity too large: limit is 1000","reason":"RequestEntityTooLarge","code":413}"# + "\n"
            )
            #expect(result.headers["content-type"] == "application/json")
            #expect(handler.recorded.isEmpty)

            // A body exactly at the limit is accepted.
            let fits = try await curl(
                port: port, path: "/api/v1/configmaps", http2: testCase.http2,
                extraArguments: ["-X", "POST", "--data-binary", String(repeating: "y", count: 1000)])
            #expect(fits.status == 200)
            #expect(try #require(handler.recorded.last).body.count == 1000)
        }
    }

    @Test("the default limit is 3 MiB", arguments: [false, true])
    func defaultLimit(http2: Bool) async throws {
        let handler = RecordingHandler()
        let file = TestPKI.shared.directory.appendingPathComponent("big-\(UUID().uuidString)")
        try Data(repeating: UInt8(ascii: "z"), count: 3 * 1024 * 1024 + 1).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await withTestServer(handler: handler) { _, port in
            let result = try await curl(
                port: port, path: "/api/v1/namespaces/default/configmaps", http2: http2,
                extraArguments: ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@\(file.path)"])
            #expect(result.status == 413, "\(result.stderr)")
            #expect(
                result.text
                    == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge","code":413}"# + "\n"
            )
            #expect(handler.recorded.isEmpty)
        }
    }

    @Test("a large body under the limit arrives intact (HTTP/1.1 sends Expect: 100-continue)", arguments: [false, true])
    func largeBody(http2: Bool) async throws {
        let handler = RecordingHandler()
        let file = TestPKI.shared.directory.appendingPathComponent("large-\(UUID().uuidString)")
        let payload = (0..<(2 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(payload).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await withTestServer(handler: handler) { _, port in
            let result = try await curl(
                port: port, path: "/upload", http2: http2,
                extraArguments: ["-X", "PUT", "--data-binary", "@\(file.path)"])
            #expect(result.status == 200, "\(result.stderr)")
            let request = try #require(handler.recorded.first)
            #expect(request.method == .put)
            #expect(request.body == payload)
        }
    }

    @Test("a malformed percent escape in the path is a 400 Status", arguments: [false, true])
    func malformedPath(http2: Bool) async throws {
        let handler = RecordingHandler()
        try await withTestServer(handler: handler) { _, port in
            let result = try await curl(port: port, path: "/api/v1/pods%zz", http2: http2, extraArguments: ["--path-as-is"])
            #expect(result.status == 400)
            #expect(result.text.contains(#""reason":"BadRequest""#))
            #expect(handler.recorded.isEmpty)
        }
    }

    @Test("HEAD gets the headers and no body", arguments: [false, true])
    func head(http2: Bool) async throws {
        let handler = RecordingHandler()
        try await withTestServer(handler: handler) { _, port in
            let result = try await curl(port: port, path: "/thing", http2: http2, extraArguments: ["--head"])
            #expect(result.status == 200)
            #expect(result.headers["content-length"] == String("handled HEAD /thing".utf8.count))
            #expect(handler.recorded.first?.method == .head)
        }
    }

    @Test("HTTP/1.1 keeps the connection alive between requests")
    func keepAlive() async throws {
        let handler = RecordingHandler()
        try await withTestServer(handler: handler) { _, port in
            let pki = TestPKI.shared
            let url = "https://127.0.0.1:\(port)/one"
            let process = CurlProcess(arguments: [
                "--silent", "--show-error", "--http1.1", "--cacert", pki.caFile,
                "-w", "%{http_code}:%{num_connects}\n", "-o", "/dev/null", url, "-o", "/dev/null", url + "?again",
            ])
            let (code, stdout, stderr) = try await process.run(timeout: .seconds(30))
            #expect(code == 0, "\(stderr)")
            #expect(stdout == "200:1\n200:0\n")
            #expect(handler.recorded.map(\.path) == ["/one", "/one"])
        }
    }

    @Test("HTTP/2 serves many concurrent streams on one connection")
    func concurrentStreams() async throws {
        let handler = RecordingHandler()
        try await withTestServer(handler: handler) { _, port in
            let pki = TestPKI.shared
            var arguments = [
                "--silent", "--show-error", "--http2", "--parallel", "--parallel-immediate", "--parallel-max", "20",
                "--cacert", pki.caFile, "-w", "%{http_code} %{http_version}\n",
            ]
            for index in 0..<20 {
                arguments += ["-o", "/dev/null", "https://127.0.0.1:\(port)/item/\(index)"]
            }
            let (code, stdout, stderr) = try await CurlProcess(arguments: arguments).run(timeout: .seconds(30))
            #expect(code == 0, "\(stderr)")
            #expect(stdout.split(separator: "\n").count == 20)
            #expect(stdout.split(separator: "\n").allSatisfy { $0 == "200 2" })
            #expect(Set(handler.recorded.map(\.path)) == Set((0..<20).map { "/item/\($0)" }))
        }
    }
}
