/// An image name as containerd's CRI plugin stores it: `registry/repository:tag` (or
/// `@sha256:...`), with Docker's defaults filled in (`docker.io`, `library/`, `latest`).
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// The registry host, with its port if any (`docker.io`, `127.0.0.1:5000`).
    public var registry: String
    /// The repository path inside the registry (`library/busybox`).
    public var repository: String
    /// The tag, or `nil` when the reference names a digest.
    public var tag: String?
    /// The digest (`sha256:...`), if the reference names one.
    public var digest: String?

    /// Parses and normalizes a reference: `busybox` becomes `docker.io/library/busybox:latest`,
    /// `k3s-swift/pause:1` becomes `docker.io/k3s-swift/pause:1`.
    ///
    /// - Throws: ``ImageReferenceError`` for an empty name, upper-case repository letters,
    ///   characters a reference cannot hold or an empty tag.
    public init(parsing text: String) throws(ImageReferenceError) {
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            let digest = rest[rest.index(after: at)...]
            guard digest.hasPrefix("sha256:"), digest.count == 71, digest.dropFirst(7).allSatisfy(\.isHexDigit) else {
                throw ImageReferenceError(reference: text, reason: "the digest must be sha256: and 64 hexadecimal digits")
            }
            self.digest = String(digest)
            rest = rest[..<at]
        } else {
            self.digest = nil
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let value = rest[rest.index(after: colon)...]
            guard !value.isEmpty, value.count <= 128, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
                throw ImageReferenceError(reference: text, reason: "the tag \"\(value)\" is not valid")
            }
            tag = String(value)
            rest = rest[..<colon]
        }
        guard !rest.isEmpty else { throw ImageReferenceError(reference: text, reason: "the name is empty") }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let first = components[0]
        let hasRegistry = components.count > 1 && (first.contains(".") || first.contains(":") || first == "localhost")
        registry = hasRegistry ? components.removeFirst() : "docker.io"
        if registry == "index.docker.io" { registry = "docker.io" }
        if registry == "docker.io", components.count == 1 { components.insert("library", at: 0) }
        for component in components {
            guard !component.isEmpty, component.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "._-".contains($0)) }) else {
                throw ImageReferenceError(reference: text, reason: "the repository \"\(components.joined(separator: "/"))\" must be lower-case letters, digits and . _ - separated by /")
            }
        }
        repository = components.joined(separator: "/")
        self.tag = tag ?? (digest == nil ? "latest" : nil)
    }

    /// `registry/repository`, without tag or digest.
    public var name: String { registry + "/" + repository }

    /// The full reference: `registry/repository[:tag][@digest]`.
    public var description: String {
        name + (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0 } ?? "")
    }
}

/// An image reference that cannot be parsed.
public struct ImageReferenceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reference as given.
    public var reference: String
    /// What is wrong with it.
    public var reason: String

    public var description: String { "invalid image reference \"\(reference)\": \(reason)" }
}
