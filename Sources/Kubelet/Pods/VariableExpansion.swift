/// `$(VAR)` references in container commands, arguments and env values: a reference to a
/// defined variable becomes its value, one to an undefined variable stays as written, and
/// `$$` is an escaped `$`.
public enum VariableExpansion {
    /// Expands the references in `input` through `lookup`.
    public static func expand(_ input: String, _ lookup: (String) -> String?) -> String {
        let bytes = Array(input.utf8)
        guard bytes.contains(UInt8(ascii: "$")) else { return input }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "$"), index + 1 < bytes.count else {
                out.append(byte)
                index += 1
                continue
            }
            let next = bytes[index + 1]
            if next == UInt8(ascii: "$") {
                out.append(byte)
                index += 2
            } else if next == UInt8(ascii: "("), let close = bytes[(index + 2)...].firstIndex(of: UInt8(ascii: ")")) {
                let name = String(decoding: bytes[(index + 2)..<close], as: UTF8.self)
                if let value = lookup(name) {
                    out.append(contentsOf: value.utf8)
                } else {
                    out.append(contentsOf: bytes[index...close])
                }
                index = close + 1
            } else {
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Expands with the variables of `environment` (the last definition of a name wins).
    public static func expand(_ input: String, environment: [(name: String, value: String)]) -> String {
        guard input.utf8.contains(UInt8(ascii: "$")) else { return input }
        var values: [String: String] = [:]
        for variable in environment { values[variable.name] = variable.value }
        return expand(input) { values[$0] }
    }

    /// Whether `name` is a valid environment variable name (`[-._a-zA-Z][-._a-zA-Z0-9]*`).
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func allowed(_ byte: UInt8, digits: Bool) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                return true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                return digits
            default:
                return false
            }
        }
        return allowed(first, digits: false) && name.utf8.dropFirst().allSatisfy { allowed($0, digits: true) }
    }
}
