import Foundation
import Testing
import KubeAPI

/// Round-trips and wire-format rules of the generated kinds.
@Suite struct GeneratedModelTests {
    static func decodeJSON(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    static func reencode<T: KubernetesKind>(_ type: T.Type, _ data: Data) throws -> JSONValue {
        let value = try JSONDecoder().decode(type, from: data)
        let encoded = try JSONEncoder().encode(value)
        return try JSONDecoder().decode(JSONValue.self, from: encoded)
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func containsNull(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return true
        case .array(let items): return items.contains(where: containsNull)
        case .object(let members): return members.values.contains(where: containsNull)
        default: return false
        }
    }

    /// The path of the first place where two documents differ, or nil when they are equal.
    static func firstDifference(_ a: JSONValue, _ b: JSONValue, path: String = "$") -> String? {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            for key in Set(x.keys).union(y.keys).sorted() {
                guard let u = x[key], let v = y[key] else { return "\(path).\(key) present on one side only" }
                if let d = firstDifference(u, v, path: "\(path).\(key)") { return d }
            }
            return nil
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return "\(path) has \(x.count) vs \(y.count) elements" }
            for (i, (u, v)) in zip(x, y).enumerated() {
                if let d = firstDifference(u, v, path: "\(path)[\(i)]") { return d }
            }
            return nil
        default:
            return a == b ? nil : "\(path): \(a) vs \(b)"
        }
    }

    @Test(arguments: KubernetesKinds.allKinds.map { $0.groupVersionKind })
    func sampleRoundTrips(gvk: GroupVersionKind) throws {
        let text = try #require(KindSamples.documents[gvk.description], "no sample for \(gvk)")
        let type = try #require(KubernetesKinds.kindType(for: gvk))
        let original = try Self.decodeJSON(text)
        let again = try Self.reencode(type, Data(text.utf8))
        #expect(Self.firstDifference(original, again) == nil)
        #expect(again == original)
        #expect(!Self.containsNull(again))
    }

    static func typeMeta<T: KubernetesKind>(_ type: T.Type, _ data: Data) throws -> (String?, String?) {
        let value = try JSONDecoder().decode(type, from: data)
        return (value.apiVersion, value.kind)
    }

    @Test(arguments: KubernetesKinds.allKinds.map { $0.groupVersionKind })
    func minimalDocumentDecodes(gvk: GroupVersionKind) throws {
        let type = try #require(KubernetesKinds.kindType(for: gvk))
        let text = #"{"apiVersion":"\#(gvk.apiVersion)","kind":"\#(gvk.kind)"}"#
        let (apiVersion, kind) = try Self.typeMeta(type, Data(text.utf8))
        #expect(apiVersion == gvk.apiVersion)
        #expect(kind == gvk.kind)
        let (noVersion, noKind) = try Self.typeMeta(type, Data("{}".utf8))
        #expect(noVersion == nil && noKind == nil)
    }

    @Test func samplesCoverExactlyTheKinds() {
        let kinds = Set(KubernetesKinds.allKinds.map { $0.groupVersionKind.description })
        #expect(Set(KindSamples.documents.keys) == kinds)
        #expect(KubernetesKinds.all.count > 50)
    }

    @Test func defaultPodEncodesMetadataAndNoNulls() throws {
        let json = try Self.encode(CoreV1.Pod())
        #expect(json == #"{"apiVersion":"v1","kind":"Pod","metadata":{}}"#)
        #expect(!json.contains("null"))
    }

    @Test func defaultListEncodesMetadataAndItems() throws {
        let json = try Self.encode(CoreV1.PodList())
        #expect(json == #"{"apiVersion":"v1","items":[],"kind":"PodList","metadata":{}}"#)
    }

    @Test func missingMetadataDecodesAsEmpty() throws {
        let pod = try JSONDecoder().decode(CoreV1.Pod.self, from: Data(#"{"kind":"Pod"}"#.utf8))
        #expect(pod.metadata == MetaV1.ObjectMeta())
        #expect(pod.apiVersion == nil)
        #expect(pod.kind == "Pod")
        let list = try JSONDecoder().decode(AppsV1.DeploymentList.self, from: Data(#"{"items":null}"#.utf8))
        #expect(list.items.isEmpty)
    }

    @Test func nilFieldsAreOmitted() throws {
        var pod = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: "web", namespace: "default"))
        pod.spec = CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx", name: "web")])
        let json = try Self.encode(pod)
        #expect(json == #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{"containers":[{"image":"nginx","name":"web"}]}}"#)
    }

    @Test func unknownFieldsAreIgnored() throws {
        let text = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","futureField":1},"spec":{"replicas":3,"somethingNew":{"a":[1,2]}},"extra":true}"#
        let deployment = try JSONDecoder().decode(AppsV1.Deployment.self, from: Data(text.utf8))
        #expect(deployment.metadata.name == "d")
        #expect(deployment.spec?.replicas == 3)
        let json = try Self.encode(deployment)
        #expect(json == #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":3}}"#)
    }

    @Test(arguments: [
        #"{"spec":{"replicas":"three"}}"#,
        #"{"metadata":{"labels":["a"]}}"#,
        #"{"metadata":"nope"}"#,
        #"{"spec":{"template":{"spec":{"containers":{"name":"x"}}}}}"#,
        #"[1,2]"#,
    ])
    func wrongTypesThrowDecodingError(text: String) {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(AppsV1.Deployment.self, from: Data(text.utf8))
        }
    }

    @Test(arguments: [
        (GroupVersionKind(group: "apps", version: "v1", kind: "Deployment"), "Deployment"),
        (GroupVersionKind(group: "", version: "v1", kind: "Pod"), "Pod"),
        (GroupVersionKind(group: "batch", version: "v1", kind: "Job"), "Job"),
        (GroupVersionKind(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole"), "ClusterRole"),
    ])
    func lookupByGroupVersionKind(gvk: GroupVersionKind, kind: String) throws {
        let type = try #require(KubernetesKinds.objectType(for: gvk))
        #expect(type.groupVersionKind == gvk)
        #expect(String(describing: type) == kind)
    }

    static func same(_ a: Any.Type?, _ b: Any.Type) -> Bool {
        a.map { ObjectIdentifier($0) == ObjectIdentifier(b) } ?? false
    }

    @Test func lookupOfSpecificTypes() {
        #expect(Self.same(KubernetesKinds.objectType(for: AppsV1.Deployment.groupVersionKind), AppsV1.Deployment.self))
        #expect(Self.same(KubernetesKinds.objectType(for: CoreV1.Pod.groupVersionKind), CoreV1.Pod.self))
        #expect(Self.same(KubernetesKinds.objectType(for: BatchV1.Job.groupVersionKind), BatchV1.Job.self))
        #expect(Self.same(KubernetesKinds.listType(for: GroupVersionKind(group: "", version: "v1", kind: "PodList")), CoreV1.PodList.self))
        #expect(Self.same(KubernetesKinds.kindType(for: GroupVersionKind(group: "", version: "v1", kind: "Status")), MetaV1.Status.self))
        // Wrong group, unknown kind, list asked as object.
        #expect(KubernetesKinds.objectType(for: GroupVersionKind(group: "", version: "v1", kind: "Deployment")) == nil)
        #expect(KubernetesKinds.objectType(for: GroupVersionKind(group: "apps", version: "v1", kind: "Widget")) == nil)
        #expect(KubernetesKinds.objectType(for: GroupVersionKind(group: "", version: "v1", kind: "PodList")) == nil)
    }

    @Test func listItemTypeIsTheObjectKind() {
        func item<L: KubernetesList>(_: L.Type) -> any KubernetesObject.Type { L.Item.self }
        #expect(Self.same(item(CoreV1.PodList.self), CoreV1.Pod.self))
        #expect(Self.same(item(AppsV1.DeploymentList.self), AppsV1.Deployment.self))
    }

    @Test func keywordAndNonIdentifierNamesUseTheirJSONNames() throws {
        var props = ApiextensionsV1.JSONSchemaProps()
        props.ref = "#/defs/x"
        props.xKubernetesPreserveUnknownFields = true
        props.default = .int(3)
        props.enum = [.string("a")]
        props.not = ApiextensionsV1.JSONSchemaProps(type: "string")
        let json = try Self.encode(props)
        #expect(json == ##"{"$ref":"#/defs/x","default":3,"enum":["a"],"not":{"type":"string"},"x-kubernetes-preserve-unknown-fields":true}"##)
        let back = try JSONDecoder().decode(ApiextensionsV1.JSONSchemaProps.self, from: Data(json.utf8))
        #expect(back == props)
        #expect(back.not?.type == "string")
    }

    @Test func requirementOperatorIsAPlainField() throws {
        let r = try JSONDecoder().decode(MetaV1.LabelSelectorRequirement.self, from: Data(#"{"key":"app","operator":"In","values":["web"]}"#.utf8))
        #expect(r.operator == "In")
        #expect(r.values == ["web"])
    }
}
