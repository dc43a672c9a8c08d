import Foundation
import Logging
import Testing
@testable import Cluster

@Suite struct NodeTokenTests {
    let logger = Logger(label: "test.token")
    let ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

    @Test func formatsLikeK3s() throws {
        let token = NodeToken(caCertificatePEM: ca, password: "abc123")
        let text = token.description
        #expect(text.hasPrefix("K10"))
        #expect(text.hasSuffix("::server:abc123"))
        let hash = String(text.dropFirst(3).prefix(64))
        #expect(hash.count == 64 && hash.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(try NodeToken(parsing: text) == token)
        #expect(token.matches(caCertificatePEM: ca))
        #expect(!token.matches(caCertificatePEM: ca + "x"))
    }

    @Test func hashIsSHA256OfThePEMBytes() {
        // sha256("abc")
        #expect(NodeToken.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func randomSecretsAre32HexDigits() {
        let a = NodeToken.randomSecret(), b = NodeToken.randomSecret()
        #expect(a.count == 32 && a.allSatisfy(\.isHexDigit))
        #expect(a != b)
    }

    @Test func bareSecretParses() throws {
        let token = try NodeToken(parsing: "  mysecret\n")
        #expect(token.caHash == nil)
        #expect(token.password == "mysecret")
        #expect(token.description == "mysecret")
        #expect(token.matches(caCertificatePEM: "anything"))
    }

    @Test func secretMayContainColons() throws {
        let token = try NodeToken(parsing: "K10" + String(repeating: "a", count: 64) + "::node:pa:ss")
        #expect(token.username == "node")
        #expect(token.password == "pa:ss")
    }

    @Test(arguments: [
        "", "   ",
        "K10abc::server:x",
        "K10" + String(repeating: "A", count: 64) + "::server:x",
        "K10" + String(repeating: "a", count: 64) + ":server:x",
        "K10" + String(repeating: "a", count: 64) + "::server",
        "K10" + String(repeating: "a", count: 64) + "::server:",
        "K10" + String(repeating: "a", count: 64) + ":::x",
        "two words",
    ])
    func refusesMalformed(text: String) {
        #expect(throws: NodeToken.ParseError.self) { try NodeToken(parsing: text) }
    }

    @Test func errorsDoNotEchoTheSecret() {
        do {
            _ = try NodeToken(parsing: "K10" + String(repeating: "a", count: 64) + "::server:")
        } catch {
            #expect(!error.description.contains("aaaa"))
        }
    }

    @Test func filesAreWrittenAndReused() throws {
        let tmp = try TemporaryDirectory()
        let dir = tmp.file("server")
        let first = try NodeToken.loadOrCreate(serverDirectory: dir, configured: nil, serverCAPEM: ca, logger: logger)
        #expect(first.password.count == 32)
        let tokenFile = try String(contentsOfFile: dir + "/token", encoding: .utf8)
        let nodeTokenFile = try String(contentsOfFile: dir + "/node-token", encoding: .utf8)
        #expect(tokenFile == first.description + "\n")
        #expect(nodeTokenFile == tokenFile)
        #expect(try FileSystem.permissions(dir + "/node-token") == 0o600)

        let again = try NodeToken.loadOrCreate(serverDirectory: dir, configured: nil, serverCAPEM: ca, logger: logger)
        #expect(again == first)

        let configured = try NodeToken.loadOrCreate(serverDirectory: dir, configured: "given", serverCAPEM: ca, logger: logger)
        #expect(configured.password == "given")
        #expect(try String(contentsOfFile: dir + "/node-token", encoding: .utf8).hasSuffix("::server:given\n"))

        let fromK10 = try NodeToken.loadOrCreate(serverDirectory: dir, configured: configured.description, serverCAPEM: ca, logger: logger)
        #expect(fromK10 == configured)
        #expect(throws: PKIError.self) {
            try NodeToken.loadOrCreate(serverDirectory: dir, configured: configured.description, serverCAPEM: ca + "other", logger: logger)
        }
    }

    @Test func corruptStoredTokenIsReported() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("server/token", "K10zz::\n")
        #expect(throws: PKIError.self) {
            try NodeToken.loadOrCreate(serverDirectory: tmp.file("server"), configured: nil, serverCAPEM: ca, logger: logger)
        }
    }
}
