import Foundation
import Testing
@testable import KubeAPI

@Suite struct QuantityTests {
    @Test(arguments: [
        // zero and signs
        ("0", "0"), ("0Gi", "0"), ("-0", "0"), ("+1", "1"), ("000", "0"), ("0.0", "0"),
        // decimal SI
        ("1", "1"), ("1.0", "1"), ("1000m", "1"), ("0.1", "100m"), ("1.5", "1500m"), (".5", "500m"),
        ("1.", "1"), ("007", "7"), ("100M", "100M"), ("1000M", "1G"), ("1000", "1k"), ("1k", "1k"),
        ("1500k", "1500k"), ("1E", "1E"), ("1000E", "1e21"), ("5T", "5T"), ("2P", "2P"),
        ("1n", "1n"), ("0.1n", "1n"), ("1.5n", "2n"), ("-0.1n", "-1n"), ("1u", "1u"), ("-100m", "-100m"),
        ("1.23456789", "1234567890n"), ("0.000000000000000000001", "1n"), ("123456789", "123456789"),
        // binary SI
        ("1Ki", "1Ki"), ("1024", "1024"), ("1536Mi", "1536Mi"), ("1.5Gi", "1536Mi"), ("0.5Gi", "512Mi"),
        ("1024Mi", "1Gi"), ("1.5Ki", "1536"), ("0.5Ki", "512"), ("1.1Ki", "1126400m"), ("1Ei", "1Ei"),
        ("8Ei", "9223372036854775807"), ("-1Gi", "-1Gi"), ("0.5Mi", "512Ki"), ("3Ti", "3Ti"), ("1024Ei", "9223372036854775807"),
        ("0.0000000001Ki", "103n"),
        // decimal exponent
        ("1e3", "1e3"), ("1E3", "1e3"), ("1e+3", "1e3"), ("10e2", "1e3"), ("1.5e3", "1500"), ("12e6", "12e6"),
        ("1e-3", "1e-3"), ("1e0", "1"), ("100e-3", "100e-3"), ("1e-10", "1e-9"), ("-2e9", "-2e9"), ("1e1000", "10e999"),
    ])
    func canonicalForm(input: String, canonical: String) throws {
        let quantity = try Quantity(parsing: input)
        #expect(quantity.description == canonical)
        #expect(quantity.string == canonical)
        // The canonical text parses back to the same value and text.
        let again = try Quantity(parsing: canonical)
        #expect(again == quantity)
        #expect(again.description == canonical)
    }

    @Test(arguments: [
        ("", QuantityError.Kind.empty),
        ("1.2.3", .invalidFormat), ("Gi", .invalidFormat), ("1Qi", .invalidFormat), ("--1", .invalidFormat),
        ("1e", .invalidSuffix), ("1e1001", .outOfRange), ("1e-99999999999999999999", .outOfRange),
        ("abc", .invalidFormat), ("1 Gi", .invalidFormat), (" 1", .invalidFormat), ("1K", .invalidSuffix),
        ("1ki", .invalidSuffix), ("1Gi2", .invalidSuffix), ("+", .invalidFormat), ("-", .invalidFormat),
        (".", .invalidFormat), ("1e1.5", .invalidFormat), ("1x", .invalidFormat), ("1mm", .invalidSuffix),
        ("1ee3", .invalidSuffix), ("1e3e", .invalidFormat), ("0x10", .invalidFormat),
        ("1234567890123456789012345678901234567890", .outOfRange),
    ])
    func rejectsInvalidText(input: String, kind: QuantityError.Kind) {
        #expect {
            _ = try Quantity(parsing: input)
        } throws: { error in
            guard let error = error as? QuantityError else { return false }
            return error.kind == kind && error.input == input && error.description.contains("quantity \"\(input)\"")
        }
    }

    @Test func formatErrorNamesThePattern() {
        #expect {
            _ = try Quantity(parsing: "1.2.3")
        } throws: { error in
            (error as? QuantityError)?.message
                == "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        }
    }

    @Test(arguments: [
        ("1", 1, 1000), ("1.5", 2, 1500), ("-1.5", -2, -1500), ("1n", 1, 1), ("100m", 1, 100), ("0", 0, 0),
        ("100Gi", 107_374_182_400, 107_374_182_400_000), ("1e30", Int64.max, Int64.max), ("-1e30", Int64.min, Int64.min),
        ("1.0001m", 1, 2), ("8Ei", Int64.max, Int64.max),
    ] as [(String, Int64, Int64)])
    func integerViews(input: String, value: Int64, milli: Int64) throws {
        let quantity = try Quantity(parsing: input)
        #expect(quantity.value == value)
        #expect(quantity.milliValue == milli)
    }

    @Test func scaledValueAndDouble() throws {
        let q = try Quantity(parsing: "1500M")
        #expect(q.scaledValue(9) == 2)
        #expect(q.scaledValue(6) == 1500)
        #expect(try Quantity(parsing: "250m").approximateDouble == 0.25)
        #expect(try Quantity(parsing: "1Ki").approximateDouble == 1024)
    }

    @Test(arguments: [
        ("1Gi", "512Mi", "1536Mi", "512Mi"),
        ("100m", "900m", "1", "-800m"),
        ("1", "1500m", "2500m", "-500m"),
        ("0", "1Ki", "1Ki", "-1Ki"),
        ("1k", "1", "1001", "999"),
        ("1e3", "1e3", "2e3", "0"),
        ("1n", "1E", "1000000000000000000000000001n", "-999999999999999999999999999n"),
    ])
    func arithmetic(lhs: String, rhs: String, sum: String, difference: String) throws {
        let a = try Quantity(parsing: lhs)
        let b = try Quantity(parsing: rhs)
        #expect((a + b).description == sum)
        #expect((a - b).description == difference)
        var c = a
        c += b
        c -= b
        #expect(c == a)
    }

    @Test func arithmeticBeyondThePrecisionRoundsInsteadOfTrapping() throws {
        let huge = try Quantity(parsing: "1e100")
        let tiny = try Quantity(parsing: "1n")
        let total = huge + tiny
        #expect(total > huge)
        #expect(total.approximateDouble == 1e100)
        let big = Quantity(mantissa: Int128(10).power(37) * 9, exponent: 0)
        let doubled = big + big
        #expect(doubled > big)
        #expect(doubled.approximateDouble == 1.8e38)
        // 39-digit mantissas compare correctly against short ones with large exponents.
        let wide = Quantity(mantissa: Int128(10).power(38) + 1, exponent: 0)
        let nine = Quantity(mantissa: 9, exponent: 38)
        #expect(nine > wide)
        #expect(wide < nine)
        let most = Quantity(mantissa: .max, exponent: 0)
        #expect((most + most) > most)
        #expect((-most - most) < -most)
    }

    @Test func comparison() throws {
        let values = try ["1Gi", "1G", "1000m", "1", "-1", "0", "999m", "1Ki", "1e-3", "1n"].map { try Quantity(parsing: $0) }
        let sorted = values.sorted().map(\.description)
        #expect(sorted == ["-1", "0", "1n", "1e-3", "999m", "1", "1", "1Ki", "1G", "1Gi"])
        #expect(try Quantity(parsing: "1000m") == Quantity(parsing: "1"))
        #expect(try Quantity(parsing: "1Ki") == Quantity(parsing: "1024"))
        #expect(try Quantity(parsing: "1Ki").hashValue == Quantity(parsing: "1024").hashValue)
        #expect(try Quantity(parsing: "-2") < Quantity(parsing: "-1"))
        #expect(try Quantity(parsing: "1e100") > Quantity(parsing: "99e98"))
        #expect(try Quantity(parsing: "123456789012345678901234567890") > Quantity(parsing: "123456789012345678901234567889"))
    }

    @Test func constructors() {
        #expect(Quantity(5).description == "5")
        #expect(Quantity(milli: 250).description == "250m")
        #expect(Quantity(2048, format: .binarySI).description == "2Ki")
        #expect(Quantity(mantissa: 15, exponent: 8).description == "1500M")
        #expect(Quantity.zero.isZero)
        #expect(Quantity(-3).sign == -1)
    }

    @Test func nonThrowingInitializerKeepsInvalidText() {
        let valid: Quantity = "1.5Gi"
        #expect(valid.isValid)
        #expect(valid.description == "1536Mi")
        let invalid = Quantity("bogus")
        #expect(!invalid.isValid)
        #expect(invalid.description == "bogus")
        #expect(invalid != Quantity.zero)
        #expect(invalid == Quantity("bogus"))
        #expect((invalid + Quantity(1)).description == "1")
    }

    struct Holder: Codable { var q: Quantity }

    @Test(arguments: [
        (#"{"q":"1.5Gi"}"#, "1536Mi"), (#"{"q":" 100m "}"#, "100m"), (#"{"q":1.5}"#, "1500m"),
        (#"{"q":2}"#, "2"), (#"{"q":0.00001}"#, "10u"), (#"{"q":"1e3"}"#, "1e3"),
    ])
    func decodesStringsAndNumbers(json: String, canonical: String) throws {
        let holder = try JSONDecoder().decode(Holder.self, from: Data(json.utf8))
        #expect(holder.q.description == canonical)
        let encoded = try JSONEncoder().encode(holder)
        #expect(String(decoding: encoded, as: UTF8.self) == #"{"q":"\#(canonical)"}"#)
    }

    @Test(arguments: [#"{"q":"abc"}"#, #"{"q":""}"#, #"{"q":true}"#, #"{"q":"1Qi"}"#])
    func decodingInvalidThrows(json: String) {
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(Holder.self, from: Data(json.utf8))
        }
    }

    @Test func invalidTextEncodesUnchanged() throws {
        let data = try JSONEncoder().encode(Holder(q: Quantity("weird")))
        #expect(String(decoding: data, as: UTF8.self) == #"{"q":"weird"}"#)
    }
}

extension Int128 {
    fileprivate func power(_ n: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<n { result *= self }
        return result
    }
}
