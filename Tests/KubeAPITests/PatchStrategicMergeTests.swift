import Testing
@testable import KubeAPI

@Suite struct PatchStrategicMergeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var original: String
        var patch: String
        var expected: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "map fields merge, null deletes",
             original: #"{"metadata":{"labels":{"a":"1","b":"2"}}}"#,
             patch: #"{"metadata":{"labels":{"b":"3","c":"4","a":null}}}"#,
             expected: #"{"metadata":{"labels":{"b":"3","c":"4"}}}"#),
        Case(name: "null deletes a struct field",
             original: #"{"spec":{"hostname":"h","priority":1}}"#,
             patch: #"{"spec":{"hostname":null}}"#,
             expected: #"{"spec":{"priority":1}}"#),
        Case(name: "null for an absent field is dropped",
             original: #"{"spec":{}}"#, patch: #"{"spec":{"hostname":null}}"#, expected: #"{"spec":{}}"#),
        Case(name: "empty patch is identity",
             original: #"{"spec":{"containers":[{"name":"a"}]}}"#, patch: "{}",
             expected: #"{"spec":{"containers":[{"name":"a"}]}}"#),
        Case(name: "container merged by name",
             original: #"{"spec":{"containers":[{"name":"app","image":"app:1"},{"name":"side","image":"side:1"}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"app","image":"app:2"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"app","image":"app:2"},{"name":"side","image":"side:1"}]}}"#),
        Case(name: "new container without order directive goes first (upstream order)",
             original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"c"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"c"},{"name":"a"},{"name":"b"}]}}"#),
        Case(name: "existing then new container keep patch order after server elements",
             original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"b","image":"x"},{"name":"c"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"a"},{"name":"b","image":"x"},{"name":"c"}]}}"#),
        Case(name: "setElementOrder appends new container last",
             original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
             patch: #"{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"},{"name":"c"}],"containers":[{"name":"c"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}"#),
        Case(name: "setElementOrder alone reorders",
             original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c","image":"i"}]}}"#,
             patch: #"{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"},{"name":"b"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"c","image":"i"},{"name":"a"},{"name":"b"}]}}"#),
        Case(name: "setElementOrder with deletion",
             original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}"#,
             patch: #"{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"}],"containers":[{"name":"b","$patch":"delete"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"c"},{"name":"a"}]}}"#),
        Case(name: "setElementOrder on a new list",
             original: #"{"spec":{}}"#,
             patch: #"{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"b"},{"name":"a","image":null}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"b"},{"name":"a"}]}}"#),
        Case(name: "$patch delete removes a container",
             original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"a","$patch":"delete"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"b"}]}}"#),
        Case(name: "$patch replace replaces the container list",
             original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
             patch: #"{"spec":{"containers":[{"$patch":"replace"},{"name":"z","image":"z"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"z","image":"z"}]}}"#),
        Case(name: "$patch merge element is a no-op",
             original: #"{"spec":{"containers":[{"name":"a"}]}}"#,
             patch: #"{"spec":{"containers":[{"$patch":"merge"},{"name":"a","image":"x"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"a","image":"x"}]}}"#),
        Case(name: "nested ports merged by containerPort",
             original: #"{"spec":{"containers":[{"name":"app","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}]}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"app","ports":[{"containerPort":443,"name":"https"}]}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"app","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP","name":"https"}]}]}}"#),
        Case(name: "nested port deleted by containerPort",
             original: #"{"spec":{"containers":[{"name":"app","ports":[{"containerPort":80},{"containerPort":443}]}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"app","ports":[{"containerPort":80,"$patch":"delete"}]}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"app","ports":[{"containerPort":443}]}]}}"#),
        Case(name: "env merged inside container, null removes value",
             original: #"{"spec":{"containers":[{"name":"app","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"app","env":[{"name":"B","value":null}]}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"app","env":[{"name":"A","value":"1"},{"name":"B"}]}]}}"#),
        Case(name: "primitive merge list is a union",
             original: #"{"metadata":{"finalizers":["a","b"]}}"#,
             patch: #"{"metadata":{"finalizers":["b","c"]}}"#,
             expected: #"{"metadata":{"finalizers":["a","b","c"]}}"#),
        Case(name: "new primitive goes first (upstream order)",
             original: #"{"metadata":{"finalizers":["a","b"]}}"#,
             patch: #"{"metadata":{"finalizers":["c"]}}"#,
             expected: #"{"metadata":{"finalizers":["c","a","b"]}}"#),
        Case(name: "deleteFromPrimitiveList",
             original: #"{"metadata":{"finalizers":["a","b","c"]}}"#,
             patch: #"{"metadata":{"$deleteFromPrimitiveList/finalizers":["b","x"]}}"#,
             expected: #"{"metadata":{"finalizers":["a","c"]}}"#),
        Case(name: "deleteFromPrimitiveList on absent field is ignored",
             original: #"{"metadata":{}}"#,
             patch: #"{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}"#,
             expected: #"{"metadata":{}}"#),
        Case(name: "setElementOrder on primitives with deletion",
             original: #"{"metadata":{"finalizers":["a","b","c"]}}"#,
             patch: #"{"metadata":{"$setElementOrder/finalizers":["c","a"],"$deleteFromPrimitiveList/finalizers":["b"]}}"#,
             expected: #"{"metadata":{"finalizers":["c","a"]}}"#),
        Case(name: "setElementOrder on primitives with addition",
             original: #"{"metadata":{"finalizers":["a","b"]}}"#,
             patch: #"{"metadata":{"$setElementOrder/finalizers":["a","b","c"],"finalizers":["c"]}}"#,
             expected: #"{"metadata":{"finalizers":["a","b","c"]}}"#),
        Case(name: "primitive list $patch replace",
             original: #"{"metadata":{"finalizers":["a","b"]}}"#,
             patch: #"{"metadata":{"finalizers":[{"$patch":"replace"},"z"]}}"#,
             expected: #"{"metadata":{"finalizers":["z"]}}"#),
        Case(name: "atomic primitive list replaced",
             original: #"{"spec":{"containers":[{"name":"app","args":["x","y"]}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"app","args":["z"]}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"app","args":["z"]}]}}"#),
        Case(name: "atomic list of objects replaced",
             original: #"{"spec":{"tolerations":[{"key":"k1"},{"key":"k2"}]}}"#,
             patch: #"{"spec":{"tolerations":[{"key":"k3"}]}}"#,
             expected: #"{"spec":{"tolerations":[{"key":"k3"}]}}"#),
        Case(name: "listType map without patch strategy is replaced",
             original: #"{"spec":{"resourceClaims":[{"name":"c1","source":"s1"},{"name":"c2","source":"s2"}]}}"#,
             patch: #"{"spec":{"resourceClaims":[{"name":"c2","source":"s3"}]}}"#,
             expected: #"{"spec":{"resourceClaims":[{"name":"c2","source":"s3"}]}}"#),
        Case(name: "retainKeys in a volume element",
             original: #"{"spec":{"volumes":[{"name":"data","emptyDir":{}},{"name":"other","emptyDir":{}}]}}"#,
             patch: #"{"spec":{"volumes":[{"name":"data","hostPath":{"path":"/x"},"$retainKeys":["name","hostPath"]}]}}"#,
             expected: #"{"spec":{"volumes":[{"name":"data","hostPath":{"path":"/x"}},{"name":"other","emptyDir":{}}]}}"#),
        Case(name: "retainKeys on a map field",
             original: #"{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}"#,
             patch: #"{"spec":{"updateStrategy":{"type":"Recreate","$retainKeys":["type"]}}}"#,
             expected: #"{"spec":{"updateStrategy":{"type":"Recreate"}}}"#),
        Case(name: "retainKeys allows nulls of unlisted fields",
             original: #"{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}"#,
             patch: #"{"spec":{"updateStrategy":{"$retainKeys":["type"],"rollingUpdate":null}}}"#,
             expected: #"{"spec":{"updateStrategy":{"type":"RollingUpdate"}}}"#),
        Case(name: "$patch replace on a map",
             original: #"{"spec":{"nodeSelector":{"a":"1","b":"2"}}}"#,
             patch: #"{"spec":{"nodeSelector":{"$patch":"replace","c":"3"}}}"#,
             expected: #"{"spec":{"nodeSelector":{"c":"3"}}}"#),
        Case(name: "$patch delete on a map leaves it empty (upstream)",
             original: #"{"spec":{"nodeSelector":{"a":"1"},"hostname":"h"}}"#,
             patch: #"{"spec":{"nodeSelector":{"$patch":"delete"}}}"#,
             expected: #"{"spec":{"nodeSelector":{},"hostname":"h"}}"#),
        Case(name: "$patch merge on a map is the default",
             original: #"{"spec":{"nodeSelector":{"a":"1"}}}"#,
             patch: #"{"spec":{"nodeSelector":{"$patch":"merge","c":"3"}}}"#,
             expected: #"{"spec":{"nodeSelector":{"a":"1","c":"3"}}}"#),
        Case(name: "$patch delete at the top",
             original: #"{"metadata":{"name":"x"}}"#, patch: #"{"$patch":"delete"}"#, expected: "{}"),
        Case(name: "$patch replace at the top",
             original: #"{"metadata":{"name":"x"},"kind":"Pod"}"#,
             patch: #"{"$patch":"replace","metadata":{"name":"y","labels":{"a":null}}}"#,
             expected: #"{"metadata":{"name":"y","labels":{}}}"#),
        Case(name: "replace strategy replaces the map",
             original: #"{"spec":{"securityContext":{"runAsUser":1,"runAsGroup":1}}}"#,
             patch: #"{"spec":{"securityContext":{"runAsUser":2}}}"#,
             expected: #"{"spec":{"securityContext":{"runAsUser":2}}}"#),
        Case(name: "unknown field merges like a JSON merge patch",
             original: #"{"spec":{"extra":{"a":1,"b":[1,2]}}}"#,
             patch: #"{"spec":{"extra":{"b":[3],"c":null,"a":null,"d":{"e":null,"f":1}}}}"#,
             expected: #"{"spec":{"extra":{"b":[3],"d":{"f":1}}}}"#),
        Case(name: "unstructured field keeps dollar keys as data",
             original: #"{"spec":{"config":{"x":1}}}"#,
             patch: #"{"spec":{"config":{"$patch":"delete","y":null,"x":2}}}"#,
             expected: #"{"spec":{"config":{"x":2,"$patch":"delete"}}}"#),
        Case(name: "new values drop nulls and directive elements",
             original: #"{"spec":{}}"#,
             patch: #"{"spec":{"containers":[{"name":"a","image":null,"env":[{"name":"E","value":null}]},{"$patch":"delete","name":"zz"}],"nodeSelector":{"a":"1","b":null}}}"#,
             expected: #"{"spec":{"containers":[{"name":"a","env":[{"name":"E"}]}],"nodeSelector":{"a":"1"}}}"#),
        Case(name: "new map carrying $patch is dropped (upstream)",
             original: #"{"spec":{}}"#,
             patch: #"{"spec":{"securityContext":{"$patch":"replace","runAsUser":1}}}"#,
             expected: #"{"spec":{}}"#),
        Case(name: "value of another JSON type replaces bad original data",
             original: #"{"spec":{"containers":"bogus"}}"#,
             patch: #"{"spec":{"containers":[{"name":"a"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"a"}]}}"#),
        Case(name: "duplicate merge keys in the patch merge together",
             original: #"{"spec":{"containers":[{"name":"b"}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"a","image":"1"},{"name":"a","image":"2"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"a","image":"2"},{"name":"b"}]}}"#),
        Case(name: "empty list in patch leaves merge list alone",
             original: #"{"spec":{"containers":[{"name":"a"}]}}"#,
             patch: #"{"spec":{"containers":[]}}"#,
             expected: #"{"spec":{"containers":[{"name":"a"}]}}"#),
        Case(name: "patch order wins for elements it names",
             original: #"{"spec":{"containers":[{"name":"1"},{"name":"2","image":"b"},{"name":"3"}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"3","image":"c"},{"name":"1","image":"a"},{"name":"2","args":["x"]}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"3","image":"c"},{"name":"1","image":"a"},{"name":"2","image":"b","args":["x"]}]}}"#),
        Case(name: "unnamed server elements interleave by server order",
             original: #"{"spec":{"containers":[{"name":"1"},{"name":"2","image":"b"},{"name":"3"}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"3","image":"c"},{"name":"1","image":"a"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"2","image":"b"},{"name":"3","image":"c"},{"name":"1","image":"a"}]}}"#),
        Case(name: "patch order for primitive lists",
             original: #"{"metadata":{"finalizers":["1","2","3"]}}"#,
             patch: #"{"metadata":{"finalizers":["3","1"]}}"#,
             expected: #"{"metadata":{"finalizers":["2","3","1"]}}"#),
        Case(name: "setElementOrder naming an absent element",
             original: #"{"spec":{"containers":[{"name":"1"},{"name":"3"}]}}"#,
             patch: #"{"spec":{"$setElementOrder/containers":[{"name":"3"},{"name":"2"},{"name":"1"}],"containers":[{"name":"3","image":"3"},{"name":"1","image":"1"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"3","image":"3"},{"name":"1","image":"1"}]}}"#),
        Case(name: "lone $patch replace empties a merged list",
             original: #"{"spec":{"containers":[{"name":"1"},{"name":"2"}]}}"#,
             patch: #"{"spec":{"containers":[{"$patch":"replace"}]}}"#,
             expected: #"{"spec":{"containers":[]}}"#),
        Case(name: "delete removes every duplicate",
             original: #"{"spec":{"containers":[{"name":"1"},{"name":"1"},{"name":"2","image":"a"},{"name":"3"},{"name":"3"}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"1","$patch":"delete"},{"name":"3","$patch":"delete"}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"2","image":"a"}]}}"#),
        Case(name: "empty map for a retainKeys field changes nothing",
             original: #"{"spec":{"updateStrategy":{"type":"A","rollingUpdate":{"maxSurge":1}}}}"#,
             patch: #"{"spec":{"updateStrategy":{}}}"#,
             expected: #"{"spec":{"updateStrategy":{"type":"A","rollingUpdate":{"maxSurge":1}}}}"#),
        Case(name: "empty lists stay empty",
             original: #"{"spec":{"containers":[]}}"#, patch: #"{"spec":{"containers":[]}}"#,
             expected: #"{"spec":{"containers":[]}}"#),
        Case(name: "deleteFromPrimitiveList works on a list without merge strategy",
             original: #"{"spec":{"containers":[{"name":"a","args":["x","y","x"]}]}}"#,
             patch: #"{"spec":{"containers":[{"name":"a","$deleteFromPrimitiveList/args":["x"]}]}}"#,
             expected: #"{"spec":{"containers":[{"name":"a","args":["y"]}]}}"#),
        Case(name: "new primitive list drops directive elements",
             original: #"{"metadata":{}}"#,
             patch: #"{"metadata":{"finalizers":[{"$patch":"replace"},"z"]}}"#,
             expected: #"{"metadata":{"finalizers":["z"]}}"#),
        Case(name: "scalar changes and new fields",
             original: #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}"#,
             patch: #"{"metadata":{"name":"q","annotations":{"x":"y"}},"spec":{"priority":5}}"#,
             expected: #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"q","annotations":{"x":"y"}},"spec":{"priority":5}}"#),
    ]

    @Test(arguments: cases)
    func appliesPatch(_ c: Case) throws {
        let result = try StrategicMergePatch.apply(
            patchJSON(c.patch), to: patchJSON(c.original), schema: PatchFixtures.schema, definition: "test.Pod")
        #expect(result == patchJSON(c.expected), "got \(PatchText.compact(result, limit: 2000))")
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var original: String
        var patch: String
        var kind: PatchErrorKind
        var message: String
        var testDescription: String { name }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(name: "patch is not an object", original: "{}", patch: "[1]",
                  kind: .malformedPatch, message: "must be a JSON object"),
        ErrorCase(name: "original is not an object", original: "[1]", patch: "{}",
                  kind: .invalidDocument, message: "expected an object"),
        ErrorCase(name: "list element lacks merge key",
                  original: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                  patch: #"{"spec":{"containers":[{"image":"x"}]}}"#,
                  kind: .invalidStrategicPatch,
                  message: #"at /spec/containers: map: {"image":"x"} does not contain declared merge key: name"#),
        ErrorCase(name: "delete directive lacks merge key",
                  original: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                  patch: #"{"spec":{"containers":[{"$patch":"delete"}]}}"#,
                  kind: .invalidStrategicPatch, message: "does not contain declared merge key: name"),
        ErrorCase(name: "original element lacks merge key",
                  original: #"{"spec":{"containers":[{"image":"a"}]}}"#,
                  patch: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                  kind: .invalidStrategicPatch, message: "does not contain declared merge key: name"),
        ErrorCase(name: "unknown $patch in a map",
                  original: #"{"spec":{"nodeSelector":{"a":"1"}}}"#,
                  patch: #"{"spec":{"nodeSelector":{"$patch":"frob"}}}"#,
                  kind: .invalidStrategicPatch, message: "unknown $patch directive \"frob\""),
        ErrorCase(name: "unknown $patch at the top", original: "{}", patch: #"{"$patch":5}"#,
                  kind: .invalidStrategicPatch, message: "unknown $patch directive 5"),
        ErrorCase(name: "unknown $patch in a list element",
                  original: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                  patch: #"{"spec":{"containers":[{"name":"a","$patch":"frob"}]}}"#,
                  kind: .invalidStrategicPatch, message: "unknown $patch directive \"frob\" in list element"),
        ErrorCase(name: "$patch delete in primitive list",
                  original: #"{"metadata":{"finalizers":["a"]}}"#,
                  patch: #"{"metadata":{"finalizers":[{"$patch":"delete"}]}}"#,
                  kind: .invalidStrategicPatch, message: "not supported in a list of primitive values"),
        ErrorCase(name: "$retainKeys is not a list",
                  original: #"{"spec":{"updateStrategy":{"type":"A"}}}"#,
                  patch: #"{"spec":{"updateStrategy":{"$retainKeys":"type"}}}"#,
                  kind: .invalidStrategicPatch, message: "$retainKeys must be a list of strings, got string"),
        ErrorCase(name: "$retainKeys holds a number",
                  original: #"{"spec":{"updateStrategy":{"type":"A"}}}"#,
                  patch: #"{"spec":{"updateStrategy":{"$retainKeys":["type",1]}}}"#,
                  kind: .invalidStrategicPatch, message: "$retainKeys must be a list of strings, found 1"),
        ErrorCase(name: "patch field not listed in $retainKeys",
                  original: #"{"spec":{"updateStrategy":{"type":"A"}}}"#,
                  patch: #"{"spec":{"updateStrategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":1}}}}"#,
                  kind: .invalidStrategicPatch, message: "\"rollingUpdate\" is set in the patch but not listed in $retainKeys"),
        ErrorCase(name: "list field given a string", original: #"{"spec":{}}"#,
                  patch: #"{"spec":{"containers":"x"}}"#,
                  kind: .typeMismatch, message: "at /spec/containers: expected array, got string"),
        ErrorCase(name: "struct field given a list", original: "{}", patch: #"{"metadata":[1]}"#,
                  kind: .typeMismatch, message: "at /metadata: expected object, got array"),
        ErrorCase(name: "map field given a string", original: #"{"metadata":{}}"#,
                  patch: #"{"metadata":{"labels":"x"}}"#,
                  kind: .typeMismatch, message: "expected object, got string"),
        ErrorCase(name: "nested type mismatch names the element",
                  original: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                  patch: #"{"spec":{"containers":[{"name":"a","ports":{}}]}}"#,
                  kind: .typeMismatch, message: #"at /spec/containers[name="a"]/ports: expected array, got object"#),
        ErrorCase(name: "string element in keyed list",
                  original: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                  patch: #"{"spec":{"containers":["a"]}}"#,
                  kind: .invalidStrategicPatch, message: "must hold only objects"),
        ErrorCase(name: "object in primitive merge list",
                  original: #"{"metadata":{"finalizers":["x"]}}"#,
                  patch: #"{"metadata":{"finalizers":[{"a":1}]}}"#,
                  kind: .invalidStrategicPatch, message: "without a patch merge key"),
        ErrorCase(name: "list of lists in primitive merge list",
                  original: #"{"metadata":{"finalizers":["x"]}}"#,
                  patch: #"{"metadata":{"finalizers":[["a"]]}}"#,
                  kind: .invalidStrategicPatch, message: "lists of lists"),
        ErrorCase(name: "$deleteFromPrimitiveList is not a list",
                  original: #"{"metadata":{"finalizers":["x"]}}"#,
                  patch: #"{"metadata":{"$deleteFromPrimitiveList/finalizers":"x"}}"#,
                  kind: .invalidStrategicPatch, message: "must be a list"),
        ErrorCase(name: "$setElementOrder is not a list",
                  original: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                  patch: #"{"spec":{"$setElementOrder/containers":{"name":"a"}}}"#,
                  kind: .invalidStrategicPatch, message: "must be a list"),
        ErrorCase(name: "$setElementOrder contradicts patch order",
                  original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
                  patch: #"{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"b","image":"1"},{"name":"a","image":"2"}]}}"#,
                  kind: .invalidStrategicPatch, message: "does not match $setElementOrder/containers"),
        ErrorCase(name: "$setElementOrder element lacks merge key",
                  original: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                  patch: #"{"spec":{"$setElementOrder/containers":[{"image":"a"}]}}"#,
                  kind: .invalidStrategicPatch, message: "does not contain declared merge key: name"),
        ErrorCase(name: "$setElementOrder over a non-list",
                  original: #"{"spec":{"containers":{"name":"a"}}}"#,
                  patch: #"{"spec":{"$setElementOrder/containers":[{"name":"a"}]}}"#,
                  kind: .invalidStrategicPatch, message: "applies to a list"),
        ErrorCase(name: "malformed directive key", original: #"{"spec":{}}"#,
                  patch: #"{"spec":{"$setElementOrder":[]}}"#,
                  kind: .invalidStrategicPatch, message: "malformed directive key \"$setElementOrder\""),
        ErrorCase(name: "malformed delete directive key", original: #"{"spec":{}}"#,
                  patch: #"{"spec":{"$deleteFromPrimitiveList/":[]}}"#,
                  kind: .invalidStrategicPatch, message: "malformed directive key"),
    ]

    @Test(arguments: errorCases)
    func rejectsInvalidInput(_ c: ErrorCase) {
        let original = patchJSON(c.original)
        do {
            let result = try StrategicMergePatch.apply(
                patchJSON(c.patch), to: original, schema: PatchFixtures.schema, definition: "test.Pod")
            Issue.record("expected an error, got \(PatchText.compact(result))")
        } catch {
            #expect(PatchErrorKind(error) == c.kind, "\(error)")
            #expect(error.description.contains(c.message), "\(error.description)")
        }
    }

    @Test func mergeKeyErrorMessageIsComplete() {
        #expect(throws: PatchError.invalidStrategicPatch(
            path: "/spec/containers", reason: #"map: {"image":"x"} does not contain declared merge key: name"#)
        ) {
            try StrategicMergePatch.apply(
                patchJSON(#"{"spec":{"containers":[{"image":"x"}]}}"#), to: patchJSON(#"{"spec":{"containers":[]}}"#),
                schema: PatchFixtures.schema, definition: "test.Pod")
        }
    }

    @Test func resolvesDefinitionFromKind() throws {
        let result = try StrategicMergePatch.apply(
            patchJSON(#"{"metadata":{"finalizers":["b"]}}"#), to: patchJSON(#"{"metadata":{"finalizers":["a"]}}"#),
            schema: PatchFixtures.schema, kind: PatchFixtures.podKind)
        #expect(result == patchJSON(#"{"metadata":{"finalizers":["b","a"]}}"#))
    }

    @Test func unknownKindAndDefinitionAreErrors() {
        let other = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
        #expect(throws: PatchError.unknownKind(other)) {
            try StrategicMergePatch.apply(patchJSON("{}"), to: patchJSON("{}"), schema: PatchFixtures.schema, kind: other)
        }
        #expect(throws: PatchError.unknownDefinition("nope")) {
            try StrategicMergePatch.apply(patchJSON("{}"), to: patchJSON("{}"), schema: PatchFixtures.schema, definition: "nope")
        }
    }

    @Test func nullOriginalIsAnEmptyObject() throws {
        let result = try StrategicMergePatch.apply(
            patchJSON(#"{"spec":{"hostname":"h"}}"#), to: .null, schema: PatchFixtures.schema, definition: "test.Pod")
        #expect(result == patchJSON(#"{"spec":{"hostname":"h"}}"#))
    }

    @Test func keepsOriginalMemberOrder() throws {
        let result = try StrategicMergePatch.apply(
            .object(["spec": .object(["priority": .int(1)]), "kind": .string("Pod"), "apiVersion": .string("v1")]),
            to: .object(["apiVersion": .string("v0"), "kind": .string("Pod"), "metadata": .object([:])]),
            schema: PatchFixtures.schema, definition: "test.Pod")
        guard case .object(let members) = result else {
            Issue.record("expected object")
            return
        }
        #expect(Array(members.keys) == ["apiVersion", "kind", "metadata", "spec"])
    }
}
