import Foundation
import Testing

/// kubectl's typed requests, which it sends as `application/vnd.kubernetes.protobuf`.
@Suite(.enabled(if: K3sServerProcess.kubectlAvailable, "needs kubectl on PATH"))
struct KubectlProtobufTests {
    @Test func protobufCreatesAndReviews() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        #expect(try await server.kubectlOK("create", "configmap", "x", "--from-literal=a=b") == "configmap/x created\n")
        #expect(try await server.kubectlOK("get", "cm", "x", "-o", "jsonpath={.data.a}") == "b")
        #expect(try await server.kubectlOK("create", "deployment", "web", "--image=nginx") == "deployment.apps/web created\n")
        #expect(try await server.kubectlOK("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "nginx")
        #expect(try await server.kubectlOK("create", "secret", "generic", "s", "--from-literal=k=v") == "secret/s created\n")
        #expect(try await server.kubectlOK("get", "secret", "s", "-o", "jsonpath={.data.k}") == "dg==")
        #expect(try await server.kubectlOK("create", "service", "clusterip", "svc", "--tcp=80:8080") == "service/svc created\n")
        #expect(try await server.kubectlOK("get", "svc", "svc", "-o", "jsonpath={.spec.ports[0].targetPort}") == "8080")
        #expect(try await server.kubectlOK("create", "serviceaccount", "robot") == "serviceaccount/robot created\n")
        #expect(try await server.kubectlOK("create", "token", "robot").hasPrefix("eyJ"))
        #expect(try await server.kubectlOK("auth", "can-i", "create", "pods") == "yes\n")
        let whoami = try await server.kubectlOK("auth", "whoami")
        #expect(whoami.contains("Username"))
        #expect(whoami.contains("system:masters") || whoami.contains("admin"))
    }
}
