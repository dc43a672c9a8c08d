/// Syntax rules for label keys and values (also used for annotation keys and finalizer names).
public enum LabelValidation {
    /// The longest name part of a qualified name, and the longest label value.
    public static let maximumNameLength = 63
    /// The longest DNS subdomain (the optional prefix of a qualified name).
    public static let maximumPrefixLength = 253

    /// Problems with a qualified name (`name` or `dns.prefix/name`); empty when it is valid.
    ///
    /// The name part is 1...63 characters of letters, digits, `-`, `_` and `.`, starting and
    /// ending with a letter or digit; the optional prefix is a lower-case DNS subdomain of at
    /// most 253 characters.
    public static func qualifiedNameErrors(_ key: String) -> [String] {
        var errors: [String] = []
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errors.append("prefix part must be non-empty")
            } else {
                errors.append(contentsOf: dnsSubdomainErrors(prefix).map { "prefix part \($0)" })
            }
        default:
            return ["a qualified name may contain at most one '/' (an optional DNS subdomain prefix and a name, such as 'example.com/my-name')"]
        }
        if name.isEmpty {
            errors.append("name part must be non-empty")
        } else {
            if name.utf8.count > maximumNameLength {
                errors.append("name part must be no more than \(maximumNameLength) characters")
            }
            if !isNameShaped(name) {
                errors.append(
                    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (such as 'MyName', 'my.name' or '123-abc')")
            }
        }
        return errors
    }

    /// Problems with a label value; empty when it is valid. A value is empty, or 1...63
    /// characters of letters, digits, `-`, `_` and `.` starting and ending with a letter or digit.
    public static func labelValueErrors(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > maximumNameLength {
            errors.append("must be no more than \(maximumNameLength) characters")
        }
        if !value.isEmpty && !isNameShaped(value[...]) {
            errors.append(
                "a valid label value must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (such as 'MyValue', 'my_value' or '12345')")
        }
        return errors
    }

    /// Problems with a lower-case RFC 1123 DNS subdomain (`example.com`); empty when it is valid.
    public static func dnsSubdomainErrors(_ value: some StringProtocol) -> [String] {
        var errors: [String] = []
        if value.utf8.count > maximumPrefixLength {
            errors.append("must be no more than \(maximumPrefixLength) characters")
        }
        let labels = Array(value.utf8).split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        let wellFormed = !value.isEmpty && labels.allSatisfy { label in
            guard let first = label.first, let last = label.last else { return false }
            return isLowerAlphanumeric(first) && isLowerAlphanumeric(last)
                && label.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
        if !wellFormed {
            errors.append(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (such as 'example.com')")
        }
        return errors
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func isNameShaped(_ text: Substring) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else {
            return false
        }
        return bytes.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }
}
