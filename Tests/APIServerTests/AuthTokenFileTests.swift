import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

@Suite struct AuthTokenFileTests {
    @Test func parsesRecordsWithAndWithoutGroups() async throws {
        let file = """
        abc123,alice,uid-1,"devs,ops"
        
        def456, bob ,uid-2
        ghi789,carol,,single\r
        """
        let authenticator = try TokenFileAuthenticator(parsing: file)
        #expect(authenticator.users.count == 3)
        let alice = try #require(try await authenticator.authenticate(token: "abc123", audiences: nil))
        #expect(alice.user == UserInfo(name: "alice", uid: "uid-1", groups: ["devs", "ops", "system:authenticated"]))
        let bob = try #require(try await authenticator.authenticate(token: "def456", audiences: nil))
        #expect(bob.user == UserInfo(name: "bob", uid: "uid-2", groups: ["system:authenticated"]))
        let carol = try #require(try await authenticator.authenticate(token: "ghi789", audiences: ["x"]))
        #expect(carol.user == UserInfo(name: "carol", groups: ["single", "system:authenticated"]))
        #expect(carol.audiences == ["x"])
        #expect(try await authenticator.authenticate(token: "nope", audiences: nil) == nil)
    }

    static let errorCases: [(String, TokenFileError)] = [
        ("abc,alice", .tooFewColumns(line: 1, found: 2)),
        ("a,b,c\nonly-one", .tooFewColumns(line: 2, found: 1)),
        (",alice,1", .emptyToken(line: 1)),
        ("tok, ,1", .emptyUser(line: 1)),
        ("tok,alice,1\ntok,bob,2", .duplicateToken(line: 2)),
        ("tok,alice,1,\"devs", .unterminatedQuote(line: 1)),
        ("tok,alice,1,\"devs\"x", .textAfterQuote(line: 1)),
        ("tok,al\"ice,1", .quoteInUnquotedField(line: 1)),
    ]

    @Test(arguments: errorCases)
    func malformedFilesAreRefusedWithTheLine(_ text: String, _ expected: TokenFileError) {
        #expect(throws: expected) { try TokenFileAuthenticator(parsing: text) }
        #expect(expected.description.hasPrefix("token file line \(expected.line):"))
    }

    @Test func nodeTokenFormsAuthenticate() async throws {
        let full = "K10abcdef::server:s3cret"
        let authenticator = NodeTokenAuthenticator(token: full)
        #expect(try await authenticator.authenticate(token: full, audiences: nil)?.user == NodeTokenAuthenticator.defaultUser)
        #expect(try await authenticator.authenticate(token: "s3cret", audiences: nil) != nil)
        #expect(try await authenticator.authenticate(token: "K10abcdef::node:s3cret", audiences: nil) != nil)
        #expect(try await authenticator.authenticate(token: "s3cret2", audiences: nil) == nil)
        #expect(try await authenticator.authenticate(token: "K10abcdef::server:wrong", audiences: nil) == nil)
        await #expect(throws: StatusError.self) { try await authenticator.authenticate(token: "K10ffff::server:s3cret", audiences: nil) }
        let bare = NodeTokenAuthenticator(token: "s3cret", user: UserInfo(name: "k3s"))
        #expect(try await bare.authenticate(token: "K10anything::server:s3cret", audiences: nil)?.user.name == "k3s")
        let parsed = NodeTokenAuthenticator.ParsedToken("K10hash::server:pa:ss")
        #expect(parsed.caHash == "hash" && parsed.username == "server" && parsed.secret == "pa:ss")
    }

    struct BearerCase: Sendable, CustomStringConvertible {
        var header: String?
        var expected: BearerToken.Credential
        var description: String { header ?? "none" }
    }

    static let bearerCases: [BearerCase] = [
        BearerCase(header: nil, expected: .none),
        BearerCase(header: "Bearer abc", expected: .token("abc")),
        BearerCase(header: "bearer  abc ", expected: .token("abc")),
        BearerCase(header: "Bearer ", expected: .malformed),
        BearerCase(header: "Basic dXNlcjpwdw==", expected: .malformed),
        BearerCase(header: "Bearer a b", expected: .malformed),
    ]

    @Test(arguments: bearerCases)
    func bearerHeaderParsing(_ c: BearerCase) {
        var headers = HTTPFields()
        if let header = c.header { headers[.authorization] = header }
        #expect(BearerToken.credential(in: headers) == c.expected)
    }
}

extension TokenFileError {
    var line: Int {
        switch self {
        case .tooFewColumns(let line, _), .emptyToken(let line), .emptyUser(let line), .duplicateToken(let line),
             .unterminatedQuote(let line), .textAfterQuote(let line), .quoteInUnquotedField(let line): line
        }
    }
}
