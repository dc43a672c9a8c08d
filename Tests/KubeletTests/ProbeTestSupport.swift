import KubeAPI
import Synchronization
@testable import Kubelet

/// A `ProbeDialer` whose answers a test scripts, recording every request.
final class ScriptedDialer: ProbeDialer {
    struct Script: Sendable {
        var http: @Sendable (HTTPProbeRequest) throws -> HTTPProbeResponse = { _ in HTTPProbeResponse(statusCode: 200) }
        var tcp: @Sendable (String, Int) throws -> Void = { _, _ in }
        var grpc: @Sendable (String, Int, String) throws -> GRPCHealthAnswer = { _, _, _ in GRPCHealthAnswer(servingStatus: 1) }
    }

    private let script: Mutex<Script>
    private let log = Mutex<[String]>([])
    let httpRequests = Mutex<[HTTPProbeRequest]>([])

    init(_ script: Script = Script()) {
        self.script = Mutex(script)
    }

    /// Replaces the script.
    func update(_ change: (inout Script) -> Void) { script.withLock { change(&$0) } }

    /// What was asked, in order (`http URL`, `tcp HOST:PORT`, `grpc HOST:PORT SERVICE`).
    var calls: [String] { log.withLock { $0 } }

    func httpGet(_ request: HTTPProbeRequest, timeout: Duration) async throws -> HTTPProbeResponse {
        log.withLock { $0.append("http \(request.url)") }
        httpRequests.withLock { $0.append(request) }
        return try script.withLock { $0.http }(request)
    }

    func tcpConnect(host: String, port: Int, timeout: Duration) async throws {
        log.withLock { $0.append("tcp \(host):\(port)") }
        try script.withLock { $0.tcp }(host, port)
    }

    func grpcHealthCheck(host: String, port: Int, service: String, timeout: Duration) async throws -> GRPCHealthAnswer {
        log.withLock { $0.append("grpc \(host):\(port) \(service)") }
        return try script.withLock { $0.grpc }(host, port, service)
    }
}

/// A container with the given probes and lifecycle.
func probedContainer(
    _ name: String = "main", ports: [CoreV1.ContainerPort]? = nil, startup: CoreV1.Probe? = nil,
    liveness: CoreV1.Probe? = nil, readiness: CoreV1.Probe? = nil, lifecycle: CoreV1.Lifecycle? = nil
) -> CoreV1.Container {
    var container = CoreV1.Container(image: "nginx:1.27", name: name)
    container.ports = ports
    container.startupProbe = startup
    container.livenessProbe = liveness
    container.readinessProbe = readiness
    container.lifecycle = lifecycle
    return container
}

/// An exec probe with the given timings.
func execProbe(
    _ command: [String] = ["check"], period: Int? = nil, initialDelay: Int? = nil, timeout: Int? = nil,
    success: Int? = nil, failure: Int? = nil, grace: Int? = nil
) -> CoreV1.Probe {
    var probe = CoreV1.Probe()
    probe.exec = CoreV1.ExecAction(command: command)
    probe.periodSeconds = period
    probe.initialDelaySeconds = initialDelay
    probe.timeoutSeconds = timeout
    probe.successThreshold = success
    probe.failureThreshold = failure
    probe.terminationGracePeriodSeconds = grace
    return probe
}

/// An HTTP GET probe.
func httpProbe(path: String? = "/healthz", port: IntOrString = .int(8080), scheme: String? = nil, host: String? = nil,
               headers: [CoreV1.HTTPHeader]? = nil, period: Int? = nil, failure: Int? = nil) -> CoreV1.Probe {
    var probe = CoreV1.Probe()
    probe.httpGet = CoreV1.HTTPGetAction(host: host, httpHeaders: headers, path: path, port: port, scheme: scheme)
    probe.periodSeconds = period
    probe.failureThreshold = failure
    return probe
}

/// Text as an exec result's bytes.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
