import Foundation
import Testing

/// Server flags that reach past the server itself, through the real binaries: needs no tool.
@Suite struct ServerFlagsTests {
    /// `--cluster-dns` travels with the join answer into the agent's kubelet settings, which the
    /// agent logs once its nodes joined.
    @Test func clusterDNSReachesTheAgentsKubelets() async throws {
        let server = try await K3sServerProcess.start(extraArguments: ["--cluster-dns", "10.43.0.99", "--cluster-domain", "example.internal"])
        defer { server.stop() }
        let agent = try K3sAgentProcess.start(server: server, nodeName: "dns", hollowNodes: 1)
        defer { agent.stop() }
        let deadline = ContinuousClock.now + .seconds(120)
        var joined: Substring?
        while joined == nil, agent.process.isRunning, ContinuousClock.now < deadline {
            joined = agent.log.split(separator: "\n").first { $0.hasSuffix(" joined") }
            if joined == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let line = try #require(joined, "the agent never logged that it joined:\n\(agent.log.suffix(3000))")
        #expect(line.contains("cluster-dns=10.43.0.99"), "\(line)")
        #expect(line.contains("cluster-domain=example.internal"), "\(line)")
    }

    /// The help says what `--disable-agent` turns off, where `--cluster-dns` goes, and lists K3s's node flags.
    @Test func helpSaysWhatTheFlagsDo() async throws {
        let help = try await run(try K3sServerProcess.builtExecutable("k3s"), ["server", "--help"])
        #expect(help.status == 0)
        let text = (help.stdout + help.stderr).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("--disable-agent Do not run a node (containerd and the kubelet) inside the server."), "\(text)")
        for flag in [
            "--node-ip", "--node-external-ip", "--node-label", "--node-taint", "--kubelet-arg", "--container-runtime-endpoint", "--pause-image",
            "--flannel-backend", "--flannel-iface", "--flannel-ipmasq",
        ] {
            #expect(text.contains(flag), "\(flag) missing from: \(text)")
        }
        #expect(text.contains("handed to every node's kubelet"), "\(text)")
    }
}
