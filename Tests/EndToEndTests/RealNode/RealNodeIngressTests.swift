import Foundation
import Testing

/// A server and two agents on one bridge (10.99.0.2, .3, .4), a client on the same bridge
/// (the test network's own address): NodePort answers on every node IP, ServiceLB publishes the
/// node addresses of a LoadBalancer Service and they answer, a second Service on the same port
/// stays pending with an event, and the built-in ingress proxy routes two hosts and a TLS host
/// (certificate chosen by SNI) and fills the Ingresses' status.
@Suite("Services and ingress across three real nodes", .enabled(if: RealNode.available && K3sServerProcess.executable(named: "curl") != nil))
struct RealNodeIngressTests {
    /// A busybox pod pinned to `node` that serves `text` at `/` on port 8080, labelled `app=NAME`.
    func pod(_ name: String, on node: RealNode, text: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), labels: {app: \(name), tier: web}}
        spec:
          nodeName: \(node.nodeName)
          containers:
          - name: main
            image: \(RealNodeImage.name)
            command: [sh, -c, "mkdir -p /www && echo \(text) > /www/index.html && exec httpd -f -p 8080 -h /www"]
        """
    }

    func service(_ name: String, selector: String, type: String, port: Int, nodePort: Int? = nil) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: \(name)}
        spec:
          type: \(type)
          selector: {\(selector)}
          ports: [{port: \(port), targetPort: 8080\(nodePort.map { ", nodePort: \($0)" } ?? "")}]
        """
    }

    @Test func nodePortLoadBalancerAndIngress() async throws {
        let network = try RealNodeNetwork.make()
        defer { network.remove() }
        try network.startUpstreamResolver()
        let server = try await RealNode.start(nodeIP: "10.99.0.2", network: network.attachment)
        defer { server.stop() }
        let agentA = try await RealNode.start(nodeIP: "10.99.0.3", network: network.attachment, agentOf: server)
        defer { agentA.stop() }
        let agentB = try await RealNode.start(nodeIP: "10.99.0.4", network: network.attachment, agentOf: server)
        defer { agentB.stop() }
        let nodeIPs = ["10.99.0.2", "10.99.0.3", "10.99.0.4"]
        let logs = { "\nserver log:\n\(server.log.suffix(3000))\nagent A log:\n\(agentA.log.suffix(2000))" }

        try await server.kubectlOK("apply", "-f", "-", stdin: [
            pod("web-a", on: agentA, text: "page-a"), pod("web-b", on: agentB, text: "page-b"),
            service("web-a", selector: "app: web-a", type: "ClusterIP", port: 80),
            service("web-b", selector: "app: web-b", type: "ClusterIP", port: 80),
            service("web-np", selector: "tier: web", type: "NodePort", port: 80, nodePort: 30080),
            service("web-lb", selector: "app: web-a", type: "LoadBalancer", port: 8081),
        ].joined(separator: "\n---\n"))
        try await server.waitForReady("web-a")
        try await server.waitForReady("web-b")

        // NodePort: every node answers, whichever node the pods are on.
        for ip in nodeIPs {
            let page = try await network.runUntil(["curl", "-s", "-m", "3", "http://\(ip):30080/"]) { $0.stdout.hasPrefix("page-") }
            #expect(page.stdout.hasPrefix("page-"), "NodePort on \(ip): \(page.stdout)\(page.stderr)\(logs())")
        }

        // ServiceLB: the LoadBalancer Service gets the nodes' addresses, and they answer.
        let published = try await server.waitFor("web-lb's addresses", ["get", "service", "web-lb", "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}"]) {
            $0.split(separator: " ").count == 3
        }
        #expect(Set(published.split(separator: " ").map(String.init)) == Set(nodeIPs))
        for ip in nodeIPs {
            let page = try await network.runUntil(["curl", "-s", "-m", "3", "http://\(ip):8081/"]) { $0.stdout == "page-a\n" }
            #expect(page.stdout == "page-a\n", "LoadBalancer on \(ip): \(page.stdout)\(page.stderr)\(logs())")
        }
        // A second Service on the same port finds it taken on every node: pending, with an event.
        try await server.kubectlOK("apply", "-f", "-", stdin: service("web-lb2", selector: "app: web-b", type: "LoadBalancer", port: 8081))
        let event = try await server.waitFor("web-lb2's event", ["get", "events", "--field-selector", "involvedObject.name=web-lb2", "-o", "jsonpath={.items[*].reason}"]) {
            $0.contains("UnAvailableLoadBalancer")
        }
        #expect(event.contains("UnAvailableLoadBalancer"))
        #expect(try await server.kubectlOK("get", "service", "web-lb2", "-o", "jsonpath={.status.loadBalancer.ingress}") == "")

        // Ingress: two hosts, and a TLS host whose certificate comes from a Secret by SNI.
        let tls = FileManager.default.temporaryDirectory.appendingPathComponent("k3se2e-tls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: tls, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tls) }
        let openssl = try await run(K3sServerProcess.executable(named: "openssl") ?? "/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=secure.example.test", "-addext", "subjectAltName=DNS:secure.example.test",
            "-keyout", tls + "/tls.key", "-out", tls + "/tls.crt",
        ])
        #expect(openssl.status == 0, "\(openssl.stderr)")
        try await server.kubectlOK("create", "secret", "tls", "secure-cert", "--cert", tls + "/tls.crt", "--key", tls + "/tls.key")
        try await server.kubectlOK("apply", "-f", "-", stdin: """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: sites}
            spec:
              tls: [{hosts: [secure.example.test], secretName: secure-cert}]
              rules:
              - host: a.example.test
                http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web-a, port: {number: 80}}}}]}
              - host: b.example.test
                http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web-b, port: {number: 80}}}}]}
              - host: secure.example.test
                http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web-b, port: {number: 80}}}}]}
            """)
        for ip in nodeIPs {
            for (host, text) in [("a.example.test", "page-a\n"), ("b.example.test", "page-b\n")] {
                let page = try await network.runUntil(["curl", "-s", "-m", "3", "-H", "Host: \(host)", "http://\(ip)/"]) { $0.stdout == text }
                #expect(page.stdout == text, "\(host) through \(ip): \(page.stdout)\(page.stderr)\(logs())")
            }
        }
        let secure = try await network.runUntil([
            "curl", "-sv", "-m", "3", "--cacert", tls + "/tls.crt", "--resolve", "secure.example.test:443:10.99.0.3", "https://secure.example.test/",
        ]) { $0.stdout == "page-b\n" }
        #expect(secure.stdout == "page-b\n", "TLS with SNI: \(secure.stdout)\(secure.stderr)\(logs())")
        #expect(secure.stderr.contains("CN=secure.example.test"), "\(secure.stderr)")
        // An unknown name gets the proxy's default certificate, not the Secret's.
        let other = try await network.run(["curl", "-sv", "-k", "-m", "3", "--resolve", "other.example.test:443:10.99.0.4", "https://other.example.test/"])
        #expect(!other.stderr.contains("CN=secure.example.test") && other.stderr.contains("subject:"), "\(other.stderr)")
        // The Ingress's status names the addresses ServiceLB gave the proxy.
        let status = try await server.waitFor("the Ingress's status", ["get", "ingress", "sites", "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}"]) {
            $0.split(separator: " ").count == 3
        }
        #expect(Set(status.split(separator: " ").map(String.init)) == Set(nodeIPs))

        // An Ingress naming a missing Service: 503 and a Warning event, the proxy keeps serving.
        try await server.kubectlOK("create", "ingress", "broken", "--rule", "broken.example.test/=missing:80")
        let broken = try await network.runUntil(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "3", "-H", "Host: broken.example.test", "http://10.99.0.2/"]) {
            $0.stdout == "503"
        }
        #expect(broken.stdout == "503", "\(broken.stdout)\(broken.stderr)")
        let warning = try await server.waitFor("broken's event", ["get", "events", "--field-selector", "involvedObject.name=broken", "-o", "jsonpath={.items[*].type}"]) {
            $0.contains("Warning")
        }
        #expect(warning.contains("Warning"))
        let still = try await network.run(["curl", "-s", "-m", "3", "-H", "Host: a.example.test", "http://10.99.0.2/"])
        #expect(still.stdout == "page-a\n")
    }
}
