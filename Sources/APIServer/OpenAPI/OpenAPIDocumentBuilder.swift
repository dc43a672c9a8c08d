import KubeAPI
import OrderedCollections

/// Assembles OpenAPI v3 and Swagger 2.0 documents from schemas and resource descriptors.
struct OpenAPIDocumentBuilder {
    /// What the documents are built from.
    struct Context {
        var descriptors: [ResourceDescriptor]
        var builtin: BuiltinSchemas
        var custom: [String: JSONValue]
        /// Every schema name, sorted.
        let allNames: [String]
        /// Definition names by `group/version/kind` of their GVK extension.
        let byKind: [String: [String]]

        init(descriptors: [ResourceDescriptor], builtin: BuiltinSchemas, custom: [String: JSONValue]) {
            self.descriptors = descriptors
            self.builtin = builtin
            self.custom = custom
            var byKind = builtin.byKind
            for (name, schema) in custom.sorted(by: { $0.key < $1.key }) {
                for gvk in schema["x-kubernetes-group-version-kind"]?.arrayValue ?? [] {
                    byKind[BuiltinSchemas.key(gvk), default: []].append(name)
                }
            }
            self.byKind = byKind
            self.allNames = custom.isEmpty ? Array(builtin.schemas.keys) : Set(builtin.schemas.keys).union(custom.keys).sorted()
        }

        /// `api/v1`, `apis/GROUP/VERSION` of every served group/version, sorted.
        var groupVersions: [String] {
            Set(descriptors.map { $0.group.isEmpty ? "api/\($0.version)" : "apis/\($0.group)/\($0.version)" }).sorted()
        }

        /// The schema called `name`: custom ones first, then built-in.
        func schema(_ name: String) -> JSONValue? { custom[name] ?? builtin.schemas[name] }
    }

    let context: Context

    static let metaPrefix = "io.k8s.apimachinery.pkg.apis.meta.v1."

    // MARK: Definitions

    /// The definitions whose GVK extension names `group`/`version`/`kind`.
    func definitions(group: String, version: String, kind: String) -> [String] {
        context.byKind["\(group)/\(version)/\(kind)"] ?? []
    }

    /// `roots` and every definition they reference, sorted.
    func closure(_ roots: [String]) -> [String] {
        var seen = Set<String>()
        var stack = roots
        while let name = stack.popLast() {
            guard seen.insert(name).inserted, let schema = context.schema(name) else { continue }
            Self.references(in: schema) { stack.append($0) }
        }
        return seen.filter { context.schema($0) != nil }.sorted()
    }

    static func references(in value: JSONValue, _ found: (String) -> Void) {
        switch value {
        case .object(let object):
            for (key, member) in object {
                if key == "$ref", let ref = member.stringValue, let slash = ref.lastIndex(of: "/") {
                    found(String(ref[ref.index(after: slash)...]))
                } else {
                    references(in: member, found)
                }
            }
        case .array(let items):
            for item in items { references(in: item, found) }
        default: break
        }
    }

    // MARK: v3

    /// The OpenAPI v3 document of one group/version.
    func v3(group: String, version: String) -> JSONValue {
        let served = context.descriptors.filter { $0.group == group && $0.version == version }
            .sorted { $0.resource < $1.resource }
        var roots = ["DeleteOptions", "Status", "WatchEvent", "Patch", "APIResourceList"].map { Self.metaPrefix + $0 }
        for d in served {
            roots += definitions(group: group, version: version, kind: d.kind)
            roots += definitions(group: group, version: version, kind: d.listKind)
            for sub in d.subresources {
                roots += definitions(group: sub.group ?? group, version: sub.version ?? version, kind: sub.kind)
            }
        }
        var schemas: OrderedDictionary<String, JSONValue> = [:]
        for name in closure(roots) { schemas[name] = context.schema(name) }

        var paths: OrderedDictionary<String, JSONValue> = [:]
        let prefix = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        paths[prefix + "/"] = [
            "get": operation(id: "get\(Self.camel(group))\(Self.camel(version))APIResources", action: nil, gvk: nil,
                             response: Self.metaPrefix + "APIResourceList", request: nil, parameters: []),
        ]
        for d in served {
            for (path, item) in v3Paths(d, prefix: prefix) { paths[path] = item }
        }
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": "v1.36.2"],
            "paths": .object(paths),
            "components": ["schemas": .object(schemas)],
        ]
    }

    /// The paths of one resource: collection, all-namespaces list, object and subresources.
    func v3Paths(_ d: ResourceDescriptor, prefix: String) -> [(String, JSONValue)] {
        let kindDefinition = definitions(group: d.group, version: d.version, kind: d.kind).first
        let listDefinition = definitions(group: d.group, version: d.version, kind: d.listKind).first
        let gvk = (group: d.group, version: d.version, kind: d.kind)
        let scope = d.namespaced ? "Namespaced" : ""
        let base = Self.camel(d.group.isEmpty ? "core" : d.group) + Self.camel(d.version)
        let collection = d.namespaced ? "\(prefix)/namespaces/{namespace}/\(d.resource)" : "\(prefix)/\(d.resource)"
        let namespaceParam: [JSONValue] = d.namespaced ? [Self.pathParameter("namespace")] : []
        var result: [(String, JSONValue)] = []

        var collectionOps: OrderedDictionary<String, JSONValue> = [:]
        if d.supports("list"), let listDefinition {
            collectionOps["get"] = operation(id: "list\(base)\(scope)\(d.kind)", action: "list", gvk: gvk,
                                             response: listDefinition, request: nil, parameters: Self.listParameters)
        }
        if d.supports("create") {
            collectionOps["post"] = operation(id: "create\(base)\(scope)\(d.kind)", action: "post", gvk: gvk,
                                              response: kindDefinition, request: kindDefinition, parameters: Self.writeParameters)
        }
        if d.supports("deletecollection") {
            collectionOps["delete"] = operation(id: "deletecollection\(base)\(scope)\(d.kind)", action: "deletecollection", gvk: gvk,
                                                response: Self.metaPrefix + "Status", request: Self.metaPrefix + "DeleteOptions",
                                                parameters: Self.listParameters)
        }
        if !collectionOps.isEmpty {
            collectionOps["parameters"] = .array(namespaceParam + [Self.queryParameter("pretty")])
            result.append((collection, .object(collectionOps)))
        }
        if d.namespaced, d.supports("list"), let listDefinition {
            result.append(("\(prefix)/\(d.resource)", [
                "get": operation(id: "list\(base)\(d.kind)ForAllNamespaces", action: "list", gvk: gvk,
                                 response: listDefinition, request: nil, parameters: Self.listParameters),
                "parameters": [Self.queryParameter("pretty")],
            ]))
        }

        var itemOps: OrderedDictionary<String, JSONValue> = [:]
        if d.supports("get") {
            itemOps["get"] = operation(id: "read\(base)\(scope)\(d.kind)", action: "get", gvk: gvk,
                                       response: kindDefinition, request: nil, parameters: [])
        }
        if d.supports("update") {
            itemOps["put"] = operation(id: "replace\(base)\(scope)\(d.kind)", action: "put", gvk: gvk,
                                       response: kindDefinition, request: kindDefinition, parameters: Self.writeParameters)
        }
        if d.supports("delete") {
            itemOps["delete"] = operation(id: "delete\(base)\(scope)\(d.kind)", action: "delete", gvk: gvk,
                                          response: Self.metaPrefix + "Status", request: Self.metaPrefix + "DeleteOptions",
                                          parameters: Self.deleteParameters)
        }
        if d.supports("patch") {
            itemOps["patch"] = operation(id: "patch\(base)\(scope)\(d.kind)", action: "patch", gvk: gvk,
                                         response: kindDefinition, request: Self.metaPrefix + "Patch",
                                         parameters: Self.writeParameters + [Self.queryParameter("force", type: "boolean")])
        }
        if !itemOps.isEmpty {
            itemOps["parameters"] = .array([Self.pathParameter("name")] + namespaceParam + [Self.queryParameter("pretty")])
            result.append(("\(collection)/{name}", .object(itemOps)))
        }

        for sub in d.subresources {
            let subGVK = (group: sub.group ?? d.group, version: sub.version ?? d.version, kind: sub.kind)
            let subDefinition = definitions(group: subGVK.group, version: subGVK.version, kind: subGVK.kind).first
            let suffix = Self.camel(sub.name)
            var ops: OrderedDictionary<String, JSONValue> = [:]
            for verb in sub.verbs {
                switch verb {
                case "get":
                    ops["get"] = operation(id: "read\(base)\(scope)\(d.kind)\(suffix)", action: "get", gvk: subGVK,
                                           response: subDefinition, request: nil, parameters: [])
                case "create":
                    ops["post"] = operation(id: "create\(base)\(scope)\(d.kind)\(suffix)", action: "post", gvk: subGVK,
                                            response: subDefinition, request: subDefinition, parameters: Self.writeParameters)
                case "update":
                    ops["put"] = operation(id: "replace\(base)\(scope)\(d.kind)\(suffix)", action: "put", gvk: subGVK,
                                           response: subDefinition, request: subDefinition, parameters: Self.writeParameters)
                case "patch":
                    ops["patch"] = operation(id: "patch\(base)\(scope)\(d.kind)\(suffix)", action: "patch", gvk: subGVK,
                                             response: subDefinition, request: Self.metaPrefix + "Patch",
                                             parameters: Self.writeParameters + [Self.queryParameter("force", type: "boolean")])
                case "delete":
                    ops["delete"] = operation(id: "delete\(base)\(scope)\(d.kind)\(suffix)", action: "delete", gvk: subGVK,
                                              response: Self.metaPrefix + "Status", request: nil, parameters: [])
                default: break
                }
            }
            guard !ops.isEmpty else { continue }
            ops["parameters"] = .array([Self.pathParameter("name")] + namespaceParam + [Self.queryParameter("pretty")])
            result.append(("\(collection)/{name}/\(sub.name)", .object(ops)))
        }
        return result
    }

    /// One v3 operation.
    func operation(
        id: String, action: String?, gvk: (group: String, version: String, kind: String)?,
        response: String?, request: String?, parameters: [JSONValue]
    ) -> JSONValue {
        var op: OrderedDictionary<String, JSONValue> = ["operationId": .string(id)]
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }
        if let request {
            op["requestBody"] = ["content": ["*/*": ["schema": ["$ref": .string("#/components/schemas/\(request)")]]], "required": true]
        }
        let schema: JSONValue = response.map { ["$ref": .string("#/components/schemas/\($0)")] } ?? ["type": "object"]
        op["responses"] = [
            "200": ["description": "OK", "content": ["application/json": ["schema": schema], "application/yaml": ["schema": schema]]],
            "401": ["description": "Unauthorized"],
        ]
        if let action { op["x-kubernetes-action"] = .string(action) }
        if let gvk {
            op["x-kubernetes-group-version-kind"] = ["group": .string(gvk.group), "kind": .string(gvk.kind), "version": .string(gvk.version)]
        }
        return .object(op)
    }

    static func pathParameter(_ name: String) -> JSONValue {
        ["name": .string(name), "in": "path", "required": true, "schema": ["type": "string", "uniqueItems": true]]
    }

    static func queryParameter(_ name: String, type: String = "string") -> JSONValue {
        ["name": .string(name), "in": "query", "schema": ["type": .string(type), "uniqueItems": true]]
    }

    static let listParameters: [JSONValue] = [
        queryParameter("allowWatchBookmarks", type: "boolean"), queryParameter("continue"),
        queryParameter("fieldSelector"), queryParameter("labelSelector"), queryParameter("limit", type: "integer"),
        queryParameter("resourceVersion"), queryParameter("resourceVersionMatch"),
        queryParameter("sendInitialEvents", type: "boolean"), queryParameter("timeoutSeconds", type: "integer"),
        queryParameter("watch", type: "boolean"),
    ]

    static let writeParameters: [JSONValue] = [
        queryParameter("dryRun"), queryParameter("fieldManager"), queryParameter("fieldValidation"),
    ]

    static let deleteParameters: [JSONValue] = [
        queryParameter("dryRun"), queryParameter("gracePeriodSeconds", type: "integer"),
        queryParameter("ignoreStoreReadErrorWithClusterBreakingPotential", type: "boolean"),
        queryParameter("orphanDependents", type: "boolean"), queryParameter("propagationPolicy"),
    ]

    /// `rbac.authorization.k8s.io` -> `RbacAuthorization`, `v1beta1` -> `V1beta1`, `status` -> `Status`.
    static func camel(_ text: String) -> String {
        var name = text
        if name.hasSuffix(".k8s.io") { name.removeLast(".k8s.io".count) }
        return name.split(whereSeparator: { $0 == "." || $0 == "-" }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    // MARK: v2

    /// The Swagger 2.0 document: every definition (references rewritten to `#/definitions/`)
    /// and the paths of every served resource.
    func swagger() -> JSONValue {
        var definitions: OrderedDictionary<String, JSONValue> = [:]
        for name in context.allNames {
            if let schema = context.schema(name) { definitions[name] = Self.toV2(schema) }
        }
        var paths: OrderedDictionary<String, JSONValue> = [:]
        let byGroupVersion = Dictionary(grouping: context.descriptors) { $0.group.isEmpty ? "/api/\($0.version)" : "/apis/\($0.group)/\($0.version)" }
        for prefix in byGroupVersion.keys.sorted() {
            for d in byGroupVersion[prefix]!.sorted(by: { $0.resource < $1.resource }) {
                for (path, item) in v3Paths(d, prefix: prefix) { paths[path] = Self.pathItemToV2(item) }
            }
        }
        return [
            "swagger": "2.0",
            "info": ["title": "Kubernetes", "version": "v1.36.2"],
            "paths": .object(paths),
            "definitions": .object(definitions),
            "securityDefinitions": ["BearerToken": ["type": "apiKey", "name": "authorization", "in": "header"]],
            "security": [["BearerToken": []]],
        ]
    }

    /// Rewrites a v3 schema for Swagger 2.0: `#/components/schemas/` references become
    /// `#/definitions/`, and a lone `allOf` reference becomes a plain `$ref`.
    static func toV2(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(var object):
            if let allOf = object["allOf"]?.arrayValue, allOf.count == 1, let ref = allOf[0]["$ref"] {
                object = ["$ref": ref]
            }
            var result: OrderedDictionary<String, JSONValue> = [:]
            for (key, member) in object {
                if key == "$ref", let ref = member.stringValue {
                    result[key] = .string(ref.replacingPrefix("#/components/schemas/", with: "#/definitions/"))
                } else if key == "oneOf" || key == "nullable" {
                    continue
                } else {
                    result[key] = toV2(member)
                }
            }
            return .object(result)
        case .array(let items):
            return .array(items.map(toV2))
        default:
            return value
        }
    }

    /// Rewrites a v3 path item for Swagger 2.0 (body parameters, `schema` in responses).
    static func pathItemToV2(_ item: JSONValue) -> JSONValue {
        guard let object = item.objectValue else { return item }
        var result: OrderedDictionary<String, JSONValue> = [:]
        for (method, op) in object {
            if method == "parameters" {
                result[method] = .array((op.arrayValue ?? []).map(parameterToV2))
                continue
            }
            guard var operation = op.objectValue else { continue }
            var parameters = (operation["parameters"]?.arrayValue ?? []).map(parameterToV2)
            if let body = operation["requestBody"]?["content"]?["*/*"]?["schema"] {
                parameters.insert(["name": "body", "in": "body", "required": true, "schema": toV2(body)], at: 0)
            }
            operation["requestBody"] = nil
            operation["parameters"] = parameters.isEmpty ? nil : .array(parameters)
            if let responses = operation["responses"]?.objectValue {
                var converted: OrderedDictionary<String, JSONValue> = [:]
                for (code, response) in responses {
                    var entry: OrderedDictionary<String, JSONValue> = ["description": response["description"] ?? "OK"]
                    if let schema = response["content"]?["application/json"]?["schema"] { entry["schema"] = toV2(schema) }
                    converted[code] = .object(entry)
                }
                operation["responses"] = .object(converted)
            }
            operation.updateValue(["application/json", "application/yaml"], forKey: "produces", insertingAt: 0)
            result[method] = .object(operation)
        }
        return .object(result)
    }

    static func parameterToV2(_ parameter: JSONValue) -> JSONValue {
        guard var object = parameter.objectValue else { return parameter }
        if let schema = object.removeValue(forKey: "schema") {
            object["type"] = schema["type"] ?? "string"
            object["uniqueItems"] = true
        }
        return .object(object)
    }
}

extension String {
    /// The string with `prefix` replaced by `replacement` when it starts with it.
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
