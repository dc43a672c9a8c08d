import Testing
@testable import KubeAPI

@Suite struct PatchMergePatchTests {
    /// RFC 7386 appendix A: (original, patch, result).
    static let rfcCases: [(String, String, String)] = [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, "null", "null"),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ]

    @Test(arguments: rfcCases)
    func appliesRFCExamples(original: String, patch: String, expected: String) {
        let result = applyMergePatch(patchJSON(patch), to: patchJSON(original))
        #expect(result == patchJSON(expected))
    }

    @Test func keepsMemberOrderAndAppendsNewMembers() {
        let result = applyMergePatch(
            .object(["z": .int(0), "a": .int(2)]), to: .object(["a": .int(1), "m": .int(1)]))
        guard case .object(let members) = result else {
            Issue.record("expected object")
            return
        }
        #expect(Array(members.keys) == ["a", "m", "z"])
    }

    /// (original, modified, expected patch)
    static let diffCases: [(String, String, String)] = [
        (#"{"a":1}"#, #"{"a":1}"#, #"{}"#),
        (#"{"a":1}"#, #"{"a":2}"#, #"{"a":2}"#),
        (#"{"a":1,"b":2}"#, #"{"a":1}"#, #"{"b":null}"#),
        (#"{"a":{"x":1,"y":2}}"#, #"{"a":{"x":1,"y":3,"z":4}}"#, #"{"a":{"y":3,"z":4}}"#),
        (#"{"a":[1,2]}"#, #"{"a":[2,1]}"#, #"{"a":[2,1]}"#),
        (#"{"a":{"x":1}}"#, #"{"a":"s"}"#, #"{"a":"s"}"#),
        (#"{"a":"s"}"#, #"{"a":{"x":1}}"#, #"{"a":{"x":1}}"#),
        (#"[1]"#, #"{"a":1}"#, #"{"a":1}"#),
        (#"{"a":1}"#, "[1]", "[1]"),
    ]

    @Test(arguments: diffCases)
    func computesPatch(original: String, modified: String, expected: String) {
        let patch = createMergePatch(from: patchJSON(original), to: patchJSON(modified))
        #expect(patch == patchJSON(expected))
        #expect(applyMergePatch(patch, to: patchJSON(original)) == patchJSON(modified))
    }

    @Test func diffRoundTripsRandomDocuments() {
        var random = PatchFuzzRandom(seed: 7386)
        for _ in 0..<500 {
            let original = PatchFuzz.randomDocument(&random, depth: 3, allowNull: false)
            let modified = PatchFuzz.mutate(original, &random, allowNull: false)
            let patch = createMergePatch(from: original, to: modified)
            #expect(applyMergePatch(patch, to: original) == modified)
        }
    }
}
