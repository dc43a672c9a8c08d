import ContainerImages

/// The kubelet and its runtimes parse image references with `ContainerImages.ImageReference`
/// (containerd's normalization: `nginx` is `docker.io/library/nginx:latest`); these add what
/// the runtime seam needs.
extension ImageReference {
    /// Parses a reference the way a runtime checks one: a malformed reference is
    /// `RuntimeError(.invalidArgument)`.
    public init(validating text: String) throws(RuntimeError) {
        do {
            try self.init(parsing: text)
        } catch {
            throw RuntimeError(.invalidArgument, "invalid reference format: \(error.description)")
        }
    }

    /// `registry/repository:tag`, or `registry/repository@digest` when there is no tag: the name
    /// containerd lists an image under.
    public var normalized: String {
        if let tag { return "\(name):\(tag)" }
        return "\(name)@\(digest ?? "")"
    }

    /// The digest a fake registry gives this reference: the given one, else a stable hash.
    var fakeDigest: String {
        if let digest { return String(digest.dropFirst("sha256:".count)) }
        return Self.hexDigest(of: normalized)
    }

    /// 64 hex digits derived from `text` (FNV-1a, four seeds): stable, not cryptographic.
    static func hexDigest(of text: String) -> String {
        var result = ""
        for seed in UInt64(0)..<4 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325 &+ seed &* 0x9e37_79b9_7f4a_7c15
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            let part = String(hash, radix: 16)
            result += String(repeating: "0", count: 16 - part.count) + part
        }
        return result
    }
}
