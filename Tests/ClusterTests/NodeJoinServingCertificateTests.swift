import KubeAPI
import KubeClient
import Kubelet
import Logging
import NodeJoinAPI
import Testing
import X509
@testable import Cluster

/// The join hands the kubelet a serving certificate, and the kubelet's HTTPS API serves with it.
@Suite(.serialized) struct NodeJoinServingCertificateTests {
    static let logger = Logger(label: "join-serving-test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aJoinedNodeServesItsKubeletAPIWithTheIssuedCertificate() async throws {
        let cluster = try await JoinTestServer()
        let credentials = try await NodeJoiner(
            server: cluster.url, token: cluster.token.description, nodeName: "n1", servingCertificate: true,
            addresses: ["10.0.0.7", "fd00::7"], logger: Self.logger
        ).join()
        let chain = try #require(credentials.servingCertificateChainPEM)
        #expect(chain.hasSuffix(cluster.pki.serverCAPEM))
        #expect(credentials.clientCAPEM == cluster.pki.clientCAPEM)
        let end = try #require(chain.range(of: "-----END CERTIFICATE-----"))
        let leaf = try Certificate(pemEncoded: String(chain[..<end.upperBound]))
        #expect(leaf.issuer == cluster.pki.serverCA.certificate.subject)
        #expect(leaf.subject.description.contains("system:node:n1"))
        let names = CertificateFactory.subjectAlternativeNames(of: leaf)
        #expect(Set(names.dnsNames) == ["n1", "localhost"])
        #expect(Set(names.ipAddresses) == [.ipv4Loopback, IPAddress("10.0.0.7")!, IPAddress("fd00::7")!])
        #expect(try leaf.extensions.extendedKeyUsage?.contains(.serverAuth) == true)

        // The kubelet API with those credentials: the admin's client certificate (client CA) is
        // accepted, and the node's own client asks the API server whether it may.
        let nodeTransport = try HTTPSTransport(configuration: credentials.transportConfiguration())
        let configuration = try #require(credentials.kubeletServerConfiguration(host: "127.0.0.1", port: 0))
        let kubelet = KubeletServer(
            configuration: configuration, pods: NoPods(), runtime: FakeRuntimeClient(),
            client: KubeClient(transport: nodeTransport), logger: Self.logger)
        try await kubelet.start()
        let port = try #require(kubelet.port)
        let admin = try HTTPSTransport(configuration: .init(
            endpoint: ServerEndpoint(url: "https://127.0.0.1:\(port)"), trust: .certificateAuthorities(cluster.pki.serverCAPEM),
            clientCertificate: .init(certificatePEM: cluster.pki.admin.certificatePEM, privateKeyPEM: cluster.pki.admin.privateKeyPEM)))
        let health = try await admin.send(KubeRequest(method: .get, path: "/healthz"))
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self) == "ok")
        // The node's own identity has no nodes/proxy on itself: the API server says no.
        let node = try HTTPSTransport(configuration: .init(
            endpoint: ServerEndpoint(url: "https://127.0.0.1:\(port)"), trust: .certificateAuthorities(cluster.pki.serverCAPEM),
            clientCertificate: .init(certificatePEM: credentials.certificatePEM, privateKeyPEM: credentials.privateKeyPEM)))
        #expect(try await node.send(KubeRequest(method: .get, path: "/pods")).status == 403)

        await admin.shutdown()
        await node.shutdown()
        await kubelet.shutdown()
        await nodeTransport.shutdown()
        try await cluster.stop()
    }

    @Test func requestsWithoutAServingKeyGetTheOldAnswerAndBadAddressesAre400() async throws {
        let cluster = try await JoinTestServer()
        let plain = try await NodeJoiner(server: cluster.url, token: cluster.token.description, nodeName: "n1", logger: Self.logger).join()
        #expect(plain.servingCertificateChainPEM == nil && plain.clientCAPEM == nil)
        #expect(plain.kubeletServerConfiguration() == nil)
        await #expect {
            _ = try await NodeJoiner(
                server: cluster.url, token: cluster.token.description, nodeName: "n2", servingCertificate: true,
                addresses: ["not-an-ip"], logger: Self.logger
            ).join()
        } throws: { error in
            guard case .refused(let status, let message) = error as? NodeJoinFailure else { return false }
            return status == 400 && message.contains("not-an-ip")
        }
        try await cluster.stop()
    }

    @Test func theWireFormatKeepsOldFieldsAndReadsNewOnes() throws {
        let old = NodeCertificateRequest(nodeName: "n1", publicKeyPEM: "K")
        #expect(old.json.serializedString() == #"{"nodeName":"n1","publicKeyPEM":"K"}"#)
        let new = NodeCertificateRequest(nodeName: "n1", publicKeyPEM: "K", servingPublicKeyPEM: "S", addresses: ["10.0.0.1"])
        #expect(NodeCertificateRequest(json: new.json) == new)
        #expect(NodeCertificateRequest(json: ["nodeName": "n1", "publicKeyPEM": "K", "addresses": "10.0.0.1"]) == nil)
        let answer = NodeCertificateResponse(certificatePEM: "C", serverCAPEM: "CA", servingCertificatePEM: "SC", clientCAPEM: "CCA")
        #expect(NodeCertificateResponse(json: answer.json) == answer)
        #expect(NodeCertificateResponse(json: ["certificatePEM": "C", "serverCAPEM": "CA"])?.servingCertificatePEM == nil)
        #expect(NodeCertificateResponse(json: ["certificatePEM": "C", "serverCAPEM": "CA", "clientCAPEM": 1]) == nil)
    }
}

/// A kubelet that runs no pods.
struct NoPods: KubeletPodSource {
    func currentPods() -> [CoreV1.Pod] { [] }
    func sandboxID(podUID uid: String) -> String? { nil }
}
