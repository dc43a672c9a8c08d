import Testing
@testable import KubeAPI

@Suite struct PatchStrategicDiffTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var original: String
        var modified: String
        var expected: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "identical documents give an empty patch",
             original: #"{"spec":{"containers":[{"name":"a"}]}}"#, modified: #"{"spec":{"containers":[{"name":"a"}]}}"#,
             expected: "{}"),
        Case(name: "scalar change and removal",
             original: #"{"spec":{"hostname":"a","priority":1}}"#, modified: #"{"spec":{"hostname":"b"}}"#,
             expected: #"{"spec":{"hostname":"b","priority":null}}"#),
        Case(name: "map field",
             original: #"{"metadata":{"labels":{"a":"1","b":"2"}}}"#, modified: #"{"metadata":{"labels":{"a":"1","c":"3"}}}"#,
             expected: #"{"metadata":{"labels":{"c":"3","b":null}}}"#),
        Case(name: "container added",
             original: #"{"spec":{"containers":[{"name":"a"}]}}"#,
             modified: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
             expected: #"{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"b"}]}}"#),
        Case(name: "container changed",
             original: #"{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b"}]}}"#,
             modified: #"{"spec":{"containers":[{"name":"a","image":"2"},{"name":"b"}]}}"#,
             expected: #"{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"a","image":"2"}]}}"#),
        Case(name: "container removed",
             original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
             modified: #"{"spec":{"containers":[{"name":"b"}]}}"#,
             expected: #"{"spec":{"$setElementOrder/containers":[{"name":"b"}],"containers":[{"name":"a","$patch":"delete"}]}}"#),
        Case(name: "containers reordered",
             original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
             modified: #"{"spec":{"containers":[{"name":"b"},{"name":"a"}]}}"#,
             expected: #"{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}}"#),
        Case(name: "all containers removed",
             original: #"{"spec":{"containers":[{"name":"a"}]}}"#, modified: #"{"spec":{"containers":[]}}"#,
             expected: #"{"spec":{"containers":[{"name":"a","$patch":"delete"}]}}"#),
        Case(name: "list that was empty",
             original: #"{"spec":{"containers":[]}}"#, modified: #"{"spec":{"containers":[{"name":"a"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"a"}]}}"#),
        Case(name: "primitive merge list",
             original: #"{"metadata":{"finalizers":["f1","f2"]}}"#, modified: #"{"metadata":{"finalizers":["f2","f3"]}}"#,
             expected: #"{"metadata":{"finalizers":["f3"],"$deleteFromPrimitiveList/finalizers":["f1"],"$setElementOrder/finalizers":["f2","f3"]}}"#),
        Case(name: "volume source switched uses retainKeys",
             original: #"{"spec":{"volumes":[{"name":"v","emptyDir":{}}]}}"#,
             modified: #"{"spec":{"volumes":[{"name":"v","hostPath":{"path":"/x"}}]}}"#,
             expected: #"{"spec":{"$setElementOrder/volumes":[{"name":"v"}],"volumes":[{"name":"v","hostPath":{"path":"/x"},"emptyDir":null,"$retainKeys":["hostPath","name"]}]}}"#),
        Case(name: "retainKeys map field",
             original: #"{"spec":{"updateStrategy":{"type":"A","rollingUpdate":{"maxSurge":1}}}}"#,
             modified: #"{"spec":{"updateStrategy":{"type":"B"}}}"#,
             expected: #"{"spec":{"updateStrategy":{"type":"B","rollingUpdate":null,"$retainKeys":["type"]}}}"#),
        Case(name: "atomic list sent whole",
             original: #"{"spec":{"tolerations":[{"key":"a"},{"key":"b"}]}}"#,
             modified: #"{"spec":{"tolerations":[{"key":"a"}]}}"#,
             expected: #"{"spec":{"tolerations":[{"key":"a"}]}}"#),
        Case(name: "replace strategy sent whole",
             original: #"{"spec":{"securityContext":{"runAsUser":1,"runAsGroup":2}}}"#,
             modified: #"{"spec":{"securityContext":{"runAsUser":1}}}"#,
             expected: #"{"spec":{"securityContext":{"runAsUser":1}}}"#),
        Case(name: "unknown field diffed as merge patch",
             original: #"{"spec":{"extra":{"a":1,"b":{"c":1,"d":[1]}}}}"#,
             modified: #"{"spec":{"extra":{"a":1,"b":{"c":2,"d":[1]}}}}"#,
             expected: #"{"spec":{"extra":{"b":{"c":2}}}}"#),
        Case(name: "type change sent whole",
             original: #"{"spec":{"extra":{"a":1}}}"#, modified: #"{"spec":{"extra":"x"}}"#,
             expected: #"{"spec":{"extra":"x"}}"#),
    ]

    @Test(arguments: cases)
    func computesPatch(_ c: Case) throws {
        let original = patchJSON(c.original)
        let modified = patchJSON(c.modified)
        let patch = try StrategicMergePatch.diff(from: original, to: modified, schema: PatchFixtures.schema, definition: "test.Pod")
        #expect(patch == patchJSON(c.expected), "got \(PatchText.compact(patch, limit: 2000))")
        let applied = try StrategicMergePatch.apply(patch, to: original, schema: PatchFixtures.schema, definition: "test.Pod")
        #expect(applied == modified, "got \(PatchText.compact(applied, limit: 2000))")
    }

    @Test func rejectsBadInput() {
        #expect(throws: PatchError.self) {
            try StrategicMergePatch.diff(
                from: patchJSON(#"{"spec":{"containers":[{"image":"a"}]}}"#),
                to: patchJSON(#"{"spec":{"containers":[{"name":"a"}]}}"#),
                schema: PatchFixtures.schema, definition: "test.Pod")
        }
        #expect(throws: PatchError.invalidDocument("original: expected an object, got array")) {
            try StrategicMergePatch.diff(from: .array([]), to: .object([:]), schema: PatchFixtures.schema, kind: PatchFixtures.podKind)
        }
    }

    /// Removes what a strategic merge patch cannot express: duplicate merge keys or values in
    /// merged lists, and directive-like keys in typed maps.
    static func normalize(_ pod: JSONValue) -> JSONValue {
        guard case .object(var root) = pod else { return pod }
        func dedupe(_ value: JSONValue?, key: String?) -> JSONValue? {
            guard case .array(let items)? = value else { return value }
            var seen = Set<JSONValue>()
            return .array(items.filter { item in
                if let key, case .object(let members) = item { return seen.insert(members[key] ?? .null).inserted }
                return seen.insert(item).inserted
            })
        }
        func dropDollarKeys(_ value: JSONValue?) -> JSONValue? {
            guard case .object(var members)? = value else { return value }
            members.removeAll { $0.key.hasPrefix("$") }
            return .object(members)
        }
        if case .object(var metadata)? = root["metadata"] {
            metadata["finalizers"] = dedupe(metadata["finalizers"], key: nil)
            metadata["labels"] = dropDollarKeys(metadata["labels"])
            root["metadata"] = .object(metadata)
        }
        if case .object(var spec)? = root["spec"] {
            if case .array(let containers)? = dedupe(spec["containers"], key: "name") {
                spec["containers"] = .array(containers.map { container in
                    guard case .object(var members) = container else { return container }
                    members["ports"] = dedupe(members["ports"], key: "containerPort")
                    return .object(members)
                })
            }
            spec["volumes"] = dedupe(spec["volumes"], key: "name")
            spec["nodeSelector"] = dropDollarKeys(spec["nodeSelector"])
            root["spec"] = .object(spec)
        }
        return .object(root)
    }

    @Test func diffThenApplyRoundTrips() throws {
        var rng = PatchFuzzRandom(seed: 2024)
        var markers: [String: Int] = [
            "$setElementOrder/containers": 0, "$setElementOrder/finalizers": 0, "\"$patch\":\"delete\"": 0,
            "$deleteFromPrimitiveList/finalizers": 0, "$retainKeys": 0, "$setElementOrder/ports": 0,
        ]
        for _ in 0..<1000 {
            let original = Self.normalize(PatchFuzz.pod(&rng, patch: false))
            let modified = Self.normalize(PatchFuzz.pod(&rng, patch: false))
            let patch = try StrategicMergePatch.diff(from: original, to: modified, schema: PatchFixtures.schema, definition: "test.Pod")
            let applied = try StrategicMergePatch.apply(patch, to: original, schema: PatchFixtures.schema, definition: "test.Pod")
            #expect(applied == modified, """
                original: \(PatchText.compact(original, limit: 3000))
                modified: \(PatchText.compact(modified, limit: 3000))
                patch: \(PatchText.compact(patch, limit: 3000))
                applied: \(PatchText.compact(applied, limit: 3000))
                """)
            if applied != modified { break }
            let text = PatchText.compact(patch, limit: 100_000)
            for marker in markers.keys where text.contains(marker) { markers[marker, default: 0] += 1 }
        }
        // The generated pairs must exercise every directive the diff can emit.
        for (marker, count) in markers {
            #expect(count > 20, "\(marker) appeared only \(count) times")
        }
    }
}
