import Testing
@testable import KubeAPI

@Suite struct PatchJSONPatchTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var document: String
        var patch: String
        /// Expected result, or `nil` when the patch must fail.
        var expected: String?
        var testDescription: String { name }
    }

    /// RFC 6902 appendix A examples plus extra edge cases.
    static let cases: [Case] = [
        Case(name: "A.1 add object member", document: #"{"foo":"bar"}"#,
             patch: #"[{"op":"add","path":"/baz","value":"qux"}]"#, expected: #"{"baz":"qux","foo":"bar"}"#),
        Case(name: "A.2 add array element", document: #"{"foo":["bar","baz"]}"#,
             patch: #"[{"op":"add","path":"/foo/1","value":"qux"}]"#, expected: #"{"foo":["bar","qux","baz"]}"#),
        Case(name: "A.3 remove object member", document: #"{"baz":"qux","foo":"bar"}"#,
             patch: #"[{"op":"remove","path":"/baz"}]"#, expected: #"{"foo":"bar"}"#),
        Case(name: "A.4 remove array element", document: #"{"foo":["bar","qux","baz"]}"#,
             patch: #"[{"op":"remove","path":"/foo/1"}]"#, expected: #"{"foo":["bar","baz"]}"#),
        Case(name: "A.5 replace value", document: #"{"baz":"qux","foo":"bar"}"#,
             patch: #"[{"op":"replace","path":"/baz","value":"boo"}]"#, expected: #"{"baz":"boo","foo":"bar"}"#),
        Case(name: "A.6 move value", document: #"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
             patch: #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
             expected: #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#),
        Case(name: "A.7 move array element", document: #"{"foo":["all","grass","cows","eat"]}"#,
             patch: #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#, expected: #"{"foo":["all","cows","eat","grass"]}"#),
        Case(name: "A.8 test success", document: #"{"baz":"qux","foo":["a",2,"c"]}"#,
             patch: #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#,
             expected: #"{"baz":"qux","foo":["a",2,"c"]}"#),
        Case(name: "A.9 test failure", document: #"{"baz":"qux"}"#,
             patch: #"[{"op":"test","path":"/baz","value":"bar"}]"#, expected: nil),
        Case(name: "A.10 add nested object", document: #"{"foo":"bar"}"#,
             patch: #"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#,
             expected: #"{"foo":"bar","child":{"grandchild":{}}}"#),
        Case(name: "A.11 unknown members ignored", document: #"{"foo":"bar"}"#,
             patch: #"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#, expected: #"{"foo":"bar","baz":"qux"}"#),
        Case(name: "A.12 add to nonexistent target", document: #"{"foo":"bar"}"#,
             patch: #"[{"op":"add","path":"/baz/bat","value":"qux"}]"#, expected: nil),
        Case(name: "A.14 escape order", document: #"{"/":9,"~1":10}"#,
             patch: #"[{"op":"test","path":"/~01","value":10}]"#, expected: #"{"/":9,"~1":10}"#),
        Case(name: "A.15 string is not number", document: #"{"/":9,"~1":10}"#,
             patch: #"[{"op":"test","path":"/~01","value":"10"}]"#, expected: nil),
        Case(name: "A.16 add array value", document: #"{"foo":["bar"]}"#,
             patch: #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#, expected: #"{"foo":["bar",["abc","def"]]}"#),
        // Extra cases.
        Case(name: "empty patch", document: #"{"a":1}"#, patch: "[]", expected: #"{"a":1}"#),
        Case(name: "add replaces existing member", document: #"{"a":1}"#,
             patch: #"[{"op":"add","path":"/a","value":2}]"#, expected: #"{"a":2}"#),
        Case(name: "add at end index", document: #"{"a":[1]}"#,
             patch: #"[{"op":"add","path":"/a/1","value":2}]"#, expected: #"{"a":[1,2]}"#),
        Case(name: "add past end", document: #"{"a":[1]}"#,
             patch: #"[{"op":"add","path":"/a/2","value":2}]"#, expected: nil),
        Case(name: "leading zero index", document: #"{"a":[1,2]}"#,
             patch: #"[{"op":"replace","path":"/a/01","value":3}]"#, expected: nil),
        Case(name: "negative index", document: #"{"a":[1,2]}"#,
             patch: #"[{"op":"remove","path":"/a/-1"}]"#, expected: nil),
        Case(name: "dash in remove", document: #"{"a":[1,2]}"#,
             patch: #"[{"op":"remove","path":"/a/-"}]"#, expected: nil),
        Case(name: "huge index", document: #"{"a":[1,2]}"#,
             patch: #"[{"op":"remove","path":"/a/99999999999999999999999"}]"#, expected: nil),
        Case(name: "replace root", document: #"{"a":1}"#,
             patch: #"[{"op":"replace","path":"","value":[1]}]"#, expected: "[1]"),
        Case(name: "add root", document: #"{"a":1}"#,
             patch: #"[{"op":"add","path":"","value":{"b":2}}]"#, expected: #"{"b":2}"#),
        Case(name: "remove root", document: #"{"a":1}"#, patch: #"[{"op":"remove","path":""}]"#, expected: nil),
        Case(name: "replace missing", document: #"{"a":1}"#,
             patch: #"[{"op":"replace","path":"/b","value":2}]"#, expected: nil),
        Case(name: "remove missing", document: #"{"a":1}"#, patch: #"[{"op":"remove","path":"/b"}]"#, expected: nil),
        Case(name: "empty key", document: #"{"":1}"#,
             patch: #"[{"op":"replace","path":"/","value":2}]"#, expected: #"{"":2}"#),
        Case(name: "move into own child", document: #"{"a":{"b":{}}}"#,
             patch: #"[{"op":"move","from":"/a","path":"/a/b/c"}]"#, expected: nil),
        Case(name: "move to same place", document: #"{"a":1}"#,
             patch: #"[{"op":"move","from":"/a","path":"/a"}]"#, expected: #"{"a":1}"#),
        Case(name: "move to sibling prefix name", document: #"{"a":1}"#,
             patch: #"[{"op":"move","from":"/a","path":"/ab"}]"#, expected: #"{"ab":1}"#),
        Case(name: "move missing from", document: #"{"a":1}"#,
             patch: #"[{"op":"move","from":"/x","path":"/y"}]"#, expected: nil),
        Case(name: "copy", document: #"{"a":{"b":[1]}}"#,
             patch: #"[{"op":"copy","from":"/a/b","path":"/c"}]"#, expected: #"{"a":{"b":[1]},"c":[1]}"#),
        Case(name: "copy into own child", document: #"{"a":{"b":1}}"#,
             patch: #"[{"op":"copy","from":"/a","path":"/a/c"}]"#, expected: #"{"a":{"b":1,"c":{"b":1}}}"#),
        Case(name: "test objects ignore member order", document: #"{"a":{"x":1,"y":2}}"#,
             patch: #"[{"op":"test","path":"/a","value":{"y":2,"x":1}}]"#, expected: #"{"a":{"x":1,"y":2}}"#),
        Case(name: "test null value", document: #"{"a":null}"#,
             patch: #"[{"op":"test","path":"/a","value":null}]"#, expected: #"{"a":null}"#),
        Case(name: "test missing path", document: #"{}"#,
             patch: #"[{"op":"test","path":"/a","value":null}]"#, expected: nil),
        Case(name: "add into scalar", document: #"{"a":1}"#,
             patch: #"[{"op":"add","path":"/a/b","value":1}]"#, expected: nil),
        Case(name: "add null value", document: #"{}"#,
             patch: #"[{"op":"add","path":"/a","value":null}]"#, expected: #"{"a":null}"#),
        Case(name: "later op sees earlier result", document: #"{}"#,
             patch: #"[{"op":"add","path":"/a","value":{}},{"op":"add","path":"/a/b","value":[]},{"op":"add","path":"/a/b/-","value":1}]"#,
             expected: #"{"a":{"b":[1]}}"#),
    ]

    @Test(arguments: cases)
    func appliesPatch(_ c: Case) throws {
        let document = patchJSON(c.document)
        let patch = try JSONPatch(patchJSON(c.patch))
        if let expected = c.expected {
            let result = try patch.apply(to: document)
            #expect(result == patchJSON(expected))
        } else {
            #expect(throws: PatchError.self) { try patch.apply(to: document) }
        }
    }

    @Test func failedPatchIsAtomicAndNamesTheOperation() throws {
        let document = patchJSON(#"{"spec":{"a":1},"metadata":{"name":"x"}}"#)
        let patch = try JSONPatch(patchJSON(#"""
            [{"op":"add","path":"/spec/b","value":2},
             {"op":"replace","path":"/spec/a","value":3},
             {"op":"remove","path":"/spec/foo"}]
            """#))
        do {
            _ = try patch.apply(to: document)
            Issue.record("expected failure")
        } catch {
            #expect(error == .operationFailed(index: 2, op: "remove", reason: "path /spec/foo does not exist"))
            #expect(error.description == "op 2 (remove): path /spec/foo does not exist")
        }
        // The input value is untouched.
        #expect(document == patchJSON(#"{"spec":{"a":1},"metadata":{"name":"x"}}"#))
    }

    @Test func testFailureMessage() throws {
        let patch = try JSONPatch(patchJSON(#"[{"op":"test","path":"/metadata/name","value":"y"}]"#))
        #expect(throws: PatchError.testFailed(index: 0, path: "/metadata/name")) {
            try patch.apply(to: patchJSON(#"{"metadata":{"name":"x"}}"#))
        }
        #expect(PatchError.testFailed(index: 0, path: "/metadata/name").description.contains("test failed at /metadata/name"))
    }

    @Test(arguments: [
        (#"[{"op":"add","path":"/baz/bat","value":1}]"#, "op 0 (add): path /baz/bat does not exist (no value at /baz)"),
        (#"[{"op":"remove","path":"/foo/x/y"}]"#, "op 0 (remove): path /foo/x/y does not exist (no value at /foo/x)"),
        (#"[{"op":"replace","path":"/list/5","value":1}]"#, "op 0 (replace): path /list/5: index 5 is out of bounds (array has 1 elements)"),
        (#"[{"op":"add","path":"/list/x","value":1}]"#, #"op 0 (add): path /list/x: "x" is not a valid array index"#),
        (#"[{"op":"add","path":"/foo/x","value":1}]"#, "op 0 (add): path /foo/x: parent /foo is string, not an object or array"),
        (#"[{"op":"copy","from":"/nope","path":"/x"}]"#, "op 0 (copy): from /nope does not exist"),
    ])
    func failureMessages(patch: String, message: String) throws {
        let parsed = try JSONPatch(patchJSON(patch))
        do {
            _ = try parsed.apply(to: patchJSON(#"{"foo":"bar","list":[1]}"#))
            Issue.record("expected failure")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func moveIntoChildMessage() throws {
        let patch = try JSONPatch(patchJSON(#"[{"op":"move","from":"/a","path":"/a/b"}]"#))
        do {
            _ = try patch.apply(to: patchJSON(#"{"a":{}}"#))
            Issue.record("expected failure")
        } catch {
            #expect(error.description == "op 0 (move): cannot move /a into its own child /a/b")
        }
    }

    struct MalformedCase: Sendable, CustomTestStringConvertible {
        var patch: String
        var message: String
        var testDescription: String { patch }
    }

    static let malformed: [MalformedCase] = [
        MalformedCase(patch: #"{"op":"add"}"#, message: "must be an array"),
        MalformedCase(patch: #"[1]"#, message: "op 0: an operation must be an object"),
        MalformedCase(patch: #"[{"path":"/a"}]"#, message: "op 0: missing \"op\""),
        MalformedCase(patch: #"[{"op":5,"path":"/a"}]"#, message: "\"op\" must be a string"),
        MalformedCase(patch: #"[{"op":"frobnicate","path":"/a"}]"#, message: "unknown operation \"frobnicate\""),
        MalformedCase(patch: #"[{"op":"test","path":"/a","value":1},{"op":"add","path":"/a"}]"#, message: "op 1 (add): missing \"value\""),
        MalformedCase(patch: #"[{"op":"replace","path":"/a"}]"#, message: "missing \"value\""),
        MalformedCase(patch: #"[{"op":"test","path":"/a"}]"#, message: "missing \"value\""),
        MalformedCase(patch: #"[{"op":"move","path":"/a"}]"#, message: "op 0 (move): missing \"from\""),
        MalformedCase(patch: #"[{"op":"copy","path":"/a"}]"#, message: "missing \"from\""),
        MalformedCase(patch: #"[{"op":"remove"}]"#, message: "missing \"path\""),
        MalformedCase(patch: #"[{"op":"remove","path":3}]"#, message: "\"path\" must be a string"),
        MalformedCase(patch: #"[{"op":"remove","path":"a"}]"#, message: "not a valid JSON pointer"),
        MalformedCase(patch: #"[{"op":"remove","path":"/a~2"}]"#, message: "not a valid JSON pointer"),
        MalformedCase(patch: #"[{"op":"remove","path":"/a~"}]"#, message: "not a valid JSON pointer"),
    ]

    @Test(arguments: malformed)
    func rejectsMalformedDocuments(_ c: MalformedCase) {
        do {
            _ = try JSONPatch(patchJSON(c.patch))
            Issue.record("expected a parse failure")
        } catch {
            #expect(PatchErrorKind(error) == .malformedPatch)
            #expect(error.description.contains(c.message), "\(error.description)")
        }
    }

    /// RFC 6901 section 5 examples.
    @Test(arguments: [
        ("", #"{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\j":5,"k\"l":6," ":7,"m~n":8}"#),
        ("/foo", #"["bar","baz"]"#), ("/foo/0", #""bar""#), ("/", "0"), ("/a~1b", "1"), ("/c%d", "2"),
        ("/e^f", "3"), ("/g|h", "4"), (#"/i\j"#, "5"), (#"/k"l"#, "6"), ("/ ", "7"), ("/m~0n", "8"),
    ])
    func resolvesPointers(pointer: String, expected: String) throws {
        let document = patchJSON(#"{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\j":5,"k\"l":6," ":7,"m~n":8}"#)
        let parsed = try JSONPointer(pointer)
        #expect(parsed.resolve(in: document) == patchJSON(expected))
        #expect(parsed.description == pointer)
    }

    @Test func serializesToTheSameDocument() throws {
        let text = #"""
            [{"op":"add","path":"/a~1b","value":{"x":[1,null]}},{"op":"remove","path":"/c/0"},
             {"op":"replace","path":"","value":null},{"op":"move","from":"/d","path":"/e"},
             {"op":"copy","from":"/f","path":"/g/-"},{"op":"test","path":"/m~0n","value":"v"}]
            """#
        let patch = try JSONPatch(patchJSON(text))
        #expect(patch.operations.count == 6)
        #expect(patch.jsonValue == patchJSON(text))
        #expect(try JSONPatch(patch.jsonValue) == patch)
    }

    @Test func pointerRoundTripsEscapes() throws {
        let pointer = JSONPointer(tokens: ["a/b", "c~d", "", "-"])
        #expect(pointer.description == "/a~1b/c~0d//-")
        #expect(try JSONPointer(pointer.description) == pointer)
    }
}
