import Foundation
import Testing
@testable import KubeAPI

@Suite struct IntOrStringTests {
    @Test(arguments: [
        (IntOrString.int(7), 100, true, 7),
        (.int(-3), 100, false, -3),
        (.string("25%"), 10, true, 3),
        (.string("25%"), 10, false, 2),
        (.string("50%"), 10, true, 5),
        (.string("50%"), 10, false, 5),
        (.string("0%"), 10, true, 0),
        (.string("100%"), 7, false, 7),
        (.string("150%"), 4, false, 6),
        (.string("1%"), 1, true, 1),
        (.string("1%"), 1, false, 0),
        (.string("-25%"), 10, true, -2),
        (.string("-25%"), 10, false, -3),
        (.string("33%"), 0, true, 0),
    ])
    func scalesPercentages(value: IntOrString, total: Int, roundUp: Bool, expected: Int) throws {
        #expect(try value.scaledValue(total: total, roundUp: roundUp) == expected)
    }

    @Test(arguments: [
        ("25", "not a percentage"),
        ("", "not a percentage"),
        ("%", "is not an integer"),
        ("x%", "is not an integer"),
        ("2.5%", "is not an integer"),
        (" 5%", "is not an integer"),
        ("5%%", "is not an integer"),
        ("99999999999999999999%", "is not an integer"),
        ("9223372036854775807%", "overflows"),
    ])
    func rejectsBadStrings(text: String, fragment: String) {
        #expect {
            _ = try IntOrString.string(text).scaledValue(total: 10, roundUp: true)
        } throws: { error in
            guard let error = error as? IntOrStringError else { return false }
            return error.value == text && error.message.contains(fragment)
                && error.description.hasPrefix("invalid value for IntOrString: ")
        }
    }

    @Test func codableAndLiterals() throws {
        let values: [IntOrString] = [8080, "http", "25%"]
        let data = try JSONEncoder().encode(values)
        #expect(String(decoding: data, as: UTF8.self) == #"[8080,"http","25%"]"#)
        #expect(try JSONDecoder().decode([IntOrString].self, from: data) == values)
        #expect(IntOrString.int(5).intValue == 5)
        #expect(IntOrString.int(5).stringValue == nil)
        #expect(IntOrString.string("a").stringValue == "a")
        #expect(IntOrString.int(5).description == "5")
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode([IntOrString].self, from: Data("[true]".utf8)) }
    }
}
