import Foundation
import Testing

/// Two real nodes joined by a bridge the test makes: `k3s server` with its own node at
/// 10.99.0.2 and `k3s agent` at 10.99.0.3, each in its own namespaces with its own containerd.
/// A pod on each node reaches the other's pod IP across the overlay, with its own address.
@Suite("Overlay across two real nodes", .enabled(if: RealNode.available))
struct RealNodeOverlayTests {
    /// A busybox pod pinned to `node`, serving its name at `/` and the caller's address at
    /// `/cgi-bin/ip` over HTTP on port 8080.
    func pod(_ name: String, on node: RealNode) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), labels: {app: web}}
        spec:
          nodeName: \(node.nodeName)
          containers:
          - name: main
            image: \(RealNodeImage.name)
            command:
            - sh
            - -c
            - |
              mkdir -p /www/cgi-bin
              echo \(name) > /www/index.html
              printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip
              chmod +x /www/cgi-bin/ip
              exec httpd -f -p 8080 -h /www
        """
    }

    @Test("pods on a server node and an agent node ping and talk TCP across the overlay", arguments: ["vxlan", "host-gw"])
    func podsReachEachOther(backend: String) async throws {
        let network = try RealNodeNetwork.make()
        defer { network.remove() }
        try network.startUpstreamResolver()
        let flags = ["--flannel-backend", backend]
        let server = try await RealNode.start(extraArguments: flags, nodeIP: "10.99.0.2", network: network.attachment)
        defer { server.stop() }
        let agent = try await RealNode.start(extraArguments: flags, nodeIP: "10.99.0.3", network: network.attachment, agentOf: server)
        defer { agent.stop() }

        // Each node publishes its backend and address; VXLAN makes flannel.1 on each.
        for node in [server, agent] {
            let annotations = try await server.waitFor(
                "\(node.nodeName)'s overlay annotations",
                [
                    "get", "node", node.nodeName, "-o",
                    "jsonpath={.metadata.annotations.flannel\\.alpha\\.coreos\\.com/backend-type} {.metadata.annotations.flannel\\.alpha\\.coreos\\.com/public-ip}",
                ]
            ) { $0.hasSuffix(node.nodeIP) }
            #expect(annotations == "\(backend) \(node.nodeIP)")
            let link = try await node.inNode(["ip", "-d", "link", "show", "flannel.1"])
            if backend == "vxlan" {
                #expect(link.stdout.contains("vxlan id 1") && link.stdout.contains("dstport 8472"), "\(link.stdout)\(link.stderr)")
            } else {
                #expect(link.status != 0, "host-gw made a VXLAN device: \(link.stdout)")
            }
        }

        try await server.kubectlOK("apply", "-f", "-", stdin: pod("on-server", on: server) + "\n---\n" + pod("on-agent", on: agent))
        try await server.waitForReady("on-server")
        try await server.waitForReady("on-agent")
        let serverPodIP = try await server.kubectlOK("get", "pod", "on-server", "-o", "jsonpath={.status.podIP}")
        let agentPodIP = try await server.kubectlOK("get", "pod", "on-agent", "-o", "jsonpath={.status.podIP}")
        let serverCIDR = try await server.kubectlOK("get", "node", server.nodeName, "-o", "jsonpath={.spec.podCIDR}")
        let agentCIDR = try await server.kubectlOK("get", "node", agent.nodeName, "-o", "jsonpath={.spec.podCIDR}")
        #expect(serverCIDR != agentCIDR, "both nodes have \(serverCIDR)")
        #expect(serverPodIP.hasPrefix(String(serverCIDR.prefix { $0 != "/" }.dropLast())), "\(serverPodIP) not in \(serverCIDR)")
        #expect(agentPodIP.hasPrefix(String(agentCIDR.prefix { $0 != "/" }.dropLast())), "\(agentPodIP) not in \(agentCIDR)")
        // The bridge takes the overlay's MTU (the VXLAN header costs 50 bytes).
        let mtu = try await server.kubectlOK("exec", "on-agent", "--", "cat", "/sys/class/net/eth0/mtu")
        #expect(mtu == (backend == "vxlan" ? "1450\n" : "1500\n"))

        // Ping both ways (the peers may still be settling: retry until a deadline).
        for (from, to) in [("on-server", agentPodIP), ("on-agent", serverPodIP)] {
            let deadline = ContinuousClock.now + .seconds(30)
            var last = CommandResult(status: -1, stdout: "", stderr: "")
            while ContinuousClock.now < deadline {
                last = try await server.kubectl(["exec", from, "--", "ping", "-c", "1", "-W", "2", to])
                if last.status == 0 { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(
                last.status == 0,
                "\(from) cannot ping \(to): \(last.stdout)\(last.stderr)\nserver log:\n\(server.log.suffix(4000))\nagent log:\n\(agent.log.suffix(4000))")
        }
        // TCP both ways (busybox's `wget -T` crashes in this build: `timeout` bounds it instead),
        // and the other pod sees the caller's pod IP: no masquerading between pods.
        #expect(try await server.kubectlOK("exec", "on-server", "--", "timeout", "10", "wget", "-qO-", "http://\(agentPodIP):8080/") == "on-agent\n")
        #expect(try await server.kubectlOK("exec", "on-agent", "--", "timeout", "10", "wget", "-qO-", "http://\(serverPodIP):8080/") == "on-server\n")
        for (from, to, fromIP) in [("on-agent", serverPodIP, agentPodIP), ("on-server", agentPodIP, serverPodIP)] {
            let seen = try await server.kubectlOK("exec", from, "--", "timeout", "10", "wget", "-qO-", "http://\(to):8080/cgi-bin/ip")
            // httpd listens on an IPv6 socket: an IPv4 caller reads as [::ffff:a.b.c.d].
            var caller = seen.filter { $0 != "[" && $0 != "]" }
            if caller.hasPrefix("::ffff:") { caller.removeFirst("::ffff:".count) }
            #expect(caller == fromIP + "\n", "\(to) saw the caller \(from) as \(seen)")
        }

        // A ClusterIP Service over both pods: each node's service proxy (nftables) spreads
        // connections from a pod over the endpoints on both nodes, the caller's own included.
        try await server.kubectlOK("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              selector: {app: web}
              ports: [{port: 80, targetPort: 8080}]
            """)
        let clusterIP = try await server.kubectlOK("get", "service", "web", "-o", "jsonpath={.spec.clusterIP}")
        for from in ["on-server", "on-agent"] {
            var answered: Set<String> = []
            let deadline = ContinuousClock.now + .seconds(60)
            while answered.count < 2 && ContinuousClock.now < deadline {
                let result = try await server.kubectl(["exec", from, "--", "timeout", "5", "wget", "-qO-", "http://\(clusterIP)/"])
                if result.status == 0 { answered.insert(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
            #expect(
                answered == ["on-server", "on-agent"],
                "\(from) through \(clusterIP) reached only \(answered)\nserver log:\n\(server.log.suffix(3000))\nagent log:\n\(agent.log.suffix(3000))")
        }

        // Cluster DNS: the server made kube-system/kube-dns at 10.43.0.10 and every node answers
        // on that address from its own informers; pods find Services by name (the search path
        // of their resolv.conf), and other names go to the node's upstream resolver (the test
        // network's fake one).
        #expect(try await server.kubectlOK("get", "service", "kube-dns", "-n", "kube-system", "-o", "jsonpath={.spec.clusterIP}") == "10.43.0.10")
        for from in ["on-server", "on-agent"] {
            let resolv = try await server.kubectlOK("exec", from, "--", "cat", "/etc/resolv.conf")
            #expect(resolv.contains("nameserver 10.43.0.10") && resolv.contains("search default.svc.cluster.local"), "\(resolv)")
            let lookup = try await server.execUntil(from, ["nslookup", "web.default.svc.cluster.local"]) { $0.stdout.contains(clusterIP) }
            #expect(lookup.status == 0 && lookup.stdout.contains(clusterIP), "\(from): \(lookup.stdout)\(lookup.stderr)\n\(server.log.suffix(3000))")
            let page = try await server.execUntil(from, ["sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc web 80"]) {
                $0.stdout.contains("on-server") || $0.stdout.contains("on-agent")
            }
            #expect(page.stdout.contains("200 OK"), "\(from): nc web 80 gave \(page.stdout)\(page.stderr)")
            let upstream = try await server.execUntil(from, ["nslookup", "upstream.example.test"]) { $0.stdout.contains("192.0.2.99") }
            #expect(upstream.stdout.contains("192.0.2.99"), "\(from): \(upstream.stdout)\(upstream.stderr)")
            let missing = try await server.kubectl(["exec", from, "--", "nslookup", "missing.default.svc.cluster.local"])
            #expect(missing.status != 0 && (missing.stdout + missing.stderr).contains("NXDOMAIN"), "\(missing.stdout)\(missing.stderr)")
        }

        // NetworkPolicy, enforced by the node of the selected pod: once on-server is guarded, only
        // pods labelled role=client reach it, on port 8080; the agent's pod gets in once labelled.
        try await server.kubectlOK("apply", "-f", "-", stdin: """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: guard}
            spec:
              podSelector: {matchLabels: {guard: "yes"}}
              policyTypes: [Ingress]
              ingress:
              - from: [{podSelector: {matchLabels: {role: client}}}]
                ports: [{port: 8080}]
            """)
        try await server.kubectlOK("label", "pod", "on-server", "guard=yes")
        let fetch = ["timeout", "3", "wget", "-qO-", "http://\(serverPodIP):8080/"]
        let blocked = try await server.execUntil("on-agent", fetch) { $0.status != 0 }
        #expect(blocked.status != 0, "the guarded pod still answered: \(blocked.stdout)")
        try await server.kubectlOK("label", "pod", "on-agent", "role=client")
        let allowed = try await server.execUntil("on-agent", fetch) { $0.stdout == "on-server\n" }
        #expect(allowed.stdout == "on-server\n", "the allowed pod is still blocked: \(allowed.stdout)\(allowed.stderr)")

        // The agent stops cleanly on SIGTERM and leaves the overlay in the kernel; once restarted
        // it reconciles to the same state (no duplicate route) and its pod still reaches the other.
        let state = ["ip", "route", "show", "proto", "75"]
        let before = try await agent.inNode(state).stdout
        #expect(before.contains(serverCIDR), "the agent has no overlay route to \(serverCIDR): \(before)")
        #expect(try await agent.terminateServer() == 0, "agent log:\n\(agent.log.suffix(4000))")
        #expect(try await agent.inNode(state).stdout == before)
        try agent.startServer()
        let deadline = ContinuousClock.now + .seconds(60)
        while agent.log.components(separatedBy: "overlay set up").count < 3 {
            guard ContinuousClock.now < deadline else {
                Issue.record("the restarted agent never set its overlay up:\n\(agent.log.suffix(4000))")
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await agent.inNode(state).stdout == before)
        #expect(
            try await server.kubectlOK("exec", "on-agent", "--", "timeout", "10", "wget", "-qO-", "http://\(serverPodIP):8080/")
                == "on-server\n")
    }
}
