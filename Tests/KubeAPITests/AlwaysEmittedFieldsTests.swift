import Foundation
import KubeAPI
import Testing

/// The fields upstream always writes (`AlwaysEmittedFields.kubernetes`), checked over every
/// generated kind, and against the OpenAPI documents where they are next to the repository.
@Suite struct AlwaysEmittedFieldsTests {
    let table = AlwaysEmittedFields.kubernetes

    /// Paths below `value` (of `definition`) where an always-written field is absent.
    func missing(_ value: JSONValue, definition: String, path: String) -> [String] {
        guard let members = value.objectValue, let fields = table.definitions[definition] else { return [] }
        var result: [String] = []
        for field in fields {
            let member = members[field.name]
            if field.zero != nil, member == nil { result.append("\(path).\(field.name)") }
            guard let member else { continue }
            switch field.nested {
            case .object(let name)?:
                result += missing(member, definition: name, path: "\(path).\(field.name)")
            case .items(let name)?:
                for (index, item) in (member.arrayValue ?? []).enumerated() {
                    result += missing(item, definition: name, path: "\(path).\(field.name)[\(index)]")
                }
            case .values(let name)?:
                for (key, item) in member.objectValue ?? [:] {
                    result += missing(item, definition: name, path: "\(path).\(field.name).\(key)")
                }
            case nil:
                break
            }
        }
        return result
    }

    @Test("every kind decoded from {} and re-encoded gets every always-written field, at every depth, and still decodes")
    func everyKind() throws {
        #expect(table.roots.count > 100)
        var checked = 0
        for kind in KubernetesKinds.allKinds {
            let gvk = kind.groupVersionKind
            // A default-constructed object, as the typed model writes it.
            let empty = try JSONDecoder().decode(kind, from: Data(#"{"apiVersion":"\#(gvk.apiVersion)","kind":"\#(gvk.kind)"}"#.utf8))
            let written = try JSONValue(parsing: Array(JSONEncoder().encode(empty)))
            let filled = table.filling(written)
            guard let root = table.roots[gvk], table.definitions[root] != nil else {
                #expect(filled == written, "\(gvk) has no always-written fields but changed")
                continue
            }
            checked += 1
            #expect(missing(filled, definition: root, path: gvk.kind) == [], "\(gvk)")
            // The zero values have the fields' types: the typed model reads them back.
            let reread = try JSONDecoder().decode(kind, from: Data(filled.serialized()))
            let rewritten = try JSONValue(parsing: Array(JSONEncoder().encode(reread)))
            #expect(GeneratedModelTests.firstDifference(table.filling(rewritten), filled) == nil, "\(gvk)")
            // Filling is idempotent.
            #expect(table.filling(filled) == filled, "\(gvk)")
        }
        #expect(checked > 100)
    }

    @Test("the fields of the issue: ReplicationController and DaemonSet status, container resources")
    func examples() throws {
        let rc = table.filling(["apiVersion": "v1", "kind": "ReplicationController", "metadata": ["name": "rc"]])
        #expect(rc[path: "status", "replicas"] == .int(0))
        #expect(rc["spec"] == .object([:]))
        let ds = table.filling(["apiVersion": "apps/v1", "kind": "DaemonSet", "status": ["numberReady": 2]])
        #expect(ds["status"] == [
            "numberReady": 2, "currentNumberScheduled": 0, "desiredNumberScheduled": 0, "numberMisscheduled": 0,
        ])
        let pod = table.filling([
            "apiVersion": "v1", "kind": "Pod", "spec": ["containers": [["name": "c", "image": "busybox"]]],
        ])
        #expect(pod[path: "spec", "containers"]?[0]?["resources"] == .object([:]))
        // Pointers, slices and maps stay absent (upstream writes null for them).
        #expect(pod[path: "spec", "securityContext"] == nil)
        #expect(pod[path: "spec", "containers"]?[0]?["ports"] == nil)
        // Objects of unknown kinds (custom resources) are left alone.
        let widget: JSONValue = ["apiVersion": "example.com/v1", "kind": "Widget", "spec": [:]]
        #expect(table.filling(widget) == widget)
    }

    static let reference = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/reference/openapi-v3")

    static var hasReference: Bool {
        FileManager.default.fileExists(atPath: reference.appendingPathComponent("api__v1.json").path)
    }

    /// Whether a schema `default` is a Go zero value.
    static func isZero(_ value: JSONValue?) -> Bool {
        switch value {
        case .string(let s)?: s.isEmpty
        case .int(let i)?: i == 0
        case .double(let d)?: d == 0
        case .bool(let b)?: !b
        case .object(let o)?: o.isEmpty
        default: false
        }
    }

    @Test(
        "the table holds exactly the required zero-default fields and the by-value structs of the OpenAPI documents",
        .enabled(if: AlwaysEmittedFieldsTests.hasReference, "needs ../shared/reference/openapi-v3")
    )
    func matchesReference() throws {
        var schemas: [String: JSONValue] = [:]
        // The documents the generator reads: core v1, every group-version, and version.
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.reference.path).filter {
            $0 == "api__v1.json" || $0 == "version.json"
                || ($0.hasPrefix("apis__") && $0.hasSuffix(".json") && $0.components(separatedBy: "__").count == 3)
        }
        for file in files {
            let document = try JSONValue(parsing: Array(try Data(contentsOf: Self.reference.appendingPathComponent(file))))
            for (name, schema) in document[path: "components", "schemas"]?.objectValue ?? [:] where schemas[name] == nil {
                schemas[name] = schema
            }
        }
        let special: Set<String> = [
            "io.k8s.apimachinery.pkg.apis.meta.v1.Time", "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
            "io.k8s.apimachinery.pkg.runtime.RawExtension",
        ]
        var expected = 0
        for (name, schema) in schemas {
            let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            for (property, propertySchema) in schema["properties"]?.objectValue ?? [:] {
                let reference = (propertySchema["allOf"]?[0]?["$ref"] ?? propertySchema["$ref"])?.stringValue?
                    .split(separator: "/").last.map(String.init)
                let byValueStruct = propertySchema["default"] == .object([:])
                let zeroRequired = required.contains(property) && Self.isZero(propertySchema["default"])
                let written = (zeroRequired || byValueStruct) && !special.contains(reference ?? "")
                let entry = table.definitions[name]?.first { $0.name == property }
                if written {
                    expected += 1
                    #expect(entry?.zero != nil, "\(name).\(property) is always written upstream")
                } else {
                    #expect(entry?.zero == nil, "\(name).\(property) is not always written upstream")
                }
            }
        }
        #expect(expected > 300)
    }
}
