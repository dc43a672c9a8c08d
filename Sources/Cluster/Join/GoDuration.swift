/// Durations written the way K3s and kubectl flags take them: `24h`, `90m`, `1h30m`, `45s`,
/// `0` (a sequence of integers with the units `h`, `m`, `s`).
public enum GoDuration {
    /// Why a duration cannot be read.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The text given.
        public var text: String
        /// The problem with the text.
        public var description: String { "invalid duration \"\(text)\": use a number with h, m or s (24h, 90m, 1h30m, 0)" }
    }

    /// The number of seconds `text` stands for.
    public static func seconds(_ text: String) throws(ParseError) -> Int64 {
        guard !text.isEmpty else { throw ParseError(text: text) }
        if text == "0" { return 0 }
        var total: Int64 = 0
        var number: Int64?
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (value, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                guard !overflow else { throw ParseError(text: text) }
                number = value + Int64(digit)
                continue
            }
            guard let value = number else { throw ParseError(text: text) }
            switch character {
            case "h": total += value * 3600
            case "m": total += value * 60
            case "s": total += value
            default: throw ParseError(text: text)
            }
            number = nil
        }
        guard number == nil else { throw ParseError(text: text) }
        return total
    }

    /// A short human form of `seconds`: `23h`, `59m`, `30s` (the largest whole unit, as
    /// `kubeadm token list` prints a TTL).
    public static func short(_ seconds: Int64) -> String {
        if seconds >= 86_400 * 2 { return "\(seconds / 86_400)d" }
        if seconds >= 3600 { return "\(seconds / 3600)h" }
        if seconds >= 60 { return "\(seconds / 60)m" }
        return "\(max(0, seconds))s"
    }
}
