import APIServer
import Datastore
import Foundation
import KubeAPI
import KubeClient
import Logging
import Testing
@testable import Cluster

/// A real API server with TLS on 127.0.0.1 (port 0), the cluster PKI, the server token and the
/// join endpoints, as `k3s server` wires them.
final class JoinTestServer {
    let directory: TemporaryDirectory
    let pki: ClusterPKI
    let token: NodeToken
    let server: KubeAPIServer
    let port: Int
    let task: Task<Void, any Error>

    var url: String { "https://127.0.0.1:\(port)" }

    init() async throws {
        let directory = try TemporaryDirectory()
        self.directory = directory
        let logger = Logger(label: "join-test")
        let pki = try ClusterPKI.loadOrCreate(
            directory: directory.file("tls"),
            serving: ServingIdentity(dnsNames: ["localhost"], ipAddresses: [.ipv4Loopback]),
            logger: logger)
        self.pki = pki
        let token = NodeToken(caCertificatePEM: pki.serverCAPEM, password: "0123456789abcdef0123456789abcdef")
        self.token = token
        let server = try KubeAPIServer(
            configuration: .init(
                host: "127.0.0.1", port: 0,
                tls: TLSCredentials(certificateChainPEM: pki.servingCertificateChainPEM, privateKeyPEM: pki.servingKeyPEM, clientCAPEM: pki.clientCAPEM),
                serviceAccountKey: .es256(pki.serviceAccountKey),
                serverToken: token.description,
                nodeJoin: NodeJoinConfiguration(caBundlePEM: pki.serverCAPEM, serverToken: token.description, signer: pki)),
            datastore: InMemoryDatastore(), logger: logger)
        self.server = server
        port = try await server.bind()
        task = Task { try await server.run() }
        await server.waitUntilReady()
    }

    /// A transport authenticated as the admin (the kubeconfig `k3s server` writes).
    func adminTransport() throws -> HTTPSTransport {
        try HTTPSTransport(configuration: .init(
            endpoint: ServerEndpoint(url: url), trust: .certificateAuthorities(pki.serverCAPEM),
            clientCertificate: .init(certificatePEM: pki.admin.certificatePEM, privateKeyPEM: pki.admin.privateKeyPEM)))
    }

    func stop() async throws {
        server.shutdown()
        try await task.value
    }
}

@Suite(.serialized) struct NodeJoinIntegrationTests {
    static let logger = Logger(label: "join-test")
    static let json = [(name: "Content-Type", value: "application/json")]

    static func node(_ name: String) -> [UInt8] {
        JSONValue.object(["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name)]]).serialized()
    }

    @Test func joinWithTheServerTokenGivesANodeIdentity() async throws {
        let cluster = try await JoinTestServer()
        let admin = try cluster.adminTransport()
        #expect(try await admin.send(KubeRequest(method: .post, path: "/api/v1/nodes", headers: Self.json, body: Self.node("n2"))).status == 201)

        let credentials = try await NodeJoiner(server: cluster.url, token: cluster.token.description, nodeName: "n1", logger: Self.logger).join()
        #expect(credentials.caBundlePEM == cluster.pki.serverCAPEM)
        let node = try HTTPSTransport(configuration: credentials.transportConfiguration())

        // Registers itself, reads nodes, modifies only its own.
        #expect(try await node.send(KubeRequest(method: .post, path: "/api/v1/nodes", headers: Self.json, body: Self.node("n1"))).status == 201)
        let list = try await node.send(KubeRequest(method: .get, path: "/api/v1/nodes"))
        #expect(list.status == 200)
        let names = try JSONValue(parsing: list.body)["items"]?.arrayValue?.compactMap { $0[path: "metadata", "name"]?.stringValue }
        #expect(names == ["n1", "n2"])
        let patch = Array(#"{"metadata":{"labels":{"x":"y"}}}"#.utf8)
        let patchType = [(name: "Content-Type", value: "application/merge-patch+json")]
        #expect(try await node.send(KubeRequest(method: .patch, path: "/api/v1/nodes/n1", headers: patchType, body: patch)).status == 200)
        let forbidden = try await node.send(KubeRequest(method: .patch, path: "/api/v1/nodes/n2", headers: patchType, body: patch))
        #expect(forbidden.status == 403)
        let status = try JSONValue(parsing: forbidden.body)
        #expect(status["reason"]?.stringValue == "Forbidden")
        #expect(status["message"]?.stringValue == #"nodes "n2" is forbidden: User "system:node:n1" cannot patch resource "nodes" in API group "" at the cluster scope: node "n1" is not allowed to modify node "n2""#)
        // Another node's Node cannot be created either.
        #expect(try await node.send(KubeRequest(method: .post, path: "/api/v1/nodes", headers: Self.json, body: Self.node("n3"))).status == 403)

        // Secrets: only those a pod bound to the node refers to.
        for name in ["db-pass", "unrelated"] {
            let secret: JSONValue = ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string(name)], "stringData": ["p": "x"]]
            #expect(try await admin.send(KubeRequest(method: .post, path: "/api/v1/namespaces/default/secrets", headers: Self.json, body: secret.serialized())).status == 201)
        }
        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web"],
            "spec": ["nodeName": "n1", "containers": [[
                "name": "c", "image": "nginx",
                "env": [["name": "P", "valueFrom": ["secretKeyRef": ["name": "db-pass", "key": "p"]]]],
            ]]],
        ]
        #expect(try await admin.send(KubeRequest(method: .post, path: "/api/v1/namespaces/default/pods", headers: Self.json, body: pod.serialized())).status == 201)
        #expect(try await node.send(KubeRequest(method: .get, path: "/api/v1/namespaces/default/secrets/db-pass")).status == 200)
        #expect(try await node.send(KubeRequest(method: .get, path: "/api/v1/namespaces/default/secrets/unrelated")).status == 403)

        // The typed client over the node's HTTPS transport: list, watch (its own streaming
        // connection), and the same refusal as a StatusError.
        let client = KubeClient(transport: node)
        let nodes = client.resource(CoreV1.Node.self)
        let listed = try await nodes.list()
        #expect(listed.items.map(\.metadata.name) == ["n1", "n2"])
        let events = try await nodes.watch(options: .init(resourceVersion: listed.resourceVersion))
        _ = try await KubeClient(transport: admin).resource(CoreV1.Node.self).create(CoreV1.Node(metadata: .init(name: "n4")))
        var seen: [String] = []
        for try await event in events {
            seen.append("\(event.type.rawValue) \(event.object.metadata.name ?? "")")
            break
        }
        #expect(seen == ["ADDED n4"])
        await #expect {
            _ = try await nodes.patch("n2", type: .merge, body: ["metadata": ["labels": ["x": "y"]]])
        } throws: { error in
            (error as? StatusError)?.code == 403
        }

        await node.shutdown()
        await admin.shutdown()
        try await cluster.stop()
    }

    @Test func bootstrapTokensJoinUntilDeleted() async throws {
        let cluster = try await JoinTestServer()
        let admin = try cluster.adminTransport()
        let manager = BootstrapTokenManager(transport: admin, caBundlePEM: cluster.pki.serverCAPEM)
        let info = try await manager.create(ttlSeconds: 3600, description: "test token")
        let listed = try await manager.list()
        #expect(listed.map(\.token) == [info.token])
        #expect(listed.first?.description == "test token")
        #expect(listed.first?.extraGroups == BootstrapTokenManager.defaultGroups)
        #expect(BootstrapTokenManager.table(listed).contains(info.token.description))

        let joinForm = manager.joinForm(of: info.token)
        #expect(joinForm == "K10\(NodeToken.hash(cluster.pki.serverCAPEM))::\(info.token)")
        let credentials = try await NodeJoiner(server: cluster.url, token: joinForm, nodeName: "n1", logger: Self.logger).join()
        let node = try HTTPSTransport(configuration: credentials.transportConfiguration())
        #expect(try await node.send(KubeRequest(method: .get, path: "/api/v1/nodes")).status == 200)
        // The bare token works too (the CA is trusted on first use).
        _ = try await NodeJoiner(server: cluster.url, token: info.token.description, nodeName: "n2", logger: Self.logger).join()

        try await manager.delete(info.token.id)
        #expect(try await manager.list().isEmpty)
        await #expect(throws: NodeJoinFailure.unauthorized("invalid join token: bootstrap token \(info.token.id) does not exist")) {
            _ = try await NodeJoiner(server: cluster.url, token: joinForm, nodeName: "n1", logger: Self.logger).join()
        }
        await #expect(throws: BootstrapTokenManager.Failure.self) { try await manager.delete(info.token.id) }

        await node.shutdown()
        await admin.shutdown()
        try await cluster.stop()
    }

    @Test func badTokensAndWrongHashesAreRefusedClearly() async throws {
        let cluster = try await JoinTestServer()
        let hash = NodeToken.hash(cluster.pki.serverCAPEM)

        await #expect(throws: NodeJoinFailure.unauthorized("invalid join token: it is neither the server token nor a valid bootstrap token")) {
            _ = try await NodeJoiner(server: cluster.url, token: "K10\(hash)::server:wrong", nodeName: "n1", logger: Self.logger).join()
        }
        let otherHash = String(repeating: "ab", count: 32)
        do {
            _ = try await NodeJoiner(server: cluster.url, token: "K10\(otherHash)::server:\(cluster.token.password)", nodeName: "n1", logger: Self.logger).join()
            Issue.record("a token for another CA joined")
        } catch {
            #expect(error == .caHashMismatch(expected: otherHash, actual: hash))
            #expect(error.description.hasPrefix("the server's CA certificate does not match the hash in the token"))
        }
        await #expect(throws: NodeJoinFailure.invalidToken("invalid join token: the CA hash after K10 must be 64 lower-case hex digits")) {
            _ = try await NodeJoiner(server: cluster.url, token: "K10abc::server:x", nodeName: "n1", logger: Self.logger).join()
        }
        // A bare server secret trusts the CA on first use.
        let credentials = try await NodeJoiner(server: cluster.url, token: cluster.token.password, nodeName: "n1", logger: Self.logger).join()
        #expect(credentials.certificatePEM.contains("BEGIN CERTIFICATE"))
        try await cluster.stop()
    }
}

@Suite struct JoinTokenTests {
    static let hash = String(repeating: "0f", count: 32)

    @Test(arguments: [
        ("K10\(hash)::server:secret", hash as String?, "server:secret", false),
        ("K10\(hash)::abcdef.0123456789abcdef", hash, "abcdef.0123456789abcdef", true),
        ("abcdef.0123456789abcdef", nil, "abcdef.0123456789abcdef", true),
        ("  plain-secret\n", nil, "plain-secret", false),
    ])
    func parses(_ text: String, _ caHash: String?, _ credentials: String, _ bootstrap: Bool) throws {
        let token = try JoinToken(parsing: text)
        #expect(token.caHash == caHash)
        #expect(token.credentials == credentials)
        #expect(token.isBootstrapToken == bootstrap)
    }

    @Test(arguments: [
        ("", "empty"),
        ("K10\(hash)server:x", "a K10 token has the form K10<ca-hash>::<credentials>"),
        ("K10ABC::server:x", "the CA hash after K10 must be 64 lower-case hex digits"),
        ("K10\(hash)::server:", "the user and secret must not be empty"),
        ("K10\(hash)::nocolon", "the credentials after :: must be <user>:<secret> or a bootstrap token <id>.<secret>"),
        ("two words", "contains whitespace"),
    ])
    func refuses(_ text: String, _ reason: String) {
        #expect(throws: JoinToken.ParseError(reason: reason)) { try JoinToken(parsing: text) }
    }

    @Test func matchesTheCABundle() throws {
        let pem = "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n"
        let token = try JoinToken(parsing: "K10\(NodeToken.hash(pem))::server:s")
        #expect(token.matches(caBundlePEM: pem))
        #expect(!token.matches(caBundlePEM: pem + "\n"))
        #expect(try JoinToken(parsing: "bare").matches(caBundlePEM: pem))
    }

    @Test(arguments: [("24h", Int64(86_400)), ("90m", 5400), ("1h30m", 5400), ("45s", 45), ("0", 0), ("1.5s", 2), ("1ms", 1)])
    func durations(_ text: String, _ seconds: Int64) throws {
        #expect(try BootstrapTokenManager.ttlSeconds(text) == seconds)
    }

    @Test(arguments: ["", "h", "10", "5d", "-1h", "1h 2m"])
    func badDurations(_ text: String) {
        #expect(throws: GoDuration.ParseError.self) { try BootstrapTokenManager.ttlSeconds(text) }
    }

    @Test func tokenTable() throws {
        let token = try BootstrapToken(parsing: "abcdef.0123456789abcdef")
        let now = Time(secondsSinceEpoch: 1_800_000_000)
        let table = BootstrapTokenManager.table([
            BootstrapTokenInfo(token: token, expiration: Time(secondsSinceEpoch: 1_800_000_000 + 23 * 3600 + 50), usages: ["authentication", "signing"], description: "", extraGroups: ["system:bootstrappers:k3s:default-node-token"]),
        ], now: now)
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("TOKEN                     TTL   EXPIRES"))
        #expect(lines[1].hasPrefix("abcdef.0123456789abcdef   23h   2027-01-16T07:00:50Z   authentication,signing   <none>"))
    }

    @Test func tokenSecretRoundTrips() throws {
        let token = try BootstrapToken(parsing: "abcdef.0123456789abcdef")
        let info = BootstrapTokenInfo(token: token, expiration: Time(secondsSinceEpoch: 1_800_000_000), usages: ["authentication", "signing"], description: "d", extraGroups: ["system:bootstrappers:a"])
        // The server folds stringData into base64 data; do the same here.
        var object = try #require(info.secret.objectValue)
        let stringData = try #require(object["stringData"]?.objectValue)
        object["data"] = .object(stringData.mapValues { .string(Data($0.stringValue!.utf8).base64EncodedString()) })
        object["stringData"] = nil
        #expect(BootstrapTokenInfo(secret: .object(object)) == info)
    }
}
