import Crypto
import Foundation
import KubeAPI
import Logging
import Testing
import X509
@testable import Cluster

@Suite struct ClusterPKITests {
    let logger = Logger(label: "test.pki")

    func configuration(_ tmp: TemporaryDirectory, sans: [String] = [], advertise: String = "192.168.1.20") throws -> ServerConfiguration {
        var options = ServerOptions()
        options.set("data-dir", tmp.path)
        options.set("advertise-address", advertise)
        options.append("tls-san", sans)
        options.set("write-kubeconfig", tmp.file("kube/k3s.yaml"))
        return try ServerConfiguration(options: options, host: testHost)
    }

    func load(_ config: ServerConfiguration, now: Date = Date()) throws -> ClusterPKI {
        try ClusterPKI.loadOrCreate(directory: config.tlsDirectory, serving: ServingIdentity(configuration: config), now: now, logger: logger)
    }

    static let files = [
        "server-ca.crt", "server-ca.key", "client-ca.crt", "client-ca.key",
        "serving-kube-apiserver.crt", "serving-kube-apiserver.key", "client-admin.crt", "client-admin.key",
        "service.key", "service.pub",
    ]

    @Test func createsK3sFilesWithSafePermissions() throws {
        let tmp = try TemporaryDirectory()
        let config = try configuration(tmp)
        let pki = try load(config)
        #expect(pki.issued == ["server-ca", "client-ca", "serving-kube-apiserver", "client-admin", "service"])
        for file in Self.files {
            let path = config.tlsDirectory + "/" + file
            #expect(FileManager.default.fileExists(atPath: path), "\(file)")
            let mode = try FileSystem.permissions(path)
            #expect(file.hasSuffix(".key") ? mode == 0o600 : mode == 0o644, "\(file) has mode \(String(mode, radix: 8))")
        }
        #expect(try String(contentsOfFile: config.tlsDirectory + "/server-ca.crt", encoding: .utf8) == pki.serverCAPEM)
        #expect(pki.servingCertificateChainPEM.components(separatedBy: "BEGIN CERTIFICATE").count == 3)
    }

    @Test func certificatesHaveTheRightShape() throws {
        let tmp = try TemporaryDirectory()
        let config = try configuration(tmp, sans: ["api.example.com", "203.0.113.7"])
        let pki = try load(config)

        #expect(pki.serverCA.certificate.subject.description.contains("k3s-server-ca@"))
        #expect(pki.clientCA.certificate.subject.description.contains("k3s-client-ca@"))
        #expect(try pki.serverCA.certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))
        #expect(try pki.serving.certificate.extensions.basicConstraints == .notCertificateAuthority)
        #expect(try pki.serving.certificate.extensions.extendedKeyUsage?.contains(.serverAuth) == true)
        #expect(try pki.admin.certificate.extensions.extendedKeyUsage?.contains(.clientAuth) == true)

        let names = CertificateFactory.subjectAlternativeNames(of: pki.serving.certificate)
        for dns in ["localhost", "testhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                    "kubernetes.default.svc.cluster.local", "api.example.com"] {
            #expect(names.dnsNames.contains(dns), "missing DNS SAN \(dns)")
        }
        for ip in ["127.0.0.1", "::1", "192.168.1.20", "10.43.0.1", "203.0.113.7"] {
            #expect(names.ipAddresses.contains(IPAddress(ip)!), "missing IP SAN \(ip)")
        }
        #expect(pki.serving.certificate.issuer == pki.serverCA.certificate.subject)
        #expect(pki.admin.certificate.issuer == pki.clientCA.certificate.subject)
        #expect(pki.admin.certificate.subject.description.contains("CN=system:admin"))
        #expect(pki.admin.certificate.subject.description.contains("O=system:masters"))

        let caLife = pki.serverCA.certificate.notValidAfter.timeIntervalSince(pki.serverCA.certificate.notValidBefore)
        let leafLife = pki.serving.certificate.notValidAfter.timeIntervalSinceNow
        #expect(caLife > 9.9 * 365 * 86_400)
        #expect(abs(leafLife - 365 * 86_400) < 3600)
    }

    @Test func restartReusesEverything() throws {
        let tmp = try TemporaryDirectory()
        let config = try configuration(tmp, sans: ["api.example.com"])
        let first = try load(config)
        let second = try load(config)
        #expect(second.issued.isEmpty)
        #expect(second.serverCAPEM == first.serverCAPEM)
        #expect(second.clientCAPEM == first.clientCAPEM)
        #expect(second.servingCertificateChainPEM == first.servingCertificateChainPEM)
        #expect(second.servingKeyPEM == first.servingKeyPEM)
        #expect(second.admin.certificatePEM == first.admin.certificatePEM)
        #expect(second.serviceAccountKey.rawRepresentation == first.serviceAccountKey.rawRepresentation)
        // The same set of SANs in another order is no change.
        let identity = ServingIdentity(configuration: config)
        let reordered = ServingIdentity(dnsNames: identity.dnsNames.reversed(), ipAddresses: identity.ipAddresses.reversed())
        #expect(try ClusterPKI.loadOrCreate(directory: config.tlsDirectory, serving: reordered, logger: logger).issued.isEmpty)
    }

    @Test func sanChangeReissuesOnlyTheServingCertificate() throws {
        let tmp = try TemporaryDirectory()
        let first = try load(configuration(tmp))
        let changed = try load(configuration(tmp, sans: ["new.example.com"]))
        #expect(changed.issued == ["serving-kube-apiserver"])
        #expect(changed.serverCAPEM == first.serverCAPEM)
        #expect(changed.servingKeyPEM == first.servingKeyPEM, "the key is kept")
        #expect(changed.serving.certificatePEM != first.serving.certificatePEM)
        #expect(CertificateFactory.subjectAlternativeNames(of: changed.serving.certificate).dnsNames.contains("new.example.com"))
        #expect(changed.admin.certificatePEM == first.admin.certificatePEM)

        let advertiseChanged = try load(configuration(tmp, sans: ["new.example.com"], advertise: "10.0.0.9"))
        #expect(advertiseChanged.issued == ["serving-kube-apiserver"])
    }

    @Test func leavesNearExpiryAreRenewed() throws {
        let tmp = try TemporaryDirectory()
        let config = try configuration(tmp)
        let start = Date()
        let first = try load(config, now: start)
        #expect(try load(config, now: start + 270 * 86_400).issued.isEmpty, "more than 90 days left: kept")
        let later = try load(config, now: start + 280 * 86_400)
        #expect(later.issued == ["serving-kube-apiserver", "client-admin"])
        #expect(later.serverCAPEM == first.serverCAPEM)
        #expect(later.serving.certificate.notValidAfter > first.serving.certificate.notValidAfter)
    }

    @Test func newCAReissuesItsLeaves() throws {
        let tmp = try TemporaryDirectory()
        let config = try configuration(tmp)
        let first = try load(config)
        try FileManager.default.removeItem(atPath: config.tlsDirectory + "/client-ca.key")
        let second = try load(config)
        #expect(second.issued == ["client-ca", "client-admin"])
        #expect(second.clientCAPEM != first.clientCAPEM)
        #expect(second.serverCAPEM == first.serverCAPEM)
        #expect(second.clientCA.certificate.publicKey.isValidSignature(second.admin.certificate.signature, for: second.admin.certificate))
    }

    @Test func corruptLeafIsReplacedCorruptServiceKeyIsRefused() throws {
        let tmp = try TemporaryDirectory()
        let config = try configuration(tmp)
        _ = try load(config)
        try tmp.write("server/tls/client-admin.crt", "garbage")
        #expect(try load(config).issued == ["client-admin"])
        try tmp.write("server/tls/service.key", "garbage")
        #expect(throws: PKIError.self) { try load(config) }
    }

    @Test func issuesExtraClientCertificates() throws {
        let tmp = try TemporaryDirectory()
        let pki = try load(configuration(tmp))
        let node = try pki.issueClientCertificate(commonName: "system:node:n1", organizations: ["system:nodes"])
        #expect(pki.clientCA.certificate.publicKey.isValidSignature(node.certificate.signature, for: node.certificate))
        #expect(node.certificate.subject.description.contains("CN=system:node:n1"))
    }

    // Needs the openssl command-line tool (Debian's `openssl`; .ci/run installs it).
    @Test(.enabled(if: findTool("openssl") != nil, "needs openssl on PATH"))
    func opensslVerifiesChainsAndNames() throws {
        let openssl = try #require(findTool("openssl"))
        let tmp = try TemporaryDirectory()
        let config = try configuration(tmp, sans: ["api.example.com"])
        _ = try load(config)
        let tls = config.tlsDirectory
        let admin = try runTool(openssl, ["verify", "-purpose", "sslclient", "-CAfile", tls + "/client-ca.crt", tls + "/client-admin.crt"])
        #expect(admin.status == 0, "\(admin.output) \(admin.error)")
        let wrongCA = try runTool(openssl, ["verify", "-CAfile", tls + "/server-ca.crt", tls + "/client-admin.crt"])
        #expect(wrongCA.status != 0)
        for name in ["-verify_hostname", "kubernetes.default.svc.cluster.local", "-verify_hostname", "api.example.com", "-verify_ip", "10.43.0.1", "-verify_ip", "127.0.0.1"].chunked() {
            let serving = try runTool(openssl, ["verify", "-purpose", "sslserver", name.0, name.1, "-CAfile", tls + "/server-ca.crt", tls + "/serving-kube-apiserver.crt"])
            #expect(serving.status == 0, "\(name): \(serving.output) \(serving.error)")
        }
        let wrongName = try runTool(openssl, ["verify", "-verify_hostname", "evil.example.com", "-CAfile", tls + "/server-ca.crt", tls + "/serving-kube-apiserver.crt"])
        #expect(wrongName.status != 0)
        let key = try runTool(openssl, ["pkey", "-in", tls + "/service.key", "-noout", "-text"])
        #expect(key.status == 0)
        #expect(key.output.contains("prime256v1") || key.output.contains("P-256"))
    }
}

extension Array where Element == String {
    /// Pairs consecutive elements.
    func chunked() -> [(String, String)] {
        stride(from: 0, to: count - 1, by: 2).map { (self[$0], self[$0 + 1]) }
    }
}
