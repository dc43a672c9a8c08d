import Datastore
import Testing

@Suite struct ContinueTokenTests {
    @Test(arguments: [
        ContinueToken(revision: 1, lastKey: "/registry/a", prefix: "/registry/"),
        ContinueToken(revision: 42, lastKey: "/registry/pods/default/web-0", prefix: "/registry/pods/"),
        ContinueToken(revision: Int64.max, lastKey: "/registry/ü/名前", prefix: "/registry/ü/"),
        ContinueToken(revision: 7, lastKey: "/registry/x", prefix: "/registry/x"),
    ])
    func roundTrips(token: ContinueToken) throws {
        let encoded = token.encoded()
        #expect(encoded.utf8.allSatisfy { $0 < 128 && $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "+") })
        #expect(try ContinueToken.decode(encoded, prefix: token.prefix) == token)
    }

    /// A token issued before base64 moved into KubeAPI: the text clients hold stays valid, and
    /// the same position still encodes to the same text.
    @Test func formatIsUnchanged() throws {
        let token = ContinueToken(revision: 42, lastKey: "/registry/pods/default/web-1", prefix: "/registry/pods/")
        let issued = "AQAAAAAAAAAqAAAADy9yZWdpc3RyeS9wb2RzL2RlZmF1bHQvd2ViLTH8dZTl"
        #expect(token.encoded() == issued)
        #expect(try ContinueToken.decode(issued, prefix: "/registry/pods/") == token)
        #expect(throws: DatastoreError.self) { try ContinueToken.decode(issued + "==", prefix: "/registry/pods/") }
    }

    @Test func rejectsAnotherPrefix() {
        let encoded = ContinueToken(revision: 5, lastKey: "/registry/pods/a", prefix: "/registry/pods/").encoded()
        for prefix in ["/registry/", "/registry/pods", "/registry/pods/a", "/registry/services/"] {
            #expect(throws: DatastoreError.self) { try ContinueToken.decode(encoded, prefix: prefix) }
        }
    }

    @Test(arguments: ["", "not a token", "%%%%", "A", "AAAA", "eyJydiI6MSwic3RhcnQiOiIvYSJ9", String(repeating: "A", count: 40)])
    func rejectsGarbage(token: String) {
        #expect {
            try ContinueToken.decode(token, prefix: "/registry/")
        } throws: { error in
            guard case DatastoreError.invalidContinueToken(let reason) = error else { return false }
            return !reason.isEmpty
        }
    }

    @Test func rejectsEveryDamagedCharacter() {
        let encoded = Array(ContinueToken(revision: 99, lastKey: "/registry/k/v", prefix: "/registry/").encoded())
        // The last character also carries padding bits that decoding ignores; skip it.
        for index in encoded.indices.dropLast() {
            var damaged = encoded
            damaged[index] = damaged[index] == "B" ? "C" : "B"
            #expect(throws: DatastoreError.self, "damaged at \(index)") {
                try ContinueToken.decode(String(damaged), prefix: "/registry/")
            }
        }
    }

    @Test func rejectsNonPositiveRevision() {
        let encoded = ContinueToken(revision: 0, lastKey: "/registry/a", prefix: "/registry/").encoded()
        #expect(throws: DatastoreError.self) { try ContinueToken.decode(encoded, prefix: "/registry/") }
    }
}
