import Foundation
import Testing

/// The control loops end to end: a real `k3s server --disable-agent`, a real
/// `k3s agent --hollow-nodes 3` joined with the node token, and the real kubectl.
@Suite(.enabled(if: K3sServerProcess.kubectlAvailable, "needs kubectl on PATH"))
struct ClusterKubectlTests {
    static func lines(_ text: String) -> [[Substring]] {
        text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
    }

    @Test func nodesDeploymentRolloutUndoAndScale() async throws {
        let (server, agent) = try await K3sServerProcess.startCluster()
        defer { agent.stop(); server.stop() }

        let nodes = try await server.kubectlOK("get", "nodes")
        let header = Self.lines(nodes).first ?? []
        #expect(header == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"])
        #expect(Self.lines(nodes).dropFirst().map { String($0[0]) }.sorted() == ["hollow-0", "hollow-1", "hollow-2"])
        let cidrs = try await server.eventually(["get", "nodes", "-o", "jsonpath={range .items[*]}{.spec.podCIDR}{\"\\n\"}{end}"]) { output in
            output.split(separator: "\n").count == 3 && output.split(separator: "\n").allSatisfy { $0.hasSuffix("/24") }
        }
        #expect(Set(cidrs.split(separator: "\n")).count == 3, "each node has its own podCIDR")

        try await server.kubectlOK("create", "deployment", "web", "--image=nginx", "--replicas=6")
        let rollout = try await server.kubectl("rollout", "status", "deployment/web", "--timeout=90s")
        #expect(rollout.status == 0, "\(rollout.stdout)\(rollout.stderr)")
        #expect(rollout.stdout.contains("successfully rolled out"))
        let pods = try await server.eventually(["get", "pods", "-l", "app=web", "-o", "wide", "--no-headers"]) { output in
            let rows = Self.lines(output)
            return rows.count == 6 && rows.allSatisfy { $0.count > 2 && $0[2] == "Running" }
        }
        let usedNodes = Set(Self.lines(pods).compactMap { $0.count > 6 ? String($0[6]) : nil })
        #expect(usedNodes.count > 1, "pods spread over the nodes: \(usedNodes)")
        let firstRS = try await server.kubectlOK("get", "rs", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")

        try await server.kubectlOK("set", "image", "deployment/web", "nginx=nginx:1.27")
        let second = try await server.kubectl("rollout", "status", "deployment/web", "--timeout=90s")
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        let sets = try await server.eventually(["get", "rs", "-l", "app=web", "--no-headers"]) { output in
            let rows = Self.lines(output)
            return rows.count == 2 && rows.contains { $0[0] == firstRS && $0[1] == "0" } && rows.contains { $0[0] != firstRS && $0[1] == "6" }
        }
        #expect(Self.lines(sets).count == 2)
        let image = try await server.kubectlOK("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
        #expect(image == "nginx:1.27")

        try await server.kubectlOK("rollout", "undo", "deployment/web")
        let undone = try await server.kubectl("rollout", "status", "deployment/web", "--timeout=90s")
        #expect(undone.status == 0, "\(undone.stdout)\(undone.stderr)")
        try await server.eventually(["get", "rs", firstRS, "-o", "jsonpath={.status.readyReplicas}"]) { $0 == "6" }
        let back = try await server.kubectlOK("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
        #expect(back == "nginx")

        try await server.kubectlOK("scale", "deployment/web", "--replicas=2")
        try await server.eventually(["get", "pods", "-l", "app=web", "--no-headers"]) { output in
            Self.lines(output).filter { $0.count > 2 && $0[2] == "Running" }.count == 2 && Self.lines(output).count == 2
        }
    }

    @Test func jobCronJobDaemonSetStatefulSetAndEndpointSlices() async throws {
        let (server, agent) = try await K3sServerProcess.startCluster()
        defer { agent.stop(); server.stop() }

        try await server.kubectlOK("create", "job", "once", "--image=busybox", "--", "true")
        let waited = try await server.kubectl("wait", "--for=condition=complete", "job/once", "--timeout=90s")
        #expect(waited.status == 0, "\(waited.stdout)\(waited.stderr)")

        try await server.kubectlOK("create", "cronjob", "tick", "--image=busybox", "--schedule=*/1 * * * *", "--", "true")
        try await server.eventually(["get", "jobs", "-o", "jsonpath={.items[*].metadata.ownerReferences[0].name}"], timeout: .seconds(150)) {
            $0.split(separator: " ").contains("tick")
        }

        try await server.kubectlOK("apply", "-f", "-", stdin: """
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: agent}
            spec:
              selector: {matchLabels: {app: agent}}
              template:
                metadata: {labels: {app: agent}}
                spec: {containers: [{name: a, image: busybox}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              clusterIP: None
              selector: {app: web}
              ports: [{port: 80, name: http}]
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: web}
            spec:
              serviceName: web
              replicas: 3
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: nginx, image: nginx, ports: [{containerPort: 80, name: http}]}]}
            """)
        let daemonPods = try await server.eventually(["get", "pods", "-l", "app=agent", "-o", "wide", "--no-headers"]) { output in
            let rows = Self.lines(output)
            return rows.count == 3 && rows.allSatisfy { $0.count > 6 && $0[2] == "Running" }
        }
        #expect(Set(Self.lines(daemonPods).map { String($0[6]) }) == ["hollow-0", "hollow-1", "hollow-2"], "one pod per node")

        let ready = try await server.kubectl("rollout", "status", "statefulset/web", "--timeout=120s")
        #expect(ready.status == 0, "\(ready.stdout)\(ready.stderr)")
        let created = try await server.kubectlOK(
            "get", "pods", "-l", "app=web", "--sort-by=.metadata.creationTimestamp",
            "-o", "jsonpath={range .items[*]}{.metadata.name}{\" \"}{.status.startTime}{\"\\n\"}{end}")
        let names = created.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
        #expect(names == ["web-0", "web-1", "web-2"], "created in order: \(created)")

        let slices = try await server.eventually(
            ["get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "jsonpath={.items[*].endpoints[*].addresses[0]}"]
        ) { $0.split(separator: " ").count == 3 }
        let podIPs = try await server.kubectlOK("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.podIP}")
        #expect(Set(slices.split(separator: " ")) == Set(podIPs.split(separator: " ")))
    }

    @Test func cascadingDeletesAndNamespaceTermination() async throws {
        let (server, agent) = try await K3sServerProcess.startCluster()
        defer { agent.stop(); server.stop() }

        try await server.kubectlOK("create", "deployment", "gone", "--image=nginx", "--replicas=2")
        try await server.kubectlOK("create", "deployment", "kept", "--image=nginx", "--replicas=2")
        for name in ["gone", "kept"] {
            try await server.eventually(["get", "pods", "-l", "app=\(name)", "--no-headers"]) { Self.lines($0).filter { $0.count > 2 && $0[2] == "Running" }.count == 2 }
        }
        try await server.kubectlOK("delete", "deployment", "gone")
        try await server.eventually(["get", "rs,pods", "-l", "app=gone", "-o", "name"]) { $0.isEmpty }

        try await server.kubectlOK("delete", "deployment", "kept", "--cascade=orphan")
        let orphans = try await server.kubectlOK("get", "rs", "-l", "app=kept", "-o", "jsonpath={.items[*].metadata.ownerReferences}")
        #expect(orphans.isEmpty, "the ReplicaSet lost its owner reference: \(orphans)")
        let kept = try await server.kubectlOK("get", "pods", "-l", "app=kept", "--no-headers")
        #expect(Self.lines(kept).count == 2)

        try await server.kubectlOK("create", "namespace", "doomed")
        try await server.kubectlOK("-n", "doomed", "create", "deployment", "d", "--image=nginx", "--replicas=2")
        try await server.kubectlOK("-n", "doomed", "create", "configmap", "c", "--from-literal=a=b")
        try await server.eventually(["-n", "doomed", "get", "pods", "--no-headers"]) { Self.lines($0).count == 2 }
        try await server.kubectlOK("delete", "namespace", "doomed", "--wait=false")
        try await server.eventually(["get", "namespaces", "-o", "name"], timeout: .seconds(90)) { !$0.contains("namespace/doomed") }
        let leftovers = try await server.kubectlOK("-n", "doomed", "get", "all,configmaps", "-o", "name")
        #expect(leftovers.isEmpty)
    }

    @Test func unschedulablePodsAndPreemption() async throws {
        let (server, agent) = try await K3sServerProcess.startCluster()
        defer { agent.stop(); server.stop() }

        try await server.kubectlOK("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Pod
            metadata: {name: huge}
            spec:
              containers: [{name: c, image: nginx, resources: {requests: {cpu: "1000"}}}]
            """)
        let events = try await server.eventually(
            ["get", "events", "--field-selector", "involvedObject.name=huge,reason=FailedScheduling", "-o", "jsonpath={.items[*].message}"]
        ) { !$0.isEmpty }
        #expect(events.contains("0/3 nodes are available: 3 Insufficient cpu."), "\(events)")
        let phase = try await server.kubectlOK("get", "pod", "huge", "-o", "jsonpath={.status.phase}")
        #expect(phase == "Pending")

        // Fill every node's 4 CPUs with low-priority pods, then a high-priority pod must preempt one.
        try await server.kubectlOK("apply", "-f", "-", stdin: """
            apiVersion: scheduling.k8s.io/v1
            kind: PriorityClass
            metadata: {name: low}
            value: 10
            ---
            apiVersion: scheduling.k8s.io/v1
            kind: PriorityClass
            metadata: {name: high}
            value: 1000000
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: filler}
            spec:
              replicas: 3
              selector: {matchLabels: {app: filler}}
              template:
                metadata: {labels: {app: filler}}
                spec:
                  priorityClassName: low
                  containers: [{name: c, image: nginx, resources: {requests: {cpu: "3500m"}}}]
            """)
        try await server.eventually(["get", "pods", "-l", "app=filler", "--no-headers"]) { Self.lines($0).filter { $0.count > 2 && $0[2] == "Running" }.count == 3 }
        try await server.kubectlOK("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Pod
            metadata: {name: important}
            spec:
              priorityClassName: high
              containers: [{name: c, image: nginx, resources: {requests: {cpu: "2"}}}]
            """)
        try await server.eventually(["get", "pod", "important", "-o", "jsonpath={.status.phase}"], timeout: .seconds(90)) { $0 == "Running" }
        let preempted = try await server.kubectlOK("get", "events", "--field-selector", "reason=Preempted", "-o", "name")
        #expect(!preempted.isEmpty, "a low-priority pod was preempted")
    }

    @Test func joinIsAuthenticatedAndNodesAreConfinedToThemselves() async throws {
        let (server, agent) = try await K3sServerProcess.startCluster(nodes: 2)
        defer { agent.stop(); server.stop() }

        let token = try K3sAgentProcess.nodeToken(of: server)
        let wrong = try K3sAgentProcess.start(server: server, nodeName: "intruder", hollowNodes: 1, token: String(token.dropLast(4)) + "zzzz")
        defer { wrong.stop() }
        let status = try await wrong.waitForExit(timeout: .seconds(60))
        #expect(status != nil && status != 0, "a wrong token is refused")
        #expect(wrong.log.lowercased().contains("token"), "the refusal names the token: \(wrong.log)")
        let nodes = try await server.kubectlOK("get", "nodes", "-o", "name")
        #expect(!nodes.contains("intruder"))

        let own = try await run(K3sServerProcess.executable(named: "kubectl")!, [
            "--kubeconfig", agent.kubeconfig(node: 0), "label", "node", "hollow-0", "mine=yes",
        ])
        #expect(own.status == 0, "a node may label itself: \(own.stderr)")
        let other = try await run(K3sServerProcess.executable(named: "kubectl")!, [
            "--kubeconfig", agent.kubeconfig(node: 0), "label", "node", "hollow-1", "stolen=yes",
        ])
        #expect(other.status != 0)
        #expect(other.stderr.contains("Forbidden") || other.stderr.contains("forbidden"), "\(other.stderr)")
    }

    @Test func stoppedAgentsNodesGoNotReadyAndTheirPodsAreEvicted() async throws {
        let (server, agent) = try await K3sServerProcess.startCluster(nodes: 2)
        defer { agent.stop(); server.stop() }
        // One pod keeps the default 300 s tolerations; one tolerates unreachable nodes for 5 s.
        try await server.kubectlOK("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Pod
            metadata: {name: patient}
            spec:
              containers: [{name: c, image: nginx}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: impatient}
            spec:
              tolerations:
              - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 5}
              - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 5}
              containers: [{name: c, image: nginx}]
            """)
        try await server.eventually(["get", "pods", "--no-headers"]) { Self.lines($0).filter { $0.count > 2 && $0[2] == "Running" }.count == 2 }
        let tolerations = try await server.kubectlOK("get", "pod", "patient", "-o", "jsonpath={.spec.tolerations[*].tolerationSeconds}")
        #expect(tolerations == "300 300", "the default tolerations")

        agent.stop()
        try await server.eventually(["get", "nodes", "--no-headers"], timeout: .seconds(50)) { output in
            Self.lines(output).allSatisfy { $0.count > 1 && $0[1] == "NotReady" }
        }
        let taints = try await server.kubectlOK("get", "nodes", "-o", "jsonpath={.items[*].spec.taints[*].key}")
        #expect(taints.contains("node.kubernetes.io/unreachable"))
        // Evicted: deleted gracefully. With its kubelet gone the pod stays Terminating (as
        // upstream), while the pod with the default 300 s toleration is left alone for now.
        let terminating = #"jsonpath={range .items[*]}{.metadata.name}={.metadata.deletionTimestamp}{"\n"}{end}"#
        let marks = try await server.eventually(["get", "pods", "-o", terminating], timeout: .seconds(60)) { output in
            output.split(separator: "\n").contains { $0.hasPrefix("impatient=") && $0.count > "impatient=".count }
        }
        #expect(marks.split(separator: "\n").contains("patient="), "\(marks)")
    }
}
