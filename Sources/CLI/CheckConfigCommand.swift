import ArgumentParser
import Cluster

/// `k3s check-config`: what the kernel and the host lack for a node, one line each.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check that this machine has what a node needs (cgroups, overlayfs, nftables, br_netfilter, containerd, runc, CNI plugins).")

    func run() throws {
        let checks = HostChecks(probe: LocalHostProbe()).run()
        for check in checks { print(check.line) }
        let missing = checks.filter { !$0.ok && !$0.optional }
        if missing.isEmpty {
            print("check-config: everything a node needs is here")
        } else {
            print("check-config: \(missing.count) missing: \(missing.map(\.name).joined(separator: ", "))")
            throw ExitCode(1)
        }
    }
}
