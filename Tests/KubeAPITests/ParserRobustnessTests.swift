import Testing
@testable import KubeAPI

/// Deterministic pseudo-random inputs: every parser must either succeed with a value that
/// round-trips through its canonical form, or throw its typed error — never trap.
@Suite struct ParserRobustnessTests {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func randomText(from alphabet: [UInt8], count: Int, using rng: inout SplitMix) -> [UInt8] {
        (0..<Int.random(in: 0...count, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
    }

    @Test func jsonParserNeverTraps() throws {
        var rng = SplitMix(state: 1)
        let alphabet = Array(#"{}[]:,"\ -+.0123456789eEtrufalsn/ubx"#.utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xED, 0xA0, 0xF0, 0x9F, 0xFF]
        var parsed = 0
        for _ in 0..<5000 {
            let bytes = Self.randomText(from: alphabet, count: 24, using: &rng)
            do {
                let value = try JSONValue(parsing: bytes)
                parsed += 1
                #expect(try JSONValue(parsing: value.serialized()) == value)
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count)
            }
        }
        #expect(parsed > 0)
    }

    @Test func jsonMutationsOfAValidDocumentNeverTrap() throws {
        var rng = SplitMix(state: 2)
        let base = Array(#"{"a":[1,-2.5e3,"x\u00e9\ud83d\ude00",true,null],"b":{"c":"<&>"}}"#.utf8)
        for _ in 0..<3000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: index)
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: index)
                }
            }
            if let value = try? JSONValue(parsing: bytes) {
                #expect(try JSONValue(parsing: value.serialized()) == value)
            }
        }
    }

    @Test func quantityParserNeverTraps() throws {
        var rng = SplitMix(state: 3)
        let alphabet = Array("+-.0123456789eEinumkKMGTP".utf8)
        for _ in 0..<5000 {
            let text = String(decoding: Self.randomText(from: alphabet, count: 12, using: &rng), as: UTF8.self)
            guard let quantity = try? Quantity(parsing: text) else { continue }
            let again = try Quantity(parsing: quantity.description)
            #expect(again == quantity, "\(text) → \(quantity)")
            #expect(again.description == quantity.description)
            _ = quantity.value
            _ = quantity.milliValue
            _ = quantity + again
            _ = quantity - again
        }
    }

    @Test func selectorParsersNeverTrap() {
        var rng = SplitMix(state: 4)
        let alphabet = Array("ab./-_=!,() <>\\innotin0".utf8)
        for _ in 0..<5000 {
            let text = String(decoding: Self.randomText(from: alphabet, count: 16, using: &rng), as: UTF8.self)
            if let selector = try? LabelSelector(parsing: text) {
                #expect((try? LabelSelector(parsing: selector.description)) == selector, "\(text)")
                _ = selector.matches(["a": "b"])
            }
            if let selector = try? FieldSelector(parsing: text) {
                #expect((try? FieldSelector(parsing: selector.description)) == selector, "\(text)")
            }
        }
    }

    @Test func timeParserNeverTraps() throws {
        var rng = SplitMix(state: 5)
        let alphabet = Array("0123456789-:TtZz.+ ".utf8)
        for _ in 0..<5000 {
            var bytes = Array("2024-02-29T23:59:59.123+05:30".utf8)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = alphabet.randomElement(using: &rng)!
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if let time = try? MicroTime(parsing: text) {
                #expect(try MicroTime(parsing: time.description) == time)
            }
        }
    }
}
