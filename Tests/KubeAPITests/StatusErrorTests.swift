import Testing
@testable import KubeAPI

@Suite struct StatusErrorTests {
    static let pods = GroupResource(group: "", resource: "pods")
    static let deployments = GroupResource(group: "apps", resource: "deployments")

    @Test(arguments: [
        (StatusError.notFound(pods, name: "foo"), 404, StatusReason.notFound, #"pods "foo" not found"#),
        (.notFound(deployments, name: "foo"), 404, .notFound, #"deployments.apps "foo" not found"#),
        (.notFound(pods, name: "a\"b"), 404, .notFound, #"pods "a\"b" not found"#),
        (.alreadyExists(pods, name: "foo"), 409, .alreadyExists, #"pods "foo" already exists"#),
        (.conflict(pods, name: "foo"), 409, .conflict,
         #"Operation cannot be fulfilled on pods "foo": the object has been modified; please apply your changes to the latest version and try again"#),
        (.conflict(deployments, name: "web", message: "boom"), 409, .conflict, #"Operation cannot be fulfilled on deployments.apps "web": boom"#),
        (.badRequest("bad body"), 400, .badRequest, "bad body"),
        (.gone("gone away"), 410, .gone, "gone away"),
        (.tooOldResourceVersion(requested: 5, oldest: 10), 410, .expired, "too old resource version: 5 (10)"),
        (.expired("expired"), 410, .expired, "expired"),
        (.forbidden(pods, name: "foo", reason: StatusError.forbiddenReason(user: "bob", verb: "get", resource: "pods", group: "", namespace: "default")),
         403, .forbidden, #"pods "foo" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "default""#),
        (.forbidden(deployments, reason: StatusError.forbiddenReason(user: "bob", verb: "list", resource: "deployments", group: "apps")),
         403, .forbidden, #"deployments.apps is forbidden: User "bob" cannot list resource "deployments" in API group "apps" at the cluster scope"#),
        (.forbidden(pods, name: "p", reason: StatusError.forbiddenReason(user: "u", verb: "get", resource: "pods", subresource: "log", group: "", namespace: "ns", authorizerReason: "no RBAC policy matched")),
         403, .forbidden, #"pods "p" is forbidden: User "u" cannot get resource "pods/log" in API group "" in the namespace "ns": no RBAC policy matched"#),
        (.forbidden(GroupResource(group: "", resource: ""), reason: StatusError.forbiddenReason(user: "u", verb: "get", path: "/healthz")),
         403, .forbidden, #"forbidden: User "u" cannot get path "/healthz""#),
        (.unauthorized(), 401, .unauthorized, "not authorized"),
        (.unauthorized("Unauthorized"), 401, .unauthorized, "Unauthorized"),
        (.methodNotAllowed(pods, action: "watch"), 405, .methodNotAllowed, #"watch is not supported on resources of kind "pods""#),
        (.notAcceptable(acceptedMediaTypes: ["application/json", "application/yaml"]), 406, .notAcceptable,
         "only the following media types are accepted: application/json, application/yaml"),
        (.unsupportedMediaType(acceptedMediaTypes: ["application/json"]), 415, .unsupportedMediaType,
         "the body of the request was in an unknown format - accepted media types include: application/json"),
        (.tooManyRequests("slow down", retryAfterSeconds: 2), 429, .tooManyRequests, "slow down"),
        (.requestEntityTooLarge("limit is 3145728"), 413, .requestEntityTooLarge, "Request entity too large: limit is 3145728"),
        (.internalError("disk on fire"), 500, .internalError, "Internal error occurred: disk on fire"),
        (.timeout("request did not complete within 60s", retryAfterSeconds: 1), 504, .timeout, "Timeout: request did not complete within 60s"),
        (.serverTimeout(pods, operation: "create", retryAfterSeconds: 2), 500, .serverTimeout,
         "The create operation against pods could not be completed at this time, please try again."),
        (.serviceUnavailable("not ready"), 503, .serviceUnavailable, "not ready"),
    ])
    func constructors(error: StatusError, code: Int, reason: StatusReason, message: String) {
        #expect(error.code == code)
        #expect(error.reason == reason)
        #expect(error.message == message)
        #expect(error.description == message)
        // Every error survives the Status round trip.
        #expect(StatusError(statusJSON: error.statusJSON()) == error)
    }

    @Test(arguments: [
        ([FieldError.required("spec.containers")], #"Pod "foo" is invalid: spec.containers: Required value"#),
        ([.required("spec.containers"), .required("spec.containers")], #"Pod "foo" is invalid: spec.containers: Required value"#),
        ([.required("spec.containers"), .invalid("metadata.name", value: "Foo", detail: "must be lower case")],
         #"Pod "foo" is invalid: [spec.containers: Required value, metadata.name: Invalid value: "Foo": must be lower case]"#),
        ([], #"Pod "foo" is invalid"#),
    ])
    func invalidJoinsFieldErrors(errors: [FieldError], message: String) {
        let error = StatusError.invalid(GroupKind(group: "", kind: "Pod"), name: "foo", errors: errors)
        #expect(error.code == 422)
        #expect(error.reason == .invalid)
        #expect(error.message == message)
        #expect(error.details?.causes.count == errors.count)
    }

    @Test func invalidCausesAndGroupKind() {
        let error = StatusError.invalid(
            GroupKind(group: "apps", kind: "Deployment"), name: "web",
            errors: [.invalid("spec.replicas", value: -1, detail: "must be greater than or equal to 0")])
        #expect(error.message == #"Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"#)
        #expect(error.details == StatusError.Details(
            name: "web", group: "apps", kind: "Deployment",
            causes: [.init(reason: "FieldValueInvalid", message: "Invalid value: -1: must be greater than or equal to 0", field: "spec.replicas")]))
    }

    @Test(arguments: [
        (FieldError.required("a"), "a: Required value"),
        (.required("a", detail: "needed"), "a: Required value: needed"),
        (.invalid("a", value: "x"), #"a: Invalid value: "x""#),
        (.invalid("a", value: true, detail: "no"), "a: Invalid value: true: no"),
        (.invalid("a", value: 1.5), "a: Invalid value: 1.5"),
        (.notSupported("spec.restartPolicy", value: "Sometimes", supported: ["Always", "Never", "OnFailure"]),
         #"spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure""#),
        (.duplicate("spec.ports[1].name", value: "http"), #"spec.ports[1].name: Duplicate value: "http""#),
        (.forbidden("spec.selector", detail: "field is immutable"), "spec.selector: Forbidden: field is immutable"),
        (.tooLong("metadata.name", maximumLength: 253), "metadata.name: Too long: must have at most 253 bytes"),
        (.tooMany("spec.items", count: 5, maximum: 3), "spec.items: Too many: 5: must have at most 3 items"),
        (.notFound("spec.volume", value: "v1"), #"spec.volume: Not found: "v1""#),
        (.internal("spec", detail: "oops"), "spec: Internal error: oops"),
        (.invalid("a", value: "tab\there"), #"a: Invalid value: "tab\there""#),
    ])
    func fieldErrorMessages(error: FieldError, message: String) {
        #expect(error.description == message)
    }

    @Test func statusJSONShape() {
        let error = StatusError.notFound(Self.pods, name: "foo")
        #expect(error.statusJSON().serializedString() ==
            #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"foo\" not found","reason":"NotFound","details":{"name":"foo","kind":"pods"},"code":404}"#)
        let invalid = StatusError.invalid(GroupKind(group: "", kind: "Pod"), name: "p", errors: [.required("spec")])
        #expect(invalid.statusJSON().serializedString() ==
            #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod \"p\" is invalid: spec: Required value","reason":"Invalid","details":{"name":"p","kind":"Pod","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec"}]},"code":422}"#)
        let throttled = StatusError.tooManyRequests("slow", retryAfterSeconds: 3)
        #expect(throttled.statusJSON()[path: "details", "retryAfterSeconds"] == 3)
        #expect(StatusError.badRequest("x").statusJSON()["details"] == nil)
    }

    @Test func parsesServerStatus() throws {
        let text = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"m","reason":"SomethingNew","details":{"name":"n","group":"g","kind":"k","uid":"u","causes":[{"message":"c"}],"retryAfterSeconds":4},"code":418}"#
        let error = try #require(StatusError(statusJSON: try JSONValue(parsing: text)))
        #expect(error.code == 418)
        #expect(error.reason == .unknown)
        #expect(error.message == "m")
        #expect(error.details == .init(name: "n", group: "g", kind: "k", uid: "u", causes: [.init(message: "c")], retryAfterSeconds: 4))
        #expect(StatusError(statusJSON: ["kind": "Pod"]) == nil)
        #expect(StatusError(statusJSON: ["kind": "Status", "status": "Success", "code": 200]) == nil)
        #expect(StatusError(statusJSON: "Status") == nil)
    }

    @Test(arguments: [
        (404, StatusReason.notFound, "the server could not find the requested resource"),
        (403, .forbidden, "denied"),
        (409, .conflict, "the server reported a conflict"),
        (502, .internalError, #"an error on the server ("denied") has prevented the request from succeeding"#),
        (418, .unknown, "the server responded with the status code 418 but did not return more information"),
    ])
    func unexpectedResponses(code: Int, reason: StatusReason, message: String) {
        let error = StatusError.unexpectedResponse(code: code, serverMessage: "denied")
        #expect(error.code == code)
        #expect(error.reason == reason)
        #expect(error.message == message)
        #expect(error.details?.causes == [.init(reason: "UnexpectedServerResponse", message: "denied")])
    }

    @Test func reasonsHaveWireNames() {
        #expect(StatusReason.allCases.count == 20)
        #expect(StatusReason(rawValue: "NotFound") == .notFound)
        #expect(StatusReason.storeReadError.rawValue == "StorageReadError")
        #expect(StatusReason.requestEntityTooLarge.rawValue == "RequestEntityTooLarge")
    }

    @Test func groupNames() {
        #expect(GroupResource(group: "apps", resource: "deployments").description == "deployments.apps")
        #expect(GroupKind(group: "", kind: "Pod").description == "Pod")
        #expect(GroupVersionResource(group: "apps", version: "v1", resource: "deployments").groupResource == Self.deployments)
        #expect(GroupVersionKind(group: "apps", version: "v1", kind: "Deployment").groupKind == GroupKind(group: "apps", kind: "Deployment"))
    }
}
