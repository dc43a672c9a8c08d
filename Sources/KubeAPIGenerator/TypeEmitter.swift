/// Emits the Swift source of the generated structs, one namespace at a time.
struct TypeEmitter {
    let definitions: [String: Definition]
    /// `(definition, jsonName)` pairs stored behind `Indirect` to break recursion.
    let boxed: Set<PropertyKey>
    /// Types per file; big namespaces are split so the compiler can work on them in parallel.
    let typesPerFile = 50

    struct PropertyKey: Hashable {
        var definition: String
        var jsonName: String
    }

    init(definitions: [String: Definition]) {
        self.definitions = definitions
        self.boxed = Self.recursiveEdges(definitions)
    }

    /// Finds every direct (non-collection) reference `A.p -> B` where `B` can reach `A` through
    /// direct references: such a struct would contain itself, so the property is boxed.
    static func recursiveEdges(_ defs: [String: Definition]) -> Set<PropertyKey> {
        var direct: [String: [String]] = [:]
        for def in defs.values {
            direct[def.name] = def.properties.compactMap {
                if case .named(let n) = $0.type { return n }
                return nil
            }
        }
        func reaches(_ from: String, _ target: String) -> Bool {
            var seen: Set<String> = []
            var stack = [from]
            while let next = stack.popLast() {
                if next == target { return true }
                guard seen.insert(next).inserted else { continue }
                stack.append(contentsOf: direct[next] ?? [])
            }
            return false
        }
        var result: Set<PropertyKey> = []
        for def in defs.values {
            for p in def.properties {
                if case .named(let n) = p.type, reaches(n, def.name) {
                    result.insert(PropertyKey(definition: def.name, jsonName: p.jsonName))
                }
            }
        }
        return result
    }

    /// Output files: file name -> contents (without header).
    func files() -> [(String, String)] {
        var byNamespace: [String: [Definition]] = [:]
        var topLevel: [Definition] = []
        for def in definitions.values {
            if let ns = SwiftNaming.namespace(of: def.name) {
                byNamespace[ns, default: []].append(def)
            } else {
                topLevel.append(def)
            }
        }
        var out: [(String, String)] = []
        for ns in byNamespace.keys.sorted() {
            let defs = byNamespace[ns]!.sorted { SwiftNaming.localName(of: $0.name) < SwiftNaming.localName(of: $1.name) }
            let chunks = stride(from: 0, to: defs.count, by: typesPerFile).map {
                Array(defs[$0..<min($0 + typesPerFile, defs.count)])
            }
            for (index, chunk) in chunks.enumerated() {
                var text = ""
                if index == 0 {
                    text += "/// Types of the `\(groupLabel(defs[0].name))` API (generated).\n"
                    text += "public enum \(ns) {}\n"
                }
                for def in chunk {
                    text += "\nextension \(ns) {\n"
                    text += indent(structSource(def), by: 4)
                    text += "}\n"
                }
                out.append((index == 0 ? "\(ns).swift" : "\(ns)+Part\(index + 1).swift", text))
            }
        }
        for def in topLevel.sorted(by: { $0.name < $1.name }) {
            out.append(("\(SwiftNaming.localName(of: def.name)).swift", structSource(def)))
        }
        return out
    }

    /// `core/v1`, `apps/v1`, `meta/v1` for a definition name.
    func groupLabel(_ name: String) -> String {
        let parts = name.split(separator: ".").map(String.init)
        guard parts.count >= 3 else { return name }
        return "\(parts[parts.count - 3])/\(parts[parts.count - 2])"
    }

    private func indent(_ s: String, by n: Int) -> String {
        let pad = String(repeating: " ", count: n)
        return s.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : pad + $0 }
            .joined(separator: "\n")
    }

    private struct Member {
        var jsonName: String
        var name: String  // unescaped Swift name
        var type: String  // declared type of the public property
        var defaultValue: String
        var boxedType: String?  // element type when stored behind Indirect
        var optional: Bool
    }

    private func members(_ def: Definition) -> [Member] {
        var used: Set<String> = []
        var result: [Member] = []
        for p in def.properties {
            var name = SwiftNaming.propertyName(p.jsonName)
            if p.jsonName.hasPrefix("$"), def.properties.contains(where: { SwiftNaming.propertyName($0.jsonName) == name && $0.jsonName != p.jsonName }) {
                name = "dollar" + SwiftNaming.capitalised(name)
            }
            while used.contains(name) { name += "_" }
            used.insert(name)
            let base = SwiftNaming.swiftType(p.type)
            var member = Member(jsonName: p.jsonName, name: name, type: base + "?", defaultValue: "nil", boxedType: nil, optional: true)
            switch (def.role, p.jsonName) {
            case (.object, "metadata"), (.list, "metadata"):
                member.type = base
                member.defaultValue = "\(base)()"
                member.optional = false
            case (.list, "items"):
                member.type = base
                member.defaultValue = "[]"
                member.optional = false
            case (_, "apiVersion") where def.role.gvk != nil && p.type == .string:
                member.defaultValue = "\"\(def.role.gvk!.apiVersion)\""
            case (_, "kind") where def.role.gvk != nil && p.type == .string:
                member.defaultValue = "\"\(def.role.gvk!.kind)\""
            default:
                if boxed.contains(PropertyKey(definition: def.name, jsonName: p.jsonName)) {
                    member.boxedType = base
                }
            }
            result.append(member)
        }
        return result
    }

    func structSource(_ def: Definition) -> String {
        let local = SwiftNaming.localName(of: def.name)
        let ms = members(def)
        var conformance = "Codable, Sendable, Hashable"
        var s = ""
        switch def.role {
        case .none:
            s += "/// `\(local)` (\(groupLabel(def.name))).\n"
        case .plain(let g):
            s += "/// `\(local)` (\(groupLabel(def.name))), sent as kind `\(g.kind)` of `\(g.apiVersion)`.\n"
            conformance = "KubernetesKind"
        case .object(let g):
            s += "/// The `\(g.kind)` kind of `\(g.apiVersion)`.\n"
            conformance = "KubernetesObject"
        case .list(let g, let item):
            s += "/// The `\(g.kind)` kind of `\(g.apiVersion)`: a list of `\(SwiftNaming.localName(of: item))`.\n"
            conformance = "KubernetesList"
        }
        s += "public struct \(local): \(conformance) {\n"
        if let g = def.role.gvk {
            s += "    /// `\(g.description)`.\n"
            s += "    public static let groupVersionKind = GroupVersionKind(group: \"\(g.group)\", version: \"\(g.version)\", kind: \"\(g.kind)\")\n\n"
        }
        for m in ms {
            let name = SwiftNaming.escaped(m.name)
            if let boxedType = m.boxedType {
                s += "    private var _\(m.name): Indirect<\(boxedType)>?\n"
                s += "    /// JSON member `\(m.jsonName)` (stored indirectly: the type contains itself).\n"
                s += "    public var \(name): \(m.type) {\n"
                s += "        get { _\(m.name)?.value }\n"
                s += "        set { _\(m.name) = newValue.map(Indirect.init) }\n"
                s += "    }\n"
            } else {
                s += "    /// JSON member `\(m.jsonName)`.\n"
                s += "    public var \(name): \(m.type)\n"
            }
        }
        if !ms.isEmpty { s += "\n" }
        // Memberwise initialiser.
        s += "    /// Creates a value; every field defaults to absent"
        s += def.role.gvk != nil ? " (`apiVersion` and `kind` to this kind's).\n" : ".\n"
        if ms.isEmpty {
            s += "    public init() {}\n"
        } else {
            s += "    public init(\n"
            s += ms.map { "        \(SwiftNaming.escaped($0.name)): \($0.type) = \($0.defaultValue)" }.joined(separator: ",\n")
            s += "\n    ) {\n"
            for m in ms {
                if m.boxedType != nil {
                    s += "        self._\(m.name) = \(SwiftNaming.escaped(m.name)).map(Indirect.init)\n"
                } else {
                    s += "        self.\(m.name) = \(SwiftNaming.escaped(m.name))\n"
                }
            }
            s += "    }\n"
        }
        // Coding keys, when synthesis would not match the JSON names or a custom decoder needs them.
        let customDecoder: Bool
        switch def.role {
        case .object, .list: customDecoder = true
        default: customDecoder = false
        }
        let needsKeys = customDecoder || ms.contains { $0.boxedType != nil || $0.name != $0.jsonName }
        if needsKeys {
            s += "\n    private enum CodingKeys: String, CodingKey {\n"
            for m in ms {
                let caseName = m.boxedType != nil ? "_\(m.name)" : SwiftNaming.escaped(m.name)
                let stored = m.boxedType != nil ? "_\(m.name)" : m.name
                s += stored == m.jsonName ? "        case \(caseName)\n" : "        case \(caseName) = \"\(m.jsonName)\"\n"
            }
            s += "    }\n"
        }
        if customDecoder {
            s += "\n    /// Decodes the object; absent `metadata`\(ms.contains { $0.jsonName == "items" && !$0.optional } ? " and `items` decode" : " decodes") as empty.\n"
            s += "    public init(from decoder: any Decoder) throws {\n"
            s += "        let c = try decoder.container(keyedBy: CodingKeys.self)\n"
            for m in ms {
                let name = m.boxedType != nil ? "_\(m.name)" : m.name
                let key = m.boxedType != nil ? "_\(m.name)" : SwiftNaming.escaped(m.name)
                if m.optional {
                    let t = m.boxedType.map { "Indirect<\($0)>" } ?? String(m.type.dropLast())
                    s += "        self.\(name) = try c.decodeIfPresent(\(t).self, forKey: .\(key))\n"
                } else {
                    s += "        self.\(name) = try c.decodeIfPresent(\(m.type).self, forKey: .\(key)) ?? \(m.defaultValue)\n"
                }
            }
            s += "    }\n"
        }
        s += "}\n"
        return s
    }
}
