import Crypto
import Foundation
import KubeAPI
import Logging
import Testing
import X509
@testable import Cluster

@Suite struct CertificateToolsTests {
    let logger = Logger(label: "test.certificates")
    static let day: TimeInterval = 86_400

    func makePKI(_ tmp: TemporaryDirectory, now: Date = Date()) throws -> ClusterPKI {
        try ClusterPKI.loadOrCreate(
            directory: tmp.file("server/tls"), serving: ServingIdentity(dnsNames: ["localhost"], ipAddresses: [.ipv4Loopback]),
            now: now, logger: logger)
    }

    /// Writes node files like a joined node's, issued at `issued` by `pki`.
    func writeNodeFiles(_ tmp: TemporaryDirectory, pki: ClusterPKI, issued: Date) throws -> P256.Signing.PrivateKey {
        let key = P256.Signing.PrivateKey()
        let client = try CertificateFactory.leaf(
            subject: .init(commonName: "system:node:n1", organizations: ["system:nodes"]), publicKey: key.publicKey,
            usage: .clientAuth, identity: nil, issuer: pki.clientCA, now: issued)
        let serving = try CertificateFactory.leaf(
            subject: .init(commonName: "system:node:n1", organizations: ["system:nodes"]), publicKey: key.publicKey,
            usage: .serverAuth, identity: ServingIdentity(dnsNames: ["n1"], ipAddresses: []), issuer: pki.serverCA, now: issued)
        var credentials = NodeCredentials(
            server: "https://127.0.0.1:6443", nodeName: "n1", caBundlePEM: pki.serverCAPEM,
            certificatePEM: try client.serializeAsPEM().pemString + "\n", privateKeyPEM: key.pemRepresentation + "\n")
        credentials.servingCertificatePEM = try serving.serializeAsPEM().pemString + "\n"
        credentials.clientCAPEM = pki.clientCAPEM
        try NodeCertificateFiles(directory: tmp.file("agent")).write(credentials)
        return key
    }

    @Test func leavesAreValidForOneYear() throws {
        #expect(ClusterPKI.leafValidity == 365 * Self.day)
        #expect(ClusterPKI.renewalWindow == 90 * Self.day)
        let tmp = try TemporaryDirectory()
        let now = Date()
        let pki = try makePKI(tmp, now: now)
        let node = try pki.signNodeCertificate(nodeName: "n1", publicKeyPEM: P256.Signing.PrivateKey().publicKey.pemRepresentation)
        for certificate in [pki.serving.certificate, pki.admin.certificate, try Certificate(pemEncoded: node)] {
            #expect(abs(certificate.notValidAfter.timeIntervalSince(now) - 365 * Self.day) < 120)
        }
    }

    @Test func checkReportsEveryCertificateWithStatus() throws {
        let tmp = try TemporaryDirectory()
        let now = Date()
        // Issued 300 days ago: the leaves have 65 days left.
        let pki = try makePKI(tmp, now: now - 300 * Self.day)
        _ = try writeNodeFiles(tmp, pki: pki, issued: now - 10 * Self.day)
        let files = CertificateReport.files(dataDir: tmp.path)
        #expect(files.map { String($0.split(separator: "/").suffix(2).joined(separator: "/")) } == [
            "tls/client-admin.crt", "tls/client-ca.crt", "tls/server-ca.crt", "tls/serving-kube-apiserver.crt",
            "agent/client-ca.crt", "agent/client-kubelet.crt", "agent/server-ca.crt", "agent/serving-kubelet.crt",
        ])
        let report = CertificateReport.collect(files: files, now: now)
        let byFile = Dictionary(report.entries.map { ($0.path.split(separator: "/").suffix(2).joined(separator: "/"), $0) }) { a, _ in a }
        #expect(byFile["tls/client-admin.crt"]?.status == .warning)
        #expect(byFile["tls/client-admin.crt"]?.subject == "system:admin")
        #expect(byFile["tls/client-admin.crt"]?.usages == ["ClientAuth"])
        #expect(byFile["tls/serving-kube-apiserver.crt"]?.status == .warning)
        #expect(byFile["tls/serving-kube-apiserver.crt"]?.usages == ["ServerAuth"])
        #expect(byFile["tls/server-ca.crt"]?.status == .ok)
        #expect(byFile["tls/server-ca.crt"]?.usages == ["CertSign"])
        #expect(byFile["agent/client-kubelet.crt"]?.status == .ok)
        #expect(byFile["agent/client-kubelet.crt"]?.subject == "system:node:n1")

        let table = report.table()
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0].isEmpty)
        #expect(lines[1].hasPrefix("FILENAME"))
        for header in ["SUBJECT", "USAGES", "EXPIRES", "RESIDUAL TIME", "STATUS"] { #expect(lines[1].contains(header)) }
        #expect(lines[2].hasPrefix("--------   "))
        let admin = try #require(lines.first { $0.hasPrefix("client-admin.crt") })
        #expect(admin.contains("system:admin"))
        #expect(admin.contains("2 months"), "65 days left: \(admin)")
        #expect(admin.hasSuffix("WARNING"))
        // Columns line up: every row's STATUS starts where the header's does.
        let column = lines[1].range(of: "STATUS")!.lowerBound.utf16Offset(in: lines[1])
        #expect(admin.range(of: "WARNING")!.lowerBound.utf16Offset(in: admin) == column)

        let text = report.textLines()
        #expect(text.contains { $0.hasPrefix("WARN client-admin.crt: certificate system:admin (ClientAuth) will expire within 90 days at ") })
        #expect(text.contains { $0.hasPrefix("INFO server-ca.crt: certificate k3s-server-ca@") && $0.contains("is ok, expires at ") })

        // Expired and not yet valid.
        let later = CertificateReport.collect(files: files, now: now + 70 * Self.day)
        #expect(later.entries.first { $0.fileName == "client-admin.crt" }?.status == .expired)
        let earlier = CertificateReport.collect(files: files, now: now - 400 * Self.day)
        #expect(earlier.entries.first { $0.fileName == "client-admin.crt" }?.status == .notYetValid)
        #expect(earlier.textLines().contains { $0.hasPrefix("ERROR client-admin.crt: certificate system:admin (ClientAuth) is not valid before ") })

        // --service restricts the files.
        #expect(CertificateReport.files(dataDir: tmp.path, services: ["admin", "kubelet", "etcd"]).map { $0.split(separator: "/").last! } == [
            "client-admin.crt", "client-kubelet.crt", "serving-kubelet.crt",
        ])
    }

    @Test func residualTimeWords() {
        #expect(CertificateReport.residual(364 * Self.day) == "12 months")
        #expect(CertificateReport.residual(65 * Self.day) == "2 months")
        #expect(CertificateReport.residual(40 * Self.day) == "1 month")
        #expect(CertificateReport.residual(10 * Self.day) == "1 week")
        #expect(CertificateReport.residual(3 * Self.day) == "3 days")
        #expect(CertificateReport.residual(-3 * 3600) == "3 hours")
        #expect(CertificateReport.residual(3650 * Self.day) == "10 years")
        #expect(CertificateReport.tableDate(Date(timeIntervalSince1970: 1_796_667_450)) == "Dec 07, 2026 18:17 UTC")
        #expect(CertificateReport.rfc3339(Date(timeIntervalSince1970: 1_796_667_450)) == "2026-12-07T18:17:30Z")
    }

    @Test func rotateBacksUpAndRemovesOnlyTheNamedLeaves() throws {
        let tmp = try TemporaryDirectory()
        let first = try makePKI(tmp)
        _ = try writeNodeFiles(tmp, pki: first, issued: Date())
        let now = Date(timeIntervalSince1970: 1_796_667_450)
        let rotation = CertificateRotation(dataDir: tmp.path)
        #expect(rotation.isServer)
        let result = try rotation.rotate(services: ["api-server"], now: now, logger: logger)
        #expect(result.backupDirectory == tmp.file("server/tls-1796667450"))
        #expect(result.removed == [tmp.file("server/tls/serving-kube-apiserver.crt"), tmp.file("server/tls/serving-kube-apiserver.key")])
        #expect(try String(contentsOfFile: tmp.file("server/tls-1796667450/serving-kube-apiserver.crt"), encoding: .utf8)
            == first.serving.certificatePEM)
        #expect(FileManager.default.fileExists(atPath: tmp.file("server/tls-1796667450/server-ca.key")))
        #expect(FileManager.default.fileExists(atPath: tmp.file("server/tls/client-admin.crt")))
        #expect(FileManager.default.fileExists(atPath: tmp.file("agent/client-kubelet.crt")))

        // The next start issues a new serving certificate (new key) and keeps the rest.
        let second = try makePKI(tmp)
        #expect(second.issued == ["serving-kube-apiserver"])
        #expect(second.serving.certificate.serialNumber != first.serving.certificate.serialNumber)
        #expect(second.servingKeyPEM != first.servingKeyPEM)
        #expect(second.serverCAPEM == first.serverCAPEM)
        #expect(second.admin.certificatePEM == first.admin.certificatePEM)
    }

    @Test func rotateEverythingOnAServerAndTheNodeOnAnAgent() throws {
        let tmp = try TemporaryDirectory()
        let pki = try makePKI(tmp)
        _ = try writeNodeFiles(tmp, pki: pki, issued: Date())
        let result = try CertificateRotation(dataDir: tmp.path).rotate(now: Date(timeIntervalSince1970: 1000), logger: logger)
        #expect(Set(result.removed.map { String($0.split(separator: "/").last!) }) == [
            "client-admin.crt", "client-admin.key", "serving-kube-apiserver.crt", "serving-kube-apiserver.key",
            "client-kubelet.crt", "client-kubelet.key", "serving-kubelet.crt", "serving-kubelet.key",
        ])
        #expect(result.notes["etcd"] != nil && result.notes["scheduler"] != nil && result.notes["kube-proxy"] != nil)
        #expect(FileManager.default.fileExists(atPath: tmp.file("server/tls-1000/client-kubelet.crt")), "node files are backed up too")
        #expect(try makePKI(tmp).issued == ["serving-kube-apiserver", "client-admin"])

        // An agent-only data directory: the node's files, backed up under agent/.
        let agent = try TemporaryDirectory()
        _ = try writeNodeFiles(agent, pki: pki, issued: Date())
        let rotation = CertificateRotation(dataDir: agent.path)
        #expect(!rotation.isServer)
        let agentResult = try rotation.rotate(now: Date(timeIntervalSince1970: 2000), logger: logger)
        #expect(agentResult.backupDirectory == agent.file("agent/tls-2000"))
        #expect(agentResult.removed.count == 4)
        #expect(FileManager.default.fileExists(atPath: agent.file("agent/tls-2000/serving-kubelet.key")))
        #expect(FileManager.default.fileExists(atPath: agent.file("agent/server-ca.crt")), "CAs stay")
    }

    @Test func unknownServiceIsRefusedAndNothingIsTouched() throws {
        let tmp = try TemporaryDirectory()
        _ = try makePKI(tmp)
        #expect {
            try CertificateRotation(dataDir: tmp.path).rotate(services: ["admin", "kube-apiserver"], logger: logger)
        } throws: { error in
            "\(error)".contains("kube-apiserver") && "\(error)".contains("unknown service") && "\(error)".contains("api-server")
        }
        #expect(FileManager.default.fileExists(atPath: tmp.file("server/tls/client-admin.crt")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.file("server")) == ["tls"])
    }

    @Test func renewalReasonOfStoredNodeCertificates() throws {
        let tmp = try TemporaryDirectory()
        let pki = try makePKI(tmp)
        let files = NodeCertificateFiles(directory: tmp.file("agent"))
        #expect(files.renewalReason(clientCAPEM: pki.clientCAPEM, now: Date()) == nil, "nothing stored")
        _ = try writeNodeFiles(tmp, pki: pki, issued: Date())
        #expect(files.renewalReason(clientCAPEM: pki.clientCAPEM, now: Date()) == nil)
        #expect(files.renewalReason(clientCAPEM: pki.clientCAPEM, now: Date() + 280 * Self.day) == "expires within 90 days")
        let other = try TemporaryDirectory()
        #expect(files.renewalReason(clientCAPEM: try makePKI(other).clientCAPEM, now: Date()) == "not signed by the server's current CA")
        #expect(try FileSystem.permissions(tmp.file("agent/client-kubelet.key")) == 0o600)
    }
}

@Suite(.serialized) struct NodeCertificateRenewalTests {
    static let logger = Logger(label: "join-test")

    @Test func aNodeRenewsANearExpiryCertificateAtStartKeepingItsKey() async throws {
        let cluster = try await JoinTestServer()
        let tmp = try TemporaryDirectory()
        let files = NodeCertificateFiles(directory: tmp.file("agent"))
        // Issued 300 days ago by the server's CA: 65 days left.
        let key = try CertificateToolsTests().writeNodeFiles(tmp, pki: cluster.pki, issued: Date() - 300 * 86_400)
        let before = try #require(files.clientCertificate())
        #expect(files.renewalReason(clientCAPEM: cluster.pki.clientCAPEM, now: Date()) == "expires within 90 days")

        let joiner = NodeJoiner(
            server: cluster.url, token: cluster.token.description, nodeName: "n1", servingAddresses: ["127.0.0.1"], logger: Self.logger)
        let credentials = try await joiner.join(storingIn: files)
        let after = try #require(files.clientCertificate())
        #expect(after.serialNumber != before.serialNumber)
        #expect(abs(after.notValidAfter.timeIntervalSinceNow - 365 * 86_400) < 120)
        #expect(after.publicKey == Certificate.PublicKey(key.publicKey), "the stored key is kept")
        #expect(credentials.certificatePEM == (try String(contentsOfFile: tmp.file("agent/client-kubelet.crt"), encoding: .utf8)))
        let serving = try Certificate(pemEncoded: try String(contentsOfFile: tmp.file("agent/serving-kubelet.crt"), encoding: .utf8))
        #expect(cluster.pki.serverCA.certificate.publicKey.isValidSignature(serving.signature, for: serving))
        #expect(files.renewalReason(clientCAPEM: cluster.pki.clientCAPEM, now: Date()) == nil)
        try await cluster.stop()
    }

    @Test func aNodeReplacesACertificateFromAnotherCA() async throws {
        let cluster = try await JoinTestServer()
        let tmp = try TemporaryDirectory()
        let foreign = try TemporaryDirectory()
        let foreignPKI = try CertificateToolsTests().makePKI(foreign)
        _ = try CertificateToolsTests().writeNodeFiles(tmp, pki: foreignPKI, issued: Date())
        let files = NodeCertificateFiles(directory: tmp.file("agent"))
        #expect(files.renewalReason(clientCAPEM: cluster.pki.clientCAPEM, now: Date()) == "not signed by the server's current CA")

        _ = try await NodeJoiner(server: cluster.url, token: cluster.token.description, nodeName: "n1", logger: Self.logger)
            .join(storingIn: files)
        let after = try #require(files.clientCertificate())
        #expect(cluster.pki.clientCA.certificate.publicKey.isValidSignature(after.signature, for: after))
        #expect(try String(contentsOfFile: tmp.file("agent/server-ca.crt"), encoding: .utf8) == cluster.pki.serverCAPEM)
        try await cluster.stop()
    }
}
