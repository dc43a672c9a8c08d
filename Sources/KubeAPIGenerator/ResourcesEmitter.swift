import Foundation

/// Writes `ResourceDescriptor.builtin` (APIServer) from the discovery documents
/// (`api__v1.json`, `apis__<group>__<version>.json`): every served resource with its scope,
/// verbs, short names, categories and subresources.
struct ResourcesEmitter {
    struct Resource {
        var group: String
        var version: String
        var name: String
        var singular: String
        var kind: String
        var namespaced: Bool
        var verbs: [String]
        var shortNames: [String]
        var categories: [String]
        var subresources: [(name: String, kind: String, group: String?, version: String?, verbs: [String])]
    }

    let resources: [Resource]

    init(directory: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0 == "api__v1.json" || ($0.hasPrefix("apis__") && $0.split(separator: "_").count >= 3) }
            .sorted()
        var result: [Resource] = []
        for file in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            guard let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let groupVersion = doc["groupVersion"] as? String,
                  let list = doc["resources"] as? [[String: Any]]
            else { continue }
            let (group, version): (String, String) = {
                let parts = groupVersion.split(separator: "/").map(String.init)
                return parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
            }()
            var byName: [String: Resource] = [:]
            var order: [String] = []
            for entry in list {
                guard let name = entry["name"] as? String, !name.contains("/") else { continue }
                byName[name] = Resource(
                    group: group, version: version, name: name,
                    singular: entry["singularName"] as? String ?? "",
                    kind: entry["kind"] as? String ?? "",
                    namespaced: entry["namespaced"] as? Bool ?? false,
                    verbs: entry["verbs"] as? [String] ?? [],
                    shortNames: entry["shortNames"] as? [String] ?? [],
                    categories: entry["categories"] as? [String] ?? [],
                    subresources: []
                )
                order.append(name)
            }
            for entry in list {
                guard let full = entry["name"] as? String, let slash = full.firstIndex(of: "/") else { continue }
                let parent = String(full[..<slash])
                let sub = String(full[full.index(after: slash)...])
                byName[parent]?.subresources.append((
                    name: sub,
                    kind: entry["kind"] as? String ?? "",
                    group: entry["group"] as? String,
                    version: entry["version"] as? String,
                    verbs: entry["verbs"] as? [String] ?? []
                ))
            }
            result += order.compactMap { byName[$0] }
        }
        resources = result
    }

    func source() -> String {
        var out = "import KubeAPI\n\n"
        out += "extension ResourceDescriptor {\n"
        out += "    /// Every resource a Kubernetes 1.36 API server serves by default (GA group/versions).\n"
        out += "    public static let builtin: [ResourceDescriptor] = [\n"
        for r in resources {
            out += "        ResourceDescriptor(\n"
            out += "            group: \(q(r.group)), version: \(q(r.version)), resource: \(q(r.name)), singularName: \(q(r.singular)),\n"
            out += "            kind: \(q(r.kind)), namespaced: \(r.namespaced),\n"
            out += "            verbs: \(list(r.verbs))"
            if !r.shortNames.isEmpty { out += ",\n            shortNames: \(list(r.shortNames))" }
            if !r.categories.isEmpty { out += ",\n            categories: \(list(r.categories))" }
            if !r.subresources.isEmpty {
                out += ",\n            subresources: [\n"
                for s in r.subresources {
                    var args = "name: \(q(s.name)), kind: \(q(s.kind))"
                    if let g = s.group { args += ", group: \(q(g))" }
                    if let v = s.version { args += ", version: \(q(v))" }
                    args += ", verbs: \(list(s.verbs))"
                    out += "                Subresource(\(args)),\n"
                }
                out += "            ]"
            }
            out += "\n        ),\n"
        }
        out += "    ]\n}\n"
        return out
    }

    /// The KubeClient's table: group/version/kind → plural resource name and scope, for every
    /// top-level resource (the typed client builds paths from it).
    func clientSource() -> String {
        var out = "import KubeAPI\n\n"
        out += "extension ResourceScope {\n"
        out += "    /// Plural resource name and scope of every kind a Kubernetes 1.36 API server serves by default.\n"
        out += "    static let builtin: [GroupVersionKind: ResourceScope] = [\n"
        var seen = Set<String>()
        for r in resources where !r.kind.isEmpty {
            let key = "\(r.group)/\(r.version)/\(r.kind)"
            guard seen.insert(key).inserted else { continue }
            out += "        GroupVersionKind(group: \(q(r.group)), version: \(q(r.version)), kind: \(q(r.kind))): "
            out += "ResourceScope(resource: \(q(r.name)), namespaced: \(r.namespaced)),\n"
        }
        out += "    ]\n}\n"
        return out
    }

    private func q(_ s: String) -> String { "\"\(s)\"" }
    private func list(_ items: [String]) -> String {
        items.isEmpty ? "[String]()" : "[" + items.map(q).joined(separator: ", ") + "]"
    }
}
