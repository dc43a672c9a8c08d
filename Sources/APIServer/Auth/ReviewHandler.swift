import HTTPTypes
import KubeAPI

/// Serves the create-only review resources: `authorization.k8s.io/v1` SelfSubjectAccessReview,
/// SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectRulesReview, and
/// `authentication.k8s.io/v1` TokenReview and SelfSubjectReview. Each POST answers 201 with the
/// submitted object and its `status` filled in.
///
/// It runs behind the authentication and authorization handlers (`request.user` is set, and
/// RBAC has already decided whether the caller may create the review).
public struct ReviewHandler: APIHandler {
    /// The review resources served.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `selfsubjectaccessreviews`.
        case selfSubjectAccessReview = "selfsubjectaccessreviews"
        /// `subjectaccessreviews`.
        case subjectAccessReview = "subjectaccessreviews"
        /// `localsubjectaccessreviews` (namespaced).
        case localSubjectAccessReview = "localsubjectaccessreviews"
        /// `selfsubjectrulesreviews`.
        case selfSubjectRulesReview = "selfsubjectrulesreviews"
        /// `tokenreviews`.
        case tokenReview = "tokenreviews"
        /// `selfsubjectreviews`.
        case selfSubjectReview = "selfsubjectreviews"

        /// The API group.
        public var group: String {
            switch self {
            case .tokenReview, .selfSubjectReview: "authentication.k8s.io"
            default: "authorization.k8s.io"
            }
        }

        /// The kind name.
        public var kindName: String {
            switch self {
            case .selfSubjectAccessReview: "SelfSubjectAccessReview"
            case .subjectAccessReview: "SubjectAccessReview"
            case .localSubjectAccessReview: "LocalSubjectAccessReview"
            case .selfSubjectRulesReview: "SelfSubjectRulesReview"
            case .tokenReview: "TokenReview"
            case .selfSubjectReview: "SelfSubjectReview"
            }
        }
    }

    /// Decides access reviews (normally the same ``AuthorizerChain`` the server uses).
    public var authorizer: any Authorizer
    /// Lists rules for rules reviews.
    public var ruleResolver: any RuleResolver
    /// Checks tokens for TokenReview (normally a ``BearerTokenAuthenticator``).
    public var tokenAuthenticator: any TokenAuthenticator

    /// Creates the handler.
    public init(authorizer: any Authorizer, ruleResolver: any RuleResolver, tokenAuthenticator: any TokenAuthenticator) {
        self.authorizer = authorizer
        self.ruleResolver = ruleResolver
        self.tokenAuthenticator = tokenAuthenticator
    }

    /// Which review a request path names, with the URL namespace for local reviews; `nil` for
    /// other paths.
    public static func route(_ path: String) -> (kind: Kind, namespace: String)? {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 4, parts[0] == "apis", parts[2] == "v1" else { return nil }
        if parts.count == 4, let kind = Kind(rawValue: parts[3]), kind.group == parts[1], kind != .localSubjectAccessReview {
            return (kind, "")
        }
        if parts.count == 6, parts[1] == "authorization.k8s.io", parts[3] == "namespaces", parts[5] == Kind.localSubjectAccessReview.rawValue {
            return (.localSubjectAccessReview, parts[4])
        }
        return nil
    }

    /// Answers a review POST; 404 for paths that are not reviews, 405 for other methods.
    public func handle(_ request: APIRequest) async -> APIResponse {
        guard let route = Self.route(request.path) else {
            return AuthResponses.status(.notFound(GroupResource(group: "", resource: ""), name: request.path))
        }
        let kind = route.kind
        guard request.method == .post else {
            return AuthResponses.status(.methodNotAllowed(GroupResource(group: kind.group, resource: kind.rawValue), action: request.method.rawValue))
        }
        guard let user = request.user else {
            return AuthResponses.status(.unauthorized(AuthenticatorChain.unauthorizedMessage))
        }
        do {
            let body: JSONValue
            do {
                body = try JSONValue(parsing: request.body)
            } catch {
                throw StatusError.badRequest("the body of the request was in an unknown format - accepted media types include: application/json")
            }
            if let bodyKind = body["kind"]?.stringValue, bodyKind != kind.kindName {
                throw StatusError.badRequest("the kind of the body (\(bodyKind)) does not match the URL (\(kind.kindName))")
            }
            let result = try await review(kind, body: body, namespace: route.namespace, user: user)
            return AuthResponses.json(result, status: .created)
        } catch let error as StatusError {
            return AuthResponses.status(error)
        } catch {
            return AuthResponses.status(.badRequest("\(error)"))
        }
    }

    /// Runs one review on a decoded body and returns the answer object.
    ///
    /// - Throws: `StatusError` 400 for a body that does not decode, 422 for an invalid spec.
    public func review(_ kind: Kind, body: JSONValue, namespace: String, user: UserInfo) async throws -> JSONValue {
        func decode<T: Decodable>(_: T.Type) throws -> T {
            do { return try body.decode(T.self) } catch {
                throw StatusError.badRequest("unable to decode \(kind.kindName): \(error)")
            }
        }
        switch kind {
        case .selfSubjectAccessReview:
            var object = try decode(AuthorizationV1.SelfSubjectAccessReview.self)
            let spec = object.spec ?? AuthorizationV1.SelfSubjectAccessReviewSpec()
            let info = try Self.requestInfo(
                resource: spec.resourceAttributes, nonResource: spec.nonResourceAttributes, kind: kind, name: object.metadata.name)
            object.status = await accessStatus(user: user, request: info)
            object.kind = kind.kindName
            object.apiVersion = "\(kind.group)/v1"
            return try JSONValue(encoding: object)
        case .subjectAccessReview, .localSubjectAccessReview:
            var object = try decode(AuthorizationV1.SubjectAccessReview.self)
            let spec = object.spec ?? AuthorizationV1.SubjectAccessReviewSpec()
            let name = object.metadata.name
            if kind == .localSubjectAccessReview {
                if let given = object.metadata.namespace, !given.isEmpty, given != namespace {
                    throw StatusError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
                }
                object.metadata.namespace = namespace
                if spec.nonResourceAttributes != nil {
                    throw Self.invalid(kind, name: name, .invalid("spec.nonResourceAttributes", value: "", detail: "disallowed on this kind of request"))
                }
                if let attributes = spec.resourceAttributes, (attributes.namespace ?? "") != namespace {
                    throw Self.invalid(kind, name: name, .invalid("spec.resourceAttributes.namespace", value: .string(attributes.namespace ?? ""), detail: "must match metadata.namespace"))
                }
            }
            let subject = spec.user ?? ""
            if subject.isEmpty && (spec.groups ?? []).isEmpty {
                throw Self.invalid(kind, name: name, .invalid("spec.user", value: "", detail: "at least one of user or group must be specified"))
            }
            let info = try Self.requestInfo(resource: spec.resourceAttributes, nonResource: spec.nonResourceAttributes, kind: kind, name: name)
            let reviewed = UserInfo(name: subject, uid: spec.uid, groups: spec.groups ?? [], extra: spec.extra ?? [:])
            object.status = await accessStatus(user: reviewed, request: info)
            object.kind = kind.kindName
            object.apiVersion = "\(kind.group)/v1"
            return try JSONValue(encoding: object)
        case .selfSubjectRulesReview:
            var object = try decode(AuthorizationV1.SelfSubjectRulesReview.self)
            let rules = await ruleResolver.rules(for: user, namespace: object.spec?.namespace ?? "")
            object.status = AuthorizationV1.SubjectRulesReviewStatus(
                evaluationError: rules.evaluationErrors.isEmpty ? nil : rules.evaluationErrors.joined(separator: ", "),
                incomplete: !rules.evaluationErrors.isEmpty,
                nonResourceRules: rules.nonResourceRules, resourceRules: rules.resourceRules)
            object.kind = kind.kindName
            object.apiVersion = "\(kind.group)/v1"
            return try JSONValue(encoding: object)
        case .tokenReview:
            var object = try decode(AuthenticationV1.TokenReview.self)
            guard let token = object.spec?.token, !token.isEmpty else {
                throw StatusError.badRequest("token is required for TokenReview in authentication")
            }
            let requested = object.spec?.audiences.flatMap { $0.isEmpty ? nil : $0 }
            do {
                if let result = try await tokenAuthenticator.authenticate(token: token, audiences: requested) {
                    object.status = AuthenticationV1.TokenReviewStatus(
                        audiences: result.audiences.isEmpty ? nil : result.audiences, authenticated: true,
                        user: Self.userInfo(result.user))
                } else {
                    object.status = AuthenticationV1.TokenReviewStatus(authenticated: false, error: "invalid bearer token")
                }
            } catch let error as StatusError {
                object.status = AuthenticationV1.TokenReviewStatus(authenticated: false, error: error.message)
            } catch {
                object.status = AuthenticationV1.TokenReviewStatus(authenticated: false, error: "\(error)")
            }
            object.kind = kind.kindName
            object.apiVersion = "\(kind.group)/v1"
            return try JSONValue(encoding: object)
        case .selfSubjectReview:
            var object = try decode(AuthenticationV1.SelfSubjectReview.self)
            object.status = AuthenticationV1.SelfSubjectReviewStatus(userInfo: Self.userInfo(user))
            object.kind = kind.kindName
            object.apiVersion = "\(kind.group)/v1"
            return try JSONValue(encoding: object)
        }
    }

    /// The access decision as a review status: `allowed`, `denied` (only for an explicit deny)
    /// and the authorizer's reason.
    func accessStatus(user: UserInfo, request: RequestInfo) async -> AuthorizationV1.SubjectAccessReviewStatus {
        let decision = await authorizer.authorize(AuthorizationAttributes(user: user, request: request))
        var status = AuthorizationV1.SubjectAccessReviewStatus(allowed: decision.isAllowed)
        if case .deny = decision { status.denied = true }
        if !decision.reason.isEmpty { status.reason = decision.reason }
        return status
    }

    /// The authentication API's form of a user.
    static func userInfo(_ user: UserInfo) -> AuthenticationV1.UserInfo {
        AuthenticationV1.UserInfo(
            extra: user.extra.isEmpty ? nil : user.extra, groups: user.groups.isEmpty ? nil : user.groups,
            uid: user.uid, username: user.name)
    }

    /// The request an access review asks about; exactly one of the attribute sets must be given.
    static func requestInfo(
        resource: AuthorizationV1.ResourceAttributes?, nonResource: AuthorizationV1.NonResourceAttributes?, kind: Kind, name: String?
    ) throws -> RequestInfo {
        switch (resource, nonResource) {
        case (let attributes?, nil):
            return .resource(
                verb: attributes.verb ?? "", group: attributes.group ?? "", version: attributes.version ?? "",
                resource: attributes.resource ?? "", subresource: attributes.subresource ?? "",
                namespace: attributes.namespace ?? "", name: attributes.name ?? "")
        case (nil, let attributes?):
            return .nonResource(verb: attributes.verb ?? "", path: attributes.path ?? "")
        case (nil, nil):
            throw invalid(kind, name: name, .required("spec.resourceAttributes", detail: "one of resourceAttributes or nonResourceAttributes must be specified"))
        default:
            throw invalid(kind, name: name, .invalid("spec.resourceAttributes", value: "", detail: "cannot be specified in combination with nonResourceAttributes"))
        }
    }

    static func invalid(_ kind: Kind, name: String?, _ error: FieldError) -> StatusError {
        .invalid(GroupKind(group: kind.group, kind: kind.kindName), name: name ?? "", errors: [error])
    }
}
