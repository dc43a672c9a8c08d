import Testing
@testable import KubeAPI

/// Field sets and their `fieldsV1` form.
@Suite struct FieldSetTests {
    static func json(_ text: String) -> JSONValue { try! JSONValue(parsing: text) }
    static func text(_ value: JSONValue) -> String { String(decoding: value.serialized(escapingHTML: false), as: UTF8.self) }

    static let deploymentRoot = MergeSchema.kubernetes.roots[GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")]

    /// Objects (as Deployments) and the `fieldsV1` of their field sets.
    static let fieldSetCases: [(String, String, String)] = [
        ("scalars", #"{"spec":{"replicas":2,"paused":true}}"#, #"{"f:spec":{"f:paused":{},"f:replicas":{}}}"#),
        ("map keys are members, the map itself is not",
         #"{"metadata":{"labels":{"app":"web","tier":"a"}}}"#, #"{"f:metadata":{"f:labels":{"f:app":{},"f:tier":{}}}}"#),
        ("atomic struct (LabelSelector) is a leaf",
         #"{"spec":{"selector":{"matchLabels":{"app":"web"}}}}"#, #"{"f:spec":{"f:selector":{}}}"#),
        ("keyed list items are members with their fields",
         #"{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx"}]}}}}"#,
         #"{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{}}}}}}}"#),
        ("two map keys sorted by name",
         #"{"spec":{"template":{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"protocol":"TCP"}]}]}}}}"#,
         #"{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"a\"}":{".":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}"#),
        ("set items by value", #"{"metadata":{"finalizers":["b","a"]}}"#, #"{"f:metadata":{"f:finalizers":{"v:\"a\"":{},"v:\"b\"":{}}}}"#),
        ("atomic list is a leaf", #"{"spec":{"template":{"spec":{"containers":[{"name":"a","args":["x","y"]}]}}}}"#,
         #"{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"a\"}":{".":{},"f:args":{},"f:name":{}}}}}}}"#),
        ("empty object and null are members", #"{"spec":{"strategy":{},"minReadySeconds":null}}"#, #"{"f:spec":{"f:minReadySeconds":{},"f:strategy":{}}}"#),
        ("atomic map field (nodeSelector)", #"{"spec":{"template":{"spec":{"nodeSelector":{"a":"b"}}}}}"#, #"{"f:spec":{"f:template":{"f:spec":{"f:nodeSelector":{}}}}}"#),
        ("unknown object members are deduced", #"{"extra":{"a":{"b":1}}}"#, #"{"f:extra":{".":{},"f:a":{".":{},"f:b":{}}}}"#),
    ]

    @Test(arguments: fieldSetCases)
    func fieldSetOfObject(_ name: String, _ object: String, _ expected: String) throws {
        let set = MergeSchema.kubernetes.fieldSet(of: Self.json(object), root: Self.deploymentRoot)
        #expect(Self.text(set.fieldsV1) == expected, "\(name)")
        // Round trip through the wire form.
        let decoded = try FieldSet(fieldsV1: set.fieldsV1)
        #expect(decoded == set, "\(name)")
    }

    @Test func pathDescriptions() {
        let path: FieldPath = [.field("spec"), .field("containers"), .key(["name": "nginx"]), .field("image")]
        #expect(path.pathDescription == #".spec.containers[name="nginx"].image"#)
        #expect(([.field("f"), .value("x"), .index(3)] as FieldPath).pathDescription == #".f[="x"][3]"#)
        #expect(PathElement.key(["b": 1, "a": "x"]).pathDescription == #"[a="x",b=1]"#)
    }

    @Test func setAlgebra() {
        let a = FieldSet(paths: [[.field("a")], [.field("b"), .field("c")], [.field("b"), .field("d")]])
        let b = FieldSet(paths: [[.field("b"), .field("c")], [.field("e")]])
        #expect(a.union(b).paths.count == 4)
        #expect(a.intersection(b) == FieldSet(paths: [[.field("b"), .field("c")]]))
        #expect(a.subtracting(b) == FieldSet(paths: [[.field("a")], [.field("b"), .field("d")]]))
        #expect(b.subtracting(a) == FieldSet(paths: [[.field("e")]]))
        #expect(a.subtracting(a).isEmpty)
        // A member removes only itself in a plain difference, its subtree in a recursive one.
        let withParent = FieldSet(paths: [[.field("b")]])
        #expect(a.subtracting(withParent) == a)
        #expect(a.subtractingRecursively(withParent) == FieldSet(paths: [[.field("a")]]))
        #expect(a.contains([.field("b"), .field("c")]))
        #expect(!a.contains([.field("b")]))
        #expect(a.touches([.field("b")]))
        #expect(a.removingSubtree([.field("b")]) == FieldSet(paths: [[.field("a")]]))
        #expect(a.keepingSubtree([.field("b")]) == FieldSet(paths: [[.field("b"), .field("c")], [.field("b"), .field("d")]]))
    }

    @Test func memberWithChildrenEncodesDot() throws {
        let set = FieldSet(paths: [[.field("a")], [.field("a"), .field("b")], [.index(2)], [.value(5)]])
        let encoded = Self.text(set.fieldsV1)
        #expect(encoded == #"{"f:a":{".":{},"f:b":{}},"v:5":{},"i:2":{}}"#)
        #expect(try FieldSet(fieldsV1: set.fieldsV1) == set)
    }

    /// Documents that are not field sets, with a word of the expected reason.
    static let garbage: [(String, String)] = [
        (#"[]"#, "expected an object"),
        (#"{"x:a":{}}"#, "unrecognized"),
        (#"{"a":{}}"#, "unrecognized"),
        (#"{"f:a":1}"#, "expected an object"),
        (#"{"k:[1]":{}}"#, "key"),
        (#"{"k:{}":{}}"#, "key"),
        (#"{"k:{\"a\":{}}":{}}"#, "scalars"),
        (#"{"v:nope":{}}"#, "JSON"),
        (#"{"i:-1":{}}"#, "index"),
        (#"{"f:a":{".":1}}"#, "\".\""),
    ]

    @Test(arguments: garbage)
    func malformedFieldsV1IsRefused(_ document: String, _ reason: String) {
        #expect {
            _ = try FieldSet(fieldsV1: Self.json(document))
        } throws: { error in
            guard case .malformedFieldsV1(_, let why)? = error as? FieldManagementError else { return false }
            return why.contains(reason)
        }
    }

    @Test func compareReportsAddedModifiedRemoved() {
        let old = Self.json(#"{"spec":{"replicas":1,"paused":true,"template":{"spec":{"containers":[{"name":"a","image":"x"}]}}}}"#)
        let new = Self.json(#"{"spec":{"replicas":2,"minReadySeconds":5,"template":{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}}}"#)
        let c = MergeSchema.kubernetes.compare(old, new, root: Self.deploymentRoot)
        let containers: FieldPath = [.field("spec"), .field("template"), .field("spec"), .field("containers")]
        #expect(c.modified == FieldSet(paths: [[.field("spec"), .field("replicas")]]))
        #expect(c.removed == FieldSet(paths: [[.field("spec"), .field("paused")]]))
        #expect(c.added == FieldSet(paths: [
            [.field("spec"), .field("minReadySeconds")],
            containers + [.key(["name": "b"])], containers + [.key(["name": "b"]), .field("name")],
            containers + [.key(["name": "b"]), .field("image")],
        ]))
        #expect(MergeSchema.kubernetes.compare(old, old, root: Self.deploymentRoot).isSame)
    }

    @Test func newMapIsAddedWithItsKeys() {
        let c = MergeSchema.kubernetes.compare(Self.json(#"{"metadata":{}}"#), Self.json(#"{"metadata":{"labels":{"a":"1"}}}"#), root: Self.deploymentRoot)
        #expect(Self.text(c.added.fieldsV1) == #"{"f:metadata":{"f:labels":{".":{},"f:a":{}}}}"#)
    }
}
