import Datastore
import Testing

@Suite struct KeyRulesTests {
    let rules = KeyRules(prefix: "/registry/")

    @Test(arguments: ["/registry/a", "/registry/pods/default/web-0", "/registry/ü", "/registry/" + String(repeating: "x", count: 4_086)])
    func acceptsKey(key: String) throws {
        try rules.validateKey(key)
    }

    @Test(arguments: [
        ("", "empty"),
        ("/registry/", "below the prefix"),
        ("/registry", "does not start"),
        ("registry/a", "does not start"),
        ("/Registry/a", "does not start"),
        ("/registry/a\u{0}b", "NUL"),
        ("/registry/" + String(repeating: "x", count: 4_087), "over the limit"),
    ])
    func rejectsKey(key: String, reason: String) {
        #expect {
            try rules.validateKey(key)
        } throws: { error in
            guard case DatastoreError.invalidKey(_, let message) = error else { return false }
            return message.contains(reason)
        }
    }

    @Test func prefixMayEqualTheStorePrefix() throws {
        try rules.validateListPrefix("/registry/")
        try rules.validateListPrefix("/registry/pods")
        #expect(throws: DatastoreError.self) { try rules.validateListPrefix("") }
        #expect(throws: DatastoreError.self) { try rules.validateListPrefix("/reg") }
        #expect(throws: DatastoreError.self) { try rules.validateListPrefix("/registry/\u{0}") }
    }

    @Test func valueSizeLimit() throws {
        try rules.validateValue([UInt8](repeating: 0, count: maximumValueSize), key: "/registry/a")
        #expect(throws: DatastoreError.valueTooLarge(key: "/registry/a", size: maximumValueSize + 1, limit: maximumValueSize)) {
            try rules.validateValue([UInt8](repeating: 0, count: maximumValueSize + 1), key: "/registry/a")
        }
    }
}

@Suite struct ByteOrderTests {
    @Test(arguments: [
        ("a", "b"), ("a", "ab"), ("B", "a"), ("a-b", "a/b"), ("z", "é"), ("e\u{301}x", "é"), ("", "a"), ("a/", "a0"),
    ])
    func ordersByBytes(smaller: String, larger: String) {
        #expect(ByteOrder.less(smaller, larger))
        #expect(!ByteOrder.less(larger, smaller))
        #expect(ByteOrder.compare(smaller, larger) < 0)
        #expect(Array(smaller.utf8).lexicographicallyPrecedes(Array(larger.utf8)))
    }

    @Test func equalityIsByteWise() {
        // Canonically equivalent, but different bytes: different keys.
        #expect("é" == "e\u{301}")
        #expect(!ByteOrder.equal("é", "e\u{301}"))
        #expect(ByteOrder.equal("abc", "abc"))
        #expect(ByteOrder.hasPrefix("/registry/a", "/registry/"))
        #expect(!ByteOrder.hasPrefix("/registry/e\u{301}", "/registry/é"))
        #expect(ByteOrder.hasPrefix("/x", ""))
        #expect(!ByteOrder.hasPrefix("/x", "/xy"))
    }
}
