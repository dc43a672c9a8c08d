/// Random identifiers the registry hands out: object UIDs and `generateName` suffixes.
enum RandomIdentifiers {
    /// A random (version 4) UUID in its lower-case text form.
    static func uuid() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (UInt64(index) * 8))
            bytes[index + 8] = UInt8(truncatingIfNeeded: low >> (UInt64(index) * 8))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The alphabet of generated name suffixes (no vowels, as upstream, to avoid words).
    static let suffixAlphabet: [UInt8] = Array("bcdfghjklmnpqrstvwxz2456789".utf8)

    /// `count` random characters for a `generateName` suffix.
    static func nameSuffix(count: Int = 5) -> String {
        var generator = SystemRandomNumberGenerator()
        var text: [UInt8] = []
        for _ in 0..<count {
            text.append(suffixAlphabet[Int.random(in: 0..<suffixAlphabet.count, using: &generator)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
