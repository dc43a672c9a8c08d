/// A JSON Pointer (RFC 6901): a sequence of reference tokens naming a location in a document.
///
/// The empty pointer names the whole document. In text form each token is preceded by `/`,
/// with `~` written as `~0` and `/` as `~1`.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens, outermost first.
    public var tokens: [String]

    /// Creates a pointer from unescaped tokens.
    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Parses the text form of a pointer.
    ///
    /// - Throws: `PatchError.invalidPointer` when the text is neither empty nor starts with `/`,
    ///   or contains a `~` not followed by `0` or `1`.
    public init(_ text: String) throws(PatchError) {
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw .invalidPointer(pointer: text, reason: "must be empty or start with \"/\"")
        }
        var result: [String] = []
        var current = ""
        var iterator = text.unicodeScalars.dropFirst().makeIterator()
        while let scalar = iterator.next() {
            switch scalar {
            case "/":
                result.append(current)
                current = ""
            case "~":
                switch iterator.next() {
                case "0": current += "~"
                case "1": current += "/"
                default:
                    throw .invalidPointer(pointer: text, reason: "\"~\" must be followed by \"0\" or \"1\"")
                }
            default:
                current.unicodeScalars.append(scalar)
            }
        }
        result.append(current)
        tokens = result
    }

    /// The pointer in text form, with `~` and `/` escaped.
    public var description: String {
        tokens.map { "/" + Self.escape($0) }.joined()
    }

    /// Whether this pointer names the whole document.
    public var isRoot: Bool { tokens.isEmpty }

    /// Whether `self` is a strict prefix of `other` (so `other` lies inside `self`'s value).
    public func isProperPrefix(of other: JSONPointer) -> Bool {
        tokens.count < other.tokens.count && Array(other.tokens.prefix(tokens.count)) == tokens
    }

    /// The value this pointer names in `document`, or `nil` when it does not exist.
    public func resolve(in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let items):
                guard case .index(let i)? = Self.arrayIndex(token), i < items.count else { return nil }
                current = items[i]
            default:
                return nil
            }
        }
        return current
    }

    /// Escapes one reference token for the text form.
    public static func escape(_ token: String) -> String {
        guard token.contains("~") || token.contains("/") else { return token }
        return token.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    /// How a reference token addresses an array.
    enum ArrayToken: Equatable {
        /// A valid, in-range-or-not decimal index.
        case index(Int)
        /// `-`: the position after the last element.
        case end
    }

    /// Interprets a token as an array index: `-`, `0`, or digits without a leading zero.
    /// Returns `nil` for anything else (including indices too large to represent).
    static func arrayIndex(_ token: String) -> ArrayToken? {
        if token == "-" { return .end }
        let utf8 = token.utf8
        guard let first = utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return nil }
        if first == UInt8(ascii: "0") { return utf8.count == 1 ? .index(0) : nil }
        guard utf8.count <= 18 else { return nil }
        var value = 0
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return .index(value)
    }
}
