import HTTPTypes
import KubeAPI

/// The REST handler for resource requests (`/api/v1/...`, `/apis/G/V/...`): one code path for
/// every resource in a ``ResourceRegistry``.
///
/// Serves get, list, watch, create, update, patch, delete and deletecollection as each
/// descriptor allows (405 otherwise), the `status`, `scale`, namespace `finalize` and pod
/// `binding` subresources, and answers every failure with a Kubernetes `Status`. Requests for
/// non-resource paths or unknown resources get 404.
public struct ResourceHandler: APIHandler {
    /// The resources served.
    public let registry: ResourceRegistry
    /// Makes Tables for `kubectl get`; without one, Table requests fall back to JSON or 406.
    public var tableConvertor: (any TableConvertor)?
    /// Finds unknown fields for `fieldValidation`; without one only top-level fields are checked.
    public var fieldValidator: (any FieldValidator)?
    /// Handlers for virtual resources and subresources this handler does not implement,
    /// keyed `group/resource` or `group/resource/subresource` (`/pods/log`, `authentication.k8s.io/tokenreviews`).
    public var overrides: [String: any APIHandler]
    /// How often a watch that allows bookmarks gets one.
    public var bookmarkInterval: Duration
    /// The longest a watch runs when the client gives no `timeoutSeconds`.
    public var maximumWatchDuration: Duration

    /// Creates the handler.
    public init(
        registry: ResourceRegistry, tableConvertor: (any TableConvertor)? = nil, fieldValidator: (any FieldValidator)? = nil,
        overrides: [String: any APIHandler] = [:], bookmarkInterval: Duration = .seconds(60),
        maximumWatchDuration: Duration = .seconds(1800)
    ) {
        self.registry = registry
        self.tableConvertor = tableConvertor
        self.fieldValidator = fieldValidator
        self.overrides = overrides
        self.bookmarkInterval = bookmarkInterval
        self.maximumWatchDuration = maximumWatchDuration
    }

    /// Answers a request; never throws.
    public func handle(_ request: APIRequest) async -> APIResponse {
        let info = RequestInfo(method: request.method, path: request.path, query: request.query)
        do {
            return try await route(request, info: info)
        } catch let error as StatusError {
            return ResponseEncoding.failure(error)
        } catch {
            return ResponseEncoding.failure(.internalError("\(error)"))
        }
    }

    static let notFoundPath = StatusError(code: 404, reason: .notFound, message: "the server could not find the requested resource")

    func route(_ request: APIRequest, info: RequestInfo) async throws -> APIResponse {
        guard info.isResourceRequest, !info.resource.isEmpty else { throw Self.notFoundPath }
        let overrideKey = "\(info.apiGroup)/\(info.resource)"
        if !info.subresource.isEmpty, let handler = overrides["\(overrideKey)/\(info.subresource)"] {
            return await handler.handle(request)
        }
        if let handler = overrides[overrideKey] { return await handler.handle(request) }
        guard let descriptor = registry.descriptor(group: info.apiGroup, version: info.apiVersion, resource: info.resource) else {
            throw Self.notFoundPath
        }
        if !descriptor.namespaced && !info.namespace.isEmpty && !(info.resource == "namespaces" && descriptor.group.isEmpty) {
            throw Self.notFoundPath
        }
        if info.resource == "bindings" && descriptor.group.isEmpty {
            guard request.method == .post else { throw StatusError.methodNotAllowed(GroupResource(group: "", resource: "bindings"), action: info.verb) }
            return try await bind(request, namespace: info.namespace, podName: nil)
        }
        guard let store = registry.store(group: info.apiGroup, version: info.apiVersion, resource: info.resource) else {
            throw StatusError.methodNotAllowed(GroupResource(group: descriptor.group, resource: descriptor.resource), action: info.verb)
        }
        // RequestInfo reads /api/v1/namespaces/NAME as namespace NAME; the object is cluster-scoped.
        let namespace = descriptor.namespaced ? info.namespace : ""
        let name = info.name
        let subresource = info.subresource
        let verb = info.verb
        if descriptor.namespaced && namespace.isEmpty && !["list", "watch"].contains(verb) { throw Self.notFoundPath }
        let gr = store.groupResource

        if !subresource.isEmpty {
            guard let sub = descriptor.subresource(subresource) else { throw Self.notFoundPath }
            let subVerb = verb
            guard sub.verbs.contains(subVerb) || (subresource == "binding" && request.method == .post) else {
                throw StatusError.methodNotAllowed(gr, action: subVerb)
            }
            switch subresource {
            case "status":
                return try await handleStatus(request, store: store, verb: subVerb, namespace: namespace, name: name)
            case "scale":
                return try await handleScale(request, store: store, verb: subVerb, namespace: namespace, name: name)
            case "finalize":
                let body = try decodeObject(request, descriptor: descriptor)
                let (object, _) = try await store.update(namespace: "", name: name, object: body, target: .finalize, dryRun: try dryRun(request))
                return try respond(request, object: object, descriptor: descriptor)
            case "binding" where descriptor.group.isEmpty && descriptor.resource == "pods":
                return try await bind(request, namespace: namespace, podName: name)
            default:
                throw Self.notFoundPath
            }
        }

        guard descriptor.supports(verb) else { throw StatusError.methodNotAllowed(gr, action: verb) }
        switch verb {
        case "get":
            let object = try await store.get(namespace: namespace, name: name, resourceVersion: request.queryValue("resourceVersion"))
            return try respond(request, object: object, descriptor: descriptor)
        case "list":
            return try await list(request, store: store, namespace: namespace)
        case "watch":
            return try await watch(request, store: store, namespace: namespace, name: name)
        case "create":
            let body = try decodeObject(request, descriptor: descriptor)
            let warnings = try checkFields(request, object: body, descriptor: descriptor)
            let tracked = try recordCreate(request, object: body, descriptor: descriptor)
            let object = try await store.create(namespace: namespace, object: tracked, dryRun: try dryRun(request))
            return try respond(request, object: object, descriptor: descriptor, status: .created, warnings: warnings)
        case "update":
            let body = try decodeObject(request, descriptor: descriptor)
            let warnings = try checkFields(request, object: body, descriptor: descriptor)
            let (object, created) = try await store.update(
                namespace: namespace, name: name, object: body, dryRun: try dryRun(request),
                prepare: try updateRecorder(request, descriptor: descriptor, target: .main))
            return try respond(request, object: object, descriptor: descriptor, status: created ? .created : .ok, warnings: warnings)
        case "patch":
            return try await patch(request, store: store, namespace: namespace, name: name, target: .main)
        case "delete":
            return try await delete(request, store: store, namespace: namespace, name: name)
        case "deletecollection":
            let filter = try listFilter(request, namespace: namespace)
            let objects = try await store.deleteCollection(filter: filter, options: try deleteOptions(request), dryRun: try dryRun(request))
            let meta = ResponseEncoding.listMetadata(revision: registry.cache.revision, continueToken: nil, remaining: nil)
            return ResponseEncoding.json(ResponseEncoding.list(kind: descriptor.listKind, apiVersion: descriptor.apiVersion, metadata: meta, objects: objects))
        default:
            throw StatusError.methodNotAllowed(gr, action: verb)
        }
    }
}
