extension Sequence where Element == UInt8 {
    /// The bytes as lower-case hexadecimal, two digits each (how SHA-256 sums are written).
    public var lowercaseHex: String {
        var text = ""
        for byte in self {
            if byte < 16 { text += "0" }
            text += String(byte, radix: 16)
        }
        return text
    }
}
