import Crypto
import HTTPTypes
import KubeAPI
import Logging
import NodeJoinAPI
import Testing
@testable import APIServer

@Suite struct NodeJoinHandlerTests {
    struct FakeSigner: NodeCertificateSigner {
        func signNodeCertificate(nodeName: String, publicKeyPEM: String) throws -> String {
            guard publicKeyPEM.hasPrefix("-----BEGIN PUBLIC KEY-----") else { throw NodeJoinError.invalidPublicKey("not PEM") }
            return "CERT for system:node:\(nodeName)"
        }

        func signNodeServingCertificate(nodeName: String, publicKeyPEM: String, addresses: [String]) throws -> String {
            guard publicKeyPEM.hasPrefix("-----BEGIN PUBLIC KEY-----") else { throw NodeJoinError.invalidPublicKey("not PEM") }
            return "SERVING CERT for \(nodeName) at \(addresses.joined(separator: ","))"
        }

        var clientCABundlePEM: String { "CLIENT CA" }
    }

    static let caPEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    static let caHash = SHA256.hash(data: Array(caPEM.utf8)).map { String(format2: $0) }.joined()
    static let serverToken = "K10\(caHash)::server:s3cret"

    static func handler() -> NodeJoinHandler {
        NodeJoinHandler(
            configuration: NodeJoinConfiguration(caBundlePEM: caPEM, serverToken: serverToken, signer: FakeSigner()),
            bootstrapTokens: BootstrapTokenTests.authenticator([BootstrapTokenTests.secret()]),
            next: AuthEchoHandler(), logger: Logger(label: "test"))
    }

    static func certificateRequest(token: String?, body: String = #"{"nodeName":"n1","publicKeyPEM":"-----BEGIN PUBLIC KEY-----\nX\n-----END PUBLIC KEY-----\n"}"#) -> APIRequest {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        return APIRequest(method: .post, path: "/v1-k3s/node-certificate", headers: headers, body: Array(body.utf8))
    }

    @Test func caCertificatesArePublicAndVerbatim() async {
        let response = await Self.handler().handle(APIRequest(method: .get, path: "/cacerts"))
        #expect(response.status.code == 200)
        #expect(response.authBodyText == Self.caPEM)
    }

    @Test func otherPathsPassThrough() async {
        let response = await Self.handler().handle(APIRequest(method: .get, path: "/api"))
        #expect(response.authBodyText == "-")
    }

    @Test(arguments: [serverToken, "s3cret", "K10\(caHash)::abcdef.0123456789abcdef", "abcdef.0123456789abcdef"])
    func goodTokensGetACertificate(_ token: String) async throws {
        let response = await Self.handler().handle(Self.certificateRequest(token: token))
        #expect(response.status.code == 200)
        let answer = try #require(response.authBodyJSON.flatMap(NodeCertificateResponse.init(json:)))
        #expect(answer.certificatePEM == "CERT for system:node:n1")
        #expect(answer.serverCAPEM == Self.caPEM)
    }

    @Test func aServingCertificateIsIssuedWhenAskedFor() async throws {
        let plain = try #require(await Self.handler().handle(Self.certificateRequest(token: Self.serverToken)).authBodyJSON)
        #expect(plain["servingCertificatePEM"] == nil && plain["clientCAPEM"] == nil)

        let body = #"{"nodeName":"n1","publicKeyPEM":"-----BEGIN PUBLIC KEY-----\nX\n-----END PUBLIC KEY-----\n","servingAddresses":["10.0.0.5"]}"#
        let response = await Self.handler().handle(Self.certificateRequest(token: Self.serverToken, body: body))
        #expect(response.status.code == 200)
        let answer = try #require(response.authBodyJSON.flatMap(NodeCertificateResponse.init(json:)))
        #expect(answer.servingCertificatePEM == "SERVING CERT for n1 at 10.0.0.5")
        #expect(answer.clientCAPEM == "CLIENT CA")

        // Mistyped addresses are a bad request, not a certificate.
        let wrong = #"{"nodeName":"n1","publicKeyPEM":"-----BEGIN PUBLIC KEY-----\nX\n-----END PUBLIC KEY-----\n","servingAddresses":"10.0.0.5"}"#
        #expect(await Self.handler().handle(Self.certificateRequest(token: Self.serverToken, body: wrong)).status.code == 400)
    }

    @Test func theAnswerCarriesTheClusterDNSSettings() async throws {
        let handler = NodeJoinHandler(
            configuration: NodeJoinConfiguration(
                caBundlePEM: Self.caPEM, serverToken: Self.serverToken, signer: FakeSigner(),
                clusterDNS: ["10.43.0.99", "fd00::a"], clusterDomain: "example.internal"),
            bootstrapTokens: BootstrapTokenTests.authenticator([]), next: AuthEchoHandler(), logger: Logger(label: "test"))
        let response = await handler.handle(Self.certificateRequest(token: Self.serverToken))
        let answer = try #require(response.authBodyJSON.flatMap(NodeCertificateResponse.init(json:)))
        #expect(answer.clusterDNS == ["10.43.0.99", "fd00::a"])
        #expect(answer.clusterDomain == "example.internal")

        // A server that hands no settings leaves them out; the node keeps its defaults.
        let plainResponse = await Self.handler().handle(Self.certificateRequest(token: Self.serverToken))
        let plain = try #require(plainResponse.authBodyJSON)
        #expect(plain["clusterDNS"] == nil && plain["clusterDomain"] == nil)
        #expect(NodeCertificateResponse(json: plain)?.clusterDNS == [])
    }

    @Test func certificateAnswersWithMistypedSettingsAreRefused() {
        let base: JSONValue = ["certificatePEM": "C", "serverCAPEM": "A"]
        #expect(NodeCertificateResponse(json: base) == NodeCertificateResponse(certificatePEM: "C", serverCAPEM: "A"))
        #expect(NodeCertificateResponse(json: ["certificatePEM": "C", "serverCAPEM": "A", "clusterDNS": "10.43.0.10"]) == nil)
        #expect(NodeCertificateResponse(json: ["certificatePEM": "C", "serverCAPEM": "A", "clusterDNS": [1]]) == nil)
        #expect(NodeCertificateResponse(json: ["certificatePEM": "C", "serverCAPEM": "A", "clusterDomain": 1]) == nil)
        let full = NodeCertificateResponse(certificatePEM: "C", serverCAPEM: "A", clusterDNS: ["10.43.0.10"], clusterDomain: "cluster.local")
        #expect(NodeCertificateResponse(json: full.json) == full)
    }

    @Test(arguments: [
        (String?.none, "a join token is required (Authorization: Bearer <token>)"),
        ("wrong", "invalid join token: it is neither the server token nor a valid bootstrap token"),
        ("K10\(String(repeating: "0", count: 64))::server:s3cret", "the join token's CA hash does not match this server's CA certificate"),
        ("abcdef.ffffffffffffffff", "invalid join token: bootstrap token abcdef has a different secret"),
    ])
    func badTokensAre401WithAClearMessage(_ token: String?, _ message: String) async {
        let response = await Self.handler().handle(Self.certificateRequest(token: token))
        #expect(response.status.code == 401)
        #expect(response.authBodyJSON?["reason"]?.stringValue == "Unauthorized")
        #expect(response.authBodyJSON?["message"]?.stringValue == message)
    }

    @Test func basicAuthCarriesTheTokenAsPassword() async {
        var request = Self.certificateRequest(token: nil)
        request.headers[.authorization] = "Basic " + Base64.encode(Array("node:s3cret".utf8))
        #expect(await Self.handler().handle(request).status.code == 200)
    }

    @Test(arguments: [
        (#"{"nodeName":"N1!","publicKeyPEM":"-----BEGIN PUBLIC KEY-----"}"#, #"invalid node name "N1!": it must be a lower-case DNS subdomain"#),
        (#"{"nodeName":"n1"}"#, "the body must be a JSON object with string fields nodeName and publicKeyPEM"),
        ("not json", "the body must be a JSON object with string fields nodeName and publicKeyPEM"),
        (#"{"nodeName":"n1","publicKeyPEM":"garbage"}"#, "invalid public key: not PEM"),
    ])
    func badBodiesAre400(_ body: String, _ message: String) async {
        let response = await Self.handler().handle(Self.certificateRequest(token: "s3cret", body: body))
        #expect(response.status.code == 400)
        #expect(response.authBodyJSON?["message"]?.stringValue == message)
    }
}

extension String {
    /// Two lower-case hex digits.
    init(format2 byte: UInt8) {
        let hex = String(byte, radix: 16)
        self = byte < 16 ? "0" + hex : hex
    }
}
