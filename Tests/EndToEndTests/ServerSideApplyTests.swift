import Foundation
import Testing

/// Server-side apply, field ownership and `kubectl diff` with the real kubectl.
@Suite(.enabled(if: K3sServerProcess.kubectlAvailable, "needs kubectl on PATH"))
struct ServerSideApplyE2ETests {
    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels:
            app: web
        spec:
          replicas: 2
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: nginx
                image: nginx:1.25
                ports:
                - containerPort: 80
        """

    @Test func serverSideApplyConflictsForceAndDiff() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        let file = server.dataDir + "/deploy.yaml"
        try Self.deployment.write(toFile: file, atomically: true, encoding: .utf8)

        #expect(try await server.kubectlOK("apply", "--server-side", "-f", file) == "deployment.apps/web serverside-applied\n")
        #expect(try await server.kubectlOK("apply", "--server-side", "-f", file) == "deployment.apps/web serverside-applied\n")

        // Another manager changing spec.replicas conflicts with kubectl's ownership.
        let scaled = server.dataDir + "/scaled.yaml"
        try Self.deployment.replacingOccurrences(of: "replicas: 2", with: "replicas: 4").write(toFile: scaled, atomically: true, encoding: .utf8)
        let conflict = try await server.kubectl("apply", "--server-side", "--field-manager=other", "-f", scaled)
        #expect(conflict.status != 0)
        #expect(conflict.stderr.contains(#"Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas"#), "\(conflict.stderr)")
        #expect(try await server.kubectlOK("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}") == "2")

        #expect(try await server.kubectlOK("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", scaled)
            == "deployment.apps/web serverside-applied\n")
        #expect(try await server.kubectlOK("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}") == "4")

        // Both managers show up; kubectl no longer owns replicas, other does.
        let yaml = try await server.kubectlOK("get", "deploy", "web", "-o", "yaml", "--show-managed-fields")
        #expect(yaml.contains("managedFields:"))
        #expect(yaml.contains("manager: kubectl\n"))
        #expect(yaml.contains("manager: other\n"))
        #expect(yaml.contains("operation: Apply"))
        #expect(yaml.contains("fieldsType: FieldsV1"))
        #expect(yaml.contains("k:{\"name\":\"nginx\"}:"))
        #expect(yaml.contains("k:{\"containerPort\":80,\"protocol\":\"TCP\"}:"))
        let json = try await server.kubectlOK("get", "deploy", "web", "-o", "json", "--show-managed-fields")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let entries = try #require((object["metadata"] as? [String: Any])?["managedFields"] as? [[String: Any]])
        func ownsReplicas(_ manager: String) -> Bool? {
            guard let entry = entries.first(where: { $0["manager"] as? String == manager && $0["operation"] as? String == "Apply" }),
                  let fields = entry["fieldsV1"] as? [String: Any], let spec = fields["f:spec"] as? [String: Any] else { return nil }
            return spec["f:replicas"] != nil
        }
        // The two appliers; the deployment controller's own status and annotation writes add
        // Update entries of their own.
        #expect(entries.filter { $0["operation"] as? String == "Apply" }.count == 2)
        #expect(ownsReplicas("kubectl") == false)
        #expect(ownsReplicas("other") == true)
        // Without the flag kubectl hides them.
        #expect(!(try await server.kubectlOK("get", "deploy", "web", "-o", "yaml")).contains("managedFields"))

        // kubectl diff: nothing changed → exit 0; a change → the diff and exit 1.
        let same = try await server.kubectl("diff", "--server-side", "--field-manager=other", "--force-conflicts", "-f", scaled)
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.isEmpty)
        let changed = server.dataDir + "/changed.yaml"
        try Self.deployment.replacingOccurrences(of: "replicas: 2", with: "replicas: 4").replacingOccurrences(of: "nginx:1.25", with: "nginx:1.27")
            .write(toFile: changed, atomically: true, encoding: .utf8)
        for flags in [["--server-side", "--field-manager=other", "--force-conflicts"], []] {
            let diff = try await server.kubectl(["diff"] + flags + ["-f", changed])
            #expect(diff.status == 1, "diff \(flags): \(diff.stderr)")
            let lines = diff.stdout.split(separator: "\n")
            #expect(lines.contains { $0.hasPrefix("-") && $0.hasSuffix("image: nginx:1.25") }, "\(diff.stdout)")
            #expect(lines.contains { $0.hasPrefix("+") && $0.hasSuffix("image: nginx:1.27") }, "\(diff.stdout)")
        }
        // The dry runs stored nothing.
        #expect(try await server.kubectlOK("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "nginx:1.25")
    }

    @Test func clientSideWritesRecordTheirManagers() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        let file = server.dataDir + "/cm.yaml"
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await server.kubectlOK("create", "-f", file) == "configmap/c created\n")
        #expect(try await server.kubectlOK("label", "configmap", "c", "x=y") == "configmap/c labeled\n")
        let managers = try await server.kubectlOK("get", "cm", "c", "--show-managed-fields", "-o", "jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation}{\"\\n\"}{end}")
        #expect(managers == "kubectl-create/Update\nkubectl-label/Update\n", "\(managers)")

        // Client-side apply, then server-side apply: kubectl upgrades the ownership and the
        // object keeps its content.
        let deploy = server.dataDir + "/deploy.yaml"
        try Self.deployment.write(toFile: deploy, atomically: true, encoding: .utf8)
        #expect(try await server.kubectlOK("apply", "-f", deploy) == "deployment.apps/web created\n")
        #expect(try await server.kubectlOK("apply", "--server-side", "-f", deploy) == "deployment.apps/web serverside-applied\n")
        #expect(try await server.kubectlOK("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image} {.spec.template.metadata.labels.app}") == "nginx:1.25 web")
        let owners = try await server.kubectlOK("get", "deploy", "web", "--show-managed-fields", "-o", "jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation}{\"\\n\"}{end}")
        #expect(owners.contains("kubectl/Apply\n"), "\(owners)")
    }
}
