import Testing
import KubeAPI

@Suite struct TrimmingTests {
    static let cases: [(String, String, String, String)] = [
        // text, both ends, leading only, trailing only
        ("", "", "", ""),
        ("   ", "", "", ""),
        ("abc", "abc", "abc", "abc"),
        ("  a b  ", "a b", "a b  ", "  a b"),
        ("\t\r\n token\r\n", "token", "token\r\n", "\t\r\n token"),
        ("\u{0B}\u{0C}x\u{0C}", "x", "x\u{0C}", "\u{0B}\u{0C}x"),
        // Only ASCII white space goes: a no-break space and an ideographic space stay.
        ("\u{A0}x\u{3000}", "\u{A0}x\u{3000}", "\u{A0}x\u{3000}", "\u{A0}x\u{3000}"),
        (" é ", "é", "é ", " é"),
    ]

    @Test(arguments: cases)
    func trims(_ text: String, _ both: String, _ leading: String, _ trailing: String) {
        #expect(text.trimmingSpaces() == both)
        #expect(text.trimmingLeadingSpaces() == leading)
        #expect(text.trimmingTrailingSpaces() == trailing)
        let padded = "#" + text + "#"
        let slice = padded.dropFirst().dropLast()
        #expect(slice.trimmingSpaces() == both)
        #expect(slice.trimmingLeadingSpaces() == leading)
        #expect(slice.trimmingTrailingSpaces() == trailing)
    }
}
