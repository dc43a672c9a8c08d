import KubeAPI

/// The string `format`s a custom resource schema may use and how values are checked.
/// Formats the server does not know are accepted without a check, as upstream does.
enum SchemaFormats {
    /// Whether `text` is valid for `format`.
    static func isValid(_ text: String, format: String) -> Bool {
        switch format {
        case "date-time", "datetime": return RFC3339.seconds(text) != nil
        case "date": return isDate(text)
        case "byte": return isBase64(text)
        case "uuid", "uuid3", "uuid4", "uuid5": return isUUID(text, version: format.dropFirst(4).first)
        case "ipv4": return isIPv4(text)
        case "ipv6": return isIPv6(text)
        case "cidr": return isCIDR(text)
        case "hostname": return isHostname(text)
        case "mac": return isMAC(text)
        case "email": return isEmail(text)
        default: return true
        }
    }

    static func digits(_ text: Substring, count: Int) -> Int? {
        guard text.count == count, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, digits(parts[0], count: 4) != nil,
              let month = digits(parts[1], count: 2), let day = digits(parts[2], count: 2)
        else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }

    /// Upstream's `byte`: padded standard base64.
    static func isBase64(_ text: String) -> Bool {
        (try? Base64.decode(text)) != nil
    }

    static func isUUID(_ text: String, version: Character?) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12], groups.allSatisfy({ $0.allSatisfy(\.isHexDigit) }) else { return false }
        if let version { return groups[2].first == version }
        return true
    }

    /// Upstream's `ipv4`: any text its lenient (Go 1.16) parser reads as an address, provided
    /// it has a dot, so leading zeros pass and so does an IPv4-mapped IPv6 address.
    static func isIPv4(_ text: String) -> Bool {
        text.contains(".") && (try? IPAddress(parsing: text, syntax: .legacy)) != nil
    }

    /// Upstream's `ipv6`: any text the strict parser reads as an address, provided it has a
    /// colon (so `::ffff:1.2.3.4` passes, `1.2.3.4` and zones do not).
    static func isIPv6(_ text: String) -> Bool {
        text.contains(":") && IPAddress(text) != nil
    }

    /// Upstream's `cidr`: `ADDRESS/LENGTH` read leniently (leading zeros pass, host bits may
    /// be set).
    static func isCIDR(_ text: String) -> Bool {
        (try? IPPrefix(parsing: text, syntax: .legacy)) != nil
    }

    static func isHostname(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard (1...63).contains(label.count), label.first != "-", label.last != "-" else { return false }
            return label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    static func isMAC(_ text: String) -> Bool {
        for separator in [":", "-"] as [Character] {
            let parts = text.split(separator: separator, omittingEmptySubsequences: false)
            if [6, 8, 20].contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) { return true }
        }
        return false
    }

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[0].contains(" ") && isHostname(String(parts[1]))
    }
}
