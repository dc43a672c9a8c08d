import KubeAPI

/// The position of a paged list: the revision of its first page, the prefix it lists and the
/// last key returned so far. Encoded as an opaque, URL-safe string.
///
/// The encoding is a version byte, the revision (8 bytes, big-endian), the prefix length in
/// bytes (4 bytes, big-endian), the last key's UTF-8 bytes (which start with the prefix) and a
/// 4-byte FNV-1a checksum of everything before it, in unpadded base64url.
public struct ContinueToken: Sendable, Hashable {
    /// The revision every page of the list is read at.
    public var revision: Int64
    /// The last key already returned; the next page starts after it.
    public var lastKey: String
    /// The prefix being listed.
    public var prefix: String

    /// Creates a token. `lastKey` must start with `prefix`.
    public init(revision: Int64, lastKey: String, prefix: String) {
        self.revision = revision
        self.lastKey = lastKey
        self.prefix = prefix
    }

    private static let formatVersion: UInt8 = 1

    /// The opaque string handed to clients.
    public func encoded() -> String {
        let keyBytes = Array(lastKey.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(keyBytes.count + 17)
        bytes.append(Self.formatVersion)
        let rev = UInt64(bitPattern: revision)
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: rev >> UInt64(shift)))
        }
        let prefixLength = UInt32(prefix.utf8.count)
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: prefixLength >> UInt32(shift)))
        }
        bytes.append(contentsOf: keyBytes)
        let sum = Self.checksum(bytes[...])
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: sum >> UInt32(shift)))
        }
        return Base64.encode(bytes, alphabet: .url, padded: false)
    }

    /// Decodes a token and checks that it was issued for a list of `prefix`.
    ///
    /// - Throws: `DatastoreError.invalidContinueToken` if the string is not a token this code
    ///   produced, or was produced for another prefix.
    public static func decode(_ token: String, prefix: String) throws(DatastoreError) -> ContinueToken {
        guard let bytes = try? Base64.decode(token, alphabet: .url, padding: .forbidden) else {
            throw .invalidContinueToken(reason: "not a continue token issued by this store")
        }
        guard bytes.count >= 17 else {
            throw .invalidContinueToken(reason: "the token is truncated")
        }
        let body = bytes[..<(bytes.count - 4)]
        let stored = bytes[(bytes.count - 4)...].reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
        guard stored == checksum(body) else {
            throw .invalidContinueToken(reason: "the token is damaged")
        }
        guard body[body.startIndex] == formatVersion else {
            throw .invalidContinueToken(reason: "unknown token format \(body[body.startIndex])")
        }
        var index = body.startIndex + 1
        var rev: UInt64 = 0
        for _ in 0..<8 {
            rev = (rev << 8) | UInt64(body[index])
            index += 1
        }
        var prefixLength: UInt32 = 0
        for _ in 0..<4 {
            prefixLength = (prefixLength << 8) | UInt32(body[index])
            index += 1
        }
        let keyBytes = body[index...]
        let revision = Int64(bitPattern: rev)
        guard revision > 0 else {
            throw .invalidContinueToken(reason: "the token names revision \(revision)")
        }
        guard let lastKey = String(validating: keyBytes, as: UTF8.self) else {
            throw .invalidContinueToken(reason: "the token's key is not UTF-8")
        }
        guard Int(prefixLength) == prefix.utf8.count, ByteOrder.hasPrefix(lastKey, prefix) else {
            throw .invalidContinueToken(reason: "the token was issued for a list of another prefix than \"\(prefix)\"")
        }
        return ContinueToken(revision: revision, lastKey: lastKey, prefix: prefix)
    }

    private static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var hash: UInt32 = 0x811c_9dc5
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }
}
