import Foundation

/// Synthesises one sample JSON document per kind, with every property populated down to a
/// bounded depth, and emits them as `KindSamples` for the round-trip tests.
struct SampleEmitter {
    let definitions: [String: Definition]
    /// Nesting depth (in named definitions) below which properties are left out.
    let maxDepth = 7

    /// A counter so alternating forms (`1Gi`/`100m`, `8080`/`"http"`) are both exercised, deterministically.
    private final class Alternator {
        var count = 0
        func next() -> Bool {
            count += 1
            return count % 2 == 1
        }
    }

    func sample(for def: Definition) -> Any {
        value(.named(def.name), depth: 0, path: [:], alternator: Alternator()) ?? [String: Any]()
    }

    private func value(_ t: TypeRef, depth: Int, path: [String: Int], alternator: Alternator, enumValues: [String] = [], format: String? = nil) -> Any? {
        switch t {
        case .string:
            if let first = enumValues.first { return first }
            if format == "byte" { return "c2FtcGxl" }
            return "sample"
        case .int: return 1
        case .double: return 1.5
        case .bool: return true
        case .time: return "2024-01-02T03:04:05Z"
        case .microTime: return "2024-01-02T03:04:05.123456Z"
        case .quantity: return alternator.next() ? "1Gi" : "100m"
        case .intOrString: return alternator.next() ? 8080 : "http"
        case .json: return ["key": "value", "list": [1, "two"]] as [String: Any]
        case .array(let e):
            return value(e, depth: depth, path: path, alternator: alternator, enumValues: enumValues, format: format).map { [$0] }
        case .map(let e):
            return value(e, depth: depth, path: path, alternator: alternator, enumValues: enumValues, format: format).map { ["key": $0] }
        case .named(let name):
            guard let def = definitions[name] else { return nil }
            let isKind: Bool
            switch def.role {
            case .object, .list: isKind = true
            default: isKind = false
            }
            // Recursive definitions (`JSONSchemaProps`) are expanded one level into themselves.
            if (depth > maxDepth || path[name, default: 0] >= 2) && !isKind { return nil }
            var inner = path
            inner[name, default: 0] += 1
            var object: [String: Any] = [:]
            for p in def.properties {
                if p.jsonName == "apiVersion", let g = def.role.gvk { object[p.jsonName] = g.apiVersion; continue }
                if p.jsonName == "kind", let g = def.role.gvk { object[p.jsonName] = g.kind; continue }
                if let v = value(p.type, depth: depth + 1, path: inner, alternator: alternator, enumValues: p.enumValues, format: p.format) {
                    object[p.jsonName] = v
                } else if isKind && p.jsonName == "metadata" {
                    object[p.jsonName] = [String: Any]()
                } else if isKind && p.jsonName == "items" {
                    object[p.jsonName] = [Any]()
                }
            }
            return object
        }
    }

    func source() throws -> String {
        var entries: [(String, String)] = []
        for def in definitions.values {
            guard let g = def.role.gvk else { continue }
            let data = try JSONSerialization.data(withJSONObject: sample(for: def), options: [.sortedKeys, .withoutEscapingSlashes])
            let text = String(decoding: data, as: UTF8.self)
            guard !text.contains("\"#") else {
                throw GeneratorError(description: "sample for \(def.name) cannot be a raw string literal")
            }
            entries.append((g.description, text))
        }
        entries.sort { $0.0 < $1.0 }
        var s = """
        /// One synthesised sample document per generated kind, keyed by `GroupVersionKind.description`.
        ///
        /// Every property is populated down to a bounded depth with a valid value.
        enum KindSamples {
            static let documents: [String: String] = [

        """
        for (key, text) in entries {
            s += "        \"\(key)\":\n            #\"\(text)\"#,\n"
        }
        s += "    ]\n}\n"
        return s
    }
}
