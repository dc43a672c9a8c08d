import Crypto
import KubeAPI
import OrderedCollections
import Synchronization

/// Builds and caches the server's OpenAPI documents: `/openapi/v2` (Swagger 2.0) and
/// `/openapi/v3` (an index plus one document per group/version), from the description-free
/// built-in schema table and the schemas of custom resources registered at run time.
///
/// Paths are synthesised from the catalog's descriptors. Documents are encoded once and reused
/// until the catalog or the registered schemas change.
public final class OpenAPIService: Sendable {
    /// The resources served (paths and the kinds whose schemas a document carries).
    public let catalog: DiscoveryCatalog

    private struct State {
        var customSchemas: [String: JSONValue] = [:]
        var customGeneration: UInt64 = 0
        var cacheKey: (UInt64, UInt64) = (0, 0)
        var v2: [UInt8]?
        var v3: [String: Document] = [:]
        var index: [UInt8]?
    }

    /// One encoded v3 document and its content hash (upper-case hex SHA-512).
    public struct Document: Sendable {
        /// The JSON bytes.
        public var bytes: [UInt8]
        /// The hash used in `serverRelativeURL` and as ETag.
        public var hash: String
    }

    private let state = Mutex(State())

    /// Creates the service for `catalog`. Nothing is parsed or built until a document is first
    /// asked for (see ``prepare()``), so creating the service costs nothing at startup.
    public init(catalog: DiscoveryCatalog) {
        self.catalog = catalog
    }

    /// Parses the built-in schema table and builds every v3 document now (for example in a
    /// background task after the server is ready), so the first `kubectl explain` is fast.
    public func prepare() {
        _ = v3Index()
    }

    // MARK: Custom resources

    /// Registers (or replaces) the OpenAPI v3 schema of a custom resource's kind, as the CRD's
    /// `openAPIV3Schema` gives it. The service adds `apiVersion`, `kind`, `metadata` and the GVK
    /// extension, and a list definition; references inside `schema` must use
    /// `#/components/schemas/...`. The resource itself must be in the catalog for paths to appear.
    public func registerCustomResource(_ descriptor: ResourceDescriptor, schema: JSONValue?) {
        let name = Self.definitionName(group: descriptor.group, version: descriptor.version, kind: descriptor.kind)
        var object = schema?.objectValue ?? ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
        object["type"] = "object"
        var properties = object["properties"]?.objectValue ?? [:]
        properties["apiVersion"] = ["type": "string"]
        properties["kind"] = ["type": "string"]
        properties["metadata"] = ["allOf": [["$ref": .string(Self.metaRef("ObjectMeta"))]]]
        object["properties"] = .object(properties)
        object["x-kubernetes-group-version-kind"] = [
            ["group": .string(descriptor.group), "kind": .string(descriptor.kind), "version": .string(descriptor.version)],
        ]
        let list: JSONValue = [
            "type": "object",
            "required": ["items"],
            "properties": [
                "apiVersion": ["type": "string"],
                "items": ["type": "array", "items": ["$ref": .string("#/components/schemas/\(name)")]],
                "kind": ["type": "string"],
                "metadata": ["allOf": [["$ref": .string(Self.metaRef("ListMeta"))]]],
            ],
            "x-kubernetes-group-version-kind": [
                ["group": .string(descriptor.group), "kind": .string(descriptor.listKind), "version": .string(descriptor.version)],
            ],
        ]
        state.withLock { state in
            state.customSchemas[name] = .object(object)
            state.customSchemas[name + "List"] = list
            state.customGeneration += 1
        }
    }

    /// Removes the schemas registered for a custom resource's kind at `group`/`version`.
    public func unregisterCustomResource(group: String, version: String, kind: String) {
        let name = Self.definitionName(group: group, version: version, kind: kind)
        state.withLock { state in
            state.customSchemas[name] = nil
            state.customSchemas[name + "List"] = nil
            state.customGeneration += 1
        }
    }

    /// The definition name of a custom kind, the way Kubernetes names it: the group's labels
    /// reversed, then version and kind (`com.example.stable.v1.CronTab`).
    public static func definitionName(group: String, version: String, kind: String) -> String {
        (group.split(separator: ".").reversed().map(String.init) + [version, kind]).joined(separator: ".")
    }

    static func metaRef(_ name: String) -> String {
        "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.\(name)"
    }

    // MARK: Documents

    /// The v3 index: `{"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}, ...}}`.
    public func v3Index() -> [UInt8] {
        withCache { state, context in
            if let index = state.index { return index }
            var paths: OrderedDictionary<String, JSONValue> = [:]
            for gv in context.groupVersions {
                let document = self.v3Document(gv, state: &state, context: context)
                paths[gv] = ["serverRelativeURL": .string("/openapi/v3/\(gv)?hash=\(document.hash)")]
            }
            let bytes = JSONValue.object(["paths": .object(paths)]).serialized()
            state.index = bytes
            return bytes
        }
    }

    /// The v3 document for `path` (`api/v1`, `apis/apps/v1`), or `nil` if no such group/version
    /// is served.
    public func v3Document(path: String) -> Document? {
        let key = path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        return withCache { state, context in
            guard context.groupVersions.contains(key) else { return nil }
            return self.v3Document(key, state: &state, context: context)
        }
    }

    /// The Swagger 2.0 document of every served resource and every definition.
    public func v2Document() -> [UInt8] {
        withCache { state, context in
            if let v2 = state.v2 { return v2 }
            let bytes = OpenAPIDocumentBuilder(context: context).swagger().serialized()
            state.v2 = bytes
            return bytes
        }
    }

    /// Runs `body` with the cache reset if the catalog or custom schemas changed since it was filled.
    private func withCache<T>(_ body: (inout State, OpenAPIDocumentBuilder.Context) -> T) -> T {
        let snapshot = catalog.snapshot()
        return state.withLock { state in
            if state.cacheKey != (snapshot.generation, state.customGeneration) {
                state.cacheKey = (snapshot.generation, state.customGeneration)
                state.v2 = nil
                state.v3 = [:]
                state.index = nil
            }
            let context = OpenAPIDocumentBuilder.Context(
                descriptors: snapshot.entries.map(\.descriptor), builtin: BuiltinSchemas.shared, custom: state.customSchemas
            )
            return body(&state, context)
        }
    }

    private func v3Document(_ key: String, state: inout State, context: OpenAPIDocumentBuilder.Context) -> Document {
        if let cached = state.v3[key] { return cached }
        let parts = key.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 3 ? (parts[1], parts[2]) : ("", parts.last ?? "")
        let bytes = OpenAPIDocumentBuilder(context: context).v3(group: group, version: version).serialized()
        let hash = SHA512.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        let document = Document(bytes: bytes, hash: hash)
        state.v3[key] = document
        return document
    }
}

/// The parsed built-in schema table with a GVK index.
struct BuiltinSchemas: Sendable {
    /// The table, parsed on first use.
    static let shared = BuiltinSchemas()

    /// The schemas by definition name, sorted by name.
    let schemas: OrderedDictionary<String, JSONValue>
    /// Definition names by `group/version/kind` of their GVK extension.
    let byKind: [String: [String]]

    init() {
        let parsed = (try? JSONValue(parsing: OpenAPIService.builtinSchemasJSON)) ?? .object([:])
        schemas = parsed.objectValue ?? [:]
        var byKind: [String: [String]] = [:]
        for (name, schema) in schemas {
            for gvk in schema["x-kubernetes-group-version-kind"]?.arrayValue ?? [] {
                byKind[Self.key(gvk), default: []].append(name)
            }
        }
        self.byKind = byKind
    }

    /// `group/version/kind` of a GVK extension entry.
    static func key(_ gvk: JSONValue) -> String {
        "\(gvk["group"]?.stringValue ?? "")/\(gvk["version"]?.stringValue ?? "")/\(gvk["kind"]?.stringValue ?? "")"
    }
}
