import Crypto

/// Content digests as OCI writes them (`sha256:` and 64 lower-case hexadecimal digits).
enum Digest {
    /// The `sha256:...` digest of `bytes`.
    static func sha256(_ bytes: [UInt8]) -> String {
        "sha256:" + hex(SHA256.hash(data: bytes))
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
