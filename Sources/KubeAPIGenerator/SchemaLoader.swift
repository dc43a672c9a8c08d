import Foundation

/// Errors the generator reports before writing anything.
struct GeneratorError: Error, CustomStringConvertible {
    var description: String
}

/// Reads the OpenAPI v3 documents and builds the definition table.
struct SchemaLoader {
    static let quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity"
    static let intOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
    static let time = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
    static let microTime = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"
    static let objectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    static let listMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
    static let jsonDefinitions: Set<String> = [
        "io.k8s.apimachinery.pkg.runtime.RawExtension",
        "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray",
    ]

    /// The hand-written type a definition maps to, or nil when a struct is generated for it.
    static func specialType(_ name: String) -> TypeRef? {
        switch name {
        case quantity: return .quantity
        case intOrString: return .intOrString
        case time: return .time
        case microTime: return .microTime
        default: return jsonDefinitions.contains(name) ? .json : nil
        }
    }

    /// Loads `api__v1.json`, every `apis__<group>__<version>.json` and `version.json` from `directory`.
    static func load(directory: URL) throws -> [String: Definition] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { name in
                guard name.hasSuffix(".json") else { return false }
                if name == "api__v1.json" || name == "version.json" { return true }
                return name.hasPrefix("apis__") && name.components(separatedBy: "__").count == 3
            }
            .sorted()
        guard files.contains("api__v1.json") else {
            throw GeneratorError(description: "no api__v1.json in \(directory.path)")
        }
        var raw: [String: [String: Any]] = [:]
        var gvks: [String: Set<GVK>] = [:]
        for file in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            guard let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let components = doc["components"] as? [String: Any],
                  let schemas = components["schemas"] as? [String: Any]
            else { continue }
            for (name, value) in schemas {
                guard let schema = value as? [String: Any] else { continue }
                // Documents differ only in the kinds a shared definition is listed under; keep the first body.
                if raw[name] == nil { raw[name] = schema }
                for entry in schema["x-kubernetes-group-version-kind"] as? [[String: Any]] ?? [] {
                    let gvk = GVK(
                        group: entry["group"] as? String ?? "",
                        version: entry["version"] as? String ?? "",
                        kind: entry["kind"] as? String ?? "")
                    gvks[name, default: []].insert(gvk)
                }
            }
        }
        var definitions: [String: Definition] = [:]
        for (name, schema) in raw where specialType(name) == nil {
            let props = schema["properties"] as? [String: Any] ?? [:]
            let required = Set(schema["required"] as? [String] ?? [])
            var properties: [Property] = []
            for (jsonName, value) in props {
                guard let p = value as? [String: Any] else { continue }
                var property = try property(jsonName, p, in: name)
                property.required = required.contains(jsonName)
                property.zeroDefault = isZero(p["default"])
                properties.append(property)
            }
            properties.sort { $0.jsonName < $1.jsonName }
            definitions[name] = Definition(
                name: name, properties: properties, gvks: (gvks[name] ?? []).sorted(),
                mapType: schema["x-kubernetes-map-type"] as? String)
        }
        for name in definitions.keys {
            definitions[name]!.role = role(of: definitions[name]!, in: definitions)
        }
        // Every reference must resolve.
        for def in definitions.values {
            for p in def.properties {
                for ref in referencedNames(p.type) where definitions[ref] == nil {
                    throw GeneratorError(description: "\(def.name).\(p.jsonName) refers to unknown \(ref)")
                }
            }
        }
        return definitions
    }

    static func referencedNames(_ t: TypeRef) -> [String] {
        switch t {
        case .named(let n): return [n]
        case .array(let e), .map(let e): return referencedNames(e)
        default: return []
        }
    }

    private static func role(of def: Definition, in all: [String: Definition]) -> KindRole {
        guard def.gvks.count == 1, let gvk = def.gvks.first else { return .none }
        // The kind protocols require `apiVersion` and `kind` string members.
        for member in ["apiVersion", "kind"] where def.properties.first(where: { $0.jsonName == member })?.type != .string {
            return .none
        }
        let metadata = def.properties.first { $0.jsonName == "metadata" }?.type
        if metadata == .named(objectMeta) { return .object(gvk) }
        if metadata == .named(listMeta), gvk.kind.hasSuffix("List"),
           case .array(.named(let item))? = def.properties.first(where: { $0.jsonName == "items" })?.type,
           let itemDef = all[item], itemDef.gvks.count == 1,
           itemDef.properties.first(where: { $0.jsonName == "metadata" })?.type == .named(objectMeta)
        {
            return .list(gvk, item: item)
        }
        return .plain(gvk)
    }

    private static func property(_ jsonName: String, _ p: [String: Any], in owner: String) throws -> Property {
        let strategy = p["x-kubernetes-patch-strategy"] as? String
        for s in (strategy ?? "").split(separator: ",") where !["merge", "replace", "retainKeys"].contains(String(s)) {
            throw GeneratorError(description: "\(owner).\(jsonName): unknown patch strategy \(s)")
        }
        let listType = p["x-kubernetes-list-type"] as? String
        if let listType, !["atomic", "set", "map"].contains(listType) {
            throw GeneratorError(description: "\(owner).\(jsonName): unknown list type \(listType)")
        }
        return Property(
            jsonName: jsonName,
            type: resolve(p),
            enumValues: (p["enum"] as? [Any] ?? []).compactMap { $0 as? String },
            format: p["format"] as? String,
            patchStrategy: strategy,
            patchMergeKey: p["x-kubernetes-patch-merge-key"] as? String,
            listType: listType,
            listMapKeys: p["x-kubernetes-list-map-keys"] as? [String] ?? [],
            preserveUnknownFields: p["x-kubernetes-preserve-unknown-fields"] as? Bool ?? false,
            mapType: p["x-kubernetes-map-type"] as? String)
    }

    /// Whether a `default` is a Go zero value (`""`, `0`, `false`, `{}`).
    static func isZero(_ value: Any?) -> Bool {
        switch value {
        case let text as String: return text.isEmpty
        case let object as [String: Any]: return object.isEmpty
        // Booleans arrive as numbers too (`false` is 0): either way the zero of the field's type.
        case let number as NSNumber: return number.doubleValue == 0
        default: return false
        }
    }

    /// Resolves a property or item schema to a type.
    static func resolve(_ s: [String: Any]) -> TypeRef {
        if s["x-kubernetes-preserve-unknown-fields"] as? Bool == true { return .json }
        if s["x-kubernetes-int-or-string"] as? Bool == true { return .intOrString }
        if let ref = s["$ref"] as? String {
            let name = String(ref.split(separator: "/").last ?? "")
            return specialType(name) ?? .named(name)
        }
        if let all = s["allOf"] as? [[String: Any]], all.count == 1 { return resolve(all[0]) }
        switch s["type"] as? String {
        case "string": return s["format"] as? String == "date-time" ? .time : .string
        case "integer": return .int
        case "number": return .double
        case "boolean": return .bool
        case "array": return .array(resolve(s["items"] as? [String: Any] ?? [:]))
        case "object":
            if let ap = s["additionalProperties"] as? [String: Any] { return .map(resolve(ap)) }
            return .json
        default: return .json
        }
    }
}
