import Foundation
import Testing

/// CustomResourceDefinitions end to end: the real `k3s` binary and the real kubectl.
@Suite(.enabled(if: K3sServerProcess.kubectlAvailable, "needs kubectl on PATH"))
struct CustomResourceKubectlTests {
    static let crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: crontabs.stable.example.com
        spec:
          group: stable.example.com
          scope: Namespaced
          names:
            plural: crontabs
            singular: crontab
            kind: CronTab
            shortNames: [ct]
          versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
              scale:
                specReplicasPath: .spec.replicas
                statusReplicasPath: .status.replicas
                labelSelectorPath: .status.selector
            additionalPrinterColumns:
            - name: Spec
              type: string
              jsonPath: .spec.cronSpec
            - name: Replicas
              type: integer
              jsonPath: .spec.replicas
            - name: Age
              type: date
              jsonPath: .metadata.creationTimestamp
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    required: [cronSpec]
                    properties:
                      cronSpec:
                        type: string
                      image:
                        type: string
                      replicas:
                        type: integer
                        minimum: 0
                        maximum: 10
                  status:
                    type: object
                    properties:
                      replicas:
                        type: integer
                      selector:
                        type: string
        """

    static let cronTab = """
        apiVersion: stable.example.com/v1
        kind: CronTab
        metadata:
          name: nightly
        spec:
          cronSpec: "0 3 * * *"
          image: backup:1
          replicas: 1
        """

    @Test func crdLifecycleWithKubectl() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        #expect(try await server.kubectlOK("apply", "-f", "-", stdin: Self.crd) == "customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created\n")
        #expect(try await server.kubectlOK("wait", "--for", "condition=established", "--timeout=20s", "crd/crontabs.stable.example.com")
            == "customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com condition met\n")

        #expect(try await server.kubectlOK("apply", "-f", "-", stdin: Self.cronTab) == "crontab.stable.example.com/nightly created\n")
        let table = try await server.kubectlOK("get", "ct")
        let lines = table.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(lines.first == ["NAME", "SPEC", "REPLICAS", "AGE"], "\(table)")
        #expect(lines.dropFirst().first?.prefix(6) == ["nightly", "0", "3", "*", "*", "*"], "\(table)")

        let explain = try await server.kubectlOK("explain", "crontab.spec.replicas")
        #expect(explain.contains("FIELD: replicas <integer>"), "\(explain)")

        let yaml = try await server.kubectlOK("get", "crontab", "nightly", "-o", "yaml")
        #expect(yaml.contains("cronSpec: 0 3 * * *"))
        #expect(yaml.contains("kind: CronTab"))

        #expect(try await server.kubectlOK("patch", "ct", "nightly", "--type=merge", "-p", #"{"spec":{"image":"backup:2"}}"#)
            == "crontab.stable.example.com/nightly patched\n")
        #expect(try await server.kubectlOK("get", "ct", "nightly", "-o", "jsonpath={.spec.image}") == "backup:2")

        #expect(try await server.kubectlOK("scale", "ct", "nightly", "--replicas=3") == "crontab.stable.example.com/nightly scaled\n")
        #expect(try await server.kubectlOK("get", "ct", "nightly", "-o", "jsonpath={.spec.replicas}") == "3")

        let invalid = try await server.kubectl("apply", "-f", "-", stdin: Self.cronTab.replacingOccurrences(of: "replicas: 1", with: "replicas: many"))
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains(#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#), "\(invalid.stderr)")

        let unknown = try await server.kubectl("apply", "-f", "-", stdin: Self.cronTab.replacingOccurrences(of: "name: nightly", with: "name: other") + "\n  colour: red\n")
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains(#"strict decoding error: unknown field "spec.colour""#), "\(unknown.stderr)")

        let deleted = try await server.kubectlOK("delete", "crd", "crontabs.stable.example.com")
        #expect(deleted == "customresourcedefinition.apiextensions.k8s.io \"crontabs.stable.example.com\" deleted\n")
        let after = try await server.kubectl("get", "crontabs.stable.example.com", "nightly")
        #expect(after.status != 0)
        #expect(try await server.kubectl("get", "crd", "crontabs.stable.example.com").status != 0)
    }
}

extension CustomResourceKubectlTests {
    @Test func storedDefinitionsAreServedAfterRestart() async throws {
        let first = try await K3sServerProcess.start()
        _ = try await first.kubectlOK("apply", "-f", "-", stdin: Self.crd)
        _ = try await first.kubectlOK("wait", "--for", "condition=established", "--timeout=20s", "crd/crontabs.stable.example.com")
        _ = try await first.kubectlOK("apply", "-f", "-", stdin: Self.cronTab)
        first.stop(keepingData: true)

        let second = try await K3sServerProcess.start(dataDir: first.dataDir)
        defer { second.stop() }
        // Ready means served: no waiting after /readyz.
        #expect(try await second.kubectlOK("get", "ct", "nightly", "-o", "jsonpath={.spec.cronSpec}") == "0 3 * * *")
        let invalid = try await second.kubectl("apply", "-f", "-", stdin: Self.cronTab.replacingOccurrences(of: "replicas: 1", with: "replicas: 99"))
        #expect(invalid.stderr.contains("spec.replicas: Invalid value: 99: spec.replicas in body should be less than or equal to 10"), "\(invalid.stderr)")
    }
}
