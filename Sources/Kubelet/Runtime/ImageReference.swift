/// A container image reference normalized the way containerd shows it: `nginx` becomes
/// `docker.io/library/nginx:latest`, `ghcr.io/a/b@sha256:...` stays as it is.
public struct ImageReference: Sendable, Hashable {
    /// The registry and path (`docker.io/library/nginx`).
    public var repository: String
    /// The tag (`latest`), absent when the reference has a digest only.
    public var tag: String?
    /// The digest (`sha256:...`) when given.
    public var digest: String?

    /// Parses a reference.
    /// - Throws: `RuntimeError(.invalidArgument)` for an empty reference, whitespace, upper-case
    ///   letters in the path, or an empty component.
    public init(_ text: String) throws(RuntimeError) {
        guard !text.isEmpty else { throw RuntimeError(.invalidArgument, "image reference is empty") }
        guard !text.contains(where: { $0.isWhitespace }) else {
            throw RuntimeError(.invalidArgument, "invalid reference format: \"\(text)\" contains whitespace")
        }
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
            guard let digest, digest.hasPrefix("sha256:"), digest.count == 71 else {
                throw RuntimeError(.invalidArgument, "invalid reference format: \"\(text)\" has a malformed digest")
            }
        }
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let tagText = String(rest[rest.index(after: colon)...])
            guard !tagText.isEmpty else { throw RuntimeError(.invalidArgument, "invalid reference format: \"\(text)\" has an empty tag") }
            tag = tagText
            rest = rest[..<colon]
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !components.isEmpty, !components.contains(where: \.isEmpty) else {
            throw RuntimeError(.invalidArgument, "invalid reference format: \"\(text)\" has an empty path component")
        }
        let first = components[0]
        let hasRegistry = components.count > 1 && (first.contains(".") || first.contains(":") || first == "localhost")
        if !hasRegistry {
            if components.count == 1 { components.insert("library", at: 0) }
            components.insert("docker.io", at: 0)
        }
        let path = components.dropFirst()
        guard !path.contains(where: { $0.contains(where: { $0.isUppercase }) }) else {
            throw RuntimeError(.invalidArgument, "invalid reference format: repository name \"\(text)\" must be lowercase")
        }
        repository = components.joined(separator: "/")
        if tag == nil && digest == nil { tag = "latest" }
    }

    /// `repository:tag`, or `repository@digest` when there is no tag.
    public var normalized: String {
        if let tag { return "\(repository):\(tag)" }
        return "\(repository)@\(digest ?? "")"
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
