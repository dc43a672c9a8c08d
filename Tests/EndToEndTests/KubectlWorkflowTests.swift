import Foundation
import Testing

/// More of what users do with kubectl against the real `k3s` binary: describe and replace for
/// the common kinds, conflicts, malformed bodies, generateName, field selectors, and a
/// service account whose token is forbidden until a RoleBinding allows it.
@Suite(.enabled(if: K3sServerProcess.kubectlAvailable, "needs kubectl on PATH"))
struct KubectlWorkflowTests {
    static let manifest = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cfg, labels: {app: shop}}
        data: {mode: fast}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        stringData: {password: hunter2}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: front}
        spec:
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: 8080}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: nginx, image: "nginx:1.25"}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: solo, labels: {app: web}}
        spec:
          schedulerName: by-hand
          containers: [{name: box, image: busybox, command: [sleep, "3600"]}]
        """

    @Test func describeGetReplaceDeleteCommonKinds() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        let created = try await server.kubectlOK("apply", "-f", "-", stdin: Self.manifest)
        #expect(created == "configmap/cfg created\nsecret/creds created\nservice/front created\ndeployment.apps/web created\npod/solo created\n")

        let cfg = try await squeezed(server.kubectlOK("describe", "configmap", "cfg"))
        #expect(cfg.contains("Name: cfg\nNamespace: default\nLabels: app=shop\n"), "\(cfg)")
        #expect(cfg.contains("mode:\n----\nfast\n"), "\(cfg)")

        let secret = try await squeezed(server.kubectlOK("describe", "secret", "creds"))
        #expect(secret.contains("Type: Opaque"), "\(secret)")
        #expect(secret.contains("password: 7 bytes"), "\(secret)")
        #expect(try await server.kubectlOK("get", "secret", "creds", "-o", "jsonpath={.data.password}") == "aHVudGVyMg==")

        let service = try await squeezed(server.kubectlOK("describe", "service", "front"))
        #expect(service.contains("Type: ClusterIP"), "\(service)")
        #expect(service.contains("Port: http 80/TCP"), "\(service)")
        #expect(service.contains("TargetPort: 8080/TCP"), "\(service)")
        let clusterIP = try await server.kubectlOK("get", "svc", "front", "-o", "jsonpath={.spec.clusterIP}")
        #expect(clusterIP.hasPrefix("10.43."), "\(clusterIP)")
        #expect(service.contains("IP: \(clusterIP)\n"), "\(service)")

        let deployment = try await squeezed(server.kubectlOK("describe", "deployment", "web"))
        #expect(deployment.contains("Replicas: 2 desired"), "\(deployment)")
        #expect(deployment.contains("StrategyType: RollingUpdate"), "\(deployment)")
        #expect(deployment.contains("RollingUpdateStrategy: 25% max unavailable, 25% max surge"), "\(deployment)")

        let pod = try await squeezed(server.kubectlOK("describe", "pod", "solo"))
        #expect(pod.contains("Status: Pending"), "\(pod)")
        #expect(pod.contains("Image: busybox"), "\(pod)")
        #expect(pod.contains("QoS Class: BestEffort"), "\(pod)")

        // get -o json and replace for each kind.
        for (resource, path, value) in [
            ("configmap/cfg", "data", #"{"mode":"slow"}"#),
            ("secret/creds", "metadata.labels", #"{"rotated":"yes"}"#),
            ("service/front", "metadata.labels", #"{"tier":"edge"}"#),
            ("deployment/web", "metadata.labels", #"{"tier":"web"}"#),
            ("pod/solo", "metadata.labels", #"{"app":"web","extra":"1"}"#),
        ] {
            let json = try await server.kubectlOK("get", resource, "-o", "json")
            var object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let newValue = try JSONSerialization.jsonObject(with: Data(value.utf8))
            if path == "data" {
                object["data"] = newValue
            } else {
                var meta = object["metadata"] as? [String: Any] ?? [:]
                meta["labels"] = newValue
                object["metadata"] = meta
            }
            let replaced = try await server.kubectlOK("replace", "-f", "-", stdin: String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
            #expect(replaced.hasSuffix(" replaced\n"), "\(resource): \(replaced)")
        }
        #expect(try await server.kubectlOK("get", "cm", "cfg", "-o", "jsonpath={.data.mode}") == "slow")
        #expect(try await server.kubectlOK("get", "pod", "solo", "-o", "jsonpath={.metadata.labels.extra}") == "1")

        // A replace that carries a stale resourceVersion is a Conflict.
        let stale = try await server.kubectlOK("get", "cm", "cfg", "-o", "json")
        _ = try await server.kubectlOK("label", "cm", "cfg", "bump=1")
        let conflict = try await server.kubectl("replace", "-f", "-", stdin: stale)
        #expect(conflict.status != 0)
        #expect(conflict.stderr.contains(#"Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again"#), "\(conflict.stderr)")

        let deleted = try await server.kubectlOK("delete", "-f", "-", stdin: Self.manifest)
        #expect(deleted.contains("configmap \"cfg\" deleted") && deleted.contains("deployment.apps \"web\" deleted"), "\(deleted)")
        // What remains is the CA bundle the root-CA publisher keeps in every namespace; the
        // garbage collector removes the Deployment's ReplicaSet and pods after it.
        try await server.eventually(["get", "cm,secret,deploy,rs,pod", "-o", "name"]) { $0 == "configmap/kube-root-ca.crt\n" }
    }

    @Test func everyVerbForEveryCommonKind() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        _ = try await server.kubectlOK("apply", "-f", "-", stdin: CustomResourceKubectlTests.crd)
        _ = try await server.kubectlOK("wait", "--for", "condition=established", "--timeout=30s", "crd/crontabs.stable.example.com")
        _ = try await server.kubectlOK("create", "-f", "-", stdin: Self.manifest + "\n---\n" + CustomResourceKubectlTests.cronTab)

        // (resource, kubectl's name for what it prints, whether strategic merge applies)
        let kinds: [(String, String, Bool)] = [
            ("configmap/cfg", "configmap/cfg", true),
            ("secret/creds", "secret/creds", true),
            ("service/front", "service/front", true),
            ("deployment/web", "deployment.apps/web", true),
            ("pod/solo", "pod/solo", true),
            ("crontab/nightly", "crontab.stable.example.com/nightly", false),
        ]
        for (resource, printed, strategic) in kinds {
            let name = String(resource.split(separator: "/")[1])
            #expect(try await server.kubectlOK("get", resource, "-o", "name") == printed + "\n")
            let wide = try await server.kubectlOK("get", resource, "-o", "wide")
            #expect(wide.hasPrefix("NAME") && wide.contains("\n\(name) "), "\(resource): \(wide)")
            #expect(try await server.kubectlOK("get", resource, "-o", "yaml").contains("  name: \(name)\n"))
            #expect(try await server.kubectlOK("get", resource, "-o", "jsonpath={.metadata.name}") == name)
            let columns = try await squeezed(server.kubectlOK("get", resource, "-o", "custom-columns=N:.metadata.name,NS:.metadata.namespace"))
            #expect(columns == "N NS\n\(name) default\n", "\(resource): \(columns)")
            #expect(try await server.kubectlOK("label", resource, "checked=yes") == "\(printed) labeled\n")
            #expect(try await server.kubectlOK("annotate", resource, "note=hi") == "\(printed) annotated\n")
            if strategic {
                #expect(try await server.kubectlOK("patch", resource, "-p", #"{"metadata":{"labels":{"p1":"s"}}}"#) == "\(printed) patched\n")
            } else {
                let refused = try await server.kubectl("patch", resource, "-p", #"{"metadata":{"labels":{"p1":"s"}}}"#)
                #expect(refused.status != 0 && refused.stderr.contains("application/strategic-merge-patch+json is not supported by stable.example.com/v1, Kind=CronTab"), "\(refused.stderr)")
            }
            #expect(try await server.kubectlOK("patch", resource, "--type=merge", "-p", #"{"metadata":{"labels":{"p2":"m"}}}"#) == "\(printed) patched\n")
            #expect(try await server.kubectlOK("patch", resource, "--type=json", "-p", #"[{"op":"add","path":"/metadata/labels/p3","value":"j"}]"#) == "\(printed) patched\n")
            let labels = try await server.kubectlOK("get", resource, "-o", "jsonpath={.metadata.labels.checked}{.metadata.labels.p2}{.metadata.labels.p3}{.metadata.annotations.note}")
            #expect(labels == "yesmjhi", "\(resource): \(labels)")
            let described = try await squeezed(server.kubectlOK("describe", resource))
            #expect(described.contains("Name: \(name)\n") && described.contains("checked=yes"), "\(resource): \(described)")
            let json = try await server.kubectlOK("get", resource, "-o", "json")
            let replaced = try await server.kubectlOK("replace", "-f", "-", stdin: json.replacingOccurrences(of: #""checked": "yes""#, with: #""checked": "again""#))
            #expect(replaced == "\(printed) replaced\n", "\(resource): \(replaced)")
            #expect(try await server.kubectlOK("get", resource, "-o", "jsonpath={.metadata.labels.checked}") == "again")
            #expect(try await server.kubectlOK("delete", resource).hasSuffix("\" deleted\n"))
            #expect(try await server.kubectl("get", resource).stderr.contains("NotFound"))
        }
    }

    @Test func generateNameFieldSelectorsAndMalformedBodies() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        let made = try await server.kubectlOK("create", "-f", "-", stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\n")
        #expect(made.hasPrefix("configmap/gen-") && made.hasSuffix(" created\n") && made.count == "configmap/gen-xxxxx created\n".count, "\(made)")
        let name = String(made.dropFirst("configmap/".count).prefix("gen-xxxxx".count))
        #expect(try await server.kubectlOK("get", "cm", "--field-selector", "metadata.name=\(name)", "-o", "name") == "configmap/\(name)\n")
        #expect(try await server.kubectlOK("get", "cm", "--field-selector", "metadata.name!=\(name)", "-o", "name").contains(name) == false)

        let malformedFile = server.dataDir + "/malformed.json"
        try #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"#.write(toFile: malformedFile, atomically: true, encoding: .utf8)
        let malformed = try await server.kubectl("create", "--raw", "/api/v1/namespaces/default/configmaps", "-f", malformedFile)
        #expect(malformed.status != 0)
        #expect(malformed.stderr.contains("Error from server (BadRequest)"), "\(malformed.stderr)")
        #expect(try await server.kubectl("get", "cm", "x").status != 0)

        // No credentials at all: 401 with a Status (kubectl itself would prompt for a user name).
        let address = try await server.kubectlOK("config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.server}")
        let nobody = try await run("/usr/bin/curl", ["-s", "--cacert", server.dataDir + "/server/tls/server-ca.crt", address + "/api/v1/namespaces"])
        #expect(nobody.stdout == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"# + "\n", "\(nobody.stdout)")
    }

    @Test func serviceAccountTokenIsForbiddenUntilBound() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        #expect(try await server.kubectlOK("create", "serviceaccount", "bot") == "serviceaccount/bot created\n")
        #expect(try await server.kubectlOK("auth", "can-i", "create", "pods") == "yes\n")
        let token = try await server.kubectlOK("create", "token", "bot", "--duration=10m").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.split(separator: ".").count == 3, "\(token)")

        let address = try await server.kubectlOK("config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.server}")
        let asBot = ["--kubeconfig", "/dev/null", "--server", address, "--certificate-authority", server.dataDir + "/server/tls/server-ca.crt", "--token", token]
        let kubectl = K3sServerProcess.executable(named: "kubectl")!
        let forbidden = try await run(kubectl, asBot + ["get", "pods"])
        #expect(forbidden.status != 0)
        #expect(forbidden.stderr.contains(#"Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:bot" cannot list resource "pods" in API group "" in the namespace "default""#), "\(forbidden.stderr)")
        #expect(try await run(kubectl, asBot + ["auth", "can-i", "list", "pods"]).stdout == "no\n")

        #expect(try await server.kubectlOK("create", "rolebinding", "bot-view", "--clusterrole=view", "--serviceaccount=default:bot") == "rolebinding.rbac.authorization.k8s.io/bot-view created\n")
        let allowed = try await eventually(within: .seconds(10)) { try await run(kubectl, asBot + ["get", "pods"]) }
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stderr.contains("No resources found in default namespace."), "\(allowed.stderr)")
        let whoami = try await run(kubectl, asBot + ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])
        #expect(whoami.stdout == "system:serviceaccount:default:bot", "\(whoami.stderr)")
    }

    @Test func impersonationActsAsTheNamedUser() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        // The admin may impersonate anyone; the request then has only the impersonated rights.
        let asAlice = try await server.kubectl(["--as", "alice", "get", "pods"])
        #expect(asAlice.status != 0)
        #expect(asAlice.stderr.contains(#"pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default""#), "\(asAlice.stderr)")
        #expect(try await server.kubectlOK("auth", "whoami", "--as", "alice", "--as-group", "devs", "-o", "jsonpath={.status.userInfo.groups}") == #"["devs","system:authenticated"]"#)
        // `can-i` exits 1 for "no".
        #expect(try await server.kubectl(["auth", "can-i", "create", "deployments", "--as", "system:node:n1", "--as-group", "system:nodes"]).stdout == "no\n")
        #expect(try await server.kubectlOK("auth", "can-i", "list", "networkpolicies", "-A", "--as", "system:node:n1", "--as-group", "system:nodes") == "yes\n")
        // A user who may not impersonate is refused, naming what.
        #expect(try await server.kubectlOK("create", "serviceaccount", "bot") == "serviceaccount/bot created\n")
        let token = try await server.kubectlOK("create", "token", "bot", "--duration=10m").trimmingCharacters(in: .whitespacesAndNewlines)
        let address = try await server.kubectlOK("config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.server}")
        let asBot = ["--kubeconfig", "/dev/null", "--server", address, "--certificate-authority", server.dataDir + "/server/tls/server-ca.crt", "--token", token]
        let refused = try await run(K3sServerProcess.executable(named: "kubectl")!, asBot + ["--as", "system:admin", "get", "pods"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(#"users "system:admin" is forbidden: User "system:serviceaccount:default:bot" cannot impersonate resource "users" in API group "" at the cluster scope"#), "\(refused.stderr)")
    }

    /// `text` with every run of spaces squeezed to one (describe's column widths vary with
    /// the longest label).
    private func squeezed(_ text: String) -> String {
        var out = ""
        var lastWasSpace = false
        for character in text {
            if character == " " {
                if !lastWasSpace { out.append(character) }
                lastWasSpace = true
            } else {
                out.append(character)
                lastWasSpace = false
            }
        }
        return out
    }

    /// Runs `attempt` until it exits 0 or the deadline passes (RBAC changes reach the
    /// authorizer through a watch); returns the last result.
    private func eventually(within timeout: Duration, _ attempt: () async throws -> CommandResult) async throws -> CommandResult {
        let deadline = ContinuousClock.now + timeout
        var result = try await attempt()
        while result.status != 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            result = try await attempt()
        }
        return result
    }
}
