import Foundation
import Testing

/// `scripts/install.sh` into a prefix (`INSTALL_K3S_ROOT`, nothing started), the units it writes
/// checked by `systemd-analyze verify`, and the killall and uninstall scripts it installs run
/// against a real node, which they must leave with nothing behind.
@Suite("Install script, units, killall and uninstall")
struct InstallScriptTests {
    /// The checkout the tests run from.
    static let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static var systemdAnalyze: String? { K3sServerProcess.executable(named: "systemd-analyze") }

    /// A prefix holding the built `k3s` as `/usr/local/bin/k3s` (hard-linked where it can be)
    /// and a copy of the system's unit directory, so that `systemd-analyze verify --root` finds
    /// the targets the units name.
    final class Prefix {
        let path: String

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-install-\(UUID().uuidString.prefix(8))").path
            let bin = path + "/usr/local/bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            let built = try K3sServerProcess.builtExecutable("k3s")
            if link(built, bin + "/k3s") != 0 { try FileManager.default.copyItem(atPath: built, toPath: bin + "/k3s") }
            for units in ["/usr/lib/systemd/system", "/lib/systemd/system"] where FileManager.default.fileExists(atPath: units) {
                try FileManager.default.createDirectory(atPath: path + "/usr/lib/systemd", withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: units, toPath: path + "/usr/lib/systemd/system")
                break
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        func file(_ relative: String) -> String { path + relative }

        func read(_ relative: String) -> String? { try? String(contentsOfFile: file(relative), encoding: .utf8) }

        func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: file(relative)) }
    }

    /// Runs the installer with `environment` (on top of a minimal one, so the test's own K3S_*
    /// variables cannot leak in) into `prefix`.
    static func install(into prefix: Prefix, _ environment: [String: String]) async throws -> CommandResult {
        var variables = [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "INSTALL_K3S_ROOT=\(prefix.path)",
            "INSTALL_K3S_SKIP_DOWNLOAD=true",
        ]
        variables += environment.map { "\($0.key)=\($0.value)" }.sorted()
        return try await run("/usr/bin/env", ["-i"] + variables + ["/bin/bash", sourceRoot + "/scripts/install.sh"])
    }

    /// What `systemd-analyze verify` says of a unit in the prefix; empty when it has nothing to object to.
    static func verify(_ unit: String, in prefix: Prefix) async throws -> String {
        let analyze = try #require(systemdAnalyze)
        let result = try await run(analyze, ["verify", "--root=\(prefix.path)", "/etc/systemd/system/\(unit)"])
        let complaints = (result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
        return result.status == 0 ? complaints : "exit \(result.status): \(complaints)"
    }

    @Test("a server and an agent install as Type=notify units systemd-analyze accepts", .enabled(if: systemdAnalyze != nil, "needs systemd-analyze"))
    func unitsVerify() async throws {
        let prefix = try Prefix()
        let server = try await Self.install(into: prefix, [
            "K3S_TOKEN": "s3cret", "K3S_KUBECONFIG_MODE": "644",
            "INSTALL_K3S_EXEC": "server --disable traefik --node-label team=a$b%c --tls-san it's.example",
        ])
        #expect(server.status == 0, "\(server.stdout)\(server.stderr)")
        #expect(server.stdout.contains("Installed below \(prefix.path); nothing started"), "\(server.stdout)")
        let unit = try #require(prefix.read("/etc/systemd/system/k3s.service"))
        #expect(unit.contains("Type=notify"))
        #expect(unit.contains("KillMode=process"))
        #expect(unit.contains("EnvironmentFile=-/etc/systemd/system/k3s.service.env"))
        #expect(unit.contains("ExecStart=/usr/local/bin/k3s \\\n    server \\\n    '--disable' \\\n    'traefik' \\\n"), "\(unit)")
        // systemd's own expansions are escaped: the flag reaches k3s as written.
        #expect(unit.contains("'team=a$$b%%c'"), "\(unit)")
        #expect(unit.contains("'it\\'s.example'"), "\(unit)")
        #expect(try await Self.verify("k3s.service", in: prefix) == "")
        let environmentFile = try #require(prefix.read("/etc/systemd/system/k3s.service.env"))
        #expect(environmentFile.split(separator: "\n").sorted() == ["K3S_KUBECONFIG_MODE=644", "K3S_TOKEN=s3cret"])
        let mode = try FileManager.default.attributesOfItem(atPath: prefix.file("/etc/systemd/system/k3s.service.env"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        for script in ["k3s-killall.sh", "k3s-uninstall.sh"] {
            #expect(FileManager.default.isExecutableFile(atPath: prefix.file("/usr/local/bin/\(script)")), "\(script)")
        }
        #expect(prefix.read("/usr/local/bin/k3s-uninstall.sh")?.contains("SERVICE=\"k3s\"") == true)

        // K3S_URL makes an agent: its own unit and uninstall script, next to the server's.
        let agent = try await Self.install(into: prefix, ["K3S_URL": "https://10.99.0.2:6443", "K3S_TOKEN": "s3cret"])
        #expect(agent.status == 0, "\(agent.stdout)\(agent.stderr)")
        let agentUnit = try #require(prefix.read("/etc/systemd/system/k3s-agent.service"))
        #expect(agentUnit.contains("ExecStart=/usr/local/bin/k3s \\\n    agent\n"), "\(agentUnit)")
        #expect(prefix.read("/etc/systemd/system/k3s-agent.service.env")?.contains("K3S_URL=https://10.99.0.2:6443") == true)
        #expect(prefix.read("/usr/local/bin/k3s-agent-uninstall.sh")?.contains("SERVICE=\"k3s-agent\"") == true)
        #expect(try await Self.verify("k3s-agent.service", in: prefix) == "")

        // A unit naming a missing binary is something verify objects to: the check can fail.
        try FileManager.default.removeItem(atPath: prefix.file("/usr/local/bin/k3s"))
        #expect(try await Self.verify("k3s.service", in: prefix) != "")
    }

    @Test("bad settings stop the installer with a clear message and nothing written")
    func badSettings() async throws {
        let prefix = try Prefix()
        let agent = try await Self.install(into: prefix, ["INSTALL_K3S_EXEC": "agent"])
        #expect(agent.status != 0)
        #expect(agent.stderr.contains("an agent needs K3S_URL"), "\(agent.stderr)")
        let tokenless = try await Self.install(into: prefix, ["K3S_URL": "https://10.99.0.2:6443"])
        #expect(tokenless.status != 0)
        #expect(tokenless.stderr.contains("an agent needs K3S_TOKEN"), "\(tokenless.stderr)")
        try FileManager.default.removeItem(atPath: prefix.file("/usr/local/bin/k3s"))
        let unbuilt = try await Self.install(into: prefix, [:])
        #expect(unbuilt.status != 0)
        #expect(unbuilt.stderr.contains("INSTALL_K3S_SKIP_DOWNLOAD is set but"), "\(unbuilt.stderr)")
        #expect(!prefix.exists("/etc/systemd/system/k3s.service"))
        #expect(!prefix.exists("/etc/systemd/system/k3s-agent.service"))
    }

    @Test("killall and uninstall leave no process, mount, interface, route, nftables table or file behind", .enabled(if: RealNode.available))
    func uninstallLeavesNothing() async throws {
        let node = try await RealNode.start()
        defer { node.stop() }
        let prefix = try Prefix()
        let installed = try await Self.install(into: prefix, ["K3S_TOKEN": "s3cret"])
        try #require(installed.status == 0, "\(installed.stdout)\(installed.stderr)")

        // Something of everything: a pod (containerd, a shim, a container, its network namespace
        // and veth), the overlay, the service proxy's and the policy controller's tables.
        try await node.kubectlOK("run", "sleeper", "--image", RealNodeImage.name, "--", "sleep", "3600")
        try await node.waitForReady("sleeper")
        let before = try await node.inNode(["/usr/sbin/ip", "-o", "link", "show"])
        #expect(before.stdout.contains("cni0"), "\(before.stdout)")
        #expect(!node.processesLeft().isEmpty)

        let uninstall = try await node.inNode([
            "/usr/bin/env", "K3S_ROOT=\(prefix.path)", "K3S_DATA_DIR=\(node.dataDir)", prefix.file("/usr/local/bin/k3s-uninstall.sh"),
        ])
        #expect(uninstall.status == 0, "\(uninstall.stdout)\(uninstall.stderr)")
        #expect(uninstall.stdout.contains("k3s is uninstalled"), "\(uninstall.stdout)")

        #expect(node.processesLeft() == [], "processes left: \(node.processesLeft())")
        let mounts = node.mountPoints().filter { point in
            ["/run/k3s/", node.dataDir + "/", "/var/lib/kubelet/", "/run/netns/cni-"].contains { point.hasPrefix($0) }
        }
        #expect(mounts == [], "mounts left: \(mounts)")
        let links = try await node.inNode(["/usr/sbin/ip", "-o", "link", "show"]).stdout.split(separator: "\n").map {
            $0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces).split(separator: "@")[0]
        }
        // What the test made (loopback, the node's veth pair) is all that may be left.
        let left = links.filter { $0 != "lo" && !$0.hasPrefix("k3s-node") }
        #expect(left.isEmpty, "interfaces left: \(left)")
        #expect(links.contains("k3s-node0"))
        let routes = try await node.inNode(["/usr/sbin/ip", "route", "show", "proto", "75"]).stdout
        #expect(routes.isEmpty, "overlay routes left: \(routes)")
        let addresses = try await node.inNode(["/usr/sbin/ip", "-4", "-o", "address", "show", "dev", "lo"]).stdout
        #expect(!addresses.contains("k3s-dns") && !addresses.contains("10.43.0.10"), "\(addresses)")
        let tables = try await node.inNode(["/usr/sbin/nft", "list", "tables"]).stdout
        #expect(!tables.contains("k3s-swift"), "nftables tables left: \(tables)")
        let namespaces = try await node.inNode(["/usr/sbin/ip", "netns", "list"]).stdout
        #expect(namespaces.isEmpty, "network namespaces left: \(namespaces)")
        #expect(!FileManager.default.fileExists(atPath: node.dataDir + "/server"), "the data directory is still there")
        for file in ["/etc/systemd/system/k3s.service", "/etc/systemd/system/k3s.service.env", "/usr/local/bin/k3s",
            "/usr/local/bin/k3s-killall.sh", "/usr/local/bin/k3s-uninstall.sh"]
        {
            #expect(!prefix.exists(file), "\(file) is still there")
        }
    }
}
