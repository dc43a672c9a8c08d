import Crypto
import KubeAPI
import KubeClient
import Logging
import NodeJoinAPI

/// Joins a node to a cluster the K3s way and returns its credentials.
///
/// 1. Reads the token (``JoinToken``).
/// 2. Fetches `/cacerts` without checking the server's certificate, and compares the SHA-256
///    of what it got with the token's CA hash; a mismatch stops the join
///    (``NodeJoinFailure/caHashMismatch(expected:actual:)``). A token without a hash trusts
///    this CA on first use (logged as a warning).
/// 3. Creates an ECDSA P-256 key and asks `POST /v1-k3s/node-certificate`, now trusting only
///    that CA and presenting the token, for a client certificate for `system:node:<name>`; the
///    answer also carries the cluster DNS settings the server hands its kubelets.
///
/// It speaks only the wire contract (``NodeJoinPaths``, ``NodeCertificateRequest``,
/// ``NodeCertificateResponse``), never the API server's code.
public struct NodeJoiner: Sendable {
    /// The API server URL (`https://10.0.0.1:6443`).
    public var server: String
    /// The join token.
    public var token: String
    /// The name the node registers under.
    public var nodeName: String
    /// Retries of the HTTPS requests (a server that is still starting answers 503).
    /// The node's addresses for a kubelet serving certificate issued with the client one;
    /// `nil` asks for none (hollow nodes).
    public var servingAddresses: [String]?
    public var retry: RetryPolicy
    /// The node's private key (PEM) to ask certificates for; `nil` makes a new one.
    public var existingKeyPEM: String?
    let logger: Logger

    /// Creates a joiner.
    public init(
        server: String, token: String, nodeName: String, servingAddresses: [String]? = nil, retry: RetryPolicy = RetryPolicy(),
        logger: Logger
    ) {
        self.server = server
        self.token = token
        self.nodeName = nodeName
        self.servingAddresses = servingAddresses
        self.retry = retry
        self.logger = logger
    }

    /// Runs the join.
    ///
    /// - Throws: ``NodeJoinFailure``.
    public func join() async throws(NodeJoinFailure) -> NodeCredentials {
        let token: JoinToken
        do {
            token = try JoinToken(parsing: self.token)
        } catch {
            throw .invalidToken(error.description)
        }
        let endpoint: ServerEndpoint
        do {
            endpoint = try ServerEndpoint(url: server)
        } catch {
            throw .unreachable(error.description)
        }

        // 1. The CA, before trusting anything.
        let caBundle = try await fetchCA(endpoint)
        let actual = NodeToken.hash(caBundle)
        if let expected = token.caHash {
            guard expected == actual else { throw .caHashMismatch(expected: expected, actual: actual) }
        } else {
            logger.warning(
                "the join token carries no CA hash: trusting the server's CA on first use",
                metadata: ["server": "\(endpoint)", "ca-sha256": "\(actual)"])
        }

        // 2. The node certificate, trusting only that CA.
        let key = existingKeyPEM.flatMap { try? P256.Signing.PrivateKey(pemRepresentation: $0) } ?? P256.Signing.PrivateKey()
        let request = NodeCertificateRequest(
            nodeName: nodeName, publicKeyPEM: key.publicKey.pemRepresentation + "\n", servingAddresses: servingAddresses)
        let transport: HTTPSTransport
        do {
            transport = try HTTPSTransport(
                configuration: .init(endpoint: endpoint, trust: .certificateAuthorities(caBundle), bearerToken: token.text, retry: retry),
                logger: logger)
        } catch {
            throw .invalidResponse("the server's CA bundle cannot be used: \(error)")
        }
        let response = try await Self.exchange(transport, KubeRequest(
            method: .post, path: NodeJoinPaths.nodeCertificate,
            headers: [(name: "Content-Type", value: "application/json")],
            body: request.json.serialized()))
        guard response.status == 200 else {
            let message = Self.statusMessage(response.body)
            if response.status == 401 { throw .unauthorized(message) }
            throw .refused(status: response.status, message: message)
        }
        guard let json = try? JSONValue(parsing: response.body), let answer = NodeCertificateResponse(json: json) else {
            throw .invalidResponse("the node certificate answer is not the expected JSON")
        }
        logger.info("joined the cluster", metadata: ["server": "\(endpoint)", "node": "\(nodeName)"])
        if servingAddresses != nil && answer.servingCertificatePEM == nil {
            throw .invalidResponse("the server did not issue the kubelet serving certificate it was asked for")
        }
        var credentials = NodeCredentials(
            server: server, nodeName: nodeName, caBundlePEM: answer.serverCAPEM,
            certificatePEM: answer.certificatePEM, privateKeyPEM: key.pemRepresentation + "\n",
            clusterDNS: answer.clusterDNS, clusterDomain: answer.clusterDomain)
        credentials.servingCertificatePEM = answer.servingCertificatePEM
        credentials.clientCAPEM = answer.clientCAPEM
        credentials.clusterCIDRs = try Self.networks(answer.clusterCIDRs, field: "clusterCIDRs")
        credentials.serviceCIDRs = try Self.networks(answer.serviceCIDRs, field: "serviceCIDRs")
        credentials.disabledComponents = Set(answer.disabledComponents)
        return credentials
    }

    /// The networks of a join answer's field; a malformed one makes the answer invalid.
    static func networks(_ texts: [String], field: String) throws(NodeJoinFailure) -> [IPPrefix] {
        var result: [IPPrefix] = []
        for text in texts {
            guard let prefix = IPPrefix(text) else {
                throw .invalidResponse("the node certificate answer's \(field) holds \"\(text)\", not a network")
            }
            result.append(prefix.masked)
        }
        return result
    }

    func fetchCA(_ endpoint: ServerEndpoint) async throws(NodeJoinFailure) -> String {
        let transport: HTTPSTransport
        do {
            transport = try HTTPSTransport(configuration: .init(endpoint: endpoint, trust: .insecureSkipVerify, retry: retry), logger: logger)
        } catch {
            throw .unreachable("\(error)")
        }
        let response = try await Self.exchange(
            transport, KubeRequest(method: .get, path: NodeJoinPaths.caCertificates, headers: [(name: "Accept", value: "*/*")]))
        guard response.status == 200 else {
            throw .refused(status: response.status, message: Self.statusMessage(response.body))
        }
        let text = String(decoding: response.body, as: UTF8.self)
        guard text.contains("-----BEGIN CERTIFICATE-----") else {
            throw .invalidResponse("\(NodeJoinPaths.caCertificates) did not return PEM certificates")
        }
        return text
    }

    /// Sends one request, then closes the transport's connections.
    static func exchange(_ transport: HTTPSTransport, _ request: KubeRequest) async throws(NodeJoinFailure) -> KubeResponse {
        let result: Result<KubeResponse, any Error>
        do {
            result = .success(try await transport.send(request))
        } catch {
            result = .failure(error)
        }
        await transport.shutdown()
        switch result {
        case .success(let response): return response
        case .failure(let error): throw .unreachable("\(error)")
        }
    }

    /// The `message` of a `Status` body, or the body text.
    static func statusMessage(_ body: [UInt8]) -> String {
        if let json = try? JSONValue(parsing: body), let message = json["message"]?.stringValue { return message }
        return String(decoding: body.prefix(512), as: UTF8.self)
    }
}
