/// Emits `MergeSchema.kubernetes` as explicitly typed statements, split over several functions
/// so the type checker never sees one huge literal.
struct MergeSchemaEmitter {
    let definitions: [String: Definition]
    let statementsPerFunction = 150

    private func mergeType(_ t: TypeRef) -> String {
        switch t {
        case .string, .int, .double, .bool, .time, .microTime, .quantity, .intOrString: return ".scalar"
        case .json: return ".unstructured"
        case .named(let n): return ".object(\"\(n)\")"
        case .array(let e): return ".array(\(mergeType(e)))"
        case .map(let e): return ".map(\(mergeType(e)))"
        }
    }

    private func fieldExpression(_ p: Property) -> String {
        var args = ["type: \(p.preserveUnknownFields ? ".unstructured" : mergeType(p.type))"]
        if let strategy = p.patchStrategy {
            let values = strategy.split(separator: ",").map { ".\($0)" }.sorted()
            args.append("patchStrategies: [\(values.joined(separator: ", "))]")
        }
        if let key = p.patchMergeKey { args.append("patchMergeKey: \"\(key)\"") }
        if let lt = p.listType { args.append("listType: .\(lt)") }
        if !p.listMapKeys.isEmpty {
            args.append("listMapKeys: [\(p.listMapKeys.map { "\"\($0)\"" }.joined(separator: ", "))]")
        }
        if let mt = p.mapType { args.append("mapType: .\(mt)") }
        return "MergeField(\(args.joined(separator: ", ")))"
    }

    /// Whether a field belongs in the table: anything that is not a plain scalar,
    /// plus scalars that carry merge directives.
    private func include(_ p: Property) -> Bool {
        !p.type.isScalar || p.preserveUnknownFields || p.patchStrategy != nil || p.listType != nil || p.mapType != nil
    }

    func source() -> String {
        // One block of statements per definition.
        var blocks: [[String]] = []
        for def in definitions.values.sorted(by: { $0.name < $1.name }) {
            var block = ["fields = [:]"]
            for p in def.properties where include(p) {
                block.append("fields[\"\(p.jsonName)\"] = \(fieldExpression(p))")
            }
            block.append("definitions[\"\(def.name)\"] = fields")
            blocks.append(block)
        }
        var functions: [[String]] = [[]]
        for block in blocks {
            if functions[functions.count - 1].count + block.count > statementsPerFunction, !functions[functions.count - 1].isEmpty {
                functions.append([])
            }
            functions[functions.count - 1] += block
        }
        var roots: [(GVK, String)] = []
        for def in definitions.values {
            for g in def.gvks { roots.append((g, def.name)) }
        }
        roots.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }

        var s = """
        extension MergeSchema {
            /// The merge schema of every built-in definition and the root definition of every built-in kind.
            public static let kubernetes: MergeSchema = MergeSchema(
                definitions: KubernetesMergeTables.definitions(),
                roots: KubernetesMergeTables.roots(),
                atomicDefinitions: KubernetesMergeTables.atomicDefinitions
            )
        }

        /// The generated tables behind `MergeSchema.kubernetes`.
        private enum KubernetesMergeTables {
            static func definitions() -> [String: [String: MergeField]] {
                var definitions: [String: [String: MergeField]] = [:]

        """
        for i in functions.indices { s += "        part\(i + 1)(&definitions)\n" }
        s += "        return definitions\n    }\n"
        for (i, body) in functions.enumerated() {
            s += "\n    private static func part\(i + 1)(_ definitions: inout [String: [String: MergeField]]) {\n"
            s += "        var fields: [String: MergeField]\n"
            for line in body { s += "        \(line)\n" }
            s += "    }\n"
        }
        let atomic = definitions.values.filter { $0.mapType == "atomic" }.map(\.name).sorted()
        s += "\n    static let atomicDefinitions: Set<String> = [\n"
        for name in atomic { s += "        \"\(name)\",\n" }
        s += "    ]\n"
        s += "\n    static func roots() -> [GroupVersionKind: String] {\n"
        s += "        var roots: [GroupVersionKind: String] = [:]\n"
        for (g, name) in roots {
            s += "        roots[GroupVersionKind(group: \"\(g.group)\", version: \"\(g.version)\", kind: \"\(g.kind)\")] = \"\(name)\"\n"
        }
        s += "        return roots\n    }\n}\n"
        return s
    }
}
