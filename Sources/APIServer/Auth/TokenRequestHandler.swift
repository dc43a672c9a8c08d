import KubeAPI

/// Serves `serviceaccounts/token` (what `kubectl create token` calls): validates a
/// TokenRequest, issues a service-account token and returns the request with `status.token` and
/// `status.expirationTimestamp` filled. The REST layer resolves the service account and calls
/// ``issue(_:namespace:serviceAccountName:serviceAccountUID:)``.
public struct TokenRequestHandler: Sendable {
    /// The default lifetime, in seconds.
    public static let defaultExpirationSeconds = 3600
    /// The shortest lifetime a request may ask for (10 minutes).
    public static let minimumExpirationSeconds = 600
    /// The longest lifetime a request may ask for (2^32 seconds).
    public static let maximumExpirationSeconds = 1 << 32

    /// What the REST layer knows about the object a token is bound to.
    public struct BoundObject: Sendable, Hashable {
        /// The object's uid.
        public var uid: String
        /// For a pod, the node it is scheduled to, if any.
        public var nodeName: String?
        /// That node's uid, if known.
        public var nodeUID: String?

        /// Creates a description.
        public init(uid: String, nodeName: String? = nil, nodeUID: String? = nil) {
            self.uid = uid
            self.nodeName = nodeName
            self.nodeUID = nodeUID
        }
    }

    /// Finds the object a token is to be bound to: `kind` (`Pod`, `Secret`, `Node`), namespace
    /// (empty for nodes) and name; `nil` when it does not exist.
    public typealias BoundObjectLookup = @Sendable (_ kind: String, _ namespace: String, _ name: String) async throws -> BoundObject?

    /// Signs the tokens.
    public let issuer: ServiceAccountTokenIssuer
    /// Resolves bound objects.
    public let boundObject: BoundObjectLookup

    /// Creates the handler.
    public init(issuer: ServiceAccountTokenIssuer, boundObject: @escaping BoundObjectLookup) {
        self.issuer = issuer
        self.boundObject = boundObject
    }

    /// Issues a token for the service account `namespace/serviceAccountName`.
    ///
    /// - Throws: 422 `Invalid` for an out-of-range `expirationSeconds` or an unsupported
    ///   `boundObjectRef`; 404 when the bound object does not exist; 409 when its uid differs
    ///   from the reference's; 500 if signing fails.
    public func issue(
        _ request: AuthenticationV1.TokenRequest, namespace: String, serviceAccountName: String, serviceAccountUID: String
    ) async throws(StatusError) -> AuthenticationV1.TokenRequest {
        var spec = request.spec ?? AuthenticationV1.TokenRequestSpec()
        let kind = GroupKind(group: "authentication.k8s.io", kind: "TokenRequest")
        let seconds = spec.expirationSeconds ?? Self.defaultExpirationSeconds
        var errors: [FieldError] = []
        if seconds < Self.minimumExpirationSeconds {
            errors.append(.invalid("spec.expirationSeconds", value: .int(Int64(seconds)), detail: "may not specify a duration less than 10 minutes"))
        } else if seconds > Self.maximumExpirationSeconds {
            errors.append(.invalid("spec.expirationSeconds", value: .int(Int64(seconds)), detail: "may not specify a duration larger than 2^32 seconds"))
        }
        var pod: ServiceAccountTokenClaims.BoundObject?
        var node: ServiceAccountTokenClaims.BoundObject?
        var secret: ServiceAccountTokenClaims.BoundObject?
        if let ref = spec.boundObjectRef {
            let refKind = ref.kind ?? ""
            let refName = ref.name ?? ""
            if !["Pod", "Secret", "Node"].contains(refKind) {
                errors.append(.notSupported("spec.boundObjectRef.kind", value: .string(refKind), supported: ["Pod", "Node", "Secret"]))
            }
            if let version = ref.apiVersion, version != "v1" {
                errors.append(.invalid("spec.boundObjectRef.apiVersion", value: .string(version), detail: "must be v1"))
            }
            if refName.isEmpty { errors.append(.required("spec.boundObjectRef.name")) }
            if errors.isEmpty {
                let objectNamespace = refKind == "Node" ? "" : namespace
                let found: BoundObject?
                do {
                    found = try await boundObject(refKind, objectNamespace, refName)
                } catch let error as StatusError {
                    throw error
                } catch {
                    throw StatusError.internalError("looking up the bound object: \(error)")
                }
                let resource = GroupResource(group: "", resource: refKind.lowercased() + "s")
                guard let found else { throw StatusError.notFound(resource, name: refName) }
                if let uid = ref.uid, !uid.isEmpty, uid != found.uid {
                    throw StatusError.conflict(
                        resource, name: refName,
                        message: "the UID in the bound object reference (\(uid)) does not match the UID in record. The object might have been deleted and then recreated")
                }
                let bound = ServiceAccountTokenClaims.BoundObject(name: refName, uid: found.uid)
                switch refKind {
                case "Pod":
                    pod = bound
                    if let nodeName = found.nodeName, !nodeName.isEmpty {
                        node = ServiceAccountTokenClaims.BoundObject(name: nodeName, uid: found.nodeUID ?? "")
                    }
                case "Node": node = bound
                default: secret = bound
                }
            }
        }
        guard errors.isEmpty else { throw StatusError.invalid(kind, name: request.metadata.name ?? serviceAccountName, errors: errors) }

        let issued: (token: String, claims: ServiceAccountTokenClaims)
        do {
            issued = try issuer.issue(
                namespace: namespace, name: serviceAccountName, uid: serviceAccountUID,
                audiences: spec.audiences ?? [], expirationSeconds: Int64(seconds), pod: pod, node: node, secret: secret)
        } catch {
            throw StatusError.internalError("failed to sign the service account token: \(error)")
        }
        spec.audiences = issued.claims.audiences
        spec.expirationSeconds = seconds
        var response = request
        response.apiVersion = "authentication.k8s.io/v1"
        response.kind = "TokenRequest"
        response.metadata.name = serviceAccountName
        response.metadata.namespace = namespace
        response.metadata.creationTimestamp = Time(secondsSinceEpoch: issued.claims.issuedAt)
        response.spec = spec
        response.status = AuthenticationV1.TokenRequestStatus(
            expirationTimestamp: Time(secondsSinceEpoch: issued.claims.expiresAt), token: issued.token)
        return response
    }
}
