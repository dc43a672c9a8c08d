import Datastore
import HTTPTypes
import KubeAPI
import KubeClient
import Logging
import Synchronization

/// The Kubernetes API server assembled from its parts: HTTPS transport → metrics →
/// authentication → authorization → router (system endpoints, discovery, OpenAPI, reviews, the
/// generic REST handler) over one ``ResourceRegistry`` and its watch cache.
///
/// On start it loads the registry, creates the default namespaces and the bootstrap RBAC policy
/// if they are missing, and keeps the RBAC authorizer in step with the stored roles and bindings.
public final class KubeAPIServer: Sendable {
    /// What the server needs from the outside: where to listen, its TLS material and the
    /// credentials it accepts.
    public struct Configuration: Sendable {
        /// The address to bind (`0.0.0.0`, `127.0.0.1`).
        public var host: String
        /// The port; 0 picks a free one (read it from ``bind()``).
        public var port: Int
        /// Serving certificate chain, key, and the CA that client certificates must chain to;
        /// `nil` for a server that only answers in-process clients (no listener).
        public var tls: TLSCredentials?
        /// Signs and verifies service-account tokens.
        public var serviceAccountKey: ServiceAccountSigningKey
        /// The contents of `--token-auth-file`, if given.
        public var tokenAuthFile: String?
        /// The server token (K10 form or bare secret), accepted as a bearer token for `system:masters`.
        public var serverToken: String?
        /// The network Service cluster IPs come from (`--service-cidr`).
        public var serviceIPRange: ServiceIPRange
        /// The range NodePort Services get their ports from (`--service-node-port-range`).
        public var serviceNodePortRange: ClosedRange<Int>
        /// Serves `/cacerts` and `/v1-k3s/node-certificate` for joining nodes when set.
        public var nodeJoin: NodeJoinConfiguration?
        /// What `/version` reports.
        public var version: VersionInfo
        /// How to reach kubelets for `pods/log`, `exec`, `attach`, `portforward` and
        /// `nodes/proxy`; without it those answer 503.
        public var kubeletClient: KubeletClientConfiguration?
        /// Serves `metrics.k8s.io` (`kubectl top`) from this source when set (`nil` by default).
        public var resourceMetrics: (any ResourceMetricsSource)? = nil

        /// Creates a configuration.
        public init(
            host: String, port: Int, tls: TLSCredentials?, serviceAccountKey: ServiceAccountSigningKey,
            tokenAuthFile: String? = nil, serverToken: String? = nil,
            serviceIPRange: ServiceIPRange = .default, serviceNodePortRange: ClosedRange<Int> = 30000...32767,
            nodeJoin: NodeJoinConfiguration? = nil, version: VersionInfo = VersionInfo(),
            kubeletClient: KubeletClientConfiguration? = nil
        ) {
            self.host = host
            self.port = port
            self.tls = tls
            self.serviceAccountKey = serviceAccountKey
            self.tokenAuthFile = tokenAuthFile
            self.serverToken = serverToken
            self.serviceIPRange = serviceIPRange
            self.serviceNodePortRange = serviceNodePortRange
            self.nodeJoin = nodeJoin
            self.version = version
            self.kubeletClient = kubeletClient
        }
    }

    /// The namespaces every cluster has from its first start.
    public static let defaultNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"]

    /// The stored resources.
    public let registry: ResourceRegistry
    /// The REST handler over ``registry`` (also usable in-process, without the transport).
    public let resources: ResourceHandler
    /// The full handler chain, as the transport calls it.
    public let handler: any APIHandler
    /// The chain after authentication (authorization, routing, admission, storage): where
    /// in-process clients enter with an identity already established.
    public let authorizedHandler: any APIHandler
    let transport: HTTPSServer?
    /// Ends ``run()`` of a server without a listener.
    let stopped = Latch()
    /// Opens once ``run()`` has loaded the registry and bootstrapped (what `/readyz` reports).
    let readyLatch = Latch()
    let rbac: RBACAuthorizer
    /// Serves CustomResourceDefinitions' resources.
    public let customResources: CustomResourceController
    let system: SystemEndpoints
    let logger: Logger
    let ready: ReadyFlag
    /// Cluster IPs and node ports of Services.
    public let serviceAllocator: ServiceAllocator
    let securePort: Mutex<Int>
    /// The `metrics.k8s.io` routes (served once a source is set).
    let resourceMetrics: ResourceMetricsEndpoint
    /// The `k3s secrets-encrypt` routes (served once a controller is set).
    let secretsEncryption = SecretsEncryptionEndpoint()

    /// Assembles the server; nothing listens until ``bind()`` or ``run()``.
    public init(configuration: Configuration, datastore: any Datastore, logger: Logger) throws {
        self.logger = logger
        let serviceAllocator = ServiceAllocator(serviceIPRange: configuration.serviceIPRange, nodePortRange: configuration.serviceNodePortRange)
        self.serviceAllocator = serviceAllocator
        self.securePort = Mutex(configuration.port)
        let ready = ReadyFlag()
        self.ready = ready
        let lookup = InProcessLookup()
        let customCatalog = CustomResourceCatalog()
        let hooks = customCatalog.registryHooks(
            chaining: RegistryHooks(admission: .builtin(services: serviceAllocator, priorityClass: { name in
                try await lookup.object(path: "/apis/scheduling.k8s.io/v1/priorityclasses/\(name)")
            }, priorityClasses: {
                try await lookup.object(path: "/apis/scheduling.k8s.io/v1/priorityclasses")?["items"]?.arrayValue ?? []
            }, ingressClasses: {
                try await lookup.object(path: "/apis/networking.k8s.io/v1/ingressclasses")?["items"]?.arrayValue ?? []
            }, storageClasses: {
                try await lookup.object(path: "/apis/storage.k8s.io/v1/storageclasses")?["items"]?.arrayValue ?? []
            })),
            pruneBuiltins: { ready.value.withLock { $0 } })
        let registry = ResourceRegistry(datastore: datastore, hooks: hooks, logger: logger)
        self.registry = registry
        let catalog = DiscoveryCatalog(registry.descriptors)
        let openAPI = OpenAPIService(catalog: catalog)
        self.customResources = CustomResourceController(
            registry: registry, discovery: catalog, openAPI: openAPI, catalog: customCatalog, logger: logger)
        let metrics = APIMetrics()
        let system = SystemEndpoints(version: configuration.version, metrics: metrics)
        self.system = system

        // Authentication: client certificates, then bearer tokens.
        var tokenAuthenticators: [any TokenAuthenticator] = []
        if let file = configuration.tokenAuthFile {
            tokenAuthenticators.append(try TokenFileAuthenticator(parsing: file))
        }
        if let token = configuration.serverToken {
            tokenAuthenticators.append(NodeTokenAuthenticator(token: token))
        }
        let bootstrapTokens = BootstrapTokenAuthenticator(secret: { name in
            try await lookup.object(path: "/api/v1/namespaces/\(BootstrapToken.namespace)/secrets/\(name)")
        })
        tokenAuthenticators.append(bootstrapTokens)
        tokenAuthenticators.append(
            ServiceAccountTokenAuthenticator(
                keys: [configuration.serviceAccountKey.publicKey],
                serviceAccountUID: { namespace, name in
                    try await lookup.uid(path: "/api/v1/namespaces/\(namespace)/serviceaccounts/\(name)")
                },
                podUID: { namespace, name in
                    try await lookup.uid(path: "/api/v1/namespaces/\(namespace)/pods/\(name)")
                },
                secretUID: { namespace, name in
                    try await lookup.uid(path: "/api/v1/namespaces/\(namespace)/secrets/\(name)")
                }
            )
        )
        let tokens = BearerTokenAuthenticator(tokenAuthenticators)
        let authenticator = AuthenticatorChain([X509Authenticator(), tokens])

        // Authorization: system:masters, then nodes by their pods, then RBAC (bootstrap policy
        // until the store's arrives).
        let rbac = RBACAuthorizer(policy: BootstrapPolicy.policy())
        self.rbac = rbac
        let nodes = NodeAuthorizer(
            pod: { namespace, name in try await lookup.object(path: "/api/v1/namespaces/\(namespace)/pods/\(name)") },
            podsOnNode: { node in
                try await lookup.list(path: "/api/v1/pods", query: [(name: "fieldSelector", value: "spec.nodeName=\(node)")])
            },
            persistentVolume: { name in try await lookup.object(path: "/api/v1/persistentvolumes/\(name)") }
        )
        let authorizer = AuthorizerChain([SuperuserAuthorizer(), nodes, rbac])

        // Reviews and TokenRequest are virtual resources answered by their own handlers.
        let reviews = ReviewHandler(authorizer: authorizer, ruleResolver: authorizer, tokenAuthenticator: tokens)
        let issuer = ServiceAccountTokenIssuer(key: configuration.serviceAccountKey)
        var overrides: [String: any APIHandler] = [:]
        for resource in ["selfsubjectaccessreviews", "subjectaccessreviews", "selfsubjectrulesreviews", "localsubjectaccessreviews"] {
            overrides["authorization.k8s.io/\(resource)"] = reviews
        }
        for resource in ["tokenreviews", "selfsubjectreviews"] {
            overrides["authentication.k8s.io/\(resource)"] = reviews
        }
        overrides["/serviceaccounts/token"] = ServiceAccountTokenHandler(
            issuer: TokenRequestHandler(issuer: issuer, boundObject: { kind, namespace, name in
                let resource = kind == "Pod" ? "pods" : kind == "Secret" ? "secrets" : kind == "Node" ? "nodes" : ""
                guard !resource.isEmpty else { return nil }
                let path = resource == "nodes" ? "/api/v1/nodes/\(name)" : "/api/v1/namespaces/\(namespace)/\(resource)/\(name)"
                guard let uid = try await lookup.uid(path: path) else { return nil }
                return .init(uid: uid)
            }),
            lookup: lookup
        )

        let proxy = try SubresourceProxyHandler(
            registry: registry, kubelet: configuration.kubeletClient, authorizer: authorizer, logger: logger)
        for key in SubresourceProxyHandler.overrideKeys { overrides[key] = proxy }

        overrides["/pods/eviction"] = EvictionHandler(registry: registry)
        let resourceMetrics = ResourceMetricsEndpoint(registry: registry, catalog: catalog)
        self.resourceMetrics = resourceMetrics
        for descriptor in ResourceMetricsHandler.descriptors { overrides["\(descriptor.group)/\(descriptor.resource)"] = resourceMetrics }
        if let source = configuration.resourceMetrics { resourceMetrics.serve(source) }
        var resources = ResourceHandler(
            registry: registry, tableConvertor: CustomResourceTableConvertor(catalog: customCatalog),
            fieldValidator: SchemaFieldValidator(catalog: customCatalog), overrides: overrides
        )
        resources.overrides["apiextensions.k8s.io/customresourcedefinitions"] = CustomResourceDefinitionHandler(next: resources)
        self.resources = resources
        lookup.handler.withLock { $0 = resources }

        let discovery = DiscoveryHandler(catalog: catalog)
        let openAPIHandler = OpenAPIHandler(service: openAPI)
        let secretsEncryption = self.secretsEncryption
        let router = APIRouter(
            routes: [
                system,
                ClosureRoute { request in await secretsEncryption.respond(to: request) },
                ClosureRoute { request in
                    DiscoveryHandler.handles(path: request.path) ? await discovery.handle(request) : nil
                },
                ClosureRoute { request in
                    OpenAPIHandler.handles(path: request.path) ? await openAPIHandler.handle(request) : nil
                },
                HandlerRoute(resources),
            ]
        )
        let authorized = AuthorizationHandler(authorizer: authorizer, next: NodeRestrictionHandler(next: router))
        self.authorizedHandler = authorized
        let authenticated: any APIHandler = AuthenticationHandler(
            authenticator: authenticator, next: ImpersonationHandler(authorizer: authorizer, next: authorized))
        // The join endpoints answer before authentication: /cacerts is public and the
        // certificate endpoint checks join tokens itself.
        let joinable: any APIHandler = configuration.nodeJoin.map {
            NodeJoinHandler(configuration: $0, bootstrapTokens: bootstrapTokens, next: authenticated, logger: logger)
        } ?? authenticated
        let chain = ProtobufContentHandler(next: MetricsHandler(metrics: metrics, next: joinable))
        self.handler = chain
        self.transport = try configuration.tls.map { tls in
            try HTTPSServer(
                configuration: .init(host: configuration.host, port: configuration.port, tls: tls),
                handler: chain,
                logger: logger
            )
        }
        system.addCheck(.log(logger))
        system.addCheck(.datastore(datastore))
        let cache = registry.cache
        system.addCheck(.informerSync(cache))
        system.addCheck(name: "registry-loaded", probes: [.readyz]) { ready.value.withLock { $0 } }
    }

    /// Serves `k3s secrets-encrypt` (`/v1-k3s/encrypt/status` and `/v1-k3s/encrypt/config`)
    /// from `controller`.
    public func serveSecretsEncryption(_ controller: SecretsEncryptionController) {
        secretsEncryption.serve(controller)
    }

    /// Binds the listening socket; returns the port (useful with port 0).
    @discardableResult
    public func bind() async throws -> Int {
        guard let transport else { throw HTTPSServerError.notConfigured }
        let port = try await transport.bind()
        securePort.withLock { $0 = port }
        return port
    }

    /// Loads the registry, bootstraps default objects, keeps RBAC in step and serves until
    /// cancelled or ``shutdown()``.
    public func run() async throws {
        try await registry.start()
        try await rebuildAllocations()
        try await bootstrap()
        try await customResources.loadStored()
        ready.value.withLock { $0 = true }
        readyLatch.open()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.followRBAC() }
            group.addTask { await self.customResources.run() }
            // A server process of its own (not an in-process test cluster) trims its heap.
            if transport != nil { group.addTask { await HeapTrimmer().run() } }
            group.addTask {
                if let transport = self.transport {
                    try await transport.run()
                } else {
                    await self.stopped.wait()
                }
            }
            // When the transport returns (shutdown), stop following RBAC.
            try await group.next()
            group.cancelAll()
        }
        registry.stop()
    }

    /// Returns once ``run()`` has loaded stored objects and created the defaults (or at once
    /// when the calling task is cancelled).
    public func waitUntilReady() async {
        await readyLatch.wait()
    }

    /// A transport into this server that runs requests as `user` (same authorization and
    /// admission as a remote client, no sockets).
    public func transport(as user: UserInfo) -> InProcessTransport {
        InProcessTransport(handler: authorizedHandler, user: user)
    }

    /// Stops serving gracefully.
    public func shutdown() {
        transport?.shutdown()
        stopped.open()
    }

    /// Creates the default namespaces and the bootstrap RBAC objects that do not exist yet.
    func bootstrap() async throws {
        for name in Self.defaultNamespaces {
            let body: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
            try await createIfMissing(path: "/api/v1/namespaces", body: body)
        }
        // The policy objects are independent of each other: written concurrently, so the
        // datastore's group commit makes one durable write of many.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for object in try BootstrapPolicy.objects() {
                guard let kind = object["kind"]?.stringValue, let resource = Self.rbacResources[kind] else { continue }
                let namespace = object[path: "metadata", "namespace"]?.stringValue
                let path = namespace.map { "/apis/rbac.authorization.k8s.io/v1/namespaces/\($0)/\(resource)" }
                    ?? "/apis/rbac.authorization.k8s.io/v1/\(resource)"
                group.addTask { try await self.createIfMissing(path: path, body: object) }
            }
            try await group.waitForAll()
        }
        // Looked up first: a second create would be refused for its taken cluster IP before the
        // datastore could report that the Service exists.
        guard let services = registry.store(group: "", version: "v1", resource: "services") else { return }
        let wanted = kubernetesService()
        guard let existing = try? await services.get(namespace: "default", name: "kubernetes") else {
            try await createIfMissing(path: "/api/v1/namespaces/default/services", body: wanted)
            return
        }
        // The secure port may differ from the last start: keep the Service's port in step.
        if existing.value[path: "spec", "ports"] != wanted[path: "spec", "ports"] {
            _ = try await services.guaranteedUpdate(namespace: "default", name: "kubernetes") { current in
                guard var current else { throw StatusError.notFound(services.groupResource, name: "kubernetes") }
                var spec = current["spec"] ?? .object([:])
                spec.setMember("ports", wanted[path: "spec", "ports"])
                current.setMember("spec", spec)
                current.updateMetadata { $0.removeValue(forKey: "resourceVersion") }
                return current
            }
        }
    }

    /// The `kubernetes` Service in `default`: the first service IP, port 443 (`https`) to the
    /// secure port.
    func kubernetesService() -> JSONValue {
        let port = securePort.withLock { $0 }
        return [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "kubernetes", "namespace": "default", "labels": ["component": "apiserver", "provider": "kubernetes"]],
            "spec": [
                "type": "ClusterIP",
                "clusterIP": .string(serviceAllocator.serviceIPRange.apiServerServiceIP.description),
                "ports": [["name": "https", "protocol": "TCP", "port": 443, "targetPort": .int(Int64(port))]],
                "sessionAffinity": "None",
            ],
        ]
    }

    /// Marks the cluster IPs and node ports of every stored Service as taken.
    func rebuildAllocations() async throws {
        guard let services = registry.store(group: "", version: "v1", resource: "services") else { return }
        let page = try await services.list(filter: ListFilter(namespace: ""))
        await serviceAllocator.rebuild(from: page.objects.map(\.value))
    }

    static let rbacResources = [
        "ClusterRole": "clusterroles", "ClusterRoleBinding": "clusterrolebindings",
        "Role": "roles", "RoleBinding": "rolebindings",
    ]

    private func createIfMissing(path: String, body: JSONValue) async throws {
        let response = await resources.handle(
            APIRequest(
                method: .post, path: path, query: [(name: "fieldValidation", value: "Ignore")],
                headers: [.contentType: "application/json"], body: body.serialized())
        )
        guard response.status.code == 201 || response.status.code == 409 else {
            throw StatusError(code: response.status.code, reason: .internalError, message: "bootstrap of \(path) failed: \(response.bodyText)")
        }
    }

    /// Feeds every stored Role, ClusterRole and binding into the RBAC authorizer, then every change.
    func followRBAC() async {
        await withTaskGroup(of: Void.self) { group in
            for resource in ["clusterroles", "clusterrolebindings", "roles", "rolebindings"] {
                group.addTask { await self.follow(resource: resource) }
            }
        }
    }

    private func follow(resource: String) async {
        while !Task.isCancelled {
            let response = await resources.handle(
                APIRequest(
                    method: .get, path: "/apis/rbac.authorization.k8s.io/v1/\(resource)",
                    query: [("watch", "true"), ("resourceVersion", "0")]
                )
            )
            guard let stream = response.body.chunkStream() else { return }
            var pending: [UInt8] = []
            for await chunk in stream {
                pending += chunk
                // Every complete event in the chunk is applied in one batch: the initial state
                // arrives as many events at once, and aggregation then runs once, not per role.
                var changes: [(object: JSONValue, deleted: Bool)] = []
                var start = pending.startIndex
                while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[start..<newline]
                    start = newline + 1
                    guard let event = try? JSONValue(parsing: Array(line)), let type = event["type"]?.stringValue,
                          let object = event["object"]
                    else { continue }
                    guard type == "ADDED" || type == "MODIFIED" || type == "DELETED" else { continue }
                    changes.append((object, type == "DELETED"))
                }
                pending.removeSubrange(..<start)
                guard !changes.isEmpty else { continue }
                let errors = rbac.modify { policy in policy.apply(changes) }
                for error in errors { logger.warning("ignoring RBAC object: \(error)") }
            }
        }
    }
}

extension APIResponse {
    /// A complete body as text (for logs and error messages).
    var bodyText: String {
        if case .bytes(let bytes) = body { return String(decoding: bytes, as: UTF8.self) }
        return "<stream>"
    }
}

/// Whether start-up (registry load and bootstrap) has finished, for `/readyz`.
final class ReadyFlag: Sendable {
    let value = Mutex(false)
}
