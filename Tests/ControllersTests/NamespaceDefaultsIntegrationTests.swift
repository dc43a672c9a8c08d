import ClusterTesting
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Service account and root CA publisher", .timeLimit(.minutes(2)))
struct NamespaceDefaultsTests {
    static let pem = "-----BEGIN CERTIFICATE-----\nTESTCA\n-----END CERTIFICATE-----\n"

    @Test func newNamespaceGetsDefaultAccountAndCABundle() async throws {
        try await withControllers(options: ControllerOptions(rootCAPEM: Self.pem), {
            [ServiceAccountController(context: $0), RootCACertPublisher(context: $0)]
        }) { _, client in
            _ = try await client.resource(CoreV1.Namespace.self).create(CoreV1.Namespace(metadata: .init(name: "fresh")))
            let accounts = client.resource(CoreV1.ServiceAccount.self)
            let maps = client.resource(CoreV1.ConfigMap.self)
            try await eventually("default account created") { (try? await accounts.get("default", namespace: "fresh")) != nil }
            try await eventually("CA bundle published") { try await maps.get("kube-root-ca.crt", namespace: "fresh").data == ["ca.crt": Self.pem] }
            // Existing namespaces get them too.
            try await eventually("kube-system covered") { (try? await maps.get("kube-root-ca.crt", namespace: "kube-system")) != nil }

            var edited = try await maps.get("kube-root-ca.crt", namespace: "fresh")
            edited.data = ["ca.crt": "tampered"]
            _ = try await maps.update(edited)
            try await eventually("edit reverted") { try await maps.get("kube-root-ca.crt", namespace: "fresh").data == ["ca.crt": Self.pem] }

            try await maps.delete("kube-root-ca.crt", namespace: "fresh")
            try await accounts.delete("default", namespace: "fresh")
            try await eventually("bundle restored") { (try? await maps.get("kube-root-ca.crt", namespace: "fresh"))?.data == ["ca.crt": Self.pem] }
            try await eventually("account restored") { (try? await accounts.get("default", namespace: "fresh")) != nil }
        }
    }
}
