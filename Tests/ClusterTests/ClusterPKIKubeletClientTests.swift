import Foundation
import Logging
import Testing
import X509
@testable import Cluster

@Suite struct ClusterPKIKubeletClientTests {
    @Test("the kubelet client certificate is kube-apiserver-kubelet-client in system:masters, from the client CA")
    func kubeletClientCertificate() throws {
        let tmp = try TemporaryDirectory()
        var options = ServerOptions()
        options.set("data-dir", tmp.path)
        let config = try ServerConfiguration(options: options, host: testHost)
        let pki = try ClusterPKI.loadOrCreate(
            directory: config.tlsDirectory, serving: ServingIdentity(configuration: config), logger: Logger(label: "test.pki"))
        let kubelet = try pki.kubeletClientConfiguration()
        #expect(kubelet.certificateAuthorityPEM == pki.serverCAPEM, "kubelet serving certificates chain to the server CA")
        let certificate = try Certificate(pemEncoded: kubelet.clientCertificatePEM)
        let names = certificate.subject.flatMap { $0 }
        #expect(names.contains { $0.type == .RDNAttributeType.commonName && String($0.value) == "kube-apiserver-kubelet-client" })
        #expect(names.contains { $0.type == .RDNAttributeType.organizationName && String($0.value) == "system:masters" })
        #expect(certificate.issuer == pki.clientCA.certificate.subject)
        #expect(kubelet.clientKeyPEM.contains("PRIVATE KEY"))
        #expect(kubelet.defaultPort == 10250)
        #expect(kubelet.preferredAddressTypes == ["InternalIP", "ExternalIP", "Hostname"])
    }
}
