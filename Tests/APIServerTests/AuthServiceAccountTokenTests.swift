import Crypto
import _CryptoExtras
import KubeAPI
import Synchronization
import Testing
@testable import APIServer

/// A settable clock for token tests.
final class AuthTestClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64) { value = Mutex(start) }
    var now: Int64 { value.withLock { $0 } }
    func advance(_ seconds: Int64) { value.withLock { $0 += seconds } }
    var source: @Sendable () -> Int64 { { self.now } }
}

/// A settable table of uids for token tests.
final class AuthTestUIDs: Sendable {
    let table: Mutex<[String: String]>
    init(_ start: [String: String]) { table = Mutex(start) }
    subscript(key: String) -> String? { table.withLock { $0[key] } }
    func set(_ values: [String: String]) { table.withLock { $0 = values } }
}

@Suite struct AuthServiceAccountTokenTests {
    static let start: Int64 = 1_800_000_000

    struct Fixture {
        let clock = AuthTestClock(AuthServiceAccountTokenTests.start)
        let key = ServiceAccountSigningKey.es256(P256.Signing.PrivateKey())
        let accounts = AuthTestUIDs(["default/builder": "uid-1"])
        var issuer: ServiceAccountTokenIssuer { ServiceAccountTokenIssuer(key: key, now: clock.source) }

        func authenticator(keys: [ServiceAccountVerificationKey]? = nil, pods: [String: String]? = nil) -> ServiceAccountTokenAuthenticator {
            let accounts = self.accounts
            let podLookup: ServiceAccountTokenAuthenticator.UIDLookup? = pods.map { pods in
                { @Sendable namespace, name in pods["\(namespace)/\(name)"] }
            }
            return ServiceAccountTokenAuthenticator(
                keys: keys ?? [key.publicKey], now: clock.source,
                serviceAccountUID: { namespace, name in accounts["\(namespace)/\(name)"] },
                podUID: podLookup)
        }
    }

    @Test func issuedTokensVerifyWithUpstreamClaims() async throws {
        let f = Fixture()
        let (token, claims) = try f.issuer.issue(namespace: "default", name: "builder", uid: "uid-1", expirationSeconds: 3600)
        #expect(token.split(separator: ".").count == 3)
        #expect(claims.audiences == [ServiceAccountTokenIssuer.defaultIssuer])
        #expect(claims.subject == "system:serviceaccount:default:builder")
        #expect(claims.expiresAt == Self.start + 3600)

        // The payload is readable JSON with upstream's claim names.
        let payload = try JSONValue(parsing: try Base64.decode(token.split(separator: ".")[1], alphabet: .url, padding: .forbidden))
        #expect(payload["iss"]?.stringValue == "https://kubernetes.default.svc.cluster.local")
        #expect(payload["sub"]?.stringValue == "system:serviceaccount:default:builder")
        #expect(payload[path: "kubernetes.io", "serviceaccount", "uid"]?.stringValue == "uid-1")
        #expect(payload[path: "kubernetes.io", "namespace"]?.stringValue == "default")
        #expect(payload["nbf"]?.intValue == Self.start && payload["iat"]?.intValue == Self.start)
        let header = try JSONValue(parsing: try Base64.decode(token.split(separator: ".")[0], alphabet: .url, padding: .forbidden))
        #expect(header["alg"]?.stringValue == "ES256")
        #expect(header["kid"]?.stringValue == f.key.publicKey.keyID)

        let result = try #require(try await f.authenticator().authenticate(token: token, audiences: nil))
        #expect(result.user.name == "system:serviceaccount:default:builder")
        #expect(result.user.uid == "uid-1")
        #expect(result.user.groups == ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"])
        #expect(result.user.extra["authentication.kubernetes.io/credential-id"] == ["JTI=\(claims.id)"])
        #expect(result.audiences == [ServiceAccountTokenIssuer.defaultIssuer])
    }

    @Test func rsaKeysSignRS256() async throws {
        let f = Fixture()
        let key = ServiceAccountSigningKey.rs256(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        let issuer = ServiceAccountTokenIssuer(key: key, now: f.clock.source)
        let (token, _) = try issuer.issue(namespace: "default", name: "builder", uid: "uid-1", expirationSeconds: 600)
        #expect(try await f.authenticator(keys: [key.publicKey]).authenticate(token: token, audiences: nil)?.user.name == "system:serviceaccount:default:builder")
        // An ES256 key does not accept it.
        await #expect(throws: StatusError.self) { try await f.authenticator().authenticate(token: token, audiences: nil) }
    }

    enum Tamper: String, CaseIterable, Sendable {
        case expired, notYetValid, wrongAudience, tamperedPayload, otherKey, accountDeleted, accountRecreated, podGone, badSignatureEncoding
    }

    @Test(arguments: Tamper.allCases)
    func invalidTokensAreRefused(_ tamper: Tamper) async throws {
        let f = Fixture()
        var pods: [String: String]? = nil
        var token: String
        var audiences: [String]? = nil
        let expected: ServiceAccountTokenAuthenticator.Failure
        let issued = try f.issuer.issue(namespace: "default", name: "builder", uid: "uid-1", expirationSeconds: 600)
        token = issued.token
        switch tamper {
        case .expired:
            f.clock.advance(600)
            expected = .expired
        case .notYetValid:
            var claims = issued.claims
            claims.notBefore += 100
            token = try f.issuer.sign(claims)
            expected = .notYetValid
        case .wrongAudience:
            audiences = ["vault"]
            expected = .wrongAudience
        case .tamperedPayload:
            var claims = issued.claims
            claims.serviceAccountName = "admin"
            let parts = token.split(separator: ".")
            token = "\(parts[0]).\(Base64.encode(claims.json.serialized(), alphabet: .url, padded: false)).\(parts[2])"
            expected = .badSignature
        case .otherKey:
            token = try ServiceAccountTokenIssuer(key: .es256(P256.Signing.PrivateKey()), now: f.clock.source).sign(issued.claims)
            expected = .badSignature
        case .accountDeleted:
            f.accounts.set([:])
            expected = .accountMissing
        case .accountRecreated:
            f.accounts.set(["default/builder": "uid-2"])
            expected = .accountReplaced
        case .podGone:
            token = try f.issuer.issue(
                namespace: "default", name: "builder", uid: "uid-1", expirationSeconds: 600,
                pod: .init(name: "web-1", uid: "pod-uid")).token
            pods = [:]
            expected = .boundObjectMissing
        case .badSignatureEncoding:
            token = String(token.dropLast(3)) + "!!!"
            expected = .malformed
        }
        do {
            _ = try await f.authenticator(pods: pods).authenticate(token: token, audiences: audiences)
            Issue.record("accepted a \(tamper) token")
        } catch let error as StatusError {
            #expect(error.code == 401)
            #expect(error.message == expected.rawValue)
        }
    }

    @Test func podBoundTokensCarryThePodInExtra() async throws {
        let f = Fixture()
        let (token, _) = try f.issuer.issue(
            namespace: "default", name: "builder", uid: "uid-1", expirationSeconds: 600,
            pod: .init(name: "web-1", uid: "pod-uid"), node: .init(name: "n1", uid: "node-uid"))
        let user = try #require(try await f.authenticator(pods: ["default/web-1": "pod-uid"]).authenticate(token: token, audiences: nil)).user
        #expect(user.extra["authentication.kubernetes.io/pod-name"] == ["web-1"])
        #expect(user.extra["authentication.kubernetes.io/pod-uid"] == ["pod-uid"])
        #expect(user.extra["authentication.kubernetes.io/node-name"] == ["n1"])
    }

    @Test func foreignTokensAreLeftToOthers() async throws {
        let f = Fixture()
        #expect(try await f.authenticator().authenticate(token: "static-token", audiences: nil) == nil)
        let foreign = try ServiceAccountTokenIssuer(key: f.key, issuer: "https://elsewhere", now: f.clock.source)
            .issue(namespace: "default", name: "builder", uid: "uid-1", expirationSeconds: 600).token
        #expect(try await f.authenticator().authenticate(token: foreign, audiences: nil) == nil)
    }

    @Test func requestedAudiencesAreMatched() async throws {
        let f = Fixture()
        let (token, _) = try f.issuer.issue(namespace: "default", name: "builder", uid: "uid-1", audiences: ["vault", "api"], expirationSeconds: 600)
        #expect(try await f.authenticator().authenticate(token: token, audiences: ["api", "x"])?.audiences == ["api"])
        await #expect(throws: StatusError.self) { try await f.authenticator().authenticate(token: token, audiences: nil) }
    }

}
