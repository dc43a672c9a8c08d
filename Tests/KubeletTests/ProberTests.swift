import KubeAPI
import Synchronization
import Testing
@testable import Kubelet

@Suite("Prober: one probe attempt of each kind")
struct ProberTests {
    let container = probedContainer(ports: [CoreV1.ContainerPort(containerPort: 8443, name: "https")])

    func prober(
        dialer: ScriptedDialer = ScriptedDialer(),
        exec: @escaping Prober.Exec = { _, _, _ in CRI.ExecSyncResult() }
    ) -> Prober {
        Prober(exec: exec, dialer: dialer, userAgent: "kube-probe/1.36")
    }

    func target() -> Prober.Target { Prober.Target(containerID: "c1", container: container, podIP: "10.42.0.7") }

    @Test func execSucceedsOnExitZeroAndPassesTheTimeout() async {
        let seen = Mutex<(String, [String], Duration)?>(nil)
        let prober = prober(exec: { id, command, timeout in
            seen.withLock { $0 = (id, command, timeout) }
            return CRI.ExecSyncResult(stdout: bytes("ok"), exitCode: 0)
        })
        let result = await prober.run(execProbe(["cat", "/tmp/healthy"], timeout: 3), target: target())
        #expect(result == .success)
        let call = seen.withLock { $0 }
        #expect(call?.0 == "c1")
        #expect(call?.1 == ["cat", "/tmp/healthy"])
        #expect(call?.2 == .seconds(3))
    }

    @Test func execFailsWithItsOutputOnNonZeroExit() async {
        let prober = prober(exec: { _, _, _ in
            CRI.ExecSyncResult(stdout: bytes("cat: "), stderr: bytes("can't open '/tmp/healthy'"), exitCode: 1)
        })
        let result = await prober.run(execProbe(["cat", "/tmp/healthy"]), target: target())
        #expect(result == .failure("cat: can't open '/tmp/healthy'"))
    }

    @Test func execTimeoutIsAFailure() async {
        let prober = prober(exec: { _, _, _ in throw RuntimeError(.deadlineExceeded, "timeout 1s exceeded") })
        let result = await prober.run(execProbe(["sleep", "10"]), target: target())
        #expect(result == .failure("command \"sleep 10\" timed out"))
    }

    @Test func execOnAStoppedContainerIsAnError() async {
        let prober = prober(exec: { _, _, _ in throw RuntimeError(.failedPrecondition, "container c1 is not running") })
        let result = await prober.run(execProbe(), target: target())
        #expect(result == .error("container c1 is not running"))
        #expect(!result.isSuccess)
    }

    @Test func httpGoesToThePodIPWithHeadersAndSucceedsFrom200To299() async {
        let dialer = ScriptedDialer()
        let probe = httpProbe(path: "healthz?full=1", headers: [CoreV1.HTTPHeader(name: "X-Custom", value: "yes")])
        #expect(await prober(dialer: dialer).run(probe, target: target()) == .success)
        let request = dialer.httpRequests.withLock { $0 }.first
        #expect(request?.url == "http://10.42.0.7:8080/healthz?full=1")
        let headers = (request?.headers ?? []).map { "\($0.name ?? ""): \($0.value ?? "")" }
        #expect(headers == ["X-Custom: yes", "User-Agent: kube-probe/1.36", "Accept: */*"])
    }

    @Test func httpFailsWithTheStatusCode() async {
        let dialer = ScriptedDialer(.init(http: { _ in HTTPProbeResponse(statusCode: 500, body: bytes("boom")) }))
        #expect(await prober(dialer: dialer).run(httpProbe(), target: target()) == .failure("HTTP probe failed with statuscode: 500"))
        dialer.update { $0.http = { _ in HTTPProbeResponse(statusCode: 404) } }
        #expect(await prober(dialer: dialer).run(httpProbe(), target: target()) == .failure("HTTP probe failed with statuscode: 404"))
        dialer.update { $0.http = { _ in HTTPProbeResponse(statusCode: 399) } }
        #expect(await prober(dialer: dialer).run(httpProbe(), target: target()).isSuccess)
    }

    @Test func httpSchemeHostAndNamedPort() async {
        let dialer = ScriptedDialer()
        let probe = httpProbe(path: nil, port: .string("https"), scheme: "HTTPS", host: "10.0.0.9")
        #expect(await prober(dialer: dialer).run(probe, target: target()) == .success)
        #expect(dialer.calls == ["http https://10.0.0.9:8443/"])
    }

    @Test func anUnknownPortNameIsAnError() async {
        let result = await prober().run(httpProbe(port: .string("metrics")), target: target())
        #expect(result == .error("couldn't find port: metrics in main"))
    }

    @Test func httpConnectionErrorsAndTimeoutsFailWithGoShapedMessages() async {
        let dialer = ScriptedDialer(.init(http: { _ in
            throw ProbeDialError(.connect, "dial tcp 10.42.0.7:8080: connect: connection refused")
        }))
        #expect(await prober(dialer: dialer).run(httpProbe(), target: target())
            == .failure("Get \"http://10.42.0.7:8080/healthz\": dial tcp 10.42.0.7:8080: connect: connection refused"))
        dialer.update { $0.http = { _ in throw ProbeDialError(.timeout, "context deadline exceeded (Client.Timeout exceeded while awaiting headers)") } }
        #expect(await prober(dialer: dialer).run(httpProbe(), target: target())
            == .failure("Get \"http://10.42.0.7:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"))
    }

    @Test func sameHostRedirectsAreFollowedOtherHostsEndTheProbeWithAWarning() async {
        let dialer = ScriptedDialer(.init(http: { request in
            switch request.path {
            case "/healthz": HTTPProbeResponse(statusCode: 301, location: "/live")
            case "/live": HTTPProbeResponse(statusCode: 302, location: "http://10.42.0.7:9090/ok")
            case "/ok": HTTPProbeResponse(statusCode: 302, location: "http://example.com/elsewhere", body: bytes("moved"))
            default: HTTPProbeResponse(statusCode: 500)
            }
        }))
        let result = await prober(dialer: dialer).run(httpProbe(), target: target())
        #expect(result == .warning("Probe terminated redirects, Response body: moved"))
        #expect(result.isSuccess)
        #expect(dialer.calls == [
            "http http://10.42.0.7:8080/healthz", "http http://10.42.0.7:8080/live", "http http://10.42.0.7:9090/ok",
        ])
    }

    @Test func aRedirectToAFailingPageFails() async {
        let dialer = ScriptedDialer(.init(http: { request in
            request.path == "/healthz" ? HTTPProbeResponse(statusCode: 307, location: "/down") : HTTPProbeResponse(statusCode: 503)
        }))
        #expect(await prober(dialer: dialer).run(httpProbe(), target: target()) == .failure("HTTP probe failed with statuscode: 503"))
    }

    @Test func endlessRedirectsStopAfterTen() async {
        let dialer = ScriptedDialer(.init(http: { _ in HTTPProbeResponse(statusCode: 302, location: "/again") }))
        let result = await prober(dialer: dialer).run(httpProbe(), target: target())
        #expect(result == .failure("Get \"http://10.42.0.7:8080/again\": stopped after 10 redirects"))
        #expect(dialer.calls.count == 11)
    }

    @Test func tcpSucceedsOnConnectAndFailsWithTheDialError() async {
        let dialer = ScriptedDialer()
        var probe = CoreV1.Probe()
        probe.tcpSocket = CoreV1.TCPSocketAction(port: .int(5432))
        #expect(await prober(dialer: dialer).run(probe, target: target()) == .success)
        #expect(dialer.calls == ["tcp 10.42.0.7:5432"])
        dialer.update { $0.tcp = { _, _ in throw ProbeDialError(.connect, "dial tcp 10.42.0.7:5432: connect: connection refused") } }
        #expect(await prober(dialer: dialer).run(probe, target: target()) == .failure("dial tcp 10.42.0.7:5432: connect: connection refused"))
        dialer.update { $0.tcp = { _, _ in throw ProbeDialError(.timeout, "dial tcp 10.42.0.7:5432: i/o timeout") } }
        #expect(await prober(dialer: dialer).run(probe, target: target()) == .failure("dial tcp 10.42.0.7:5432: i/o timeout"))
    }

    @Test func grpcNeedsServing() async {
        let dialer = ScriptedDialer()
        var probe = CoreV1.Probe()
        probe.grpc = CoreV1.GRPCAction(port: 9090, service: "db")
        #expect(await prober(dialer: dialer).run(probe, target: target()) == .success)
        #expect(dialer.calls == ["grpc 10.42.0.7:9090 db"])
        dialer.update { $0.grpc = { _, _, _ in GRPCHealthAnswer(servingStatus: 2) } }
        #expect(await prober(dialer: dialer).run(probe, target: target()) == .failure("service unhealthy (responded with \"NOT_SERVING\")"))
        dialer.update { $0.grpc = { _, _, _ in GRPCHealthAnswer(grpcStatus: 12, grpcMessage: "unknown service grpc.health.v1.Health") } }
        #expect(await prober(dialer: dialer).run(probe, target: target())
            == .failure("this server doesn't implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health"))
        dialer.update { $0.grpc = { _, _, _ in GRPCHealthAnswer(grpcStatus: 4, grpcMessage: "context deadline exceeded") } }
        #expect(await prober(dialer: dialer).run(probe, target: target()) == .failure("timeout: health rpc did not complete within 1s"))
        dialer.update { $0.grpc = { _, _, _ in throw ProbeDialError(.connect, "dial tcp 10.42.0.7:9090: connect: connection refused") } }
        #expect(await prober(dialer: dialer).run(probe, target: target())
            == .failure("timeout: failed to connect service \"10.42.0.7:9090\" within 1s: dial tcp 10.42.0.7:9090: connect: connection refused"))
    }

    @Test func redirectLocationsResolveAgainstTheRequest() {
        let base = HTTPProbeRequest(scheme: "http", host: "10.0.0.1", port: 8080, path: "/a/b?x=1")
        #expect(Prober.redirect(base, to: "c")?.url == "http://10.0.0.1:8080/a/c")
        #expect(Prober.redirect(base, to: "/d")?.url == "http://10.0.0.1:8080/d")
        #expect(Prober.redirect(base, to: "https://10.0.0.1/e")?.url == "https://10.0.0.1:443/e")
        #expect(Prober.redirect(base, to: "http://[fd00::1]:81")?.url == "http://[fd00::1]:81/")
        #expect(Prober.redirect(base, to: "ftp://x/y") == nil)
    }

    @Test func theUserAgentNamesTheKubeletsMinorVersion() {
        #expect(Kubelet.probeUserAgent(kubeletVersion: "v1.36.2+k3s-swift") == "kube-probe/1.36")
    }
}
