/// How an image archive file is compressed, told by its first bytes (not its name).
public enum ArchiveCompression: String, Sendable, Hashable {
    /// A plain tar.
    case none
    /// gzip (`.tar.gz`, `.tgz`), magic `1f 8b`.
    case gzip
    /// Zstandard (`.tar.zst`, `.tzst`), magic `28 b5 2f fd`.
    case zstd
    /// bzip2 (`.tar.bz2`, `.tbz`), magic `BZh`.
    case bzip2
    /// LZ4 frames (`.tar.lz4`), magic `04 22 4d 18`.
    case lz4

    /// The compression whose magic number `header` starts with; ``none`` otherwise.
    public init(header: some Collection<UInt8>) {
        let bytes = Array(header.prefix(4))
        if bytes.starts(with: [0x1f, 0x8b]) {
            self = .gzip
        } else if bytes.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) {
            self = .zstd
        } else if bytes.starts(with: Array("BZh".utf8)) {
            self = .bzip2
        } else if bytes.starts(with: [0x04, 0x22, 0x4d, 0x18]) {
            self = .lz4
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
        case .bzip2: ["bzip2", "-dc", "--", path]
        case .lz4: ["lz4", "-dcq", path]
        }
    }

    /// The file names K3s imports from its images directory: tars, plain or compressed.
    public static let importableSuffixes = [".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst", ".tar.bz2", ".tbz", ".tar.lz4"]
}
