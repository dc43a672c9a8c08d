import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

/// `application/vnd.kubernetes.protobuf` request bodies and responses.
@Suite struct ProtobufContentTests {
    static let protobufAccept = "application/vnd.kubernetes.protobuf, */*"

    static func request(_ method: HTTPRequest.Method, _ path: String, body: [UInt8] = [], contentType: String? = nil, accept: String? = nil, user: UserInfo? = nil) -> APIRequest {
        var headers = HTTPFields()
        if let contentType { headers[.contentType] = contentType }
        if let accept { headers[.accept] = accept }
        return APIRequest(method: method, path: path, headers: headers, body: body, user: user)
    }

    static func bytes(_ response: APIResponse) -> [UInt8] {
        if case .bytes(let b) = response.body { return b }
        return []
    }

    @Test func protobufConfigMapIsCreatedAndAnsweredInProtobuf() async throws {
        let fixture = try await RESTFixture()
        let handler = ProtobufContentHandler(next: fixture.handler)
        let body = try KubernetesProtobuf.encode(RESTFixture.configMap("pb", data: ["a": "b"]))
        let created = await handler.handle(Self.request(
            .post, "/api/v1/namespaces/default/configmaps", body: body,
            contentType: KubernetesProtobuf.mediaType, accept: Self.protobufAccept))
        #expect(created.status.code == 201)
        #expect(created.headers[.contentType] == KubernetesProtobuf.mediaType)
        let object = try KubernetesProtobuf.decode(Self.bytes(created))
        #expect(object["kind"] == "ConfigMap")
        #expect(object[path: "metadata", "name"] == "pb")
        #expect(object[path: "metadata", "namespace"] == "default")
        #expect(object["data"] == ["a": "b"])
        #expect(object[path: "metadata", "resourceVersion"]?.stringValue?.isEmpty == false)

        // A JSON client reads the same object as JSON.
        let read = await handler.handle(Self.request(.get, "/api/v1/namespaces/default/configmaps/pb", accept: "application/json"))
        #expect(read.headers[.contentType] == "application/json")
        #expect(try JSONValue(parsing: Self.bytes(read))["data"] == ["a": "b"])

        // Lists are protobuf too.
        let list = await handler.handle(Self.request(.get, "/api/v1/namespaces/default/configmaps", accept: Self.protobufAccept))
        let listObject = try KubernetesProtobuf.decode(Self.bytes(list))
        #expect(listObject["kind"] == "ConfigMapList")
        #expect(listObject["items"]?[0]?[path: "metadata", "name"] == "pb")

        // Errors are protobuf Status objects.
        let missing = await handler.handle(Self.request(.get, "/api/v1/namespaces/default/configmaps/nope", accept: Self.protobufAccept))
        #expect(missing.status.code == 404)
        let status = try KubernetesProtobuf.decode(Self.bytes(missing))
        #expect(status["kind"] == "Status")
        #expect(status["reason"] == "NotFound")
        #expect(status["code"] == 404)
    }

    @Test func protobufSelfSubjectAccessReview() async throws {
        let handler = ProtobufContentHandler(next: try AuthReviewTests.handler())
        let review: JSONValue = [
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "metadata": [:],
            "spec": ["resourceAttributes": ["namespace": "team", "verb": "list", "resource": "pods"]],
        ]
        let response = await handler.handle(Self.request(
            .post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: try KubernetesProtobuf.encode(review),
            contentType: KubernetesProtobuf.mediaType, accept: Self.protobufAccept, user: AuthReviewTests.bob))
        #expect(response.status == .created)
        let answer = try KubernetesProtobuf.decode(Self.bytes(response))
        #expect(answer[path: "status", "allowed"] == true)
        #expect(answer[path: "spec", "resourceAttributes", "resource"] == "pods")
    }

    @Test func malformedProtobufBodyIsABadRequest() async throws {
        let fixture = try await RESTFixture()
        let handler = ProtobufContentHandler(next: fixture.handler)
        let json = await handler.handle(Self.request(
            .post, "/api/v1/namespaces/default/configmaps", body: [0x6b, 0x38, 0x73, 0x00, 0x0a, 0x7f],
            contentType: KubernetesProtobuf.mediaType, accept: "application/json"))
        #expect(json.status.code == 400)
        #expect(try JSONValue(parsing: Self.bytes(json))["message"]?.stringValue?.hasPrefix("error decoding request body: protobuf:") == true)
        let protobuf = await handler.handle(Self.request(
            .post, "/api/v1/namespaces/default/configmaps", body: Array("{}".utf8),
            contentType: KubernetesProtobuf.mediaType, accept: Self.protobufAccept))
        #expect(protobuf.status.code == 400)
        #expect(try KubernetesProtobuf.decode(Self.bytes(protobuf))["reason"] == "BadRequest")
    }

    @Test func unknownContentTypesStayUnsupported() async throws {
        let fixture = try await RESTFixture()
        let handler = ProtobufContentHandler(next: fixture.handler)
        let response = await handler.handle(Self.request(
            .post, "/api/v1/namespaces/default/configmaps", body: [1, 2, 3], contentType: "application/cbor", accept: Self.protobufAccept))
        #expect(response.status.code == 415)
        #expect(try KubernetesProtobuf.decode(Self.bytes(response))["reason"] == "UnsupportedMediaType")
    }

    @Test(arguments: [
        ("application/vnd.kubernetes.protobuf, */*", true),
        ("application/vnd.kubernetes.protobuf", true),
        ("application/json, application/vnd.kubernetes.protobuf", false),
        ("*/*", false),
        ("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, application/json", false),
        ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json", false),
        ("text/plain, application/vnd.kubernetes.protobuf", true),
    ])
    func acceptNegotiation(_ accept: String, _ protobuf: Bool) {
        #expect(ProtobufContentHandler.prefersProtobuf(accept) == protobuf)
    }

    @Test func tableRequestsStayJSON() async throws {
        let fixture = try await RESTFixture()
        let handler = ProtobufContentHandler(next: fixture.handler)
        _ = await fixture.send(.post, "/api/v1/namespaces/default/configmaps", body: RESTFixture.configMap("t"))
        let table = await handler.handle(Self.request(
            .get, "/api/v1/namespaces/default/configmaps",
            accept: "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, application/json"))
        #expect(table.headers[.contentType]?.hasPrefix("application/json") == true)
    }

    @Test func watchStreamsProtobufFrames() async throws {
        let fixture = try await RESTFixture()
        let handler = ProtobufContentHandler(next: fixture.handler)
        var request = Self.request(.get, "/api/v1/namespaces/default/configmaps", accept: Self.protobufAccept)
        request.query = [(name: "watch", value: "true")]
        let response = await handler.handle(request)
        #expect(response.headers[.contentType] == KubernetesProtobuf.watchMediaType)
        guard case .stream(let frames) = response.body else { Issue.record("not a stream"); return }
        _ = await fixture.send(.post, "/api/v1/namespaces/default/configmaps", body: RESTFixture.configMap("w"))
        var iterator = frames.makeAsyncIterator()
        let frame = try #require(await iterator.next())
        let messages = try KubernetesProtobuf.watchFrames(frame)
        let event = try KubernetesProtobuf.decodeWatchEvent(try #require(messages.first))
        #expect(event.type == "ADDED")
        #expect(event.object[path: "metadata", "name"] == "w")
    }
}
