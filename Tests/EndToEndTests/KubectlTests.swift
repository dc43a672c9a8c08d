import Foundation
import Synchronization
import Testing

/// The real `k3s` binary driven by the real `kubectl` on PATH, asserting what kubectl prints.
@Suite(.enabled(if: K3sServerProcess.kubectlAvailable, "needs kubectl on PATH"))
struct KubectlTests {
    static let manifest = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          labels: {app: shop}
        data:
          mode: fast
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: {app: shop}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: nginx
                image: nginx:1.25
        """

    @Test func discoveryVersionAndNamespaces() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        let version = try await server.kubectlOK("version", "-o", "json")
        #expect(version.contains("\"gitVersion\": \"v1.36.2+k3s-swift\""))
        let namespaces = try await server.kubectlOK("get", "ns", "-o", "name")
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            #expect(namespaces.contains("namespace/\(name)"), "missing \(name) in \(namespaces)")
        }
        let resources = try await server.kubectlOK("api-resources", "-o", "name")
        for name in ["pods", "deployments.apps", "jobs.batch", "clusterroles.rbac.authorization.k8s.io", "leases.coordination.k8s.io"] {
            #expect(resources.split(separator: "\n").contains(Substring(name)), "api-resources lacks \(name)")
        }
        let explain = try await server.kubectlOK("explain", "pod.spec.containers")
        #expect(explain.contains("FIELD: containers <[]Container>"))
        #expect(try await server.kubectlOK("get", "--raw", "/readyz") == "ok")
    }

    @Test func applyGetPatchScaleDelete() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        let file = server.dataDir + "/app.yaml"
        try Self.manifest.write(toFile: file, atomically: true, encoding: .utf8)

        #expect(try await server.kubectlOK("apply", "-f", file) == "configmap/settings created\ndeployment.apps/web created\n")
        #expect(try await server.kubectlOK("apply", "-f", file) == "configmap/settings unchanged\ndeployment.apps/web unchanged\n")
        try Self.manifest.replacingOccurrences(of: "mode: fast", with: "mode: safe")
            .write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await server.kubectlOK("apply", "-f", file) == "configmap/settings configured\ndeployment.apps/web unchanged\n")

        #expect(try await server.kubectlOK("get", "cm", "settings", "-o", "jsonpath={.data.mode}") == "safe")
        #expect(try await server.kubectlOK("get", "cm", "-l", "app=shop", "-o", "name") == "configmap/settings\n")
        #expect(try await server.kubectlOK("get", "deploy", "web", "-o", "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas")
            == "NAME   REPLICAS\nweb    2\n")
        let wide = try await server.kubectlOK("get", "deploy", "web", "-o", "wide")
        #expect(wide.hasPrefix("NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR"))
        #expect(wide.contains("nginx:1.25"))
        let yaml = try await server.kubectlOK("get", "cm", "settings", "-o", "yaml")
        #expect(yaml.contains("resourceVersion:"))
        #expect(yaml.contains("uid:"))

        #expect(try await server.kubectlOK("label", "cm", "settings", "tier=web") == "configmap/settings labeled\n")
        #expect(try await server.kubectlOK("annotate", "cm", "settings", "owner=team") == "configmap/settings annotated\n")
        #expect(try await server.kubectlOK("patch", "cm", "settings", "-p", #"{"data":{"b":"2"}}"#) == "configmap/settings patched\n")
        #expect(try await server.kubectlOK("patch", "cm", "settings", "--type=merge", "-p", #"{"data":{"c":"3"}}"#) == "configmap/settings patched\n")
        #expect(try await server.kubectlOK("patch", "cm", "settings", "--type=json", "-p", #"[{"op":"add","path":"/data/d","value":"4"}]"#)
            == "configmap/settings patched\n")
        #expect(try await server.kubectlOK("get", "cm", "settings", "-o", "jsonpath={.data}") == #"{"b":"2","c":"3","d":"4","mode":"safe"}"#)

        #expect(try await server.kubectlOK("scale", "deployment", "web", "--replicas=5") == "deployment.apps/web scaled\n")
        #expect(try await server.kubectlOK("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}") == "5")

        #expect(try await server.kubectlOK("delete", "cm", "settings") == "configmap \"settings\" deleted\n")
        let missing = try await server.kubectl("get", "cm", "settings")
        #expect(missing.status != 0)
        #expect(missing.stderr.contains(#"Error from server (NotFound): configmaps "settings" not found"#))
    }

    @Test func paginationWatchAndDryRun() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        var documents: [String] = []
        for i in 0..<7 {
            documents.append("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-\(i)\ndata:\n  i: \"\(i)\"\n")
        }
        _ = try await server.kubectlOK("apply", "-f", "-", stdin: documents.joined(separator: "---\n"))
        let paged = try await server.kubectlOK("get", "cm", "--chunk-size=2", "-o", "name")
        #expect(paged.split(separator: "\n").filter { $0.hasPrefix("configmap/cm-") }.count == 7)

        // Server-side dry run: reported as created, nothing stored.
        let dry = try await server.kubectlOK(
            "apply", "--dry-run=server", "-f", "-",
            stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ghost\n"
        )
        #expect(dry == "configmap/ghost created (server dry run)\n")
        #expect(try await server.kubectl("get", "cm", "ghost").status != 0)

        // A watch sees a create that happens after it starts.
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: K3sServerProcess.executable(named: "kubectl")!)
        watch.arguments = ["--kubeconfig", server.kubeconfig, "get", "cm", "-w", "-o", "name", "--request-timeout", "30s"]
        let output = Pipe()
        watch.standardOutput = output
        watch.standardError = Pipe()
        try watch.run()
        defer { if watch.isRunning { watch.terminate() }; watch.waitUntilExit() }
        let lines = LineCollector(handle: output.fileHandleForReading)
        // The initial listing arrives first; then create and wait for the new name.
        try await lines.waitFor("configmap/cm-6", within: .seconds(20))
        _ = try await server.kubectlOK("apply", "-f", "-", stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\n")
        try await lines.waitFor("configmap/late", within: .seconds(20))
    }

    @Test func errorsAreKubernetesStatuses() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\n"
        _ = try await server.kubectlOK("create", "-f", "-", stdin: cm)
        let again = try await server.kubectl("create", "-f", "-", stdin: cm)
        #expect(again.status != 0)
        #expect(again.stderr.contains(#"Error from server (AlreadyExists): error when creating "STDIN": configmaps "dup" already exists"#))

        let invalid = try await server.kubectl("apply", "-f", "-", stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n")
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains("ConfigMap \"Not_Valid\" is invalid: metadata.name: Invalid value: \"Not_Valid\""))

        let big = String(repeating: "x", count: 4 * 1024 * 1024)
        let oversized = try await server.kubectl(
            "apply", "-f", "-", stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: \(big)\n"
        )
        #expect(oversized.status != 0)
        #expect(oversized.stderr.contains("Request entity too large"))

        // A bad bearer token is refused with 401 (kubectl would prompt for a password without one).
        let address = try await server.kubectlOK("config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.server}")
        let bare = server.dataDir + "/anonymous.yaml"
        try """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "\(address)", insecure-skip-tls-verify: true}}]
            users: [{name: u, user: {token: not-a-real-token}}]
            contexts: [{name: c, context: {cluster: c, user: u}}]
            current-context: c
            """.write(toFile: bare, atomically: true, encoding: .utf8)
        let anonymous = try await run(K3sServerProcess.executable(named: "kubectl")!, ["--kubeconfig", bare, "get", "ns"])
        #expect(anonymous.status != 0)
        #expect(anonymous.stderr.contains("error: You must be logged in to the server (Unauthorized)"), "\(anonymous.stderr)")
    }
}

/// Collects the lines a process writes and lets a test await one, with a deadline.
final class LineCollector: Sendable {
    private let text = Mutex("")

    init(handle: FileHandle) {
        handle.readabilityHandler = { [weak self] h in
            let data = h.availableData
            guard let self, !data.isEmpty else { return }
            self.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
    }

    func waitFor(_ line: String, within timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if text.withLock({ $0.split(separator: "\n").contains(Substring(line)) }) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw E2EError("\(line) not seen within \(timeout); output so far:\n\(text.withLock { $0 })")
    }
}
