/// Maps OpenAPI names to Swift names.
///
/// Rules:
/// - `io.k8s.api.<group>.<version>.X` -> `<Group><Version>.X`, where `<Group>` is the first dotted
///   component of the group, capitalised (`CoreV1.Pod`, `RbacV1.Role`).
/// - `io.k8s.<module>.pkg.apis.<group>.<version>.X` -> `<Group><Version>.X`
///   (`MetaV1.ObjectMeta`, `ApiextensionsV1.JSONSchemaProps`, `ApiregistrationV1.APIService`).
/// - Anything else, `io.k8s.<...>.<package>.X` -> a top-level `<Package>X` without a namespace
///   (`io.k8s.apimachinery.pkg.version.Info` -> `VersionInfo`).
enum SwiftNaming {
    /// The namespace enum of a definition, or nil for a top-level type.
    static func namespace(of name: String) -> String? {
        let parts = name.split(separator: ".").map(String.init)
        if parts.count == 6, parts[0] == "io", parts[1] == "k8s", parts[2] == "api" {
            return capitalised(parts[3]) + capitalised(parts[4])
        }
        if let apis = parts.firstIndex(of: "apis"), apis + 3 == parts.count - 1 {
            return capitalised(parts[apis + 1]) + capitalised(parts[apis + 2])
        }
        return nil
    }

    /// The name inside its namespace (or the top-level name).
    static func localName(of name: String) -> String {
        let parts = name.split(separator: ".").map(String.init)
        let last = parts.last ?? name
        if namespace(of: name) != nil { return last }
        return capitalised(parts.count >= 2 ? parts[parts.count - 2] : "") + last
    }

    /// The fully qualified Swift type name.
    static func typeName(of name: String) -> String {
        if let ns = namespace(of: name) { return "\(ns).\(localName(of: name))" }
        return localName(of: name)
    }

    /// The Swift spelling of a type reference.
    static func swiftType(_ t: TypeRef) -> String {
        switch t {
        case .string: return "String"
        case .int: return "Int"
        case .double: return "Double"
        case .bool: return "Bool"
        case .time: return "Time"
        case .microTime: return "MicroTime"
        case .quantity: return "Quantity"
        case .intOrString: return "IntOrString"
        case .json: return "JSONValue"
        case .named(let n): return typeName(of: n)
        case .array(let e): return "[\(swiftType(e))]"
        case .map(let e): return "[String: \(swiftType(e))]"
        }
    }

    static func capitalised(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.uppercased() + s.dropFirst()
    }

    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import",
        "init", "inout", "internal", "let", "open", "operator", "private", "precedencegroup",
        "protocol", "public", "rethrows", "static", "struct", "subscript", "typealias", "var",
        "break", "case", "catch", "continue", "default", "defer", "do", "else", "fallthrough",
        "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where", "while",
        "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true",
        "try", "Type", "Protocol",
    ]

    /// The Swift property name of a JSON member name, before keyword escaping:
    /// `$ref` -> `ref`, `x-kubernetes-list-type` -> `xKubernetesListType`.
    static func propertyName(_ json: String) -> String {
        let trimmed = json.hasPrefix("$") ? String(json.dropFirst()) : json
        let pieces = trimmed.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
            .map(String.init)
        guard let head = pieces.first else { return "field" }
        var result = head + pieces.dropFirst().map(capitalised).joined()
        if let c = result.first, c.isNumber { result = "_" + result }
        return result
    }

    /// A name usable in declarations and expressions (keywords in backticks).
    static func escaped(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }
}
