import Foundation

/// Writes the APIServer's compact OpenAPI schema table (`GeneratedOpenAPISchemas`) from the
/// OpenAPI v3 documents: every component schema, merged across documents, with the prose
/// (`description`) removed and everything a client needs kept: types, formats, properties,
/// items, references, `required`, `enum`, `default`, and the `x-kubernetes-*` extensions (GVK
/// tags, list and map types, patch strategies).
///
/// The output is one JSON object (`{"<definition name>": <schema>, ...}`, keys sorted) stored in
/// a raw string literal, which compiles fast whatever its size.
struct OpenAPISchemaEmitter {
    /// The merged, description-free schemas by definition name.
    let schemas: [String: Any]

    init(directory: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") && ($0 == "api__v1.json" || $0.hasPrefix("apis__")) }
            .sorted()
        var merged: [String: Any] = [:]
        for file in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            guard let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let components = doc["components"] as? [String: Any],
                  let schemas = components["schemas"] as? [String: Any]
            else { continue }
            for (name, schema) in schemas {
                let stripped = Self.strip(schema)
                if let existing = merged[name] as? [String: Any], let new = stripped as? [String: Any] {
                    // The same definition appears in several documents; merge their GVK lists.
                    merged[name] = Self.mergeKinds(existing, new)
                } else {
                    merged[name] = stripped
                }
            }
        }
        self.schemas = merged
    }

    /// Removes the prose of a schema, recursing into the keywords that hold schemas.
    static func strip(_ value: Any) -> Any {
        guard var schema = value as? [String: Any] else { return value }
        schema.removeValue(forKey: "description")
        schema.removeValue(forKey: "example")
        if let properties = schema["properties"] as? [String: Any] {
            schema["properties"] = properties.mapValues { strip($0) }
        }
        for key in ["items", "additionalProperties", "not"] {
            if let sub = schema[key] as? [String: Any] { schema[key] = strip(sub) }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let subs = schema[key] as? [Any] { schema[key] = subs.map { strip($0) } }
        }
        return schema
    }

    /// Unions the `x-kubernetes-group-version-kind` lists of two copies of a definition.
    static func mergeKinds(_ a: [String: Any], _ b: [String: Any]) -> [String: Any] {
        let key = "x-kubernetes-group-version-kind"
        guard let left = a[key] as? [[String: Any]], let right = b[key] as? [[String: Any]] else { return a }
        var result = a
        var seen = Set(left.map { "\($0["group"] ?? "")/\($0["version"] ?? "")/\($0["kind"] ?? "")" })
        var kinds = left
        for gvk in right where seen.insert("\(gvk["group"] ?? "")/\(gvk["version"] ?? "")/\(gvk["kind"] ?? "")").inserted {
            kinds.append(gvk)
        }
        result[key] = kinds
        return result
    }

    /// The Swift source of the generated file (without the header).
    func source() throws -> String {
        let data = try JSONSerialization.data(withJSONObject: schemas, options: [.sortedKeys, .withoutEscapingSlashes])
        let json = String(decoding: data, as: UTF8.self)
        guard !json.contains("\"##") else {
            throw GeneratorError(description: "schema text contains the raw string delimiter")
        }
        return """
        extension OpenAPIService {
            /// The OpenAPI schemas of every built-in definition (Kubernetes 1.36) without descriptions,
            /// as one JSON object keyed by definition name.
            static let builtinSchemasJSON: String = ##\"\"\"
        \(json)
        \"\"\"##
        }

        """
    }
}
