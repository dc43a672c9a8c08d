/// Emits `AlwaysEmittedFields.kubernetes`: for every definition that has them, the fields
/// upstream's encoder writes even when unset (see `AlwaysEmittedFields` in KubeAPI), and the
/// fields through which such definitions are reached.
///
/// A property is written when unset if its schema `default` is the Go zero value and either
/// it is `required` (no `omitempty`) or it holds a struct by value (Go's encoder never omits
/// a struct). Unset pointers, slices and maps encode as `null` upstream; they are left absent.
struct AlwaysEmittedEmitter {
    let definitions: [String: Definition]
    let statementsPerFunction = 120

    /// The zero written for an unset property, as a case of `AlwaysEmittedFields.Zero`.
    func zero(_ p: Property) -> String? {
        guard p.zeroDefault else { return nil }
        switch p.type {
        case .named: return ".emptyObject"
        case _ where !p.required: return nil
        case .string: return ".emptyString"
        case .int, .double, .intOrString: return ".zero"
        case .bool: return ".falseValue"
        case .quantity: return ".zeroQuantity"
        case .time, .microTime, .json, .array, .map: return nil
        }
    }

    /// The definition a property's value (or its elements, or its map values) belongs to.
    func nested(_ t: TypeRef) -> (String, String)? {
        switch t {
        case .named(let n): return ("object", n)
        case .array(.named(let n)): return ("items", n)
        case .map(.named(let n)): return ("values", n)
        default: return nil
        }
    }

    /// The definitions with an always-written field somewhere below them.
    func definitionsWithWork() -> Set<String> {
        var result = Set(definitions.values.filter { def in def.properties.contains { zero($0) != nil } }.map(\.name))
        var changed = true
        while changed {
            changed = false
            for def in definitions.values where !result.contains(def.name) {
                if def.properties.contains(where: { nested($0.type).map { result.contains($0.1) } ?? false }) {
                    result.insert(def.name)
                    changed = true
                }
            }
        }
        return result
    }

    func source() -> String {
        let work = definitionsWithWork()
        var statements: [String] = []
        for name in work.sorted() {
            guard let def = definitions[name] else { continue }
            var fields: [String] = []
            for p in def.properties {
                let z = zero(p)
                let n = nested(p.type).flatMap { work.contains($0.1) ? ".\($0.0)(\"\($0.1)\")" : nil }
                guard z != nil || n != nil else { continue }
                fields.append("Field(\"\(p.jsonName)\", \(z ?? "nil"), \(n ?? "nil"))")
            }
            statements.append("definitions[\"\(name)\"] = [\(fields.joined(separator: ", "))]")
        }
        let functions = stride(from: 0, to: statements.count, by: statementsPerFunction).map {
            Array(statements[$0..<min($0 + statementsPerFunction, statements.count)])
        }
        var s = """
        extension AlwaysEmittedFields {
            /// The always-written fields of every built-in definition; kinds map to their root
            /// definitions as in `MergeSchema.kubernetes`.
            public static let kubernetes = AlwaysEmittedFields(
                definitions: KubernetesAlwaysEmittedTables.definitions(),
                roots: MergeSchema.kubernetes.roots
            )
        }

        /// The generated tables behind `AlwaysEmittedFields.kubernetes`.
        private enum KubernetesAlwaysEmittedTables {
            typealias Field = AlwaysEmittedFields.Field

            static func definitions() -> [String: [Field]] {
                var definitions: [String: [Field]] = [:]

        """
        for i in functions.indices { s += "        part\(i + 1)(&definitions)\n" }
        s += "        return definitions\n    }\n"
        for (i, body) in functions.enumerated() {
            s += "\n    private static func part\(i + 1)(_ definitions: inout [String: [Field]]) {\n"
            for line in body { s += "        \(line)\n" }
            s += "    }\n"
        }
        s += "}\n"
        return s
    }
}
