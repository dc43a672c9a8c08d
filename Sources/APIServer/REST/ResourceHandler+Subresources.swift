import HTTPTypes
import KubeAPI
import OrderedCollections

extension ResourceHandler {
    /// GET/PUT/PATCH on `status`: reads the whole object, writes only `status`.
    func handleStatus(_ request: APIRequest, store: ResourceStore, verb: String, namespace: String, name: String) async throws -> APIResponse {
        let descriptor = store.descriptor
        switch verb {
        case "get":
            let object = try await store.get(namespace: namespace, name: name, resourceVersion: request.queryValue("resourceVersion"))
            return try respond(request, object: object, descriptor: descriptor)
        case "update":
            let body = try decodeObject(request, descriptor: descriptor)
            let (object, _) = try await store.update(
                namespace: namespace, name: name, object: body, target: .status, dryRun: try dryRun(request),
                prepare: try updateRecorder(request, descriptor: descriptor, target: .status))
            return try respond(request, object: object, descriptor: descriptor)
        case "patch":
            return try await patch(request, store: store, namespace: namespace, name: name, target: .status)
        default:
            throw StatusError.methodNotAllowed(store.groupResource, action: verb)
        }
    }

    /// The `autoscaling/v1` `Scale` of an object.
    static func scale(of object: JSONValue, descriptor: ResourceDescriptor) -> JSONValue {
        var meta = OrderedDictionary<String, JSONValue>()
        for key in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            if let value = object["metadata"]?[key] { meta[key] = value }
        }
        if let paths = descriptor.scalePaths { return paths.scale(of: object, metadata: .object(meta)) }
        let replicas = object[path: "spec", "replicas"]?.intValue ?? 0
        var status: JSONValue = ["replicas": .int(object[path: "status", "replicas"]?.intValue ?? 0)]
        let selector = selectorText(object[path: "spec", "selector"])
        if !selector.isEmpty { status.setMember("selector", .string(selector)) }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(meta),
            "spec": ["replicas": .int(replicas)], "status": status,
        ]
    }

    /// The string form of a selector: a `LabelSelector` object or a plain map (replication controllers).
    static func selectorText(_ value: JSONValue?) -> String {
        guard let value, let members = value.objectValue else { return "" }
        if members["matchLabels"] != nil || members["matchExpressions"] != nil {
            var labels: [String: String] = [:]
            for (key, item) in members["matchLabels"]?.objectValue ?? [:] { labels[key] = item.stringValue ?? "" }
            let expressions = (members["matchExpressions"]?.arrayValue ?? []).map { item in
                LabelSelectorRequirement(
                    key: item["key"]?.stringValue ?? "", operator: item["operator"]?.stringValue ?? "",
                    values: (item["values"]?.arrayValue ?? []).compactMap(\.stringValue))
            }
            return (try? LabelSelector(matchLabels: labels, matchExpressions: expressions))?.description ?? ""
        }
        return members.keys.sorted().map { "\($0)=\(members[$0]?.stringValue ?? "")" }.joined(separator: ",")
    }

    /// GET/PUT/PATCH on `scale`.
    func handleScale(_ request: APIRequest, store: ResourceStore, verb: String, namespace: String, name: String) async throws -> APIResponse {
        let descriptor = store.descriptor
        switch verb {
        case "get":
            let object = try await store.get(namespace: namespace, name: name, resourceVersion: request.queryValue("resourceVersion"))
            return ResponseEncoding.json(Self.scale(of: object.value, descriptor: descriptor).serialized())
        case "update", "patch":
            let dryRun = try dryRun(request)
            var replicasFromBody: Int64? = nil
            var precondition: Int64? = nil
            var patchDocument: JSONValue? = nil
            var patchType: PatchType? = nil
            if verb == "update" {
                let body = try decodeObject(request, descriptor: descriptor, kind: "Scale", apiVersion: "autoscaling/v1")
                guard let replicas = body[path: "spec", "replicas"]?.intValue ?? Optional(0) else { throw StatusError.badRequest("spec.replicas is required") }
                if replicas < 0 {
                    throw StatusError.invalid(GroupKind(group: "autoscaling", kind: "Scale"), name: name, errors: [
                        .invalid("spec.replicas", value: .int(replicas), detail: "must be greater than or equal to 0"),
                    ])
                }
                replicasFromBody = replicas
                let rv = body.metadataString("resourceVersion")
                if !rv.isEmpty { precondition = Int64(rv) }
            } else {
                let type = Self.mediaType(request.headers[.contentType])
                guard let parsedType = PatchType(contentType: type) else {
                    throw StatusError.unsupportedMediaType(acceptedMediaTypes: Self.patchMediaTypes)
                }
                patchType = parsedType
                do { patchDocument = try JSONValue(parsing: request.body) } catch { throw StatusError.badRequest("error decoding patch: \(error)") }
            }
            let scaleGroupKind = GroupKind(group: "autoscaling", kind: "Scale")
            let schemaKind = GroupVersionKind(group: "autoscaling", version: "v1", kind: "Scale")
            let fixedReplicas = replicasFromBody
            let patchInput = patchDocument.flatMap { document in patchType.map { (document, $0) } }
            let tracker = ManagedFieldsTracker(scaleRequest: request, descriptor: descriptor)
            let (object, _) = try await store.guaranteedUpdate(namespace: namespace, name: name, expectedRevision: precondition, dryRun: dryRun) { current in
                guard var current else { throw StatusError.notFound(store.groupResource, name: name) }
                let live = current
                var replicas = fixedReplicas ?? 0
                if let (patchDocument, patchType) = patchInput {
                    let scale = Self.scale(of: current, descriptor: descriptor)
                    let patched: JSONValue
                    do {
                        patched = try patchType.apply(patchDocument, to: scale, schema: .kubernetes, definition: MergeSchema.kubernetes.roots[schemaKind])
                    } catch let error as PatchError {
                        throw Self.patchFailure(error)
                    }
                    replicas = patched[path: "spec", "replicas"]?.intValue ?? 0
                    if replicas < 0 {
                        throw StatusError.invalid(scaleGroupKind, name: name, errors: [
                            .invalid("spec.replicas", value: .int(replicas), detail: "must be greater than or equal to 0"),
                        ])
                    }
                }
                if let paths = descriptor.scalePaths {
                    current = paths.settingReplicas(replicas, in: current)
                } else {
                    var spec = current["spec"] ?? .object([:])
                    spec.setMember("replicas", .int(replicas))
                    current.setMember("spec", spec)
                }
                current.updateMetadata { $0.removeValue(forKey: "resourceVersion") }
                return try tracker.recordUpdate(live: live, new: current)
            }
            return ResponseEncoding.json(Self.scale(of: object.value, descriptor: descriptor).serialized())
        default:
            throw StatusError.methodNotAllowed(store.groupResource, action: verb)
        }
    }

    /// POST `pods/NAME/binding` or `bindings`: sets `spec.nodeName` of an unbound pod.
    func bind(_ request: APIRequest, namespace: String, podName: String?) async throws -> APIResponse {
        guard let pods = registry.store(group: "", version: "v1", resource: "pods") else { throw Self.notFoundPath }
        let body = try decodeJSON(request)
        guard body.objectValue != nil, (body["kind"]?.stringValue ?? "Binding") == "Binding" else {
            throw StatusError.badRequest("the body must be a v1 Binding")
        }
        let name = podName ?? body.metadataString("name")
        if let podName, !body.metadataString("name").isEmpty, body.metadataString("name") != podName {
            throw StatusError.badRequest("the name of the object (\(body.metadataString("name"))) does not match the name on the URL (\(podName))")
        }
        let node = body[path: "target", "name"]?.stringValue ?? ""
        if node.isEmpty {
            throw StatusError.invalid(GroupKind(group: "", kind: "Binding"), name: name, errors: [.required("target.name")])
        }
        let dryRun = try dryRun(request)
        let bindingResource = GroupResource(group: "", resource: "pods/binding")
        _ = try await pods.guaranteedUpdate(namespace: namespace, name: name, target: .whole, dryRun: dryRun) { current in
            guard var current else { throw StatusError.notFound(GroupResource(group: "", resource: "pods"), name: name) }
            if current["metadata"]?["deletionTimestamp"].map({ !$0.isNull }) == true {
                throw StatusError.conflict(bindingResource, name: name, message: "pod \(name) is being deleted, cannot be assigned to a host")
            }
            let bound = current[path: "spec", "nodeName"]?.stringValue ?? ""
            if !bound.isEmpty {
                throw StatusError.conflict(bindingResource, name: name, message: "pod \(name) is already assigned to node \"\(bound)\"")
            }
            var spec = current["spec"] ?? .object([:])
            spec.setMember("nodeName", .string(node))
            current.setMember("spec", spec)
            var status = current["status"] ?? .object([:])
            var conditions = (status["conditions"]?.arrayValue ?? []).filter { $0["type"]?.stringValue != "PodScheduled" }
            conditions.append(["type": "PodScheduled", "status": "True", "lastProbeTime": .null, "lastTransitionTime": .string(Time.now().description)])
            status.setMember("conditions", .array(conditions))
            current.setMember("status", status)
            current.updateMetadata { $0.removeValue(forKey: "resourceVersion") }
            return current
        }
        let success: JSONValue = ["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Success", "code": 201]
        return ResponseEncoding.json(success.serialized(), status: .created)
    }
}
