import Testing
@testable import KubeAPI

@Suite struct PatchTypeTests {
    @Test(arguments: [
        ("application/json-patch+json", PatchType.json),
        ("application/merge-patch+json; charset=utf-8", .merge),
        (" Application/Strategic-Merge-Patch+JSON ", .strategicMerge),
    ])
    func recognisesContentTypes(contentType: String, expected: PatchType) {
        #expect(PatchType(contentType: contentType) == expected)
    }

    @Test(arguments: ["application/json", "application/apply-patch+yaml", "", ";"])
    func rejectsOtherContentTypes(contentType: String) {
        #expect(PatchType(contentType: contentType) == nil)
    }

    @Test func dispatchesToEachKind() throws {
        let document = patchJSON(#"{"metadata":{"finalizers":["a"]}}"#)
        let json = try PatchType.json.apply(
            patchJSON(#"[{"op":"add","path":"/metadata/finalizers/-","value":"b"}]"#), to: document,
            schema: PatchFixtures.schema, definition: nil)
        #expect(json == patchJSON(#"{"metadata":{"finalizers":["a","b"]}}"#))
        let merge = try PatchType.merge.apply(
            patchJSON(#"{"metadata":{"finalizers":["b"]}}"#), to: document, schema: PatchFixtures.schema, definition: nil)
        #expect(merge == patchJSON(#"{"metadata":{"finalizers":["b"]}}"#))
        let strategic = try PatchType.strategicMerge.apply(
            patchJSON(#"{"metadata":{"finalizers":["b"]}}"#), to: document, schema: PatchFixtures.schema, definition: "test.Pod")
        #expect(strategic == patchJSON(#"{"metadata":{"finalizers":["b","a"]}}"#))
        #expect(throws: PatchError.self) {
            try PatchType.strategicMerge.apply(patchJSON("{}"), to: document, schema: PatchFixtures.schema, definition: nil)
        }
    }
}
