import Testing
@testable import KubeAPI

/// Strategic merge patches against the generated schema of the real kinds.
@Suite struct PatchKubernetesSchemaTests {
    let deployment = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")

    @Test func containersMergeByNameAndEnvByName() throws {
        let original = try JSONValue(parsing: """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
             "spec":{"replicas":1,"template":{"spec":{"containers":[
               {"name":"app","image":"nginx:1","env":[{"name":"A","value":"1"}]},
               {"name":"sidecar","image":"busybox"}]}}}}
            """)
        let patch = try JSONValue(parsing: """
            {"metadata":{"labels":{"tier":"front"}},
             "spec":{"replicas":3,"template":{"spec":{"containers":[
               {"name":"app","image":"nginx:2","env":[{"name":"B","value":"2"}]}]}}}}
            """)
        let result = try StrategicMergePatch.apply(patch, to: original, schema: .kubernetes, kind: deployment)
        let containers = try #require(result[path: "spec", "template", "spec", "containers"]?.arrayValue)
        #expect(containers.count == 2)
        let app = try #require(containers.first { $0["name"] == "app" })
        #expect(app["image"] == "nginx:2")
        #expect(app["env"]?.arrayValue?.count == 2)
        #expect(result[path: "spec", "replicas"] == 3)
        #expect(result[path: "metadata", "labels"] == ["app": "web", "tier": "front"])
    }

    @Test func deleteDirectiveRemovesOneContainer() throws {
        let original = try JSONValue(parsing: """
            {"spec":{"template":{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}}}
            """)
        let patch = try JSONValue(parsing: #"{"spec":{"template":{"spec":{"containers":[{"name":"b","$patch":"delete"}]}}}}"#)
        let result = try StrategicMergePatch.apply(patch, to: original, schema: .kubernetes, kind: deployment)
        #expect(result[path: "spec", "template", "spec", "containers"]?.arrayValue?.count == 1)
    }

    @Test func containerWithoutMergeKeyIsRefused() throws {
        let original = try JSONValue(parsing: #"{"spec":{"template":{"spec":{"containers":[{"name":"a"}]}}}}"#)
        let patch = try JSONValue(parsing: #"{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}"#)
        #expect(throws: PatchError.self) {
            try StrategicMergePatch.apply(patch, to: original, schema: .kubernetes, kind: deployment)
        }
    }
}
