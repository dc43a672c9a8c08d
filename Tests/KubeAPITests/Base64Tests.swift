import Foundation
import Testing
import KubeAPI

@Suite struct Base64Tests {
    /// RFC 4648 §10.
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test(arguments: vectors)
    func rfcVectors(_ plain: String, _ encoded: String) throws {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(try Base64.decode(encoded) == Array(plain.utf8))
        let unpadded = String(encoded.filter { $0 != "=" })
        #expect(Base64.encode(Array(plain.utf8), padded: false) == unpadded)
        #expect(try Base64.decode(unpadded, padding: .optional) == Array(plain.utf8))
        #expect(try Base64.decode(unpadded, alphabet: .url, padding: .forbidden) == Array(plain.utf8))
    }

    @Test func alphabetsDifferInTheirLastTwoCharacters() throws {
        let bytes: [UInt8] = [0xFB, 0xEF, 0xFF]
        #expect(Base64.encode(bytes) == "++//")
        #expect(Base64.encode(bytes, alphabet: .url) == "--__")
        #expect(try Base64.decode("++//") == bytes)
        #expect(try Base64.decode("--__", alphabet: .url) == bytes)
        #expect(throws: Base64.DecodingError.invalidCharacter(offset: 0)) { try Base64.decode("--__") }
        #expect(throws: Base64.DecodingError.invalidCharacter(offset: 0)) { try Base64.decode("++//", alphabet: .url) }
    }

    @Test func roundTripsEveryLengthAndByte() throws {
        var bytes: [UInt8] = []
        for length in 0..<70 {
            for alphabet in [Base64.Alphabet.standard, .url] {
                let padded = Base64.encode(bytes, alphabet: alphabet)
                #expect(padded.utf8.count == (length + 2) / 3 * 4)
                #expect(try Base64.decode(padded, alphabet: alphabet) == bytes)
                #expect(try Base64.decode(padded, alphabet: alphabet, padding: .optional) == bytes)
                let raw = Base64.encode(bytes, alphabet: alphabet, padded: false)
                #expect(!raw.contains("="))
                #expect(try Base64.decode(raw, alphabet: alphabet, padding: .forbidden) == bytes)
                #expect(try Base64.decode(raw, alphabet: alphabet, padding: .optional) == bytes)
            }
            bytes.append(UInt8(truncatingIfNeeded: length &* 37 &+ 200))
        }
        let all = (0...255).map { UInt8($0) }
        #expect(try Base64.decode(Base64.encode(all)) == all)
        #expect(try Base64.decode(Base64.encode(all, alphabet: .url, padded: false), alphabet: .url, padding: .forbidden) == all)
    }

    static let badInput: [(String, Base64.Alphabet, Base64.Padding, Base64.DecodingError)] = [
        ("Zm9v!", .standard, .required, .invalidCharacter(offset: 4)),
        ("Zm 9v", .standard, .optional, .invalidCharacter(offset: 2)),
        ("Zm9v\n", .standard, .required, .invalidCharacter(offset: 4)),
        ("Zm9é", .standard, .optional, .invalidCharacter(offset: 3)),
        ("Zm8-", .standard, .required, .invalidCharacter(offset: 3)),
        ("Zm8+", .url, .required, .invalidCharacter(offset: 3)),
        // Padding missing, where it is required.
        ("Zm8", .standard, .required, .invalidPadding),
        ("Zg", .standard, .required, .invalidPadding),
        // Padding given, where it is forbidden.
        ("Zm8=", .url, .forbidden, .invalidPadding),
        // Too much, too little or misplaced padding.
        ("Zg=", .standard, .required, .invalidPadding),
        ("Zg=", .standard, .optional, .invalidPadding),
        ("Zm8==", .standard, .optional, .invalidPadding),
        ("Zm9v=", .standard, .optional, .invalidPadding),
        ("Zm9v====", .standard, .required, .invalidPadding),
        ("====", .standard, .required, .invalidPadding),
        ("Zg==Zg==", .standard, .required, .invalidPadding),
        ("Z=m8", .standard, .required, .invalidPadding),
        // A length no bytes encode to.
        ("Z", .standard, .optional, .invalidLength),
        ("Zm9vY", .url, .forbidden, .invalidLength),
        ("Zm9vY===", .standard, .required, .invalidLength),
    ]

    @Test(arguments: badInput)
    func refusesBadInput(_ text: String, _ alphabet: Base64.Alphabet, _ padding: Base64.Padding, _ error: Base64.DecodingError) {
        #expect(throws: error) { try Base64.decode(text, alphabet: alphabet, padding: padding) }
    }

    @Test func errorsDescribeTheProblem() {
        #expect(Base64.DecodingError.invalidCharacter(offset: 3).description.contains("offset 3"))
        #expect(Base64.DecodingError.invalidPadding.description.contains("padding"))
        #expect(Base64.DecodingError.invalidLength.description.contains("length"))
    }

    @Test func decodesSubstrings() throws {
        let token = "aGk.Zm9v"
        let parts = token.split(separator: ".")
        #expect(try Base64.decode(parts[0], alphabet: .url, padding: .forbidden) == Array("hi".utf8))
        #expect(try Base64.decode(parts[1], alphabet: .url, padding: .forbidden) == Array("foo".utf8))
    }

    @Test(arguments: ["", "f", "fo", "foo", "foob", "fooba", "foobar", "\u{00}\u{ff}", "any carnal pleasure."])
    func matchesFoundation(text: String) throws {
        let bytes = Array(text.utf8)
        #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString())
        #expect(try Base64.decode(Data(bytes).base64EncodedString()) == bytes)
    }
}
