/// Where upgrades come from: a channel server (K3s's `update.k3s.io` protocol: a channel URL
/// answers with a redirect whose last path component is the version) and release files
/// (`BASE/VERSION/k3s` and `BASE/VERSION/sha256sum-amd64.txt`, K3s's release layout).
public protocol ReleaseFetcher: Sendable {
    /// The version a channel URL names now (`https://update.k3s.io/v1-release/channels/stable`).
    func resolveChannel(_ url: String) async throws -> String
    /// The text at `url`.
    func text(_ url: String) async throws -> String
    /// Saves what is at `url` into the file `path`.
    func download(_ url: String, to path: String) async throws
}

/// Why a release could not be fetched or used.
public struct ReleaseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}

/// K3s's release layout: `BASE/VERSION/k3s` (`k3s-arm64` on arm64) and the listing
/// `BASE/VERSION/sha256sum-amd64.txt` (`sha256sum-arm64.txt`).
public enum ReleaseFiles {
    /// The binary's file name on this machine's architecture.
    public static var binary: String {
        #if arch(arm64)
        "k3s-arm64"
        #else
        "k3s"
        #endif
    }

    /// The checksum listing's file name on this machine's architecture.
    public static var checksums: String {
        #if arch(arm64)
        "sha256sum-arm64.txt"
        #else
        "sha256sum-amd64.txt"
        #endif
    }

    /// The published SHA-256 of `file` in a `sha256sum` listing (`HASH  NAME` lines).
    public static func checksum(of file: String, in listing: String) -> String? {
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2 else { continue }
            let name = fields[1].hasPrefix("*") ? fields[1].dropFirst() : fields[1]
            if name == file, fields[0].count == 64, fields[0].allSatisfy(\.isHexDigit) { return fields[0].lowercased() }
        }
        return nil
    }
}
