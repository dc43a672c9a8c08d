import KubeAPI
import NIOHTTP1

extension KubeletServer {
    /// Authenticates, authorizes and answers one request.
    func respond(_ request: KubeletRequest, _ exchange: KubeletExchange) async {
        let user: KubeletUser
        switch await authenticate(request) {
        case .success(let found): user = found
        case .failure(let error):
            await exchange.send(.status(error))
            return
        }
        let attributes = KubeletRequestAttributes(method: request.head.method.rawValue, path: request.path, nodeName: configuration.nodeName)
        do {
            let decision = try await authorizer.authorize(user, attributes)
            guard decision.allowed else {
                logger.debug("kubelet API request denied", metadata: ["user": "\(user.name)", "path": "\(request.path)", "reason": "\(decision.reason)"])
                await exchange.send(.status(Self.forbidden(user, attributes, reason: decision.reason)))
                return
            }
        } catch {
            logger.warning("kubelet API authorization failed", metadata: ["user": "\(user.name)", "error": "\(error)"])
            await exchange.send(.status(.internalError(
                "Authorization error (user=\(user.name), verb=\(attributes.verb), resource=nodes, subresource=\(attributes.subresource)): \(error)")))
            return
        }
        do {
            try await route(request, exchange)
        } catch let error as StatusError {
            if exchange.hasStarted {
                logger.info("kubelet API response cut short", metadata: ["path": "\(request.path)", "error": "\(error)"])
            } else {
                await exchange.send(.status(error))
            }
        } catch is CancellationError {
            return
        } catch {
            if !exchange.hasStarted { await exchange.send(.status(.internalError("\(error)"))) }
        }
    }

    /// The user of the request: its client certificate's, else its bearer token's.
    func authenticate(_ request: KubeletRequest) async -> Result<KubeletUser, StatusError> {
        if let user = request.certificateUser { return .success(user) }
        guard let token = request.bearerToken, let authenticator else { return .failure(.unauthorized("Unauthorized")) }
        do {
            guard let user = try await authenticator.authenticate(token: token) else { return .failure(.unauthorized("Unauthorized")) }
            return .success(user)
        } catch {
            logger.warning("kubelet API token review failed", metadata: ["error": "\(error)"])
            return .failure(.unauthorized("Unauthorized"))
        }
    }

    /// Upstream's denial text in a 403 `Status`.
    static func forbidden(_ user: KubeletUser, _ attributes: KubeletRequestAttributes, reason: String) -> StatusError {
        var message = "Forbidden (user=\(user.name), verb=\(attributes.verb), resource=nodes, subresource=\(attributes.subresource))"
        if !reason.isEmpty { message += ": \(reason)" }
        return StatusError(
            code: 403, reason: .forbidden, message: message,
            details: .init(name: attributes.nodeName, group: "", kind: "nodes"))
    }

    /// Dispatches on the path.
    func route(_ request: KubeletRequest, _ exchange: KubeletExchange) async throws {
        let segments = request.segments
        let method = request.head.method
        func only(_ allowed: HTTPMethod...) throws(StatusError) {
            guard allowed.contains(method) else {
                throw StatusError(code: 405, reason: .methodNotAllowed, message: "method \(method.rawValue) is not allowed on \(request.path)")
            }
        }
        switch segments.first {
        case "healthz" where segments.count == 1:
            try only(.GET, .HEAD)
            await exchange.send(.text("ok"))
        case "pods" where segments.count == 1:
            try only(.GET)
            let list = CoreV1.PodList(items: pods.currentPods().sorted { ($0.metadata.namespace ?? "", $0.metadata.name ?? "") < ($1.metadata.namespace ?? "", $1.metadata.name ?? "") })
            await exchange.send(.json(try JSONValue(encoding: list)))
        case "stats" where segments == ["stats", "summary"]:
            try only(.GET)
            guard let provider = stats.withLock({ $0 }) else { throw Self.noStats(request.path) }
            do {
                let body = try await provider.summary()
                await exchange.send(KubeletResponse(status: .ok, headers: ["content-type": "application/json"], body: body))
            } catch {
                throw StatusError.serviceUnavailable("the node's stats cannot be gathered: \(error)")
            }
        case "metrics" where segments == ["metrics", "resource"]:
            try only(.GET)
            guard let provider = stats.withLock({ $0 }) else { throw Self.noStats(request.path) }
            do {
                let text = try await provider.resourceMetrics()
                await exchange.send(.text(text, contentType: "text/plain; version=0.0.4; charset=utf-8"))
            } catch {
                throw StatusError.serviceUnavailable("the node's metrics cannot be gathered: \(error)")
            }
        case "metrics" where segments.count == 1:
            try only(.GET)
            guard let provider = stats.withLock({ $0 }) else { throw Self.noStats(request.path) }
            do {
                let text = try await provider.kubeletMetrics()
                await exchange.send(.text(text, contentType: "text/plain; version=0.0.4; charset=utf-8"))
            } catch {
                throw StatusError.serviceUnavailable("the kubelet's metrics cannot be gathered: \(error)")
            }
        case "containerLogs":
            try only(.GET)
            try await serveLogs(request, exchange)
        case "exec", "attach", "portForward":
            try only(.GET, .POST)
            try await serveStreaming(request, exchange)
        default:
            throw StatusError(code: 404, reason: .notFound, message: "the server could not find the requested resource (\(request.path))")
        }
    }

    static func noStats(_ path: String) -> StatusError {
        StatusError(code: 404, reason: .notFound, message: "\(path) is not served: this kubelet has no stats provider")
    }
}
