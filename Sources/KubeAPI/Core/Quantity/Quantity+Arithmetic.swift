extension Quantity: Hashable, Comparable {
    /// Value equality (`1Ki == 1024`); quantities holding invalid text are equal only to the same text.
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool {
        lhs.invalidText == rhs.invalidText && lhs.mantissa == rhs.mantissa && lhs.exponent == rhs.exponent
    }

    /// Hashes the value (consistent with `==`).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(mantissa)
        hasher.combine(exponent)
        hasher.combine(invalidText)
    }

    /// Orders by value; invalid text counts as zero.
    public static func < (lhs: Quantity, rhs: Quantity) -> Bool {
        compare(lhs, rhs) < 0
    }

    /// -1, 0 or 1 as `lhs` is less than, equal to or greater than `rhs` in value.
    public static func compare(_ lhs: Quantity, _ rhs: Quantity) -> Int {
        if lhs.sign != rhs.sign { return lhs.sign < rhs.sign ? -1 : 1 }
        if lhs.sign == 0 { return 0 }
        let order = compareMagnitudes(lhs, rhs)
        return lhs.sign > 0 ? order : -order
    }

    static func digitCount(_ value: UInt128) -> Int {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        return count
    }

    static func compareMagnitudes(_ lhs: Quantity, _ rhs: Quantity) -> Int {
        let a = lhs.mantissa.magnitude
        let b = rhs.mantissa.magnitude
        let topA = digitCount(a) + lhs.exponent
        let topB = digitCount(b) + rhs.exponent
        if topA != topB { return topA < topB ? -1 : 1 }
        // Same leading position: the digit counts differ by the exponent difference (at most 38).
        if lhs.exponent > rhs.exponent {
            let (x, overflow) = a.multipliedReportingOverflow(by: UInt128(powerOfTen(lhs.exponent - rhs.exponent)))
            if overflow { return 1 }
            return x == b ? 0 : (x < b ? -1 : 1)
        }
        if rhs.exponent > lhs.exponent {
            let (y, overflow) = b.multipliedReportingOverflow(by: UInt128(powerOfTen(rhs.exponent - lhs.exponent)))
            if overflow { return -1 }
            return a == y ? 0 : (a < y ? -1 : 1)
        }
        return a == b ? 0 : (a < b ? -1 : 1)
    }

    /// `mantissa × 10^(exponent - target)` as an integer: exact when `exponent >= target`
    /// (nil on overflow), otherwise rounded away from zero.
    static func align(_ mantissa: Int128, exponent: Int, to target: Int) -> Int128? {
        if mantissa == 0 { return 0 }
        if exponent < target { return divideRoundingAway(mantissa, byPowerOfTen: target - exponent) }
        let shift = exponent - target
        if shift > 38 { return nil }
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: powerOfTen(shift))
        return overflow ? nil : product
    }

    /// The exact sum when it fits in 38 significant digits; otherwise the smaller operand is
    /// rounded away from zero at the precision that fits.
    static func sum(_ lhs: Quantity, _ rhs: Quantity) -> Quantity {
        if rhs.mantissa == 0 { return Quantity(mantissa: lhs.mantissa, exponent: lhs.exponent) }
        if lhs.mantissa == 0 { return Quantity(mantissa: rhs.mantissa, exponent: rhs.exponent) }
        var target = max(min(lhs.exponent, rhs.exponent), max(lhs.exponent, rhs.exponent) - 39)
        while true {
            if let x = align(lhs.mantissa, exponent: lhs.exponent, to: target),
                let y = align(rhs.mantissa, exponent: rhs.exponent, to: target)
            {
                let (total, overflow) = x.addingReportingOverflow(y)
                // Int128.min is excluded so that every stored mantissa can be negated.
                if !overflow && total != .min { return Quantity(mantissa: total, exponent: target) }
            }
            target += 1
        }
    }

    /// The sum; the result keeps the format of `lhs` unless `lhs` is zero.
    public static func + (lhs: Quantity, rhs: Quantity) -> Quantity {
        var result = sum(lhs, rhs)
        result.format = lhs.isZero ? rhs.format : lhs.format
        return result
    }

    /// The difference; the result keeps the format of `lhs` unless `lhs` is zero.
    public static func - (lhs: Quantity, rhs: Quantity) -> Quantity {
        lhs + (-rhs)
    }

    /// The negated value, in the same format.
    public static prefix func - (operand: Quantity) -> Quantity {
        Quantity(mantissa: -operand.mantissa, exponent: operand.exponent, format: operand.format)
    }

    /// Adds `rhs` to `lhs`.
    public static func += (lhs: inout Quantity, rhs: Quantity) { lhs = lhs + rhs }

    /// Subtracts `rhs` from `lhs`.
    public static func -= (lhs: inout Quantity, rhs: Quantity) { lhs = lhs - rhs }

    /// The value divided by `10^scale`, rounded away from zero and clamped to the `Int64` range.
    ///
    /// `scaledValue(0)` is ``value``; `scaledValue(-3)` is ``milliValue``.
    public func scaledValue(_ scale: Int) -> Int64 {
        if mantissa == 0 { return 0 }
        let saturated: Int64 = mantissa < 0 ? .min : .max
        guard let scaled = Self.align(mantissa, exponent: exponent, to: scale) else { return saturated }
        return Int64(exactly: scaled) ?? saturated
    }

    /// The value as a whole number, rounded away from zero (`1.2` → 2, `-1.2` → -2), clamped to `Int64`.
    public var value: Int64 { scaledValue(0) }

    /// The value in thousandths, rounded away from zero (`1.5` → 1500, `1n` → 1), clamped to `Int64`.
    public var milliValue: Int64 { scaledValue(-3) }

    /// The value as the nearest `Double` (infinite beyond its range).
    public var approximateDouble: Double {
        Double("\(mantissa)e\(exponent)") ?? (mantissa < 0 ? -.infinity : .infinity)
    }
}
