import Testing
import KubeAPI

/// The generated `MergeSchema.kubernetes` table.
@Suite struct KubernetesMergeSchemaTests {
    let schema = MergeSchema.kubernetes

    @Test func podContainersMergeByName() throws {
        let spec = try #require(schema.fields(of: "io.k8s.api.core.v1.PodSpec"))
        let containers = try #require(spec["containers"])
        #expect(containers.type == .array(.object("io.k8s.api.core.v1.Container")))
        #expect(containers.patchStrategies == [.merge])
        #expect(containers.patchMergeKey == "name")
        #expect(containers.listType == .map)
        #expect(containers.listMapKeys == ["name"])
        // Scalars are left out.
        #expect(spec["hostname"] == nil)
    }

    @Test func combinedStrategiesAndMaps() throws {
        let volumes = try #require(schema.fields(of: "io.k8s.api.core.v1.PodSpec")?["volumes"])
        #expect(volumes.patchStrategies == [.merge, .retainKeys])
        let labels = try #require(schema.fields(of: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")?["labels"])
        #expect(labels.type == .map(.scalar))
        let strategy = try #require(schema.fields(of: "io.k8s.api.apps.v1.DeploymentSpec")?["strategy"])
        #expect(strategy.type == .object("io.k8s.api.apps.v1.DeploymentStrategy"))
        #expect(strategy.patchStrategies == [.retainKeys])
    }

    @Test func rawJSONIsUnstructured() throws {
        let managed = try #require(schema.fields(of: "io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry")?["fieldsV1"])
        #expect(managed.type == .unstructured)
        let data = try #require(schema.fields(of: "io.k8s.api.apps.v1.ControllerRevision")?["data"])
        #expect(data.type == .unstructured)
    }

    @Test func everyKindHasARootThatResolves() throws {
        for type in KubernetesKinds.allKinds {
            let root = try #require(schema.roots[type.groupVersionKind], "no root for \(type.groupVersionKind)")
            #expect(schema.fields(of: root) != nil)
        }
        #expect(schema.roots[GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")] == "io.k8s.api.apps.v1.Deployment")
    }

    @Test func everyObjectReferenceResolves() {
        func check(_ t: MergeType, _ where_: String) {
            switch t {
            case .object(let name): #expect(schema.fields(of: name) != nil, "\(where_) -> \(name)")
            case .array(let e), .map(let e): check(e, where_)
            case .scalar, .unstructured: break
            }
        }
        for (name, fields) in schema.definitions {
            for (field, f) in fields { check(f.type, "\(name).\(field)") }
        }
    }
}
