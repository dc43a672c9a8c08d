import KubeAPI
import NetOverlay
import Testing

@Suite struct OverlayMasqueradeTests {
    let masquerade = OverlayMasquerade(clusterCIDRs: [IPPrefix("10.42.0.0/16")!, IPPrefix("fd00:42::/56")!])

    @Test func ipv4RulesKeepPodToPodAndMasqueradeEgress() {
        let script = masquerade.script(podCIDRs: [IPPrefix("10.42.1.0/24")!], families: [.ipv4])
        #expect(script == """
            table ip k3s-swift-overlay
            delete table ip k3s-swift-overlay
            table ip k3s-swift-overlay {
            \tchain postrouting {
            \t\ttype nat hook postrouting priority srcnat; policy accept;
            \t\tip saddr 10.42.0.0/16 ip daddr 10.42.0.0/16 return
            \t\tip saddr 10.42.0.0/16 ip daddr 224.0.0.0/4 return
            \t\tip saddr 10.42.0.0/16 masquerade fully-random
            \t\tip saddr != 10.42.0.0/16 ip daddr 10.42.1.0/24 return
            \t\tip saddr != 10.42.0.0/16 ip daddr 10.42.0.0/16 masquerade fully-random
            \t}
            }
            table ip6 k3s-swift-overlay
            delete table ip6 k3s-swift-overlay

            """)
    }

    @Test func dualStackGetsBothTables() {
        let script = masquerade.script(podCIDRs: [IPPrefix("10.42.1.0/24")!, IPPrefix("fd00:42:0:1::/64")!], families: [.ipv4, .ipv6])
        #expect(script.contains("table ip6 k3s-swift-overlay {"))
        #expect(script.contains("ip6 saddr fd00:42::/56 ip6 daddr ff00::/8 return"))
        #expect(script.contains("ip6 saddr != fd00:42::/56 ip6 daddr fd00:42:0:1::/64 return"))
    }

    @Test func theRemovalScriptDeletesBothTables() {
        #expect(OverlayMasquerade.removalScript == """
            table ip k3s-swift-overlay
            delete table ip k3s-swift-overlay
            table ip6 k3s-swift-overlay
            delete table ip6 k3s-swift-overlay

            """)
    }

    @Test(.enabled(if: HostTools.canCheckNFT, "needs root and nft (nft -c checks against the kernel)"))
    func nftAcceptsEveryScript() async throws {
        let runner = IPRouteCommandRunner()
        let scripts = [
            masquerade.script(podCIDRs: [IPPrefix("10.42.1.0/24")!, IPPrefix("fd00:42:0:1::/64")!], families: [.ipv4, .ipv6]),
            OverlayMasquerade(clusterCIDRs: [IPPrefix("10.42.0.0/16")!, IPPrefix("10.50.0.0/16")!]).script(podCIDRs: [], families: [.ipv4]),
            OverlayMasquerade.removalScript,
        ]
        for script in scripts {
            _ = try await runner.run(LinkCommand(.nft, ["-c", "-f", "-"], input: script))
        }
        await #expect(throws: LinkCommandError.self) {
            _ = try await runner.run(LinkCommand(.nft, ["-c", "-f", "-"], input: "table ip x { chain y { masquerade nonsense } }"))
        }
    }
}
