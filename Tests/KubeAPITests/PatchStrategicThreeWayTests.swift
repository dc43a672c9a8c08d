import Testing
@testable import KubeAPI

@Suite struct PatchStrategicThreeWayTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var original: String
        var modified: String
        var current: String
        /// Expected patch, or `nil` to check only the result.
        var patch: String?
        var result: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no previous configuration",
             original: "null", modified: #"{"spec":{"hostname":"h","priority":1}}"#,
             current: #"{"spec":{"hostname":"h","extra":"x"}}"#,
             patch: #"{"spec":{"priority":1}}"#,
             result: #"{"spec":{"hostname":"h","priority":1,"extra":"x"}}"#),
        Case(name: "nothing to do",
             original: #"{"spec":{"hostname":"h"}}"#, modified: #"{"spec":{"hostname":"h"}}"#,
             current: #"{"spec":{"hostname":"h","extra":"x"}}"#, patch: "{}",
             result: #"{"spec":{"hostname":"h","extra":"x"}}"#),
        Case(name: "add a map entry, keep others' entries",
             original: #"{"spec":{"nodeSelector":{"a":"1"}}}"#, modified: #"{"spec":{"nodeSelector":{"a":"1","b":"1"}}}"#,
             current: #"{"spec":{"nodeSelector":{"a":"1","o":"x"}}}"#,
             patch: #"{"spec":{"nodeSelector":{"b":"1"}}}"#,
             result: #"{"spec":{"nodeSelector":{"a":"1","b":"1","o":"x"}}}"#),
        Case(name: "add and delete map entries",
             original: #"{"spec":{"nodeSelector":{"a":"1"}}}"#, modified: #"{"spec":{"nodeSelector":{"b":"1"}}}"#,
             current: #"{"spec":{"nodeSelector":{"a":"1","o":"x"}}}"#,
             patch: #"{"spec":{"nodeSelector":{"a":null,"b":"1"}}}"#,
             result: #"{"spec":{"nodeSelector":{"b":"1","o":"x"}}}"#),
        Case(name: "changes by others to applied fields are overwritten",
             original: #"{"spec":{"nodeSelector":{"a":"1"}}}"#, modified: #"{"spec":{"nodeSelector":{"a":"1","b":"1"}}}"#,
             current: #"{"spec":{"nodeSelector":{"a":"z","o":"x"}}}"#,
             patch: #"{"spec":{"nodeSelector":{"a":"1","b":"1"}}}"#,
             result: #"{"spec":{"nodeSelector":{"a":"1","b":"1","o":"x"}}}"#),
        Case(name: "delete every container",
             original: #"{"spec":{"containers":[{"name":"1"},{"name":"2"}]}}"#, modified: #"{"spec":{"containers":[]}}"#,
             current: #"{"spec":{"containers":[{"name":"1","other":"a"},{"name":"2","other":"b"}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"1","$patch":"delete"},{"name":"2","$patch":"delete"}]}}"#,
             result: #"{"spec":{"containers":[]}}"#),
        Case(name: "merge containers keeping live-only fields",
             original: #"{"spec":{"containers":[{"name":"1"},{"name":"2","image":"2"}]}}"#,
             modified: #"{"spec":{"containers":[{"name":"4","image":"4"},{"name":"1"},{"name":"2","image":"2"},{"name":"3","image":"3"}]}}"#,
             current: #"{"spec":{"containers":[{"name":"1","other":"a"},{"name":"2","image":"2","other":"b"}]}}"#,
             patch: #"{"spec":{"$setElementOrder/containers":[{"name":"4"},{"name":"1"},{"name":"2"},{"name":"3"}],"containers":[{"name":"4","image":"4"},{"name":"3","image":"3"}]}}"#,
             result: #"{"spec":{"containers":[{"name":"4","image":"4"},{"name":"1","other":"a"},{"name":"2","image":"2","other":"b"},{"name":"3","image":"3"}]}}"#),
        Case(name: "merge containers with a live change",
             original: #"{"spec":{"containers":[{"name":"1"},{"name":"2","image":"2"}]}}"#,
             modified: #"{"spec":{"containers":[{"name":"1"},{"name":"2","image":"2"},{"name":"3","image":"3"}]}}"#,
             current: #"{"spec":{"containers":[{"name":"1","other":"a"},{"name":"2","image":"3","other":"b"}]}}"#,
             patch: #"{"spec":{"$setElementOrder/containers":[{"name":"1"},{"name":"2"},{"name":"3"}],"containers":[{"name":"2","image":"2"},{"name":"3","image":"3"}]}}"#,
             result: #"{"spec":{"containers":[{"name":"1","other":"a"},{"name":"2","image":"2","other":"b"},{"name":"3","image":"3"}]}}"#),
        Case(name: "field dropped from one container, changed in another",
             original: #"{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b"}]}}"#,
             modified: #"{"spec":{"containers":[{"name":"a"},{"name":"b","image":"2"}]}}"#,
             current: #"{"spec":{"containers":[{"name":"a","image":"1","other":"x"},{"name":"b","other":"y"}]}}"#,
             patch: nil,
             result: #"{"spec":{"containers":[{"name":"a","other":"x"},{"name":"b","image":"2","other":"y"}]}}"#),
        Case(name: "delete from a primitive list, keep live-only values",
             original: #"{"metadata":{"finalizers":["1","2","3"]}}"#, modified: #"{"metadata":{"finalizers":["1","2"]}}"#,
             current: #"{"metadata":{"finalizers":["1","2","3","4"]}}"#,
             patch: #"{"metadata":{"$setElementOrder/finalizers":["1","2"],"$deleteFromPrimitiveList/finalizers":["3"]}}"#,
             result: #"{"metadata":{"finalizers":["1","2","4"]}}"#),
        Case(name: "add and delete in a primitive list",
             original: #"{"metadata":{"finalizers":["1","2","3"]}}"#, modified: #"{"metadata":{"finalizers":["1","2","5"]}}"#,
             current: #"{"metadata":{"finalizers":["1","2","3","4"]}}"#,
             patch: #"{"metadata":{"$setElementOrder/finalizers":["1","2","5"],"$deleteFromPrimitiveList/finalizers":["3"],"finalizers":["5"]}}"#,
             result: #"{"metadata":{"finalizers":["1","2","5","4"]}}"#),
        Case(name: "retainKeys switch of volume source",
             original: #"{"spec":{"volumes":[{"name":"v","emptyDir":{}}]}}"#,
             modified: #"{"spec":{"volumes":[{"name":"v","hostPath":{"path":"/x"}}]}}"#,
             current: #"{"spec":{"volumes":[{"name":"v","emptyDir":{}}]}}"#,
             patch: nil,
             result: #"{"spec":{"volumes":[{"name":"v","hostPath":{"path":"/x"}}]}}"#),
        Case(name: "unknown field removed and added",
             original: #"{"spec":{"extra":{"a":1,"b":2}}}"#, modified: #"{"spec":{"extra":{"b":2,"c":3}}}"#,
             current: #"{"spec":{"extra":{"a":1,"b":2,"d":4}}}"#,
             patch: #"{"spec":{"extra":{"a":null,"c":3}}}"#,
             result: #"{"spec":{"extra":{"b":2,"c":3,"d":4}}}"#),
    ]

    @Test(arguments: cases)
    func computesAndAppliesPatch(_ c: Case) throws {
        let current = patchJSON(c.current)
        let patch = try StrategicMergePatch.threeWay(
            original: patchJSON(c.original), modified: patchJSON(c.modified), current: current,
            schema: PatchFixtures.schema, definition: "test.Pod")
        if let expected = c.patch {
            #expect(patch == patchJSON(expected), "got \(PatchText.compact(patch, limit: 2000))")
        }
        let result = try StrategicMergePatch.apply(patch, to: current, schema: PatchFixtures.schema, definition: "test.Pod")
        #expect(result == patchJSON(c.result), "patch \(PatchText.compact(patch, limit: 2000)) gave \(PatchText.compact(result, limit: 2000))")
    }

    @Test func rejectsBadDocuments() {
        #expect(throws: PatchError.invalidDocument("current: expected an object, got array")) {
            try StrategicMergePatch.threeWay(
                original: .null, modified: .object([:]), current: .array([]),
                schema: PatchFixtures.schema, kind: PatchFixtures.podKind)
        }
        #expect(throws: PatchError.invalidDocument("modified: expected an object, got null")) {
            try StrategicMergePatch.threeWay(
                original: .null, modified: .null, current: .object([:]),
                schema: PatchFixtures.schema, definition: "test.Pod")
        }
    }

    /// When the live object equals the last applied configuration, three-way and two-way agree
    /// on the outcome: applying gives `modified`.
    @Test func matchesTwoWayWhenNothingDrifted() throws {
        var rng = PatchFuzzRandom(seed: 3)
        for _ in 0..<500 {
            let original = PatchStrategicDiffTests.normalize(PatchFuzz.pod(&rng, patch: false))
            let modified = PatchStrategicDiffTests.normalize(PatchFuzz.pod(&rng, patch: false))
            let patch = try StrategicMergePatch.threeWay(
                original: original, modified: modified, current: original, schema: PatchFixtures.schema, definition: "test.Pod")
            let result = try StrategicMergePatch.apply(patch, to: original, schema: PatchFixtures.schema, definition: "test.Pod")
            #expect(result == modified, """
                original: \(PatchText.compact(original, limit: 3000))
                modified: \(PatchText.compact(modified, limit: 3000))
                patch: \(PatchText.compact(patch, limit: 3000))
                result: \(PatchText.compact(result, limit: 3000))
                """)
            if result != modified { break }
        }
    }
}
