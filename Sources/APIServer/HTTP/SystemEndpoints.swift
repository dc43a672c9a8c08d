import HTTPTypes
import Synchronization

/// Answers the API server's system paths: `/healthz`, `/livez`, `/readyz` (with `?verbose`,
/// `?exclude=NAME` and `/PROBE/NAME` for one check), `/version` and `/metrics`. Every other
/// path gets `nil`, so a router tries the next route.
public final class SystemEndpoints: APIRoute {
    /// What `/version` reports.
    public let version: VersionInfo
    /// What `/metrics` exposes.
    public let metrics: APIMetrics
    private let checks: Mutex<[HealthCheck]>
    private let versionBody: [UInt8]

    /// Creates the endpoints with the `ping` check registered.
    public init(version: VersionInfo = VersionInfo(), metrics: APIMetrics, checks: [HealthCheck] = [.ping]) {
        self.version = version
        self.metrics = metrics
        self.checks = Mutex(checks)
        self.versionBody = version.json()
    }

    /// Registers a check; a check with the same name is replaced.
    public func addCheck(_ check: HealthCheck) {
        checks.withLock { checks in
            if let index = checks.firstIndex(where: { $0.name == check.name }) {
                checks[index] = check
            } else {
                checks.append(check)
            }
        }
    }

    /// Registers a check from a closure; see ``addCheck(_:)``.
    public func addCheck(
        name: String, probes: Set<HealthProbe> = Set(HealthProbe.allCases), check: @escaping @Sendable () async -> Bool
    ) {
        addCheck(HealthCheck(name: name, probes: probes, check: check))
    }

    /// The paths this route answers: the probes, `/version` and `/metrics`.
    public static let pathPrefixes = ["/healthz", "/livez", "/readyz", "/version", "/metrics"]

    /// Answers a system path, or `nil` for anything else.
    public func respond(to request: APIRequest) async -> APIResponse? {
        let path = request.path
        switch path {
        case "/version", "/version/":
            return Self.response(.ok, contentType: "application/json", body: versionBody)
        case "/metrics":
            return Self.response(.ok, contentType: APIMetrics.prometheusContentType, body: metrics.prometheusText())
        default:
            break
        }
        for probe in HealthProbe.allCases {
            let root = "/" + probe.rawValue
            if path == root {
                return await probeResponse(probe, request: request)
            }
            if path.hasPrefix(root + "/") {
                let name = String(path.dropFirst(root.count + 1))
                return await singleCheckResponse(probe, name: name)
            }
        }
        return nil
    }

    private func checks(for probe: HealthProbe) -> [HealthCheck] {
        checks.withLock { $0.filter { $0.probes.contains(probe) } }
    }

    private func probeResponse(_ probe: HealthProbe, request: APIRequest) async -> APIResponse {
        let excluded = Set(request.query.filter { $0.name == "exclude" }.map(\.value))
        let verbose = request.query.contains { $0.name == "verbose" }
        var lines = ""
        var failed = false
        for check in checks(for: probe) {
            if excluded.contains(check.name) {
                lines += "[+]\(check.name) excluded: ok\n"
                continue
            }
            if await check.check() {
                lines += "[+]\(check.name) ok\n"
            } else {
                failed = true
                lines += "[-]\(check.name) failed: reason withheld\n"
            }
        }
        if failed {
            return Self.text(.internalServerError, "\(lines)\(probe.rawValue) check failed\n")
        }
        if !verbose {
            return Self.text(.ok, "ok")
        }
        return Self.text(.ok, "\(lines)\(probe.rawValue) check passed\n")
    }

    private func singleCheckResponse(_ probe: HealthProbe, name: String) async -> APIResponse? {
        guard let check = checks(for: probe).first(where: { $0.name == name }) else { return nil }
        if await check.check() {
            return Self.text(.ok, "ok")
        }
        return Self.text(.internalServerError, "internal server error: reason withheld\n")
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> APIResponse {
        var response = response(status, contentType: "text/plain; charset=utf-8", body: Array(body.utf8))
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }

    private static func response(_ status: HTTPResponse.Status, contentType: String, body: [UInt8]) -> APIResponse {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return APIResponse(status: status, headers: headers, body: .bytes(body))
    }
}
