/// A value that is either an integer or a string, such as a port (`8080` or `"http"`) or a percentage (`"25%"`).
public enum IntOrString: Sendable, Hashable, Codable {
    /// An integer, such as a port number.
    case int(Int)
    /// A string, such as a port name or a percentage (`"25%"`).
    case string(String)

    /// Decodes a JSON number as ``int(_:)`` and a JSON string as ``string(_:)``.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { self = .int(i); return }
        self = .string(try c.decode(String.self))
    }

    /// Encodes ``int(_:)`` as a JSON number and ``string(_:)`` as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }
}

extension IntOrString: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, CustomStringConvertible {
    /// Creates `.int`.
    public init(integerLiteral value: Int) { self = .int(value) }

    /// Creates `.string`.
    public init(stringLiteral value: String) { self = .string(value) }

    /// The integer, or `nil` for a string.
    public var intValue: Int? {
        if case .int(let i) = self { return i }
        return nil
    }

    /// The string, or `nil` for an integer.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer in decimal, or the string as is.
    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return s
        }
    }

    /// Resolves the value against a total: an integer is returned as is, a percentage
    /// such as `"25%"` becomes that share of `total`, rounded up (ceiling) when `roundUp`
    /// is true and down (floor) otherwise. `"25%"` of 10 is 3 rounded up and 2 rounded down.
    ///
    /// - Throws: ``IntOrStringError`` when the string does not end in `%`, its number is not a
    ///   decimal integer, or the result does not fit in `Int`.
    public func scaledValue(total: Int, roundUp: Bool) throws(IntOrStringError) -> Int {
        let text: String
        switch self {
        case .int(let i): return i
        case .string(let s): text = s
        }
        guard text.hasSuffix("%") else {
            throw IntOrStringError(value: text, message: "invalid type: string is not a percentage")
        }
        let number = text.dropLast()
        guard !number.isEmpty, number.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") }),
            let percent = Int(number)
        else {
            throw IntOrStringError(value: text, message: "invalid value \"\(text)\": \"\(number)\" is not an integer")
        }
        let (product, overflow) = percent.multipliedReportingOverflow(by: total)
        guard !overflow else {
            throw IntOrStringError(value: text, message: "invalid value \"\(text)\": \(percent)% of \(total) overflows")
        }
        let (quotient, remainder) = product.quotientAndRemainder(dividingBy: 100)
        if remainder == 0 { return quotient }
        if roundUp { return remainder > 0 ? quotient + 1 : quotient }
        return remainder < 0 ? quotient - 1 : quotient
    }
}

/// Why an ``IntOrString`` could not be resolved to an integer.
public struct IntOrStringError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offending string.
    public var value: String
    /// An explanation.
    public var message: String

    /// Creates an error.
    public init(value: String, message: String) {
        self.value = value
        self.message = message
    }

    /// `invalid value for IntOrString: <message>`.
    public var description: String { "invalid value for IntOrString: \(message)" }
}
