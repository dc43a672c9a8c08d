extension Quantity {
    /// The largest exponent magnitude accepted after `e`/`E` in a quantity.
    public static let maximumExponent = 1000

    /// Parses a quantity: an optional sign, decimal digits with an optional fraction, and a suffix.
    ///
    /// Suffixes: binary `Ki Mi Gi Ti Pi Ei`, decimal `n u m k M G T P E` (or none), or a decimal
    /// exponent `e3`/`E-2`. At least one digit is required. Binary quantities larger than
    /// `Int64.max` are capped to it, and every value is rounded up (away from zero) to a
    /// multiple of 10⁻⁹, as the Kubernetes API server does.
    ///
    /// - Throws: ``QuantityError`` for empty text, a malformed number, an unknown suffix, an
    ///   exponent beyond ±``maximumExponent`` or more than 38 significant digits.
    public init(parsing text: String) throws(QuantityError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else {
            throw QuantityError(kind: .empty, input: text, message: "quantities must not be empty")
        }
        var position = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            position = 1
        }
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        var digits: [UInt8] = []
        var fractionCount = 0
        while position < bytes.count, isDigit(bytes[position]) {
            digits.append(bytes[position])
            position += 1
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            while position < bytes.count, isDigit(bytes[position]) {
                digits.append(bytes[position])
                fractionCount += 1
                position += 1
            }
        }
        guard !digits.isEmpty else { throw QuantityError.format(text) }
        let suffix = bytes[position...]
        // Everything after the number must look like a suffix: letters then an optional signed integer.
        var suffixPosition = suffix.startIndex
        while suffixPosition < suffix.endIndex, "eEinumkKMGTP".utf8.contains(suffix[suffixPosition]) {
            suffixPosition += 1
        }
        if suffixPosition < suffix.endIndex, suffix[suffixPosition] == UInt8(ascii: "+") || suffix[suffixPosition] == UInt8(ascii: "-") {
            suffixPosition += 1
        }
        while suffixPosition < suffix.endIndex, isDigit(suffix[suffixPosition]) { suffixPosition += 1 }
        guard suffixPosition == suffix.endIndex else { throw QuantityError.format(text) }

        let (base, power, format) = try Self.interpretSuffix(suffix, text: text)

        // Strip leading zeros of the significant digits.
        var start = 0
        while start < digits.count, digits[start] == UInt8(ascii: "0") { start += 1 }
        var significant = Array(digits[start...])
        var scale = -fractionCount  // value = significant × 10^scale × base^power

        var mantissa: Int128
        var exponent: Int
        if base == 10 {
            scale += power
            // Round up to nano precision on the digit string, before any overflow can occur.
            var roundUp = false
            if scale < -9 {
                let drop = -9 - scale
                if drop >= significant.count {
                    roundUp = significant.contains { $0 != UInt8(ascii: "0") }
                    significant = []
                } else {
                    roundUp = significant[(significant.count - drop)...].contains { $0 != UInt8(ascii: "0") }
                    significant.removeLast(drop)
                }
                scale = -9
            }
            while let last = significant.last, last == UInt8(ascii: "0") {
                significant.removeLast()
                scale += 1
            }
            guard significant.count <= 38 else {
                throw QuantityError(kind: .outOfRange, input: text, message: "quantities may have at most 38 significant digits")
            }
            mantissa = Self.integer(significant)
            if roundUp { mantissa += 1 }
            exponent = significant.isEmpty && !roundUp ? 0 : scale
        } else {
            // Binary: value = significant × 2^power / 10^fractionCount.
            guard significant.count <= 38 else {
                throw QuantityError(kind: .outOfRange, input: text, message: "quantities may have at most 38 significant digits")
            }
            let digitsValue = Self.integer(significant)
            let (shifted, overflow) = digitsValue.multipliedReportingOverflow(by: Int128(1) << power)
            if overflow {
                guard fractionCount <= 19 else {
                    throw QuantityError(kind: .outOfRange, input: text, message: "quantities may have at most 38 significant digits")
                }
                mantissa = Int128(Int64.max)
                exponent = 0
            } else {
                mantissa = shifted
                exponent = -fractionCount
                if exponent < -9 {
                    mantissa = Self.divideRoundingAway(mantissa, byPowerOfTen: -9 - exponent)
                    exponent = -9
                }
                // Binary amounts are capped at the largest 64-bit integer.
                if Quantity(mantissa: mantissa, exponent: exponent) > Quantity(Int64.max) {
                    mantissa = Int128(Int64.max)
                    exponent = 0
                }
            }
        }
        var resolvedFormat = format
        // A binary amount below one has no binary spelling; it is written in decimal.
        if format == .binarySI, mantissa != 0, Quantity(mantissa: mantissa, exponent: exponent) < Quantity(1) {
            resolvedFormat = .decimalSI
        }
        if negative { mantissa = -mantissa }
        self.init(mantissa: mantissa, exponent: exponent, format: resolvedFormat)
    }

    /// Maps a suffix to (base, power, format).
    static func interpretSuffix(_ suffix: ArraySlice<UInt8>, text: String) throws(QuantityError) -> (Int, Int, Format) {
        let s = String(decoding: suffix, as: UTF8.self)
        switch s {
        case "": return (10, 0, .decimalSI)
        case "n": return (10, -9, .decimalSI)
        case "u": return (10, -6, .decimalSI)
        case "m": return (10, -3, .decimalSI)
        case "k": return (10, 3, .decimalSI)
        case "M": return (10, 6, .decimalSI)
        case "G": return (10, 9, .decimalSI)
        case "T": return (10, 12, .decimalSI)
        case "P": return (10, 15, .decimalSI)
        case "E": return (10, 18, .decimalSI)
        case "Ki": return (2, 10, .binarySI)
        case "Mi": return (2, 20, .binarySI)
        case "Gi": return (2, 30, .binarySI)
        case "Ti": return (2, 40, .binarySI)
        case "Pi": return (2, 50, .binarySI)
        case "Ei": return (2, 60, .binarySI)
        default: break
        }
        let unknown = QuantityError(kind: .invalidSuffix, input: text, message: "unable to parse quantity's suffix \"\(s)\"")
        guard suffix.count > 1, let first = suffix.first, first == UInt8(ascii: "e") || first == UInt8(ascii: "E") else {
            throw unknown
        }
        var rest = suffix.dropFirst()
        var negative = false
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty, rest.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw unknown }
        var value = 0
        for digit in rest {
            value = value * 10 + Int(digit - 0x30)
            if value > maximumExponent {
                throw QuantityError(
                    kind: .outOfRange, input: text,
                    message: "the exponent must be between -\(maximumExponent) and \(maximumExponent)")
            }
        }
        return (10, negative ? -value : value, .decimalExponent)
    }

    /// The integer value of at most 38 ASCII digits.
    static func integer(_ digits: [UInt8]) -> Int128 {
        var value: Int128 = 0
        for digit in digits { value = value * 10 + Int128(digit - 0x30) }
        return value
    }

    /// 10^n for n in 0...38.
    static func powerOfTen(_ n: Int) -> Int128 {
        var value: Int128 = 1
        for _ in 0..<n { value *= 10 }
        return value
    }

    /// `value / 10^n`, rounded away from zero; for n beyond 38 a non-zero value becomes ±1.
    static func divideRoundingAway(_ value: Int128, byPowerOfTen n: Int) -> Int128 {
        if n <= 0 || value == 0 { return value }
        if n > 38 { return value < 0 ? -1 : 1 }
        let divisor = powerOfTen(n)
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        if remainder == 0 { return quotient }
        return value < 0 ? quotient - 1 : quotient + 1
    }
}
