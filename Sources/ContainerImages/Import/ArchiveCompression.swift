/// How an image archive file is compressed, told by its first bytes (not its name).
public enum ArchiveCompression: String, Sendable, Hashable {
    /// A plain tar.
    case none
    /// gzip (`.tar.gz`, `.tgz`), magic `1f 8b`.
    case gzip
    /// Zstandard (`.tar.zst`, `.tzst`), magic `28 b5 2f fd`.
    case zstd

    /// The compression whose magic number `header` starts with; ``none`` otherwise.
    public init(header: some Collection<UInt8>) {
        let bytes = Array(header.prefix(4))
        if bytes.starts(with: [0x1f, 0x8b]) {
            self = .gzip
        } else if bytes.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) {
            self = .zstd
        } else {
            self = .none
        }
    }

    /// The command that writes the decompressed file to its standard output, or `nil` for a
    /// plain tar.
    func decompressor(for path: String) -> [String]? {
        switch self {
        case .none: nil
        case .gzip: ["gzip", "-dc", "--", path]
        case .zstd: ["zstd", "-dcq", "--", path]
        }
    }

    /// The file names K3s imports from its images directory: tars, optionally gzip- or
    /// zstd-compressed.
    public static let importableSuffixes = [".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst"]
}
