import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

@Suite struct BootstrapTokenTests {
    @Test(arguments: [
        ("abcdef.0123456789abcdef", true),
        ("abc123.zzzzzzzzzzzzzzzz", true),
        ("ABCDEF.0123456789abcdef", false),  // upper case
        ("abcde.0123456789abcdef", false),  // short id
        ("abcdef.0123456789abcde", false),  // short secret
        ("abcdef0123456789abcdef", false),  // no dot
        ("abcdef.0123456789abcdef.x", false),
        ("", false),
    ])
    func parsing(_ text: String, valid: Bool) {
        #expect(BootstrapToken.looksLikeToken(text) == valid)
        if valid {
            let token = try? BootstrapToken(parsing: text)
            #expect(token?.description == text)
            #expect(token?.secretName == "bootstrap-token-" + text.prefix(6))
        }
    }

    @Test func badTokensGiveTypedErrors() {
        #expect(throws: BootstrapToken.ParseError(reason: "the form is <id>.<secret>")) { try BootstrapToken(parsing: "nodot") }
        #expect(throws: BootstrapToken.ParseError(reason: "the id must be 6 characters of [a-z0-9]")) {
            try BootstrapToken(parsing: "ABCDEF.0123456789abcdef")
        }
    }

    @Test func generatedTokensAreValid() throws {
        for _ in 0..<20 {
            let token = BootstrapToken.generate()
            #expect(try BootstrapToken(parsing: token.description) == token)
        }
    }

    static func secret(
        id: String = "abcdef", secret: String = "0123456789abcdef", expiration: String? = nil,
        usage: String = "true", groups: String? = nil, type: String = "bootstrap.kubernetes.io/token"
    ) -> JSONValue {
        var data: [(String, String)] = [("token-id", id), ("token-secret", secret), ("usage-bootstrap-authentication", usage)]
        if let expiration { data.append(("expiration", expiration)) }
        if let groups { data.append(("auth-extra-groups", groups)) }
        var object: JSONValue = ["apiVersion": "v1", "kind": "Secret", "type": .string(type), "metadata": ["name": .string("bootstrap-token-\(id)"), "namespace": "kube-system"]]
        var encoded = JSONValue.object([:])
        for (key, value) in data { encoded.setMember(key, .string(TestBase64.encode(Array(value.utf8)))) }
        object.setMember("data", encoded)
        return object
    }

    static func authenticator(_ secrets: [JSONValue], now: Int64 = 1_800_000_000) -> BootstrapTokenAuthenticator {
        BootstrapTokenAuthenticator(
            secret: { name in secrets.first { $0[path: "metadata", "name"]?.stringValue == name } },
            now: { Time(secondsSinceEpoch: now) })
    }

    @Test func validTokenAuthenticatesWithExtraGroups() async throws {
        let authenticator = Self.authenticator([
            Self.secret(expiration: "2030-01-01T00:00:00Z", groups: "system:bootstrappers:k3s:default-node-token, not-allowed"),
        ])
        let result = try await authenticator.authenticate(token: "abcdef.0123456789abcdef", audiences: nil)
        #expect(result?.user.name == "system:bootstrap:abcdef")
        #expect(result?.user.groups == ["system:bootstrappers", "system:bootstrappers:k3s:default-node-token"])
    }

    @Test(arguments: [
        (secret(), "abcdef.0123456789abcdee", "bootstrap token abcdef has a different secret"),
        (secret(expiration: "2020-01-01T00:00:00Z"), "abcdef.0123456789abcdef", "bootstrap token abcdef has expired"),
        (secret(usage: "false"), "abcdef.0123456789abcdef", "bootstrap token abcdef is not usable for authentication"),
        (secret(type: "Opaque"), "abcdef.0123456789abcdef", "secret bootstrap-token-abcdef is not of type bootstrap.kubernetes.io/token"),
        (secret(id: "zzzzzz"), "abcdef.0123456789abcdef", "bootstrap token abcdef does not exist"),
        (secret(expiration: "tomorrow"), "abcdef.0123456789abcdef", "bootstrap token abcdef has an unreadable expiration"),
    ])
    func rejectedTokens(_ secret: JSONValue, _ token: String, _ reason: String) async throws {
        let authenticator = Self.authenticator([secret])
        #expect(try await authenticator.verify(token) == .rejected(reason))
        #expect(try await authenticator.authenticate(token: token, audiences: nil) == nil)
    }

    @Test func otherTokensAreNotItsBusiness() async throws {
        #expect(try await Self.authenticator([]).verify("some-static-token") == .notBootstrapToken)
    }

    @Test func bootstrapTokenThroughTheAuthenticationChain() async throws {
        let chain = AuthenticatorChain([BearerTokenAuthenticator([Self.authenticator([Self.secret()])])])
        var headers = HTTPFields()
        headers[.authorization] = "Bearer abcdef.0123456789abcdef"
        let user = try await chain.authenticate(APIRequest(method: .get, path: "/api", headers: headers))
        #expect(user?.name == "system:bootstrap:abcdef")
        #expect(user?.groups.contains("system:authenticated") == true)
        headers[.authorization] = "Bearer abcdef.ffffffffffffffff"
        await #expect(throws: StatusError.self) { try await chain.authenticate(APIRequest(method: .get, path: "/api", headers: headers)) }
    }
}

/// Standard base64 for building Secret fixtures.
enum TestBase64 {
    static func encode(_ bytes: [UInt8]) -> String { Base64.encode(bytes) }
}
