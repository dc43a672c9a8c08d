extension Quantity: CustomStringConvertible, ExpressibleByStringLiteral, Codable {
    /// The canonical text, as the Kubernetes API server writes it.
    ///
    /// No fractional digits are written; the largest suffix that keeps the value exact is used,
    /// in the quantity's ``format``: binary quantities of at least 1024 whose value is a whole
    /// number are written with `Ki`…`Ei` (`1.5Gi` → `1536Mi`), other binary quantities fall back to
    /// decimal; decimal exponents are multiples of three (`0.1` → `100m`, `12e6` stays `12e6`).
    /// Decimal values beyond the `E` suffix are written with an exponent (`1e21`).
    /// Invalid text given to ``init(_:)`` is returned as written.
    public var description: String {
        if let invalidText { return invalidText }
        if mantissa == 0 { return "0" }
        var format = self.format
        if format == .binarySI {
            if Self.compareMagnitudes(self, Quantity(1024)) < 0 {
                format = .decimalSI
            } else if let whole = Self.align(mantissa, exponent: exponent, to: 0), exponent >= 0 {
                var amount = whole
                var steps = 0
                while steps < 6 && amount % 1024 == 0 {
                    amount /= 1024
                    steps += 1
                }
                return "\(amount)" + ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][steps]
            } else {
                format = .decimalSI
            }
        }
        var number = String(mantissa)
        var power = exponent
        switch ((power % 3) + 3) % 3 {
        case 1:
            number += "0"
            power -= 1
        case 2:
            number += "00"
            power -= 2
        default: break
        }
        if format == .decimalSI {
            switch power {
            case -9: return number + "n"
            case -6: return number + "u"
            case -3: return number + "m"
            case 0: return number
            case 3: return number + "k"
            case 6: return number + "M"
            case 9: return number + "G"
            case 12: return number + "T"
            case 15: return number + "P"
            case 18: return number + "E"
            default: break
            }
        }
        return power == 0 ? number : number + "e\(power)"
    }

    /// Creates a quantity from a literal; see ``init(_:)``.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// Decodes a quantity from a JSON string (surrounding whitespace ignored) or a JSON number.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when the text is not a valid quantity,
    ///   `DecodingError.typeMismatch` for other JSON types.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string.trimmingSpaces()
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else if let double = try? container.decode(Double.self) {
            text = JSONValue.double(double).serializedString()
        } else {
            throw DecodingError.typeMismatch(
                Quantity.self,
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "a quantity must be a string or a number"))
        }
        do {
            self = try Quantity(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the canonical text as a string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
