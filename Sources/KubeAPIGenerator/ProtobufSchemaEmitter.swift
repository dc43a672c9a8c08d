import Foundation

/// Writes `ProtobufSchema.swift`, the table the KubeAPI protobuf converter reads, from the
/// protobuf facts file (`Reference/k8s-protobuf-fields.txt`) and the OpenAPI v3 documents.
///
/// Every proto message that has an OpenAPI definition of the same name becomes one table line;
/// each proto field is matched to a JSON property of that definition:
/// 1. the same name; 2. an entry of ``aliases``; 3. `xKubernetesFooBar` → `x-kubernetes-foo-bar`;
/// 4. the name with its first letter lowered (`Webhooks` → `webhooks`);
/// 5. a message field whose name is no property but whose fields all are: an embedded Go struct,
///    written inline (`Probe.handler`, `ConfigMapEnvSource.localObjectReference`).
/// A field that matches none of these, or whose proto type disagrees with the property's
/// schema type, stops the generator. OpenAPI properties without a field number are listed in
/// the table (`?` lines) and reported.
///
/// Table format (one line each, fields separated by spaces):
/// - `<definition> <field> <field> ...`, field = `[!]<number>:<jsonName>:<type>`, `!` marking a
///   property the schema lists as `required`;
/// - type: `[*]<element>` (repeated) or `%<element>` (map with string keys); element is a scalar
///   (`s` string, `y` bytes, `b` bool, `i` int32, `l` int64, `d` double, `f` float), a special
///   (`T` Time, `M` MicroTime, `D` Duration, `Q` Quantity, `I` IntOrString, `R` RawExtension,
///   `F` FieldsV1, `J` apiextensions JSON, `W` a string-list wrapper such as `ExtraValue`,
///   `A`/`B`/`C` JSONSchemaPropsOrArray/OrBool/OrStringArray), `#<n>` (the message on line n) or
///   `^<n>` (message n, inline);
/// - `=<apiVersion> <kind> <n>`: the message of a kind;
/// - `?<definition>.<property>`: a property with no field number.
struct ProtobufSchemaEmitter {
    /// Proto field names that differ from their JSON names in more than the first letter.
    static let aliases: [String: String] = ["ref": "$ref", "schema": "$schema", "uID": "uid", "aPIGroup": "apiGroup"]

    /// Proto fields (`package.Message.field`) that the OpenAPI documents do not have (alpha
    /// fields the reference server does not serve); they are left out of the table.
    static let withdrawn: Set<String> = ["k8s.io.api.core.v1.PodSpec.workloadRef"]

    /// Definitions handled by hand-written conversions, by OpenAPI name.
    static let specials: [String: String] = [
        "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "T",
        "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "M",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Duration": "D",
        "io.k8s.apimachinery.pkg.api.resource.Quantity": "Q",
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "I",
        "io.k8s.apimachinery.pkg.runtime.RawExtension": "R",
        "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": "F",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": "J",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray": "A",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool": "B",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray": "C",
    ]

    /// Packages searched, in order, for a message type not defined in the field's own package.
    static let searchOrder = [
        "k8s.io.apimachinery.pkg.apis.meta.v1", "k8s.io.apimachinery.pkg.runtime",
        "k8s.io.apimachinery.pkg.api.resource", "k8s.io.apimachinery.pkg.util.intstr", "k8s.io.api.core.v1",
    ]

    struct ProtoField {
        var number: Int
        var name: String
        /// The element type (for maps: the value type).
        var type: String
        var repeated: Bool
        var map: Bool
    }

    struct ProtoMessage {
        var package: String
        var name: String
        var fields: [ProtoField]
        var fullName: String { package + "." + name }
    }

    /// The table lines.
    private(set) var lines: [String] = []
    /// OpenAPI properties without a field number (`definition.property`).
    private(set) var unnumbered: [String] = []
    /// Definitions of the served groups with no proto message.
    private(set) var missingDefinitions: [String] = []
    private(set) var messageCount = 0
    private(set) var kindCount = 0

    init(facts: URL, openAPI: URL) throws {
        let messages = try Self.parseFacts(String(contentsOf: facts, encoding: .utf8))
        let schemas = try OpenAPISchemaEmitter(directory: openAPI).schemas.compactMapValues { $0 as? [String: Any] }

        // Proto message (full name) → OpenAPI definition name.
        func definitionName(_ m: ProtoMessage) -> String {
            var parts = m.package.split(separator: ".").map(String.init)
            parts.swapAt(0, 1)
            parts[2] = parts[2].replacingOccurrences(of: "_", with: "-")
            return (parts + [m.name]).joined(separator: ".")
        }
        func resolve(_ type: String, from package: String) -> ProtoMessage? {
            for p in [package] + Self.searchOrder {
                if let m = messages[p + "." + type] { return m }
            }
            return nil
        }
        func isWrapper(_ m: ProtoMessage) -> Bool {
            m.fields.count == 1 && m.fields[0].number == 1 && m.fields[0].name == "items" && m.fields[0].repeated && m.fields[0].type == "string"
        }

        // The table rows: every message with a definition that is not special, sorted by
        // definition; then the messages only ever written inline, which have no definition of
        // their own and take their JSON names from the definition they are inlined into.
        struct Row {
            var definition: String
            var message: ProtoMessage
            var properties: [String: Any]
            var required: Set<String>
            var hasDefinition: Bool
        }
        var rows: [Row] = []
        for m in messages.values {
            let def = definitionName(m)
            if let schema = schemas[def], Self.specials[def] == nil {
                rows.append(Row(
                    definition: def, message: m, properties: schema["properties"] as? [String: Any] ?? [:],
                    required: Set(schema["required"] as? [String] ?? []), hasDefinition: true))
            }
        }
        rows.sort { $0.definition < $1.definition }
        var index: [String: Int] = [:]
        for (i, row) in rows.enumerated() { index[row.message.fullName] = i }

        func elementCode(_ type: String, package: String, owner: String, field: String) throws -> (code: String, message: ProtoMessage?) {
            switch type {
            case "string": return ("s", nil)
            case "bytes": return ("y", nil)
            case "bool": return ("b", nil)
            case "int32": return ("i", nil)
            case "int64": return ("l", nil)
            case "double": return ("d", nil)
            case "float": return ("f", nil)
            default:
                guard let target = resolve(type, from: package) else {
                    throw GeneratorError(description: "protobuf: \(owner).\(field) has unknown type \(type)")
                }
                if let special = Self.specials[definitionName(target)] { return (special, nil) }
                if isWrapper(target) { return ("W", nil) }
                return ("#\(index[target.fullName].map(String.init) ?? "?")", target)
            }
        }

        /// The JSON names a message covers when written inline (recursively through inline fields).
        func inlineNames(_ m: ProtoMessage, properties: [String: Any]) -> Set<String>? {
            var names: Set<String> = []
            for f in m.fields {
                if let name = Self.jsonName(f.name, properties: properties) {
                    names.insert(name)
                } else if !f.repeated, !f.map, let target = resolve(f.type, from: m.package),
                          let inner = inlineNames(target, properties: properties) {
                    names.formUnion(inner)
                } else {
                    return nil
                }
            }
            return names
        }

        var unmatched: [String] = []
        var r = 0
        while r < rows.count {
            let row = rows[r]
            let def = row.definition
            let m = row.message
            var covered: Set<String> = ["apiVersion", "kind"]
            var tokens: [String] = [def]
            for f in m.fields {
                let (element, target) = try elementCode(f.type, package: m.package, owner: def, field: f.name)
                if let name = Self.jsonName(f.name, properties: row.properties) {
                    if target != nil, index[target!.fullName] == nil {
                        throw GeneratorError(description: "protobuf: \(def).\(name) refers to \(target!.fullName), which has no OpenAPI definition")
                    }
                    try Self.check(f, element: element, property: row.properties[name] as? [String: Any] ?? [:], owner: def, name: name)
                    covered.insert(name)
                    let prefix = f.map ? "%" : f.repeated ? "*" : ""
                    tokens.append("\(row.required.contains(name) ? "!" : "")\(f.number):\(name):\(prefix)\(element)")
                } else if !f.repeated, !f.map, let target, let names = inlineNames(target, properties: row.properties) {
                    covered.formUnion(names)
                    let n: Int
                    if let existing = index[target.fullName] {
                        n = existing
                    } else {
                        n = rows.count
                        index[target.fullName] = n
                        rows.append(Row(
                            definition: definitionName(target), message: target, properties: row.properties,
                            required: row.required, hasDefinition: false))
                    }
                    tokens.append("\(f.number):-:^\(n)")
                } else if Self.withdrawn.contains("\(m.fullName).\(f.name)") {
                    continue
                } else {
                    unmatched.append("\(m.fullName).\(f.name) (in \(def))")
                }
            }
            if row.hasDefinition {
                for name in row.properties.keys.sorted() where !covered.contains(name) {
                    unnumbered.append("\(def).\(name)")
                }
            }
            lines.append(tokens.joined(separator: " "))
            r += 1
        }
        messageCount = rows.count
        guard unmatched.isEmpty else {
            throw GeneratorError(description: "protobuf: fields that match no property:\n  " + unmatched.joined(separator: "\n  "))
        }

        // Kinds.
        var kindLines: [String] = []
        for (i, row) in rows.enumerated() where row.hasDefinition {
            for gvk in schemas[row.definition]?["x-kubernetes-group-version-kind"] as? [[String: Any]] ?? [] {
                let group = gvk["group"] as? String ?? ""
                let version = gvk["version"] as? String ?? ""
                let kind = gvk["kind"] as? String ?? ""
                let apiVersion = group.isEmpty ? version : "\(group)/\(version)"
                kindLines.append("=\(apiVersion) \(kind) \(i)")
            }
        }
        kindLines.sort()
        kindCount = kindLines.count
        lines += kindLines
        lines += unnumbered.map { "?" + $0 }

        // Definitions of object kinds in the documents that have no message at all.
        let covered = Set(rows.map(\.definition)).union(Self.specials.keys)
        missingDefinitions = schemas.keys.filter { !covered.contains($0) && !$0.hasPrefix("io.k8s.apimachinery.pkg.version") }.sorted()
    }

    /// The JSON property a proto field name stands for, or nil.
    private static func jsonNameCandidates(_ name: String) -> [String] {
        var candidates = [name]
        if let alias = aliases[name] { candidates.append(alias) }
        if name.hasPrefix("xKubernetes") {
            var out = "x"
            for c in name.dropFirst() {
                if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) }
            }
            candidates.append(out)
        }
        if let first = name.first, first.isUppercase { candidates.append(first.lowercased() + name.dropFirst()) }
        return candidates
    }

    /// Verifies that a proto field and its JSON property agree on the kind of value.
    private static func check(_ f: ProtoField, element: String, property: [String: Any], owner: String, name: String) throws {
        func fail(_ why: String) -> GeneratorError {
            GeneratorError(description: "protobuf: \(owner).\(name): \(why)")
        }
        var schema = property
        if let all = schema["allOf"] as? [[String: Any]], all.count == 1 { schema = all[0] }
        let type = schema["type"] as? String
        if f.map {
            guard type == "object", let value = schema["additionalProperties"] as? [String: Any] else { throw fail("map field, property is not a map") }
            schema = value
        } else if f.repeated {
            guard type == "array", let items = schema["items"] as? [String: Any] else { throw fail("repeated field, property is not an array") }
            schema = items
        }
        if let all = schema["allOf"] as? [[String: Any]], all.count == 1 { schema = all[0] }
        let elementType = schema["type"] as? String
        let isRef = schema["$ref"] != nil
        switch element {
        case "s": guard elementType == "string" else { throw fail("string field, property type \(elementType ?? "ref")") }
        case "y": guard elementType == "string", schema["format"] as? String == "byte" else { throw fail("bytes field, property is not a byte string") }
        case "b": guard elementType == "boolean" else { throw fail("bool field, property type \(elementType ?? "ref")") }
        case "i", "l": guard elementType == "integer" else { throw fail("integer field, property type \(elementType ?? "ref")") }
        case "d", "f": guard elementType == "number" else { throw fail("number field, property type \(elementType ?? "ref")") }
        case "W": guard elementType == "array" else { throw fail("string-list field, property is not an array") }
        default: guard isRef || elementType == "object" || elementType == nil else { throw fail("message field, property type \(elementType ?? "?")") }
        }
    }

    private static func jsonName(_ name: String, properties: [String: Any]) -> String? {
        Self.jsonNameCandidates(name).first { properties[$0] != nil }
    }

    /// Parses the facts file.
    static func parseFacts(_ text: String) throws -> [String: ProtoMessage] {
        var messages: [String: ProtoMessage] = [:]
        var package = ""
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("@") {
                package = String(line.dropFirst())
                continue
            }
            guard !package.isEmpty else { throw GeneratorError(description: "facts line \(number + 1): message before any @package") }
            let parts = line.split(separator: " ").map(String.init)
            var fields: [ProtoField] = []
            var seen: Set<Int> = []
            for token in parts.dropFirst() {
                let pieces = token.split(separator: ":", maxSplits: 2).map(String.init)
                guard pieces.count == 3, let n = Int(pieces[0]), n > 0, seen.insert(n).inserted else {
                    throw GeneratorError(description: "facts line \(number + 1): bad field \(token)")
                }
                var type = pieces[2]
                var repeated = false
                var map = false
                if type.hasSuffix("*") {
                    repeated = true
                    type.removeLast()
                } else if type.hasPrefix("{") && type.hasSuffix("}") {
                    let kv = type.dropFirst().dropLast().split(separator: ",").map(String.init)
                    guard kv.count == 2, kv[0] == "string" else {
                        throw GeneratorError(description: "facts line \(number + 1): unsupported map \(type)")
                    }
                    map = true
                    type = kv[1]
                }
                fields.append(ProtoField(number: n, name: pieces[1], type: type, repeated: repeated, map: map))
            }
            let m = ProtoMessage(package: package, name: parts[0], fields: fields)
            if messages[m.fullName] != nil { throw GeneratorError(description: "facts line \(number + 1): \(m.fullName) twice") }
            messages[m.fullName] = m
        }
        return messages
    }

    /// The Swift source of the table.
    func source() -> String {
        """
        /// The protobuf field table of the built-in kinds, read by ``ProtobufMessageSchema``.
        /// Format: see `ProtobufSchemaEmitter` in the generator.
        enum ProtobufSchema {
            /// \(messageCount) messages, \(kindCount) kinds, \(unnumbered.count) properties without a field number.
            static let table = #\"\"\"
        \(lines.joined(separator: "\n"))
        \"\"\"#
        }

        """
    }
}
