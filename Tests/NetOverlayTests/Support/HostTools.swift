#if canImport(Glibc)
import Glibc
#endif
import NetOverlay

/// What the kernel tests need of the machine.
enum HostTools {
    /// Root and every tool the overlays and the tests run (iproute2, nft, sysctl, busybox).
    static var canRunKernelTests: Bool {
        getuid() == 0 && IPRouteCommandRunner().toolsAvailable && access("/bin/busybox", X_OK) == 0
    }

    /// Root and `nft` (for `nft -c`).
    static var canCheckNFT: Bool { getuid() == 0 && IPRouteCommandRunner().toolsAvailable }

    /// A random lower-case suffix for names the test makes.
    static func suffix() -> String {
        String((0..<6).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
    }
}
