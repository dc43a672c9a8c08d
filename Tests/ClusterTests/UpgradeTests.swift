import Foundation
import Testing
@testable import Cluster

/// The pieces of the upgrade path that need no cluster: checksum listings, the annotations'
/// JSON, and the watchdog's rollback.
@Suite("Upgrades")
struct UpgradeTests {
    @Test("a sha256sum listing gives the binary's checksum; other names and malformed lines give none")
    func checksumListing() {
        let hash = String(repeating: "0a", count: 32)
        let listing = "\(String(repeating: "1b", count: 32))  k3s-arm64\n\(hash)  k3s\nbad line\n\(String(repeating: "z", count: 64))  other\n"
        #expect(ReleaseFiles.checksum(of: "k3s", in: listing) == hash)
        #expect(ReleaseFiles.checksum(of: "k3s", in: "\(hash.uppercased()) *k3s\n") == hash)
        #expect(ReleaseFiles.checksum(of: "other", in: listing) == nil)
        #expect(ReleaseFiles.checksum(of: "k3s", in: "") == nil)
    }

    @Test("orders and outcomes survive their annotation's JSON; anything else reads as none")
    func annotations() {
        let order = UpgradeOrder(plan: "kube-system/p", version: "v1.36.2+k3s1", url: "http://h/v/k3s", sha256: "ab", readyTimeoutSeconds: 42)
        #expect(UpgradeOrder(json: order.json) == order)
        let outcome = UpgradeOutcome(plan: "kube-system/p", version: "v1", state: .rolledBack, message: "said \"why\"")
        #expect(UpgradeOutcome(json: outcome.json) == outcome)
        #expect(UpgradeOrder(json: "{}") == nil)
        #expect(UpgradeOutcome(json: #"{"plan": "p", "version": "v", "state": "exploded"}"#) == nil)
        #expect(UpgradeOrder(json: "not json") == nil)
    }

    @Test("past its deadline with the process gone, the watchdog restores the previous binary and runs it")
    func watchdogRollsBack() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("bin/k3s", "new")
        try directory.write("bin/k3s.previous", "old")
        let upgrade = directory.file("agent/upgrade")
        try FileManager.default.createDirectory(atPath: upgrade, withIntermediateDirectories: true)
        // A PID that is certainly gone: a child that exited and was reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let pending = UpgradeWatchdog.Pending(
            plan: "kube-system/p", version: "v2", sha256: "ab", binary: directory.file("bin/k3s"), previous: directory.file("bin/k3s.previous"),
            deadline: 4_000_000_000, pid: child.processIdentifier, arguments: ["k3s", "server", "--debug"])
        try pending.write(directory: upgrade)
        #expect(UpgradeWatchdog.Pending.read(directory: upgrade) == pending)
        let ending = await UpgradeWatchdog.run(dataDir: directory.path) {}
        #expect(ending == .exec(binary: directory.file("bin/k3s"), arguments: ["k3s", "server", "--debug"]))
        #expect(try String(contentsOfFile: directory.file("bin/k3s"), encoding: .utf8) == "old")
        #expect(!FileManager.default.fileExists(atPath: upgrade + "/pending.json"))
        let outcome = try #require(UpgradeOutcome(json: try String(contentsOfFile: upgrade + "/outcome.json", encoding: .utf8)))
        #expect(outcome.state == .rolledBack && outcome.version == "v2")
        #expect(outcome.message.contains("exited before its node was Ready"))
    }

    @Test("a confirmed upgrade (no pending file) ends the watchdog with nothing to do")
    func watchdogWithNothingPending() async throws {
        let directory = try TemporaryDirectory()
        #expect(await UpgradeWatchdog.run(dataDir: directory.path) {} == .exit)
    }
}
