/// An exact decimal amount with a unit, such as `100m`, `1Gi` or `1.5` (resource requests and limits).
///
/// The value is held exactly as `mantissa × 10^exponent` (a 128-bit mantissa with no trailing
/// zeros). Values are rounded up (away from zero) to a multiple of 10⁻⁹ when parsed, as the
/// Kubernetes API server does. The ``format`` remembers how the quantity was written (binary
/// suffix, decimal suffix or exponent) and chooses the canonical text (``description``):
/// `1.5Gi` → `1536Mi`, `0.1` → `100m`, `1e3` → `1e3`, `1000m` → `1`.
///
/// Equality, hashing and ordering compare values only: `1Ki == 1024`.
public struct Quantity: Sendable {
    /// How a quantity is written; chosen by the suffix it was parsed with.
    public enum Format: String, Sendable, Hashable, Codable {
        /// Powers of 1024: `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`.
        case binarySI = "BinarySI"
        /// Powers of 1000: `n`, `u`, `m`, (none), `k`, `M`, `G`, `T`, `P`, `E`.
        case decimalSI = "DecimalSI"
        /// Powers of ten written as an exponent: `12e6`.
        case decimalExponent = "DecimalExponent"
    }

    /// The significant digits (no trailing zeros; zero for a zero quantity).
    public private(set) var mantissa: Int128
    /// The power of ten applied to ``mantissa`` (zero for a zero quantity).
    public private(set) var exponent: Int
    /// The notation used for the canonical text.
    public var format: Format
    /// The original text when the quantity was created with ``init(_:)`` from invalid text.
    var invalidText: String?

    /// Creates the quantity `mantissa × 10^exponent` exactly, normalising trailing zeros.
    ///
    /// `Int128.min` is stored as `-Int128.max` (so every value can be negated) and the exponent
    /// is clamped to ±10⁹.
    public init(mantissa: Int128, exponent: Int, format: Format = .decimalSI) {
        self.mantissa = mantissa == .min ? -.max : mantissa
        self.exponent = min(max(exponent, -1_000_000_000), 1_000_000_000)
        self.format = format
        self.invalidText = nil
        normalize()
    }

    /// Creates a whole-number quantity.
    public init(_ value: Int64, format: Format = .decimalSI) {
        self.init(mantissa: Int128(value), exponent: 0, format: format)
    }

    /// Creates a quantity of `milli` thousandths (`Quantity(milli: 250)` is `250m`).
    public init(milli: Int64, format: Format = .decimalSI) {
        self.init(mantissa: Int128(milli), exponent: -3, format: format)
    }

    /// Zero.
    public static let zero = Quantity(mantissa: 0, exponent: 0)

    /// Parses a quantity, keeping the text if it is invalid.
    ///
    /// Meant for literals known to be valid. Invalid text does not trap: the result has
    /// ``isValid`` `false`, behaves as zero in comparisons and arithmetic, and writes the
    /// original text back unchanged when encoded. Use ``init(parsing:)`` for untrusted input.
    public init(_ string: String) {
        do {
            self = try Quantity(parsing: string)
        } catch {
            self = .zero
            invalidText = string
        }
    }

    /// Whether the quantity holds a parsed value (false only for invalid text given to ``init(_:)``).
    public var isValid: Bool { invalidText == nil }

    /// Whether the value is zero.
    public var isZero: Bool { mantissa == 0 }

    /// -1, 0 or 1 for negative, zero and positive values.
    public var sign: Int { mantissa == 0 ? 0 : (mantissa < 0 ? -1 : 1) }

    /// The canonical text, as the API server writes it (see ``description``).
    public var string: String { description }

    mutating func normalize() {
        if mantissa == 0 {
            exponent = 0
            return
        }
        while mantissa % 10 == 0 {
            mantissa /= 10
            exponent += 1
        }
    }
}
