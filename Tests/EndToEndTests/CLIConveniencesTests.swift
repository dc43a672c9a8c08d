import Foundation
import Testing

/// `k3s completion`, `k3s --version`, the logging flags and `k3s etcd-snapshot`, run as the real
/// binary.
@Suite(.serialized) struct CLIConveniencesTests {
    var k3s: String { get throws { try K3sServerProcess.builtExecutable("k3s") } }

    @Test func completionScriptsForEachShell() async throws {
        let bash = try await run(k3s, ["completion", "bash"])
        #expect(bash.status == 0, "\(bash.stderr)")
        #expect(bash.stdout.contains("-F _k3s k3s"), "\(bash.stdout.suffix(200))")
        #expect(bash.stdout.contains("etcd-snapshot") && bash.stdout.contains("certificate"), "subcommands are completed")
        let zsh = try await run(k3s, ["completion", "zsh"])
        #expect(zsh.status == 0 && zsh.stdout.hasPrefix("#compdef k3s"), "\(zsh.stdout.prefix(200))")
        let fish = try await run(k3s, ["completion", "fish"])
        #expect(fish.status == 0 && fish.stdout.contains("complete -c 'k3s'"), "\(fish.stdout.prefix(200))")
        let other = try await run(k3s, ["completion", "powershell"])
        #expect(other.status != 0 && other.stderr.contains("unsupported shell powershell: bash, zsh or fish"), "\(other.stderr)")
    }

    @Test func versionIsTwoLinesInK3sStyle() async throws {
        let result = try await run(k3s, ["--version"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2, "\(result.stdout)")
        #expect(lines.first?.hasPrefix("k3s version v1.36.2+k3s-swift (") == true, "\(result.stdout)")
        #expect(lines.last?.hasPrefix("swift version swift6") == true, "\(result.stdout)")
        if let commit = sourceCheckoutCommit {
            #expect(lines.first?.hasSuffix("(\(commit.prefix(8)))") == true, "\(result.stdout)")
        }
    }

    @Test func etcdSnapshotCommandsAndLogFlags() async throws {
        let server = try await K3sServerProcess.start(extraArguments: ["--etcd-snapshot-retention", "3"])
        let dataDir = server.dataDir
        defer { server.stop() }
        let deadline = Date().addingTimeInterval(10)
        while !server.log.contains("scheduled snapshots on") && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(server.log.contains("scheduled snapshots on"), "the server's schedule is running")
        let k3s = try self.k3s
        let base = ["--data-dir", dataDir]

        // --log FILE: nothing on standard error, the line in the file.
        let logFile = dataDir + "/snapshot.log"
        let saved = try await run(k3s, ["etcd-snapshot", "save", "--name", "before-upgrade", "--node-name", "s1", "--log", logFile] + base)
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stderr.isEmpty, "\(saved.stderr)")
        let logged = try String(contentsOfFile: logFile, encoding: .utf8)
        #expect(logged.contains("snapshot before-upgrade-s1-"), "\(logged)")
        // --alsologtostderr: both.
        let both = try await run(k3s, ["etcd-snapshot", "save", "--node-name", "s1", "--log", logFile, "--alsologtostderr"] + base)
        #expect(both.status == 0 && both.stderr.contains("snapshot on-demand-s1-"), "\(both.stderr)")
        #expect(try String(contentsOfFile: logFile, encoding: .utf8).contains("snapshot on-demand-s1-"))
        #expect(try await run(k3s, ["etcd-snapshot", "save", "--node-name", "s2"] + base).status == 0)

        let listed = try await run(k3s, ["etcd-snapshot", "ls"] + base)
        #expect(listed.status == 0, "\(listed.stderr)")
        let rows = listed.stdout.split(separator: "\n")
        #expect(rows.first?.split(separator: " ") == ["Name", "Location", "Size", "Created"], "\(listed.stdout)")
        #expect(rows.count == 4, "\(listed.stdout)")
        let snapshotDir = dataDir + "/server/db/snapshots/"
        #expect(rows.dropFirst().allSatisfy { $0.contains("file://" + snapshotDir) })
        #expect(try await run(k3s, ["etcd-snapshot", "list"] + base).stdout == listed.stdout, "list is ls")

        // prune keeps the newest of a prefix; on-demand-s1 and -s2 share a second, s2 sorts last.
        let pruned = try await run(k3s, ["etcd-snapshot", "prune", "--snapshot-retention", "1"] + base)
        #expect(pruned.status == 0, "\(pruned.stderr)")
        let remaining = try FileManager.default.contentsOfDirectory(atPath: snapshotDir).sorted()
        #expect(remaining.count == 2 && remaining[0].hasPrefix("before-upgrade-s1-") && remaining[1].hasPrefix("on-demand-s2-"), "\(remaining)")

        let missing = try await run(k3s, ["etcd-snapshot", "delete", "no-such"] + base)
        #expect(missing.status != 0 && missing.stderr.contains("no-such"), "\(missing.stderr)")
        #expect(try await run(k3s, ["etcd-snapshot", "delete", remaining[1]] + base).status == 0)

        // Restore (server stopped) from a name in the folder, then the server starts on it.
        server.stop(keepingData: true)
        let restored = try await run(k3s, ["etcd-snapshot", "restore", remaining[0]] + base)
        #expect(restored.status == 0, "\(restored.stderr)")
        let again = try await K3sServerProcess.start(dataDir: dataDir)
        again.stop(keepingData: true)
    }

    @Test func aBadCronExpressionStopsTheServerWithAClearError() async throws {
        do {
            let server = try await K3sServerProcess.start(extraArguments: ["--etcd-snapshot-schedule-cron", "0 */12 * *"])
            server.stop()
            Issue.record("the server started with a bad cron expression")
        } catch {
            #expect("\(error)".contains("etcd-snapshot-schedule-cron"), "\(error)")
            #expect("\(error)".contains("invalid cron expression: expected exactly 5 fields, found 4"), "\(error)")
        }
    }

    @Test func debugFlagTurnsOnDebugLogs() async throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dataDir + "/agent", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        // An agent-only data directory with a node certificate: rotating backs it up (a debug line).
        for name in ["client-kubelet.crt", "client-kubelet.key"] {
            try "not checked".write(toFile: dataDir + "/agent/" + name, atomically: true, encoding: .utf8)
        }
        let quiet = try await run(k3s, ["certificate", "rotate", "--data-dir", dataDir])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stderr.contains("debug"), "\(quiet.stderr)")
        for name in ["client-kubelet.crt", "client-kubelet.key"] {
            try "not checked".write(toFile: dataDir + "/agent/" + name, atomically: true, encoding: .utf8)
        }
        let loud = try await run(k3s, ["certificate", "rotate", "--data-dir", dataDir, "--debug"])
        #expect(loud.status == 0, "\(loud.stderr)")
        #expect(loud.stderr.contains("debug") && loud.stderr.contains("backed up"), "\(loud.stderr)")
    }
}

extension CLIConveniencesTests {
    @Test func loggingFlagsBeforeTheCommandWorkAsInK3s() async throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dataDir + "/agent", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try "not checked".write(toFile: dataDir + "/agent/client-kubelet.crt", atomically: true, encoding: .utf8)
        let loud = try await run(k3s, ["--debug", "certificate", "rotate", "--data-dir", dataDir])
        #expect(loud.status == 0, "\(loud.stderr)")
        #expect(loud.stderr.contains("debug") && loud.stderr.contains("backed up"), "\(loud.stderr)")

        let logFile = dataDir + "/k3s.log"
        let logged = try await run(k3s, ["-l", logFile, "etcd-snapshot", "ls", "--data-dir", dataDir])
        #expect(logged.status == 0, "\(logged.stderr)")
        #expect(logged.stdout.isEmpty && logged.stderr.isEmpty, "with --log the output goes to the file")
        #expect(try String(contentsOfFile: logFile, encoding: .utf8).hasPrefix("Name"))

        // Other commands' arguments are left alone.
        let unknown = try await run(k3s, ["--debug", "token", "list"])
        #expect(unknown.status != 0 && unknown.stderr.contains("Unknown option '--debug'"), "\(unknown.stderr)")
    }
}
