import ClusterTesting
import Foundation
import Testing

/// Automatic upgrades on a real node: Plans (`upgrade.cattle.io/v1`) move the node's `k3s` to a
/// build served, with its checksum listing and a channel, by an HTTP server the test runs inside
/// the node's network namespace.
@Suite("Real node: upgrades through Plans", .enabled(if: RealNode.available && K3sServerProcess.executable(named: "python3") != nil))
struct RealNodeUpgradeTests {
    /// Serves `ROOT/VERSION/FILE` and answers `/channels/NAME` with a redirect to
    /// `/releases/tag/VERSION` as K3s's channel server does (`ROOT/channels/NAME` holds the version).
    static let releaseServer = #"""
        import http.server, os, sys
        root = sys.argv[2]
        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=root, **kwargs)
            def do_GET(self):
                if self.path.startswith("/channels/"):
                    name = os.path.join(root, "channels", os.path.basename(self.path))
                    if not os.path.exists(name):
                        self.send_error(404)
                        return
                    version = open(name).read().strip()
                    self.send_response(302)
                    self.send_header("Location", "http://%s/releases/tag/%s" % (self.headers["Host"], version))
                    self.end_headers()
                    return
                super().do_GET()
        address = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
        http.server.ThreadingHTTPServer((address, int(sys.argv[1])), Handler).serve_forever()
        """#

    static func sha256(_ path: String) async throws -> String {
        String(try await run("/usr/bin/sha256sum", [path]).stdout.prefix(64))
    }

    /// Publishes `binary` as `version` with `checksum` (its own unless given) in the release tree.
    static func publish(_ binary: String, as version: String, root: String, checksum: String? = nil) async throws {
        let directory = root + "/" + version
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: binary, toPath: directory + "/k3s")
        let sum: String
        if let checksum { sum = checksum } else { sum = try await sha256(binary) }
        try "\(sum)  k3s\n\(String(repeating: "0", count: 64))  k3s-arm64\n".write(toFile: directory + "/sha256sum-amd64.txt", atomically: true, encoding: .utf8)
    }

    static func plan(
        _ name: String, _ spec: String, readyTimeout: Int? = nil, selecting key: String = "node-role.kubernetes.io/control-plane"
    ) -> String {
        let annotations = readyTimeout.map { "\n  annotations:\n    upgrade.k3s-swift.io/ready-timeout-seconds: \"\($0)\"" } ?? ""
        return """
            apiVersion: upgrade.cattle.io/v1
            kind: Plan
            metadata:
              name: \(name)
              namespace: kube-system\(annotations)
            spec:
              concurrency: 1
              cordon: true
              serviceAccountName: system-upgrade
              nodeSelector:
                matchExpressions:
                - {key: \(key), operator: \(key.hasSuffix("control-plane") ? "In, values: [\"true\"]" : "Exists")}
            \(spec)
            """
    }

    /// `k3s` and `k3s-pause` of the build, installed (hard-linked where possible) in `directory`.
    static func install(into directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let installed = directory + "/k3s"
        let built = try K3sServerProcess.builtExecutable("k3s")
        if link(built, installed) != 0 { try FileManager.default.copyItem(atPath: built, toPath: installed) }
        // The built-in sandbox program lives next to k3s.
        try FileManager.default.copyItem(atPath: try K3sServerProcess.builtExecutable("k3s-pause"), toPath: directory + "/k3s-pause")
        return installed
    }

    /// Build B: the build with bytes appended (the same program, another checksum).
    static func makeBuildB(at path: String) throws {
        try FileManager.default.copyItem(atPath: try K3sServerProcess.builtExecutable("k3s"), toPath: path)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("build B\n".utf8))
        try handle.close()
    }

    @Test("a bad checksum is refused, a channel moves the node to build B, a build that never gets Ready is rolled back")
    func upgrades() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-upgrade-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: work + "/bin", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        // Build A is the build under test; build B is the same program with bytes appended (so
        // another checksum); the stuck build is a script that never makes the node Ready.
        let installed = try Self.install(into: work + "/bin")
        let buildB = work + "/k3s-b"
        try Self.makeBuildB(at: buildB)
        let stuck = work + "/k3s-stuck"
        try "#!/bin/sh\nexec sleep 600\n".write(toFile: stuck, atomically: true, encoding: .utf8)
        chmod(stuck, 0o755)
        let releases = work + "/releases"
        let (shaA, shaB) = (try await Self.sha256(installed), try await Self.sha256(buildB))
        try await Self.publish(buildB, as: "v1.36.2-k3s2", root: releases)
        try await Self.publish(buildB, as: "v1.36.2-bad", root: releases, checksum: String(repeating: "ab", count: 32))
        try await Self.publish(stuck, as: "v1.36.2-stuck", root: releases)
        try FileManager.default.createDirectory(atPath: releases + "/channels", withIntermediateDirectories: true)
        try "v1.36.2-k3s2\n".write(toFile: releases + "/channels/stable", atomically: true, encoding: .utf8)
        try Self.releaseServer.write(toFile: work + "/server.py", atomically: true, encoding: .utf8)

        let node = try await RealNode.start(binary: installed)
        defer { node.stop() }
        let server = try node.spawnInNode(["/usr/bin/python3", work + "/server.py", "18080", releases], output: work + "/http.log")
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:18080"
        let nodeName = node.nodeName
        func annotation(_ key: String) async throws -> String {
            return try await node.kubectl(["get", "node", nodeName, "-o", "go-template={{index .metadata.annotations \"\(key)\"}}"]).stdout
        }
        func planEvents(_ plan: String) async throws -> String {
            try await node.kubectl([
                "get", "events", "-n", "kube-system", "--field-selector", "involvedObject.kind=Plan,involvedObject.name=\(plan)",
                "-o", "go-template={{range .items}}{{.reason}}: {{.message}}\n{{end}}",
            ]).stdout
        }
        _ = try await node.waitFor("the node publishes its binary's checksum", ["get", "node", nodeName, "-o", "jsonpath={.metadata.annotations}"]) {
            $0.contains(shaA)
        }

        // 1. A checksum that does not match the download: refused, nothing changes.
        try await node.kubectlOK("apply", "-f", "-", stdin: Self.plan("bad", "  version: v1.36.2-bad\n  upgrade:\n    image: \(base)"))
        _ = try await node.waitFor("the bad plan fails", ["get", "events", "-n", "kube-system", "-o", "jsonpath={.items[*].reason}"], timeout: .seconds(60)) {
            $0.contains("UpgradeFailed")
        }
        let badEvents = try await planEvents("bad")
        #expect(badEvents.contains("checksum mismatch"), "\(badEvents)")
        #expect(try await annotation("upgrade.k3s-swift.io/binary-sha256") == shaA)
        #expect(try await Self.sha256(installed) == shaA)
        #expect(try await node.kubectlOK("get", "node", nodeName, "-o", "jsonpath={.spec.unschedulable}") == "", "uncordoned again")
        try await node.kubectlOK("delete", "plan", "bad", "-n", "kube-system")

        // 2. The stable channel names build B: the node moves to it, same process, new binary.
        let pid = try #require(node.serverPID)
        try await node.kubectlOK("apply", "-f", "-", stdin: Self.plan("k3s-server", "  channel: \(base)/channels/stable\n  upgrade:\n    image: \(base)"))
        _ = try await node.waitFor("the plan resolves the channel", ["get", "plan", "k3s-server", "-n", "kube-system", "-o", "jsonpath={.status.latestVersion}"]) {
            $0 == "v1.36.2-k3s2"
        }
        _ = try await node.waitFor("the node runs build B", ["get", "node", nodeName, "-o", "jsonpath={.metadata.labels}"], timeout: .seconds(120)) {
            $0.contains("plan.upgrade.cattle.io/k3s-server")
        }
        #expect(try await annotation("upgrade.k3s-swift.io/binary-sha256") == shaB)
        #expect(try await Self.sha256(installed) == shaB)
        #expect(try await Self.sha256(installed + ".previous") == shaA, "the previous binary is kept")
        #expect(node.serverPID == pid && kill(pid, 0) == 0, "k3s restarted in place (exec), as systemd would keep tracking it")
        try await node.waitReady()
        let plans = try await node.kubectlOK("get", "plans", "-n", "kube-system")
        #expect(plans.contains("LATEST") && plans.contains("v1.36.2-k3s2") && plans.contains("True"), "\(plans)")
        #expect(try await planEvents("k3s-server").contains("NodeUpgraded"))
        try await node.kubectlOK("delete", "plan", "k3s-server", "-n", "kube-system")

        // 3. A build that never makes the node Ready: rolled back to build B by the watchdog.
        try await node.kubectlOK("apply", "-f", "-", stdin: Self.plan("stuck", "  version: v1.36.2-stuck\n  upgrade:\n    image: \(base)", readyTimeout: 15))
        _ = try await node.waitFor("the stuck build is rolled back", ["get", "events", "-n", "kube-system", "-o", "jsonpath={.items[*].reason}"], timeout: .seconds(150)) {
            $0.contains("RolledBack")
        }
        #expect(try await planEvents("stuck").contains("rolled back to the previous binary"))
        #expect(try await Self.sha256(installed) == shaB)
        _ = try await node.waitFor("the node Ready on build B", ["get", "node", nodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"], timeout: .seconds(90)) {
            $0 == "True"
        }
        #expect(try await annotation("upgrade.k3s-swift.io/binary-sha256") == shaB)
        let complete = try await node.kubectlOK("get", "plan", "stuck", "-n", "kube-system", "-o", "jsonpath={.status.conditions[?(@.type==\"Complete\")].reason}")
        #expect(complete == "Failed")
    }

    @Test("a server and an agent move from build A to build B, the server first")
    func serverThenAgent() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-upgrade-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let serverBinary = try Self.install(into: work + "/server-bin")
        let agentBinary = try Self.install(into: work + "/agent-bin")
        let buildB = work + "/k3s-b"
        try Self.makeBuildB(at: buildB)
        let releases = work + "/releases"
        let shaB = try await Self.sha256(buildB)
        try await Self.publish(buildB, as: "v1.36.2-k3s2", root: releases)
        try Self.releaseServer.write(toFile: work + "/server.py", atomically: true, encoding: .utf8)

        let network = try RealNodeNetwork.make()
        defer { network.remove() }
        let server = try await RealNode.start(nodeIP: "10.99.0.2", network: network.attachment, binary: serverBinary)
        defer { server.stop() }
        let agent = try await RealNode.start(nodeIP: "10.99.0.3", network: network.attachment, agentOf: server, binary: agentBinary)
        defer { agent.stop() }
        // The releases are served on the server node's address, which the agent reaches over the bridge.
        let http = try server.spawnInNode(["/usr/bin/python3", work + "/server.py", "18080", releases, "10.99.0.2"], output: work + "/http.log")
        defer { if http.isRunning { kill(http.processIdentifier, SIGKILL) } }

        try await server.kubectlOK("apply", "-f", "-", stdin: Self.plan(
            "k3s", "  version: v1.36.2-k3s2\n  upgrade:\n    image: http://10.99.0.2:18080", selecting: "kubernetes.io/hostname"))
        let label = "plan.upgrade.cattle.io/k3s"
        func upgraded(_ node: RealNode) async throws -> Bool {
            try await server.kubectl(["get", "node", node.nodeName, "-o", "jsonpath={.metadata.labels}"]).stdout.contains(label)
        }
        // The first node to finish is the server, while the agent has not moved yet.
        let first: (Bool, Bool)
        do {
            first = try await eventually("a node upgraded", timeout: .seconds(150), interval: .milliseconds(200)) { () async throws -> (Bool, Bool)? in
                let (serverDone, agentDone) = (try await upgraded(server), try await upgraded(agent))
                return serverDone || agentDone ? (serverDone, agentDone) : nil
            }
        } catch {
            let plan = try await server.kubectl(["get", "plan", "k3s", "-n", "kube-system", "-o", "yaml"]).stdout
            let nodes = try await server.kubectl(["get", "nodes", "-o", "jsonpath={.items[*].metadata.annotations}"]).stdout
            Issue.record("\(error)\nplan:\n\(plan)\nnodes: \(nodes)\nserver log:\n\(server.log.suffix(4000))\nagent log:\n\(agent.log.suffix(3000))")
            throw error
        }
        #expect(first.0 && !first.1, "the server first, then the agent")
        try await eventually("the agent upgraded", timeout: .seconds(150), interval: .milliseconds(200)) { try await upgraded(agent) }
        #expect(try await Self.sha256(serverBinary) == shaB)
        #expect(try await Self.sha256(agentBinary) == shaB)
        for node in [server, agent] {
            let sha = try await server.kubectlOK(
                "get", "node", node.nodeName, "-o", "go-template={{index .metadata.annotations \"upgrade.k3s-swift.io/binary-sha256\"}}")
            #expect(sha == shaB, "\(node.nodeName)")
        }
        _ = try await server.waitFor("the plan complete", ["get", "plan", "k3s", "-n", "kube-system", "-o", "jsonpath={.status.conditions[?(@.type==\"Complete\")].status}"]) {
            $0 == "True"
        }
        try await agent.waitReady()
    }
}
