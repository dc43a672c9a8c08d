/// Base64 (RFC 4648) in its two alphabets, padded or not, without Foundation.
///
/// Encoding never fails. Decoding is strict: a character outside the alphabet, padding that is
/// missing (when required), present (when forbidden), misplaced or of the wrong length, and a
/// character count that no byte string encodes to are all refused. White space is not skipped;
/// a caller that accepts wrapped text removes it first. Like Go's default decoders, the unused
/// low bits of the last character are not checked.
public enum Base64 {
    /// The 64 characters used.
    public enum Alphabet: Sendable, Hashable {
        /// `A–Z a–z 0–9 + /` (RFC 4648 §4): Secret data, protobuf `bytes` in JSON, HTTP Basic.
        case standard
        /// `A–Z a–z 0–9 - _` (RFC 4648 §5): URL- and file-name-safe, as JSON Web Tokens use it.
        case url
    }

    /// What decoding accepts about trailing `=` padding.
    public enum Padding: Sendable, Hashable {
        /// The text must be padded to a multiple of four characters.
        case required
        /// Padding may be present (then it must be right) or left out.
        case optional
        /// No `=` may appear.
        case forbidden
    }

    /// Why a text is not base64.
    public enum DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The byte at this UTF-8 offset is not in the alphabet.
        case invalidCharacter(offset: Int)
        /// Padding is missing, misplaced, too long or too short, or given where it is forbidden.
        case invalidPadding
        /// The number of characters (`4n + 1`) cannot come from any byte string.
        case invalidLength

        public var description: String {
            switch self {
            case .invalidCharacter(let offset): "invalid base64: unexpected character at offset \(offset)"
            case .invalidPadding: "invalid base64: bad padding"
            case .invalidLength: "invalid base64: bad length"
            }
        }
    }

    private static let standardCharacters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlCharacters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let standardValues = values(of: standardCharacters)
    private static let urlValues = values(of: urlCharacters)
    private static let invalid: UInt8 = 0xFF
    private static let pad = UInt8(ascii: "=")

    private static func values(of characters: [UInt8]) -> [UInt8] {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, character) in characters.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }

    /// The base64 text of `bytes`.
    ///
    /// - Parameters:
    ///   - alphabet: the characters to use.
    ///   - padded: whether to pad the text with `=` to a multiple of four characters.
    public static func encode(_ bytes: some Sequence<UInt8>, alphabet: Alphabet = .standard, padded: Bool = true) -> String {
        let characters = alphabet == .standard ? standardCharacters : urlCharacters
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let count = min(3, input.count - index)
            var group = UInt32(input[index]) << 16
            if count > 1 { group |= UInt32(input[index + 1]) << 8 }
            if count > 2 { group |= UInt32(input[index + 2]) }
            for position in 0...count {
                output.append(characters[Int(group >> UInt32(18 - 6 * position) & 0x3F)])
            }
            if padded, count < 3 { output.append(contentsOf: repeatElement(pad, count: 3 - count)) }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes that `text` encodes.
    ///
    /// - Parameters:
    ///   - alphabet: the characters `text` must use.
    ///   - padding: whether `text` must, may or must not be padded.
    /// - Throws: ``DecodingError`` for a character outside the alphabet, bad padding or a bad
    ///   length.
    public static func decode(_ text: some StringProtocol, alphabet: Alphabet = .standard, padding: Padding = .required) throws(DecodingError) -> [UInt8] {
        let table = alphabet == .standard ? standardValues : urlValues
        var values: [UInt8] = []
        values.reserveCapacity(text.utf8.count)
        var padCount = 0
        for (offset, byte) in text.utf8.enumerated() {
            if byte == pad {
                guard padding != .forbidden else { throw .invalidPadding }
                padCount += 1
                continue
            }
            let value = table[Int(byte)]
            guard value != invalid else { throw .invalidCharacter(offset: offset) }
            // A data character after padding: the padding was in the middle.
            guard padCount == 0 else { throw .invalidPadding }
            values.append(value)
        }
        let remainder = values.count % 4
        guard remainder != 1 else { throw .invalidLength }
        if padCount > 0 {
            guard remainder != 0, padCount == 4 - remainder else { throw .invalidPadding }
        } else if padding == .required, remainder != 0 {
            throw .invalidPadding
        }
        var output: [UInt8] = []
        output.reserveCapacity(values.count / 4 * 3 + 2)
        var index = 0
        while index < values.count {
            let count = min(4, values.count - index)
            var group: UInt32 = 0
            for position in 0..<count { group |= UInt32(values[index + position]) << UInt32(18 - 6 * position) }
            for position in 0..<(count - 1) { output.append(UInt8(truncatingIfNeeded: group >> UInt32(16 - 8 * position))) }
            index += 4
        }
        return output
    }
}
