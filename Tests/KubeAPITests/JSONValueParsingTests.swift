import Foundation
import Testing
@testable import KubeAPI

@Suite struct JSONValueParsingTests {
    @Test(arguments: [
        ("null", JSONValue.null),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("0", .int(0)),
        ("-0", .int(0)),
        ("42", .int(42)),
        ("-17", .int(-17)),
        ("9223372036854775807", .int(.max)),
        ("-9223372036854775808", .int(.min)),
        ("9223372036854775808", .double(9223372036854775808)),
        ("-9223372036854775809", .double(-9223372036854775808.0)),
        ("1.5", .double(1.5)),
        ("1.0", .double(1)),
        ("-0.25", .double(-0.25)),
        ("1e3", .double(1000)),
        ("1E+2", .double(100)),
        ("2.5e-3", .double(0.0025)),
        ("\"\"", .string("")),
        ("\"abc\"", .string("abc")),
        (#""a\"b\\c\/d""#, .string("a\"b\\c/d")),
        (#""\b\f\n\r\t""#, .string("\u{8}\u{c}\n\r\t")),
        (#""\u0041\u00e9\u20AC""#, .string("Aé€")),
        (#""\ud83d\ude00""#, .string("😀")),
        ("\"héllo 😀\"", .string("héllo 😀")),
        ("[]", .array([])),
        ("[1,\"a\",null]", .array([.int(1), .string("a"), .null])),
        ("{}", .object([:])),
        (" \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } } \n", .object(["a": .array([.int(1), .int(2)]), "b": .object([:])])),
    ])
    func parsesValidDocuments(text: String, expected: JSONValue) throws {
        let value = try JSONValue(parsing: text)
        #expect(value == expected)
        // Also through a non-contiguous collection.
        let bytes = try JSONValue(parsing: AnyCollection(Array(text.utf8)))
        #expect(bytes == expected)
    }

    @Test func integersAndDoublesAreDistinguished() throws {
        guard case .int = try JSONValue(parsing: "12") else { Issue.record("expected int"); return }
        guard case .double = try JSONValue(parsing: "12.0") else { Issue.record("expected double"); return }
        guard case .double = try JSONValue(parsing: "1e2") else { Issue.record("expected double"); return }
    }

    @Test(arguments: [
        ("", 0, "unexpected end of input"),
        ("   ", 3, "unexpected end of input"),
        ("nul", 0, "literal"),
        ("nulx", 0, "literal"),
        ("True", 0, "unexpected character 'T'"),
        ("NaN", 0, "unexpected character 'N'"),
        ("Infinity", 0, "unexpected character 'I'"),
        ("-Infinity", 1, "expected a digit"),
        ("01", 0, "leading zeros"),
        ("-01", 0, "leading zeros"),
        ("1.", 2, "after '.'"),
        (".5", 0, "unexpected character '.'"),
        ("1e", 2, "exponent"),
        ("1e+", 3, "exponent"),
        ("+1", 0, "unexpected character '+'"),
        ("1e400", 0, "out of range"),
        ("-1e400", 0, "out of range"),
        ("1 2", 2, "after the end of the document"),
        ("{} x", 3, "after the end of the document"),
        ("[1,]", 3, "expected a value"),
        ("[1 2]", 3, "expected ',' or ']'"),
        ("[", 1, "unexpected end of input"),
        ("{\"a\"}", 4, "expected ':'"),
        ("{\"a\":1,}", 7, "member name"),
        ("{a:1}", 1, "member name"),
        ("{\"a\":1", 6, "expected ',' or '}'"),
        ("\"abc", 0, "end of input in string"),
        ("\"a\\x\"", 2, "invalid escape"),
        ("\"\\u12G4\"", 5, "hexadecimal"),
        ("\"\\u12\"", 1, "\\u escape"),
        ("\"\\ud83d\"", 1, "lone high surrogate"),
        ("\"\\ud83dx\"", 1, "lone high surrogate"),
        ("\"\\ud83d\\u0041\"", 1, "not followed by a low surrogate"),
        ("\"\\ude00\"", 1, "lone low surrogate"),
        ("\"a\u{1}b\"", 2, "control character"),
        ("\"tab\there\"", 4, "control character"),
    ])
    func rejectsInvalidDocuments(text: String, offset: Int, messageFragment: String) {
        #expect {
            _ = try JSONValue(parsing: text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.offset == offset && error.message.contains(messageFragment)
        }
    }

    @Test(arguments: [
        ([0x22, 0xFF, 0x22], 1),  // invalid lead byte
        ([0x22, 0xC3, 0x22], 1),  // truncated 2-byte sequence (quote is not a continuation byte)
        ([0x22, 0xC0, 0xAF, 0x22], 1),  // overlong encoding
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1),  // overlong 3-byte
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),  // UTF-8 encoded surrogate
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),  // beyond U+10FFFF
        ([0x22, 0x61, 0xE2, 0x82], 2),  // truncated at end of input
        ([0x22, 0x5C, 0x6E, 0xFF, 0x22], 3),  // invalid byte after an escape (slow path)
    ] as [([UInt8], Int)])
    func rejectsInvalidUTF8(bytes: [UInt8], offset: Int) {
        #expect {
            _ = try JSONValue(parsing: bytes)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.offset == offset && error.message.contains("UTF-8")
        }
    }

    @Test func duplicateKeysLastWinsByDefault() throws {
        let value = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue.map { Array($0.keys) } == ["a", "b"])
        #expect(value["a"] == .int(3))
    }

    @Test func duplicateKeysCanBeRejected() {
        #expect(throws: JSONParseError(offset: 14, message: "duplicate member name \"a\"")) {
            _ = try JSONValue(parsing: #"{"a":1,"b":2, "a":3}"#, duplicateKeys: .reject)
        }
    }

    @Test func preservesMemberOrder() throws {
        let text = #"{"zeta":1,"alpha":2,"mid":{"y":1,"x":2},"beta":3}"#
        let value = try JSONValue(parsing: text)
        #expect(value.objectValue.map { Array($0.keys) } == ["zeta", "alpha", "mid", "beta"])
        #expect(value["mid"]?.objectValue.map { Array($0.keys) } == ["y", "x"])
        #expect(value.serializedString() == text)
    }

    @Test func deepNestingFailsCleanly() {
        let depth = 10_000
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect {
            _ = try JSONValue(parsing: text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.offset == 512 && error.message.contains("nesting depth")
        }
        let objects = String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(throws: JSONParseError.self) { _ = try JSONValue(parsing: objects) }
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let text = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        var value = try JSONValue(parsing: text)
        var depth = 0
        while case .array(let items) = value {
            depth += 1
            guard let first = items.first else { break }
            value = first
        }
        #expect(depth == 512)
        #expect(throws: JSONParseError.self) { _ = try JSONValue(parsing: "[[[1]]]", maximumDepth: 2) }
    }

    @Test func errorDescriptionNamesTheOffset() {
        let error = JSONParseError(offset: 7, message: "boom")
        #expect(error.description == "boom at byte offset 7")
    }
}
