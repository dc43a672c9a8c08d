import Crypto
import HTTPTypes
import KubeAPI
import Logging
import NodeJoinAPI

/// Serves the join endpoints in front of authentication, on the API server's port:
///
/// - `GET /cacerts` (no authentication): the server CA bundle PEM, byte for byte, so that a
///   joining node can compare its SHA-256 with the hash in its K10 token;
/// - `POST /v1-k3s/node-certificate`, authenticated by a join token in `Authorization`
///   (`Bearer <token>`, or `Basic` with the token as password): the server token
///   (`K10<hash>::server:<secret>` or its bare secret) or a bootstrap token (`<id>.<secret>`, also
///   `K10<hash>::<id>.<secret>`). With a JSON ``NodeCertificateRequest`` it answers a
///   ``NodeCertificateResponse``: a client certificate for `system:node:<name>` in
///   `system:nodes`, the server CA, the cluster DNS settings its kubelet needs and the cluster's
///   pod and Service networks (for the node's overlay).
///
/// A missing or wrong token is refused with a 401 `Status` whose message says why; a malformed
/// body with 400. Every other request goes to `next`.
public struct NodeJoinHandler: APIHandler {
    /// The CA bundle path.
    public static let caCertificatesPath = NodeJoinPaths.caCertificates
    /// The certificate path.
    public static let nodeCertificatePath = NodeJoinPaths.nodeCertificate

    /// The configuration.
    public let configuration: NodeJoinConfiguration
    /// Checks bootstrap tokens.
    public let bootstrapTokens: BootstrapTokenAuthenticator
    /// The handler for every other request.
    public let next: any APIHandler
    let logger: Logger
    let caHash: String
    let serverToken: NodeTokenAuthenticator.ParsedToken?

    /// Creates the handler.
    public init(configuration: NodeJoinConfiguration, bootstrapTokens: BootstrapTokenAuthenticator, next: any APIHandler, logger: Logger) {
        self.configuration = configuration
        self.bootstrapTokens = bootstrapTokens
        self.next = next
        self.logger = logger
        self.caHash = Self.sha256Hex(configuration.caBundlePEM)
        self.serverToken = configuration.serverToken.map { NodeTokenAuthenticator.ParsedToken($0) }
    }

    /// Answers the join endpoints; forwards everything else.
    public func handle(_ request: APIRequest) async -> APIResponse {
        switch request.path {
        case Self.caCertificatesPath:
            guard request.method == .get || request.method == .head else {
                return AuthResponses.status(StatusError(code: 405, reason: .methodNotAllowed, message: "only GET is allowed on \(Self.caCertificatesPath)"))
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/x-pem-file"
            return APIResponse(status: .ok, headers: headers, body: .bytes(Array(configuration.caBundlePEM.utf8)))
        case Self.nodeCertificatePath:
            guard request.method == .post else {
                return AuthResponses.status(StatusError(code: 405, reason: .methodNotAllowed, message: "only POST is allowed on \(Self.nodeCertificatePath)"))
            }
            return await issue(request)
        default:
            return await next.handle(request)
        }
    }

    func issue(_ request: APIRequest) async -> APIResponse {
        let identity: String
        switch await authenticate(request) {
        case .failure(let message):
            logger.info("refused node certificate request", metadata: ["remote": "\(request.remoteAddress ?? "-")", "reason": "\(message)"])
            return AuthResponses.status(.unauthorized(message))
        case .success(let name):
            identity = name
        }
        guard let json = try? JSONValue(parsing: request.body), let body = NodeCertificateRequest(json: json) else {
            return AuthResponses.status(.badRequest("the body must be a JSON object with string fields nodeName and publicKeyPEM"))
        }
        guard Self.isValidNodeName(body.nodeName) else {
            return AuthResponses.status(.badRequest("invalid node name \"\(body.nodeName)\": it must be a lower-case DNS subdomain"))
        }
        let certificate: String
        do {
            certificate = try configuration.signer.signNodeCertificate(nodeName: body.nodeName, publicKeyPEM: body.publicKeyPEM)
        } catch let error as NodeJoinError {
            return AuthResponses.status(.badRequest(error.description))
        } catch {
            return AuthResponses.status(StatusError(code: 500, reason: .internalError, message: "cannot sign the node certificate: \(error)"))
        }
        var serving: String?
        if let addresses = body.servingAddresses {
            do {
                serving = try configuration.signer.signNodeServingCertificate(
                    nodeName: body.nodeName, publicKeyPEM: body.publicKeyPEM, addresses: addresses)
            } catch let error as NodeJoinError {
                return AuthResponses.status(.badRequest(error.description))
            } catch {
                return AuthResponses.status(StatusError(code: 500, reason: .internalError, message: "cannot sign the serving certificate: \(error)"))
            }
        }
        logger.notice("issued node certificate", metadata: ["node": "\(body.nodeName)", "token": "\(identity)", "serving": "\(serving != nil)"])
        let response = NodeCertificateResponse(
            certificatePEM: certificate, serverCAPEM: configuration.caBundlePEM,
            clusterDNS: configuration.clusterDNS, clusterDomain: configuration.clusterDomain,
            servingCertificatePEM: serving, clientCAPEM: serving == nil ? nil : configuration.signer.clientCABundlePEM,
            clusterCIDRs: configuration.clusterCIDRs, serviceCIDRs: configuration.serviceCIDRs,
            disabledComponents: configuration.disabledComponents)
        return AuthResponses.json(response.json, status: .ok)
    }

    /// Who the join token stands for (`server`, `system:bootstrap:<id>`), or why it is refused.
    enum TokenCheck {
        case success(String)
        case failure(String)
    }

    func authenticate(_ request: APIRequest) async -> TokenCheck {
        guard let presented = Self.joinToken(in: request.headers) else {
            return .failure("a join token is required (Authorization: Bearer <token>)")
        }
        var credentials = presented
        if presented.hasPrefix("K10") {
            guard let separator = presented.firstRange(of: "::") else {
                return .failure("invalid join token: a K10 token has the form K10<ca-hash>::<credentials>")
            }
            let hash = presented[presented.index(presented.startIndex, offsetBy: 3)..<separator.lowerBound]
            guard hash == caHash else {
                return .failure("the join token's CA hash does not match this server's CA certificate")
            }
            credentials = String(presented[separator.upperBound...])
        }
        if BootstrapToken.looksLikeToken(credentials) {
            do {
                switch try await bootstrapTokens.verify(credentials) {
                case .accepted(let user): return .success(user.name)
                case .rejected(let reason): return .failure("invalid join token: \(reason)")
                case .notBootstrapToken: break
                }
            } catch {
                return .failure("cannot check the bootstrap token: \(error)")
            }
        }
        if let serverToken, !serverToken.secret.isEmpty {
            // `server:<secret>` (K10 credentials) or the bare secret.
            let secret = credentials.firstIndex(of: ":").map { String(credentials[credentials.index(after: $0)...]) } ?? credentials
            if constantTimeEqual(secret, serverToken.secret) { return .success("server") }
        }
        return .failure("invalid join token: it is neither the server token nor a valid bootstrap token")
    }

    /// The token of `Authorization: Bearer <token>` or the password of `Basic`.
    static func joinToken(in headers: HTTPFields) -> String? {
        if case .token(let token) = BearerToken.credential(in: headers) { return token }
        guard let value = headers[.authorization]?.trimmingSpaces() else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let bytes = try? Base64.decode(String(parts[1]).trimmingSpaces())
        else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let password = String(text[text.index(after: colon)...])
        return password.isEmpty ? nil : password
    }

    /// Whether `name` is a lower-case DNS subdomain (what Node names must be).
    static func isValidNodeName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            let bytes = Array(label.utf8)
            guard let first = bytes.first, let last = bytes.last, bytes.count <= 63 else { return false }
            func alnum(_ b: UInt8) -> Bool { (97...122).contains(b) || (48...57).contains(b) }
            guard alnum(first), alnum(last), bytes.allSatisfy({ alnum($0) || $0 == UInt8(ascii: "-") }) else { return false }
        }
        return true
    }

    /// The lower-case hex SHA-256 of `text`'s UTF-8 bytes.
    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).lowercaseHex
    }
}
