extension StringProtocol {
    /// The text without the white space at either end.
    ///
    /// White space here is ASCII's: space, tab, line feed, carriage return (and `\r\n`),
    /// vertical tab and form feed. It covers HTTP's optional white space around header values
    /// and list items, a file's final newline, and padding around YAML and flag values; other
    /// Unicode spaces are kept.
    public func trimmingSpaces() -> String {
        let characters = self[...]
        guard let first = characters.firstIndex(where: { !$0.isASCIISpace }) else { return "" }
        let last = characters.lastIndex(where: { !$0.isASCIISpace }) ?? first
        return String(characters[first...last])
    }

    /// The text without the white space (as in ``trimmingSpaces()``) at its start.
    public func trimmingLeadingSpaces() -> String {
        String(self[...].drop(while: { $0.isASCIISpace }))
    }

    /// The text without the white space (as in ``trimmingSpaces()``) at its end.
    public func trimmingTrailingSpaces() -> String {
        let characters = self[...]
        guard let last = characters.lastIndex(where: { !$0.isASCIISpace }) else { return "" }
        return String(characters[...last])
    }
}

extension Character {
    /// Whether this is ASCII white space: space, tab, a line break or a vertical tab or form feed.
    fileprivate var isASCIISpace: Bool { isASCII && isWhitespace }
}
