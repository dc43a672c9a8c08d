/// What importing one archive gave.
public struct ImageImportResult: Sendable, Hashable, CustomStringConvertible {
    /// The file imported (or a description of the bytes, such as `pause image`).
    public var source: String
    /// The image names created or updated, as containerd reports them.
    public var images: [String]
    /// Why the import failed, or `nil` when it succeeded.
    public var failure: String?
    /// How long the import took.
    public var duration: Duration

    /// Creates a result.
    public init(source: String, images: [String], failure: String?, duration: Duration) {
        self.source = source
        self.images = images
        self.failure = failure
        self.duration = duration
    }

    /// Whether the archive was imported.
    public var succeeded: Bool { failure == nil }

    public var description: String {
        if let failure { return "importing \(source) failed: \(failure)" }
        return "imported \(source): \(images.joined(separator: ", "))"
    }
}
