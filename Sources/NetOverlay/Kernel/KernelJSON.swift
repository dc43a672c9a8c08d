import KubeAPI

/// Reading the JSON iproute2 prints (`ip -json`, `bridge -json`).
enum KernelJSON {
    /// The top-level array; empty output (some versions print nothing for no entries) is an
    /// empty array.
    static func array(_ text: String) throws -> [JSONValue]? {
        let trimmed = text.trimmingSpaces()
        guard !trimmed.isEmpty else { return [] }
        do {
            return try JSONValue(parsing: trimmed).arrayValue
        } catch {
            throw OverlayError("cannot read the tool's JSON output (\(error)): \(trimmed.prefix(200))")
        }
    }

    /// `10.244.1.0/24`, `10.244.1.5` (a host route) or `default` as a prefix of `family`.
    static func destination(_ text: String, family: IPAddress.Family) -> IPPrefix? {
        if text == "default" { return try? IPPrefix(address: family == .ipv4 ? .ipv4Unspecified : .ipv6Unspecified, length: 0) }
        if let prefix = IPPrefix(text) { return prefix }
        guard let address = IPAddress(text) else { return nil }
        return try? IPPrefix(address: address, length: address.bitWidth)
    }
}

extension JSONValue {
    /// The value as an `Int`, when it is a whole number.
    var int: Int? { intValue.map { Int($0) } }
}
